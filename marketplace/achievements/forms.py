"""Achievement forms: they collect input; the rules are in services.py."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from ..codes import FIELDS, REGIONS
from .states import (
    ATTRIBUTES,
    CATEGORIES,
    EVALUATION_METHODS,
    EVIDENCE_KINDS,
    IP_STATUSES,
    IP_TYPES,
    LEVELS,
    SECRECY,
    SOURCES,
)

KEYWORD_SPLIT = re.compile(r"[,，;；、\s]+")


def _choices(mapping, blank=True):
    return ([("", _l("Choose…"))] if blank else []) + list(mapping.items())


class CompleterForm(Form):
    name = StringField(_l("Person"))
    organization = StringField(_l("Organisation"))


class IPForm(Form):
    # Codes are checked by the service (blank rows are skipped there).
    type = SelectField(_l("Type"), choices=_choices(IP_TYPES), validate_choice=False)
    number = StringField(_l("Number"))
    status = SelectField(_l("Status"), choices=_choices(IP_STATUSES), validate_choice=False)


class AchievementForm(FlaskForm):
    # Rules live in services.validate, so that every problem is reported at once.
    title = StringField(_l("Title"))
    title_en = StringField(_l("English title (optional)"))
    category = SelectField(_l("Category"), choices=_choices(CATEGORIES))
    field = SelectField(_l("Industry field"), choices=_choices(FIELDS))
    keywords = StringField(_l("Keywords"),
                           description=_l("Up to three, separated by commas"))
    summary = TextAreaField(_l("Public summary"),
                            description=_l("Everyone can read this."))
    details = TextAreaField(_l("Confidential technical description"),
                            description=_l("Only your organisation, the bureau and "
                                           "organisations you grant can read this."))
    confidentiality_terms = TextAreaField(
        _l("Confidentiality terms for readers of the details (optional)"))
    attribute = SelectField(_l("Attribute"), choices=_choices(ATTRIBUTES))
    level = SelectField(_l("Level"), choices=_choices(LEVELS))
    maturity = IntegerField(_l("Technology readiness level (1–9)"), validators=[Optional()])
    research_start = StringField(_l("Research started (YYYY-MM)"))
    research_end = StringField(_l("Research ended (YYYY-MM)"))
    source = SelectField(_l("Source"), choices=_choices(SOURCES))
    secrecy = SelectField(_l("Secrecy"), choices=_choices(SECRECY, blank=False))
    ownership_disputed = BooleanField(_l("The ownership is in dispute"))
    evaluation_method = SelectField(_l("Evaluation method"), choices=_choices(EVALUATION_METHODS))
    evaluation_certificate = StringField(_l("Evaluation certificate number"))
    evaluation_date = DateField(_l("Evaluation date"), validators=[Optional()])
    completers = FieldList(FormField(CompleterForm), min_entries=5, max_entries=20)
    ip = FieldList(FormField(IPForm), min_entries=5, max_entries=20)
    version = HiddenField()

    def keyword_list(self):
        return [k for k in KEYWORD_SPLIT.split(self.keywords.data or "") if k]


class EvidenceForm(FlaskForm):
    kind = SelectField(_l("What the file is"), choices=_choices(EVIDENCE_KINDS))
    file = FileField(_l("File (PDF, PNG or JPEG)"))


class ActionForm(FlaskForm):
    """Submit, withdraw: only the CSRF token and the version seen."""

    version = HiddenField()


class AchievementReviewForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=[
        ("register", _l("Register the achievement")), ("return", _l("Return for correction")),
        ("reject", _l("Reject"))])
    comment = TextAreaField(_l("Comment"),
                            description=_l("Required to return or reject; the applicant sees "
                                           "it."))
    version = HiddenField()


class RevokeForm(FlaskForm):
    comment = TextAreaField(_l("Reason for revoking"))
    version = HiddenField()


class DisclosureRequestForm(FlaskForm):
    message = TextAreaField(_l("Why you would like to read the details (optional)"))
    accept_terms = BooleanField(_l("I accept the confidentiality terms above"))


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    field = SelectField(_l("Field"), choices=[("", _l("All fields"))] + list(FIELDS.items()))
    category = SelectField(_l("Category"),
                           choices=[("", _l("All categories"))] + list(CATEGORIES.items()))
    maturity = SelectField(_l("Maturity"), choices=[("", _l("Any maturity"))] + [
        (str(n), _l("TRL %(n)d or higher", n=n)) for n in range(1, 10)])
    county = SelectField(_l("Region"),
                         choices=[("", _l("All regions"))] + list(REGIONS.items()))
