"""Technology contract certification rules (SPEC.md §4): filing by the seller side, the
amount rules, submission refusals, working-day deadlines, the bureau's decision, 16-digit
registration numbers, certificates with tax hints, revocation and cancellation."""
import dataclasses
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from .. import audit, clock, credit_code, market, sequences, settings, workdays
from ..accounts.models import Organization, Role, User
from ..achievements.models import Achievement
from ..achievements.states import AchievementStatus
from ..codes import ABROAD, ENTITY_TYPES, FIELDS, PARTY_REGIONS, TECH_DOMAINS
from ..credit.services import record_event
from ..errors import Conflict, FieldErrors, NotFound, PermissionDenied, ValidationFailed
from ..extensions import db
from ..files.models import StoredFile
from ..files.services import path_of, register_access_rule, save_upload
from ..inbox.services import N_, notify
from ..listings.models import Deal
from ..money import parse_money
from ..search.outbox import queue_search_update
from ..workflow import commit, flush, transition
from .models import Contract, NonTechnicalItem
from .states import (
    IP_KINDS,
    PAYMENT_METHODS,
    PLAN_CATEGORIES,
    REJECTION_GROUNDS,
    REVOCATION_GROUNDS,
    STATUS_LABELS,
    SUBTYPES_OF,
    TYPES,
    WORKFLOW,
    ContractStatus,
)

S = ContractStatus
EDITABLE = (S.DRAFT, S.RETURNED)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
audit.register_labels(STATUS_LABELS, "contract")
audit.register_labels({"certify": _l("certified"), "cancel": _l("cancelled"),
                       "submit": _l("submitted"), "return": _l("returned for correction"),
                       "reject": _l("refused to register"), "revoke": _l("revoked"),
                       "upload_contract": _l("attached the signed contract")}, "contract")
audit.register_labels({"transferred": _l("marked transferred")}, "achievement")


@dataclass
class PartyData:
    name: str = ""
    credit_code: str | None = None
    entity_type: str = ""
    region: str = ""


@dataclass
class ItemData:
    name: str = ""
    amount: object = None


@dataclass
class ContractData:
    contract_type: str = ""
    subtype: str = ""
    title: str = ""
    is_import: bool = False
    seller: PartyData = dataclasses.field(default_factory=PartyData)
    buyer: PartyData = dataclasses.field(default_factory=PartyData)
    broker_name: str | None = None
    broker_id: int | None = None  # a verified broker of the market (its name is broker_name)
    signed_on: date | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    tech_domain: str = ""
    field: str | None = None
    ip_kind: str = "none"
    ip_numbers: str | None = None
    plan_category: str = "none"
    payment_method: str = ""
    total_amount: object = None
    items: list = dataclasses.field(default_factory=list)
    technology_amount: object = None
    expected_investment: object = None
    expected_output: object = None
    achievement_id: int | None = None
    deal_id: int | None = None


SIMPLE_FIELDS = ("contract_type", "subtype", "title", "is_import", "broker_name", "signed_on",
                 "valid_from", "valid_to", "tech_domain", "field", "ip_kind", "ip_numbers",
                 "plan_category", "payment_method", "achievement_id", "deal_id", "broker_id")
AMOUNT_FIELDS = ("total_amount", "technology_amount", "expected_investment", "expected_output")


# --- validation -------------------------------------------------------------------------------

def _party(errors, prefix, party: PartyData):
    if not (party.name or "").strip():
        errors.add(f"{prefix}.name", _l("This field is required."))
    elif len(party.name) > 200:
        errors.add(f"{prefix}.name", _l("At most %(n)d characters.", n=200))
    if party.entity_type not in ENTITY_TYPES:
        errors.add(f"{prefix}.entity_type", _l("Choose the entity type."))
    if party.region not in PARTY_REGIONS:
        errors.add(f"{prefix}.region", _l("Choose a county of Lüliang, a province, or abroad."))
    code = credit_code.normalize(party.credit_code or "")
    needs_code = party.region != ABROAD and party.entity_type != "individual"
    if code and not credit_code.is_valid(code):
        errors.add(f"{prefix}.credit_code", _l(
            "Not a valid unified social credit code: 18 characters with a correct check "
            "character (GB 32100-2015)."))
    elif not code and needs_code:
        errors.add(f"{prefix}.credit_code", _l("A party in China gives its unified social "
                                               "credit code."))
    party.credit_code = code or None


def validate(data: ContractData, filer: Organization, named_broker_id=None):
    """Every rule of a contract's fields; returns the amounts as Decimals. A broker of the
    market named by `broker_id` gives `broker_name` (its real name); it must be verified
    unless it is the one already named (`named_broker_id`)."""
    errors = FieldErrors()
    _named_broker(errors, data, named_broker_id)
    today = clock.today()
    if data.contract_type not in TYPES:
        errors.add("contract_type", _l("Choose the type of contract."))
    elif data.subtype not in SUBTYPES_OF[data.contract_type]:
        errors.add("subtype", _l("Choose a subtype of this type of contract."))
    if not (data.title or "").strip():
        errors.add("title", _l("This field is required."))
    elif len(data.title) > 200:
        errors.add("title", _l("At most %(n)d characters.", n=200))
    _party(errors, "seller", data.seller)
    _party(errors, "buyer", data.buyer)
    # The seller side files; for a technology import, the domestic buyer does.
    filing_side = data.buyer if data.is_import else data.seller
    if data.is_import and data.seller.region != ABROAD:
        errors.add("is_import", _l("In a technology import the seller is abroad."))
    # Without a credit code (an individual, a party abroad) the filing side is not the filer.
    code_field = "buyer.credit_code" if data.is_import else "seller.credit_code"
    if filing_side.credit_code != filer.credit_code and code_field not in errors.fields:
        errors.add(code_field, _l(
            "Only the seller side files a contract (the domestic buyer for an import): this "
            "must be your organisation's credit code."))
    for name in ("signed_on", "valid_from", "valid_to"):
        if getattr(data, name) is None:
            errors.add(name, _l("This field is required."))
    if data.signed_on and data.signed_on > today:
        errors.add("signed_on", _l("This date is in the future."))
    if data.valid_from and data.valid_to and data.valid_from > data.valid_to:
        errors.add("valid_to", _l("The contract cannot end before it starts."))
    if data.signed_on and data.valid_to and data.signed_on > data.valid_to:
        errors.add("valid_to", _l("The contract cannot end before it was signed."))
    if data.tech_domain not in TECH_DOMAINS:
        errors.add("tech_domain", _l("Choose the technology domain."))
    if data.field and data.field not in FIELDS:
        errors.add("field", _l("Not one of the allowed values."))
    if data.ip_kind not in IP_KINDS:
        errors.add("ip_kind", _l("Not one of the allowed values."))
    if data.plan_category not in PLAN_CATEGORIES:
        errors.add("plan_category", _l("Not one of the allowed values."))
    if data.payment_method not in PAYMENT_METHODS:
        errors.add("payment_method", _l("Choose the payment method."))
    total = parse_money(errors, "total_amount", data.total_amount, required=True, positive=True)
    items_sum = Decimal("0")
    for i, item in enumerate(data.items):
        if not (item.name or "").strip():
            errors.add(f"items.{i}.name", _l("This field is required."))
        amount = parse_money(errors, f"items.{i}.amount", item.amount, required=True,
                             positive=True)
        item.amount = amount
        items_sum += amount or 0
    technology = parse_money(errors, "technology_amount", data.technology_amount,
                             required=True)
    if total is not None and technology is not None:
        if technology <= 0 or technology > total:
            errors.add("technology_amount", _l(
                "The technology transaction amount must be more than zero and at most the "
                "contract amount."))
        elif technology != total - items_sum:
            errors.add("technology_amount", _l(
                "The technology transaction amount must equal the contract amount less the "
                "non-technical items (%(amount)s).", amount=f"{total - items_sum:.2f}"))
    investment = parse_money(errors, "expected_investment", data.expected_investment)
    output = parse_money(errors, "expected_output", data.expected_output)
    if (investment is not None or output is not None) and data.contract_type not in (
            "transfer", "licence"):
        errors.add("expected_output", _l("Expected investment and output are given for "
                                         "transfer and licence contracts only."))
    if data.deal_id:
        deal = db.session.get(Deal, data.deal_id)
        if deal is None or deal.seller_org_id != filer.id:
            errors.add("deal_id", _l("Choose a deal in which your organisation is the "
                                     "seller."))
    if data.achievement_id:
        achievement = db.session.get(Achievement, data.achievement_id)
        if (achievement is None or achievement.owner_org_id != filer.id
                or achievement.status != AchievementStatus.REGISTERED):
            errors.add("achievement_id", _l("Choose one of your organisation's registered "
                                            "achievements."))
    errors.raise_if_any()
    data.total_amount, data.technology_amount = total, technology
    data.expected_investment, data.expected_output = investment, output


def _named_broker(errors, data, named_broker_id):
    from ..brokers.engagements import display_name, is_verified_broker

    if data.broker_id in (None, ""):
        data.broker_id = None
        return
    user = db.session.get(User, data.broker_id) if str(data.broker_id).isdigit() else None
    if user is None or (user.id != named_broker_id and not is_verified_broker(user)):
        errors.add("broker_id", _l("Choose one of the market's verified technology brokers."))
        return
    data.broker_id, data.broker_name = user.id, display_name(user)


# --- access ---------------------------------------------------------------------------------------

def _counterparty_org_id(record):
    """The other party's organisation, when it is one of the market's (by credit code)."""
    code = record.seller_credit_code if record.is_import else record.buyer_credit_code
    if not code:
        return None
    return db.session.scalar(select(Organization.id).where(Organization.credit_code == code))


def is_filer(actor, record):
    return actor is not None and getattr(actor, "organization_id", None) == record.filer_org_id


def is_party(actor, record):
    """The filer, or the other party when it is a registered organisation."""
    if actor is None or getattr(actor, "organization_id", None) is None:
        return False
    if is_filer(actor, record):
        return True
    org = actor.organization
    counterpart = record.seller_credit_code if record.is_import else record.buyer_credit_code
    return bool(counterpart) and org is not None and org.credit_code == counterpart


def is_broker_of(actor, record):
    """The market's broker the contract names, or a broker on the deal it comes from."""
    if getattr(actor, "role", None) != Role.BROKER:
        return False
    deal = db.session.get(Deal, record.deal_id) if record.deal_id else None
    return actor.id == record.broker_id or (
        deal is not None and actor.id in (deal.seller_broker_id, deal.buyer_broker_id))


def may_view(actor, record):
    return is_party(actor, record) or is_broker_of(actor, record) or bool(
        actor is not None and getattr(actor, "is_officer", False))


def get_visible(contract_id, actor) -> Contract:
    record = db.session.get(Contract, contract_id)
    if record is None or not may_view(actor, record):
        raise NotFound()
    return record


def _editable(contract_id, actor):
    record = get_visible(contract_id, actor)
    if not is_filer(actor, record):
        raise PermissionDenied(_l("Only the filing side can change the contract."))
    if record.status not in EDITABLE:
        raise Conflict(_l("Only a draft or a returned contract can be changed."))
    return record


def note_signed_copies(records):
    """Note on each of `records` whether it has a signed copy, in one query (for lists; see
    has_signed_copy)."""
    ids = {r.id for r in records}
    having = set(db.session.scalars(select(StoredFile.entity_id).where(
        StoredFile.entity == "contract", StoredFile.entity_id.in_(sorted(ids))))) if ids else ()
    for record in records:
        record.signed_copy_noted = record.id in having


def has_signed_copy(record):
    noted = getattr(record, "signed_copy_noted", None)
    return noted if noted is not None else signed_copy(record) is not None


def signed_copy(record):
    return db.session.scalar(select(StoredFile).where(
        StoredFile.entity == "contract", StoredFile.entity_id == record.id)
        .order_by(StoredFile.id.desc()).limit(1))


def _file_rule(user, stored):
    record = db.session.get(Contract, stored.entity_id) if stored.entity_id else None
    return record is not None and may_view(user, record)


register_access_rule("contract", _file_rule)


# --- drafting --------------------------------------------------------------------------------

def _apply(record, data: ContractData):
    for name in SIMPLE_FIELDS:
        value = getattr(data, name)
        setattr(record, name, value.strip() if isinstance(value, str) else value)
    for side in ("seller", "buyer"):
        party = getattr(data, side)
        setattr(record, f"{side}_name", party.name.strip())
        setattr(record, f"{side}_credit_code", party.credit_code)
        setattr(record, f"{side}_entity_type", party.entity_type)
        setattr(record, f"{side}_region", party.region)
    for name in AMOUNT_FIELDS:
        setattr(record, name, getattr(data, name))
    record.items = [NonTechnicalItem(position=i + 1, name=item.name.strip(), amount=item.amount)
                    for i, item in enumerate(data.items)]


def data_of(record) -> ContractData:
    data = ContractData(**{name: getattr(record, name) for name in SIMPLE_FIELDS + AMOUNT_FIELDS})
    for side in ("seller", "buyer"):
        setattr(data, side, PartyData(getattr(record, f"{side}_name"),
                                      getattr(record, f"{side}_credit_code"),
                                      getattr(record, f"{side}_entity_type"),
                                      getattr(record, f"{side}_region")))
    data.items = [ItemData(i.name, i.amount) for i in record.items]
    return data


def create(data: ContractData, actor) -> Contract:
    """The seller side drafts a contract for certification."""
    if actor.role not in (Role.INSTITUTE, Role.ENTERPRISE) or actor.organization is None:
        raise PermissionDenied(_l("Only the organisations that are party to a contract file "
                                  "it."))
    validate(data, actor.organization)
    moment = clock.now()
    record = Contract(filer_org_id=actor.organization_id, created_by_id=actor.id,
                      status=S.DRAFT, created_at=moment, updated_at=moment)
    _apply(record, data)
    db.session.add(record)
    db.session.flush()
    audit.record("contract", record.id, "create", actor, to_state=S.DRAFT)
    commit()
    return record


def update(contract_id, data: ContractData, actor) -> Contract:
    record = _editable(contract_id, actor)
    validate(data, actor.organization, record.broker_id)
    old_amounts = (record.total_amount, record.technology_amount)
    _apply(record, data)
    record.updated_at = clock.now()
    audit.record("contract", record.id, "edit", actor,
                 **({"old_total": str(old_amounts[0]), "new_total": str(record.total_amount),
                     "old_technology": str(old_amounts[1]),
                     "new_technology": str(record.technology_amount)}
                    if old_amounts != (record.total_amount, record.technology_amount) else {}))
    commit()
    return record


def attach_signed_copy(contract_id, file_storage, actor):
    """The signed contract as a PDF (scans as images are not accepted: one PDF file)."""
    record = _editable(contract_id, actor)
    stored = save_upload(file_storage, actor, entity="contract", entity_id=record.id,
                         kind="signed_contract")
    if stored.content_type != "application/pdf":
        # Not left pending in the session (a later commit would attach it), nor on disk.
        db.session.expunge(stored)
        path_of(stored).unlink(missing_ok=True)
        raise ValidationFailed(fields={"file": [_l("Upload the signed contract as a PDF.")]})
    record.updated_at = clock.now()
    flush()
    audit.record("contract", record.id, "upload_contract", actor, comment=stored.original_name,
                 file_id=stored.id)
    commit()
    return stored


# --- drafts from deals -------------------------------------------------------------------------

# The plan's industry fields, as the national statistics' technology domain they suggest.
FIELD_DOMAINS = {"coal": "new_energy", "power": "new_energy", "materials": "new_materials",
                 "equipment": "advanced_manufacturing", "electronics": "electronics_it",
                 "environment": "environment", "nev": "new_energy",
                 "biomedicine": "biomedicine", "agriculture": "agriculture",
                 "culture": "urban_social"}
# A listing's transfer mode as a contract type (作价入股 transfers the technology as capital).
MODE_TYPES = {"assignment": "transfer", "equity": "transfer", "licence_exclusive": "licence",
              "licence_sole": "licence", "licence_ordinary": "licence",
              "joint_development": "development", "commissioned_development": "development",
              "consulting": "consulting", "service": "service"}
PATENTS = ("invention_patent", "utility_model", "design")
DEAL_LEAVES_OPEN = ("signed_on", "valid_from", "valid_to", "tech_domain", "payment_method")


def _subtype(contract_type, mode, ip_item):
    kind = ip_item.type if ip_item else "technical_secret"
    if contract_type == "development":
        return "commissioned" if mode == "commissioned_development" else "cooperative"
    if contract_type in ("consulting", "service"):
        return contract_type
    if kind in PATENTS:
        if contract_type == "licence":
            return "patent"
        return "patent_right" if ip_item.status == "granted" else "patent_application"
    return "technical_secret" if kind == "technical_secret" else "other_ip"


def _party_of(org):
    return {"name": org.name, "credit_code": org.credit_code,
            "entity_type": org.entity_type, "region": org.county}


def draft_from_deal(deal, actor):
    """The technology contract a deal pre-fills for its seller to complete and file: type
    from the transfer mode, the parties, the price, the achievement (or the need) and its IP.
    Dates, the technology domain and the payment method are the seller's to complete
    (checked at submission)."""
    from ..brokers.engagements import display_name

    achievement = deal.achievement
    subject = achievement or deal.need
    contract_type = MODE_TYPES[deal.transfer_mode]
    ip_items = list(achievement.ip_items) if achievement else []
    with force_locale("zh"):  # contract titles are written in Chinese
        title = f"{subject.title}{TYPES[contract_type]}合同"[:200]
    # The market's broker it names: the seller's, else the buyer's (its real name).
    broker = deal.seller_broker or deal.buyer_broker
    moment = clock.now()
    record = Contract(
        filer_org_id=deal.seller_org_id, created_by_id=actor.id, deal_id=deal.id,
        achievement_id=deal.achievement_id, contract_type=contract_type,
        subtype=_subtype(contract_type, deal.transfer_mode, ip_items[0] if ip_items else None),
        title=title,
        broker_id=broker.id if broker else None,
        broker_name=display_name(broker) if broker else None,
        tech_domain=FIELD_DOMAINS.get(subject.field), field=subject.field,
        ip_kind=ip_items[0].type if ip_items else "none",
        ip_numbers=", ".join(i.number for i in ip_items) or None,
        total_amount=deal.price, technology_amount=deal.price,
        status=S.DRAFT, created_at=moment, updated_at=moment)
    for side, org in (("seller", deal.seller), ("buyer", deal.buyer)):
        for name, value in _party_of(org).items():
            setattr(record, f"{side}_{name}", value)
    db.session.add(record)
    db.session.flush()
    audit.record("contract", record.id, "create", actor, to_state=S.DRAFT, deal_id=deal.id)
    return record


# --- the workflow --------------------------------------------------------------------------------

def _officers():
    return db.session.scalars(select(User).where(User.role == Role.BUREAU,
                                                 User.active.is_(True))).all()


def _party_users(record):
    org_ids = [record.filer_org_id]
    other = _counterparty_org_id(record)
    if other:
        org_ids.append(other)
    return db.session.scalars(select(User).where(User.organization_id.in_(org_ids),
                                                 User.active.is_(True))).all()


def _record_credit(record, kind, actor, comment=None):
    """A credit event for everyone the contract names: the filer, the other party when it is
    one of the market's organisations, and the market's broker it names."""
    other = _counterparty_org_id(record)
    for org_id in dict.fromkeys((record.filer_org_id, other)):
        if org_id is not None:
            record_event(kind, org_id=org_id, entity="contract", entity_id=record.id,
                         actor=actor, comment=comment)
    if record.broker_id is not None:
        record_event(kind, broker_id=record.broker_id, entity="contract",
                     entity_id=record.id, actor=actor, comment=comment)


def review_days(record):
    large = record.technology_amount >= settings.get("contract_large_threshold")
    return settings.get("contract_review_days_large" if large else "contract_review_days")


def _same_contract(record):
    return db.session.scalar(select(Contract.id).where(
        Contract.id != record.id, Contract.status.in_((S.SUBMITTED, S.CERTIFIED)),
        Contract.signed_on == record.signed_on, Contract.total_amount == record.total_amount,
        func.coalesce(Contract.seller_credit_code, Contract.seller_name)
        == (record.seller_credit_code or record.seller_name),
        func.coalesce(Contract.buyer_credit_code, Contract.buyer_name)
        == (record.buyer_credit_code or record.buyer_name)).limit(1))


def submit(contract_id, actor, expected_version=None):
    """Apply for certification; the decision is due in 15 (or 30) working days."""
    record = get_visible(contract_id, actor)
    WORKFLOW.check(record, "submit", actor, expected_version)
    problems = FieldErrors()
    # A draft a deal pre-filled is completed (and so validated) before it is filed.
    for name in DEAL_LEAVES_OPEN:
        if getattr(record, name) is None:
            problems.add(name, _l("This field is required."))
    problems.raise_if_any()
    today = clock.today()
    if not record.valid_from <= today <= record.valid_to:
        problems.add("valid_to", _l("A contract is filed within its validity period "
                                    "(%(start)s to %(end)s).", start=record.valid_from,
                                    end=record.valid_to))
    if signed_copy(record) is None:
        problems.add("file", _l("Attach the signed contract as a PDF."))
    if _same_contract(record):
        problems.add("title", _l("The same contract (parties, signing date and amount) has "
                                 "already been filed."))
    if not record.filer.is_verified:
        problems.add("organization", _l("Your organisation must be verified by the bureau "
                                        "before it can submit."))
    problems.raise_if_any()
    transition(WORKFLOW, record, "submit", actor, expected_version=expected_version)
    moment = clock.now()
    record.submitted_at = record.updated_at = moment
    # A resubmission after correction restarts the clock; the day of submission is not counted.
    record.due_on = workdays.add_working_days(today, review_days(record))
    record.due_soon_notified_on = None
    notify(_officers(), N_("A technology contract awaits certification: %(title)s (due "
                           "%(due)s)"), link=f"/bureau/contracts/{record.id}",
           title=record.title, due=record.due_on.isoformat())
    commit()
    return record


def _registration_number(moment):
    year = moment.astimezone(clock.LOCAL_TZ).year
    serial = sequences.next_value("contract", year)
    if serial > 9999:
        raise Conflict(_l("This year's registration numbers are used up."))
    return (f"{year}{settings.get('contract_area_code')}"
            f"{settings.get('contract_point_code')}{serial:04d}")


def review(contract_id, decision, actor, comment=None, ground=None, expected_version=None):
    """The bureau certifies, returns for correction (补正) or refuses (不予登记) on a ground."""
    if decision not in ("certify", "return", "reject"):
        raise ValidationFailed(fields={"decision": [_l("Choose certify, return or reject.")]})
    record = get_visible(contract_id, actor)
    WORKFLOW.check(record, decision, actor, expected_version)
    comment = (comment or "").strip()
    errors = FieldErrors()
    if decision in ("return", "reject") and not comment:
        errors.add("comment", _l("Say why; the applicant will see it."))
    if decision == "reject" and ground not in REJECTION_GROUNDS:
        errors.add("ground", _l("Choose the ground for not registering."))
    errors.raise_if_any()
    transition(WORKFLOW, record, decision, actor, comment, expected_version=expected_version,
               **({"ground": ground} if decision == "reject" else {}))
    moment = clock.now()
    record.review_comment, record.updated_at = comment or None, moment
    record.ground = ground if decision == "reject" else None
    if decision == "certify":
        record.registration_number = _registration_number(moment)
        record.verification_code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        record.certified_at, record.certified_by_id = moment, actor.id
        _mark_transferred(record, actor)
        _record_credit(record, "contract_certified", actor)
        message = N_("Contract %(title)s is certified and registered as No. %(number)s.")
    elif decision == "return":
        message = N_("Contract %(title)s was returned for correction: %(comment)s")
    else:
        if ground == "false":
            record_event("submission_false", org_id=record.filer_org_id, entity="contract",
                         entity_id=record.id, actor=actor, comment=comment)
        message = N_("Contract %(title)s was not registered: %(comment)s")
    notify(_party_users(record), message, link=f"/contracts/{record.id}", title=record.title,
           number=record.registration_number or "", comment=comment)
    commit()
    return record


def _mark_transferred(record, actor):
    """A registered achievement cited by a certified contract is marked transferred."""
    if not record.achievement_id:
        return
    achievement = db.session.get(Achievement, record.achievement_id)
    if achievement is not None and not achievement.transferred:
        achievement.transferred = True
        audit.record("achievement", achievement.id, "transferred", actor,
                     contract_id=record.id)
        queue_search_update("achievement", achievement.id)


def revoke(contract_id, actor, ground, comment, expected_version=None):
    """The bureau revokes a certification: false, duplicate or invalidated."""
    record = get_visible(contract_id, actor)
    WORKFLOW.check(record, "revoke", actor, expected_version)
    errors = FieldErrors()
    if ground not in REVOCATION_GROUNDS:
        errors.add("ground", _l("Choose the ground for revoking."))
    if not (comment or "").strip():
        errors.add("comment", _l("Say why; the applicant will see it."))
    errors.raise_if_any()
    transition(WORKFLOW, record, "revoke", actor, comment.strip(),
               expected_version=expected_version, ground=ground)
    record.ground, record.review_comment = ground, comment.strip()
    record.updated_at = clock.now()
    _record_credit(record, "certificate_revoked", actor, comment.strip())
    if ground == "false":
        record_event("submission_false", org_id=record.filer_org_id, entity="contract",
                     entity_id=record.id, actor=actor, comment=comment.strip())
    notify(_party_users(record), N_("The certification of contract %(title)s was revoked: "
                                    "%(comment)s"), link=f"/contracts/{record.id}",
           title=record.title, comment=comment.strip())
    commit()
    return record


def cancel(contract_id, actor, comment, expected_version=None):
    """The parties ended the contract (注销); the filing side records it."""
    record = get_visible(contract_id, actor)
    WORKFLOW.check(record, "cancel", actor, expected_version)
    if not (comment or "").strip():
        raise ValidationFailed(fields={"comment": [_l("Say why the contract ended.")]})
    transition(WORKFLOW, record, "cancel", actor, comment.strip(),
               expected_version=expected_version)
    record.review_comment, record.updated_at = comment.strip(), clock.now()
    notify(_officers(), N_("Contract %(title)s was cancelled by the parties."),
           link=f"/bureau/contracts/{record.id}", title=record.title)
    commit()
    return record


# --- the bureau's queue and the timed reminders ------------------------------------------------

def review_queue():
    """Submitted contracts, the earliest due first."""
    return db.session.scalars(select(Contract).where(Contract.status == S.SUBMITTED)
                              .order_by(Contract.due_on, Contract.submitted_at)).all()


def is_overdue(record, today=None):
    return (record.status == S.SUBMITTED and record.due_on is not None
            and record.due_on < (today or clock.today()))


def remind_due_soon(days=2):
    """Tell officers once about each submission due within `days` working days (or overdue)."""
    today = clock.today()
    horizon = workdays.add_working_days(today, days)
    due = db.session.scalars(select(Contract).where(
        Contract.status == S.SUBMITTED, Contract.due_on <= horizon,
        or_(Contract.due_soon_notified_on.is_(None), Contract.due_soon_notified_on < today)
    )).all()
    officers = _officers()
    for record in due:
        message = (N_("Contract %(title)s is overdue: it was due %(due)s.")
                   if record.due_on < today else
                   N_("Contract %(title)s is due %(due)s."))
        notify(officers, message, link=f"/bureau/contracts/{record.id}", title=record.title,
               due=record.due_on.isoformat())
        record.due_soon_notified_on = today
    db.session.commit()
    return len(due)


market.register_job("contract review reminders", remind_due_soon)


# --- certificates --------------------------------------------------------------------------------

def _years_after(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def tax_hints(record):
    """Hints (not tax decisions) about the benefits a certified contract may open."""
    hints = []
    if record.contract_type in ("transfer", "development", "licence"):
        hints.append(_l("Value-added tax: income from technology transfer and technology "
                        "development, and from the consulting and services related to them, "
                        "may be exempt."))
    elif record.contract_type in ("consulting", "service"):
        hints.append(_l("Value-added tax: consulting and services may be exempt when they "
                        "are part of a technology transfer or development."))
    ownership = record.contract_type == "transfer"
    # Five years or more: the last day counts, so 2026-01-01 to 2030-12-31 is five years
    # (a count of days / 365.25 made that, and even 2026-01-01 to 2031-01-01, shorter).
    long_licence = record.contract_type == "licence" and (
        record.valid_to + timedelta(days=1) >= _years_after(record.valid_from, 5))
    if ownership or long_licence:
        hints.append(_l("Enterprise income tax: for transfers of ownership and licences of "
                        "five years or more, the first 5,000,000 yuan of a year's technology "
                        "transfer income may be exempt and the rest halved."))
    return hints


def by_registration_number(number, code):
    record = db.session.scalar(select(Contract).where(Contract.registration_number == number))
    if record is None or not code or not secrets.compare_digest(
            record.verification_code or "", code.strip().upper()):
        raise NotFound()
    return record
