"""jsonschema as the oracle of the schema tests: its errors in schema_errors' shape, and a
form of an error both sides must give alike."""

from __future__ import annotations

from typing import Any

from policycheck.schema_errors import SchemaError


def from_jsonschema(error: Any) -> SchemaError:
    """A jsonschema ValidationError as a SchemaError, its context too."""
    return SchemaError(
        error.validator,
        error.validator_value,
        error.schema,
        error.instance,
        tuple(error.absolute_path),
        error.message,
        tuple(map(from_jsonschema, error.context)),
    )


def comparable(error: SchemaError) -> tuple:
    """An error as both sides must give it: the same schema node (by identity), and a context
    in any order (jsonschema walks a schema-valued additionalProperties in set order)."""
    context = sorted((comparable(each) for each in error.context), key=repr)
    return (error.keyword, repr(error.value), id(error.schema), error.path, error.message, tuple(context))
