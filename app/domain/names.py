"""Name matching for search (PRODUCT.md §3).

Practitioners search with whatever spelling they have: "OBrien" for "O’Brien", "Zoe" for
"Zoë", "Smyth" for "Smith". Names are reduced to a comparable form here; both the
client's cache search and the central index use these functions so that the same search
finds the same children online and offline. Nothing here decides *whether* a search is
allowed — that needs two criteria and is the caller's job.
"""

from __future__ import annotations

import unicodedata

import jellyfish

MIN_PREFIX_LENGTH = 3

# Letters that are distinct letters rather than accented ones, so NFKD leaves them alone.
# (ß needs no entry: casefold() already turns it into "ss".)
_LETTER_MAP = str.maketrans(
    {
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ħ": "h",
        "ŧ": "t",
        "ı": "i",
    }
)
# Removed rather than turned into a space, so "O'Brien" and "OBrien", "St. John" and
# "St John" compare equal. The acute accent U+00B4 is a common stand-in for an apostrophe.
_REMOVED = str.maketrans(dict.fromkeys("'\u2019\u2018\u02bc`\u00b4."))


def normalise_name(value: str) -> str:
    """Reduce a name to lower-case, unaccented tokens separated by single spaces.

    ``"O’Brien"`` gives ``"obrien"``, ``"Smith-Jones"`` gives ``"smith jones"`` and
    ``"Zoë"`` gives ``"zoe"``. Applying it twice changes nothing.
    """
    text = value.translate(_REMOVED)
    # NFKD both before and after casefold: compatibility forms (full-width letters,
    # ligatures) can hide upper case, and case folding can produce new accented letters.
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    # Every mark goes, not only Latin accents, so "Zoë" and "Zoe" meet. In scripts where
    # marks carry vowels this makes matching looser; search needs a second criterion such
    # as date of birth, so a looser name match costs little.
    text = "".join(char for char in text if not unicodedata.category(char).startswith("M"))
    text = text.translate(_LETTER_MAP).translate(_REMOVED)
    return " ".join("".join(char if char.isalnum() else " " for char in text).split())


def name_tokens(value: str) -> tuple[str, ...]:
    """The normalised words of a name: ``"Mary-Jane O'Neill"`` gives three tokens."""
    return tuple(normalise_name(value).split())


def _token_key(token: str) -> str:
    # Metaphone rather than NYSIIS: NYSIIS keeps Smith and Smyth apart. Metaphone only
    # knows Latin letters and returns "" for anything else, so such tokens key as
    # themselves instead of all colliding on the empty key. The "p" of "-mps-" is elided
    # in speech (Thompson/Thomson, Sampson/Samson, Simpson/Simson) but not by Metaphone.
    return jellyfish.metaphone(token.replace("mps", "ms")) or token


def phonetic_key(value: str) -> str:
    """A sound-alike key, one Metaphone code per name token, separated by spaces.

    "Smith" and "Smyth", "Catherine" and "Katherine", "Stephen" and "Steven" share a key.
    """
    return " ".join(_token_key(token) for token in name_tokens(value))


def _token_matches(query: str, candidate: str) -> bool:
    return (
        query == candidate
        or (len(query) >= MIN_PREFIX_LENGTH and candidate.startswith(query))
        or _token_key(query) == _token_key(candidate)
    )


def names_match(query: str, candidate: str) -> bool:
    """True when every word of ``query`` matches some word of ``candidate``.

    A word matches if it is equal, is the start (at least 3 letters) of the candidate
    word, or sounds alike. Word order does not matter, so "Jones Smith" finds
    "Smith-Jones". An empty query matches nothing.
    """
    candidate_tokens = name_tokens(candidate)
    query_tokens = name_tokens(query)
    if not query_tokens:
        return False
    return all(
        any(_token_matches(token, other) for other in candidate_tokens) for token in query_tokens
    )
