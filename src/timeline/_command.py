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
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import FrameType

__all__ = ["main", "printable", "say", "silence_stdout"]

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


def printable(text: str) -> str:
    """``text`` on one line: control characters (and lone surrogates) written as escapes."""
    return "".join(
        char if char.isprintable() and not 0xD800 <= ord(char) <= 0xDFFF else repr(char)[1:-1]
        for char in text
    )


def say(text: str) -> None:
    """Write ``timeline: TEXT`` on standard error, on one line, whatever state it is in."""
    try:  # noqa: SIM105 -- contextlib is not loaded yet, and need not be
        print(f"timeline: {printable(text)}", file=sys.stderr)  # noqa: T201 -- the command's line
    except (OSError, ValueError):
        pass  # no standard error to say it on


def silence_stdout() -> None:
    """Point standard output at /dev/null, so the exit's flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # nothing more can be done for it
