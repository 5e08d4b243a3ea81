"""Search as you type over the cached caseload: names, sound-alikes, dates, postcodes."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.records import ChildRecord
from app.store.cache import Cache
from app.store.models import MatchKind
from tests.unit.store.conftest import AMELIA, JANE, JOHN, NOW, ZOE, make_record, page


def _ids(cache: Cache, text: str) -> list[str]:
    return [h.index_id for h in cache.search(text)]


def test_a_name_is_found_by_prefix_from_three_letters(cache: Cache) -> None:
    assert _ids(cache, "Fea") == [AMELIA.index_id]
    assert _ids(cache, "feath") == [AMELIA.index_id]
    assert _ids(cache, "Ottol") == [AMELIA.index_id]
    assert _ids(cache, "Fe") == []  # two letters: whole words only


def test_a_short_name_is_found_when_typed_whole(empty_cache: Cache) -> None:
    li = make_record(30, given="Wen", family="Li", dob=date(2016, 2, 3))
    liam = make_record(31, given="Liam", family="Lister", dob=date(2016, 2, 3))
    empty_cache.store_page(page(li, liam), now=NOW)
    assert _ids(empty_cache, "li") == [li.index_id]


def test_sound_alikes_are_found_after_exact_matches(cache: Cache) -> None:
    assert _ids(cache, "Smyth") == [JANE.index_id, JOHN.index_id]
    assert _ids(cache, "smith") == [JOHN.index_id, JANE.index_id]
    hits = cache.search("Smyth")
    assert [h.match for h in hits] == [MatchKind.EXACT, MatchKind.SOUND_ALIKE]


@pytest.mark.parametrize("typed", ["Zoe", "zoë", "ZOË", "Zoe\u0308"])
def test_accents_and_case_do_not_matter(cache: Cache, typed: str) -> None:
    assert _ids(cache, typed) == [ZOE.index_id]


@pytest.mark.parametrize(
    "typed", ["O'Brien", "OBrien", "O\u2019Brien", "obrien quennell", "Quennell", "Quen"]
)
def test_apostrophes_and_hyphens_do_not_matter(cache: Cache, typed: str) -> None:
    assert _ids(cache, typed) == [ZOE.index_id]


@pytest.mark.parametrize("typed", ["14/03/2015", "14/3/2015", "14.03.2015", "2015-03-14"])
def test_date_of_birth_as_typed(cache: Cache, typed: str) -> None:
    assert _ids(cache, typed) == [AMELIA.index_id]


def test_name_and_date_of_birth_together(cache: Cache) -> None:
    assert _ids(cache, "feath 14/03/2015") == [AMELIA.index_id]
    assert _ids(cache, "feath 15/03/2015") == []


def test_an_incomplete_date_does_not_hide_results_while_typing(cache: Cache) -> None:
    assert _ids(cache, "feath 14/03/20") == [AMELIA.index_id]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("BN1 1AA", [AMELIA]),
        ("bn11aa", [AMELIA]),
        ("BN1 1", [AMELIA]),
        ("BN1", [AMELIA, JANE]),  # the district: not BN10
        ("BN10", [ZOE]),
        ("smyth BN1", [JANE]),
    ],
)
def test_postcode_whole_or_in_part(cache: Cache, typed: str, expected: list[ChildRecord]) -> None:
    assert _ids(cache, typed) == [r.index_id for r in expected]


def test_index_id_and_nhs_number_find_exactly_one(cache: Cache) -> None:
    assert _ids(cache, AMELIA.index_id) == [AMELIA.index_id]
    assert _ids(cache, AMELIA.index_id.replace("-", "").lower()) == [AMELIA.index_id]
    assert _ids(cache, "943 476 5919") == [ZOE.index_id]


@pytest.mark.parametrize("typed", ["", "   ", "-", "12", "'"])
def test_nothing_searchable_finds_nothing(cache: Cache, typed: str) -> None:
    assert cache.search(typed) == []


def test_ordering_exact_family_then_given_then_prefix_then_sound_alike(empty_cache: Cache) -> None:
    dob = date(2016, 4, 1)
    heart = make_record(10, given="Ava", family="Heart", dob=dob)
    hartley = make_record(11, given="Ava", family="Hartley", dob=dob)
    given_hart = make_record(12, given="Hart", family="Abbott", dob=dob)
    hart_younger = make_record(13, given="Ava", family="Hart", dob=date(2018, 1, 1))
    hart_older = make_record(14, given="Ava", family="Hart", dob=date(2012, 1, 1))
    hart_bea = make_record(15, given="Bea", family="Hart", dob=dob)
    empty_cache.store_page(
        page(heart, hartley, given_hart, hart_younger, hart_older, hart_bea), now=NOW
    )

    hits = empty_cache.search("hart")

    assert [h.index_id for h in hits] == [
        hart_older.index_id,
        hart_younger.index_id,
        hart_bea.index_id,
        given_hart.index_id,
        hartley.index_id,
        heart.index_id,
    ]
    assert [h.match for h in hits][-2:] == [MatchKind.PREFIX, MatchKind.SOUND_ALIKE]


def test_a_hit_shows_only_what_is_needed_to_pick_the_child(cache: Cache) -> None:
    (hit,) = cache.search("feath")
    assert hit.family_name == "Featherstonehaugh"
    assert hit.date_of_birth == AMELIA.date_of_birth
    assert hit.postcode_district == "BN1"
    assert hit.town == "Brighton"
    assert not hasattr(hit, "postcode")


def test_the_limit_is_honoured(empty_cache: Cache) -> None:
    records = [
        make_record(100 + i, given=f"Child{chr(65 + i)}", family="Hart", dob=date(2016, 1, 1))
        for i in range(8)
    ]
    empty_cache.store_page(page(*records), now=NOW)
    assert len(empty_cache.search("hart", limit=5)) == 5


def test_the_index_follows_changes_and_removals(cache: Cache) -> None:
    renamed = AMELIA.model_copy(update={"family_name": "Wraxall", "version": 2})
    cache.store_page(page(renamed, removes=(JOHN.index_id,)), now=NOW)

    assert _ids(cache, "feath") == []
    assert _ids(cache, "wrax") == [AMELIA.index_id]
    assert _ids(cache, "Johnathan") == []
