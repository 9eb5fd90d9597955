"""The search page and GET /api/v1/search."""
import re

import pytest


@pytest.fixture
def catalogue(records):
    return {
        "uav": records.achievement("电力巡检无人机自主避障系统", "基于无人机的输电线路巡检。",
                                   ["无人机", "巡检"], title_en="Power-line inspection UAV",
                                   field="electronics", county="141181", maturity=7),
        "storage": records.achievement("磷酸铁锂储能电池热管理技术", "储能电池簇温差控制。",
                                       ["储能"], field="power", county="141102", maturity=5),
        "graphene": records.achievement("石墨烯改性导热涂料", "石墨烯分散技术。", ["石墨烯"],
                                        field="materials", county="141102", maturity=4),
    }


def synced(app):
    from marketplace.search import sync

    with app.app_context():
        sync()


def test_the_page_shows_tabs_facets_and_highlighted_results(app, client, catalogue):
    synced(app)
    html = client.get("/search?q=drone&lang=en").text
    assert 'value="drone"' in html  # the query stays in the box and in the URL
    assert "1 result for “drone”" in html
    assert "电力巡检<mark>无人机</mark>自主避障系统" in html
    assert "Power-line inspection <mark>UAV</mark>" in html
    assert re.search(r"Achievements\s*<span[^>]*>1</span>", html)
    assert "Electronics and information" in html and "Xiaoyi City" in html
    assert "Mature application (TRL 7–9)" in html
    assert 'href="/search?q=drone&amp;lang=en&amp;field=electronics"' in html
    assert "<script>" not in html and " style=" not in html  # CSP: nothing inline


def test_facet_links_narrow_and_can_be_removed(app, client, catalogue):
    synced(app)
    html = client.get("/search?lang=en&county=141102").text
    assert "2 public records" in html
    assert 'href="/search?lang=en"' in html  # the selected value removes the filter
    html = client.get("/search?lang=en&county=141102&stage=early").text
    assert "石墨烯" not in html and "0 public records" in html  # TRL 4 and 5: middle stage
    html = client.get("/search?lang=en&county=141102&stage=middle&sort=newest").text
    assert "2 public records" in html and "石墨烯" in html


def test_did_you_mean_and_empty_results(app, client, catalogue):
    synced(app)
    html = client.get("/search?q=石磨烯&lang=en").text
    assert "Did you mean" in html
    assert 'href="/search?q=%E7%9F%B3%E5%A2%A8%E7%83%AF&amp;lang=en"' in html  # 石墨烯
    html = client.get("/search?q=量子计算机&lang=en").text
    assert "Nothing matches “量子计算机”." in html


def test_the_page_in_chinese_and_bad_arguments(app, client, catalogue):
    synced(app)
    assert client.get("/search?q=储能").status_code == 200
    for args in ("type=unknown", "field=nope", "page=-3", "page=999999", "sort=cheapest",
                 "q=" + "储" * 500):
        assert client.get("/search?" + args).status_code == 200, args


def test_the_api_answers_per_api_md(app, api, catalogue):
    synced(app)
    body = api.get("/search?q=UAV").get_json()
    assert body["total"] == 1
    item = body["items"][0]
    assert item["type"] == "achievement" and item["id"] == catalogue["uav"]
    assert item["title"] == "电力巡检无人机自主避障系统"
    assert "<mark>无人机</mark>" in item["highlight"] and item["score"] > 0
    assert body["facets"]["field"] == {"electronics": 1}
    assert body["facets"]["type"] == {"achievement": 1}
    everything = api.get("/search?per_page=2&sort=newest").get_json()
    assert everything["total"] == 3 and len(everything["items"]) == 2
    assert sum(everything["facets"]["field"].values()) == everything["total"]
    assert api.get("/search?maturity_min=5").get_json()["total"] == 2
    assert api.get("/search?type=listing").get_json()["total"] == 0
    assert api.get("/search?field=materials&q=石墨烯").get_json()["total"] == 1
    assert api.get("/search?price_max=100000").get_json()["total"] == 0  # no price yet


@pytest.mark.parametrize("args", ["type=offer", "field=space", "maturity_min=12",
                                  "sort=cheapest", "per_page=500", "price_max=-1"])
def test_the_api_refuses_bad_arguments(api, args):
    response = api.get("/search?" + args)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_failed"


def test_the_api_is_in_the_openapi_document(api):
    paths = api.get("/openapi.json").get_json()["paths"]
    assert "get" in paths["/search"]
