"""Reading the site's HTML in tests: an element's text, a field's errors, an input's value."""
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


class _Finder(HTMLParser):
    def __init__(self, element_id=None, input_name=None):
        super().__init__(convert_charrefs=True)
        self.element_id, self.input_name = element_id, input_name
        self.depth, self.found, self.parts, self.value = 0, False, [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.input_name and tag in ("input", "textarea", "select") \
                and attrs.get("name") == self.input_name and self.value is None:
            self.value = attrs.get("value", "")
        if self.depth:
            self.depth += tag not in VOID
        elif self.element_id and attrs.get("id") == self.element_id:
            self.found, self.depth = True, int(tag not in VOID)

    def handle_endtag(self, tag):
        if self.depth and tag not in VOID:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def element_text(html, element_id):
    """The text inside the element with this id (whitespace collapsed), or None if absent."""
    finder = _Finder(element_id=element_id)
    finder.feed(html)
    return " ".join("".join(finder.parts).split()) if finder.found else None


def field_errors(html, field_id):
    """The error messages shown beside a form field (see _macros/forms.html), or None."""
    return element_text(html, f"{field_id}-errors")


def input_value(html, name):
    """The value attribute of the first input named `name` (None if there is no such input)."""
    finder = _Finder(input_name=name)
    finder.feed(html)
    return finder.value


def text(html):
    """The page with entities decoded, for `in` checks of messages with quotes or accents."""
    from html import unescape

    return unescape(html)


class _FormReader(HTMLParser):
    """The fields a browser would submit from the first form whose action ends with `action`."""

    def __init__(self, action):
        super().__init__(convert_charrefs=True)
        self.action, self.inside, self.done = action, False, False
        self.values, self.select, self.textarea, self.options = {}, None, None, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and not self.done and (attrs.get("action") or "").split("?")[0] \
                .endswith(self.action):
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.values[name] = attrs.get("value", "y")
            else:
                self.values[name] = attrs.get("value", "")
        elif tag == "select" and name:
            self.select, self.options = name, []
        elif tag == "option" and self.select:
            self.options.append((attrs.get("value", ""), "selected" in attrs))
        elif tag == "textarea" and name:
            self.textarea, self.values[name] = name, ""

    def handle_endtag(self, tag):
        if tag == "select" and self.select:
            chosen = [v for v, selected in self.options if selected]
            self.values[self.select] = (chosen or [v for v, _ in self.options] or [""])[0]
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea] += data


def form_fields(html, action):
    """{name: value} of the form posting to a URL ending with `action`, as a browser sends it
    (checked boxes only, the selected option of each select, textareas' text)."""
    reader = _FormReader(action)
    reader.feed(html)
    return reader.values
