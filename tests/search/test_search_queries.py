"""What a query finds: jieba's search mode, the character-pair fallback, synonyms across
Chinese and English, ranking, facets, sorting, suggestions and "more like this"."""
import pytest

from marketplace.achievements.models import Achievement
from marketplace.extensions import db
from marketplace.search import analysis, more_like
from marketplace.search.highlight import highlight, snippet


@pytest.fixture
def battery(records):
    return {
        "cells": records.achievement("储能电池", "电化学储能电池的梯次利用。", ["储能电池"]),
        "thermal": records.achievement("储能电池热管理系统", "液冷板与分区控温策略。",
                                       ["热管理"], field="power"),
        "other": records.achievement("煤矸石制备陶粒", "以煤矸石为原料烧制陶粒。", ["煤矸石"],
                                     field="environment"),
    }


def test_a_word_finds_the_longer_words_that_contain_it(find, battery):
    assert set(find("储能")) == {battery["cells"], battery["thermal"]}
    assert set(find("储能电池")) == {battery["cells"], battery["thermal"]}
    assert find("储能电池热管理") == [battery["thermal"]]


def test_search_mode_cuts_the_short_words_out_of_long_ones():
    terms = [term for term, _start, _end in analysis.words("储能电池热管理")]
    assert {"储能", "电池", "储能电池", "热管理"} <= set(terms)
    assert [t for t, _s, _e in analysis.words("Drones and UAVs")] == ["drone", "uav"]
    assert [t for t, _s, _e in analysis.words("ＵＡＶ")] == ["uav"]  # full-width letters


@pytest.mark.parametrize(("text", "query"), [
    ("石墨烯改性导热涂料", "墨烯"),
    ("红枣低糖果脯加工工艺", "枣"),
    ("高比表面积储能材料", "储能"),
    ("比表面积储能碳材料", "积储"),
])
def test_a_term_is_found_wherever_it_occurs_as_a_substring(records, find, text, query):
    record_id = records.achievement(text, field="materials")
    assert find(query) == [record_id]


def test_words_rank_above_substring_matches(records, find):
    substring_only = records.achievement("石墨烯导热膜", "石墨烯分散工艺。", field="materials")
    as_word = records.achievement("墨烯新材料", "墨烯是本项目的研究对象。", ["墨烯"],
                                  field="materials")
    assert find("墨烯") == [as_word, substring_only]


def test_an_english_query_finds_a_chinese_record_through_a_synonym_and_back(records, find):
    chinese = records.achievement("电力巡检无人机自主避障系统", "多传感器融合的无人机自主飞行。",
                                  ["无人机"], field="electronics")
    english = records.achievement("Power-line inspection with drones",
                                  "Autonomous UAV flight for mountain power lines.",
                                  field="electronics")
    assert set(find("UAV")) == {chinese, english}
    assert set(find("drone")) == {chinese, english}
    assert set(find("无人机")) == {chinese, english}
    methane = records.achievement("低渗透煤层气水平井压裂技术", "煤层气储层增产。")
    gas = records.achievement("煤矿瓦斯抽采钻孔封孔装置", "瓦斯抽采浓度稳定。")
    assert set(find("coal-bed methane")) == {methane, gas}
    assert set(find("瓦斯")) == {methane, gas}
    storage = records.achievement("磷酸铁锂储能电池", "储能电站。", field="power")
    assert find("energy storage") == [storage]


def test_every_part_of_the_query_must_match(records, find):
    both = records.achievement("无人机巡检系统", "输电线路巡检。", field="electronics")
    records.achievement("无人机植保作业", "农田植保。", field="agriculture")
    assert find("UAV 巡检") == [both]
    assert find("无人机巡检") == [both]
    assert find("巡检 植保") == []


def test_highlighting_marks_words_synonyms_and_substrings():
    assert str(highlight("电力巡检无人机", {"无人机"}, set())) == "电力巡检<mark>无人机</mark>"
    assert str(highlight("Drones <b>", set(), {"drone"})) == "<mark>Drones</mark> &lt;b&gt;"
    text = "前言。" * 60 + "石墨烯导热涂料" + "结语。" * 60
    fragment = str(snippet(text, {"石墨烯"}, set(), width=60))
    assert "<mark>石墨烯</mark>" in fragment and fragment.startswith("…")
    assert fragment.endswith("…")


def test_results_carry_highlighted_titles_and_snippets(app, records, results):
    records.achievement("电力巡检无人机", "基于无人机的巡检。", ["无人机"], field="electronics")
    hit = results("drone").hits[0]
    assert str(hit.title) == "电力巡检<mark>无人机</mark>"
    assert "<mark>无人机</mark>" in str(hit.snippet)
    assert str(hit.mark("Drone inspection")) == "<mark>Drone</mark> inspection"
    with app.test_request_context():
        assert hit.url == f"/achievements/{hit.id}"


def test_facets_add_up_to_the_total(records, results):
    for i, (field, county, trl) in enumerate([("power", "141102", 3), ("power", "141181", 6),
                                              ("materials", "141181", 7),
                                              ("coal", "141182", 9)]):
        records.achievement(f"储能技术{i}", "储能。", field=field, county=county, maturity=trl)
    records.achievement("煤矸石陶粒", "固废。", field="environment")
    found = results("储能")
    assert found.total == 4
    for name in ("type", "field", "county", "maturity"):
        assert sum(found.facets[name].values()) == found.total, name
    assert found.facets["field"] == {"power": 2, "materials": 1, "coal": 1}
    assert found.facets["county"] == {"141102": 1, "141181": 2, "141182": 1}
    narrowed = results("储能", county="141181")
    assert narrowed.total == 2
    assert narrowed.facets["field"] == {"power": 1, "materials": 1}
    assert sum(narrowed.facets["maturity"].values()) == 2
    assert results("储能", maturity_min=6, maturity_max=7).total == 2


def test_type_counts_ignore_the_type_filter(records, results):
    records.achievement("储能技术", "储能。")
    found = results("储能", type="achievement")
    assert found.total == 1 and found.facets["type"] == {"achievement": 1}
    assert results("储能", type="listing").total == 0
    assert results("储能", type="listing").facets["type"] == {"achievement": 1}


def test_sorting_and_paging(records, results, clock):
    ids = []
    for i in range(25):
        clock.advance(minutes=1)
        ids.append(records.achievement(f"煤层气技术{i:02d}", "煤层气。"))
    newest = results("煤层气", sort="newest")
    assert [h.id for h in newest.hits] == ids[::-1][:20]
    assert newest.pages == 2 and newest.has_next and not newest.has_prev
    assert all(h.score is None for h in newest.hits)
    second = results("煤层气", sort="newest", page=2)
    assert [h.id for h in second.hits] == ids[::-1][20:]
    assert list(second.iter_pages()) == [1, 2]
    assert len(results("煤层气", sort="price").hits) == 20
    browse = results("")
    assert browse.total == 25 and browse.hits[0].id == ids[-1]


def test_did_you_mean_when_nothing_matches(records, results):
    records.achievement("石墨烯改性导热涂料", "石墨烯。", ["石墨烯"], field="materials")
    records.achievement("Graphene coating", "Thermally conductive coating.", field="materials")
    found = results("石磨烯")
    assert found.total == 0 and found.suggestion == "石墨烯"
    assert results("graphine").suggestion == "graphene"
    assert results("石墨烯").suggestion is None
    assert results("量子计算机").suggestion is None


def test_results_are_checked_again_in_sql(app, records, results):
    """A record the index still has but the database no longer shows is left out."""
    record_id = records.achievement("储能电站", "储能。", field="power")
    assert [h.id for h in results("储能").hits] == [record_id]
    with app.app_context():
        db.session.get(Achievement, record_id).status = "revoked"
        db.session.commit()  # no outbox row: the index is behind
        from marketplace.search import search

        assert search("储能").hits == []


def test_more_like_finds_related_public_records(app, records):
    fracturing = records.achievement("低渗透煤层气水平井分段压裂技术", "煤层气储层压裂增产。",
                                     ["煤层气", "压裂"])
    drainage = records.achievement("煤矿瓦斯抽采钻孔封孔装置", "瓦斯抽采，煤层气利用。",
                                   ["瓦斯"])
    records.achievement("红枣低糖果脯加工工艺", "红枣果脯。", ["红枣"], field="agriculture")
    draft = records.achievement("煤层气压裂液配方", "煤层气压裂。", status="draft")
    with app.app_context():
        from marketplace.search import sync

        sync()
        similar = more_like(db.session.get(Achievement, fracturing))
        assert [h.id for h in similar] == [drainage]
        from_draft = more_like(db.session.get(Achievement, draft))
        assert [h.id for h in from_draft][0] == fracturing
        assert draft not in [h.id for h in from_draft]
