"""Complaint and blacklist forms: they collect input; the rules are in complaints.py and
blacklist.py."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import DateField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from .states import COMPLAINT_CATEGORIES, SANCTIONS

EVIDENCE_HELP = _l("PDF, PNG or JPEG. The other side and the science bureau can read them.")


def _select(label, choices, **kwargs):
    # The services check the codes, with messages that name the field.
    return SelectField(label, choices=choices, validate_choice=False, **kwargs)


def _choices(mapping):
    return [("", _l("Choose…"))] + list(mapping.items())


class ComplaintForm(FlaskForm):
    against = _select(_l("Whom the complaint is about"), [])
    category = _select(_l("What it is about"), _choices(COMPLAINT_CATEGORIES))
    subject = StringField(_l("Subject"))
    description = TextAreaField(_l("What happened"),
                                description=_l("Facts, dates and what you ask the bureau to "
                                               "do."))
    evidence = MultipleFileField(_l("Evidence files (optional)"), description=EVIDENCE_HELP)


class StatementForm(FlaskForm):
    response = TextAreaField(_l("Your statement"),
                             description=_l("The complainant and the science bureau read it; "
                                            "you may change it until the bureau decides."))


class EvidenceForm(FlaskForm):
    evidence = FileField(_l("Add an evidence file"), description=EVIDENCE_HELP)


class WithdrawForm(FlaskForm):
    comment = StringField(_l("Why you withdraw it (optional)"))
    version = HiddenField()


class InvestigateForm(FlaskForm):
    reason = TextAreaField(_l("Note to both sides (optional)"))
    version = HiddenField()


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[("uphold", _l("Uphold")),
                                                   ("dismiss", _l("Dismiss"))],
                          validate_choice=False)
    sanction = _select(_l("Sanction (when upheld)"), _choices(SANCTIONS))
    until = DateField(_l("On the blacklist through (for a restriction)"),
                      validators=[Optional()])
    reason = TextAreaField(_l("Reasons"), description=_l("Both sides read them."))
    version = HiddenField()


class BlacklistForm(FlaskForm):
    kind = RadioField(_l("Who is listed"), choices=[("org", _l("An organisation")),
                                                    ("broker", _l("A technology broker"))],
                      default="org", validate_choice=False)
    org_id = _select(_l("Organisation"), [])
    broker_id = _select(_l("Technology broker"), [])
    until = DateField(_l("Listed through"), validators=[Optional()],
                      description=_l("The entry lapses by itself after this day."))
    reason = TextAreaField(_l("Reason"), description=_l("The listed party sees it, and it is "
                                                        "shown whenever it is refused."))
    complaint_id = HiddenField()


class LiftForm(FlaskForm):
    reason = TextAreaField(_l("Why it is lifted early"))
