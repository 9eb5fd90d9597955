"""Demonstration data: the bureau, an admin, and verified organisations of every kind."""
from datetime import timedelta

from . import audit, clock
from .accounts import services
from .accounts.models import Organization, OrgStatus, Role, User
from .extensions import db

DEMO_PASSWORD = "demo-password-2026"

# (username, role, organisation) — organisations below, keyed by short name.
ORGANIZATIONS = {
    "coalinst": dict(name="吕梁市煤炭科学研究所", kind="research_institute",
                     entity_type="research_institute", credit_code="12141100MB0000001L",
                     county="141102", address="吕梁市离石区滨河北西路 18 号",
                     contact_name="王建国", contact_phone="0358-8221001"),
    "luliangu": dict(name="吕梁学院", kind="university", entity_type="university",
                     credit_code="12140000405800002C", county="141102",
                     address="吕梁市离石区学院路 1 号", contact_name="李明",
                     contact_phone="0358-8220002"),
    "fenjiu": dict(name="汾阳杏花村新材料有限公司", kind="enterprise",
                   entity_type="private_enterprise", credit_code="91141182MA0K000036",
                   county="141182", address="汾阳市杏花村镇工业园区 6 号",
                   contact_name="张伟", contact_phone="0358-7330003"),
    "xiaoyicoal": dict(name="孝义市华兴煤层气开发有限公司", kind="enterprise",
                       entity_type="state_enterprise", credit_code="91141181MA0K00004Y",
                       county="141181", address="孝义市振兴街 99 号",
                       contact_name="赵磊", contact_phone="0358-7620004"),
    "taiyuanhub": dict(name="山西技术转移服务中心", kind="intermediary", entity_type="other",
                       credit_code="91140100MA0K00005W", county="140000",
                       address="太原市小店区长治路 226 号", contact_name="陈静",
                       contact_phone="0351-7000005"),
}

USERS = [
    ("bureau", Role.BUREAU, None),
    ("admin", Role.ADMIN, None),
    ("coalinst", Role.INSTITUTE, "coalinst"),
    ("luliangu", Role.INSTITUTE, "luliangu"),
    ("fenjiu", Role.ENTERPRISE, "fenjiu"),
    ("xiaoyicoal", Role.ENTERPRISE, "xiaoyicoal"),
    ("broker", Role.BROKER, "taiyuanhub"),
    ("broker2", Role.BROKER, None),
    ("newcomer", Role.ENTERPRISE, "newcomer"),
]


def _fix_check_character(code):
    from .credit_code import check_character

    return code[:17] + check_character(code[:17])


def load_demo():
    """Create the demo accounts; returns (username, role, organisation name) rows."""
    moment = clock.now()
    orgs = {}
    bureau = None
    created = []
    extra = {"newcomer": dict(name="岚县绿源核桃食品有限公司", kind="enterprise",
                              entity_type="private_enterprise",
                              credit_code="91141127MA0K000070", county="141127",
                              address="岚县东村镇 8 号", contact_name="刘芳",
                              contact_phone="0358-6720007")}
    for key, fields in {**ORGANIZATIONS, **extra}.items():
        fields = dict(fields, credit_code=_fix_check_character(fields["credit_code"]))
        org = Organization(**fields, status=OrgStatus.UNVERIFIED, created_at=moment,
                           updated_at=moment)
        db.session.add(org)
        orgs[key] = org
    db.session.flush()
    for org in orgs.values():
        audit.record("organization", org.id, "register", None, to_state=org.status)
    for username, role, org_key in USERS:
        org = orgs.get(org_key)
        user = User(username=username, email=f"{username}@example.cn", role=role,
                    organization_id=org.id if org else None, locale="zh",
                    created_at=moment, updated_at=moment)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        if role == Role.BUREAU:
            bureau = user
        created.append((username, role.value, org.name if org else None))
    db.session.commit()
    from .demo_contracts import market_time

    # Verification goes through the real service, so it is audited like any other; it
    # happened before the demo's achievements were registered (240 days ago).
    with market_time(clock.now() - timedelta(days=250)):
        for key, org in orgs.items():
            if key != "newcomer":
                services.review_organization(org.id, "verify", bureau, "材料齐全，予以认证。")
    from .demo_achievements import load_achievements

    institutes = [u for u in db.session.scalars(db.select(User).where(
        User.role == Role.INSTITUTE).order_by(User.id))]
    # Registered well before the demo's listings (the oldest starts 206 days ago) and deals.
    with market_time(clock.now() - timedelta(days=240)):
        load_achievements(institutes, bureau)
    from .demo_contracts import load_contracts

    sellers = institutes + [u for u in db.session.scalars(db.select(User).where(
        User.username.in_(("fenjiu", "xiaoyicoal"))).order_by(User.id))]
    load_contracts(sellers, [orgs["fenjiu"], orgs["xiaoyicoal"]], bureau)
    from .demo_brokers import load_profiles

    # The brokers' profiles are verified before the listings that name them.
    created += load_profiles(bureau)
    from .demo_listings import load_listings

    load_listings(bureau)
    from .demo_needs import load_needs

    load_needs(bureau)
    from .demo_brokers import load_activity

    load_activity(bureau)
    return created
