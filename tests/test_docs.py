"""Every code example in README.md and docs/ runs."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md")])
FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_code_blocks_run(page, monkeypatch):
    """The page's python blocks run in order, sharing one namespace, without error."""
    monkeypatch.chdir(ROOT)  # pages use paths from the repository root (seeds/)
    blocks = FENCE.findall(page.read_text())
    server = any("PostgresStore(" in block for block in blocks)
    if server and not os.environ.get("TIMELINE_TEST_POSTGRES"):
        if os.environ.get("CI"):
            pytest.fail(f"{page.name} needs TIMELINE_TEST_POSTGRES, which CI sets")
        pytest.skip(f"{page.name} runs on a PostgreSQL server: set TIMELINE_TEST_POSTGRES")
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem}"}
    for block in blocks:
        exec(compile(block, str(page), "exec"), namespace)  # noqa: S102 -- running docs is the point


def test_pages_have_examples():
    """The pages that promise examples have them (so the test above can fail)."""
    with_code = [p.name for p in PAGES if FENCE.search(p.read_text())]
    assert "README.md" in with_code
    assert "events-and-the-log.md" in with_code
    assert "imprecise-time.md" in with_code


def test_every_public_name_is_in_the_api_reference():
    """Each name timeline exports has an entry in docs/reference/api.md."""
    import timeline  # noqa: PLC0415

    reference = (ROOT / "docs" / "reference" / "api.md").read_text()
    missing = [name for name in timeline.__all__ if f"timeline.{name}\n" not in reference]
    assert missing == []
