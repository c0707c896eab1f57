"""Read a page's forms as a browser would submit them, so tests post what a page really carries."""
from __future__ import annotations

from html.parser import HTMLParser


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"action": attrs.get("action", ""), "id": attrs.get("id"), "fields": {}}
            self.forms.append(self._form)
            return
        if self._form is None or "name" not in attrs and tag != "option":
            return
        fields = self._form["fields"]
        if tag == "input" and attrs.get("type") not in ("checkbox", "radio") or \
                tag == "input" and "checked" in attrs:
            fields[attrs["name"]] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea = attrs["name"]
            fields[self._textarea] = ""
        elif tag == "select":
            self._select = attrs["name"]
            fields.setdefault(self._select, None)
        elif tag == "option" and self._select and ("selected" in attrs or fields.get(self._select) is None):
            fields[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form["fields"][self._textarea] += data


def form_on(html: str, *, action: str | None = None, has: str | None = None) -> dict[str, str]:
    """The fields of the first form posting to ``action`` (or holding a field named ``has``), with
    the values the page filled in; a textarea's leading newline is dropped, as browsers do."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if (action is None or form["action"] == action) and (has is None or has in form["fields"]):
            return {name: (value.removeprefix("\n") if isinstance(value, str) else "")
                    for name, value in form["fields"].items()}
    raise AssertionError(f"no form for action={action!r} has={has!r} on the page")
