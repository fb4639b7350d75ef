"""Compare a raw emulator answer with the official SDK model it parses into.

The SDK's models are the contract nobody here wrote (generated from Alibaba Cloud's API
metadata): an answer must round-trip through its model (no key the model does not know, so no
misspelling), every value must have the type the model declares, and a field the model has
that the emulator leaves out must be listed by the caller (`not_served`) with why.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from darabonba.model import DaraModel

WIRE_NAME = re.compile(r"result\['(\w+)'\] = (?:\[\]\s+if )?self\.(\w+)")
"""`result['Key'] = self.field` (or a list's `result['Key'] = []` then `if self.field`) in to_map."""


def model_problems(
    model: DaraModel,
    raw: Mapping[str, Any],
    models: ModuleType,
    not_served: Mapping[str, set[str]],
    where: str = "",
) -> list[str]:
    """Every difference between a raw answer and the model it parsed into."""
    found = []
    name = type(model).__name__
    names = {**vars(models), "main_models": models, "List": typing.List}  # noqa: UP006 - the SDK's spelling
    hints = typing.get_type_hints(type(model).__init__, names)
    wire = wire_names(model)
    for key in sorted(raw.keys() - model.to_map().keys()):
        found.append(f"{where}{key}: not a field of {name}")
    for field, hint in hints.items():
        if field == "return":
            continue
        key = wire[field]
        value = getattr(model, field)
        if value is None:
            if key not in not_served.get(name, set()) and key != "RequestId":
                found.append(f"{where}{key}: {name} has it, the emulator leaves it out")
            continue
        found += _typed(hint, value, raw.get(key), f"{where}{key}", models, not_served)
    return found


def _typed(
    hint: Any, value: Any, raw: Any, where: str, models: ModuleType, not_served: Mapping[str, set[str]]
) -> list[str]:
    if typing.get_origin(hint) is list:
        [item] = typing.get_args(hint)
        return [
            problem
            for index, v in enumerate(value)
            for problem in _typed(item, v, raw[index], f"{where}[{index}]", models, not_served)
        ]
    if isinstance(hint, type) and issubclass(hint, DaraModel):
        return model_problems(value, raw, models, not_served, f"{where}.")
    expected = {str: str, int: int, bool: bool, float: (int, float)}.get(hint, object)
    if not isinstance(raw, expected) or (expected is int and isinstance(raw, bool)):
        declared = getattr(hint, "__name__", hint)
        return [f"{where}: {raw!r} is {type(raw).__name__}, the model declares {declared}"]
    return []


def wire_names(model: DaraModel) -> dict[str, str]:
    """Field -> the key it is sent as, read from the model's own to_map."""
    source = inspect.getsource(type(model).to_map)
    return {field: key for key, field in WIRE_NAME.findall(source)}
