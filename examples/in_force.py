"""Rebuild the seed timeline and ask which sanctions were in force on several dates.

The main example (README's first command). One date falls before the
sanctions were announced; one falls on the day of the announcement, which
the article gives only to the day, so the answer is "maybe" within it.

Run: python examples/in_force.py
"""

from pathlib import Path

from timeline import Log, load_jsonl
from timeline.sanctions import SanctionsInForce

SEEDS = Path(__file__).resolve().parent.parent / "seeds" / "000_b4b480d03dd4a743.jsonl"
DATES = ["2005-06-01", "2006-10-09", "2023-12-31", "2024-01-11T12:00:00Z", "2024-01-15"]


def main() -> None:
    """Print the answer for each date."""
    log = Log()
    load_jsonl(SEEDS, log)
    sanctions = SanctionsInForce(log)
    for date in DATES:
        hits = sanctions.in_force(date)
        print(f"In force on {date}: {len(hits)}")
        for hit in hits:
            print(f"  {hit.answer.value:<5}  {hit.key}  (from {hit.spell.start})")
    print()
    print("Sanctions on the unnamed Russian individual on 2024-01-15:")
    for hit in sanctions.in_force("2024-01-15", target="unnamed Russian individual"):
        first = hit.spell.records[0]
        print(f"  {hit.answer.value}: {hit.key}")
        print(f"  according to {first.provenance.speaker} via {first.provenance.source}")
        rule = first.provenance.rule  # how the date was derived from the article's words
        print(f"  date rule: {rule.phrase!r}, published {rule.published}: {rule.explain()}")
        print(f"  note: {first.provenance.note}")


if __name__ == "__main__":
    main()
