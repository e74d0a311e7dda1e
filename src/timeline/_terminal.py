"""One line on standard error, whatever state the process is in: the command's voice.

Imports only what the interpreter has loaded at its start (not even
contextlib), so the command's entry point can use it before anything heavy.
"""

import os
import sys

__all__ = ["printable", "say", "silence_stdout"]


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
