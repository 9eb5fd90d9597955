"""The demonstration brokers and credit of `flask seed-demo`: profiles in every state, their
engagements, the deals' brokers, ratings, complaints in every state and the blacklist, all
made through the services at past moments, with scores that differ and nothing due when the
demo starts. One seed for the whole module: seeding is slow."""
from collections import Counter

from sqlalchemy import func, select

from marketplace import audit
from marketplace import clock as market_clock
from marketplace import market as market_jobs
from marketplace.accounts.models import User
from marketplace.brokers.models import BrokerProfile, Engagement, Rating
from marketplace.brokers.states import FILED_LEVELS, BrokerStatus
from marketplace.bureau import credit_overview
from marketplace.credit import services as credit
from marketplace.credit.models import BlacklistEntry, Complaint, CreditEvent
from marketplace.demo import DEMO_PASSWORD
from marketplace.demo_brokers import BROKERS, EXPECTED_PROFILES, load_activity, load_profiles
from marketplace.extensions import db
from marketplace.listings.models import Deal

from .factories import cheap_password_hashes
from .pages import element_text, text


def test_the_demo_brokers_and_their_record(app, runner, client):
    with app.app_context(), cheap_password_hashes():
        result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    for username in BROKERS:
        assert f"  {username:<14} broker" in result.output
    with app.app_context():
        now = market_clock.now()
        profiles = {p.user.username: p for p in db.session.scalars(select(BrokerProfile))}
        # Eight profiles in every state, the verified ones complete and public.
        assert {name: str(p.status) for name, p in profiles.items()} == EXPECTED_PROFILES
        assert set(EXPECTED_PROFILES.values()) == {s.value for s in BrokerStatus}
        for profile in profiles.values():
            assert profile.fields and profile.regions and profile.services
            assert profile.certificate_number and profile.bio
            assert (profile.filing_number is not None) == (profile.level in FILED_LEVELS)
            entries = audit.history("broker", profile.id)
            assert entries[0].action == "create"
            assert all(market_clock.as_utc(e.at) < now for e in entries)
        assert {p.level for p in profiles.values()} == {"junior", "intermediate", "senior"}

        # Engagements invited, accepted and declined; the deals carry their brokers.
        statuses = Counter(db.session.scalars(select(Engagement.status)))
        assert statuses["invited"] >= 2 and statuses["accepted"] >= 5
        assert statuses["declined"] >= 1
        ids = {name: p.user_id for name, p in profiles.items()}
        deals = db.session.scalars(select(Deal).order_by(Deal.id)).all()
        assert len(deals) == 3
        assert all(d.seller_broker_id or d.buyer_broker_id for d in deals)
        assert {d.buyer_broker_id for d in deals} >= {ids["broker3"]}
        assert {d.seller_broker_id for d in deals} >= {ids["broker"], ids["broker2"]}
        # Ratings on every demo deal, each a credit event of its target where it counts.
        rated = set(db.session.scalars(select(Rating.deal_id)))
        assert rated == {d.id for d in deals}
        assert db.session.scalar(select(func.count()).select_from(CreditEvent).where(
            CreditEvent.entity == "rating")) >= 4

        # Complaints in every state; the upheld one with its sanction and credit event.
        complaints = {c.status: c for c in db.session.scalars(select(Complaint))}
        assert set(complaints) == {"submitted", "investigating", "upheld", "dismissed"}
        upheld = complaints["upheld"]
        assert upheld.sanction == "warning" and upheld.decision_reason
        assert db.session.scalar(select(CreditEvent.kind).where(
            CreditEvent.entity == "complaint", CreditEvent.entity_id == upheld.id)) == (
            "complaint_warning")
        assert complaints["dismissed"].decision_reason
        assert market_clock.as_utc(complaints["investigating"].investigating_at) < now

        # The blacklist: one entry in force, one lapsed with its lapse recorded.
        today = market_clock.today()
        entries = db.session.scalars(select(BlacklistEntry)).all()
        assert sorted(e.until >= today for e in entries) == [False, True]
        lapsed = next(e for e in entries if e.until < today)
        assert lapsed.expiry_recorded_at is not None
        assert [e.action for e in audit.history("blacklist", lapsed.id)] == ["create", "lapse"]

        # Scores differ: what happened moved them (the formula's events, nothing typed).
        broker_scores = {name: credit.score_of(broker_id=ids[name])[0] for name in profiles}
        assert len(set(broker_scores.values())) >= 4
        assert broker_scores["broker5"] == credit.BASE + credit.weight("blacklisted")
        assert broker_scores["broker3"] > credit.BASE
        assert credit_overview.grade_distribution("broker")["D"] == 1

        # Seeding the brokers again adds nothing.
        counts = (db.session.scalar(select(func.count()).select_from(BrokerProfile)),
                  db.session.scalar(select(func.count()).select_from(Engagement)))
        bureau = db.session.scalar(select(User).where(User.username == "bureau"))
        assert load_profiles(bureau) == [] and load_activity(bureau) == {}
        assert counts == (db.session.scalar(select(func.count()).select_from(BrokerProfile)),
                          db.session.scalar(select(func.count()).select_from(Engagement)))

        # The market's tick has nothing to do right after seeding.
        assert set(market_jobs.tick().values()) == {0}

    # The bureau's dashboard shows the demo: one profile waiting, complaints, the blacklist.
    response = client.post("/login", data={"username": "bureau", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    html = text(client.get("/bureau/supervision?lang=en").get_data(as_text=True))
    assert element_text(html, "queue-brokers").startswith(
        "Broker profiles awaiting verification 1 ")
    assert element_text(html, "complaints").startswith("Submitted 1 Under investigation 1")
    assert element_text(html, "blacklist").startswith("1 entry in force.")
