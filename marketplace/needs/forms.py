"""Need forms: they collect input; the rules are in services.py."""
import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from ..codes import FIELDS as INDUSTRY_FIELDS
from ..listings.states import DECLINE_REASONS
from .services import FIELDS_OF_NEED, NeedData, data_of
from .states import COOPERATION_MODES

KEYWORD_SEPARATORS = re.compile(r"[,，、;；]")


def _choices(mapping, blank=_l("Choose…")):
    return ([("", blank)] if blank else []) + list(mapping.items())


def _select(label, choices, **kwargs):
    # The services check the codes, with messages that name the field.
    return SelectField(label, choices=choices, validate_choice=False, **kwargs)


def split_keywords(text):
    """'瓦斯，煤层气、发电, CBM' -> ['瓦斯', '煤层气', '发电', 'CBM']."""
    return [part.strip() for part in KEYWORD_SEPARATORS.split(text or "") if part.strip()]


def as_id(value):
    """A posted record id: None when blank, -1 (no such record) when it is not a number, so
    that the service names the field instead of ignoring it."""
    value = (value or "").strip()
    if not value:
        return None
    return int(value) if value.isdigit() else -1


class NeedForm(FlaskForm):
    """New and edit: the need's fields."""

    title = StringField(_l("Title"), description=_l("The problem in one line, such as "
                                                    "“Safe use of low-concentration gas”"))
    description = TextAreaField(_l("Description"),
                                description=_l("The problem, where it occurs and what you "
                                               "have tried."))
    field = _select(_l("Industry field"), _choices(INDUSTRY_FIELDS))
    keywords = StringField(_l("Keywords"),
                           description=_l("Up to five, separated by commas or 、"))
    indicators = TextAreaField(_l("Technical indicators"),
                               description=_l("What a solution must achieve: figures, "
                                              "standards, conditions of use."))
    budget_min = StringField(_l("Budget from (yuan)"))
    budget_max = StringField(_l("Budget up to (yuan)"))
    cooperation_modes = SelectMultipleField(
        _l("Ways of cooperating you accept"), choices=list(COOPERATION_MODES.items()),
        validate_choice=False, widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput())
    deadline = StringField(_l("Response deadline"),
                           description=_l("Responses are taken until the end of this day; at "
                                          "most a year away."))

    bad_deadline = False  # the deadline typed is not a date (the service then says required)

    def need_data(self):
        """What was typed, as the services take it (they check every rule)."""
        data = NeedData(**{name: getattr(self, name).data for name in FIELDS_OF_NEED
                           if name not in ("keywords", "deadline", "cooperation_modes")})
        data.keywords = split_keywords(self.keywords.data)
        data.cooperation_modes = list(self.cooperation_modes.data or [])
        data.budget_min = (self.budget_min.data or "").strip() or None
        data.budget_max = (self.budget_max.data or "").strip() or None
        typed = (self.deadline.data or "").strip()
        try:
            data.deadline = date.fromisoformat(typed) if typed else None
        except ValueError:
            data.deadline, self.bad_deadline = None, True
        return data

    def fill_from(self, record):
        data = data_of(record)
        for name in ("title", "description", "field", "indicators"):
            getattr(self, name).data = getattr(data, name) or ""
        self.keywords.data = ", ".join(data.keywords)
        for name in ("budget_min", "budget_max"):
            value = getattr(data, name)
            getattr(self, name).data = "" if value is None else f"{value:.2f}"
        self.cooperation_modes.data = list(data.cooperation_modes)
        self.deadline.data = data.deadline.isoformat() if data.deadline else ""


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    state = _select(_l("State"), [("open", _l("Open for responses")),
                                  ("all", _l("All, closed ones too"))])
    field = _select(_l("Field"), _choices(INDUSTRY_FIELDS, _l("All fields")))
    mode = _select(_l("Way of cooperating"),
                   _choices(COOPERATION_MODES, _l("All ways of cooperating")))


class ActionForm(FlaskForm):
    """Submit and renew: only the CSRF token and the version seen."""

    version = HiddenField()


class CommentForm(FlaskForm):
    """Withdraw and resolve: an optional comment."""

    comment = TextAreaField(_l("Comment (optional)"))
    version = HiddenField()


class ResponseForm(FlaskForm):
    message = TextAreaField(_l("Your proposal"),
                            description=_l("How you would solve the need: the technology, "
                                           "what it achieves, time and cost. The enterprise "
                                           "reads it."))
    listing_id = _select(_l("Listing offered (optional)"), [])
    achievement_id = _select(_l("Achievement offered (optional)"), [])


class DeclineForm(FlaskForm):
    """Declining a response: a reason category and a comment (SPEC.md §3)."""

    reason = _select(_l("Reason"), _choices(DECLINE_REASONS))
    comment = TextAreaField(_l("Comment"), description=_l("The responder sees it."))


class AcceptForm(FlaskForm):
    price = StringField(_l("Price (yuan)"))
    mode = _select(_l("Way of cooperating"), [])


class RefuseForm(FlaskForm):
    comment = TextAreaField(_l("Why you refuse the terms"),
                            description=_l("The enterprise sees it and may offer other "
                                           "terms."))
