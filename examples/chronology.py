"""Load the seed article's transcription and print its chronology.

Each line shows the valid time as the source gave it (EDTF), how precise that
is, the source's own phrase, what happened, and who says so.

Run: python examples/chronology.py
"""

from pathlib import Path

from timeline import Log, Moment, load_jsonl, record_order

SEEDS = Path(__file__).resolve().parent.parent / "seeds" / "000_b4b480d03dd4a743.jsonl"


def precision(valid: object) -> str:
    """How precise a valid time is, in words."""
    if isinstance(valid, Moment):
        return valid.precision.name.lower()
    start, end = valid.start, valid.end  # type: ignore[attr-defined]
    first = start.precision.name.lower() if isinstance(start, Moment) else "open"
    last = end.precision.name.lower() if isinstance(end, Moment) else "open"
    return f"{first} to {last}"


def main() -> None:
    """Print the chronology in valid-time order."""
    log = Log()
    load_jsonl(SEEDS, log)
    print(f"{len(log)} records, known since {log[1].known_at.to_date_string()}\n")
    for record in sorted(log, key=record_order):
        what = type(record.event).__name__
        who = record.provenance.speaker or record.provenance.source
        print(f"{record.valid!s:<22} {precision(record.valid):<14} {what:<15} {who}")
        print(f"{'':<22} “{record.valid.phrase}”")


if __name__ == "__main__":
    main()
