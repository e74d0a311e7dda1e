"""What a law is, and how a broken one is reported: the laws' names, their errors.

Every check raises one :class:`BrokenLawError` naming the law, the shrunk
history, and the state expected and got, as values.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Literal, NoReturn

from timeline._errors import TimelineError, TimelineWarning
from timeline._events import Registry
from timeline._log import Log
from timeline._projection import Projection

from ._fresh import everything
from ._schedules import Schedule, play

if TYPE_CHECKING:
    from timeline.typing import Store


Factory = Callable[[], Projection[Any]]


#: A resumable worker of the user's: given the log and the checkpoint it saved
#: last (None the first time), it folds what it has not seen yet and returns its
#: new checkpoint. Checkpoints must compare equal when the work done is the same.
Runner = Callable[[Log, Any], Any]


StoreFactory = Callable[[], "Store"]


Law = Literal[
    "determinism", "incremental", "snapshot", "prefix", "order", "retraction", "fresh", "resume"
]


#: Every law :func:`check_laws` knows, by name.
LAWS: tuple[Law, ...] = (
    "determinism",
    "incremental",
    "snapshot",
    "prefix",
    "order",
    "retraction",
    "fresh",
    "resume",
)


_DEFAULT_LAWS: tuple[Law, ...] = (
    "determinism",
    "incremental",
    "snapshot",
    "prefix",
    "retraction",
    "fresh",
)


class LawCheckError(TimelineError, AssertionError):
    """The one exception :func:`check_laws` raises: a law broken, or the check itself failed.

    A broken law is its subclass :class:`BrokenLawError`. Anything else
    hypothesis raised while checking -- a deadline you set in ``settings=``,
    a failed health check (say, a strategy that filters out too much), a run
    it calls flaky with no broken law inside, an error drawing your events --
    is a plain :class:`LawCheckError`, never a bare ``ExceptionGroup``, with
    hypothesis's own exception chained (``__cause__``).

    >>> issubclass(BrokenLawError, LawCheckError)
    True
    """


class BrokenLawError(LawCheckError):
    """A projection broke a law.

    Attributes:
        law: The law's key, one of :data:`LAWS` (``"retraction"``).
        problem: What went wrong, in words.
        schedule: The history it went wrong on (shrunk by hypothesis when
            found by :func:`check_laws`); ``str()`` gives it in plain words.
        expected: The state the law expects.
        got: The state the projection gave.

    When the projection raised, the exception is chained (``__cause__``).
    """

    def __init__(
        self, law: Law, problem: str, schedule: Schedule, expected: object, got: object
    ) -> None:
        self.law = law
        self.problem = problem
        self.schedule = schedule
        self.expected = expected
        self.got = got
        super().__init__(
            f"the {law} law is broken: {problem}\nhistory:\n{schedule}\n"
            f"expected state: {expected!r}\nbut got:        {got!r}"
        )


class LawSkippedWarning(TimelineWarning):
    """A law could not be checked (for instance, the projection cannot be imported elsewhere)."""


@contextlib.contextmanager
def _law(law: Law, schedule: Schedule) -> Iterator[None]:
    """Report whatever the projection raises as the law's failure, with the history."""
    try:
        yield
    except BrokenLawError:
        raise
    except Exception as error:
        raise BrokenLawError(
            law, f"it raised {type(error).__name__}: {error}", schedule, "a state", "an exception"
        ) from error


def _broken(law: Law, problem: str, schedule: Schedule, expected: object, got: object) -> NoReturn:
    raise BrokenLawError(law, problem, schedule, expected, got)


def _everything(factory: Factory, log: Log, known: dt.datetime | None = None) -> object:
    return everything(factory, log, known)


def _play(schedule: Schedule, registry: Registry | None, store: StoreFactory | None = None) -> Log:
    return play(schedule, registry=registry, store=None if store is None else store())
