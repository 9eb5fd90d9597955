"""Account forms: they collect input; the rules are in services.py."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ..codes import COUNTIES, ENTITY_TYPES, ORG_KINDS, PROVINCES
from .models import ROLE_LABELS, SELF_REGISTERED_ROLES

REQUIRED = _l("This field is required.")


def region_choices():
    return ([("", _l("Choose…"))]
            + [(code, label) for code, label in COUNTIES.items()]
            + [(code, label) for code, label in PROVINCES.items()])


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(REQUIRED)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED)])
    remember = BooleanField(_l("Keep me logged in on this computer"))
    next = HiddenField()


class OrganizationFields:
    """The organisation's fields, shared by registration and the organisation edit form."""

    org_name = StringField(_l("Organisation name"), validators=[Optional(), Length(max=200)])
    # The service checks these codes (and skips them for a broker without an employer).
    org_kind = SelectField(_l("Kind of organisation"), validate_choice=False,
                           choices=[("", _l("Choose…"))] + list(ORG_KINDS.items()))
    org_entity_type = SelectField(_l("Entity type (for statistics)"), validate_choice=False,
                                  choices=[("", _l("Choose…"))] + list(ENTITY_TYPES.items()))
    org_credit_code = StringField(_l("Unified social credit code"),
                                  description=_l("18 characters, as on the business licence"))
    org_county = SelectField(_l("County, or province outside Lüliang"), choices=region_choices,
                             validate_choice=False)
    # The page asks for the address and contact (the bureau checks them); the API may omit
    # them. Brokers without an employer leave all of these empty (see services.register).
    org_address = StringField(_l("Address"))
    org_contact_name = StringField(_l("Contact person"))
    org_contact_phone = StringField(_l("Contact telephone"))


class RegistrationForm(OrganizationFields, FlaskForm):
    role = SelectField(_l("I register as"),
                       choices=[(r.value, ROLE_LABELS[r]) for r in SELF_REGISTERED_ROLES])
    username = StringField(_l("User name"), validators=[DataRequired(REQUIRED)])
    email = StringField(_l("E-mail"), validators=[DataRequired(REQUIRED)])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED)],
                             description=_l("At least 10 characters, not only digits"))
    confirm = PasswordField(_l("Repeat the password"), validators=[
        DataRequired(REQUIRED), EqualTo("password", _l("The passwords do not match."))])
    with_employer = BooleanField(_l("I work for an intermediary organisation (brokers)"))


class OrganizationForm(OrganizationFields, FlaskForm):
    pass


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(REQUIRED)],
                                 description=_l("At least 10 characters, not only digits"))
    confirm = PasswordField(_l("Repeat the new password"), validators=[
        DataRequired(REQUIRED), EqualTo("new_password", _l("The passwords do not match."))])


class ReviewForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=[("verify", _l("Verify")),
                                                    ("reject", _l("Reject"))])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=1000)],
                          description=_l("Required when rejecting; the applicant sees it."))
    version = HiddenField()
