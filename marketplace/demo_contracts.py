"""Demonstration technology contracts over two years, filed and certified through the real
services at the time they happened (the demo moves the market clock, as the tests do)."""
import random
import tempfile
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from flask import current_app

from . import clock
from .contracts import services as contracts
from .contracts.services import ContractData, ItemData, PartyData
from .credit_code import check_character
from .demo_achievements import _pdf

# Buyers that are not on the platform: name, entity type, region, credit-code stem.
OUTSIDE_BUYERS = [
    ("山西焦煤集团有限责任公司", "state_enterprise", "140000", "91140000110001"),
    ("柳林县兴旺煤业有限公司", "private_enterprise", "141125", "91141125MA0011"),
    ("中阳县钢铁有限公司", "private_enterprise", "141129", "91141129MA0012"),
    ("交城县义望铁合金有限责任公司", "private_enterprise", "141122", "91141122MA0013"),
    ("文水县农业科技开发有限公司", "private_enterprise", "141121", "91141121MA0014"),
    ("临县红枣产业发展有限公司", "private_enterprise", "141124", "91141124MA0015"),
    ("陕西延长石油（集团）有限责任公司", "state_enterprise", "610000", "91610000220016"),
    ("内蒙古伊泰煤炭股份有限公司", "state_enterprise", "150000", "91150000110017"),
    ("北京中科储能技术有限公司", "private_enterprise", "110000", "91110108MA0018"),
    ("兴县华润联盛能源有限公司", "state_enterprise", "141123", "91141123MA0019"),
    ("石楼县文旅发展集团有限公司", "state_enterprise", "141126", "91141126MA0020"),
    ("方山县北武当旅游开发有限公司", "private_enterprise", "141128", "91141128MA0021"),
]
# type, subtype, tech domain, field, title pattern
KINDS = [
    ("development", "commissioned", "new_energy", "coal", "{}煤层气抽采工艺委托开发合同"),
    ("development", "cooperative", "new_materials", "materials", "{}镁合金构件合作开发合同"),
    ("transfer", "patent_right", "environment", "environment", "{}煤矸石陶粒专利权转让合同"),
    ("transfer", "technical_secret", "agriculture", "agriculture", "{}核桃深加工技术秘密转让合同"),
    ("licence", "patent", "electronics_it", "electronics", "{}无人机巡检专利实施许可合同"),
    ("licence", "technical_secret", "new_energy", "power", "{}储能电池热管理技术许可合同"),
    ("consulting", "consulting", "urban_social", "culture", "{}文旅数字化技术咨询合同"),
    ("service", "service", "advanced_manufacturing", "equipment", "{}矿山装备技术服务合同"),
    ("service", "training", "agriculture", "agriculture", "{}红枣加工技术培训合同"),
    ("service", "intermediary", "new_energy", "nev", "{}氢能重卡技术中介服务合同"),
]


def _code(stem):
    first17 = (stem + "0" * 17)[:17]
    return first17 + check_character(first17)


@contextmanager
def market_time(moment):
    """Run the block as if it were `moment` (through the clock file, like the tests)."""
    previous = current_app.config.get("MARKET_CLOCK_FILE")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "clock"
        path.write_text(moment.isoformat())
        current_app.config["MARKET_CLOCK_FILE"] = str(path)
        try:
            yield
        finally:
            current_app.config["MARKET_CLOCK_FILE"] = previous


def load_contracts(sellers, buyers, bureau, now=None):
    """File contracts month by month over last year and this year; most are certified."""
    rng = random.Random(2014)  # the plan's year: the same demo every time
    now = now or clock.now()
    start = datetime(now.year - 1, 1, 5, 2, 0, tzinfo=UTC)
    months = (now.year - start.year) * 12 + now.month
    outside = [PartyData(name, _code(stem), entity, region)
               for name, entity, region, stem in OUTSIDE_BUYERS]
    on_platform = [PartyData(o.name, o.credit_code, o.entity_type, o.county) for o in buyers]
    serial = 0
    for month in range(months):
        # More contracts this year than last: the growth the plan asks for.
        for _ in range(rng.randint(2, 3) + (1 if month >= 12 and rng.random() < 0.5 else 0)):
            serial += 1
            filed = start + timedelta(days=month * 30.4 + rng.randint(0, 20))
            if filed > now - timedelta(days=1):
                continue
            user = sellers[serial % len(sellers)]
            org = user.organization
            kind, subtype, domain, field, title = KINDS[serial % len(KINDS)]
            buyer = rng.choice(outside + on_platform)
            if buyer.name == org.name:
                buyer = outside[serial % len(outside)]
            total = Decimal(rng.choice((8, 12, 20, 35, 50, 80, 120, 260, 480, 650))) * 10000
            items = ([ItemData("配套检测仪器", (total * Decimal("0.15")).quantize(Decimal("1")))]
                     if kind in ("development", "service") and rng.random() < 0.4 else [])
            technology = total - sum((i.amount for i in items), Decimal("0"))
            signed = filed.date() - timedelta(days=rng.randint(3, 20))
            data = ContractData(
                contract_type=kind, subtype=subtype, title=title.format(f"{serial:03d}号"),
                seller=PartyData(org.name, org.credit_code, org.entity_type, org.county),
                buyer=buyer, signed_on=signed, valid_from=signed,
                valid_to=signed + timedelta(days=365 * rng.choice((1, 2, 3, 5, 6))),
                tech_domain=domain, field=field, payment_method=rng.choice(
                    ("lump_sum", "instalments", "royalty", "royalty_with_fee")),
                total_amount=total, items=items, technology_amount=technology,
                expected_investment=total * 2 if kind in ("transfer", "licence") else None,
                expected_output=total * 5 if kind in ("transfer", "licence") else None)
            with market_time(filed):
                record = contracts.create(data, user)
                contracts.attach_signed_copy(record.id, _pdf("signed-contract.pdf"), user)
                contracts.submit(record.id, user)
            decided = filed + timedelta(days=rng.randint(4, 18))
            if decided >= now - timedelta(days=3) or (month >= months - 2 and serial % 4 == 0):
                continue  # recent filings (and a few overdue ones) wait in the bureau's queue
            with market_time(decided):
                if serial % 17 == 0:
                    contracts.review(record.id, "return", bureau,
                                     "请补充合同双方盖章页。")
                else:
                    contracts.review(record.id, "certify", bureau, "符合技术合同认定规则。")
    return serial
