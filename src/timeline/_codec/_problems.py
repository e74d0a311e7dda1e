"""What is wrong with an event, said so a person can fix it: field, type, value.

An append whose event would not read back as it was given is refused before
anything is written; these say which field, what it was declared as, and what
it held, and keep a validator's own message.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

import attrs
import cattrs
from cattrs.v import format_exception

from ._json import _decode_body, canonical_json


def structure_problems(error: cattrs.BaseValidationError, path: str) -> str:
    """What cattrs found wrong, one problem a clause, each with its own reason kept.

    cattrs' own wording says only "invalid value" where a validator refused a
    value; the validator's message is what a user can act on.
    """
    return "; ".join(cattrs.transform_error(error, path=path, format_exception=_with_reason))


def _with_reason(error: BaseException, kind: type | None) -> str:
    said = format_exception(error, kind)
    reason = str(error)
    if not isinstance(error, (TypeError, ValueError)) or not reason or reason in said:
        return said
    if kind is None:  # the class refused the values: its validator's words
        return f"{said}: {reason}"
    if reason.startswith("expected "):  # the strict hooks say what they expected
        return f"invalid value: {reason}"
    return f"{said} ({reason})"


def _type_name(kind: object) -> str:
    """A field's declared type as written in Python (``str``, ``date``, ``list[str]``)."""
    if isinstance(kind, type) and not typing.get_args(kind):
        return kind.__name__
    return repr(kind).replace("typing.", "").replace("datetime.", "")


def _given(value: object) -> str:
    shown = repr(value)
    return f"{type(value).__name__} {shown if len(shown) <= 60 else shown[:59] + '…'}"


def _reads_back(again: object, event: object, same_text: Callable[[object], bool]) -> bool:
    """Whether ``again``, read back from what ``event`` wrote, is the same value.

    By equality where the class defines it; else (``eq=False``) by writing it again.
    """
    if type(again) is not type(event):
        return False
    if _identity_equal(event):
        return same_text(again)
    return bool(again == event)


def _identity_equal(value: object) -> bool:
    """Whether ``value``'s class compares by identity (attrs' ``eq=False``)."""
    return getattr(type(value), "__eq__", None) is object.__eq__


def _field_problem(converter: cattrs.Converter, event: Any) -> str | None:  # noqa: ANN401 -- any event
    """The first field of ``event`` whose value would not read back, said plainly; else None."""
    try:
        fields = attrs.fields(attrs.resolve_types(type(event)))
    except (NameError, TypeError, attrs.exceptions.NotAnAttrsClassError):
        return None
    for field in fields:
        value = getattr(event, field.name)
        declared = _type_name(field.type)
        kind = field.type
        plain = isinstance(kind, type) and not typing.get_args(kind)
        if (
            plain
            and (not isinstance(value, kind) or (isinstance(value, bool) and kind in {int, float}))
            and not (kind is float and type(value) is int)
        ):
            return f"field {field.name!r} is declared {declared} but holds {_given(value)}"
        try:
            text = canonical_json(converter.unstructure(value, field.type))
        except Exception as error:  # noqa: BLE001 -- a hook may fail any way
            return f"field {field.name!r} ({declared}) holds {_given(value)}: {error}"
        try:
            back = converter.structure(_decode_body(text), field.type)
        except Exception:  # noqa: BLE001 -- reading it would fail: that is the finding
            return f"field {field.name!r} is declared {declared} but holds {_given(value)}"
        same = (
            canonical_json(converter.unstructure(back, field.type)) == text
            if _identity_equal(value)
            else back == value
        )
        if not same:
            return (
                f"field {field.name!r} is declared {declared} but holds {_given(value)}, "
                f"which would read back as {back!r}"
            )
    return None
