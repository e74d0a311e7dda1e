"""The ``timeline`` command's entry point: ready for Ctrl-C before anything heavy is imported.

The command imports much of the library (and rich) before it can do anything;
an interrupt or a closed pipe during those imports must end it the way one
during its work does -- one line, and exit 130 or 141 -- never a traceback.
So this module imports only what the interpreter has loaded already (not even
contextlib), and the command itself (:mod:`timeline._cli`) inside the handlers.
What is left before it runs is the interpreter's own start.
"""

import _signal  # type: ignore[import-not-found]  # signal.py without its enum import (slow)
import os

from ._terminal import say, silence_stdout

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import FrameType

__all__ = ["main"]

INTERRUPTED = 130
PIPE_CLOSED = 141


def main(argv: "Sequence[str] | None" = None) -> int:
    """Run the ``timeline`` command; return its exit status (see :func:`timeline._cli.main`).

    While the command is being imported, Ctrl-C ends the process at once with
    one line: nothing has been opened yet, and an interrupt that lands in an
    import's clean-up would otherwise be printed and then ignored. From then
    on it is a KeyboardInterrupt, which the command turns into one line once
    its stores have rolled back what they were writing.
    """
    try:
        before = _signal.signal(_signal.SIGINT, _interrupted_while_starting)
    except ValueError:  # not the main thread (a test's runner): no handler of ours
        before = None
    try:
        from ._cli import main as run  # noqa: PLC0415 -- heavy: imported under the handler
    finally:
        if before is not None:
            _signal.signal(_signal.SIGINT, before)
    try:
        return run(argv)
    except KeyboardInterrupt:
        say("interrupted")
        return INTERRUPTED
    except BrokenPipeError:
        silence_stdout()
        return PIPE_CLOSED


def _interrupted_while_starting(signal: int, frame: "FrameType | None") -> None:
    del signal, frame
    say("interrupted")
    os._exit(INTERRUPTED)
