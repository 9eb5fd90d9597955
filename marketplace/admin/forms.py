"""Admin forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from ..accounts.models import ROLE_LABELS, Role


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[(r.value, ROLE_LABELS[r]) for r in Role])


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that POST."""


class CalendarDayForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired(_l("Enter a date."))])
    kind = SelectField(_l("The day is"), choices=[("holiday", _l("a holiday")),
                                                  ("workday", _l("a working day"))])
    note = StringField(_l("Note"), validators=[Length(max=200)])


def settings_form(definitions, values, formdata=None):
    """A form with one field per setting (a text field, or a list for a setting with choices),
    pre-filled with the current values."""
    class SettingsForm(FlaskForm):
        pass

    for definition in definitions:
        setattr(SettingsForm, definition.key, SelectField(
            definition.label, choices=list(definition.choices.items()))
            if definition.choices else StringField(definition.label))
    form = SettingsForm(formdata=formdata) if formdata is not None else SettingsForm(
        data={k: str(v) for k, v in values.items()})
    return form
