"""``python -m timeline``: the same as the ``timeline`` command."""

import sys

from ._command import main

sys.exit(main())
