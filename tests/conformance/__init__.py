"""Conformance tests against the spec mock (generated files plus the mock fixture)."""
