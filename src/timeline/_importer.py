"""Loading entries from JSON Lines files: the hand-written transcriptions in seeds/.

One entry per line::

    {"type": "events.meeting", "data": {...}, "valid": "2023-09",
     "subject": "dprk-russia", "provenance": {"source": "Al Jazeera", ...},
     "known_at": "2024-01-12T00:00:00Z"}

``type``, ``data`` and ``valid`` are required; ``version`` (the schema version
the data is written in, by default the current one), ``subject``,
``provenance``, ``known_at`` and ``id`` are optional. ``valid`` is an EDTF string or
``{"edtf": ..., "tz": ..., "phrase": ...}``; without a ``tz`` it is local time
somewhere (floating), unless the load names the source's zone (``tz=``).
Blank lines are skipped.

A valid time may also be the source's words, resolved at load against the
publication date (:mod:`timeline.words`)::

    "valid": {"words": "late November", "published": "2024-01-12"}

with optional ``language``, ``reading`` (an alternative reading by name),
``phrase`` (the verbatim text, when the words are a part of it) and ``tz``;
either end of ``{"start": ..., "end": ...}`` may be such words too. The record
keeps the words as its valid time's phrase and the rule in its provenance. A
line ``{"defaults": {"published": "2024-01-12", "language": "en"}}`` gives the
lines after it (up to the next such line) their ``published`` and ``language``.

A load is all or nothing, and can be run again: every entry has a stable
record id -- its ``id`` if the line gives one, else one derived from the
line's content -- and entries whose id the log already holds are skipped.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs
import cattrs

from ._codec import canonical_json, decode_valid, format_known_at, structure_problems
from ._errors import (
    InvalidEventError,
    InvalidValidTimeError,
    KnownTimeError,
    RecordDecodeError,
    TimelineError,
)
from ._records import Entry, Provenance
from ._words._rule import Rule
from .time import FLOATING, zone_of

if TYPE_CHECKING:
    from ._log import Log

__all__ = ["SourceFileError", "check_lines", "iter_lines", "read_jsonl", "read_lines"]

_KEYS: Final = frozenset(
    {"type", "version", "data", "valid", "subject", "provenance", "known_at", "id"}
)

# The namespace of the record ids derived from an entry's content (UUID version 5
# of the canonical JSON of the line, and of how many identical lines came before it).
# Changing it would make every earlier load look new: it is fixed for good.
_ENTRY_NAMESPACE: Final = uuid.UUID("5b0f3a4e-8c1d-4d55-9a63-2f4e6b7c8d90")

#: Called as ``progress(done, total)`` while entries are checked and written.
Progress = Callable[[int, int], None]


class SourceFileError(TimelineError, ValueError):
    """A source file, or a line of it, cannot be loaded. Nothing from the file was written.

    Attributes:
        path: The file.
        line: The line number (from 1); None when the file as a whole is the problem.
        problem: What is wrong.
    """

    def __init__(self, path: Path, line: int | None, problem: str) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        where = f"{path}:{line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {problem}")


@attrs.frozen
class _Line:
    number: int
    entry: Entry
    explicit_id: bool


def _vocabularies() -> None:
    # The library's own vocabularies register their types on import; a file
    # may use them without the caller importing them first.
    from . import events, sanctions  # noqa: F401, PLC0415


def read_jsonl(path: str | Path, log: Log, *, tz: str = FLOATING) -> list[Entry]:
    """Read and check every entry of ``path`` for ``log``; write nothing.

    Each entry carries its record id: the line's own, else one derived from its content.
    A valid time without a ``tz`` is read in ``tz`` (see :func:`load_jsonl`).

    Raises:
        SourceFileError: The file cannot be read, or a line is not UTF-8, is
            malformed JSON, names an unknown type, has a missing or wrong
            field, an impossible date, a naive known time, or a known time
            earlier than the line before it.
    """
    return [line.entry for line in read_lines(Path(path), log, tz=_checked_zone(tz))]


def _checked_zone(tz: str) -> str:
    """``tz``, once it is known to be a zone (else the typed error that says so)."""
    zone_of(tz)
    return tz


def read_lines(
    source: Path, log: Log, progress: Progress | None = None, *, tz: str = FLOATING
) -> list[_Line]:
    """Every entry of ``source`` read and checked for ``log``, with its line and record id."""
    return list(iter_lines(source, log, progress, tz=tz))


def check_lines(
    source: Path, log: Log, progress: Progress | None = None, *, tz: str = FLOATING
) -> int:
    """Read and check every line of ``source`` for ``log``, keeping none; how many lines."""
    return sum(1 for _ in iter_lines(source, log, progress, tz=tz))


def iter_lines(
    source: Path, log: Log, progress: Progress | None = None, *, tz: str = FLOATING
) -> Iterator[_Line]:
    """Each entry of ``source`` read and checked for ``log``, with its line and record id.

    The file is read a line at a time, so a file that is not JSON Lines (a
    binary, a device) is refused at its first line, not after it is read whole;
    what is kept of the lines read is their ids, not their entries.
    """
    _vocabularies()
    order = _Order(source)
    defaults: dict[str, str] = {}  # a defaults line's publication date and language
    number = 0
    for number, raw in _raw_lines(source):
        if progress is not None and number % 1000 == 0:
            progress(number, 0)
        if not raw.strip():
            continue
        item, text = _item(source, number, raw)
        if set(item) == {"defaults"}:
            defaults = _defaults(source, number, item["defaults"])
            continue
        item, text = _with_defaults(item, text, defaults)
        yield _entry(source, number, item, log, tz, order, text)
    if progress is not None:
        progress(number, number)


#: The longest line read, in bytes: an entry is small; a longer "line" is not JSON Lines.
_LONGEST: Final = 16 * 1024 * 1024


def _raw_lines(source: Path) -> Iterator[tuple[int, bytes]]:
    """The lines of ``source`` as bytes, numbered from 1, read as they come."""
    try:
        with source.open("rb") as handle:
            for number in itertools.count(1):
                raw = handle.readline(_LONGEST + 1)
                if not raw:
                    return
                if len(raw) > _LONGEST:
                    raise SourceFileError(
                        source, number, f"longer than {_LONGEST:,} bytes: not a JSON Lines file"
                    )
                yield number, raw
    except OSError as error:
        raise SourceFileError(source, None, f"cannot read: {error.strerror or error}") from None
    except ValueError as error:  # a name no file can have (a NUL in it)
        raise SourceFileError(source, None, f"cannot read: {error}") from None


class _Order:
    """Gives each line its record id; holds the file to one id a line and ordered known times.

    What it keeps of a line is small and fixed: its derived id as a number (the
    first copy's tells whether a text came before), and for lines that give
    their own id, that id and the line.
    """

    def __init__(self, source: Path) -> None:
        self._source = source
        self._derived: set[int] = set()  # the ids derived from content, as numbers
        self._repeats: dict[int, int] = {}  # by a text's first id: how many copies came
        self._explicit: dict[uuid.UUID, int] = {}  # ids lines give, and their lines
        self._last_known = ""

    def id_for(self, number: int, given: uuid.UUID | None, text: str) -> uuid.UUID:
        """The record id of line ``number``: the one it gives, else one derived from ``text``."""
        if given is not None:
            if given in self._explicit or given.int in self._derived:
                held = self._explicit.get(given)
                raise SourceFileError(
                    self._source,
                    number,
                    f"id {given} is already used on line {held}"
                    if held is not None
                    else f"id {given} is already the id of an earlier line's content",
                )
            self._explicit[given] = number
            return given
        record_id = uuid.uuid5(_ENTRY_NAMESPACE, f"{text}#0")
        if record_id.int in self._derived:  # the same content again: the next copy
            count = self._repeats.get(record_id.int, 1)
            self._repeats[record_id.int] = count + 1
            record_id = uuid.uuid5(_ENTRY_NAMESPACE, f"{text}#{count}")
        if record_id in self._explicit:
            raise SourceFileError(
                self._source,
                number,
                f"id {record_id} is already used on line {self._explicit[record_id]}",
            )
        self._derived.add(record_id.int)
        return record_id

    def check_known(self, number: int, known: dt.datetime | None) -> None:
        """Known times in a file never go backwards."""
        if known is not None:
            stamp = format_known_at(known)
            if stamp < self._last_known:
                raise SourceFileError(
                    self._source,
                    number,
                    f"known time {stamp} is earlier than the one before it ({self._last_known})",
                )
            self._last_known = stamp


def _item(source: Path, number: int, raw: bytes) -> tuple[dict[str, Any], str]:
    """One line as a JSON object whose text UTF-8 can hold, and its canonical JSON."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SourceFileError(
            source, number, f"not UTF-8 text (byte {error.start + 1} of the line)"
        ) from None
    try:
        item: Any = json.loads(text)
    except RecursionError:
        raise SourceFileError(source, number, "JSON nested too deeply") from None
    except ValueError as error:
        raise SourceFileError(source, number, f"malformed JSON: {error}") from None
    if not isinstance(item, dict):
        raise SourceFileError(source, number, "each line must be a JSON object")
    try:
        canonical = canonical_json(item)
        canonical.encode()
    except UnicodeEncodeError:
        raise SourceFileError(
            source, number, "holds a lone surrogate (\\ud800-\\udfff): not text UTF-8 can hold"
        ) from None
    except ValueError as error:  # NaN or infinity
        raise SourceFileError(source, number, f"holds a number JSON cannot: {error}") from None
    return item, canonical


def _entry(  # noqa: C901, PLR0912, PLR0917 -- one check per key
    source: Path, number: int, item: dict[str, Any], log: Log, tz: str, order: _Order, text: str
) -> _Line:
    def fail(problem: str) -> SourceFileError:
        return SourceFileError(source, number, problem)

    unknown = set(item) - _KEYS
    if unknown:
        raise fail(f"unknown keys {sorted(unknown)}; allowed: {sorted(_KEYS)}")
    missing = {"type", "data", "valid"} - set(item)
    if missing:
        raise fail(f"missing {sorted(missing)}")
    name = item["type"]
    if not isinstance(name, str) or name not in log.registry:
        raise fail(f"unknown event type {name!r}")
    version = item.get("version", log.registry.lookup(name).version)
    if isinstance(version, bool) or not isinstance(version, int):
        raise fail(f"version must be a whole number, not {version!r}")
    try:
        event = log.codec.decode_event(name, version, item["data"])
    except RecordDecodeError as error:
        raise fail(error.problem) from None
    raw_valid, rule = _words_valid(item["valid"], tz, fail)
    try:
        valid = decode_valid(_in_zone(raw_valid, tz))
    except InvalidValidTimeError as error:
        raise fail(f"valid time: {error}") from None
    subject = item.get("subject")
    if subject is not None and not isinstance(subject, str):
        raise fail(f"subject must be a string, not {subject!r}")
    raw_provenance = item.get("provenance", {})
    if not isinstance(raw_provenance, dict):
        raise fail(f"provenance must be an object, not {raw_provenance!r}")
    try:
        provenance = log.codec.converter.structure(raw_provenance, Provenance)
    except cattrs.BaseValidationError as error:
        raise fail(structure_problems(error, "provenance")) from None
    if rule is not None:
        if provenance.rule is not None:
            raise fail("provenance.rule is derived from the valid time's words: leave it out")
        provenance = attrs.evolve(provenance, rule=rule)
    record_id = None
    if "id" in item:
        try:
            record_id = uuid.UUID(item["id"])
        except (TypeError, ValueError, AttributeError):
            raise fail(f"id must be a UUID, not {item['id']!r}") from None
    try:
        entry = Entry(
            event=event,
            valid=valid,
            subject=subject,
            provenance=provenance,
            known_at=item.get("known_at"),
            id=order.id_for(number, record_id, text),
        )
    except (KnownTimeError, InvalidEventError) as error:
        raise fail(str(error)) from None
    order.check_known(number, entry.known_at)
    return _Line(number, entry, explicit_id=record_id is not None)


# -- words (timeline.words): resolved at load, the rule kept in provenance ------------

_DEFAULT_KEYS: Final = frozenset({"published", "language"})
_WORDS_KEYS: Final = frozenset({"words", "published", "language", "reading", "phrase", "tz"})


def _defaults(source: Path, number: int, raw: object) -> dict[str, str]:
    """A defaults line's values, checked."""
    if not isinstance(raw, dict) or not raw or not set(raw) <= _DEFAULT_KEYS:
        raise SourceFileError(
            source, number, f"defaults must be an object of {sorted(_DEFAULT_KEYS)}, not {raw!r}"
        )
    for key, value in raw.items():
        if not isinstance(value, str):
            raise SourceFileError(source, number, f"defaults: {key} must be text, not {value!r}")
    return dict(raw)


def _words_parts(valid: object) -> list[dict[str, Any]]:
    """The words objects in a valid time: itself, or its start or end."""
    if not isinstance(valid, dict):
        return []
    if "words" in valid:
        return [valid]
    return [
        end
        for end in (valid.get("start"), valid.get("end"))
        if isinstance(end, dict) and "words" in end
    ]


def _with_defaults(
    item: dict[str, Any], text: str, defaults: dict[str, str]
) -> tuple[dict[str, Any], str]:
    """The line with its words given the defaults they lack, and the text its id derives from.

    A line that takes a default is told apart by it: the same words published
    on another day are another entry.
    """
    valid = item.get("valid")
    parts = _words_parts(valid)
    if not defaults or not any(set(defaults) - set(part) for part in parts):
        return item, text
    assert isinstance(valid, dict)  # noqa: S101 -- it holds words
    filled = {
        key: {**defaults, **value} if value in parts else value for key, value in valid.items()
    }
    if valid in parts:
        filled = {**defaults, **valid}
    item = {**item, "valid": filled}
    return item, canonical_json(item)


def _check_words(spec: dict[str, Any], fail: Callable[[str], SourceFileError]) -> None:
    """Words with their publication date, each value text, no other keys."""
    unknown = set(spec) - _WORDS_KEYS
    if unknown:
        raise fail(
            f"valid time: unknown keys {sorted(unknown)} beside words; allowed: "
            f"{sorted(_WORDS_KEYS)}"
        )
    if "published" not in spec:
        raise fail(
            "valid time: words need the source's publication date: give 'published', or a "
            'line {"defaults": {"published": "YYYY-MM-DD"}} before this one'
        )
    for key in _WORDS_KEYS & set(spec):
        if not isinstance(spec[key], str):
            raise fail(f"valid time: {key} must be text, not {spec[key]!r}")


def _words_valid(
    raw: object, tz: str, fail: Callable[[str], SourceFileError]
) -> tuple[object, Rule | None]:
    """The encoded valid time with its words resolved, and their rule (None without words)."""
    parts = _words_parts(raw)
    if not parts:
        return raw, None
    if len(parts) > 1:
        raise fail("valid time: words at both ends; give one phrase for the span instead")
    from ._errors import MissingExtraError  # noqa: PLC0415 -- only for files with words
    from .words import resolve  # noqa: PLC0415 -- only for files with words

    spec = parts[0]
    _check_words(spec, fail)
    zone = spec.get("tz", tz)
    try:
        found = resolve(
            spec["words"],
            published=spec["published"],
            language=spec.get("language", "en"),
            reading=spec.get("reading"),
            tz=zone,
        )
    except (TimelineError, MissingExtraError) as error:
        raise fail(f"valid time: {error}") from None
    resolved: dict[str, Any] = {"edtf": found.edtf, "phrase": spec.get("phrase", spec["words"])}
    if zone != FLOATING:
        resolved["tz"] = zone
    if spec is raw:
        return resolved, found.rule
    assert isinstance(raw, dict)  # noqa: S101 -- its start or end held the words
    side = "start" if raw.get("start") is spec else "end"
    edtf_start, _, edtf_end = found.edtf.partition("/")
    if edtf_end:  # a span ("last week") at one end: its own start, or its own end
        resolved["edtf"] = edtf_start if side == "start" else edtf_end
        if resolved["edtf"] == "..":
            raise fail(f"valid time: the words at the {side} give no date there ({found.edtf})")
    phrase = resolved.pop("phrase")
    return {**raw, side: resolved, "phrase": raw.get("phrase", phrase)}, found.rule


def _in_zone(raw: object, tz: str) -> object:
    """An encoded valid time with the source's zone ``tz`` where it gives none."""
    if tz == FLOATING:
        return raw
    if isinstance(raw, str):
        return {"edtf": raw, "tz": tz}
    if isinstance(raw, dict) and "edtf" in raw and "tz" not in raw:
        return {**raw, "tz": tz}
    return raw
