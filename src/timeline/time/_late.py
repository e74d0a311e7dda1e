"""The ways up: what the lower rooms of timeline.time call, and higher rooms make.

Every module here imports only modules below it. Three things run the other
way by nature: a value reads and writes its EDTF text (the EDTF module, above
every kind of value, builds them); a question reads any valid time (only the
module above every kind of value knows them all); and an instant written as
EDTF is read by that same reader. The module that makes each binds it here
when it is imported, and :mod:`timeline.time` imports every module, so each
is bound before anything can ask for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from ._interval import ValidTime
    from ._moment import Moment
    from ._question import Question, QuestionLike

__all__ = ["ask", "exact_instant", "format_edtf", "format_moment", "parse_edtf", "parse_moment"]

#: :func:`timeline.time._edtf.parse_edtf`: EDTF text to a valid time.
parse_edtf: Callable[..., ValidTime]
#: :func:`timeline.time._edtf.parse_moment`: EDTF text to a moment.
parse_moment: Callable[..., Moment]
#: :func:`timeline.time._edtf.format_edtf`: a valid time as EDTF text.
format_edtf: Callable[..., str]
#: :func:`timeline.time._edtf.format_moment`: a moment as EDTF text.
format_moment: Callable[..., str]
#: What :meth:`Question.of <timeline.Question.of>` does with a valid time or text (``_valid``).
ask: Callable[[QuestionLike, str], Question]
#: An exact EDTF date or date-time as an instant, and whether it floats (``_valid``).
exact_instant: Callable[[str, str], tuple[int, bool]]
