"""Demonstration achievements from the plan's fields, registered through the real services."""
import io
from datetime import date

from werkzeug.datastructures import FileStorage

from . import clock
from .achievements import services as achievements
from .achievements.services import AchievementData, CompleterData, IPData
from .ip_numbers import check_character

# title, English title, field, category, keywords, summary, maturity, level, ip (digits)
ACHIEVEMENTS = [
    ("低渗透煤层气水平井分段压裂增产技术",
     "Staged fracturing of horizontal wells in low-permeability coal-bed methane "
     "reservoirs", "coal", "applied", ["煤层气", "水平井", "压裂"],
     "针对吕梁地区低渗透煤层气储层，形成水平井分段压裂工艺及配套工具，单井日产气量提高 40% 以上。",
     8, "domestic_leading", "201910234567"),
    ("煤矿瓦斯抽采钻孔智能封孔装置", "Intelligent sealing device for gas drainage boreholes",
     "coal", "applied", ["瓦斯", "抽采", "封孔"],
     "采用膨胀材料与压力自适应结构，瓦斯抽采浓度稳定在 60% 以上，已在孝义、柳林矿区应用。",
     7, "domestic_advanced", "202020345678"),
    ("电力巡检无人机自主避障与缺陷识别系统", "Autonomous obstacle avoidance and defect "
     "recognition for power-line inspection UAVs", "electronics", "applied",
     ["无人机", "巡检", "图像识别"],
     "基于多传感器融合的无人机自主飞行与深度学习缺陷识别，识别准确率 95%，适用于山区输电线路巡检。",
     7, "domestic_leading", "202110456789"),
    ("磷酸铁锂储能电池热管理技术", "Thermal management for LiFePO4 energy storage batteries",
     "power", "applied", ["储能", "电池", "热管理"],
     "液冷板与分区控温策略使储能电池簇温差控制在 3℃ 以内，循环寿命提升 20%。",
     6, "domestic_advanced", "202210567890"),
    ("高强韧镁合金挤压型材制备技术", "High-strength, high-toughness extruded magnesium alloy "
     "profiles", "materials", "applied", ["镁合金", "挤压", "轻量化"],
     "稀土微合金化与低温挤压工艺结合，型材抗拉强度达 380 MPa，可用于汽车与轨道交通轻量化。",
     6, "international_advanced", "202010678901"),
    ("核桃青皮综合利用与核桃油精深加工技术", "Walnut green husk utilisation and walnut oil "
     "deep processing", "agriculture", "applied", ["核桃", "深加工", "核桃油"],
     "冷榨脱苦与青皮多酚提取联产工艺，出油率提高 8%，青皮变废为宝。", 8, "domestic_leading",
     "201810789012"),
    ("红枣低糖果脯及枣粉加工工艺", "Low-sugar jujube preserves and jujube powder processing",
     "agriculture", "applied", ["红枣", "果脯", "枣粉"],
     "真空渗糖与低温喷雾干燥工艺，产品含糖量降低 35%，保留红枣风味和营养。", 9,
     "domestic_advanced", None),
    ("煤矸石制备陶粒及建材综合利用技术", "Ceramsite and building materials from coal gangue",
     "environment", "applied", ["煤矸石", "陶粒", "固废利用"],
     "以煤矸石为主要原料烧制轻质陶粒，固废掺量 80% 以上，产品达到 GB/T 17431 标准。",
     7, "domestic_leading", "201910890123"),
    ("焦炉煤气制氢与燃料电池重卡示范", "Hydrogen from coke-oven gas for fuel-cell trucks",
     "nev", "applied", ["氢能", "焦炉煤气", "燃料电池"],
     "变压吸附提纯焦炉煤气制取燃料电池级氢气，配套重卡示范线路运行超过 50 万公里。",
     7, "domestic_leading", "202110901234"),
    ("石墨烯改性导热涂料", "Graphene-modified thermally conductive coating", "materials",
     "applied", ["石墨烯", "导热", "涂料"],
     "石墨烯分散与界面改性技术，涂层导热系数提升 3 倍，用于电子散热与换热设备防腐。",
     5, "domestic_advanced", "202210012345"),
    ("吕梁山区文旅资源数字化保护与展示", "Digital protection and presentation of the Lüliang "
     "Mountains' cultural heritage", "culture", "soft", ["文旅", "数字化", "三维重建"],
     "对碛口古镇等文化资源开展三维扫描与数字化展示研究，形成保护利用方案。", 6, "not_evaluated",
     None),
    ("区域技术转移服务模式研究", "A model of regional technology-transfer services", "other",
     "soft", ["技术转移", "服务模式"],
     "分析资源型地区技术转移的障碍与对策，提出“技术经纪人+平台+基金”服务模式。", 4,
     "not_evaluated", None),
]

def demo_pdf_bytes(text="Demo document"):
    """A small, valid one-page PDF (with a correct cross-reference table) saying `text`."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 5 0 R>>>>"
        b"/Contents 4 0 R>>",
        b"<</Length %d>>stream\n" % len(stream) + stream + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def _pdf(name):
    return FileStorage(stream=io.BytesIO(demo_pdf_bytes(name.removesuffix(".pdf"))),
                       filename=name, content_type="application/pdf")


def load_achievements(institutes, bureau):
    """Create and register the demo achievements, alternating between the institutes. Their
    research and evaluation dates are counted back from the year they are registered in."""
    year = clock.today().year
    for i, (title, title_en, field, category, keywords, summary, trl, level, ip) in enumerate(
            ACHIEVEMENTS):
        owner = institutes[i % len(institutes)]
        items = [IPData("invention_patent", f"ZL{ip}.{check_character(ip)}", "granted")] \
            if ip else []
        data = AchievementData(
            title=title, title_en=title_en, category=category, field=field, keywords=keywords,
            summary=summary,
            details=f"{summary}\n\n技术方案、工艺参数与试验数据详见附件（保密内容，仅向授权单位披露）。",
            attribute="original" if i % 3 else "secondary", level=level, maturity=trl,
            research_start=f"{year - 5 - i % 3}-03", research_end=f"{year - 2 - i % 2}-12",
            source=("provincial_plan", "national_plan", "unplanned")[i % 3], secrecy="none",
            evaluation_method="appraisal" if category == "applied" else "assessment",
            evaluation_certificate=f"晋科鉴字〔{year - 1 - i % 2}〕第 {100 + i} 号",
            evaluation_date=date(year - 1 - i % 2, 6, 10),
            completers=[CompleterData("王建国" if i % 2 else "李明", owner.organization.name)],
            ip=items)
        record = achievements.create(data, owner)
        kinds = {"applied": ("evaluation_proof", "development_report"),
                 "basic": ("paper", "academic_evaluation"),
                 "soft": ("evaluation_proof", "research_report")}[category]
        for kind in kinds:
            achievements.attach_evidence(record.id, _pdf(f"{kind}.pdf"), kind, owner)
        achievements.submit(record.id, owner)
        if i < len(ACHIEVEMENTS) - 1:  # the last one stays in the bureau's queue
            achievements.review(record.id, "register", bureau, "材料齐全，准予登记。")
