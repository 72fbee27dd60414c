"""The project's code generator: reads the OpenAPI spec and writes the generated package code."""
