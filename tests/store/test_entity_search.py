"""Entity search as you type: ranking, typos, type filter, redirects, suggestions, the cache."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from store.gazetteer import entities as gazetteer
from store.gazetteer.files import import_gazetteer
from store.gazetteer.search import EntitySearch, search_cache
from tests.conftest import SAMPLE


@pytest.fixture
def sample(session: Session, reviewer_id: int, schema_loaded: None) -> EntitySearch:
    """An index of the sample gazetteer."""
    report = import_gazetteer(
        session=session, path=SAMPLE / "gazetteer.csv", reviewer_id=reviewer_id
    )
    assert report.failed == 0
    return EntitySearch.build(session)


def keys(hits: list) -> list[str]:
    return [h.key for h in hits]


def test_an_exact_alias_comes_first_and_names_the_alias_that_matched(sample: EntitySearch) -> None:
    hits = sample.search("kirgistan")  # an alias of KG, in another case
    assert hits[0].key == "KG"
    assert (hits[0].name, hits[0].type, hits[0].matched, hits[0].kind) == (
        "Kyrgyzstan",
        "GPE",
        "Kirgistan",
        "exact",
    )
    assert hits[0].score == 100
    assert len(set(keys(hits))) == len(hits)  # one hit per entity


def test_exact_beats_prefix_beats_fuzzy(
    session: Session, reviewer_id: int, schema_loaded: None
) -> None:
    for key, name in [
        ("A", "Moskva"),
        ("B", "Moskvarium"),
        ("C", "Moskwa Oblast"),
        ("D", "Mozkva"),
    ]:
        gazetteer.create_entity(
            session=session, key=key, name=name, type="GPE", reviewer_id=reviewer_id
        )
    hits = EntitySearch.build(session).search("moskva")
    assert keys(hits)[:3] == ["A", "B", "D"]
    assert [h.kind for h in hits[:3]] == ["exact", "prefix", "fuzzy"]


def test_case_diacritics_and_punctuation_are_ignored(sample: EntitySearch) -> None:
    assert sample.search("TURKIYE")[0].key == "TR"
    assert sample.search("türk")[0].key == "TR"
    assert sample.search("alma ata")[0].matched == "Alma-Ata"


def test_a_misspelt_query_finds_the_entity(sample: EntitySearch) -> None:
    hit = sample.search("Kyrgystan")[0]  # a letter missing
    assert (hit.key, hit.kind) == ("KG", "fuzzy")
    assert 75 <= hit.score < 100
    assert sample.search("Kazakshtan")[0].key == "KZ"  # two letters swapped


def test_a_later_word_of_an_alias_finds_it(sample: EntitySearch) -> None:
    hits = sample.search("tenggara")
    assert hits[0].key == "L-SOUTHEAST-ASIA"
    assert (hits[0].matched, hits[0].kind) == ("Asia Tenggara", "word")


def test_the_type_filter_keeps_only_that_type(sample: EntitySearch) -> None:
    every = sample.search("a", limit=200)
    assert {h.type for h in every} > {"GPE"}
    only = sample.search("a", limit=200, type="LOC")
    assert only and {h.type for h in only} == {"LOC"}
    assert sample.search("kyrgyzstan", type="LOC") == []


def test_a_redirect_is_not_offered_its_aliases_find_its_target(
    session: Session, reviewer_id: int, schema_loaded: None
) -> None:
    gazetteer.create_entity(
        session=session, key="KG", name="Kyrgyzstan", type="GPE", reviewer_id=reviewer_id
    )
    gazetteer.create_entity(
        session=session,
        key="KG-OLD",
        name="Kirgizia",
        type="GPE",
        reviewer_id=reviewer_id,
        aliases=["Kirghiz SSR"],
    )
    gazetteer.set_redirect(session=session, key="KG-OLD", target="KG", reviewer_id=reviewer_id)
    index = EntitySearch.build(session)
    assert index.entity_count == 1
    hits = index.search("kirghiz ssr")
    assert keys(hits) == ["KG"] and hits[0].matched == "Kirghiz SSR"
    assert keys(index.search("kirgizia")) == ["KG"]
    found = index.entity("KG-OLD")
    assert found is not None and found.key == "KG"


def test_suggestions_put_the_mentions_entity_and_alternatives_first(sample: EntitySearch) -> None:
    hits = sample.suggest("Rusia", current="BY", alternatives=("KZ", "NO-SUCH"))
    assert keys(hits)[:3] == ["BY", "KZ", "RU"]
    assert [h.kind for h in hits[:3]] == ["current", "alternative", "exact"]
    assert keys(sample.suggest("Rusia"))[0] == "RU"


def test_empty_and_blank_queries_find_nothing(sample: EntitySearch) -> None:
    assert sample.search("") == []
    assert sample.search(" - ") == []


def test_the_cache_rebuilds_only_when_the_gazetteer_changed(
    engine: Engine, session: Session, reviewer_id: int, schema_loaded: None
) -> None:
    gazetteer.create_entity(
        session=session, key="A", name="Alpha", type="GPE", reviewer_id=reviewer_id
    )
    cache = search_cache(engine)
    assert search_cache(engine) is cache
    first = cache.fresh()
    assert cache.fresh() is first  # nothing changed: the same index
    gazetteer.add_alias(session=session, key="A", text="Alfa", reviewer_id=reviewer_id)
    second = cache.fresh()
    assert second is not first and keys(second.search("alfa")) == ["A"]
    gazetteer.rename_entity(session=session, key="A", name="Alpha Prime", reviewer_id=reviewer_id)
    assert cache.fresh().search("alfa")[0].name == "Alpha Prime"
    gazetteer.create_entity(
        session=session, key="B", name="Beta", type="GPE", reviewer_id=reviewer_id
    )
    gazetteer.set_redirect(session=session, key="B", target="A", reviewer_id=reviewer_id)
    assert keys(cache.fresh().search("beta")) == ["A"]


def internals(index: EntitySearch) -> tuple[object, ...]:
    """Everything an index holds, to compare two of them."""
    return (
        index._ents,
        index._slot_by_key,
        index._alias_text,
        index._alias_slot,
        index._by_key,
        index._suffix_keys,
        index._suffix_alias,
        index._buckets,
    )


def test_an_entity_created_is_added_to_the_index_as_a_build_would_hold_it(
    engine: Engine, session: Session, reviewer_id: int, schema_loaded: None
) -> None:
    """An entity made in review grows the index (`fresh(created=key)`): the index is what
    `build` makes, and searches find it; any other change meanwhile builds it again."""
    import_gazetteer(session=session, path=SAMPLE / "gazetteer.csv", reviewer_id=reviewer_id)
    cache = search_cache(engine)
    before = cache.fresh()
    kept = internals(before)
    gazetteer.create_entity(
        session=session,
        key="org:shanghai",
        name="Shanghai Cooperation Organisation",
        type="ORG",
        aliases=["SCO", "Organisasi Kerja Sama Shanghai", "Kyrgyzstan"],  # a key held by GPE
        reviewer_id=reviewer_id,
    )
    assert cache._grown(session, before, "org:shanghai") is None  # a key GPE's alias holds
    assert internals(cache.fresh(created="org:shanghai")) == internals(EntitySearch.build(session))
    gazetteer.create_entity(
        session=session,
        key="per:belousov",
        name="Andrey Belousov",
        type="PERSON",
        aliases=["Belousov", "A. Belousov"],
        reviewer_id=reviewer_id,
    )
    first = cache.fresh()  # (built: the first creation was not added)
    gazetteer.create_entity(
        session=session,
        key="gpe:bishkek-city",
        name="Bishkek City",
        type="GPE",
        aliases=["Biskek", "Kota Bishkek"],
        reviewer_id=reviewer_id,
    )
    grown = cache._grown(session, first, "gpe:bishkek-city")
    assert grown is not None  # added, not built again
    assert internals(grown) == internals(EntitySearch.build(session))
    assert internals(first) != internals(grown)  # the index searched meanwhile is left alone
    assert cache.fresh(created="gpe:bishkek-city") is not first
    assert internals(cache.current) == internals(EntitySearch.build(session))  # type: ignore[arg-type]
    assert keys(cache.current.search("biskek"))[0] == "gpe:bishkek-city"  # type: ignore[union-attr]
    assert keys(cache.current.search("kota"))[0] == "gpe:bishkek-city"  # type: ignore[union-attr]
    assert kept == internals(before)

    # Another edit beside a creation: the index is built again, never grown.
    gazetteer.create_entity(
        session=session, key="gpe:osh", name="Osh", type="GPE", reviewer_id=reviewer_id
    )
    gazetteer.add_alias(session=session, key="KG", text="Kirgiziya", reviewer_id=reviewer_id)
    assert cache._grown(session, cache.current, "gpe:osh") is None  # type: ignore[arg-type]
    index = cache.fresh(created="gpe:osh")
    assert internals(index) == internals(EntitySearch.build(session))
    assert keys(index.search("kirgiziya"))[0] == "KG"
