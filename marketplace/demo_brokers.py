"""Demonstration brokers and credit (SPEC.md §5, §6), made through the real services at the
moments they happened (the market clock moves, as in demo_listings.py).

Eight broker profiles, in every state: most verified, with their levels, filing numbers,
fields, regions, services and introductions. `load_profiles` files and verifies them before
the demo listings begin (those listings and their intents name two of the brokers), and
`load_activity` runs after the listings and needs: the later decisions on profiles, brokers
invited onto listings, needs and deals (accepting, declining, or not yet answering), the
parties' ratings of the demo deals, complaints in every state, and the blacklist. Credit
scores follow from these events, so they differ from one participant to the next.
"""
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from . import clock
from .accounts.models import Organization, Role, User
from .achievements.models import Achievement
from .brokers import engagements, ratings
from .brokers import services as profiles
from .brokers.models import BrokerProfile, Engagement
from .brokers.services import ProfileData
from .credit import blacklist, complaints
from .credit.complaints import ComplaintData
from .credit.models import Complaint
from .demo_achievements import ACHIEVEMENTS
from .demo_contracts import market_time
from .extensions import db
from .listings.models import Deal, Listing
from .listings.services import members
from .listings.states import LIVE
from .needs.models import Need

# Brokers' user names, their employer (a demo organisation's credit-code stem, or None) and
# their profiles. "broker" and "broker2" are the accounts of the demo (demo.USERS).
BROKERS = {
    "broker": dict(
        real_name="陈立新", level="intermediate", filing_number="JJR14000020230117",
        certificate_number="SXJJ-2021-0117", certificate_issuer="山西省科学技术厅",
        certificate_date=date(2021, 11, 20), professional_title="高级工程师",
        fields=["coal", "materials"], regions=["141102", "141181", "141182", "140000"],
        services=["matching", "valuation", "negotiation"], years_of_practice=9,
        contact_phone="0351-7000105", contact_email="chenlixin@example.cn",
        bio="山西技术转移服务中心技术经纪部负责人。长期从事煤炭、煤层气和新材料领域的成果转化，"
            "熟悉挂牌交易与竞价流程，近三年促成技术交易 20 余项，擅长技术评估和交易谈判。"),
    "broker2": dict(
        real_name="郭晓燕", level="junior", certificate_number="LLJJ-2023-0042",
        certificate_issuer="吕梁市科学技术局", certificate_date=date(2023, 6, 16),
        fields=["nev", "environment"], regions=["141102", "141182"],
        services=["matching", "contract"], years_of_practice=3,
        contact_phone="13835800042", contact_email="guoxiaoyan@example.cn",
        bio="独立执业的技术经纪人，服务吕梁本地中小企业，擅长新能源汽车、节能环保领域的供需对接"
            "和技术合同起草、认定登记辅导。"),
    "broker3": dict(
        real_name="李志强", level="senior", filing_number="JJL14000020190032",
        certificate_number="SXJL-2019-0032", certificate_issuer="中国科学技术交流中心",
        certificate_date=date(2019, 9, 8), professional_title="研究员",
        fields=["materials", "equipment", "environment"],
        regions=["141102", "141125", "141129", "140000", "110000"],
        services=["valuation", "ip", "negotiation", "financing", "incubation"],
        years_of_practice=15, contact_phone="0351-7000132",
        contact_email="lizhiqiang@example.cn",
        bio="高级技术经理人，曾任省属科研院所成果转化处处长。主持过镁合金、煤矸石综合利用等"
            "项目的作价入股和中试熟化，熟悉知识产权评估与科技金融对接。"),
    "broker4": dict(
        real_name="张慧敏", level="intermediate", filing_number="JJR14000020220251",
        certificate_number="SXJJ-2022-0251", certificate_issuer="山西省科学技术厅",
        certificate_date=date(2022, 8, 30), professional_title="工程师",
        fields=["electronics", "power"], regions=["141102", "141123", "141124"],
        services=["matching", "contract", "policy"], years_of_practice=5,
        contact_phone="13903580251", contact_email="zhanghuimin@example.cn",
        bio="专注电子信息与电力新能源领域的技术经纪人，熟悉无人机巡检、储能等技术的应用场景，"
            "可协助企业申报科技项目和技术合同认定登记。"),
    "broker5": dict(
        real_name="刘建军", level="intermediate", filing_number="JJR14000020210188",
        certificate_number="SXJJ-2021-0188", certificate_issuer="山西省科学技术厅",
        certificate_date=date(2021, 4, 12), fields=["coal", "equipment"],
        regions=["141181", "141125"], services=["matching", "negotiation"],
        years_of_practice=7, contact_phone="13603580188",
        bio="从事矿山装备与煤矿安全技术的推广和交易服务。"),
    "broker6": dict(
        real_name="王芳", level="junior", certificate_number="LLJJ-2025-0107",
        certificate_issuer="吕梁市科学技术局", certificate_date=date(2025, 11, 28),
        fields=["agriculture", "culture"], regions=["141124", "141126", "141128"],
        services=["matching", "policy"], years_of_practice=1,
        contact_email="wangfang@example.cn",
        bio="吕梁学院农学专业毕业，服务临县、石楼、方山的红枣、核桃加工企业和乡村文旅项目。"),
    "broker7": dict(
        real_name="孙鹏", level="junior", certificate_number="LLJJ-2024-0093",
        certificate_issuer="吕梁市科学技术局", certificate_date=date(2024, 12, 5),
        fields=["biomedicine"], regions=["141102"], services=["matching"],
        years_of_practice=2, bio="关注生物医药领域的成果转化。"),
    "broker8": dict(
        real_name="马丽", level="junior", certificate_number="LLJJ-2022-0015",
        certificate_issuer="吕梁市科学技术局", certificate_date=date(2022, 3, 18),
        fields=["agriculture"], regions=["141121", "141122"], services=["matching"],
        years_of_practice=4, bio="从事农产品加工技术的对接服务。"),
}
# The new broker accounts and their employers (demo.ORGANIZATIONS keys).
NEW_USERS = {"broker3": "taiyuanhub", "broker4": None, "broker5": None, "broker6": None,
             "broker7": None, "broker8": None}

# What happened to each profile: (days ago, "HH:MM", user name, action, comment). "file" is
# the broker filing its profile; the others are the bureau's decisions (the broker's own
# cancellation when the comment is None). Steps older than PROFILES_BEFORE days run before the
# demo listings, the others after the needs.
PROFILE_STEPS = [
    (236, "09:10", "broker", "file", ""), (236, "14:20", "broker2", "file", ""),
    (235, "09:30", "broker3", "file", ""), (234, "10:00", "broker", "verify", ""),
    (234, "10:30", "broker2", "verify", ""), (233, "15:00", "broker3", "verify", ""),
    (226, "11:00", "broker8", "file", ""), (224, "16:00", "broker8", "verify", ""),
    (212, "10:00", "broker5", "file", ""), (210, "09:40", "broker5", "verify", ""),
    (152, "09:00", "broker4", "file", ""), (149, "15:30", "broker4", "verify", ""),
    (62, "10:00", "broker8", "cancel",
     "经查实伪造成交业绩骗取委托，注销技术经纪人档案。"),
    (45, "09:20", "broker7", "file", ""),
    (40, "16:00", "broker7", "reject",
     "证书编号在吕梁市技术经纪人培训登记中查询不到，请核对后附培训证书扫描件重新提交。"),
    (20, "10:00", "broker5", "suspend",
     "经核查，您在孝义市一项技术服务中未向委托方书面披露佣金标准，暂停执业资格，整改后"
     "可申请恢复。"),
    (2, "09:15", "broker6", "file", ""),  # waits in the bureau's queue
]
PROFILES_BEFORE = 200
# The state each profile ends in (the demo checks itself).
EXPECTED_PROFILES = {"broker": "verified", "broker2": "verified", "broker3": "verified",
                     "broker4": "verified", "broker5": "suspended", "broker6": "pending",
                     "broker7": "rejected", "broker8": "cancelled"}


class _Demo:
    """The demo's people and its clock: steps are dated relative to the day of seeding."""

    def __init__(self, bureau, now=None):
        self.bureau, self.now = bureau, now or clock.now()
        self.users = {u.username: u for u in db.session.scalars(select(User).where(
            User.role.in_((Role.BROKER, Role.INSTITUTE, Role.ENTERPRISE))))}

    def moment(self, days_ago, hhmm):
        """`hhmm` in Lüliang, `days_ago` (at least 1) days before the day of seeding."""
        day = self.now.astimezone(clock.LOCAL_TZ).date() - timedelta(days=days_ago)
        moment = datetime.combine(day, time.fromisoformat(hhmm), clock.LOCAL_TZ)
        return moment.astimezone(UTC)

    def run_at(self, steps, act):
        """Each step `(days ago, "HH:MM", *arguments)` as `act(*arguments)` at its moment, in
        time order."""
        for days_ago, hhmm, *arguments in sorted(steps, key=lambda s: self.moment(*s[:2])):
            with market_time(self.moment(days_ago, hhmm)):
                act(*arguments)

    def user(self, name):
        """A demo user, loaded afresh (every service commits)."""
        return db.session.get(User, self.users[name].id)

    def profile_step(self, username, action, comment):
        user = self.user(username)
        if action == "file":
            profiles.save_profile(user, ProfileData(**BROKERS[username]))
            return
        profile = profiles.profile_of(user)
        actor = user if comment is None else db.session.get(User, self.bureau.id)
        profiles.decide(profile.id, action, actor, comment)


def _new_users():
    """The brokers' accounts that demo.USERS does not make; [(username, role, org)]."""
    from .demo import DEMO_PASSWORD, ORGANIZATIONS

    moment = clock.now()
    created = []
    for username, org_key in NEW_USERS.items():
        org = None
        if org_key:
            org = db.session.scalar(select(Organization).where(
                Organization.name == ORGANIZATIONS[org_key]["name"]))
        user = User(username=username, email=f"{username}@example.cn", role=Role.BROKER,
                    organization_id=org.id if org else None, locale="zh", created_at=moment,
                    updated_at=moment)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        created.append((username, Role.BROKER.value, org.name if org else None))
    db.session.commit()
    return created


def load_profiles(bureau, now=None):
    """The broker accounts and their profiles as they stood before the demo listings began;
    returns the new accounts as (username, role, organisation name) rows (none when the demo
    brokers are there already)."""
    if db.session.scalar(select(User.id).where(User.username.in_(NEW_USERS))):
        return []
    created = _new_users()
    demo = _Demo(bureau, now)
    demo.run_at([s for s in PROFILE_STEPS if s[0] >= PROFILES_BEFORE], demo.profile_step)
    return created


# --- after the listings and needs -------------------------------------------------------------

# The records the activity is about: demo deals, listings and needs, by the achievement they
# sell or the need's title.
CBM, UAV, GANGUE, GRAPHENE = (ACHIEVEMENTS[i][0] for i in (0, 2, 7, 9))
NEEDS = {"gas": "低浓度瓦斯安全输送与提纯利用技术",
         "magnesium": "镁合金汽车轻量化压铸件成形与表面防护技术",
         "coking": "焦化废水深度处理与回用技术"}

# (days ago, "HH:MM", action, arguments...). Engagements and complaints are named by a key of
# their own; a party is a demo user name, or the "seller" or "buyer" of the listing or deal
# (acting through a member of that organisation).
ACTIVITY = [
    # The gangue deal (dealt 184 days ago): the buyer's broker, ratings, two complaints.
    (183, "10:00", "invite", "gangue_buyer", ("deal", "gangue"), "buyer", "broker3", "25000",
     "请协助我公司办理技术合同认定登记并跟进中试线建设。"),
    (183, "16:00", "accept", "gangue_buyer", "已与贵公司签订居间服务协议，接受委托。"),
    (180, "10:00", "rate", "gangue", "buyer", "party", 5,
     "技术资料完整，中试指导到位，首批陶粒产品达到合同约定指标。"),
    (180, "10:05", "rate", "gangue", "buyer", "buyer_broker", 5,
     "李志强老师全程参与谈判和合同起草，专业、高效。"),
    (179, "15:00", "rate", "gangue", "seller", "party", 4, "付款及时，积极配合中试。"),
    (150, "09:30", "complain", "gangue_breach", "gangue", "buyer", "party", "breach",
     "陶粒烧成工艺参数与移交的技术资料不符",
     "按移交资料中的烧成温度曲线试生产，陶粒筒压强度仅 3.1 MPa，低于合同约定的 4.0 MPa；"
     "转让方补充提供的参数与原资料不一致。"),
    (148, "10:00", "decide", "gangue_breach", "investigate", "已调取双方技术交接记录，开始调查。"),
    (140, "15:00", "decide", "gangue_breach", "uphold",
     "经核查，转让方移交的工艺参数有误且未及时更正，对转让方予以警告，责令补充完整技术资料。",
     "warning"),
    (120, "11:00", "complain", "gangue_secret", "gangue", "seller", "party", "breach",
     "受让方擅自向第三方披露技术秘密",
     "受让方在行业会议上展示了本技术的工艺流程图，我方认为构成对技术秘密的泄露。"),
    (118, "09:30", "decide", "gangue_secret", "investigate", ""),
    (110, "16:00", "decide", "gangue_secret", "dismiss",
     "经调查，受让方展示的流程图已见于转让方此前公开发表的论文，不构成泄露技术秘密。"),
    # Brokers invited onto running listings and published needs.
    (15, "10:00", "invite", "magnesium_buyer", ("need", "magnesium"), "fenjiu", "broker3",
     "40000", "请协助评估各方案的技术成熟度并参与合作谈判。"),
    (14, "09:20", "accept", "magnesium_buyer", ""),
    (12, "10:30", "invite", "uav_seller", ("listing", UAV), "seller", "broker4", "30000",
     "请协助推介本成果，重点对接电网和油气管线运维企业。"),
    (10, "11:00", "invite", "gas_buyer", ("need", "gas"), "xiaoyicoal", "broker4", "50000",
     "请协助筛选低浓度瓦斯提纯方案并组织技术论证。"),
    (9, "09:00", "decline", "gas_buyer", "本人近期专注电力巡检项目，煤层气领域另请其他经纪人。"),
    (8, "10:00", "invite", "bidding_buyer", ("listing", CBM), "fenjiu", "broker4", "30000",
     "请协助我公司参与竞价并办理后续合同手续。"),
    (7, "09:30", "accept", "bidding_buyer", ""),
    (5, "14:00", "invite", "gas_buyer_again", ("need", "gas"), "xiaoyicoal", "broker2", "40000",
     "请协助组织低浓度瓦斯提纯技术的供需对接。"),
    # The deals of the last days: brokers, ratings, complaints.
    (2, "17:00", "invite", "graphene_buyer", ("deal", "graphene"), "buyer", "broker3", "20000",
     "请协助办理技术合同认定登记。"),
    (1, "09:00", "accept", "graphene_buyer", ""),
    (1, "10:00", "rate", "graphene", "buyer", "seller_broker", 4,
     "推介及时，竞价环节沟通顺畅。"),
    (1, "10:30", "complain", "graphene_fee", "graphene", "buyer", "seller_broker",
     "broker_misconduct", "经纪人要求买方另付服务费",
     "卖方经纪人在成交后要求我公司另行支付 1 万元“服务费”，而挂牌公告中佣金由卖方承担。"),
    (1, "11:00", "complain", "graphene_payment", "graphene", "seller", "party", "fee_dispute",
     "首期款支付时间存在争议",
     "合同约定签约后 5 日内支付首期款，受让方提出以认定登记完成为付款条件。"),
    (1, "16:00", "decide", "graphene_payment", "investigate", "已通知双方提交合同往来函件。"),
    (1, "14:00", "invite", "coking_seller", ("deal", "coking"), "seller", "broker2", "15000",
     "请协助办理技术合同认定登记。"),
    (1, "17:00", "accept", "coking_seller", ""),
    (1, "18:00", "rate", "coking", "seller", "seller_broker", 5, "响应迅速，材料准备细致。"),
    (1, "18:30", "rate", "coking", "buyer", "party", 2,
     "工艺包交付较约定推迟，调试人员到场不及时。"),
    # The blacklist: one entry that lapsed (its lapse recorded), one in force.
    (150, "15:00", "blacklist", "broker5", -90,
     "在孝义市一项技术转让中隐瞒与受让方的关联关系，列入黑名单 60 日。"),
    (89, "00:05", "record_lapses"),
    (62, "10:30", "blacklist", "broker8", 300,
     "伪造成交业绩骗取委托，注销技术经纪人档案并列入黑名单。"),
]
# What each engagement and complaint ends as (the demo checks itself).
EXPECTED_ENGAGEMENTS = {
    "gangue_buyer": "accepted", "magnesium_buyer": "accepted", "uav_seller": "invited",
    "gas_buyer": "declined", "bidding_buyer": "accepted", "gas_buyer_again": "invited",
    "graphene_buyer": "accepted", "coking_seller": "accepted"}
EXPECTED_COMPLAINTS = {"gangue_breach": "upheld", "gangue_secret": "dismissed",
                       "graphene_fee": "submitted", "graphene_payment": "investigating"}


class _Activity(_Demo):
    """The steps of ACTIVITY, and the later steps of PROFILE_STEPS."""

    def __init__(self, bureau, now=None):
        super().__init__(bureau, now)
        self.engagements, self.complaints = {}, {}

    def record(self, subject, name):
        """The demo deal, running listing or need named by its achievement or NEEDS key."""
        if subject == "need":
            return db.session.scalar(select(Need).where(Need.title == NEEDS[name]))
        if subject == "listing":
            return db.session.scalar(select(Listing).join(Achievement).where(
                Achievement.title == name, Listing.status.in_(LIVE)))
        if name in NEEDS:
            return db.session.scalar(select(Deal).join(Need, Deal.need_id == Need.id).where(
                Need.title == NEEDS[name]))
        title = {"gangue": GANGUE, "graphene": GRAPHENE}[name]
        return db.session.scalar(select(Deal).join(Listing, Deal.listing_id == Listing.id)
                                 .join(Achievement).where(Achievement.title == title))

    def party(self, record, who):
        """A demo user, or a member of the record's seller or buyer organisation."""
        if who in ("seller", "buyer"):
            return members(getattr(record, f"{who}_org_id"))[0]
        return self.user(who)

    def broker_user(self, user_id):
        return db.session.get(User, user_id)

    def step(self, action, *args):
        bureau = db.session.get(User, self.bureau.id)
        if action == "profile":
            self.profile_step(*args)
        elif action == "invite":
            key, (subject, name), principal, broker, commission, message = args
            record = self.record(subject, name)
            self.engagements[key] = engagements.invite(
                subject, record.id, self.party(record, principal), self.users[broker].id,
                commission=commission, message=message).id
        elif action in ("accept", "decline"):
            engagement = db.session.get(Engagement, self.engagements[args[0]])
            getattr(engagements, action)(engagement.id, self.broker_user(engagement.broker_id),
                                         args[1])
        elif action == "rate":
            name, who, target, score, comment = args
            deal = self.record("deal", name)
            other = deal.buyer_org_id if who == "seller" else deal.seller_org_id
            key = (f"org:{other}" if target == "party"
                   else f"broker:{getattr(deal, target + '_id')}")
            ratings.rate(deal.id, self.party(deal, who), key, score, comment)
        elif action == "complain":
            key, name, who, against, category, subject, description = args
            deal = self.record("deal", name)
            self.complaints[key] = complaints.file_complaint(
                deal.id, self.party(deal, who),
                ComplaintData(against, category, subject, description)).id
        elif action == "decide":
            key, decision, reason, *sanction = args
            complaints.decide(self.complaints[key], decision, bureau, reason,
                              sanction[0] if sanction else None)
        elif action == "blacklist":
            username, until_days, reason = args
            until = self.now.astimezone(clock.LOCAL_TZ).date() + timedelta(days=until_days)
            blacklist.add(bureau, broker_id=self.users[username].id, until=until,
                          reason=reason)
        elif action == "record_lapses":
            blacklist.record_lapses()
        else:
            raise ValueError(action)


def load_activity(bureau, now=None):
    """The later decisions on the brokers' profiles, the brokers' engagements, the parties'
    ratings, the complaints and the blacklist; returns {key: id} of the engagements and
    complaints."""
    if db.session.scalar(select(BrokerProfile.id).join(User, User.id == BrokerProfile.user_id)
                         .where(User.username == "broker6")):
        return {}  # done already: broker6 files its profile in this part
    demo = _Activity(bureau, now)
    later = [(days, hhmm, "profile", *rest) for days, hhmm, *rest in PROFILE_STEPS
             if days < PROFILES_BEFORE]
    demo.run_at(later + ACTIVITY, demo.step)
    found = {
        **{key: db.session.get(Engagement, i).status for key, i in demo.engagements.items()},
        **{key: db.session.get(Complaint, i).status for key, i in demo.complaints.items()},
        **{name: str(profiles.profile_of(demo.user(name)).status) for name in BROKERS}}
    expected = {**EXPECTED_ENGAGEMENTS, **EXPECTED_COMPLAINTS, **EXPECTED_PROFILES}
    if found != expected:
        raise RuntimeError(f"the demo brokers ended {found}; expected {expected}")
    return {**demo.engagements, **demo.complaints}
