"""``/videos``: generation jobs, ``queued`` at creation, ``in_progress`` from the first poll and
``completed`` after ``backend.polls`` polls (retrieves). The content of a completed video is a
small, deterministic MP4-shaped file (WebP-shaped for the ``thumbnail`` and ``spritesheet``
variants). A completed video can be remixed into a new job."""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from .._multipart import read_form
from .._pages import cursor_page
from .._router import Router
from .._state import Backend, Progress
from .._types import JSON, ApiError, Call, Reply, json_reply, not_found

__all__ = ["content_bytes", "register"]

_DEFAULTS = {"model": "sora-2", "seconds": "4", "size": "720x1280"}
_VARIANTS = {"video": "video/mp4", "thumbnail": "image/webp", "spritesheet": "image/webp"}
_MP4_BRANDS = b"isom" + struct.pack(">I", 0x200) + b"isomiso2avc1mp41"


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _noise(seed: str, size: int) -> bytes:
    """``size`` bytes that depend only on ``seed``."""
    out = bytearray()
    block = hashlib.sha256(seed.encode()).digest()
    while len(out) < size:
        out += block
        block = hashlib.sha256(block).digest()
    return bytes(out[:size])


def content_bytes(video: JSON, variant: str) -> bytes:
    """The downloadable asset of a video: an MP4 (``ftyp`` + ``mdat`` boxes) or a WebP."""
    seed = f"{video['id']}:{video['prompt']}:{variant}"
    if variant == "video":
        payload = _noise(seed, 1024 * int(video["seconds"]))
        return _box(b"ftyp", _MP4_BRANDS) + _box(b"mdat", payload)
    image = b"VP8 " + struct.pack("<I", 256) + _noise(seed, 256)
    return b"RIFF" + struct.pack("<I", 4 + len(image)) + b"WEBP" + image


@dataclass
class _Video:
    obj: JSON
    progress: Progress
    total: int

    def poll(self, now: int) -> JSON:
        obj = self.obj
        if obj["status"] not in ("queued", "in_progress"):
            return obj
        self.progress.tick()
        if self.progress.done:
            obj.update(status="completed", progress=100, completed_at=now, expires_at=now + 86_400)
        else:
            done = self.total - self.progress.left
            obj.update(status="in_progress", progress=100 * done // max(self.total, 1))
        return obj


class _Videos:
    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.videos: dict[str, _Video] = {}

    def find(self, call: Call) -> _Video:
        found = self.videos.get(call.params["video_id"])
        if found is None:
            raise not_found("video", call.params["video_id"], "video_id")
        return found

    def new(self, params: JSON, remixed_from: str | None = None) -> JSON:
        settings = {key: params.get(key) or default for key, default in _DEFAULTS.items()}
        obj: JSON = {
            "id": self.backend.new_id("video_"),
            "object": "video",
            **settings,
            "status": "queued",
            "progress": 0,
            "created_at": self.backend.now(),
            "completed_at": None,
            "expires_at": None,
            "prompt": params["prompt"],
            "remixed_from_video_id": remixed_from,
            "error": None,
        }
        polls = self.backend.polls
        self.videos[obj["id"]] = _Video(obj, Progress(polls), polls)
        return obj


async def _params(call: Call) -> JSON:
    """The create/remix parameters, from a multipart form (as the client sends) or JSON."""
    if call.content_type == "multipart/form-data":
        form = await read_form(call)
        return dict(form.fields)
    return call.json()


def _ready(video: _Video) -> JSON:
    obj = video.obj
    if obj["status"] != "completed":
        raise ApiError(
            400,
            f"Video '{obj['id']}' is {obj['status']}; it can be used once it is completed.",
            param="video_id",
        )
    return obj


def register(router: Router, backend: Backend) -> None:
    videos = _Videos(backend)

    async def create(call: Call) -> Reply:
        return json_reply(videos.new(await _params(call)))

    async def list_videos(call: Call) -> Reply:
        return json_reply(cursor_page([v.obj for v in videos.videos.values()], call.query))

    async def retrieve(call: Call) -> Reply:
        return json_reply(videos.find(call).poll(backend.now()))

    async def delete(call: Call) -> Reply:
        video_id = videos.find(call).obj["id"]
        del videos.videos[video_id]
        return json_reply({"id": video_id, "object": "video.deleted", "deleted": True})

    async def content(call: Call) -> Reply:
        variant = call.query.get("variant", "video")
        if variant not in _VARIANTS:
            raise ApiError(
                400,
                f"Invalid value for 'variant': '{variant}'. Supported values are: "
                + ", ".join(f"'{v}'" for v in _VARIANTS)
                + ".",
                param="variant",
                code="invalid_value",
            )
        obj = _ready(videos.find(call))
        return Reply(body=content_bytes(obj, variant), content_type=_VARIANTS[variant])

    async def remix(call: Call) -> Reply:
        source = _ready(videos.find(call))
        params = {**source, "prompt": (await _params(call))["prompt"]}
        return json_reply(videos.new(params, remixed_from=source["id"]))

    router.add("POST", "/videos", create, pollable=True)
    router.add("GET", "/videos", list_videos)
    router.add("GET", "/videos/{video_id}", retrieve, pollable=True)
    router.add("DELETE", "/videos/{video_id}", delete)
    router.add("GET", "/videos/{video_id}/content", content)
    router.add("POST", "/videos/{video_id}/remix", remix, pollable=True)
