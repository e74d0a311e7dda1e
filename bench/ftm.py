"""Importing an OpenSanctions-shaped export: timeline import-ftm beside followthemoney's own read.

Generates an export of N ``Sanction`` entities and their targets (one target for every
two sanctions: people with names in Latin and Cyrillic, companies, vessels; several
authorities, start dates, datasets and OpenSanctions' times), as JSON lines. Then, each
round in new processes and interleaved:

- ``followthemoney read``: each line parsed and made a ``ValueEntity`` (the anchor: what
  any FtM consumer pays to read the file);
- ``import-ftm``: ``timeline import-ftm FILE`` into a new SQLite store, end to end: read,
  check, append, and the facts index built and saved;
- ``import only``: the same through the API without the facts index, to show where the
  time goes.

Entities per second count every entity of the file (sanctions and targets). Peak memory
is the process's ``ru_maxrss``.

    .venv/bin/python bench/ftm.py                      # 100k sanctions, 3 rounds
    .venv/bin/python bench/ftm.py --sanctions 20000 25000 50000 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AUTHORITIES = [
    "SECO",
    "EU Council",
    "OFAC",
    "HM Treasury",
    "State Secretariat for Economic Affairs",
]
PROGRAMS = ["RUS", "UKR-2014", "IRN", "DPRK"]
LATIN = ["Aleksandr", "Vladimir", "Sergei", "Olga", "Irina", "Dmitry", "Nikolai", "Anna"]
CYRILLIC = ["Александр", "Владимир", "Сергей", "Ольга", "Ирина", "Дмитрий", "Николай", "Анна"]
SURNAMES = [
    ("Zakharov", "Захаров"),
    ("Mikheichik", "Михейчик"),
    ("Petrov", "Петров"),
    ("Ivanova", "Иванова"),
    ("Sokolov", "Соколов"),
]
DATASETS = ["ch_seco_sanctions", "eu_fsf", "us_ofac_sdn", "gb_hmt_sanctions"]


def generate(path: Path, sanctions: int, seed: int = 7) -> int:
    """Write the export; return how many entities it holds."""
    rng = random.Random(seed)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for number in range(sanctions // 2):
            dataset = rng.choice(DATASETS)
            first = f"{rng.randint(2019, 2024)}-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}"
            times = {
                "datasets": [dataset],
                "first_seen": f"{first}T06:00:00",
                "last_seen": "2024-12-01T06:00:00",
                "last_change": f"{first}T06:00:00",
            }
            kind = rng.random()
            target_id = f"NK-{number:07d}"
            if kind < 0.6:
                at = rng.randrange(len(LATIN))
                surname, native = rng.choice(SURNAMES)
                properties = {
                    "name": [f"{LATIN[at]} {surname}", f"{native} {CYRILLIC[at]}"],
                    "alias": [f"{surname.upper()} {LATIN[at]}"],
                    "birthDate": [f"{rng.randint(1950, 1990)}"],
                    "nationality": ["ru"],
                }
                schema = "Person"
            elif kind < 0.9:
                properties = {
                    "name": [f"{rng.choice(SURNAMES)[0]} Trading {number} LLC"],
                    "country": ["ru"],
                    "registrationNumber": [f"{number:010d}"],
                }
                schema = "Company"
            else:
                properties = {
                    "name": [f"Sea Star {number}"],
                    "flag": ["kp"],
                    "imoNumber": [f"IMO{9000000 + number}"],
                }
                schema = "Vessel"
            target = {
                "id": target_id,
                "schema": schema,
                "properties": properties,
                "caption": properties["name"][0],
                "target": True,
                **times,
            }
            out.write(json.dumps(target, ensure_ascii=False) + "\n")
            count += 1
            for which in range(2):
                starts = [f"{first[:4]}-{rng.randint(1, 12):02}-{rng.randint(1, 28):02}"]
                if rng.random() < 0.05:
                    starts.append(f"{first[:4]}-{rng.randint(1, 12):02}")
                sanction = {
                    "id": f"{dataset}-{number}-{which}",
                    "schema": "Sanction",
                    "properties": {
                        "entity": [target_id],
                        "authority": rng.sample(AUTHORITIES, rng.choice([1, 1, 1, 2])),
                        "program": [rng.choice(PROGRAMS)],
                        "startDate": starts,
                        "provisions": ["Asset freeze"],
                        "sourceUrl": [f"https://example.org/{dataset}/{number}"],
                        "status": ["Active"],
                    },
                    **times,
                }
                out.write(json.dumps(sanction, ensure_ascii=False) + "\n")
                count += 1
    return count


ANCHOR = """
import json, sys, time, resource
from followthemoney import ValueEntity, model
began = time.perf_counter()
count = 0
with open(sys.argv[1], "rb") as lines:
    for line in lines:
        data = json.loads(line)
        ValueEntity(model.get(data["schema"]), data)
        count += 1
print(json.dumps({"seconds": time.perf_counter() - began, "entities": count,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

IMPORT = """
import json, sys, time, resource
from timeline._cli import main
began = time.perf_counter()
status = main(["--store", sys.argv[2], "--json", "import-ftm", sys.argv[1], "--quiet"])
assert status == 0
print(json.dumps({"seconds": time.perf_counter() - began,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

IMPORT_ONLY = """
import json, sys, time, resource
from timeline import Log
from timeline.ftm import import_ftm
from timeline.stores import open_store
began = time.perf_counter()
log = Log(open_store(sys.argv[2]))
imported = import_ftm(sys.argv[1], log)
print(json.dumps({"seconds": time.perf_counter() - began, "records": len(imported.records),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(script: str, *args: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sanctions", type=int, nargs="+", default=[100_000])
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for sanctions in options.sanctions:
            export = Path(folder) / f"export-{sanctions}.ftm.json"
            entities = generate(export, sanctions)
            runs: dict[str, list[dict[str, float]]] = {"anchor": [], "import": [], "only": []}
            for round_ in range(options.rounds):
                runs["anchor"].append(_run(ANCHOR, str(export)))
                store = Path(folder) / f"import-{sanctions}-{round_}.sqlite"
                runs["import"].append(_run(IMPORT, str(export), str(store)))
                store = Path(folder) / f"only-{sanctions}-{round_}.sqlite"
                runs["only"].append(_run(IMPORT_ONLY, str(export), str(store)))
            row = {"sanctions": sanctions, "entities": entities, "MB": export.stat().st_size / 1e6}
            for name, found in runs.items():
                seconds = statistics.median(run["seconds"] for run in found)
                row[f"{name} s"] = seconds
                row[f"{name} entities/s"] = entities / seconds
                row[f"{name} peak MB"] = statistics.median(run["peak_mb"] for run in found)
            rows.append(row)
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print("| " + " | ".join(_cell(row[column]) for column in columns) + " |")
    print(f"\nmedians of {options.rounds} rounds, interleaved; Python {sys.version.split()[0]}")


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if value >= 100 else f"{value:.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


if __name__ == "__main__":
    began = time.perf_counter()
    main()
    print(f"({time.perf_counter() - began:.0f} s in all)")
