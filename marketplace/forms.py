"""Form helpers shared by every capability."""
from flask import flash


def _resolve(form, dotted):
    """The form field named by a service's dotted path ("completers.0.name"), or None."""
    field = form
    for part in dotted.split("."):
        if part.isdigit():
            entries = getattr(field, "entries", None)
            if entries is None or int(part) >= len(entries):
                return None
            field = entries[int(part)]
        else:
            inner = getattr(field, "form", field)  # a FormField wraps its own form
            field = getattr(inner, part, None)
            if field is None:
                return None
    return field if field is not form and hasattr(field, "errors") else None


def apply_errors(form, exc, rename=None):
    """Put a service's per-field messages onto the form's fields; return the rest.

    `rename` maps a service field name (or prefix, ending in '.') to the form's field name.
    Messages for fields the form does not have are returned, for a message above the form.
    """
    rename = rename or {}
    leftover = [exc.message] if not exc.fields else []
    for name, messages in exc.fields.items():
        target = rename.get(name, name)
        for prefix, replacement in rename.items():
            if prefix.endswith(".") and name.startswith(prefix):
                target = replacement + name[len(prefix):]
        field = _resolve(form, target)
        if field is None or isinstance(field.errors, dict):
            leftover.extend(messages)
            continue
        field.errors = list(field.errors or []) + list(messages)
    return leftover


def flash_errors(exc, category="danger"):
    """Show a service's refusal as flash messages (for buttons that redirect back)."""
    for messages in (exc.fields or {"": [exc.message]}).values():
        for message in messages:
            flash(str(message), category)
