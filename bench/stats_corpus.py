"""Synthetic technology contracts for the statistics: the same rows for a given seed.

Used by bench/bench_stats.py (10,000 and 100,000 certified contracts) and by tests/stats/
(a few hundred, random but seeded). Rows are plain dicts for a bulk INSERT into `contracts`:
every column the statistics read is varied (type, field, technology domain, both parties'
entity types and regions, imports, amounts, submission and certification times), and some
values are left out (field, technology domain) as older records may.
"""
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from marketplace.codes import ABROAD, COUNTIES, ENTITY_TYPES, FIELDS, PROVINCES, TECH_DOMAINS
from marketplace.contracts.states import SUBTYPES_OF

SEED = 20260701
CERTIFIED = "certified"
OTHER_STATES = ("draft", "submitted", "returned", "rejected", "revoked", "cancelled")


def _region(rng):
    roll = rng.random()
    if roll < 0.6:
        return rng.choice(list(COUNTIES))
    return ABROAD if roll < 0.65 else rng.choice(list(PROVINCES))


def _amounts(rng):
    total = Decimal(rng.randrange(1_000_000, 5_000_000_000)) / 100  # 10,000 to 50 million yuan
    technology = total if rng.random() < 0.6 else (
        total * Decimal(rng.randrange(50, 100)) / 100).quantize(Decimal("0.01"))
    return total, max(technology, Decimal("0.01"))


def contract_row(rng, serial, filer_org_id, user_id, certified_at, status=CERTIFIED):
    """One contract certified (or last moved) at `certified_at` (aware UTC)."""
    contract_type = rng.choice(list(SUBTYPES_OF))
    seller_region, buyer_region = _region(rng), _region(rng)
    is_import = seller_region == ABROAD and rng.random() < 0.8
    total, technology = _amounts(rng)
    submitted_at = certified_at - timedelta(days=rng.randrange(1, 40), hours=rng.randrange(8))
    certified = status in (CERTIFIED, "revoked", "cancelled")
    return dict(
        filer_org_id=filer_org_id, created_by_id=user_id, contract_type=contract_type,
        subtype=rng.choice(SUBTYPES_OF[contract_type]), title=f"统计样本合同{serial}",
        is_import=is_import,
        seller_name=f"卖方{serial % 997}", seller_credit_code=None,
        seller_entity_type=rng.choice(list(ENTITY_TYPES)), seller_region=seller_region,
        buyer_name=f"买方{serial % 991}", buyer_credit_code=None,
        buyer_entity_type=rng.choice(list(ENTITY_TYPES)), buyer_region=buyer_region,
        signed_on=(submitted_at - timedelta(days=10)).date(),
        valid_from=(submitted_at - timedelta(days=10)).date(),
        valid_to=(submitted_at + timedelta(days=365)).date(),
        tech_domain=rng.choice(list(TECH_DOMAINS)) if rng.random() < 0.95 else None,
        field=rng.choice(list(FIELDS)) if rng.random() < 0.9 else None,
        ip_kind="none", plan_category="none", payment_method="lump_sum",
        total_amount=total, technology_amount=technology, status=status, version=1,
        submitted_at=submitted_at if status != "draft" else None,
        registration_number=f"{certified_at.year}{serial:012d}" if certified else None,
        verification_code="STATS234" if certified else None,
        certified_at=certified_at if certified else None,
        created_at=submitted_at - timedelta(days=1), updated_at=certified_at,
    )


def random_moment(rng, year):
    """A moment in `year` (UTC), any second of it."""
    start = datetime(year, 1, 1, tzinfo=UTC)
    seconds = int((datetime(year + 1, 1, 1, tzinfo=UTC) - start).total_seconds())
    return start + timedelta(seconds=rng.randrange(seconds))


def contract_rows(count, filer_org_id, user_id, years=(2025, 2026), seed=SEED,
                  other_states=0.0, first_serial=1):
    """`count` contracts spread over `years`; a share `other_states` of them are in a state
    that does not count (draft, submitted, returned, rejected, revoked, cancelled)."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        status = rng.choice(OTHER_STATES) if rng.random() < other_states else CERTIFIED
        rows.append(contract_row(rng, first_serial + i, filer_org_id, user_id,
                                 random_moment(rng, rng.choice(years)), status))
    return rows
