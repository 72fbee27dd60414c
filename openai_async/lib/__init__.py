"""Hand-written helpers over the generated resources (streams, parsing, pollers, uploads, ...)."""
