"""Record a mistaken event, retract it, and show both answers.

Mistakes are fixed by appending: the mistaken record stays in the log, and
questions asked as known before the retraction still see it.

Run: python examples/retraction.py
"""

from pathlib import Path

from timeline import Log, ManualClock, Provenance, load_jsonl
from timeline.sanctions import Designated, SanctionsInForce, Target, TargetKind

SEEDS = Path(__file__).resolve().parent.parent / "seeds" / "000_b4b480d03dd4a743.jsonl"


def main() -> None:
    """Append a wrong designation, retract it a day later, and compare."""
    clock = ManualClock("2024-01-13T09:00:00Z")
    log = Log(clock=clock)
    load_jsonl(SEEDS, log)
    sanctions = SanctionsInForce(log)

    mistaken = log.append(
        Designated(
            target=Target(name="Pyongyang Trading Co", kind=TargetKind.ENTITY, country="kp"),
            authority="United States",
            reason="misread from a wire report",
        ),
        valid="2024-01-11/..",
        subject="Pyongyang Trading Co",
        provenance=Provenance(source="a wire report", note="entered by mistake"),
    )
    clock.advance(days=1)
    fix = log.retract(mistaken, reason="no such designation; the wire report was misread")

    for known in ("2024-01-13T12:00:00Z", "2024-01-14T12:00:00Z"):
        hits = sanctions.in_force("2024-01-15", known=known)
        names = sorted(hit.spell.attributes["target"] for hit in hits)
        print(f"As known at {known}: {len(hits)} sanctions in force on 2024-01-15")
        print(f"  Pyongyang Trading Co listed: {'Pyongyang Trading Co' in names}")
    print(f"\nThe log still holds the mistake at position {mistaken.position}, ")
    print(f"and its retraction at position {fix.position}: {fix.event.reason}")


if __name__ == "__main__":
    main()
