"""Pictures of a timeline: PNG, SVG, or one HTML file that works offline (the ``plot`` extra).

:func:`draw` (and :meth:`timeline.TemporalFacts.plot`) draws temporal facts
as matplotlib makes pictures: one row per key, grouped (sanctions by
authority), a bar per spell -- solid where the fact surely held (*yes*),
hatched and faded where it may have (*maybe*: an imprecise start or end),
an arrow where it has no end yet -- the log's other events as markers on a
row of their own, a dashed line at the valid time asked about, and "as known
at" in the caption. Many keys are drawn a page at a time.

>>> from timeline import Log, ManualClock, load_jsonl, seed_path
>>> from timeline.sanctions import SanctionsInForce
>>> log = Log(clock=ManualClock("2024-01-12T00:00:00Z"))
>>> _ = load_jsonl(seed_path(), log)
>>> picture = draw(SanctionsInForce(log), valid="2024-02-01")
>>> picture.rows[:3]
['events', 'UN Security Council', 'North Korea']
"""

from __future__ import annotations

import datetime as dt
import html
import importlib
import io
import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from xml.etree import ElementTree as ET

import attrs

from ._errors import MissingExtraError, TimelineError
from ._projection import visible
from ._records import Record, known_instant
from .facts import Hit, InForce, Spell, TemporalFacts
from .time import (
    DateSet,
    End,
    Moment,
    Question,
    QuestionLike,
    in_datetime_range,
    micros,
    to_instant,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["PER_PAGE", "TimelinePicture", "draw"]

#: Rows (keys) on one page by default: legible at the default size.
PER_PAGE: Final = 40
_EPOCH: Final = micros(dt.datetime(1970, 1, 1, tzinfo=dt.UTC))  # matplotlib's day 0
_DAY: Final = 86_400_000_000
_YES_ALPHA: Final = 1.0
_MAYBE_ALPHA: Final = 0.3
_MAYBE_HATCH: Final = "////"
_LONG_EVENT_DAYS: Final = 31  # an event longer than this is drawn as a span too
_SVG: Final = "http://www.w3.org/2000/svg"
_Colour = tuple[float, float, float, float]  # red, green, blue, alpha


@attrs.frozen(eq=False)
class TimelinePicture:
    """A drawn page of a timeline: the matplotlib figure and what hovering over it shows.

    Attributes:
        figure: The figure (``figure.savefig`` takes any format matplotlib writes).
        rows: The row labels, top to bottom: group headings and keys' labels.
        page: Which page this is (from 1).
        pages: How many pages the keys fill.
        keys: How many keys there are in all (on every page).
        tooltips: For each drawn element's id (``gid``), the text hovering shows.
    """

    figure: Figure
    rows: list[str]
    page: int
    pages: int
    keys: int
    tooltips: dict[str, str]

    def save(self, path: Path | str) -> Path:
        """Write the picture: ``.png`` or ``.svg`` (or any format matplotlib writes), or ``.html``.

        HTML is one file that needs nothing else, online or off: the SVG inline,
        and over each bar and marker the record behind it, its source and quote.
        """
        target = Path(path)
        if target.suffix.lower() in {".html", ".htm"}:
            target.write_text(self.to_html(), encoding="utf-8")
        else:
            self.figure.savefig(target, bbox_inches="tight")
        return target

    def to_html(self) -> str:
        """The picture as one self-contained HTML page (see :meth:`save`)."""
        buffer = io.StringIO()
        self.figure.savefig(buffer, format="svg", bbox_inches="tight")
        ET.register_namespace("", _SVG)
        ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
        root = ET.fromstring(buffer.getvalue())  # noqa: S314 -- matplotlib's own output
        for element in root.iter():
            text = self.tooltips.get(element.get("id", ""))
            if text is not None:
                title = ET.Element(f"{{{_SVG}}}title")
                title.text = text
                element.insert(0, title)
        svg = ET.tostring(root, encoding="unicode")
        heading = html.escape(self.figure.get_suptitle() or "timeline")
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{heading}</title><style>body{{font-family:sans-serif;margin:1em}}"
            "svg{max-width:100%;height:auto}</style></head><body>\n"
            f"<p>Hover over a bar or a marker for its records, sources and quotes.</p>\n{svg}\n"
            "</body></html>\n"
        )


def draw(
    facts: TemporalFacts | InForce | Iterable[Spell],
    *,
    valid: QuestionLike | None = None,
    known: dt.datetime | dt.date | str | None = None,
    keys: Sequence[str] | None = None,
    group_by: str | None = "authority",
    label_by: str | None = "target",
    events: Iterable[Record] | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
    title: str | None = None,
) -> TimelinePicture:
    """Draw temporal facts: a row per key, a bar per spell, yes solid and maybe hatched.

    Args:
        facts: A temporal-facts projection (every key, as known at ``known``,
            and the log's other events as markers), an answer (its hits'
            spells), or spells.
        valid: The valid time asked about: a dashed line there.
        known: As known at this time (a projection's; the caption says it).
        keys: Only these keys (of a projection).
        group_by: The attribute that groups rows (a heading each); None, or an
            attribute no spell has: no groups.
        label_by: The attribute that labels a row; the key where a spell has none.
        events: Records to mark on the events row; by default a projection's
            log's records that are in no spell (none for answers and spells).
        page: Which page of ``per_page`` keys to draw.
        per_page: Keys on a page.
        title: The picture's title.

    Raises:
        MissingExtraError: matplotlib is not installed (the ``plot`` extra).
        TimelineError: ``page`` is not one of the pages, or ``per_page`` < 1.
    """
    figure_class = _figure_class()
    spells, marked, known_text = _gather(facts, known=known, keys=keys, events=events)
    by_key: dict[str, list[Spell]] = {}
    for spell in spells:
        by_key.setdefault(spell.key, []).append(spell)
    if group_by is not None and not any(group_by in spell.attributes for spell in spells):
        group_by = None  # facts without that attribute: no headings, rather than one empty one
    ordered = sorted(by_key, key=lambda key: (_group(by_key[key], group_by), key))
    shown, pages = _page(ordered, page, per_page)
    asked = None if valid is None else Question.of(valid)
    layout = _Layout(shown, by_key, group_by, label_by, has_events=bool(marked))
    low, high = _window([s for key in shown for s in by_key[key]], marked, asked)
    figure = figure_class(figsize=(11, 1.6 + 0.3 * len(layout.rows)))
    axes = figure.add_subplot()
    tooltips: dict[str, str] = {}
    painter = _Painter(axes, low, high, tooltips)
    colours = _colours([_group(by_key[key], group_by) for key in shown])
    for key in shown:
        row = layout.row_of[key]
        colour = colours[_group(by_key[key], group_by)]
        for spell in by_key[key]:
            painter.spell(row, spell, colour)
    for record in marked:
        painter.event(layout.events_row, record)
    if asked is not None:
        painter.valid_line(asked)
    _finish(axes, layout, low, high)
    caption = f"as known at {known_text}"
    if pages > 1:
        caption += f" -- page {page} of {pages} ({len(ordered)} keys)"
    if valid is not None:
        caption += f" -- dashed line: {valid}"
    figure.text(0.01, 0.005, caption, fontsize=8, gid="tl-caption")
    figure.suptitle(title or "timeline", x=0.01, ha="left", fontsize=11)
    figure.tight_layout(rect=(0, 0.03, 1, 1))
    return TimelinePicture(figure, layout.rows, page, pages, len(ordered), tooltips)


# -- what to draw -------------------------------------------------------------------------


def _page(ordered: list[str], page: int, per_page: int) -> tuple[list[str], int]:
    """The keys on ``page``, and how many pages there are."""
    if per_page < 1:
        raise TimelineError(f"per_page {per_page}: draw at least one key a page")
    pages = max(1, math.ceil(len(ordered) / per_page))
    if not 1 <= page <= pages:
        raise TimelineError(f"page {page}: the {len(ordered)} keys fill pages 1 to {pages}")
    return ordered[(page - 1) * per_page : page * per_page], pages


def _figure_class() -> Any:  # noqa: ANN401 -- matplotlib's Figure, imported on first use
    try:
        figure = importlib.import_module("matplotlib.figure")
    except ImportError:
        raise MissingExtraError(
            "matplotlib is not installed: pip install 'bitemporal-timeline[plot]'"
        ) from None
    return figure.Figure


def _gather(
    facts: TemporalFacts | InForce | Iterable[Spell],
    *,
    known: dt.datetime | dt.date | str | None,
    keys: Sequence[str] | None,
    events: Iterable[Record] | None,
) -> tuple[list[Spell], list[Record], str]:
    """The spells to draw, the records to mark, and the known time as the caption says it."""
    known_text = "now" if known is None else _shown(known_instant(known))
    if isinstance(facts, TemporalFacts):
        wanted = facts.keys() if keys is None else list(keys)
        spells = [spell for key in wanted for spell in facts.history(key, known=known)]
        if events is None:
            used = {record.position for spell in spells for record in spell.records}
            seen = facts.log.read() if known is None else facts.log.read(known=known)
            events = [record for record in visible(seen) if record.position not in used]
        if known is None:
            head = facts.log.store.head()
            known_text = _shown(to_instant(head.known_at)) if head is not None else "now"
        return spells, list(events), known_text
    spells = []
    for number, item in enumerate(facts):
        found: object = item.spell if isinstance(item, Hit) else item
        if not isinstance(found, Spell):
            raise TimelineError(
                f"item {number} is a {type(found).__name__}: draw takes temporal facts, "
                "an answer, or spells"
            )
        spells.append(found)
    if keys is not None:
        spells = [spell for spell in spells if spell.key in set(keys)]
    return spells, list(events or ()), known_text


def _group(spells: list[Spell], group_by: str | None) -> str:
    if group_by is None:
        return ""
    return str(spells[0].attributes.get(group_by, "")) if spells else ""


class _Layout:
    """Which row each key, heading and the events take, top to bottom."""

    def __init__(
        self,
        shown: list[str],
        by_key: dict[str, list[Spell]],
        group_by: str | None,
        label_by: str | None,
        *,
        has_events: bool,
    ) -> None:
        self.rows: list[str] = []
        self.headings: list[int] = []
        self.row_of: dict[str, int] = {}
        self.events_row = -1
        if has_events:
            self.events_row = self._add("events")
        current: str | None = None
        for key in shown:
            group = _group(by_key[key], group_by)
            if group_by is not None and group != current:
                current = group
                self.headings.append(self._add(group or f"(no {group_by})"))
            label = by_key[key][0].attributes.get(label_by) if label_by else None
            self.row_of[key] = self._add(str(label) if label is not None else key)

    def _add(self, label: str) -> int:
        self.rows.append(label)
        return len(self.rows) - 1


def _window(
    spells: list[Spell], marked: list[Record], asked: Question | None
) -> tuple[float, float]:
    """The x range in matplotlib's days: every dated bound and the question, padded."""
    instants: list[int] = []
    for spell in spells:
        for end in (spell.start, spell.end):
            if not isinstance(end, End):
                bounds = end.bounds()
                instants.extend(v for v in (bounds.low, bounds.high) if in_datetime_range(v))
    for record in marked:
        low, high = _record_bounds(record)
        instants.extend(v for v in (low, high) if in_datetime_range(v))
    if asked is not None:
        instants.extend(v for v in (asked.low, asked.high) if in_datetime_range(v))
    if not instants:
        instants = [micros(dt.datetime.now(dt.UTC))]
    first, last = _days(min(instants)), _days(max(instants))
    pad = max((last - first) * 0.04, 30.0)
    return first - pad, last + pad


# -- drawing ------------------------------------------------------------------------------


class _Painter:
    """Adds bars, markers and lines to the axes, each with an id and its hover text."""

    def __init__(self, axes: Any, low: float, high: float, tooltips: dict[str, str]) -> None:  # noqa: ANN401
        self.axes, self.low, self.high, self.tooltips = axes, low, high, tooltips
        self.count = 0

    def _id(self, kind: str, text: str) -> str:
        self.count += 1
        gid = f"tl-{kind}-{self.count}"
        self.tooltips[gid] = text
        return gid

    def _bar(
        self, row: int, start: float, stop: float, colour: _Colour, *, sure: bool, text: str
    ) -> None:
        start, stop = max(start, self.low), min(stop, self.high)
        if stop <= start:
            return
        from matplotlib.patches import Rectangle  # noqa: PLC0415 -- with the figure

        kind = "yes" if sure else "maybe"
        self.axes.add_patch(
            Rectangle(
                (start, row - 0.3),
                stop - start,
                0.6,
                facecolor=colour,
                edgecolor=colour,
                alpha=_YES_ALPHA if sure else _MAYBE_ALPHA,
                hatch=None if sure else _MAYBE_HATCH,
                linewidth=0.8,
                gid=self._id(kind, f"{text}\n{kind}"),
            )
        )

    def spell(self, row: int, spell: Spell, colour: _Colour) -> None:
        text = _describe(spell)
        start_low, start_high = _end_days(spell.start, self.low, self.high, start=True)
        end_low, end_high = _end_days(spell.end, self.low, self.high, start=False)
        if start_high >= end_low:  # never surely in force: maybe all along
            self._bar(row, start_low, end_high, colour, sure=False, text=text)
        else:
            self._bar(row, start_low, start_high, colour, sure=False, text=text)
            self._bar(row, start_high, end_low, colour, sure=True, text=text)
            self._bar(row, end_low, end_high, colour, sure=False, text=text)
        if spell.end is End.OPEN:  # no end yet: it goes on past the picture
            self.axes.plot(
                [self.high], [row], marker=">", markersize=9, color=colour, clip_on=False,
                gid=self._id("open", f"{text}\nno end known: in force until further notice"),
            )  # fmt: skip

    def event(self, row: int, record: Record) -> None:
        """A marker where the record's valid time lies; a thin bar under it when that is long."""
        low, high = _record_bounds(record)
        if not (in_datetime_range(low) and in_datetime_range(high)):
            return
        start, stop = max(_days(low), self.low), min(_days(high), self.high)
        if stop < start:
            return
        text = _describe_record(record)
        if stop - start > _LONG_EVENT_DAYS:  # a period ("since February 2022"): its span too
            from matplotlib.patches import Rectangle  # noqa: PLC0415 -- with the figure

            self.axes.add_patch(
                Rectangle(
                    (start, row - 0.08), stop - start, 0.16, facecolor="0.6", linewidth=0,
                    gid=self._id("span", text),
                )
            )  # fmt: skip
        self.axes.plot(
            [(start + stop) / 2], [row], marker="o", markersize=6, color="0.25",
            linestyle="none", gid=self._id("event", text),
        )  # fmt: skip

    def valid_line(self, asked: Question) -> None:
        at = _days(asked.low)
        self.axes.axvline(at, color="black", linestyle="--", linewidth=1.2, gid="tl-valid")


def _finish(axes: Any, layout: _Layout, low: float, high: float) -> None:  # noqa: ANN401
    """Axes, row labels, headings, date ticks and the legend."""
    from matplotlib import dates  # noqa: PLC0415 -- with the figure
    from matplotlib.artist import Artist  # noqa: PLC0415
    from matplotlib.lines import Line2D  # noqa: PLC0415
    from matplotlib.patches import Patch  # noqa: PLC0415

    axes.set_xlim(low, high)
    if not layout.rows:
        axes.text(0.5, 0.5, "nothing known", transform=axes.transAxes, ha="center")
    axes.set_ylim(max(len(layout.rows), 1) - 0.5, -0.5)  # the first row on top
    axes.set_yticks(range(len(layout.rows)), layout.rows, fontsize=8)
    labels = axes.get_yticklabels()
    for heading in layout.headings:
        labels[heading].set_fontweight("bold")
        if heading > 0:
            axes.axhline(heading - 0.5, color="0.8", linewidth=0.6)
    locator = dates.AutoDateLocator()  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(dates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    axes.grid(axis="x", color="0.92")
    axes.set_axisbelow(True)
    drawn = {(artist.get_gid() or "").split("-")[1] for artist in [*axes.patches, *axes.lines]
             if (artist.get_gid() or "").startswith("tl-")}  # fmt: skip
    handles: list[Artist] = [
        Patch(facecolor="0.4", edgecolor="0.4", label="in force (yes)"),
        Patch(
            facecolor="0.4",
            edgecolor="0.4",
            alpha=_MAYBE_ALPHA,
            hatch=_MAYBE_HATCH,
            label="may be in force (maybe)",
        ),
    ]
    if "open" in drawn:
        handles.append(
            Line2D([], [], marker=">", color="0.4", linestyle="none", label="no end yet")
        )
    if "event" in drawn:
        handles.append(Line2D([], [], marker="o", color="0.25", linestyle="none", label="event"))
    if "valid" in drawn:
        handles.append(Line2D([], [], color="black", linestyle="--", label="asked about"))
    axes.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.06),
        ncols=len(handles),
        fontsize=8,
        frameon=False,
    )


def _colours(groups: list[str]) -> dict[str, _Colour]:
    """A colour per group, in the order the groups come."""
    from matplotlib import colormaps  # noqa: PLC0415 -- with the figure

    palette = colormaps["tab10"]
    found = list(dict.fromkeys(groups))
    return {group: palette(number % 10) for number, group in enumerate(found)}


# -- numbers and words --------------------------------------------------------------------


def _shown(instant: dt.datetime) -> str:
    """A known time in a caption: to the minute, in UTC."""
    return instant.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _days(value: int) -> float:
    return (value - _EPOCH) / _DAY


def _end_days(
    end: Moment | DateSet | End, low: float, high: float, *, start: bool
) -> tuple[float, float]:
    """Where an end may lie, in days; an open or unknown one at the picture's edge."""
    if end is End.OPEN:
        return (low, low) if start else (high, high)
    if end is End.UNKNOWN:
        return low, high  # anywhere
    bounds = end.bounds()
    return _clamped(bounds.low, low, high), _clamped(bounds.high, low, high)


def _clamped(value: int, low: float, high: float) -> float:
    if not in_datetime_range(value):
        return low if value < _EPOCH else high
    return min(max(_days(value), low), high)


def _record_bounds(record: Record) -> tuple[int, int]:
    extent = record.valid.extent
    return extent.start.low, extent.end.high


def _ends(end: Moment | DateSet | End) -> str:
    return ("open" if end is End.OPEN else "unknown") if isinstance(end, End) else str(end)


def _describe(spell: Spell) -> str:
    lines = [spell.key, f"from {_ends(spell.start)} until {_ends(spell.end)}"]
    lines.extend(_describe_record(record) for record in spell.records)
    return "\n".join(lines)


def _describe_record(record: Record) -> str:
    said = record.provenance
    who = said.speaker or said.source
    parts = [f"#{record.position} {_event_name(record.event)}, valid {record.valid}"]
    if who:
        parts.append(f"source: {who}")
    if said.quote:
        parts.append(f"\u201c{said.quote}\u201d")
    if said.url:
        parts.append(said.url)
    return " -- ".join(parts)


def _event_name(event: object) -> str:
    name = type(event).__name__
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()
