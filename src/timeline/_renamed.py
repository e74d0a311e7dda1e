"""Arguments renamed: the old spelling still taken for one release, with a warning.

One name per idea across the API (``known`` for "as known at" and for a known
time to record, everywhere): where a name changed, :func:`renamed` keeps the old
keyword working -- with a :class:`DeprecationWarning` that names the new one --
until the release after, and the function's signature shows only the new name.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, Final, TypeVar

__all__ = ["RENAMED", "renamed"]

_F = TypeVar("_F", bound=Callable[..., Any])

#: Every renamed keyword, old -> new, and the functions that take it (for the test that
#: walks the public signatures: these old spellings may appear nowhere else).
RENAMED: Final[dict[str, str]] = {"known_at": "known"}


def renamed(**old_to_new: str) -> Callable[[_F], _F]:
    """Let ``function`` take each old keyword as its new one, warning once per call.

    >>> @renamed(known_at="known")
    ... def asked(*, known=None):
    ...     return known
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     asked(known_at="2024")
    '2024'
    >>> str(caught[0].message)
    'asked(known_at=...) is now asked(known=...); known_at= goes in the next release'
    """

    def decorate(function: _F) -> _F:
        name = function.__qualname__

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 -- the function's own
            for old, new in old_to_new.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{name}() takes {new}= (not {old}= as well)")
                    warnings.warn(
                        f"{name}({old}=...) is now {name}({new}=...); {old}= goes in the next "
                        "release",
                        DeprecationWarning,
                        stacklevel=2,
                    )
                    kwargs[new] = kwargs.pop(old)
            return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
