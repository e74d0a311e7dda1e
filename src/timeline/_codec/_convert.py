"""The converter: cattrs, strict, and the fast paths it compiles per event class.

Strict hooks refuse what a plain cattrs converter would coerce (a number for a
string, a string for a number); for classes with plain fields a structurer and
a writer are compiled once, and a class whose hooks change is read the long way.
"""

from __future__ import annotations

import collections.abc
import datetime as dt
import decimal
import functools
import math
import typing
import uuid
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from typing import Any, Final

import attrs
import cattrs
import pendulum
from cattrs.cols import is_any_set, is_sequence
from cattrs.fns import identity

from timeline.time import DateSet, Interval, Moment

from ._json import _json_string, canonical_json
from ._known import _structure_datetime, _structure_pendulum, _unstructure_datetime
from ._parts import decode_valid, encode_valid


def _strict(kind: type, *, also: tuple[type, ...] = ()) -> Callable[[object, type], object]:
    def structure(value: object, _: type) -> object:
        if isinstance(value, bool) and kind is not bool:
            raise TypeError(f"expected {kind.__name__}, got a bool")
        if not isinstance(value, (kind, *also)):
            raise TypeError(f"expected {kind.__name__}, got {type(value).__name__} {value!r}")
        return kind(value)

    return structure


# The field types whose JSON values the fast structurer takes as they are,
# where the converter's hook for them is the strict one registered below.
_PLAIN: Final[dict[object, tuple[type, ...]]] = {
    str: (str,),
    int: (int,),
    bool: (bool,),
    float: (float,),  # an int for a float is converted by the converter: left to it
    str | None: (str, type(None)),
    int | None: (int, type(None)),
    bool | None: (bool, type(None)),
    float | None: (float, type(None)),
}


def _fast_structurer(
    converter: cattrs.Converter, cls: type[Any], strict: Mapping[type, object]
) -> Callable[[dict[str, Any]], Any] | None:
    """A structurer for ``cls`` when its fields are plain values; None otherwise.

    It gives what the converter's own structure function would: it checks
    that no key is unknown, that every required one is there, and that each
    value has exactly its field's JSON type, then calls the class, whose
    validators run as they would. On anything else it returns None and the
    converter does the work (and raises its error). It is only made while the
    converter would use the function cattrs generated for ``cls`` and the
    strict hooks for the field types; a hook registered on the converter
    turns it off.
    """
    checks = _structure_checks(converter, cls, strict)
    if checks is None:
        return None
    if all(required for _, _, required in checks):
        return _compiled_structurer(cls, checks)
    return _checking_structurer(cls, checks)


def _structure_checks(
    converter: cattrs.Converter, cls: type[Any], strict: Mapping[type, object]
) -> list[tuple[str, tuple[type, ...], bool]] | None:
    """The fields of a plain class, while the converter's hooks for their types are ``strict``."""
    checks = _plain_fields(converter, cls, "structure")
    if checks is None:
        return None
    for _, kinds, _ in checks:
        for kind in kinds:
            if kind in strict and converter.get_structure_hook(kind) is not strict[kind]:
                return None
    return checks


def _checking_structurer(
    cls: type[Any], checks: list[tuple[str, tuple[type, ...], bool]]
) -> Callable[[dict[str, Any]], Any]:
    """The fast structurer of a plain class with defaults: keys checked one by one."""
    names = frozenset(name for name, _, _ in checks)

    def structure(data: dict[str, Any]) -> Any:  # noqa: ANN401 -- an instance of cls
        if not data.keys() <= names:
            return None
        for name, kinds, required in checks:
            if name in data:
                if type(data[name]) not in kinds:
                    return None
            elif required:
                return None
        try:
            return cls(**data)
        except Exception:  # noqa: BLE001 -- the converter raises the error, in its words
            return None

    return structure


def _compiled_structurer(
    cls: type[Any], checks: list[tuple[str, tuple[type, ...], bool]]
) -> Callable[[dict[str, Any]], Any]:
    """The fast structurer of a class whose fields are all required, as straight-line code.

    With as many keys as fields and each field's key there, no key is unknown.
    """
    namespace: dict[str, Any] = {"cls": cls, "Exception": Exception}
    lines = [
        "def structure(data):",
        f"    if len(data) != {len(checks)}:",
        "        return None",
        "    try:",
    ]
    arguments = []
    positional = not any(field.kw_only for field in attrs.fields(cls))
    for number, (name, kinds, _) in enumerate(checks):
        namespace[f"kinds{number}"] = kinds
        lines += [
            f"        value{number} = data[{name!r}]",
            f"        if type(value{number}) not in kinds{number}:",
            "            return None",
        ]
        arguments.append(f"value{number}" if positional else f"{name}=value{number}")
    lines += [
        f"        return cls({', '.join(arguments)})",
        "    except Exception:",
        "        return None",
    ]
    code = compile("\n".join(lines), f"<timeline structurer {cls.__qualname__}>", "exec")
    exec(code, namespace)  # noqa: S102 -- code made above from field names attrs checked
    return namespace["structure"]  # type: ignore[no-any-return]


def _plain_fields(
    converter: cattrs.Converter, cls: type[Any], direction: str
) -> list[tuple[str, tuple[type, ...], bool]] | None:
    """Name, JSON types and whether required, of each field of a plain class; else None.

    A class is plain when cattrs would use the function it generated for it
    (``direction`` "structure" or "unstructure"), and every field is a str,
    int, float or bool, or one of these or None, under its own name.
    """
    if not attrs.has(cls):
        return None
    get = getattr(converter, f"get_{direction}_hook")
    code = getattr(get(cls), "__code__", None)
    if not getattr(code, "co_filename", "").startswith(f"<cattrs generated {direction}"):
        return None
    try:
        fields = attrs.fields(attrs.resolve_types(cls))
    except (NameError, TypeError):
        return None
    checks: list[tuple[str, tuple[type, ...], bool]] = []
    for field in fields:
        kinds = _PLAIN.get(field.type)
        if kinds is None and direction == "structure" and _absent_by_default(field):
            continue  # the fast path takes it only when absent; present, the converter reads it
        if (
            kinds is None
            or not field.init
            or field.alias != field.name
            or field.name.startswith("_")
        ):
            return None
        checks.append((field.name, kinds, field.default is attrs.NOTHING))
    return checks


def _absent_by_default(field: attrs.Attribute[Any]) -> bool:
    """A field of an attrs class or None, None by default (a provenance's rule)."""
    kinds = typing.get_args(field.type)
    return (
        field.default is None
        and len(kinds) == 2
        and type(None) in kinds
        and any(attrs.has(kind) for kind in kinds)
    )


def _fast_writer(converter: cattrs.Converter, cls: type[Any]) -> Callable[[Any], str | None] | None:
    """A writer of the canonical JSON of a plain class's instances; None for other classes.

    The text is what ``canonical_json(converter.unstructure(event))`` gives,
    written field by field in sorted key order by code made for the class.
    Where a value is not exactly its field's type (a float that is not
    finite, a str in an int field), the writer returns None and the
    converter and json do the work, or raise their error.
    """
    checks = _plain_fields(converter, cls, "unstructure")
    if checks is None or any(
        converter.get_unstructure_hook(kind) is not identity
        for _, kinds, _ in checks
        for kind in kinds
        if kind is not type(None)
    ):
        return None  # a hook of the caller's for a field's type: the converter writes it
    namespace: dict[str, Any] = {
        "string": _json_string,
        "number": int.__repr__,
        "real": float.__repr__,
        "finite": math.isfinite,
    }
    lines = ["def write(event):"]
    parts = []
    for number, (name, kinds, _) in enumerate(sorted(checks)):
        value = f"value{number}"
        lines.append(f"    {value} = event.{name}")
        kind = kinds[0]
        write = {
            str: f"string({value})",
            int: f"number({value})",
            bool: f"('true' if {value} else 'false')",
            float: f"real({value})",
        }[kind]
        lines.append(f"    if type({value}) is {kind.__name__}:")
        if kind is float:
            lines += [f"        if not finite({value}):", "            return None"]
        lines.append(f"        text{number} = {write}")
        if type(None) in kinds:
            lines.append(f"    elif {value} is None:")
            lines.append(f"        text{number} = 'null'")
        lines += ["    else:", "        return None"]
        separator = "{" if number == 0 else ","
        parts.append(f"{separator + _json_string(name) + ':'!r} + text{number}")
    body = " + ".join(parts) + " + '}'" if parts else "'{}'"
    lines.append(f"    return {body}")
    code = compile("\n".join(lines), f"<timeline writer {cls.__qualname__}>", "exec")
    exec(code, namespace)  # noqa: S102 -- code made above from field names attrs checked
    return namespace["write"]  # type: ignore[no-any-return]


def _is_collection(kind: object) -> bool:
    return bool(is_sequence(kind) or is_any_set(kind))


def _collection_hook(kind: object, converter: cattrs.Converter) -> Callable[[object, type], object]:
    """Structure JSON arrays only: cattrs alone would read the string "ab" as ("a", "b")."""
    origin = typing.get_origin(kind) or kind
    args = typing.get_args(kind)
    if origin is tuple and args and args[-1] is not Ellipsis:
        fixed = args

        def fixed_tuple(value: object, _: type) -> object:
            if not isinstance(value, list) or len(value) != len(fixed):
                raise TypeError(f"expected a JSON array of {len(fixed)} items, got {value!r}")
            return tuple(converter.structure(v, t) for v, t in zip(value, fixed, strict=True))

        return fixed_tuple
    item = args[0] if args else Any
    build: Callable[[Iterable[Any]], object]
    if origin in (tuple, collections.abc.Sequence):
        build = tuple
    elif origin in (frozenset, collections.abc.Set):
        build = frozenset
    elif origin is set or origin is collections.abc.MutableSet:
        build = set
    else:
        build = list

    def collection(value: object, _: type) -> object:
        if not isinstance(value, list):
            raise TypeError(f"expected a JSON array, got {type(value).__name__} {value!r}")
        if item is Any:
            return build(value)
        return build(converter.structure(v, item) for v in value)

    return collection


def _sorted_list(values: Iterable[Any]) -> list[Any]:
    return sorted(values, key=canonical_json)


@functools.cache
def _strict_hooks() -> dict[type, Callable[[object, type], object]]:
    """The converter's hooks for JSON's scalars: strict, and one of each for every converter."""
    return {
        int: _strict(int),
        float: _strict(float, also=(int,)),
        str: _strict(str),
        bool: _strict(bool),
    }


class _Converter(cattrs.Converter):
    """The codec's converter: it counts the hooks registered on it.

    The codec's fast structurers and writers are made for the hooks of the
    moment; a new hook (for an event class, say) makes them be made again.
    """

    generation = 0


def _counted(name: str) -> Callable[..., Any]:
    """``cattrs.Converter``'s method ``name``, counting each call in ``generation``."""
    method = getattr(cattrs.Converter, name)

    @functools.wraps(method)
    def register(self: _Converter, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 -- cattrs' own
        self.generation += 1
        return method(self, *args, **kwargs)

    return register


def _make_converter() -> cattrs.Converter:
    converter = _Converter(
        forbid_extra_keys=True,
        # Sets are written as lists in a fixed order, so equal events encode
        # (and hash) identically whatever their sets' iteration order.
        unstruct_collection_overrides={AbstractSet: _sorted_list},
    )
    converter.register_structure_hook_factory(_is_collection, _collection_hook)
    for kind, hook in _strict_hooks().items():
        converter.register_structure_hook(kind, hook)
    for zoned in (dt.datetime, pendulum.DateTime):
        converter.register_unstructure_hook(zoned, _unstructure_datetime)
    converter.register_structure_hook(dt.datetime, _structure_datetime)
    converter.register_structure_hook(pendulum.DateTime, _structure_pendulum)
    for day in (dt.date, pendulum.Date):
        converter.register_unstructure_hook(day, lambda value: value.isoformat())
    converter.register_structure_hook(dt.date, lambda value, _: dt.date.fromisoformat(value))
    converter.register_structure_hook(
        pendulum.Date, lambda value, _: pendulum.Date.fromisoformat(value)
    )
    converter.register_unstructure_hook(uuid.UUID, str)
    converter.register_structure_hook(uuid.UUID, lambda value, _: uuid.UUID(value))
    converter.register_unstructure_hook(decimal.Decimal, str)
    converter.register_structure_hook(decimal.Decimal, lambda value, _: decimal.Decimal(value))
    for valid in (Moment, Interval, DateSet):
        converter.register_unstructure_hook(valid, encode_valid)
        converter.register_structure_hook(valid, lambda value, _: decode_valid(value))
    return converter
