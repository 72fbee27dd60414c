"""The naming table for types: spec schema -> (module, official name), plus its overrides.

Names and modules are the official Python client's public ones (facts from
``../shared/naming/official-python-surface.json``).  A spec schema whose name equals exactly one
official type name is matched automatically; the tables below map the rest.  Schemas with no
official name keep the spec's own name in ``openai_async.types.shared``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, Literal, cast

from codegen.spec import ref_name, resolve

__all__ = [
    "NAMING_FILE",
    "NAMING_PATH",
    "official_returns",
    "SHARED_MODULE",
    "identifier",
    "TypeNames",
    "official_types",
]

NAMING_PATH = Path(__file__).resolve().parent.parent.parent / "shared" / "naming"
NAMING_FILE = NAMING_PATH / "official-python-surface.json"
ROOT_MODULE = "openai_async.types"
SHARED_MODULE = "openai_async.types.shared"

# Spec schema -> (module, name) of its response-side type (a Struct, union alias or enum alias).
RESPONSE_NAMES: dict[str, tuple[str, str]] = {
    "CreateChatCompletionResponse": ("openai_async.types.chat", "ChatCompletion"),
    "CreateChatCompletionStreamResponse": ("openai_async.types.chat", "ChatCompletionChunk"),
    "OpenAIFile": (ROOT_MODULE, "FileObject"),
}

# Spec schema -> (module, name) of its request-side TypedDict or alias, where the official
# name is not simply the response-side name plus ``Param``.
PARAM_NAMES: dict[str, tuple[str, str]] = {
    "ChatCompletionRequestMessage": ("openai_async.types.chat", "ChatCompletionMessageParam"),
}

# Official (module, name) -> what it names, where the automatic passes cannot tell: a component
# schema, ``#op:<operationId>`` (an operation's inline response), or a JSON pointer into the
# spec (``#/components/schemas/X/properties/y``) for an inline schema.
S = "#/components/schemas/"
T = ROOT_MODULE
COMPOSED_PREFIX = "#/x-composed/"
REALTIME_SESSION = S + "RealtimeSessionCreateRequestGA/properties"
TRANSCRIPTION_SESSION = S + "RealtimeTranscriptionSessionCreateRequestGA/properties"
OVERRIDES: dict[tuple[str, str], str] = {
    (T, "AllModels"): "ModelIds",
    (T, "ResponsesModel"): "ModelIdsResponses",
    (T, "ChatModel"): S + "ModelIdsShared/anyOf/1",
    (T, "ImageModel"): S + "CreateImageRequest/properties/model/anyOf/1",
    (T, "EmbeddingModel"): S + "CreateEmbeddingRequest/properties/model/anyOf/1",
    (T, "AudioModel"): S + "CreateTranscriptionRequest/properties/model/anyOf/1",
    (T, "ModerationModel"): S + "CreateModerationRequest/properties/model/anyOf/1",
    (T, "FunctionDefinition"): "FunctionObject",
    (T, "CompletionChoice"): S + "CreateCompletionResponse/properties/choices/items",
    (T, "AutoFileChunkingStrategyParam"): "AutoChunkingStrategyRequestParam",
    (T, "FileChunkingStrategyParam"): "ChunkingStrategyRequestParam",
    (T, "StaticFileChunkingStrategy"): "StaticChunkingStrategy",
    (T, "StaticFileChunkingStrategyObject"): "StaticChunkingStrategyResponseParam",
    (T, "StaticFileChunkingStrategyObjectParam"): "StaticChunkingStrategyRequestParam",
    (T, "OtherFileChunkingStrategyObject"): "OtherChunkingStrategyResponseParam",
    (T, "FileChunkingStrategy"): S + "VectorStoreFileObject/properties/chunking_strategy",
    (T, "SkillList"): "SkillListResource",
    (T + ".skills", "SkillVersionList"): "SkillVersionListResource",
    (T + ".audio", "SpeechModel"): S + "CreateSpeechRequest/properties/model/anyOf/1",
    (T + ".audio", "Transcription"): "CreateTranscriptionResponseJson",
    (T + ".audio", "TranscriptionVerbose"): "CreateTranscriptionResponseVerboseJson",
    (T + ".audio", "TranscriptionDiarized"): "CreateTranscriptionResponseDiarizedJson",
    (T + ".audio", "TranscriptionStreamEvent"): "CreateTranscriptionResponseStreamEvent",
    (T + ".audio", "Translation"): "CreateTranslationResponseJson",
    (T + ".audio", "TranslationVerbose"): "CreateTranslationResponseVerboseJson",
    (T + ".chat", "ChatCompletionStoreMessage"): S
    + "ChatCompletionMessageList/properties/data/items",
    (T + ".chat", "ChatCompletionAudioParam"): S
    + "CreateChatCompletionRequest/allOf/1/properties/audio",
    (T + ".chat", "ChatCompletionPredictionContent"): "PredictionContent",
    (T + ".chat", "ChatCompletionReasoningEffort"): "ReasoningEffort",
    (
        T + ".chat",
        "ChatCompletionContentPartInputAudio",
    ): "ChatCompletionRequestMessageContentPartAudio",
    (T + ".chat", "ChatCompletionFunctionTool"): "ChatCompletionTool",
    (T + ".chat", "ChatCompletionMessageToolCallUnion"): S + "ChatCompletionMessageToolCalls/items",
    (T + ".fine_tuning", "FineTuningJobWandbIntegrationObject"): "FineTuningIntegration",
    (T + ".fine_tuning", "FineTuningJobIntegration"): "FineTuningIntegration",
    (T + ".fine_tuning", "FineTuningJobWandbIntegration"): S
    + "FineTuningIntegration/properties/wandb",
    (T + ".vector_stores", "FileContentResponse"): S
    + "VectorStoreFileContentResponse/properties/data/items",
    (T + ".responses", "ServiceTier"): "ServiceTier",
    (T + ".beta", "AssistantToolChoiceOption"): "AssistantsApiToolChoiceOption",
    (T + ".beta", "AssistantToolChoice"): "AssistantsNamedToolChoice",
    (T + ".beta", "AssistantResponseFormatOption"): "AssistantsApiResponseFormatOption",
    (T + ".beta", "CodeInterpreterTool"): "AssistantToolsCode",
    (T + ".beta", "FileSearchTool"): "AssistantToolsFileSearch",
    (T + ".beta", "FunctionTool"): "AssistantToolsFunction",
    (T + ".beta", "AssistantTool"): S + "AssistantObject/properties/tools/items",
    (T + ".beta.threads", "RunStatus"): S + "RunObject/properties/status",
    (T + ".beta.threads.runs", "CodeInterpreterToolCall"): "RunStepDetailsToolCallsCodeObject",
    (T + ".beta.threads.runs", "CodeInterpreterToolCallDelta"): (
        "RunStepDeltaStepDetailsToolCallsCodeObject"
    ),
    (T + ".beta.threads.runs", "CodeInterpreterOutputImage"): (
        "RunStepDetailsToolCallsCodeOutputImageObject"
    ),
    (T + ".beta.threads.runs", "ToolCallDeltaObject"): "RunStepDeltaStepDetailsToolCallsObject",
    (T + ".beta.threads.runs", "RunStepDeltaMessageDelta"): (
        "RunStepDeltaStepDetailsMessageCreationObject"
    ),
    (T + ".beta.threads.runs", "ToolCall"): S
    + "RunStepDetailsToolCallsObject/properties/tool_calls/items",
    (T + ".beta.threads.runs", "ToolCallDelta"): S
    + "RunStepDeltaStepDetailsToolCallsObject/properties/tool_calls/items",
    # --- shared and top-level types -----------------------------------------------------------
    (T, "ErrorObject"): "Error",
    (T, "CustomToolInputFormat"): S
    + "CustomToolChatCompletions/properties/custom/properties/format",
    (T, "OAuthErrorCode"): COMPOSED_PREFIX + "OAuthErrorCode",
    (T, "FileContent"): COMPOSED_PREFIX + "FileContent",
    (T, "FilePurpose"): S + "CreateFileRequest/properties/purpose",
    (T, "ModerationMultiModalInput"): S + "CreateModerationRequest/properties/input/oneOf/2/items",
    (T, "ModerationImageURLInput"): S
    + "CreateModerationRequest/properties/input/oneOf/2/items/oneOf/0",
    (T, "ModerationTextInput"): S
    + "CreateModerationRequest/properties/input/oneOf/2/items/oneOf/1",
    (T, "BatchUsage"): S + "Batch/properties/usage",
    (T, "ImageInputReferenceParam"): "ImageRefParam-2",
    (T, "VideoCreateError"): S + "VideoResource/properties/error/anyOf/0",
    # --- chat ---------------------------------------------------------------------------------
    (T + ".chat", "ChatCompletionAllowedToolChoice"): "ChatCompletionAllowedToolsChoice",
    (T + ".chat", "ChatCompletionAudio"): S
    + "ChatCompletionResponseMessage/properties/audio/anyOf/0",
    (T + ".chat", "ChatCompletionContentPart"): "ChatCompletionRequestUserMessageContentPart",
    (T + ".chat", "ChatCompletionCustomTool"): "CustomToolChatCompletions",
    (T + ".chat", "ChatCompletionMessageFunctionToolCall"): "ChatCompletionMessageToolCall",
    (T + ".chat", "ChatCompletionModality"): S + "ChatCompletionModalities/anyOf/0/items",
    (T + ".chat", "ChatCompletionToolUnion"): S
    + "CreateChatCompletionRequest/allOf/1/properties/tools/items",
    (T + ".graders", "GraderInputs"): "EvalItemContentArray",
    (T + ".conversations", "ConversationDeleted"): "DeletedConversation",
    (T + ".webhooks", "UnwrapWebhookEvent"): COMPOSED_PREFIX + "UnwrapWebhookEvent",
    # --- assistants ---------------------------------------------------------------------------
    (T + ".beta", "AssistantToolChoiceFunction"): S
    + "AssistantsNamedToolChoice/properties/function",
    (T + ".beta.threads", "RequiredActionFunctionToolCall"): "RunToolCallObject",
    (T + ".beta.threads", "Annotation"): S
    + "MessageContentTextObject/properties/text/properties/annotations/items",
    (T + ".beta.threads", "AnnotationDelta"): S
    + "MessageDeltaContentTextObject/properties/text/properties/annotations/items",
    (T + ".beta.threads", "MessageContent"): S + "MessageObject/properties/content/items",
    (T + ".beta.threads", "MessageContentDelta"): S
    + "MessageDeltaObject/properties/delta/properties/content/items",
    (T + ".beta.threads", "MessageContentPartParam"): S
    + "CreateMessageRequest/properties/content/oneOf/1/items",
    (T + ".beta.threads", "MessageDeltaEvent"): "MessageDeltaObject",
    (T + ".beta.threads", "MessageDelta"): S + "MessageDeltaObject/properties/delta",
    (T + ".beta.threads", "TextContentBlockParam"): "MessageRequestContentTextObject",
    (T + ".beta.threads.runs", "RunStepDeltaEvent"): "RunStepDeltaObject",
    (T + ".beta.threads.runs", "RunStepDelta"): S + "RunStepDeltaObject/properties/delta",
    (T + ".beta.threads.runs", "RunStepInclude"): (
        "#/paths/~1threads~1{thread_id}~1runs~1{run_id}~1steps/get/parameters/6/schema/items"
    ),
    # --- responses (and their beta twins) -----------------------------------------------------
    (T + ".responses", "ResponseCompactionItem"): "CompactionBody",
    (T + ".responses", "ResponseCompactionItemParam"): "CompactionSummaryItemParam",
    (T + ".responses", "ResponseComputerToolCallOutputScreenshot"): "ComputerScreenshotImage",
    (T + ".responses", "ResponseFormatTextConfig"): "TextResponseFormatConfiguration",
    (T + ".responses", "ResponseFormatTextJSONSchemaConfig"): "TextResponseFormatJsonSchema",
    (T + ".responses", "ResponseFunctionCallOutputItemList"): S
    + "FunctionCallOutputItemParam/properties/output/oneOf/1",
    (T + ".responses", "ResponseFunctionCallOutputItem"): S
    + "FunctionCallOutputItemParam/properties/output/oneOf/1/items",
    (T + ".responses", "ResponseFunctionWebSearch"): "WebSearchToolCall",
    (T + ".responses", "ResponseIncludable"): "IncludeEnum",
    (T + ".responses", "ResponseInput"): S + "InputParam/oneOf/1",
    (T + ".responses", "ResponseInputAudio"): "InputAudio",
    (T + ".responses", "ResponseOutputRefusal"): "RefusalContent",
    (T + ".responses", "ResponseStatus"): S + "Response/allOf/2/properties/status",
    (T + ".responses", "ResponseTextConfig"): "ResponseTextParam",
    (T + ".responses", "ToolChoiceApplyPatch"): "SpecificApplyPatchParam",
    (T + ".responses", "ToolChoiceShell"): "SpecificFunctionShellParam",
    (T + ".beta", "BetaResponseCompactionItem"): "BetaCompactionBody",
    (T + ".beta", "BetaResponseCompactionItemParam"): "BetaCompactionSummaryItemParam",
    (T + ".beta", "BetaResponseComputerToolCallOutputScreenshot"): "BetaComputerScreenshotImage",
    (T + ".beta", "BetaResponseFormatTextConfig"): "BetaTextResponseFormatConfiguration",
    (T + ".beta", "BetaResponseFormatTextJSONSchemaConfig"): "BetaTextResponseFormatJsonSchema",
    (T + ".beta", "BetaResponseFunctionCallOutputItemList"): S
    + "BetaFunctionCallOutputItemParam/properties/output/oneOf/1",
    (T + ".beta", "BetaResponseFunctionCallOutputItem"): S
    + "BetaFunctionCallOutputItemParam/properties/output/oneOf/1/items",
    (T + ".beta", "BetaResponseFunctionWebSearch"): "BetaWebSearchToolCall",
    (T + ".beta", "BetaResponseIncludable"): "BetaIncludeEnum",
    (T + ".beta", "BetaResponseInput"): S + "BetaInputParam/oneOf/1",
    (T + ".beta", "BetaResponseOutputRefusal"): "BetaRefusalContent",
    (T + ".beta", "BetaResponseStatus"): S + "BetaResponse/allOf/2/properties/status",
    (T + ".beta", "BetaResponseTextConfig"): "BetaResponseTextParam",
    (T + ".beta", "BetaServiceTier"): "BetaServiceTierResponses",
    (T + ".beta", "BetaToolChoiceApplyPatch"): "BetaSpecificApplyPatchParam",
    (T + ".beta", "BetaToolChoiceShell"): "BetaSpecificFunctionShellParam",
    # --- realtime (GA) ------------------------------------------------------------------------
    (T + ".realtime", "AudioTranscription"): "AudioTranscription",
    (T + ".realtime", "LogProbProperties"): "LogProbProperties",
    (T + ".realtime", "NoiseReductionType"): "NoiseReductionType",
    (T + ".realtime", "RealtimeAudioConfig"): REALTIME_SESSION + "/audio",
    (T + ".realtime", "RealtimeAudioConfigInput"): REALTIME_SESSION + "/audio/properties/input",
    (T + ".realtime", "RealtimeAudioConfigOutput"): REALTIME_SESSION + "/audio/properties/output",
    (T + ".realtime", "RealtimeAudioInputTurnDetection"): "RealtimeTurnDetection",
    (T + ".realtime", "RealtimeError"): S + "RealtimeServerEventError/properties/error",
    (T + ".realtime", "RealtimeResponseCreateAudioOutput"): S
    + "RealtimeResponseCreateParams/properties/audio",
    (T + ".realtime", "RealtimeResponseCreateMcpTool"): "MCPTool",
    (T + ".realtime", "RealtimeResponseStatus"): S + "RealtimeResponse/properties/status_details",
    (T + ".realtime", "RealtimeResponseUsage"): S + "RealtimeResponse/properties/usage",
    (T + ".realtime", "RealtimeResponseUsageInputTokenDetails"): S
    + "RealtimeResponse/properties/usage/properties/input_token_details",
    (T + ".realtime", "RealtimeResponseUsageOutputTokenDetails"): S
    + "RealtimeResponse/properties/usage/properties/output_token_details",
    (T + ".realtime", "RealtimeToolChoiceConfig"): REALTIME_SESSION + "/tool_choice",
    (T + ".realtime", "RealtimeToolsConfig"): REALTIME_SESSION + "/tools",
    (T + ".realtime", "RealtimeToolsConfigUnion"): REALTIME_SESSION + "/tools/items",
    (T + ".realtime", "RealtimeTracingConfig"): REALTIME_SESSION + "/tracing",
    (T + ".realtime", "RealtimeTranscriptionSessionAudio"): TRANSCRIPTION_SESSION + "/audio",
    (T + ".realtime", "RealtimeTranscriptionSessionAudioInput"): TRANSCRIPTION_SESSION
    + "/audio/properties/input",
    (T + ".realtime", "RealtimeTranscriptionSessionAudioInputTurnDetection"): (
        "RealtimeTurnDetection"
    ),
    (T + ".realtime", "RealtimeTranscriptionSessionTurnDetection"): S
    + "RealtimeTranscriptionSessionCreateResponse/properties/turn_detection",
    (T + ".realtime", "RealtimeTruncationRetentionRatio"): S + "RealtimeTruncation/oneOf/1",
    (
        T + ".realtime",
        "TranscriptionSessionUpdate",
    ): "RealtimeClientEventTranscriptionSessionUpdate",
    # --- realtime (beta) ----------------------------------------------------------------------
    (T + ".beta.realtime", "ConversationItemContent"): S
    + "RealtimeConversationItemWithReference/properties/content/items",
    (T + ".beta.realtime", "RealtimeResponseStatus"): S
    + "RealtimeBetaResponse/properties/status_details",
    (T + ".beta.realtime", "RealtimeResponseUsage"): S + "RealtimeBetaResponse/properties/usage",
    (T + ".beta.realtime", "TranscriptionSessionUpdate"): (
        "RealtimeBetaClientEventTranscriptionSessionUpdate"
    ),
}

# Official request-side names the surface file leaves out, matched like the listed ones (the
# automatic ``Param`` naming only reaches component schemas, not the inline lists these name).
UNLISTED: tuple[tuple[str, str], ...] = (
    (T + ".responses", "ResponseInputParam"),
    (T + ".beta", "BetaResponseInputParam"),
)

# Official names that only re-export their schema's type: hand-written modules import that type
# from where it lives today (``lib/parsing.py``), so it must not move.
KEEP_HOME: frozenset[tuple[str, str]] = frozenset(
    {
        (T + ".chat", "ChatCompletionMessageFunctionToolCall"),
    }
)

# Official names the spec has no single node for: schemas composed here from spec facts
# (``UnwrapWebhookEvent`` is built from the spec's ``webhooks`` section, see ``composed``).
COMPOSED: dict[str, dict[str, Any]] = {
    "OAuthErrorCode": {
        "anyOf": [
            {"type": "string", "enum": ["invalid_grant", "invalid_subject_token"]},
            {"type": "string"},
        ]
    },
    "FileContent": {"type": "string"},
}


def composed(spec: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The schema of a composed official name (``COMPOSED`` or the union of every webhook)."""
    if name != "UnwrapWebhookEvent":
        return COMPOSED.get(name)
    refs = [
        hook["post"]["requestBody"]["content"]["application/json"]["schema"]
        for hook in spec.get("webhooks", {}).values()
    ]
    return {"oneOf": refs, "discriminator": {"propertyName": "type"}} if refs else None


# operationId -> (module, name) for operations whose response schema is written inline.
OPERATION_RESPONSE_NAMES: dict[str, tuple[str, str]] = {}


@functools.cache
def official_types() -> dict[str, tuple[str, ...]]:
    """Official module -> the type names it exports (``openai_async.pagination`` left out)."""
    with NAMING_FILE.open("rb") as handle:
        data: dict[str, Any] = json.load(handle)
    types: dict[str, list[str]] = data["types"]
    return {module: tuple(names) for module, names in types.items() if ".types" in module}


def pascal(text: str) -> str:
    """``create_chat-completion`` / ``createChatCompletion`` -> ``CreateChatCompletion``."""
    parts = re.split(r"[^0-9A-Za-z]+", text)
    return "".join(part[:1].upper() + part[1:] for part in parts if part)


def identifier(name: str) -> str:
    """A spec name made a Python identifier (``Error-2`` -> ``Error2``)."""
    return re.sub(r"\W", "", name)


Side = Literal["response", "param"]

# Name patterns tried (in order) when an official name is not a spec name: each maps the
# official name's stem to candidate spec names, per official module.
PATTERNS: tuple[tuple[str, str, str], ...] = (
    # (module suffix the rule applies to, regex on the official stem, candidate template)
    (".chat", r"ChatCompletion(\w+)Message", "ChatCompletionRequest{0}Message"),
    (".chat", r"ChatCompletionContentPart(\w*)", "ChatCompletionRequestMessageContentPart{0}"),
    (".chat", r"ChatCompletionMessage", "ChatCompletionResponseMessage"),
    (".fine_tuning", r"(\w+)", "FineTune{0}"),
    (".graders", r"(\w+)Grader", "Grader{0}"),
    (".webhooks", r"(\w+)WebhookEvent", "Webhook{0}"),
    (".beta.realtime", r"(\w+)Event", "RealtimeBetaClientEvent{0}"),
    (".beta.realtime", r"(\w+)Event", "RealtimeBetaServerEvent{0}"),
    (".beta.realtime", r"(\w+)", "RealtimeBeta{0}"),
    (".realtime", r"(\w+)", "Realtime{0}"),
    (".realtime", r"(\w+)Event", "RealtimeClientEvent{0}"),
    (".realtime", r"(\w+)Event", "RealtimeServerEvent{0}"),
    (".realtime", r"(\w+)", "RealtimeServerEvent{0}"),
    (".beta", r"BetaResponse(\w+)", "Beta{0}"),
    (".beta", r"BetaResponse(\w+)Item", "Beta{0}Resource"),
    (".beta", r"BetaResponse(\w+)", "Beta{0}Content"),
    (".beta", r"BetaResponse(\w+)", "Beta{0}Resource"),
    (".beta", r"(\w+)", "{0}Object"),
    (".responses", r"Response(\w+)", "{0}"),
    (".responses", r"Response(\w+)Item", "{0}Resource"),
    (".responses", r"Response(\w+)", "{0}Content"),
    (".responses", r"Response(\w+)", "{0}Resource"),
    (".vector_stores", r"(\w+)", "{0}Object"),
    (".beta.threads", r"(\w+)", "MessageContent{0}Object"),
    (".beta.threads", r"(\w+)Delta", "MessageDeltaContent{0}Object"),
    (".beta.threads.runs", r"(\w+)", "RunStepDetailsToolCalls{0}Object"),
    (".beta.threads.runs", r"(\w+)Delta", "RunStepDeltaStepDetailsToolCalls{0}Object"),
    (".beta.threads.runs", r"(\w+)ToolCall", "RunStepDetailsToolCalls{0}Object"),
    (".beta.threads.runs", r"(\w+)ToolCallDelta", "RunStepDeltaStepDetailsToolCalls{0}Object"),
    (".beta.threads.runs", r"CodeInterpreter(\w+)", "RunStepDetailsToolCallsCodeOutput{0}Object"),
    (".beta.threads.runs", r"(\w+)StepDetails", "RunStepDetails{0}Object"),
    (".beta.threads.runs", r"(\w+)", "{0}Object"),
    (".beta.threads", r"(\w+)ContentBlock", "MessageContent{0}Object"),
    (".beta.threads", r"(\w+)DeltaBlock", "MessageDeltaContent{0}Object"),
    (".beta.threads", r"(\w+)Annotation", "MessageContentTextAnnotations{0}Object"),
    (".beta.threads", r"(\w+)DeltaAnnotation", "MessageDeltaContentTextAnnotations{0}Object"),
    (".beta.threads", r"(\w+)", "{0}Object"),
    (".beta", r"BetaResponse(\w+)ToolCall", "Beta{0}Call"),
    (".beta", r"BetaResponse(\w+)ToolCallOutput", "Beta{0}CallOutput"),
    (".beta", r"BetaResponse(\w+)Item", "Beta{0}"),
    (".responses", r"Response(\w+)ToolCall", "{0}Call"),
    (".responses", r"Response(\w+)ToolCallOutput", "{0}CallOutput"),
    (".responses", r"Response(\w+)Item", "{0}"),
    (".audio", r"Transcription(\w+)", "Transcript{0}"),
    (".realtime", r"RealtimeTranslation(\w+)Event", "RealtimeTranslationClientEvent{0}"),
    (".realtime", r"RealtimeTranslation(\w+)Event", "RealtimeTranslationServerEvent{0}"),
    (".realtime", r"RealtimeTranslation(\w+)Event", "RealtimeTranslationServerEventSession{0}"),
    (".realtime", r"Realtime(\w+)Event", "RealtimeServerEvent{0}"),
    (".realtime", r"RealtimeConversationItem(\w+)Message", "RealtimeConversationItemMessage{0}"),
    (".realtime", r"(\w+)", "{0}GA"),
    ("", r"(\w+)Event", "{0}StreamingEvent"),
    ("", r"(\w+)", "{0}Param"),
)


class TypeNames:
    """Where each generated type lives and what it is called.

    Every official name is matched to a spec schema (or an operation's inline response) once:
    exact names first, then the official methods' return types, then ``PATTERNS``.  The first
    official name claiming a schema is its home; later ones become re-exports (``aliases``).
    """

    def __init__(self, spec: dict[str, Any]) -> None:
        self._spec = spec
        self._schema_names = list(spec["components"]["schemas"])
        self._lower: dict[str, str] = {name.lower(): name for name in self._schema_names}
        self._homes: dict[str, tuple[str, str]] = dict(RESPONSE_NAMES)
        self._param_homes: dict[str, tuple[str, str]] = dict(PARAM_NAMES)
        self._op_homes: dict[str, tuple[str, str]] = dict(OPERATION_RESPONSE_NAMES)
        self._pointer_homes: dict[Side, dict[str, tuple[str, str]]] = {"response": {}, "param": {}}
        self.aliases: list[tuple[str, str, str, Side]] = []
        self.unmatched: list[tuple[str, str]] = []
        placed = {
            *RESPONSE_NAMES.values(),
            *PARAM_NAMES.values(),
            *OPERATION_RESPONSE_NAMES.values(),
        }
        pending = [
            (module, name)
            for module, names in official_types().items()
            for name in names
            if (module, name) not in placed
        ]
        pending.extend(UNLISTED)
        self._composed: dict[str, dict[str, Any]] = {}
        self._owners = schema_owners(spec)
        pending = self._pass(pending, self._overridden)
        pending = self._pass(pending, self._returned)
        pending = self._pass(pending, self._checked(self._exact))
        pending = self._pass(pending, self._checked(self._patterned))
        self.unmatched = pending

    # ----- matching passes -------------------------------------------------------------------

    def _pass(
        self, pending: list[tuple[str, str]], find: Callable[[str, str], str | None]
    ) -> list[tuple[str, str]]:
        left: list[tuple[str, str]] = []
        for module, name in pending:
            side: Side = "param" if name.endswith("Param") else "response"
            stem = name.removesuffix("Param") if side == "param" else name
            target = find(module, stem)
            if target is None and side == "param":
                target = find(module, name)
            if target is None:
                left.append((module, name))
            else:
                self._claim(module, name, target, side)
        return left

    def _claim(self, module: str, name: str, target: str, side: Side) -> None:
        if target.startswith("#op:"):
            homes = self._op_homes
            target = target[4:]
        elif target.startswith("#/"):
            homes = self._pointer_homes[side]
        else:
            homes = self._param_homes if side == "param" else self._homes
        if target in homes or (module, name) in KEEP_HOME:
            self.aliases.append((module, name, target, side))
        else:
            homes[target] = (module, name)

    def _overridden(self, module: str, stem: str) -> str | None:
        target = OVERRIDES.get((module, stem))
        if target is None or target.startswith("#op:"):
            return target
        if target.startswith("#/"):
            return target if self.node(target) is not None else None
        return target if target in self._lower.values() else None

    # ----- pointers ---------------------------------------------------------------------------

    def node(self, pointer: str) -> dict[str, Any] | None:
        """The schema a pointer names (a composed one for ``#/x-composed/``), or ``None``."""
        found = self._composed.get(pointer)
        if found is not None:
            return found
        if pointer.startswith(COMPOSED_PREFIX):
            made = composed(self._spec, pointer.removeprefix(COMPOSED_PREFIX))
            if made is not None:
                self._composed[pointer] = made
            return made
        try:
            target: dict[str, Any] = resolve(self._spec, {"$ref": pointer})
        except (KeyError, IndexError, ValueError):
            return None
        return target

    @staticmethod
    def pointer_context(pointer: str) -> str:
        """The component a pointer lies inside (``""`` for paths and composed schemas)."""
        parts = pointer.split("/")
        return parts[3] if pointer.startswith(S) else ""

    def _checked(self, find: Callable[[str, str], str | None]) -> Callable[[str, str], str | None]:
        """``find`` limited to schemas that belong to the official module (see ``belongs``)."""

        def check(module: str, stem: str) -> str | None:
            target = find(module, stem)
            if target is None or belongs(module, self._owners.get(target, ())):
                return target
            return None

        return check

    def _exact(self, module: str, stem: str) -> str | None:
        if module.endswith("realtime") and not stem.startswith("Realtime"):
            return None  # the realtime modules reuse names of other APIs' types
        return self._lower.get(stem.lower())

    def _patterned(self, module: str, stem: str) -> str | None:
        for suffix, pattern, template in PATTERNS:
            if not module.endswith(suffix):
                continue
            match = re.fullmatch(pattern, stem)
            if match is not None:
                found = self._lower.get(template.format(*match.groups()).lower())
                if found is not None:
                    return found
        return None

    def _returned(self, module: str, stem: str) -> str | None:
        return returned_schemas(self._spec).get((module, stem))

    # ----- lookups ----------------------------------------------------------------------------

    def response_home(self, schema: str) -> tuple[str, str]:
        """(module, name) of the response-side type of a component schema."""
        return self._homes.get(schema, (SHARED_MODULE, identifier(schema)))

    def param_home(self, schema: str) -> tuple[str, str]:
        """(module, name) of the request-side TypedDict/alias of a component schema."""
        if schema in self._param_homes:
            return self._param_homes[schema]
        module, name = self.response_home(schema)
        return module, f"{name}Param"

    def operation_response_home(self, operation_id: str) -> tuple[str, str]:
        """(module, name) of an operation's inline response object."""
        default = (SHARED_MODULE, f"{pascal(operation_id)}Response")
        return self._op_homes.get(operation_id, default)

    def has_operation_home(self, operation_id: str) -> bool:
        """Whether an operation's inline answer has an official name."""
        return operation_id in self._op_homes

    def has_param_home(self, schema: str) -> bool:
        """Whether the naming table gives this schema's request side an official name."""
        return schema in self._param_homes

    def param_named(self) -> list[str]:
        """Component schemas whose request side has an official name."""
        return list(self._param_homes)

    def pointer_homes(self, side: Side) -> dict[str, tuple[str, str]]:
        """JSON pointer of an inline schema -> (module, official name) on one side."""
        return dict(self._pointer_homes[side])

    def operation_param_home(self, operation_id: str) -> tuple[str, str]:
        """(module, name) of an operation's inline request body TypedDict."""
        return SHARED_MODULE, f"{pascal(operation_id)}Params"


def belongs(module: str, owners: Iterable[str]) -> bool:
    """Whether a schema used by operations of the ``owners`` modules may be named in ``module``.

    A schema no official operation reaches may go anywhere; otherwise one of its operations'
    modules must contain ``module`` or lie inside it (``types.responses`` may not name a
    schema that only ``types.beta.threads.runs`` operations use).  Modules without operations
    of their own (``types.graders``, ``types.webhooks``) accept any schema.
    """
    owned = list(owners)
    if not owned or not any(op.startswith(module) for op in operation_modules()):
        return True
    return any(op.startswith(module) or module.startswith(op) for op in owned)


@functools.cache
def operation_modules() -> frozenset[str]:
    """The official types module of every official method's resource."""
    return frozenset(method_module(method["method"]) for method in _official_methods())


def method_module(method: str) -> str:
    """``client.beta.threads.runs.create`` -> ``openai_async.types.beta.threads.runs``."""
    return ".".join([ROOT_MODULE, *method.split(".")[1:-1]])


def schema_owners(spec: dict[str, Any]) -> dict[str, set[str]]:
    """Component schema -> the official modules of the operations that reach it."""
    refs = {name: referenced(schema) for name, schema in spec["components"]["schemas"].items()}
    operations = spec_operations(spec)
    owners: dict[str, set[str]] = {}
    for method in _official_methods():
        operation = operations.get(method["route"])
        if operation is None:
            continue
        module = method_module(method["method"])
        for name in reachable(referenced(operation), refs):
            owners.setdefault(name, set()).add(module)
    return owners


def referenced(node: Any) -> set[str]:
    """Component names a spec node refers to directly (at any depth inside it)."""
    found: set[str] = set()
    stack: list[Any] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            name = ref_name(cast("dict[str, Any]", item))
            if name is not None:
                found.add(name)
            stack.extend(cast("dict[str, Any]", item).values())
        elif isinstance(item, list):
            stack.extend(item)  # pyright: ignore[reportUnknownArgumentType]
    return found


def reachable(start: set[str], refs: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(start)
    while stack:
        name = stack.pop()
        if name not in seen and name in refs:
            seen.add(name)
            stack.extend(refs[name])
    return seen


def spec_operations(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``"VERB /path"`` -> operation, for every operation of the spec."""
    operations: dict[str, dict[str, Any]] = {}
    for path, item in spec["paths"].items():
        for verb, operation in item.items():
            if verb != "parameters":
                operations[f"{verb.upper()} {path}"] = operation
    return operations


@functools.cache
def _official_methods() -> tuple[dict[str, Any], ...]:
    with NAMING_FILE.open("rb") as handle:
        data: dict[str, Any] = json.load(handle)
    methods: list[dict[str, Any]] = data["methods"]
    return tuple(methods)


def returned_schemas(spec: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(official module, returned type name) -> spec schema (or ``#op:<operationId>``)."""
    operations = spec_operations(spec)
    found: dict[tuple[str, str], str] = {}
    for method in _official_methods():
        operation = operations.get(method["route"])
        page = re.fullmatch(r"\w*Page\[(\w+)\]", method["returns"])
        name = page.group(1) if page else method["returns"]
        module = official_module(name, method["method"])
        if operation is None or module is None:
            continue
        target = json_result(spec, operation, paged=page is not None)
        if target is not None:
            found.setdefault((module, name), target)
    return found


def official_module(name: str, method: str) -> str | None:
    """The official module exporting ``name`` that is closest to the method's resource path."""
    modules = [module for module, names in official_types().items() if name in names]
    if not modules:
        return None
    path = ROOT_MODULE + "." + ".".join(method.split(".")[1:-1])
    return max(modules, key=lambda module: (common_prefix(module, path), -len(module)))


def common_prefix(left: str, right: str) -> int:
    count = 0
    for a, b in zip(left.split("."), right.split("."), strict=False):
        if a != b:
            break
        count += 1
    return count


def json_result(spec: dict[str, Any], operation: dict[str, Any], *, paged: bool) -> str | None:
    """The component (or ``#op:<id>`` for inline) an operation answers with (page items if paged)."""
    schema = returned_node(spec, operation, paged=paged)
    if schema is None:
        return None
    name = ref_name(schema)
    if name is not None:
        return name
    return None if paged else f"#op:{operation['operationId']}"


def returned_node(
    spec: dict[str, Any], operation: dict[str, Any], *, paged: bool
) -> dict[str, Any] | None:
    """The schema node of an operation's JSON answer (of its page items if paged)."""
    for code, response in operation.get("responses", {}).items():
        if not str(code).startswith("2"):
            continue
        media = resolve(spec, response).get("content", {}).get("application/json")
        if media is None:
            return None
        schema: dict[str, Any] = media.get("schema", {})
        if paged:
            data = resolve(spec, schema).get("properties", {}).get("data", {})
            schema = data.get("items", {})
        return schema
    return None


def official_returns(spec: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(method, official module, official name of its result) for every official method.

    ``method`` is the dotted path below the client (``fine_tuning.checkpoints.permissions.list``).
    Keyed by method, not by schema node: methods may answer with one schema under different
    official names (``PermissionCreateResponse`` / ``PermissionListResponse``), and two methods
    may share one route (``permissions.retrieve`` and ``permissions.list``).
    """
    operations = spec_operations(spec)
    found: list[tuple[str, str, str]] = []
    for method in _official_methods():
        operation = operations.get(method["route"])
        page = re.fullmatch(r"\w*Page\[(\w+)\]", method["returns"])
        name = page.group(1) if page else method["returns"]
        module = official_module(name, method["method"])
        if operation is None or module is None:
            continue
        node = returned_node(spec, operation, paged=page is not None)
        if node is not None:
            found.append((method["method"].removeprefix("client."), module, name))
    return found
