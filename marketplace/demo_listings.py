"""Demonstration listings in every state of SPEC.md §2, made through the real services at the
moments they happened (the market clock moves, as in demo_contracts.py).

Each listing is a story of steps at past moments, relative to the real time of seeding: the
steps of all the stories run in time order, so ids, audit entries, deal numbers and
notifications come in the order they would have. The periods of the listings that are still
running end after the seeding (the bidding window stays open for days), so nothing is due
when the demo starts. The eleven registered demo achievements carry one running listing each
at most; the finished listings of the past reuse them (an achievement that failed to sell is
listed again), except the two that were dealt.
"""
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from . import audit, clock
from .accounts.models import Role, User
from .achievements.models import Achievement
from .brokers import engagements
from .brokers.models import BrokerProfile, Engagement
from .brokers.states import BrokerStatus
from .contracts import services as contracts
from .demo_achievements import ACHIEVEMENTS, _pdf
from .demo_contracts import market_time
from .extensions import db
from .listings import services, trading
from .listings.models import Deal, Listing
from .listings.services import ListingData

TICK = timedelta(minutes=1)  # the market's tick comes a minute after a period ends

CBM, SEALING, UAV, BATTERY, MAGNESIUM, WALNUT, JUJUBE, GANGUE, HYDROGEN, GRAPHENE, HERITAGE = (
    row[0] for row in ACHIEVEMENTS[:11])

# What the demo enterprises write when they register an intent.
STATEMENTS = {
    ("xiaoyicoal", CBM): "我公司在孝义、柳林拥有煤层气合作区块，具备水平井钻完井施工队伍 3 支，"
                         "拟于明年在 20 口水平井推广分段压裂工艺。",
    ("fenjiu", CBM): "我公司与省属能源企业合资组建压裂技术服务公司，具备压裂设备与施工资质，"
                     "拟以本技术开展区域压裂技术服务。",
    ("fenjiu", MAGNESIUM): "我公司拟建设年产 5000 吨高强镁合金挤压型材生产线，愿以现金出资与"
                           "技术方共同设立项目公司。",
    ("fenjiu", BATTERY): "我公司正在建设 100 MWh 储能电站配套电池簇产线，需要成熟的液冷热管理"
                         "方案。",
    ("xiaoyicoal", BATTERY): "我公司拟在煤层气压缩站配套建设储能系统，具备电池系统集成能力。",
    ("fenjiu", GRAPHENE): "我公司从事功能涂料研发生产，年产能 2 万吨，拟将石墨烯导热涂料用于电子"
                          "散热与换热设备防腐产品线。",
    ("xiaoyicoal", GRAPHENE): "我公司换热设备防腐需求量大，拟自建导热涂料车间。",
    ("fenjiu", GANGUE): "我公司已建成陶粒中试线，拟在汾阳工业园区建设年产 30 万立方米煤矸石陶粒"
                        "生产线。",
    ("fenjiu", UAV): "我公司厂区及园区 110 kV 线路巡检需要无人机自主巡检系统。",
    ("xiaoyicoal", UAV): "我公司集输管线与输电线路长 300 余公里，拟建设无人机巡检队伍。",
    ("fenjiu", HYDROGEN): "我公司拟利用园区焦化企业的焦炉煤气建设制氢加氢一体站。",
    ("xiaoyicoal", HYDROGEN): "我公司拟将焦炉煤气提纯制氢与燃料电池重卡运输相结合，建设示范线路。",
}

# The stories: a key, the achievement, the seller, the terms, and the steps as
# (days ago, "HH:MM", action, arguments...). The seller's steps name no user: the seller acts.
STORIES = [
    # --- finished in the past ---------------------------------------------------------------
    dict(key="gangue_dealt", achievement=GANGUE, terms=dict(
        transfer_mode="assignment", asking_price="2800000", reserve_price="2200000",
        bid_increment="50000", announcement_days=15, listing_days=60, bidding_days=5,
        buyer_conditions="从事建材或固废综合利用的企业，具备陶粒或墙体材料生产线；"
                         "项目所在地具备煤矸石稳定供应。"),
        steps=[(206, "09:00", "create"), (206, "09:30", "submit"), (203, "15:00", "approve"),
               (195, "10:00", "intent", "fenjiu", "2600000"),
               (188, "15:01", "tick"),  # one intent: a negotiation with that buyer
               (185, "10:00", "confirm", None), (184, "14:00", "confirm", "fenjiu"),
               (182, "10:00", "complete_contract"), (182, "10:30", "submit_contract"),
               (175, "15:00", "certify_contract")]),
    dict(key="uav_unsold", achievement=UAV, terms=dict(
        transfer_mode="assignment", asking_price="1000000", reserve_price="900000",
        bid_increment="20000", announcement_days=15, listing_days=60, bidding_days=5,
        buyer_conditions="具有电力或油气管线运维业务的企业。"),
        steps=[(153, "09:00", "create"), (153, "09:20", "submit"), (150, "10:00", "approve"),
               (143, "10:00", "intent", "fenjiu"), (140, "15:00", "intent", "xiaoyicoal"),
               (135, "10:01", "tick"), (130, "10:01", "tick")]),  # bidding ends without a bid
    dict(key="heritage_expired", achievement=HERITAGE, terms=dict(
        transfer_mode="licence_ordinary", licence_term_years=3, licence_territory="吕梁市",
        asking_price="300000", reserve_price="200000", bid_increment="10000",
        announcement_days=15, listing_days=30, bidding_days=5,
        buyer_conditions="从事文化旅游开发或数字展陈的企业。"),
        steps=[(133, "09:00", "create"), (133, "09:30", "submit"), (130, "10:00", "approve"),
               (115, "10:01", "tick"), (85, "10:01", "tick")]),  # listed, then expired
    dict(key="sealing_rejected", achievement=SEALING, terms=dict(
        transfer_mode="assignment", asking_price="300000", reserve_price="260000",
        bid_increment="10000", announcement_days=15, listing_days=60, bidding_days=5,
        buyer_conditions="煤矿企业或矿山安全装备制造企业。"),
        steps=[(110, "09:00", "create"), (110, "10:00", "submit"),
               (106, "15:00", "reject", "挂牌底价明显低于评估报告结论，且未说明装置专利的权属"
                                        "情况，不予挂牌。")]),
    dict(key="hydrogen_declined", achievement=HYDROGEN, terms=dict(
        transfer_mode="licence_exclusive", licence_term_years=10, licence_territory="吕梁市",
        asking_price="4500000", reserve_price="3500000", bid_increment="100000",
        announcement_days=15, listing_days=60, bidding_days=7,
        buyer_conditions="具有焦炉煤气资源或氢能应用场景的企业；具备危险化学品安全生产条件。"),
        steps=[(102, "09:00", "create"), (102, "09:30", "submit"), (100, "10:00", "approve"),
               (95, "10:00", "intent", "fenjiu"), (92, "11:00", "intent", "xiaoyicoal"),
               (85, "10:01", "tick"),  # two buyers: bidding
               (84, "10:00", "bid", "fenjiu", "3500000"),
               (80, "15:00", "bid", "xiaoyicoal", "3600000"),
               (78, "10:01", "tick"),  # awarded to the best bid
               (76, "11:00", "decline", "xiaoyicoal", "timing",
                "集团年度投资计划调整，项目资金无法在确认期内落实，放弃本次成交。")]),
    dict(key="battery_withdrawn", achievement=BATTERY, terms=dict(
        transfer_mode="assignment", asking_price="1000000", reserve_price="900000",
        bid_increment="20000", announcement_days=15, listing_days=60, bidding_days=5,
        buyer_conditions="从事储能电池或电池系统集成的企业。"),
        steps=[(75, "09:00", "create"), (75, "10:00", "submit"), (72, "10:00", "approve"),
               (65, "10:00", "withdraw", "拟调整转让方式与底价后重新挂牌。")]),
    dict(key="walnut_terminated", achievement=WALNUT, terms=dict(
        transfer_mode="licence_sole", licence_term_years=3, licence_territory="山西省",
        asking_price="400000", reserve_price="300000", bid_increment="10000",
        announcement_days=15, listing_days=60, bidding_days=5,
        buyer_conditions="从事核桃或干果加工的食品企业，具备食品生产许可证。"),
        steps=[(73, "09:00", "create"), (73, "09:30", "submit"), (70, "10:00", "approve"),
               (60, "15:00", "terminate", "成果共有人对转让提出异议，经核查权属存在争议，"
                                          "终结本次挂牌。")]),
    # --- dealt recently: the deal is announced, its contract is a draft ---------------------
    dict(key="graphene_dealt", achievement=GRAPHENE, broker=("broker", "30000"), terms=dict(
        transfer_mode="licence_exclusive", licence_term_years=5, licence_territory="华北地区",
        asking_price="1500000", reserve_price="1000000", bid_increment="20000",
        announcement_days=15, listing_days=60, bidding_days=5,
        buyer_conditions="从事涂料或换热设备生产的企业，具备涂料生产线及环评批复。"),
        steps=[(26, "09:00", "create"), (26, "11:00", "accept_broker", "broker"),
               (26, "09:30", "submit"), (24, "09:00", "approve"),
               (20, "10:00", "intent", "fenjiu"), (18, "14:00", "intent", "xiaoyicoal"),
               (9, "09:01", "tick"),
               (8, "10:00", "bid", "xiaoyicoal", "1000000"),
               (7, "15:00", "bid", "fenjiu", "1040000"),
               (6, "11:00", "bid", "xiaoyicoal", "1080000"),
               (5, "16:30", "bid", "fenjiu", "1120000"),
               (4, "09:01", "tick"),
               (3, "10:00", "confirm", None), (2, "16:00", "confirm", "fenjiu"),
               (1, "10:30", "attach_contract")]),
    # --- running now ------------------------------------------------------------------------
    dict(key="bidding", achievement=CBM, broker=("broker", "60000"), terms=dict(
        transfer_mode="licence_exclusive", licence_term_years=8,
        licence_territory="山西省行政区域内", asking_price="3000000", reserve_price="2400000",
        bid_increment="50000", announcement_days=15, listing_days=60, bidding_days=10,
        buyer_conditions="具有煤层气勘查开采区块或合作区块的企业；具备水平井钻完井施工能力；"
                         "近三年无重大安全生产事故。"),
        steps=[(18, "09:00", "create"), (18, "09:30", "submit"),
               (18, "15:00", "accept_broker", "broker"), (16, "10:00", "approve"),
               (12, "14:30", "intent", "xiaoyicoal", "2500000", "broker2", "20000"),
               (12, "17:10", "accept_broker", "broker2"),
               (9, "10:15", "intent", "fenjiu"),
               (1, "10:01", "tick"),  # bidding is open for ten days
               (1, "11:00", "bid", "xiaoyicoal", "2400000"),
               (1, "12:10", "bid", "fenjiu", "2450000"),
               (1, "14:00", "bid", "xiaoyicoal", "2550000"),
               (1, "16:20", "bid", "fenjiu", "2600000"),
               (1, "19:40", "bid", "xiaoyicoal", "2700000")]),
    dict(key="awarded", achievement=BATTERY, terms=dict(
        transfer_mode="assignment", asking_price="1200000", reserve_price="800000",
        bid_increment="20000", announcement_days=15, listing_days=60, bidding_days=5,
        buyer_conditions="从事储能电池或电池系统集成的企业，近三年储能项目装机不少于 50 MWh。"),
        steps=[(23, "09:00", "create"), (23, "09:30", "submit"), (21, "09:30", "approve"),
               (15, "10:00", "intent", "fenjiu"), (13, "15:00", "intent", "xiaoyicoal"),
               (6, "09:31", "tick"),
               (5, "10:00", "bid", "xiaoyicoal", "800000"),
               (4, "14:00", "bid", "fenjiu", "820000"),
               (3, "09:20", "bid", "xiaoyicoal", "860000"),
               (2, "16:45", "bid", "fenjiu", "900000"),
               (1, "09:31", "tick"),  # the winner has five working days to confirm
               (1, "11:00", "confirm", "fenjiu")]),
    dict(key="negotiating", achievement=MAGNESIUM, terms=dict(
        transfer_mode="equity", asking_price="1800000", reserve_price="1500000",
        bid_increment="50000", announcement_days=15, listing_days=60, bidding_days=5,
        buyer_conditions="从事镁合金或铝合金型材加工的企业，具备挤压生产线；以现金与技术共同"
                         "出资设立项目公司。"),
        steps=[(21, "09:00", "create"), (21, "09:30", "submit"), (19, "10:00", "approve"),
               (10, "09:40", "intent", "fenjiu", "1700000"),
               (4, "10:01", "tick"),  # one buyer: negotiation at its offer
               (2, "15:00", "confirm", None)]),
    dict(key="listed", achievement=UAV, terms=dict(
        transfer_mode="licence_ordinary", licence_term_years=5, licence_territory="全国",
        asking_price="600000", reserve_price="450000", bid_increment="10000",
        announcement_days=15, listing_days=120, bidding_days=5,
        buyer_conditions="具有电力、油气管线或林业巡检业务的企业，具备民用无人机运营资质。"),
        steps=[(48, "09:00", "create"), (48, "09:30", "submit"), (46, "10:00", "approve"),
               (31, "10:01", "tick")]),  # no intent: listed for 120 days
    dict(key="paused", achievement=SEALING, terms=dict(
        transfer_mode="assignment", asking_price="500000", reserve_price="400000",
        bid_increment="10000", announcement_days=15, listing_days=60, bidding_days=5,
        buyer_conditions="煤矿企业或矿山安全装备制造企业，具备矿用产品安全标志证书。"),
        steps=[(39, "09:00", "create"), (39, "09:30", "submit"), (37, "10:00", "approve"),
               (22, "10:01", "tick"),
               (6, "16:00", "pause", "收到第三方关于装置专利权属的异议，暂停挂牌，待核查后"
                                     "恢复。")]),
    dict(key="announced", achievement=JUJUBE, terms=dict(
        transfer_mode="licence_ordinary", licence_term_years=5, licence_territory="吕梁市",
        asking_price="300000", reserve_price="200000", bid_increment="10000",
        announcement_days=20, listing_days=90, bidding_days=5,
        buyer_conditions="从事红枣等农产品加工的企业，具备食品生产许可证（SC），年加工能力不低于"
                         " 1000 吨。"),
        steps=[(8, "09:00", "create"), (7, "10:00", "submit"), (5, "10:00", "approve")]),
    dict(key="returned", achievement=HYDROGEN, terms=dict(
        transfer_mode="assignment", asking_price="5000000", reserve_price="4000000",
        bid_increment="100000", announcement_days=15, listing_days=60, bidding_days=5,
        buyer_conditions="具有焦炉煤气资源或氢能应用场景的企业。"),
        steps=[(12, "09:00", "create"), (11, "10:00", "submit"),
               (9, "15:00", "return", "请补充示范线路的运行数据，并说明上次挂牌未成交后转让"
                                      "方式调整的理由。")]),
    dict(key="pending_review", achievement=WALNUT, terms=dict(
        transfer_mode="licence_sole", licence_term_years=3, licence_territory="山西省",
        asking_price="350000", reserve_price="280000", bid_increment="10000",
        announcement_days=15, listing_days=60, bidding_days=5,
        buyer_conditions="从事核桃或干果加工的食品企业，具备食品生产许可证。"),
        steps=[(3, "10:00", "create"), (2, "09:00", "submit")]),
    dict(key="draft", achievement=HERITAGE, terms=dict(
        transfer_mode="joint_development", asking_price=None, reserve_price="150000",
        bid_increment="5000", announcement_days=15, listing_days=90, bidding_days=5,
        buyer_conditions="从事文化旅游开发或数字展陈的企业。"),
        steps=[(1, "15:00", "create")]),
]

# The state each story ends in (the demo checks itself).
EXPECTED = {"gangue_dealt": "dealt", "uav_unsold": "failed", "heritage_expired": "expired",
            "sealing_rejected": "rejected", "hydrogen_declined": "failed",
            "battery_withdrawn": "withdrawn", "walnut_terminated": "terminated",
            "graphene_dealt": "dealt", "bidding": "bidding", "awarded": "awarded",
            "negotiating": "negotiating", "listed": "listed", "paused": "paused",
            "announced": "announced", "returned": "returned",
            "pending_review": "pending_review", "draft": "draft"}


class _Demo:
    def __init__(self, bureau, now):
        self.bureau = bureau
        self.now = now
        self.ids = {}
        self.users = {u.username: u for u in db.session.scalars(select(User).where(
            User.username.in_(("coalinst", "luliangu", "fenjiu", "xiaoyicoal", "broker",
                               "broker2"))))}
        # Ids and owners read once: every service commits, which expires the loaded objects.
        self.achievements = {a.title: (a.id, a.owner_org_id)
                             for a in db.session.scalars(select(Achievement))}
        self.user_ids = {name: u.id for name, u in self.users.items()}
        self.sellers = {u.organization_id: u for u in self.users.values()
                        if u.role == Role.INSTITUTE}

    def moment(self, days_ago, hhmm):
        """`hhmm` in Lüliang, `days_ago` days before the day of seeding."""
        day = self.now.astimezone(clock.LOCAL_TZ).date() - timedelta(days=days_ago)
        hour, minute = (int(part) for part in hhmm.split(":"))
        moment = datetime.combine(day, time(hour, minute), clock.LOCAL_TZ).astimezone(UTC)
        if moment >= self.now:
            raise ValueError(f"a demo step in the future: {days_ago} days ago at {hhmm}")
        return moment

    def user(self, name):
        return self.users[name]

    # --- the steps ------------------------------------------------------------------------
    def create(self, story):
        seller = self.seller(story)
        broker, commission = story.get("broker") or (None, None)
        data = ListingData(achievement_id=self.achievements[story["achievement"]][0],
                           **story["terms"],
                           seller_broker_id=self.user_ids[broker] if broker else None,
                           seller_broker_commission=commission)
        self.ids[story["key"]] = services.create(data, seller).id

    def seller(self, story):
        return self.sellers[self.achievements[story["achievement"]][1]]

    def run(self, story, action, *args):
        listing_id = self.ids.get(story["key"])
        seller = self.seller(story)
        if action == "create":
            self.create(story)
        elif action == "submit":
            services.submit(listing_id, seller)
        elif action in ("approve", "return", "reject"):
            services.review(listing_id, action, self.bureau, args[0] if args else "")
        elif action == "withdraw":
            services.withdraw(listing_id, seller, args[0])
        elif action in ("pause", "terminate"):
            getattr(services, action)(listing_id, self.bureau, args[0])
        elif action == "intent":
            buyer, offered, broker, commission = (args + (None,) * 4)[:4]
            services.register_intent(
                listing_id, self.user(buyer),
                STATEMENTS[(buyer, story["achievement"])], offered,
                self.user_ids[broker] if broker else None, commission)
        elif action == "accept_broker":  # the broker named on the listing or intent accepts
            broker = self.user(args[0])
            engagements.accept(db.session.scalar(select(Engagement.id).where(
                Engagement.broker_id == broker.id, Engagement.subject == "listing",
                Engagement.subject_id == listing_id, Engagement.status == "invited")), broker)
        elif action == "tick":
            if not trading.advance_if_due(listing_id):
                raise RuntimeError(f"demo listing {story['key']}: nothing was due")
        elif action == "bid":
            trading.place_bid(listing_id, args[1], self.user(args[0]))
        elif action == "confirm":
            trading.confirm(listing_id, self.user(args[0]) if args[0] else seller)
        elif action == "decline":
            trading.decline(listing_id, self.user(args[0]), args[1], args[2])
        elif action == "complete_contract":
            self.complete_contract(listing_id, seller)
        elif action == "attach_contract":
            # The seller has put the signed copy on the draft, and not yet completed it.
            contracts.attach_signed_copy(self.contract(listing_id).id,
                                         _pdf("signed-contract.pdf"), seller)
        elif action == "submit_contract":
            contracts.submit(self.contract(listing_id).id, seller)
        elif action == "certify_contract":
            contracts.review(self.contract(listing_id).id, "certify", self.bureau,
                             "成交确认书与合同一致，符合技术合同认定规则。")
        else:
            raise ValueError(action)

    def contract(self, listing_id):
        deal = db.session.scalar(select(Deal).where(Deal.listing_id == listing_id))
        return deal.contract

    def complete_contract(self, listing_id, seller):
        """The seller completes the contract the deal pre-filled and attaches the signed copy."""
        record = self.contract(listing_id)
        data = contracts.data_of(record)
        signed = clock.today() - timedelta(days=1)
        data.signed_on = data.valid_from = signed
        data.valid_to = signed + timedelta(days=3 * 365)
        data.payment_method = "instalments"
        data.expected_investment = record.total_amount * 4
        data.expected_output = record.total_amount * 12
        contracts.update(record.id, data, seller)
        contracts.attach_signed_copy(record.id, _pdf("signed-contract.pdf"), seller)


# The demo brokers' profiles, verified by the bureau before the listings (the broker demo
# adds what else a profile shows).
BROKERS = {
    "broker": dict(real_name="陈立新", level="intermediate", filing_number="JJR14000020230117",
                   professional_title="高级工程师", fields=["coal", "materials"],
                   regions=["141100", "140000"], services=["matching", "negotiation"],
                   years_of_practice=9),
    "broker2": dict(real_name="郭晓燕", level="junior", fields=["nev", "environment"],
                    regions=["141100"], services=["matching", "contract"],
                    years_of_practice=3),
}


def verify_brokers(bureau, moment):
    """The demo brokers' profiles, filed and verified at `moment` (once)."""
    with market_time(moment):
        for username, fields in BROKERS.items():
            user = db.session.scalar(select(User).where(User.username == username))
            if user is None or engagements.profile_of(user.id) is not None:
                continue
            profile = BrokerProfile(user_id=user.id, status=BrokerStatus.VERIFIED,
                                    submitted_at=moment, verified_at=moment,
                                    verified_by_id=bureau.id, created_at=moment,
                                    updated_at=moment, bio="", **fields)
            db.session.add(profile)
            db.session.flush()
            audit.record("broker", profile.id, "create", user, to_state="pending")
            audit.record("broker", profile.id, "verify", bureau, from_state="pending",
                         to_state="verified")
        db.session.commit()


def load_listings(bureau, now=None):
    """Create the demo listings; returns {story key: listing id}."""
    demo = _Demo(bureau, now or clock.now())
    verify_brokers(bureau, demo.now - timedelta(days=230))
    steps = []
    for story in STORIES:
        for days_ago, hhmm, action, *args in story["steps"]:
            steps.append((demo.moment(days_ago, hhmm), len(steps), story, action, args))
    for moment, _, story, action, args in sorted(steps, key=lambda step: step[:2]):
        with market_time(moment):
            demo.run(story, action, *args)
    for key, listing_id in demo.ids.items():
        record = db.session.get(Listing, listing_id)
        if record.status != EXPECTED[key] or (record.next_move_at is not None
                                              and record.next_move_at <= demo.now):
            raise RuntimeError(f"demo listing {key} ended {record.status}, due "
                               f"{record.next_move_at}; expected {EXPECTED[key]}")
    return demo.ids
