"""Domain errors raised by services; pages and the API map them to their own answers."""
from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    status = 400
    code = "bad_request"
    default_message = _l("The request could not be understood.")

    def __init__(self, message=None, fields=None):
        self.message = message or self.default_message
        self.fields = fields or {}
        super().__init__(str(self.message))


class ValidationFailed(DomainError):
    """Input broke a rule; `fields` maps a field name to its messages."""

    status = 422
    code = "validation_failed"
    default_message = _l("Some fields need correcting.")


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"
    default_message = _l("You are not allowed to do this.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = _l("No such record.")


class Conflict(DomainError):
    """The record is not in a state that allows this, or changed under us."""

    status = 409
    code = "conflict"
    default_message = _l("This record has changed; reload it and try again.")


class FieldErrors:
    """Collects messages per field so a service can report every problem at once."""

    def __init__(self):
        self.fields: dict[str, list] = {}

    def add(self, field, message):
        self.fields.setdefault(field, []).append(message)

    def __bool__(self):
        return bool(self.fields)

    def raise_if_any(self):
        if self.fields:
            raise ValidationFailed(fields=self.fields)
