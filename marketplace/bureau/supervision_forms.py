"""The audit search form: a GET form; its values are checked by audit_search."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField


class AuditSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    entity = SelectField(_l("Kind of record"), choices=[], validate_choice=False)
    entity_id = StringField(_l("Record number"))
    user = StringField(_l("User name"), description=_l("Who acted, exactly as they log in."))
    action = StringField(_l("Action"), description=_l("Its code, e.g. submit, approve, verify."))
    date_from = StringField(_l("Earliest day"))
    date_to = StringField(_l("Latest day"), description=_l("Days in Lüliang time, both included."))

    def criteria_values(self):
        return {name: self[name].data or "" for name in
                ("entity", "entity_id", "user", "action", "date_from", "date_to")}
