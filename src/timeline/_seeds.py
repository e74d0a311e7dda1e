"""The seed material that ships with the library: real sources and their transcriptions."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from ._errors import TimelineError

__all__ = ["SEED_ARTICLE", "seed_path"]

#: The first seed: Al Jazeera, 12 January 2024, "US imposes sanctions over transfer of North
#: Korean missiles to Russia" -- its transcription, one entry per dated statement.
SEED_ARTICLE = "000_b4b480d03dd4a743.jsonl"


def seed_path(name: str = SEED_ARTICLE) -> Path:
    """Return the path of a seed file, wherever the library is installed.

    Installed from a wheel, the seeds live inside the package; in a source
    checkout, in its ``seeds/`` folder.

    Args:
        name: The file's name (the seed article's transcription by default;
            ``000_b4b480d03dd4a743.txt`` is the article itself).

    Raises:
        TimelineError: There is no such seed (the message lists those there are).

    >>> seed_path().name
    '000_b4b480d03dd4a743.jsonl'
    """
    for folder in _folders():
        candidate = folder / name
        if candidate.is_file():
            return candidate
    known = sorted({path.name for folder in _folders() for path in folder.glob("0*")})
    raise TimelineError(f"no seed file {name!r}; the seeds are {known}")


def _folders() -> list[Path]:
    packaged = Path(str(importlib.resources.files("timeline") / "_seed_files"))
    checkout = Path(__file__).resolve().parent.parent.parent / "seeds"
    return [folder for folder in (packaged, checkout) if folder.is_dir()]
