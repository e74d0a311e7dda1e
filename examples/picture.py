"""Draw the seed timeline: the sanctions of the article, and the events it reports.

Makes the picture in README and in the tutorial (``make picture``): a row per
sanction, grouped by authority, solid where it surely held, hatched where the
article's date leaves it open (the arms embargo is dated only "since 2006"), and
the article's other events as markers; a dashed line at 2024-02-01, as known
when the article was published. Needs the ``plot`` extra (matplotlib).

Run: python examples/picture.py [OUT.png|OUT.svg|OUT.html]
"""

import sys
from pathlib import Path

from timeline import Log, ManualClock, load_jsonl
from timeline.sanctions import SanctionsInForce

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds" / "000_b4b480d03dd4a743.jsonl"
PUBLISHED = "2024-01-12T00:00:00Z"  # when the article was published: the known time


def main() -> None:
    """Draw the picture and say where it went."""
    out = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "_static" / "seed-timeline.png"
    )
    log = Log(clock=ManualClock(PUBLISHED))
    load_jsonl(SEEDS, log)
    picture = SanctionsInForce(log).plot(
        "2024-02-01",
        known=PUBLISHED,
        title="US sanctions over North Korean missiles sent to Russia (Al Jazeera, 2024-01-12)",
    )
    picture.figure.set_dpi(100)
    picture.save(out)
    print(f"drew {picture.keys} sanctions and {len(picture.rows)} rows to {out}")


if __name__ == "__main__":
    main()
