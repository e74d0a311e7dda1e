"""Three-valued answers: yes, maybe, no."""

from __future__ import annotations

import enum

__all__ = ["Answer"]


class Answer(enum.Enum):
    """The answer to a question about imprecise time: yes, maybe or no.

    ``&``, ``|`` and ``~`` follow Kleene's strong three-valued logic, so
    answers combine the way "definitely / possibly" reasoning does. An answer
    is deliberately not usable as a bool: ``if answer:`` would silently treat
    *maybe* as *yes*; say which you mean with :attr:`certain` or
    :attr:`possible`.

    >>> Answer.YES & Answer.MAYBE
    <Answer.MAYBE: 'maybe'>
    >>> (Answer.NO | Answer.MAYBE).possible
    True
    """

    YES = "yes"
    MAYBE = "maybe"
    NO = "no"

    @property
    def certain(self) -> bool:
        """True only for :attr:`YES`."""
        return self is Answer.YES

    @property
    def possible(self) -> bool:
        """True for :attr:`YES` and :attr:`MAYBE`."""
        return self is not Answer.NO

    def __and__(self, other: Answer) -> Answer:
        if self is Answer.NO or other is Answer.NO:
            return Answer.NO
        if self is Answer.YES and other is Answer.YES:
            return Answer.YES
        return Answer.MAYBE

    def __or__(self, other: Answer) -> Answer:
        if self is Answer.YES or other is Answer.YES:
            return Answer.YES
        if self is Answer.NO and other is Answer.NO:
            return Answer.NO
        return Answer.MAYBE

    def __invert__(self) -> Answer:
        return {Answer.YES: Answer.NO, Answer.NO: Answer.YES}.get(self, Answer.MAYBE)

    def __bool__(self) -> bool:
        msg = (
            "an Answer is three-valued: use `answer.certain` (yes only) or "
            "`answer.possible` (yes or maybe) instead of its truth value"
        )
        raise TypeError(msg)
