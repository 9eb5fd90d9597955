"""The dashboard's figures: this month against last month by the market's local days, the
credit grades of organisations and brokers, the lowest scores, complaints and the blacklist."""
from decimal import Decimal

from sqlalchemy import select
from supervision_helpers import local

from marketplace.accounts.models import Organization
from marketplace.bureau import credit_overview, supervision
from marketplace.credit import services as credit
from marketplace.extensions import db
from tests.factories import make_org
from tests.pages import element_text, text


def figures(app):
    with app.app_context():
        found, _ = supervision.month_figures()
        return {f.key: (f.this, f.last, f.change, f.percent) for f in found}


def test_this_month_against_last_month(app, client, login, records, clock):
    r = records
    # Contracts by the local day of certification; a revoked one does not count.
    r.contract("2026-07-01 09:00", status="certified", certified="2026-07-10 10:00",
               amount="1000000")
    r.contract("2026-07-20 09:00", status="certified", certified="2026-07-31 20:00",
               amount="500000")
    r.contract("2026-07-25 09:00", status="certified", certified="2026-08-01 01:00",
               amount="300000")  # 2026-07-31 17:00 UTC: August in Lüliang
    r.contract("2026-07-02 09:00", status="revoked", certified="2026-07-20 10:00",
               amount="9999999")
    r.contract("2026-06-01 09:00", status="certified", certified="2026-06-30 23:00")
    r.deal("2026-07-15", price="800000")
    r.deal("2026-08-01", price="300000")
    r.deal("2026-08-05", price="200000")
    r.achievement(status="registered", registered="2026-07-05 10:00")
    r.achievement(status="revoked", registered="2026-07-31 23:59")
    r.listing(status="announced", announced="2026-08-02 09:00")
    for moment in ("2026-07-03 09:00", "2026-07-20 09:00", "2026-08-04 09:00"):
        r.need(status="published", published=moment)
    r.complaint("2026-08-01 09:00")
    assert figures(app) == {
        "contracts": (1, 2, -1, Decimal("-50.0")),
        "technology_amount": (Decimal("300000"), Decimal("1500000"), Decimal("-1200000"),
                              Decimal("-80.0")),
        "deals": (2, 1, 1, Decimal("100.0")),
        "deal_value": (Decimal("500000"), Decimal("800000"), Decimal("-300000"),
                       Decimal("-37.5")),
        "achievements": (0, 1, -1, Decimal("-100.0")),  # the revoked one does not count
        "listed": (1, 0, 1, None),
        "needs": (1, 2, -1, Decimal("-50.0")),
        "complaints": (1, 0, 1, None),
    }
    login("bureau")
    html = text(client.get("/bureau/supervision?lang=en").get_data(as_text=True))
    assert "August 2026 (so far)" in html and "July 2026" in html
    assert element_text(html, "figure-contracts") == "Contracts certified 1 2 −1 (−50.0%)"
    assert element_text(html, "figure-technology_amount") == (
        "Technology transaction amount of those contracts ¥300,000.00 ¥1,500,000.00 "
        "−¥1,200,000.00 (−80.0%)")
    assert element_text(html, "figure-deals") == "Deals made 2 1 +1 (+100.0%)"
    assert element_text(html, "figure-listed") == (
        "Achievements listed for the first time 1 0 +1")
    html = text(client.get("/bureau/supervision?lang=zh").get_data(as_text=True))
    assert "2026年8月" in html and "30 万元" in html

    # In September, August is last month and July is gone.
    clock.set(local("2026-09-01 09:00"))
    assert figures(app)["contracts"] == (0, 1, -1, Decimal("-100.0"))


def test_grades_lowest_scores_complaints_and_blacklist(app, client, login, records):
    with app.app_context():
        orgs = {grade: make_org(name=f"机构{grade}").id for grade in "ABCD"}
        unverified = make_org(status="unverified", name="未认证机构").id
    brokers = {name: records.broker("2026-07-01 09:00", status=status, name=name)
               for name, status in (("甲", "verified"), ("乙", "verified"),
                                    ("丙", "suspended"), ("丁", "pending"),
                                    ("戊", "verified"))}
    with app.app_context():
        def event(kind, times=1, **subject):
            for _ in range(times):
                credit.record_event(kind, entity="contract", entity_id=1, **subject)

        event("contract_certified", 5, org_id=orgs["A"])       # 85: A
        event("submission_false", org_id=orgs["C"])            # 60: C
        event("complaint_closure", org_id=orgs["D"])           # 40: D
        event("complaint_closure", org_id=unverified)          # not a participant
        event("rating_good", broker_id=brokers["甲"][1])        # 71: B
        event("complaint_warning", broker_id=brokers["乙"][1])  # 65: C
        event("blacklisted", broker_id=brokers["丙"][1])        # 50: D
        event("complaint_closure", broker_id=brokers["丁"][1])  # pending: not counted
        db.session.commit()
        assert credit_overview.grade_distribution("org") == {"A": 1, "B": 1, "C": 1, "D": 1}
        assert credit_overview.grade_distribution("broker") == {"A": 0, "B": 2, "C": 1,
                                                                 "D": 1}
        lowest = credit_overview.lowest_scored()
        assert [(s.kind, s.name, s.score, s.grade) for s in lowest[:5]] == [
            ("org", "机构D", 40, "D"), ("broker", "丙", 50, "D"), ("org", "机构C", 60, "C"),
            ("broker", "乙", 65, "C"), ("broker", "戊", 70, "B")]
        assert len(lowest) == 8
        assert db.session.scalar(select(Organization.id).where(
            Organization.name == "机构B")) == orgs["B"]

    # Complaints by state, and the blacklist in force.
    records.complaint("2026-07-21 10:00", due="2026-08-04")             # overdue
    records.complaint("2026-07-22 10:00", due="2026-08-20", status="investigating")
    records.complaint("2026-07-02 10:00", due="2026-07-10", status="dismissed")
    records.blacklist("2026-12-31", org_id=orgs["D"])
    records.blacklist("2026-08-05", broker_id=brokers["丙"][1])         # lapses first
    records.blacklist("2026-08-04", org_id=orgs["C"])                    # lapsed
    records.blacklist("2027-01-31", org_id=orgs["A"], lifted="2026-07-05 09:00")
    login("bureau")
    html = text(client.get("/bureau/supervision?lang=en").get_data(as_text=True))
    assert element_text(html, "grade-D") == "D: untrustworthy 1 1"
    assert element_text(html, "grade-B").startswith("B: good standing 3 2")  # + 2 of records
    assert element_text(html, "lowest").startswith("机构D Organisation 40, grade D 丙 Broker")
    assert f'href="/credit/organizations/{orgs["D"]}"' in html
    assert f'href="/credit/brokers/{brokers["丙"][1]}"' in html
    assert element_text(html, "complaints") == (
        "Submitted 1 Under investigation 1 Upheld 0 Dismissed 1 Withdrawn 0 "
        "Past their due date 1")
    assert element_text(html, "blacklist").startswith(
        "2 entries in force. The next to lapse: 丙, after August 5, 2026.")
