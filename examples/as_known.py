"""What did the record say about 11 January 2024, before and after it was known?

Every record carries its known time: for the seed article, its publication
date, 12 January 2024. Asked as known on 10 January, the timeline knows of
no sanctions over the missiles; asked as known on 12 January, it does -- for
valid dates on and after 11 January, and still not before.

Run: python examples/as_known.py
"""

from pathlib import Path

from timeline import Log, load_jsonl
from timeline.sanctions import SanctionsInForce

SEEDS = Path(__file__).resolve().parent.parent / "seeds" / "000_b4b480d03dd4a743.jsonl"


def main() -> None:
    """Print the bitemporal grid: valid dates down, known dates across."""
    log = Log()
    load_jsonl(SEEDS, log)
    sanctions = SanctionsInForce(log)
    known_dates = ["2024-01-10", "2024-01-12"]
    valid_dates = ["2024-01-10", "2024-01-12", "2024-02-01"]
    print("valid / known".ljust(16) + "".join(f"{k:>14}" for k in known_dates))
    for valid in valid_dates:
        cells = []
        for known in known_dates:
            hits = sanctions.in_force(valid, known=known)
            cells.append(f"{len(hits):>3} in force")
        print(f"{valid:<16}" + "".join(f"{c:>14}" for c in cells))
    print()
    print("As known on 2024-01-10, the strikes of 30 December and 2 January:")
    for record in log.read(known="2024-01-10"):
        print(f"  {record.valid}: {record.event}")
    print("  (nothing: the article that reports them was published on 12 January)")
    print("As known on 2024-01-12:")
    for record in log.read(known="2024-01-12"):
        if type(record.event).__name__ == "Strike":
            print(f"  {record.valid}: {record.event.attacker} struck {record.event.target}")


if __name__ == "__main__":
    main()
