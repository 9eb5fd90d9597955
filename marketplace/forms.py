"""Form helpers shared by every capability."""


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
        field = getattr(form, target, None)
        if field is None or not hasattr(field, "errors"):
            leftover.extend(messages)
            continue
        field.errors = list(field.errors or []) + list(messages)
    return leftover
