"""What every result record is: a frozen dataclass that converts to and from JSON by its fields'
types, and the JSON types (:data:`Json`, :data:`JsonObject`, :data:`Interval`) its fields use."""

from __future__ import annotations

import json
import types
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from functools import cache
from types import MappingProxyType
from typing import (
    TYPE_CHECKING,
    Any,
    Self,
    TypeAlias,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

from icpkit.discover.roles import ColumnRoles
from icpkit.errors import IcpkitError
from icpkit.timing import TimingModel, timing_from_dict

if TYPE_CHECKING:
    # Any JSON value; a JsonObject is a JSON object.
    Json: TypeAlias = Union[bool, int, float, str, list["Json"], dict[str, "Json"], None]  # noqa: UP007
else:

    class Json:
        """Any JSON value: what the records' conversion knows the alias by at run time (a
        recursive alias cannot be told apart from its expansion once evaluated)."""


JsonObject: TypeAlias = dict[str, Json]
# A 95% interval, [low, high]; an end is None when the data cannot bound it.
Interval: TypeAlias = tuple[float | None, float | None]

_OMIT = "icpkit.omit"
_OMIT_WITH = "icpkit.omit_with"
# Field metadata: the key is written only when the field holds something other than its
# default, and an absent key reads as the default.
IF_SET = MappingProxyType({_OMIT: True})


def along_with(name: str) -> Mapping[str, str]:
    """Field metadata: the key is written exactly when field ``name``'s key is (a value that
    may be null, beside one that never is)."""
    return MappingProxyType({_OMIT_WITH: name})


class ResultError(IcpkitError):
    """A build result that does not have the shape icpkit writes (a hand-edited or truncated
    file): says where, like ``tiers.A.won: expected a whole number, found "x"``."""


@dataclass(frozen=True, kw_only=True)
class Record:
    """A frozen dataclass that converts to and from JSON by its fields' types, in field order
    (the order of the keys in the file)."""

    def to_json(self) -> Any:
        out: dict[str, Any] = {}
        for f in fields(self):
            if _omitted(self, f):
                continue
            out[f.name] = _dump(getattr(self, f.name))
        return out

    @classmethod
    def from_json(cls, data: Any, where: str = "") -> Self:
        """The record from its JSON form; keys it does not know are ignored, a missing
        required key or a value of the wrong type is a :class:`ResultError`."""
        if not isinstance(data, Mapping):
            raise ResultError(f"{where or cls.__name__}: expected an object, found {_shown(data)}")
        # mypy takes no type[Self] for Hashable (a false positive: every class is hashable)
        hints = _hints(cls)  # type: ignore[arg-type]
        values = {}
        for f in fields(cls):
            here = f"{where}.{f.name}" if where else f.name
            if f.name in data:
                values[f.name] = _load(data[f.name], hints[f.name], here)
            elif f.default is MISSING and f.default_factory is MISSING:
                raise ResultError(f"{where or cls.__name__}: {f.name!r} is missing")
        return cls(**values)


def _omitted(record: Record, f: Any) -> bool:
    if f.metadata.get(_OMIT):
        return getattr(record, f.name) == f.default
    other = f.metadata.get(_OMIT_WITH)
    if other:
        return _omitted(record, next(g for g in fields(record) if g.name == other))
    return False


# ---- Conversion ----------------------------------------------------------------------------


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _dump(value: Any) -> Any:
    if isinstance(value, Record | ColumnRoles):
        return value.to_json()
    if isinstance(value, TimingModel):
        return value.to_dict()
    if isinstance(value, list | tuple):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return value


_NUMBERS = {int: "a whole number", float: "a number", str: "text", bool: "true or false"}


def _load(value: Any, hint: Any, where: str) -> Any:
    if hint is Json:
        return _json(value, where)
    origin, args = get_origin(hint), get_args(hint)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _load(value, inner, where)
    if origin is tuple:
        if not isinstance(value, list):
            raise ResultError(f"{where}: expected a list, found {_shown(value)}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_load(v, args[0], f"{where}[{i}]") for i, v in enumerate(value))
        if len(value) != len(args):
            raise ResultError(f"{where}: expected {len(args)} values, found {len(value)}")
        return tuple(
            _load(v, a, f"{where}[{i}]") for i, (v, a) in enumerate(zip(value, args, strict=True))
        )
    if origin is dict:
        if not isinstance(value, dict):
            raise ResultError(f"{where}: expected an object, found {_shown(value)}")
        return {str(k): _load(v, args[1], f"{where}.{k}") for k, v in value.items()}
    if isinstance(hint, type) and issubclass(hint, Record):
        return hint.from_json(value, where)
    if hint is ColumnRoles:
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ResultError(f"{where}: expected a list of columns, found {_shown(value)}")
        return ColumnRoles.from_json(value)
    if hint is TimingModel:
        if not isinstance(value, dict):
            raise ResultError(f"{where}: expected a timing model, found {_shown(value)}")
        try:
            return timing_from_dict(value)
        except IcpkitError as error:
            raise ResultError(f"{where}: {error.message}") from None
    if hint in _NUMBERS:
        fits = isinstance(value, bool) if hint is bool else isinstance(value, hint)
        if hint is float:
            fits = isinstance(value, int | float) and not isinstance(value, bool)
        elif hint is int:
            fits = fits and not isinstance(value, bool)
        if not fits:
            raise ResultError(f"{where}: expected {_NUMBERS[hint]}, found {_shown(value)}")
        return value
    raise TypeError(f"{where}: no JSON reading for {hint!r}")


def _json(value: Any, where: str) -> Json:
    """A JSON value, copied (a record never shares a dict with its input)."""
    if isinstance(value, dict):
        return _json_object(value, where)
    if isinstance(value, list | tuple):
        return [_json(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise ResultError(f"{where}: {type(value).__name__} is not a JSON value")


def _json_object(value: dict[Any, Any], where: str) -> JsonObject:
    """A JSON object, copied, its keys as text."""
    return {str(k): _json(v, f"{where}.{k}") for k, v in value.items()}


def _shown(value: Any) -> str:
    if isinstance(value, dict | list):
        return "an object" if isinstance(value, dict) else "a list"
    if value is None or isinstance(value, str | int | float | bool):
        text = json.dumps(value)
        return text if len(text) <= 40 else text[:36] + '..."'
    return type(value).__name__
