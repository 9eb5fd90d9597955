"""Demonstration technology needs in every state of SPEC.md §3, with responses in every state,
made through the real services at the moments they happened (the market clock moves, as in
demo_listings.py, which runs before: responses offer its open listings).

The demo enterprises post the needs; the institutes and the brokers respond (a broker offers a
listing it brokers or a registered achievement). One need is resolved by a deal made from its
accepted response, with the deal's draft contract; another response is accepted and awaits
the seller's confirmation. The steps of all the stories run in time order. The published
needs' deadlines are well after the day of seeding, so nothing is due (no expiry, no
reminder) when the demo starts.
"""
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from . import clock
from .accounts.models import User
from .achievements.models import Achievement
from .contracts import services as contracts
from .demo_achievements import ACHIEVEMENTS, _pdf
from .demo_contracts import market_time
from .extensions import db
from .listings.models import Deal, Listing
from .listings.states import OPEN
from .needs import services
from .needs.models import Need, Response
from .needs.services import EXPIRY_NOTICE_DAYS, NeedData

CBM, SEALING, UAV, BATTERY, MAGNESIUM, WALNUT, JUJUBE, GANGUE, HYDROGEN, GRAPHENE, HERITAGE = (
    row[0] for row in ACHIEVEMENTS[:11])

# The needs: a key, the enterprise, what it asks for (the deadline in days after the day of
# seeding) and the steps as (days ago, "HH:MM", action, arguments...). The owner's steps name
# no user; a response is named by a key of its own.
STORIES = [
    dict(key="gas", owner="xiaoyicoal", deadline=60, need=dict(
        title="低浓度瓦斯安全输送与提纯利用技术",
        description="我公司在孝义、柳林的煤层气合作区块及周边煤矿每年抽采低浓度瓦斯（甲烷浓度"
                    " 8%–30%）约 6000 万立方米，目前大部分直接排空，既浪费资源又增加温室气体"
                    "排放。现寻求低浓度瓦斯安全输送、提纯浓缩及发电或民用利用的成套技术，可接受"
                    "技术许可或委托开发。",
        field="coal", keywords=["瓦斯", "低浓度瓦斯", "瓦斯抽采", "提纯", "瓦斯发电"],
        indicators="输送系统满足 AQ 1076《煤矿低浓度瓦斯管道输送安全保障系统设计规范》；提纯后"
                   "甲烷浓度不低于 90%；瓦斯利用率不低于 80%；单套处理能力不低于 2 万立方米/日。",
        budget_min="1000000", budget_max="3000000",
        cooperation_modes=["commissioned_development", "licence_ordinary",
                           "licence_exclusive"]),
        steps=[(30, "09:30", "create"), (30, "10:00", "submit"), (28, "15:00", "publish"),
               (25, "10:20", "respond", "gas_coalinst", "coalinst",
                "本所“低渗透煤层气水平井分段压裂增产技术”可提高单井产气量和抽采浓度，并可"
                "配套低浓度瓦斯变压吸附提纯方案，愿以技术许可方式合作。"),
               (22, "14:00", "respond", "gas_luliangu", "luliangu",
                "我院“煤矿瓦斯抽采钻孔智能封孔装置”可将抽采浓度稳定在 60% 以上，从源头减少"
                "低浓度瓦斯，已在孝义、柳林矿区应用，可配合贵公司开展现场试验。",
                dict(achievement=SEALING)),
               (15, "16:00", "shortlist", "gas_luliangu"),
               (9, "11:00", "withdraw_response", "gas_coalinst"),
               (8, "10:30", "respond", "gas_broker", "broker",
                "受吕梁市煤炭科学研究所委托推介其挂牌项目“低渗透煤层气水平井分段压裂增产技术”"
                "（竞价进行中），可提升单井产气量和瓦斯抽采浓度；低浓度瓦斯提纯部分可组织院所"
                "联合攻关。", dict(listing=CBM))]),
    dict(key="uav", owner="xiaoyicoal", deadline=45, need=dict(
        title="煤层气集输管线与输电线路无人机智能巡检系统",
        description="我公司集输管线与 35 kV 输电线路长 300 余公里，多在吕梁山区，人工巡检效率"
                    "低、风险大。需要无人机自主巡检与缺陷智能识别系统，能够按航线自动飞行，识别"
                    "管线泄漏、第三方施工、杆塔与绝缘子缺陷，并与现有 SCADA 平台对接。",
        field="electronics", keywords=["无人机", "巡检", "图像识别", "管线"],
        indicators="山区自主飞行避障成功率不低于 99%；缺陷识别准确率不低于 90%；单架次续航不少于"
                   " 40 分钟；支持甲烷激光遥测载荷。",
        budget_min="400000", budget_max="800000",
        cooperation_modes=["licence_ordinary", "service", "commissioned_development"]),
        steps=[(27, "10:00", "create"), (27, "10:30", "submit"), (26, "09:30", "publish"),
               (20, "15:30", "respond", "uav_coalinst", "coalinst",
                "本所“电力巡检无人机自主避障与缺陷识别系统”正在挂牌（普通许可），山区输电线路"
                "实测缺陷识别准确率 95%，可按贵公司管线巡检场景增加甲烷遥测载荷，并提供飞手"
                "培训。", dict(listing=UAV)),
               (12, "10:00", "shortlist", "uav_coalinst"),
               (4, "15:00", "accept", "uav_coalinst", "560000", "licence_ordinary")]),
    dict(key="magnesium", owner="fenjiu", deadline=75, need=dict(
        title="镁合金汽车轻量化压铸件成形与表面防护技术",
        description="我公司正在建设高强镁合金挤压型材生产线，拟延伸发展汽车轻量化镁合金压铸件"
                    "（仪表盘支架、座椅骨架等）。需要高强韧压铸镁合金成分设计、真空压铸成形工艺及"
                    "耐蚀表面防护技术，并协助完成主机厂认证。",
        field="materials", keywords=["镁合金", "轻量化", "压铸", "表面防护"],
        indicators="压铸件抗拉强度不低于 260 MPa、延伸率不低于 8%；中性盐雾试验 500 小时无腐蚀；"
                   "成品率不低于 85%。",
        budget_min="1500000", budget_max="3000000",
        cooperation_modes=["joint_development", "commissioned_development", "equity"]),
        steps=[(20, "09:00", "create"), (20, "09:40", "submit"), (18, "10:30", "publish"),
               (14, "10:00", "respond", "magnesium_coalinst", "coalinst",
                "本所“高强韧镁合金挤压型材制备技术”的稀土微合金化成分体系同样适用于压铸合金"
                "设计，抗拉强度可达 380 MPa，愿以合作开发方式参与。",
                dict(achievement=MAGNESIUM)),
               (10, "16:00", "respond", "magnesium_luliangu", "luliangu",
                "我院材料学科团队长期从事镁合金真空压铸与微弧氧化表面处理研究，建议以合作开发"
                "方式开展，可提供中试条件和盐雾试验检测。"),
               (7, "09:30", "decline", "magnesium_coalinst", "fit",
                "贵所挤压型材技术已在挂牌项目中与我公司洽谈；本需求针对压铸件，成形工艺与合金"
                "体系不同。")]),
    dict(key="storage", owner="fenjiu", deadline=40, need=dict(
        title="储能电站电池簇液冷热管理与安全预警技术",
        description="我公司正在建设 100 MWh 储能电站配套电池簇产线，需要成熟的液冷热管理方案，"
                    "控制电池簇温差、延长循环寿命，并具备热失控早期预警能力。",
        field="power", keywords=["储能", "热管理", "液冷", "磷酸铁锂"],
        indicators="电池簇温差不大于 3℃；热失控预警提前时间不少于 10 分钟；满足 GB/T 36276 "
                   "要求。",
        budget_min="800000", budget_max="1500000",
        cooperation_modes=["assignment", "licence_exclusive"]),
        steps=[(25, "09:00", "create"), (25, "09:20", "submit"), (24, "10:00", "publish"),
               (18, "11:00", "respond", "storage_luliangu", "luliangu",
                "我院“磷酸铁锂储能电池热管理技术”已挂牌公告，液冷板与分区控温策略使电池簇温差"
                "控制在 3℃ 以内，循环寿命提升 20%，欢迎登记受让意向参与竞价。",
                dict(listing=BATTERY)),
               (1, "14:00", "resolve",
                "已在本平台竞得“磷酸铁锂储能电池热管理技术”，需求已解决。")]),
    dict(key="coking", owner="fenjiu", deadline=30, need=dict(
        title="焦化废水深度处理与回用技术",
        description="汾阳工业园区焦化企业集中，园区拟由我公司牵头建设焦化废水集中深度处理设施，"
                    "处理规模 3000 吨/日。现有生化处理出水 COD、氨氮和总氮不稳定，需要深度处理"
                    "与回用成套技术，出水回用于熄焦和循环冷却补水。",
        field="environment", keywords=["焦化", "废水处理", "深度处理", "回用"],
        indicators="出水 COD ≤ 50 mg/L、氨氮 ≤ 5 mg/L、总氮 ≤ 15 mg/L，达到 GB 16171 表 2 "
                   "标准；回用率不低于 85%；吨水处理成本不高于 8 元。",
        budget_min="500000", budget_max="1200000",
        cooperation_modes=["commissioned_development", "service"]),
        steps=[(40, "09:00", "create"), (40, "09:30", "submit"), (38, "10:00", "publish"),
               (33, "14:30", "respond", "coking_coalinst", "coalinst",
                "本所焦化废水课题组开发的“预处理—A/O 生化—臭氧催化氧化—膜浓缩”组合工艺已在"
                "中阳、交城两家焦化企业应用，可承接委托开发，提供工艺包、设计与调试服务。"),
               (30, "10:00", "respond", "coking_luliangu", "luliangu",
                "我院环境工程团队可采用电催化氧化与人工湿地组合工艺进行深度处理，建议先开展"
                "三个月中试，委托开发费用约 150 万元。"),
               (20, "09:30", "shortlist", "coking_coalinst"),
               (20, "09:40", "decline", "coking_luliangu", "price",
                "贵院报价 150 万元超出我方预算上限，且需另行开展三个月中试，无法满足园区建设"
                "进度。"),
               (3, "10:00", "accept", "coking_coalinst", "860000", "commissioned_development"),
               # After the listings' last deal (two days ago), so deal numbers follow time.
               (1, "11:30", "confirm", "coking_coalinst"),
               (1, "16:30", "attach_contract", "coking_coalinst")]),
    dict(key="hydrogen", owner="xiaoyicoal", deadline=-10, need=dict(
        title="焦炉煤气提纯制氢与加氢站建设技术",
        description="我公司拟将园区焦炉煤气提纯制氢与燃料电池重卡运输相结合，建设一座日加氢能力"
                    " 1000 公斤的加氢站，需要变压吸附提纯工艺包及加氢站设计与运维技术服务。",
        field="nev", keywords=["氢能", "焦炉煤气", "制氢", "加氢站"],
        indicators="氢气纯度达到 GB/T 37244 燃料电池用氢要求（不低于 99.97%）；氢气回收率不低于"
                   " 80%。",
        budget_min="2000000", budget_max="5000000",
        cooperation_modes=["licence_exclusive", "consulting", "service"]),
        steps=[(60, "10:00", "create"), (60, "10:30", "submit"), (57, "15:00", "publish"),
               (40, "09:30", "respond", "hydrogen_broker2", "broker2",
                "推介吕梁市煤炭科学研究所“焦炉煤气制氢与燃料电池重卡示范”成果：变压吸附提纯"
                "焦炉煤气制取燃料电池级氢气，配套重卡示范线路运行超过 50 万公里，可提供工艺包"
                "与加氢站运维培训。", dict(achievement=HYDROGEN)),
               (17, "08:00", "remind"),  # a week before the deadline
               (9, "00:05", "expire")]),  # the night after the deadline
    dict(key="gangue", owner="xiaoyicoal", deadline=20, need=dict(
        title="煤矸石井下充填与地面建材化综合利用技术",
        description="我公司合作煤矿每年产生煤矸石约 40 万吨，地面堆存占地且存在自燃风险。需要"
                    "煤矸石井下充填开采或地面制备建材的综合利用技术，实现矸石不出井或全部消纳。",
        field="environment", keywords=["煤矸石", "矸石充填", "固废利用"],
        indicators="矸石综合利用率不低于 90%；充填体 28 天抗压强度不低于 3 MPa。",
        budget_min="1000000", budget_max="2500000",
        cooperation_modes=["commissioned_development", "assignment"]),
        steps=[(70, "09:00", "create"), (70, "09:30", "submit"), (66, "10:00", "publish"),
               (58, "15:00", "respond", "gangue_luliangu", "luliangu",
                "我院煤矸石制陶粒成果已转让，现可在矸石充填材料配比与膏体充填工艺方面承接委托"
                "开发。"),
               (40, "10:00", "withdraw",
                "经比选，矸石将交由园区建材企业制备陶粒消纳，本需求撤回。")]),
    dict(key="walnut", owner="fenjiu", deadline=90, need=dict(
        title="核桃蛋白饮品及核桃粕高值化利用技术",
        description="我公司拟拓展核桃深加工业务，利用冷榨核桃油后的核桃粕生产核桃蛋白饮品和"
                    "核桃多肽，需要蛋白提取、脱苦与稳定均质工艺。",
        field="agriculture", keywords=["核桃", "深加工", "核桃蛋白"],
        indicators="蛋白提取率不低于 75%；饮品常温货架期不少于 9 个月。",
        budget_min="300000", budget_max="600000",
        cooperation_modes=["licence_sole", "commissioned_development"]),
        steps=[(2, "16:00", "create")]),
    dict(key="jujube", owner="fenjiu", deadline=90, need=dict(
        title="红枣精深加工：枣酒酿造与枣醋发酵技术",
        description="依托杏花村酿造传统，我公司拟利用临县、柳林的红枣资源开发红枣发酵酒和枣醋，"
                    "需要菌种选育、低甲醇发酵控制及风味保持工艺。",
        field="agriculture", keywords=["红枣", "精深加工", "发酵", "枣醋"],
        indicators="甲醇含量低于 GB 2757 限量的 50%；原料利用率不低于 85%。",
        budget_min="400000", budget_max="800000",
        cooperation_modes=["licence_ordinary", "commissioned_development", "consulting"]),
        steps=[(4, "10:00", "create"), (3, "09:30", "submit")]),
    dict(key="heritage", owner="fenjiu", deadline=60, need=dict(
        title="杏花村酒文化景区数字化展陈与智慧导览",
        description="我公司拟建设杏花村酒文化体验馆，需要对古酿酒作坊开展三维扫描与数字化复原，"
                    "建设虚拟现实展陈与手机智慧导览系统。",
        field="culture", keywords=["文旅", "数字化", "三维重建", "虚拟现实"],
        indicators="",
        budget_min="200000", budget_max="500000",
        cooperation_modes=["commissioned_development", "service"]),
        steps=[(12, "10:00", "create"), (11, "09:00", "submit"),
               (9, "16:00", "return", "请补充展陈面积、预期游客规模等技术指标，并明确数字化成果"
                                      "的知识产权归属。")]),
]

# How each story ends (the demo checks itself): the need's state, and its responses'.
EXPECTED = {
    "gas": "published", "uav": "published", "magnesium": "published",
    "storage": "closed:resolved", "coking": "closed:resolved", "hydrogen": "closed:expired",
    "gangue": "closed:withdrawn", "walnut": "draft", "jujube": "pending_review",
    "heritage": "returned",
}
EXPECTED_RESPONSES = {
    "gas_coalinst": "withdrawn", "gas_luliangu": "shortlisted", "gas_broker": "submitted",
    "uav_coalinst": "accepted", "magnesium_coalinst": "declined",
    "magnesium_luliangu": "submitted", "storage_luliangu": "submitted",
    "coking_coalinst": "dealt", "coking_luliangu": "declined",
    "hydrogen_broker2": "submitted", "gangue_luliangu": "submitted",
}


class _Demo:
    def __init__(self, bureau, now):
        self.bureau = bureau
        self.now = now
        self.today = now.astimezone(clock.LOCAL_TZ).date()
        self.ids = {}
        self.responses = {}
        self.users = {u.username: u for u in db.session.scalars(select(User).where(
            User.username.in_(("coalinst", "luliangu", "fenjiu", "xiaoyicoal", "broker",
                               "broker2"))))}
        self.achievements = {a.title: a.id for a in db.session.scalars(select(Achievement))}

    def moment(self, days_ago, hhmm):
        """`hhmm` in Lüliang, `days_ago` days before the day of seeding."""
        day = self.today - timedelta(days=days_ago)
        hour, minute = (int(part) for part in hhmm.split(":"))
        moment = datetime.combine(day, time(hour, minute), clock.LOCAL_TZ).astimezone(UTC)
        if moment >= self.now:
            raise ValueError(f"a demo step in the future: {days_ago} days ago at {hhmm}")
        return moment

    def open_listing(self, title):
        """The listing of the achievement `title` that is open on the market now."""
        return db.session.scalar(select(Listing.id).where(
            Listing.achievement_id == self.achievements[title], Listing.status.in_(OPEN)))

    def run(self, story, action, *args):
        need_id = self.ids.get(story["key"])
        owner = self.users[story["owner"]]
        if action == "create":
            data = NeedData(**story["need"],
                            deadline=self.today + timedelta(days=story["deadline"]))
            self.ids[story["key"]] = services.create(data, owner).id
        elif action == "submit":
            services.submit(need_id, owner)
        elif action in ("publish", "return"):
            services.review(need_id, action, self.bureau, args[0] if args else "")
        elif action in ("withdraw", "resolve"):
            getattr(services, action)(need_id, owner, args[0])
        elif action == "remind":
            services.remind_expiring()
        elif action == "expire":
            services.expire_due()
        elif action == "respond":
            key, responder, message, offer = (args + ({},))[:4]
            listing_id = self.open_listing(offer["listing"]) if "listing" in offer else None
            achievement_id = self.achievements.get(offer.get("achievement"))
            self.responses[key] = services.respond(need_id, self.users[responder], message,
                                                   listing_id, achievement_id).id
        elif action == "withdraw_response":
            response = db.session.get(Response, self.responses[args[0]])
            services.withdraw_response(response.id, response.user)
        elif action == "shortlist":
            services.shortlist(self.responses[args[0]], owner)
        elif action == "decline":
            services.decline_response(self.responses[args[0]], owner, args[1], args[2])
        elif action == "accept":
            services.accept_response(self.responses[args[0]], owner, args[1], args[2])
        elif action in ("confirm", "attach_contract"):
            response_id = self.responses[args[0]]
            seller = self.seller_of(response_id)
            if action == "confirm":
                services.confirm_response(response_id, seller)
            else:  # the seller has put the signed copy on the draft, not yet completed it
                deal = db.session.scalar(select(Deal).where(Deal.response_id == response_id))
                contracts.attach_signed_copy(deal.contract.id, _pdf("signed-contract.pdf"),
                                             seller)
        else:
            raise ValueError(action)

    def seller_of(self, response_id):
        """The institute member of the organisation that would sell."""
        org_id = db.session.get(Response, response_id).seller_org_id
        return next(u for u in self.users.values() if u.organization_id == org_id)


def _status(record):
    return f"closed:{record.closure}" if record.closure else str(record.status)


def load_needs(bureau, now=None):
    """Create the demo needs and their responses; returns {story key: need id}."""
    demo = _Demo(bureau, now or clock.now())
    steps = []
    for story in STORIES:
        for days_ago, hhmm, action, *args in story["steps"]:
            steps.append((demo.moment(days_ago, hhmm), len(steps), story, action, args))
    for moment, _, story, action, args in sorted(steps, key=lambda step: step[:2]):
        with market_time(moment):
            demo.run(story, action, *args)
    for key, need_id in demo.ids.items():
        record = db.session.get(Need, need_id)
        due = record.status == "published" and (
            record.deadline < demo.today
            or record.deadline <= demo.today + timedelta(days=EXPIRY_NOTICE_DAYS))
        if _status(record) != EXPECTED[key] or due:
            raise RuntimeError(f"demo need {key} ended {_status(record)} (deadline "
                               f"{record.deadline}); expected {EXPECTED[key]}")
    for key, response_id in demo.responses.items():
        status = db.session.get(Response, response_id).status
        if status != EXPECTED_RESPONSES[key]:
            raise RuntimeError(f"demo response {key} ended {status}; expected "
                               f"{EXPECTED_RESPONSES[key]}")
    return demo.ids
