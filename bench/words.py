"""timeline.words: what the words extra costs at import, and what a phrase costs to resolve.

Each import is timed in a fresh interpreter, several rounds interleaved, and the
median printed. Resolving is timed over the English phrases of the test corpus,
beside dateparser's own parser on the same phrases (its relative base set to
the publication date): the peer, interleaved round by round.

Run: make bench-words  (or .venv/bin/python bench/words.py)
"""

from __future__ import annotations

import csv
import datetime as dt
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROUNDS = 5
CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "words_corpus.tsv"

# Each snippet prints the seconds its last step took, in a fresh interpreter.
IMPORTS = {
    "import timeline": "import time; t = time.perf_counter(); import timeline",
    "import timeline.words (after timeline)": (
        "import timeline, time; t = time.perf_counter(); import timeline.words"
    ),
    "first English phrase (words imported)": (
        "import time, timeline.words as w; t = time.perf_counter(); "
        "w.resolve('late November', published='2024-01-12')"
    ),
    "import dateparser": "import time; t = time.perf_counter(); import dateparser",
    "first French phrase (imports dateparser)": (
        "import time, timeline.words as w; t = time.perf_counter(); "
        "w.resolve('fin novembre', published='2024-01-12', language='fr')"
    ),
    "first phrase of dateparser's own parser": (
        "import time, datetime as dt; t = time.perf_counter(); "
        "from dateparser.date import DateDataParser; "
        "DateDataParser(languages=['en'], settings={'RELATIVE_BASE': dt.datetime(2024, 1, 12)})"
        ".get_date_data('last Thursday')"
    ),
}


def _timed(snippet: str) -> float:
    code = f"{snippet}; print(time.perf_counter() - t)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout.strip())


def _phrases() -> list[tuple[str, str]]:
    lines = [line for line in CORPUS.read_text().splitlines() if not line.startswith("#")]
    rows = list(csv.reader(lines, delimiter="\t"))[1:]
    return [(row[1], row[2]) for row in rows if row[0] == "en"]


def _resolve_round(phrases: list[tuple[str, str]]) -> float:
    from timeline.words import resolve  # noqa: PLC0415 -- imported before the rounds

    start = time.perf_counter()
    for published, phrase in phrases:
        resolve(phrase, published=published)
    return (time.perf_counter() - start) / len(phrases)


def _dateparser_round(phrases: list[tuple[str, str]]) -> float:
    from dateparser.date import DateDataParser  # noqa: PLC0415 -- imported before the rounds

    parsers = {}
    start = time.perf_counter()
    for published, phrase in phrases:
        parser = parsers.get(published)
        if parser is None:
            base = dt.datetime.fromisoformat(published)
            settings = {"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"}
            parser = parsers[published] = DateDataParser(languages=["en"], settings=settings)
        parser.get_date_data(phrase)
    return (time.perf_counter() - start) / len(phrases)


def main() -> None:
    """Print the two tables."""
    timings: dict[str, list[float]] = {name: [] for name in IMPORTS}
    for _ in range(ROUNDS):
        for name, snippet in IMPORTS.items():
            timings[name].append(_timed(snippet))
    print(f"Imports, each in a fresh interpreter (median of {ROUNDS} interleaved rounds)")
    print(f"{'step':<44} {'median ms':>10} {'min ms':>8}")
    for name, values in timings.items():
        print(f"{name:<44} {1000 * statistics.median(values):>10.1f} {1000 * min(values):>8.1f}")

    phrases = _phrases()
    _resolve_round(phrases)  # warm: the grammar compiled, dateparser's English loaded
    _dateparser_round(phrases)
    ours, theirs = [], []
    for _ in range(ROUNDS):
        ours.append(_resolve_round(phrases))
        theirs.append(_dateparser_round(phrases))
    print()
    print(f"One English phrase, warm ({len(phrases)} phrases; median of {ROUNDS} rounds)")
    print(f"{'who':<44} {'median us':>10} {'min us':>8}")
    for name, values in (
        ("timeline.words.resolve (value and rule)", ours),
        ("dateparser DateDataParser.get_date_data", theirs),
    ):
        print(f"{name:<44} {1e6 * statistics.median(values):>10.1f} {1e6 * min(values):>8.1f}")


if __name__ == "__main__":
    main()
