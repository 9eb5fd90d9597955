"""Broker forms: they collect input; the rules are in services.py."""
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from ..codes import COUNTIES, FIELDS, PROVINCES
from .directory import SORTS
from .services import PROFILE_FIELDS, ProfileData, data_of
from .states import LEVELS, SERVICES


def _select(label, choices, **kwargs):
    # The services check the codes, with messages that name the field.
    return SelectField(label, choices=choices, validate_choice=False, **kwargs)


def _checkboxes(label, choices, **kwargs):
    return SelectMultipleField(label, choices=choices, validate_choice=False,
                               widget=ListWidget(prefix_label=False),
                               option_widget=CheckboxInput(), **kwargs)


def _blank(label):
    return [("", label)]


class ProfileForm(FlaskForm):
    """A broker's own profile, new or changed."""

    real_name = StringField(_l("Real name"),
                            description=_l("As on your identity card and certificate."))
    level = _select(_l("Qualification level"), _blank(_l("Choose…")) + list(LEVELS.items()))
    filing_number = StringField(_l("National filing number"), description=_l(
        "Required for intermediate and senior brokers: letters, digits and hyphens."))
    certificate_number = StringField(_l("Training certificate number"))
    certificate_issuer = StringField(_l("Certificate issued by"))
    certificate_date = StringField(_l("Certificate date"),
                                   description=_l("Such as 2024-06-10."))
    professional_title = StringField(_l("Professional title"),
                                     description=_l("Such as 高级工程师 (optional)."))
    fields = _checkboxes(_l("Fields of expertise"), list(FIELDS.items()))
    regions = _checkboxes(_l("Regions served"),
                          list(COUNTIES.items()) + list(PROVINCES.items()))
    services = _checkboxes(_l("Services offered"), list(SERVICES.items()))
    years_of_practice = StringField(_l("Years of practice"))
    bio = TextAreaField(_l("Introduction"), description=_l(
        "Your experience, the deals you have brokered, what you offer (at most 5000 "
        "characters)."))
    contact_phone = StringField(_l("Contact telephone"),
                                description=_l("Shown only to logged-in users."))
    contact_email = StringField(_l("Contact e-mail"),
                                description=_l("Shown only to logged-in users."))
    photo = FileField(_l("Photo"), description=_l("A PNG or JPEG image."))
    version = HiddenField()

    bad_date = False  # the date typed is not a date

    def profile_data(self):
        """What was typed, as the services take it (they check every rule)."""
        data = ProfileData(**{name: getattr(self, name).data for name in PROFILE_FIELDS
                              if name != "certificate_date"})
        for name in ("fields", "regions", "services"):
            setattr(data, name, list(getattr(self, name).data or []))
        typed = (self.certificate_date.data or "").strip()
        try:
            data.certificate_date = date.fromisoformat(typed) if typed else None
        except ValueError:
            data.certificate_date, self.bad_date = None, True
        return data

    def fill_from(self, profile):
        data = data_of(profile)
        for name in PROFILE_FIELDS:
            value = getattr(data, name)
            if name in ("fields", "regions", "services"):
                getattr(self, name).data = value
            elif name == "certificate_date":
                self.certificate_date.data = value.isoformat() if value else ""
            else:
                getattr(self, name).data = "" if value is None else str(value)
        self.version.data = profile.version


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    q = StringField(_l("Search"))
    level = _select(_l("Qualification level"), _blank(_l("All levels")) + list(LEVELS.items()))
    field = _select(_l("Field"), _blank(_l("All fields")) + list(FIELDS.items()))
    region = _select(_l("Region"), _blank(_l("All regions")) + list(COUNTIES.items())
                     + list(PROVINCES.items()))
    service = _select(_l("Service"), _blank(_l("All services")) + list(SERVICES.items()))
    sort = _select(_l("Order"), list(zip(SORTS, (_l("By name"), _l("Most deals"),
                                                 _l("Best rated")), strict=True)))


class CancelForm(FlaskForm):
    """The broker gives up its profile."""

    comment = TextAreaField(_l("Why (optional)"))
    version = HiddenField()


class DecisionForm(FlaskForm):
    """The bureau's decision; the choices are the actions open to the officer now."""

    decision = _select(_l("Decision"), [])
    comment = TextAreaField(_l("Comment"), description=_l(
        "Required to reject, suspend or cancel; the broker sees it."))
    version = HiddenField()
