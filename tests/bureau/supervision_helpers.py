"""Supervision test helpers: rows of every queue and figure written straight to the database
at chosen moments (the dashboard reads what the database holds, however it got there), so a
test scripts exactly the records it counts.

Moments are given in Lüliang time ("2026-07-28 23:30") and stored in UTC, as the services
store them.
"""
import itertools
from datetime import UTC, date, datetime
from decimal import Decimal

from marketplace import clock
from marketplace.achievements.models import Achievement
from marketplace.brokers.models import BrokerProfile
from marketplace.contracts.models import Contract
from marketplace.credit.models import BlacklistEntry, Complaint
from marketplace.extensions import db
from marketplace.listings.models import Deal, Listing
from marketplace.needs.models import Need
from tests.factories import make_org, make_user

# Wednesday 2026-08-05, 10:00 in Lüliang: "today" of every supervision test.
TODAY_MOMENT = datetime(2026, 8, 5, 2, 0, tzinfo=UTC)
_serial = itertools.count(1)


def local(text):
    """'2026-07-28 23:30' in Lüliang time, as an aware UTC datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=clock.LOCAL_TZ).astimezone(UTC)


def day(text):
    return date.fromisoformat(text)


class Records:
    """Each method writes one record in its own app context and returns its id."""

    def __init__(self, app):
        self.app = app
        self._people = None

    def _add(self, record):
        with self.app.app_context():
            db.session.add(record)
            db.session.commit()
            return record.id

    def people(self):
        """An institute (seller), an enterprise (buyer) and their users, made once."""
        if self._people is None:
            with self.app.app_context():
                seller, buyer = make_org(kind="research_institute"), make_org()
                self._people = {"seller": seller, "buyer": buyer,
                                "seller_user": make_user("institute", org=seller),
                                "buyer_user": make_user("enterprise", org=buyer),
                                "officer": make_user("bureau")}
        return self._people

    def organization(self, created, status="unverified", **fields):
        with self.app.app_context():
            org = make_org(status=status, **fields)
            record = db.session.get(type(org), org.id)
            record.created_at = record.updated_at = local(created)
            db.session.commit()
            return org.id

    def broker(self, submitted, status="pending", name=None):
        """A broker user and its profile; returns (profile id, user id)."""
        with self.app.app_context():
            user = make_user("broker")
        n = next(_serial)
        moment = local(submitted)
        profile_id = self._add(BrokerProfile(
            user_id=user.id, real_name=name or f"经纪人{n}", level="junior", status=status,
            submitted_at=moment, created_at=moment, updated_at=moment))
        return profile_id, user.id

    def achievement(self, submitted=None, status="submitted", registered=None, title=None):
        p = self.people()
        moment = local(submitted or registered)
        return self._add(Achievement(
            owner_org_id=p["seller"].id, created_by_id=p["seller_user"].id,
            title=title or f"煤层气抽采技术{next(_serial)}", category="applied", field="coal",
            status=status, submitted_at=moment,
            registered_at=local(registered) if registered else None,
            created_at=moment, updated_at=moment))

    def listing(self, submitted=None, status="pending_review", announced=None):
        """A listing of a new registered achievement; `announced` (first announcement) makes a
        pending one a change awaiting review."""
        p = self.people()
        # Registered long before both months the dashboard compares.
        achievement_id = self.achievement(registered="2026-01-10 09:00", status="registered")
        moment = local(submitted or announced)
        return self._add(Listing(
            achievement_id=achievement_id, seller_org_id=p["seller"].id,
            created_by_id=p["seller_user"].id, transfer_mode="assignment",
            reserve_price=Decimal("100000"), bid_increment=Decimal("1000"),
            announcement_days=15, listing_days=30, bidding_days=5, status=status,
            submitted_at=moment, first_announced_at=local(announced) if announced else None,
            created_at=moment, updated_at=moment))

    def need(self, submitted=None, status="pending_review", published=None):
        p = self.people()
        moment = local(submitted or published)
        return self._add(Need(
            org_id=p["buyer"].id, created_by_id=p["buyer_user"].id,
            title=f"矿井水处理需求{next(_serial)}", field="environment", deadline=day("2026-12-31"),
            status=status, submitted_at=moment,
            published_at=local(published) if published else None,
            created_at=moment, updated_at=moment))

    def contract(self, submitted, due=None, status="submitted", certified=None,
                 amount="100000"):
        p = self.people()
        moment = local(submitted)
        return self._add(Contract(
            filer_org_id=p["seller"].id, created_by_id=p["seller_user"].id,
            contract_type="transfer", subtype="patent_right",
            title=f"专利权转让合同{next(_serial)}", seller_name=p["seller"].name,
            seller_entity_type="research_institute", seller_region="141102",
            buyer_name=p["buyer"].name, buyer_entity_type="private_enterprise",
            buyer_region="141102", total_amount=Decimal(amount),
            technology_amount=Decimal(amount), status=status, submitted_at=moment,
            due_on=day(due) if due else None,
            certified_at=local(certified) if certified else None,
            created_at=moment, updated_at=moment))

    def deal(self, dealt_on, price="100000"):
        p = self.people()
        n = next(_serial)
        moment = local(f"{dealt_on} 10:00")
        return self._add(Deal(
            seller_org_id=p["seller"].id, buyer_org_id=p["buyer"].id,
            transfer_mode="assignment", price=Decimal(price), dealt_at=moment,
            dealt_on=day(dealt_on), seller_confirmed_at=moment, buyer_confirmed_at=moment,
            confirmation_number=f"C{n:09d}", certificate_number=f"T{n:013d}",
            verification_code="ABCDEF", announcement_until=day(dealt_on), created_at=moment))

    def complaint(self, created, due=None, status="submitted"):
        p = self.people()
        deal_id = self.deal("2026-06-01")
        moment = local(created)
        return self._add(Complaint(
            deal_id=deal_id, complainant_org_id=p["buyer"].id,
            complainant_user_id=p["buyer_user"].id, target_kind="org",
            target_org_id=p["seller"].id, category="breach",
            subject=f"未按约定交付技术资料{next(_serial)}", description="合同约定的图纸未交付。",
            status=status, due_on=day(due) if due else None, created_at=moment,
            updated_at=moment))

    def blacklist(self, until, org_id=None, broker_id=None, lifted=None):
        p = self.people()
        moment = local("2026-07-01 09:00")
        return self._add(BlacklistEntry(
            org_id=org_id, broker_id=broker_id, reason="提供虚假材料。", until=day(until),
            created_by_id=p["officer"].id, created_at=moment,
            lifted_at=local(lifted) if lifted else None))
