"""The library's logger, ``timeline``: it leaves output to the application.

Nothing is printed unless the application configures a handler (warnings go
through :mod:`warnings` besides).
"""

from __future__ import annotations

import logging
from typing import Final

__all__ = ["logger"]

logger: Final = logging.getLogger("timeline")
logger.addHandler(logging.NullHandler())
