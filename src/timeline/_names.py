"""Names as people search them: folded to words, matched as whole words in any script.

A name is reduced to its *tokens* -- written in Latin letters whatever its
script (``Захаров`` is ``zakharov``), accents dropped, case folded, split
into words -- and a query matches a name when the query's words are among
the name's: the same words (exact), the same in the name's order with others
between (``Aleksandr Zakharov`` in ``Aleksandr Nikolaevich Zakharov``), or
in another order (``Zakharov Aleksandr``, as many lists write surnames
first). The transliteration is AnyAscii's (the ``anyascii`` package): one
table for every script, kept and tested upstream, and the same on every
install, so tokens can be stored and compared later.

These functions are the one place the library folds names: the sanctions
vocabulary's ``target=`` and ``authority=`` filters and the command line's
``--target`` use them.
"""

# Names in Cyrillic are what the examples are about: their letters are meant.
# ruff: noqa: RUF002

from __future__ import annotations

import enum
import functools
import re
import unicodedata
from collections.abc import Iterable
from typing import Final

__all__ = ["NameMatch", "best_match", "fold_name", "match_name", "name_tokens"]

# Apostrophes join a word's parts (O'Brien is obrien); every other non-letter separates words.
_APOSTROPHES: Final = str.maketrans("", "", "'`\u2019\u02bc\u02bb")
_WORD: Final = re.compile(r"[a-z0-9]+")


class NameMatch(enum.IntEnum):
    """How a query matches a name, best first (a lower value ranks first).

    ``EXACT``: the same words in the same order. ``IN_ORDER``: every word of
    the query in the name, in the name's order, others possibly between.
    ``ANY_ORDER``: every word of the query in the name, in another order.
    """

    EXACT = 0
    IN_ORDER = 1
    ANY_ORDER = 2


@functools.lru_cache(maxsize=1 << 16)
def name_tokens(name: str) -> tuple[str, ...]:
    """Return the words of ``name`` as compared: Latin letters, no accents, case folded.

    >>> name_tokens("Захаров Александр")
    ('zakharov', 'aleksandr')
    >>> name_tokens("  Vladimir MIKHEÏCHIK ") == name_tokens("vladimir mikheichik")
    True
    >>> name_tokens("АО «ЗАЛА АЭРО»")
    ('ao', 'zala', 'aero')
    """
    if name.isascii():  # NFKC and the transliteration leave ASCII as it is
        return tuple(_WORD.findall(name.translate(_APOSTROPHES).casefold()))
    from anyascii import anyascii  # noqa: PLC0415 -- its tables load on first use, not on import

    text = anyascii(unicodedata.normalize("NFKC", name)).translate(_APOSTROPHES)
    return tuple(_WORD.findall(text.casefold()))


def match_name(query: str | tuple[str, ...], name: str | tuple[str, ...]) -> NameMatch | None:
    """Return how ``query`` matches ``name`` (both text, or their :func:`name_tokens`); None if not.

    A query with no words matches nothing.

    >>> match_name("Zakharov", "Aleksandr Nikolaevich ZAKHAROV")
    <NameMatch.IN_ORDER: 1>
    >>> match_name("Захаров Александр", "Aleksandr Zakharov")
    <NameMatch.ANY_ORDER: 2>
    >>> match_name("Zakhar", "Aleksandr Zakharov") is None  # whole words only
    True
    """
    wanted = name_tokens(query) if isinstance(query, str) else query
    words = name_tokens(name) if isinstance(name, str) else name
    if not wanted or len(wanted) > len(words):
        return None
    if wanted == words:
        return NameMatch.EXACT
    remaining = iter(words)
    if all(word in remaining for word in wanted):  # a subsequence: each found after the last
        return NameMatch.IN_ORDER
    left = list(words)
    for word in wanted:
        if word not in left:
            return None
        left.remove(word)
    return NameMatch.ANY_ORDER


def best_match(query: str | tuple[str, ...], names: Iterable[str]) -> NameMatch | None:
    """Return the best match of ``query`` among ``names``; None if it matches none.

    >>> best_match("ZALA", ["Zala Aero Group", "ZALA"])
    <NameMatch.EXACT: 0>
    """
    wanted = name_tokens(query) if isinstance(query, str) else query
    best: NameMatch | None = None
    for name in names:
        found = match_name(wanted, name)
        if found is not None and (best is None or found < best):
            best = found
            if best is NameMatch.EXACT:
                break
    return best


def fold_name(name: str) -> str:
    """A name as compared: accents dropped, case folded, spaces collapsed.

    >>> fold_name("  Vladimir  MIKHEÏCHIK ") == fold_name("vladimir mikheichik")
    True
    """
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())
