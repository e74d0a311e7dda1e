"""The fast readers: a stored record's body made into an event without cattrs.

For event classes whose fields are plain (text, numbers, dates, valid times), a
reader compiled once per class makes the event straight from the JSON body; a
body it does not expect goes the long way, through the converter.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, Final

import attrs
import msgspec

from ._json import _read_body

#: What a plain body reader gives: the event, the valid time as stored, and
#: the provenance as stored (None or an empty dict for none).
_PlainBody = tuple[Any, str | dict[str, Any], dict[str, Any] | None]


def _plain_body(structure: Callable[[dict[str, Any]], Any], text: str) -> _PlainBody | None:
    """A body in the common form -- data and a valid-time string only -- read by ``structure``.

    The reader of a class with optional fields (``functools.partial`` over its
    structurer). None for any other body, or data the structurer leaves to
    the converter.
    """
    body = _read_body(text)
    if type(body) is not dict or len(body) != 2:
        return None
    data, valid = body.get("data"), body.get("valid")
    if type(data) is not dict or type(valid) is not str:
        return None
    event = structure(data)
    return None if event is None else (event, valid, None)


def _typed_reader(
    cls: type[Any],
    checks: list[tuple[str, tuple[type, ...], bool]],
    version: int,
    *,
    make: bool = True,
) -> Callable[[str], _PlainBody | None]:
    """A body reader for a plain class whose fields are all required.

    msgspec decodes the body straight into a struct that mirrors the class --
    each field exactly its JSON type, no key unknown, in the body or in the
    data -- and the class is called with its values, so its validators run.
    What the struct refuses raises msgspec's error, and the caller decodes
    the row the long way, which decodes it or raises the error it should.
    A float field takes an int as the converter does, as a float. Without
    ``make``, the struct of the data is returned in place of the event: for
    a class whose instances hold just what they are given (see
    :func:`_bare`), it holds the very values.
    """
    mirrored: dict[tuple[type, ...], Any] = {
        (str,): str,
        (int,): int,
        (bool,): bool,
        (float,): float,
        (str, type(None)): str | None,
        (int, type(None)): int | None,
        (bool, type(None)): bool | None,
        (float, type(None)): float | None,
    }
    data = msgspec.defstruct(
        f"{cls.__name__}Data",
        [(name, mirrored[kinds]) for name, kinds, _ in checks],
        forbid_unknown_fields=True,
    )
    body = msgspec.defstruct(
        f"{cls.__name__}Body",
        [
            ("data", data),
            ("valid", str | dict[str, Any]),
            ("version", int, 1),
            ("provenance", msgspec.UnsetType | dict[str, Any], msgspec.UNSET),
        ],
        forbid_unknown_fields=True,
    )
    namespace: dict[str, Any] = {
        "cls": cls,
        "decode": msgspec.json.Decoder(body).decode,
        "UNSET": msgspec.UNSET,
    }
    positional = not any(field.kw_only for field in attrs.fields(cls))
    arguments = ", ".join(
        f"data.{name}" if positional else f"{name}=data.{name}" for name, _, _ in checks
    )
    lines = [
        "def read(text):",
        "    body = decode(text)",
        f"    if body.version != {version}:",
        "        return None",
        "    data = body.data",
        "    provenance = body.provenance",
        f"    return cls({arguments}), body.valid, None if provenance is UNSET else provenance",
    ]
    if not make:
        lines[-1] = "    return data, body.valid, None if provenance is UNSET else provenance"
    code = compile("\n".join(lines), f"<timeline reader {cls.__qualname__}>", "exec")
    exec(code, namespace)  # noqa: S102 -- code made above from field names attrs checked
    return namespace["read"]  # type: ignore[no-any-return]


# A marker for "not looked up yet".
def _bare(cls: type[Any]) -> bool:
    """Whether instances of attrs class ``cls`` hold exactly what they are given."""
    hooks = ("__attrs_pre_init__", "__attrs_post_init__")
    return not any(hasattr(cls, hook) for hook in hooks) and all(
        field.validator is None and field.converter is None for field in attrs.fields(cls)
    )


_UNSEEN: Final = object()


_new: Final = object.__new__


_set: Final = object.__setattr__


_SAFE_UNKNOWN: Final = uuid.SafeUUID.unknown


_BODY_KEYS: Final = frozenset({"data", "valid", "version", "provenance"})
