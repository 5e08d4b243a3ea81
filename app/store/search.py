"""Search as you type over the offline caseload (PRODUCT.md §3, the cache side).

Each cached record is indexed (an FTS5 table, ``schema.py``) by what practitioners type:

* ``names_norm`` — every word of the given, family and other names, normalised by the
  domain's ``names.normalise_name`` (case, accents, apostrophes, hyphens);
* ``phonetic`` — one sound-alike key per name word (``names.phonetic_key``), so "Smyth"
  finds "Smith";
* ``dob_token`` — the date of birth as ``yyyymmdd``, matched from ``14/03/2015`` or
  ``2015-03-14`` as typed;
* ``postcode_token`` (``bn11aa``) and ``district_token`` (``bn1``).

A query's words must all match (each name word: the word itself, a prefix of at least
three letters, or a sound-alike). Hits are ordered: exact family-name matches first, then
exact other-name matches, then prefixes, then sound-alikes; then by family name, given
names and date of birth. An exact index id or NHS number finds that one record.

Nothing here decides who may search: the cache holds only the user's own caseload,
already filtered by the index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from app.domain.errors import ValidationError
from app.domain.identifiers import is_valid_index_id, validate_index_id
from app.domain.names import MIN_PREFIX_LENGTH, name_tokens, phonetic_key
from app.domain.records import ChildRecord
from app.domain.validators import validate_nhs_number
from app.store.database import Connection
from app.store.models import MatchKind, SearchHit

# ASCII digits only: ``\d`` would also take other scripts' digits.
_DAY_FIRST = re.compile(r"\b([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})\b")
_YEAR_FIRST = re.compile(r"\b([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})\b")
# An outward code, optionally followed by as much of the inward code as has been typed.
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)(?:\s*([0-9][A-Z]{0,2}))?\b")
_NHS_NUMBER = re.compile(r"^[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}$")
#: Names are a few words; a pasted paragraph must not build a query of thousands of terms.
MAX_NAME_WORDS = 8


@dataclass(frozen=True)
class IndexTerms:
    """The search columns of one record."""

    names_norm: str
    phonetic: str
    dob_token: str
    postcode_token: str
    district_token: str


def date_token(day: date) -> str:
    """A date as the index stores it for search: ``20150314``."""
    # Not strftime: it imports the time module on every call, through every import hook.
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def index_terms(record: ChildRecord) -> IndexTerms:
    """What ``record`` is found by."""
    names = " ".join(
        name_tokens(" ".join((record.given_names, record.family_name, *record.other_names)))
    )
    postcode = record.address.postcode if record.address else ""
    return IndexTerms(
        names_norm=names,
        phonetic=phonetic_key(names).lower(),
        dob_token=date_token(record.date_of_birth),
        postcode_token="".join(postcode.split()).lower(),
        district_token=postcode.split(" ")[0].lower() if postcode else "",
    )


@dataclass(frozen=True)
class ParsedQuery:
    """What was typed, sorted into names, a date of birth and postcode parts."""

    names: tuple[str, ...] = ()
    dates: tuple[date, ...] = ()
    postcodes: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    identifier: tuple[str, str] | None = None

    def match_expression(self) -> str | None:
        """The FTS5 query, or ``None`` when nothing searchable has been typed yet."""
        terms = [_name_term(token) for token in self.names]
        terms += [f"dob_token:{_quote(date_token(d))}" for d in self.dates]
        terms += [f"postcode_token:{_quote(p)}*" for p in self.postcodes]
        terms += [f"district_token:{_quote(d)}" for d in self.districts]
        return " AND ".join(terms) if terms else None


def _quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _name_term(token: str) -> str:
    prefix = "*" if len(token) >= MIN_PREFIX_LENGTH else ""
    sound = phonetic_key(token).lower()
    return f"(names_norm:{_quote(token)}{prefix} OR phonetic:{_quote(sound)})"


def _take(pattern: re.Pattern[str], text: str) -> tuple[list[re.Match[str]], str]:
    found = list(pattern.finditer(text))
    return found, pattern.sub(" ", text)


def _date(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _identifier(text: str) -> tuple[str, str] | None:
    stripped = text.strip()
    if is_valid_index_id(stripped):
        return ("index_id", validate_index_id(stripped))
    if _NHS_NUMBER.fullmatch(stripped):
        try:
            return ("nhs_number", validate_nhs_number(stripped))
        except ValidationError:
            return None
    return None


def parse_query(text: str) -> ParsedQuery:
    """Sort typed text into search terms. Incomplete dates are ignored until complete."""
    identifier = _identifier(text)
    if identifier is not None:
        return ParsedQuery(identifier=identifier)
    day_first, rest = _take(_DAY_FIRST, text)
    year_first, rest = _take(_YEAR_FIRST, rest)
    dates = [_date(m[3], m[2], m[1]) for m in day_first]
    dates += [_date(m[1], m[2], m[3]) for m in year_first]
    postcode_matches, rest = _take(_POSTCODE, rest.upper())
    postcodes = [(m[1] + m[2]).lower() for m in postcode_matches if m[2]]
    districts = [m[1].lower() for m in postcode_matches if not m[2]]
    # Digits left over are a date or postcode still being typed: not a name.
    names = tuple(t for t in name_tokens(rest) if not any(c.isdigit() for c in t))
    names = names[:MAX_NAME_WORDS]
    return ParsedQuery(
        names=names,
        dates=tuple(d for d in dates if d is not None),
        postcodes=tuple(postcodes),
        districts=tuple(districts),
    )


_HIT_COLUMNS = (
    "index_id",
    "given_names",
    "family_name",
    "date_of_birth",
    "gender",
    "town",
    "postcode",
    "shielded",
    "sort_family",
    "sort_given",
)
_SELECT_HIT = ", ".join(f"r.{column} AS {column}" for column in _HIT_COLUMNS)


def _rank_columns(names: tuple[str, ...]) -> tuple[str, list[str]]:
    # 0 exact family word, 1 exact other word, 2 prefix of a word, 3 sound-alike only.
    columns = []
    parameters: list[str] = []
    for position, token in enumerate(names):
        columns.append(
            "CASE WHEN instr(' ' || r.sort_family || ' ', ?) THEN 0 "
            "WHEN instr(' ' || r.names_norm || ' ', ?) THEN 1 "
            f"WHEN instr(' ' || r.names_norm, ?) THEN 2 ELSE 3 END AS m{position}"
        )
        parameters += [f" {token} ", f" {token} ", f" {token}"]
    return "".join(f", {c}" for c in columns), parameters


#: Where hits come from. ``INDEXED BY`` makes SQLite read each hit from the narrow
#: covering index ``records_search_card`` (schema v5) rather than from its ``records``
#: row, which also holds the whole record as JSON: left to itself the planner takes the
#: rowid lookup, and a search matching thousands of children then reads (and decrypts)
#: thousands of scattered pages that do not fit the page cache.
HITS_FROM = (
    "record_search JOIN records r INDEXED BY records_search_card ON r.rid = record_search.rowid"
)


def search(connection: Connection, text: str, *, limit: int = 50) -> list[SearchHit]:
    """Cached records matching ``text``, best first, at most ``limit`` of them."""
    query = parse_query(text)
    if query.identifier is not None:
        column, value = query.identifier
        rows = connection.execute(
            f"SELECT {_SELECT_HIT}, 0, 0 FROM records r WHERE r.{column} = ? LIMIT ?",  # noqa: S608 - constant column names
            (value, limit),
        ).fetchall()
        return [_hit(row) for row in rows]
    statement = _match_statement(query, limit)
    if statement is None:
        return []
    rows = connection.execute(*statement).fetchall()
    return [_hit(row) for row in rows]


def _match_statement(query: ParsedQuery, limit: int) -> tuple[str, tuple[object, ...]] | None:
    """The SQL and parameters of a full-text search, or ``None`` if nothing was typed."""
    expression = query.match_expression()
    if expression is None:
        return None
    rank_columns, rank_parameters = _rank_columns(query.names)
    marks = [f"m{i}" for i in range(len(query.names))]
    worst = {0: "0", 1: "m0"}.get(len(marks), f"max({', '.join(marks)})")
    total = " + ".join(marks) or "0"
    # Only constant SQL is interpolated; every typed value is a bound parameter.
    sql = (
        f"WITH hits AS (SELECT {_SELECT_HIT}{rank_columns} FROM {HITS_FROM} "  # noqa: S608
        "WHERE record_search MATCH ?) "
        f"SELECT {', '.join(_HIT_COLUMNS)}, {worst} AS worst, {total} AS total FROM hits "
        "ORDER BY worst, total, sort_family, sort_given, date_of_birth, index_id LIMIT ?"
    )
    return sql, (*rank_parameters, expression, limit)


_MATCH_KINDS = {
    0: MatchKind.EXACT,
    1: MatchKind.EXACT,
    2: MatchKind.PREFIX,
    3: MatchKind.SOUND_ALIKE,
}


def _hit(row: tuple[object, ...]) -> SearchHit:
    index_id, given, family, dob, gender, town, postcode, shielded, _, _, worst, _ = row
    return SearchHit(
        index_id=str(index_id),
        given_names=str(given),
        family_name=str(family),
        date_of_birth=date.fromisoformat(str(dob)),
        gender=None if gender is None else str(gender),
        town=None if town is None else str(town),
        postcode_district=str(postcode).split(" ")[0] if postcode else None,
        shielded=bool(shielded),
        match=_MATCH_KINDS[int(str(worst))],
    )
