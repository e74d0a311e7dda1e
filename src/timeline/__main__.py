"""``python -m timeline``: the same as the ``timeline`` command."""

import sys

from ._cli import main

sys.exit(main())
