"""The statistics page in both languages, its CSV files, the API beside it, the drill-downs
and the bureau's pages behind the numbers."""
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from stats_helpers import csv_rows, expected, local_date, number, page_links, page_table

from marketplace.stats.dimensions import GROUP_BY
from tests.pages import field_errors, text

YEAR_TABLES = ["summary", "quarter", "month", "flow", "county", "type", "field", "tech_domain",
               "seller_entity_type", "buyer_entity_type", "targets", "achievements"]


def get(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def test_the_page_shows_amounts_in_wan_yuan_in_chinese_and_in_yuan_in_english(client, stats):
    stats.contract("2026-05-01T10:00:00+08:00", total_amount=Decimal("1234567.89"),
                   technology_amount=Decimal("1000000.00"))
    stats.contract("2026-05-02T10:00:00+08:00", total_amount=Decimal("200000.00"),
                   technology_amount=Decimal("200000.00"))
    zh = text(get(client, "/stats?year=2026&lang=zh"))
    assert "143.46 <small>万元</small>" in zh  # the headline
    summary = page_table(zh, "summary")
    assert summary[2][1] == "143.46" and "万元" in summary[2][0]  # 1,434,567.89 yuan
    assert summary[3][1] == "120.00" and "万元" in summary[3][0]
    assert summary[4][1] == "83.65"  # 1,200,000 / 1,434,567.89
    assert summary[5][1] == "71.73"  # the average, 717,283.945 yuan
    en = text(get(client, "/stats?year=2026&lang=en"))
    summary = page_table(en, "summary")
    assert summary[2] == ["Contract amount (yuan)", "1,434,567.89"]
    assert summary[3] == ["Technology transaction amount (yuan)", "1,200,000.00"]
    assert summary[5] == ["Average contract amount (yuan)", "717,283.95"]
    assert "万元" not in en
    assert 'src="/static/vendor/chartjs/chart.umd.min.' in en  # .<hash>.js
    assert "<script>" not in en  # the charts' numbers travel in data attributes (CSP)


def test_a_year_without_a_previous_year_shows_no_growth_rather_than_a_number(client, stats):
    stats.contract("2026-05-01T10:00:00+08:00")
    html = text(get(client, "/stats?year=2026&lang=en"))
    assert "No comparison: no certified contracts a year earlier" in html
    assert page_table(html, "summary")[7] == ["Growth on the previous year (%)", "n/a"]
    assert page_table(html, "targets")[1][2:] == ["n/a", "n/a"]
    html = text(get(client, "/stats?year=2024&lang=en"))  # nothing at all: zeros, no errors
    assert page_table(html, "summary")[1] == ["Certified contracts", "0"]
    assert page_table(html, "type")[-1] == ["Total", "0", "0.00", "0.00", "n/a"]


@pytest.mark.parametrize("query", ["year=2026", "year=2026&quarter=3", "year=2025&month=11",
                                   "year=2026&county=141102", "year=2026&flow=in&type=service"])
def test_every_csv_equals_its_table(client, stats, query):
    stats.generate(200, seed=3)
    for lang in ("en", "zh"):
        html = text(get(client, f"/stats?{query}&lang={lang}"))
        names = [n for n in YEAR_TABLES if f'id="table-{n}"' in html]
        assert "summary" in names and "type" in names
        for name in names:
            response = client.get(f"/stats/{name}.csv?{query}&lang={lang}")
            assert response.status_code == 200
            assert response.mimetype == "text/csv"
            assert f"stats-{name}-" in response.headers["Content-Disposition"]
            rows = csv_rows(response.data)
            table = page_table(html, name)
            assert len(rows) == len(table)
            for csv_row, page_row in zip(rows, table, strict=True):
                # the page groups thousands (1,234.50), the file does not (1234.50)
                assert [c.replace(",", "") for c in page_row] == [
                    c.replace(",", "") for c in csv_row]


def test_every_breakdown_on_the_page_equals_the_rows_and_the_api(client, api, stats):
    rows = stats.generate(300, seed=5)
    html = text(get(client, "/stats?year=2026&lang=en"))
    count, total, technology = expected(rows, 2026)
    assert page_table(html, "summary")[1:4] == [
        ["Certified contracts", f"{count:,}"], ["Contract amount (yuan)", f"{total:,.2f}"],
        ["Technology transaction amount (yuan)", f"{technology:,.2f}"]]
    for group_by in GROUP_BY:
        body = api.get(f"/stats/contracts?year=2026&group_by={group_by}", lang="en").get_json()
        assert (body["count"], body["total_amount"], body["technology_amount"]) == (
            count, f"{total:.2f}", f"{technology:.2f}")
        table = page_table(html, group_by)
        header, *groups, footer = table
        assert footer[:4] == ["Total", f"{count:,}", f"{total:,.2f}", f"{technology:,.2f}"]
        assert [(g["label"], g["count"], Decimal(g["total_amount"]),
                 Decimal(g["technology_amount"])) for g in body["groups"]] == [
            (label, int(n.replace(",", "")), number(t), number(tt))
            for label, n, t, tt, _ in groups]
        by_key = expected(rows, 2026, group_by=group_by)
        assert {g["key"]: (g["count"], Decimal(g["total_amount"]),
                           Decimal(g["technology_amount"]))
                for g in body["groups"] if g["count"]} == by_key
    assert body["growth_vs_previous_year"] == float(number(page_table(html, "summary")[7][1]))


def test_the_api_answers_for_quarters_and_months_and_refuses_bad_arguments(api, stats):
    rows = stats.generate(150, seed=9)
    body = api.get("/stats/contracts?year=2025&quarter=4&group_by=month").get_json()
    assert (body["year"], body["quarter"], body["month"]) == (2025, 4, None)
    assert [g["key"] for g in body["groups"]] == ["2025-10", "2025-11", "2025-12"]
    assert body["count"] == expected(rows, 2025, quarter=4)[0] == sum(
        g["count"] for g in body["groups"])
    body = api.get("/stats/contracts?year=2025&month=2").get_json()
    assert (body["count"], body["groups"]) == (expected(rows, 2025, month=2)[0], [])
    assert body["target_growth"] == 10.0 and body["compared_until"] is None
    for query, field, message in [
        ("year=abc", "year", "Not a valid integer."),
        ("year=1999", "year", "Enter a year from 2000 to 2027."),
        ("year=2026&quarter=5", "quarter", "Choose a quarter from 1 to 4."),
        ("year=2026&month=0", "month", "Choose a month from 1 to 12."),
        ("year=2026&quarter=1&month=4", "month", "This month is not in the chosen quarter."),
        ("year=2026&group_by=colour", "group_by", "Not one of the allowed values."),
    ]:
        response = api.get(f"/stats/contracts?{query}", lang="en")
        assert response.status_code == 422, query
        assert response.get_json()["error"]["fields"][field] == [message]


def test_bad_arguments_on_the_page_are_shown_beside_the_field(client, stats):
    html = text(get(client, "/stats?year=1900&lang=en", 422))
    assert field_errors(html, "year") == "Enter a year from 2000 to 2027."
    html = text(get(client, "/stats?year=2026&quarter=2&month=9&lang=en", 422))
    assert field_errors(html, "month") == "This month is not in the chosen quarter."
    html = text(get(client, "/stats?year=2026&type=barter&lang=en", 422))
    assert "Contract type: there is no such group." in html
    get(client, "/stats/bogus.csv?year=2026", 404)
    get(client, "/stats/brokers.csv?year=2026&type=service", 404)  # not shown in a group
    get(client, "/stats/quarter.csv?year=2026&month=3", 404)  # no quarters inside a month
    get(client, "/stats/type.csv?year=2026&quarter=9", 422)


def test_a_visitor_follows_a_group_to_the_group_itself(client, stats):
    rows = stats.generate(200, seed=13)
    html = text(get(client, "/stats?year=2026&lang=en"))
    assert "/stats/contracts" not in html  # the list of contracts is the bureau's
    links = page_links(html, "county")
    label_link = links[1][0]
    args = parse_qs(urlsplit(label_link).query)
    assert args == {"year": ["2026"], "county": ["141102"]}
    drilled = text(get(client, label_link + "&lang=en"))
    count = expected(rows, 2026, county="141102")[0]
    assert page_table(drilled, "summary")[1] == ["Certified contracts", str(count)]
    assert page_table(drilled, "county")[-1][1] == str(count)
    assert 'id="table-targets"' not in drilled  # the market's targets are not a group's
    month_link = page_links(html, "month")[3][0]
    assert parse_qs(urlsplit(month_link).query) == {"year": ["2026"], "month": ["3"]}


def test_the_bureau_follows_a_count_to_the_contracts_behind_it(client, login, stats):
    rows = stats.generate(200, seed=17)
    login("bureau")
    html = text(get(client, "/stats?year=2026&lang=en"))
    type_links = page_links(html, "type")
    count_link = type_links[2][1]  # technology transfer: its label, then its count
    assert urlsplit(count_link).path == "/stats/contracts"
    assert parse_qs(urlsplit(count_link).query) == {"year": ["2026"], "type": ["transfer"]}
    listing = text(get(client, count_link + "&lang=en"))
    count = expected(rows, 2026, type="transfer")[0]
    assert 1 < count <= 50  # one page
    assert f"{count} certified contracts" in listing
    assert listing.count('href="/bureau/contracts/') == count
    numbers = [r["registration_number"] for r in rows if r["status"] == "certified"
               and r["contract_type"] == "transfer" and local_date(r).year == 2026]
    assert len(numbers) == count and all(n in listing for n in numbers)
    zh = text(get(client, count_link + "&lang=zh"))
    amounts = re.findall(r">([\d,]+\.\d+) 万元<", zh)
    assert len(amounts) == 2 * count and all(re.fullmatch(r"[\d,]+\.\d\d", a) for a in amounts)


@pytest.mark.parametrize(("role", "status"), [
    (None, 302), ("enterprise", 403), ("institute", 403), ("broker", 403),
    ("bureau", 200), ("admin", 200)])
def test_the_list_of_contracts_is_for_officers(client, login, role, status):
    if role:
        login(role)
    assert client.get("/stats/contracts?year=2026").status_code == status


@pytest.mark.parametrize(("role", "status"), [
    (None, 302), ("enterprise", 403), ("institute", 403), ("broker", 403), ("admin", 403),
    ("bureau", 200)])
def test_the_monthly_report_is_the_bureaus(client, login, role, status):
    if role:
        login(role)
    assert client.get("/stats/report.csv?year=2026&month=5").status_code == status


def test_the_monthly_report_holds_the_months_certified_contracts(client, login, stats):
    may = stats.contract("2026-05-31T23:30:00+08:00", contract_type="licence", subtype="patent",
                         seller_region="141102", buyer_region="140000",
                         total_amount=Decimal("500000.00"), technology_amount=Decimal("450000.00"),
                         seller_credit_code="91141102MA0000001X")
    stats.contract("2026-06-01T00:30:00+08:00")  # June in Lüliang
    stats.contract("2026-05-10T10:00:00+08:00", status="revoked")
    stats.contract("2026-05-11T10:00:00+08:00", status="submitted")
    login("bureau")
    html = text(get(client, "/stats?year=2026&lang=en"))
    assert 'action="/stats/report.csv"' in html
    rows = csv_rows(client.get("/stats/report.csv?year=2026&month=5&lang=en").data)
    header, *contracts = rows
    assert header[:3] == ["Registration number", "Contract title", "Contract type"]
    assert len(contracts) == 1
    record = dict(zip(header, contracts[0], strict=True))
    assert record["Registration number"] == may["registration_number"]
    assert record["Contract type"] == "Technology licence"
    assert record["Subtype"] == "Patent licence"
    assert record["Seller's unified social credit code"] == "91141102MA0000001X"
    assert (record["Seller's region"], record["Seller's region code"]) == ("Lishi District",
                                                                          "141102")
    assert record["Buyer's region"] == "Shanxi"
    assert (record["Contract amount (yuan)"], record["Technology transaction amount (yuan)"],
            record["Non-technical items (yuan)"]) == ("500000.00", "450000.00", "50000.00")
    assert record["Registration date"] == "2026-05-31"
    zh = csv_rows(client.get("/stats/report.csv?year=2026&month=5&lang=zh").data)
    assert zh[1][2] == "技术许可" and len(zh) == 2
    response = client.get("/stats/report.csv?year=2026")
    assert response.status_code == 422


def test_the_monthly_report_form_is_only_for_the_bureau(client, login):
    assert 'action="/stats/report.csv"' not in get(client, "/stats?year=2026")
    login("admin")
    assert 'action="/stats/report.csv"' not in get(client, "/stats?year=2026")
