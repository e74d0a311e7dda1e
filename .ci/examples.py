"""Run every python block of the given Markdown pages, in order, one namespace per page.

CI runs it with a wheel installed alone in a clean virtual environment, from a folder
outside the checkout: the examples must work for someone who only installed the package.
"""

import re
import sys
from pathlib import Path

FENCE = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)

for page in map(Path, sys.argv[1:]):
    namespace: dict[str, object] = {"__name__": f"page_{page.stem}"}
    blocks = FENCE.findall(page.read_text())
    for block in blocks:
        exec(compile(block, str(page), "exec"), namespace)
    print(f"{page}: {len(blocks)} blocks ran")
