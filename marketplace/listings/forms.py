"""Listing forms: they collect input; the rules are in services.py and trading.py."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField

from ..codes import FIELDS as INDUSTRY_FIELDS
from .services import AMOUNTS, FIELDS, ListingData, data_of
from .states import DECLINE_REASONS, TRANSFER_MODES


def _choices(mapping, blank=_l("Choose…")):
    return ([("", blank)] if blank else []) + list(mapping.items())


def _select(label, choices, **kwargs):
    # The services check the codes, with messages that name the field.
    return SelectField(label, choices=choices, validate_choice=False, **kwargs)


class ListingForm(FlaskForm):
    """New, edit and change: the same fields (the achievement is fixed on a change)."""

    achievement_id = _select(_l("Achievement"), [])
    transfer_mode = _select(_l("Transfer mode"), _choices(TRANSFER_MODES))
    licence_term_years = StringField(_l("Licence term (years)"))
    licence_territory = StringField(_l("Licence territory"),
                                    description=_l("Where the licensee may use the technology, "
                                                   "such as “Shanxi Province”"))
    negotiable = BooleanField(_l("The price is negotiable (no asking price)"))
    asking_price = StringField(_l("Asking price (yuan)"))
    reserve_price = StringField(_l("Reserve price (yuan)"),
                                description=_l("The lowest bid accepted if buyers bid"))
    bid_increment = StringField(_l("Bid increment (yuan)"),
                                description=_l("Each bid beats the best bid by at least this"))
    announcement_days = StringField(_l("Announcement period (days)"))
    listing_days = StringField(_l("Listing period (days)"),
                               description=_l("How long the listing stays open for intents "
                                              "if none came during the announcement"))
    bidding_days = StringField(_l("Bidding period (days)"),
                               description=_l("Used when two or more buyers qualify"))
    buyer_conditions = TextAreaField(
        _l("Conditions a buyer must meet"),
        description=_l("Qualifications, capital, experience… They may not name a particular "
                       "party."))
    seller_broker_id = _select(_l("Your technology broker (optional)"), [])
    seller_broker_commission = StringField(_l("Broker's commission (yuan, optional)"))
    version = HiddenField()

    def listing_data(self):
        """What was typed, as the services take it (they check every rule)."""
        data = ListingData(**{name: getattr(self, name).data for name in FIELDS})
        data.achievement_id = int(self.achievement_id.data) if (
            self.achievement_id.data or "").isdigit() else None
        if self.negotiable.data:
            data.asking_price = None
        data.seller_broker_id = self.seller_broker_id.data or None
        return data

    def fill_from(self, record):
        for name, value in vars(data_of(record)).items():
            if value is not None and name in AMOUNTS:
                value = f"{value:.2f}"
            getattr(self, name).data = "" if value is None else str(value)
        self.negotiable.data = record.asking_price is None
        self.version.data = record.version


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    state = _select(_l("State"), [("open", _l("Open for trading")),
                                  ("all", _l("All, closed ones too"))])
    field = _select(_l("Field"), _choices(INDUSTRY_FIELDS, _l("All fields")))
    mode = _select(_l("Transfer mode"), _choices(TRANSFER_MODES, _l("All transfer modes")))


class ActionForm(FlaskForm):
    """Submit, renew, intent withdrawal: only the CSRF token and the version seen."""

    version = HiddenField()


class WithdrawForm(FlaskForm):
    comment = TextAreaField(_l("Why (optional)"))
    version = HiddenField()


class IntentForm(FlaskForm):
    statement = TextAreaField(_l("Your statement"),
                              description=_l("Who you are and how you meet the buyer "
                                             "conditions. The seller reads it."))
    offered_price = StringField(_l("Price you offer (yuan, optional)"))
    broker_id = _select(_l("Your technology broker (optional)"), [])
    broker_commission = StringField(_l("Broker's commission (yuan, optional)"))


class DeclineForm(FlaskForm):
    """Declining an intent or a deal: a reason category and a comment (SPEC.md §3)."""

    reason = _select(_l("Reason"), _choices(DECLINE_REASONS))
    comment = TextAreaField(_l("Comment"), description=_l("The other side sees it."))


class BidForm(FlaskForm):
    amount = StringField(_l("Your bid (yuan)"))


class ConfirmForm(FlaskForm):
    price = StringField(_l("Agreed price (yuan)"),
                        description=_l("The price the two sides agreed in the negotiation"))
