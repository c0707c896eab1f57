"""The crawl: on a full demo season, every page each role can reach works and speaks the reader's language.

The demo season (300 entries, three contests, a published ranking, an allocation) is seeded once
into a database of its own. Then, as each role and in each language, a crawler follows every
same-host link and submits every GET form with its default values. It never sends a POST (sign-in
happens before the crawl). Pages of one endpoint that differ only in their ids are sampled
(``SAMPLED_PER_ENDPOINT``); their query-string variants (pagination, filters) are all followed.

It fails on any 5xx, on a link or form answering 404 or 405, and, in Uzbek and Russian, on a page
that shows an English sentence from the catalog or a raw code (an enum value, a region code, a
default country's code or English name).
"""
from __future__ import annotations

import re
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import pytest
from babel.messages.pofile import read_po
from flask import Flask, request
from werkzeug.exceptions import HTTPException
from werkzeug.security import generate_password_hash

from contest.engines.scoring import METHODS
from contest.extensions import db
from contest.models import (
    REGIONS, SHARE_RULES, Category, ContestKind, Entry, EntryStatus, Role, RunStatus, Season, SheetStatus, User,
)
from contest.models.judging import ConflictSource, DeclarationKind
from contest.services import prizes
from contest.services.demo import DEMO_PASSWORD, build_demo_season
from tests.conftest import POSTGRES, database_of_its_own

ROLES = ("anonymous", "participant", "winner", "judge", "organizer", "admin")
# Every language on the first pass; the PostgreSQL pass crawls in one, since what a page says does not
# depend on the database, and what it reads (every page, every role) is crawled there all the same.
LANGUAGES = ("ru",) if POSTGRES else ("uz", "ru", "en")
SAMPLED_PER_ENDPOINT = 3   # e.g. 3 of the 300 entry pages; each one's pagination and filters in full
VARIANTS_PER_PAGE = 80     # a bound on query-string variants of one page, far above any real one
CATALOGS = Path(__file__).resolve().parent.parent / "contest" / "translations"
# Pages each role must reach, or the crawl has lost its way (a failed sign-in, a broken menu).
MUST_REACH = {
    "anonymous": {"main.index", "auth.login", "auth.register", "public.results"},
    "participant": {"submissions.my_entries", "submissions.show", "submissions.edit", "submissions.new_entry",
                    "certificates.mine", "certificates.verify", "certificates.download"},
    "winner": {"submissions.show", "prizes.mine", "certificates.mine", "certificates.download"},
    "judge": {"judging.queue", "judging.entry", "judging.file", "judging.declarations"},
    "organizer": {"organizer.entries", "organizer.entry", "organizer.contest_conflicts", "organizer.assignment",
                  "results.contest", "results.breakdown", "results.snapshot", "prizes.budget", "prizes.catalogue",
                  "certificates.season", "public.results"},
}
MUST_REACH["admin"] = MUST_REACH["organizer"]


# --------------------------------------------------------------------------- the season, seeded once

@dataclass
class Demo:
    app: Flask
    emails: dict[str, str]  # role: the account the crawl signs in with


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo season in a database of this module's own (a SQLite file, or a PostgreSQL schema)."""
    with database_of_its_own(tmp_path_factory, "crawl") as app:
        build_demo_season()
        admin = User(email="admin@demo.uz", full_name="Demo Admin", role=Role.ADMIN,
                     password_hash=generate_password_hash(DEMO_PASSWORD))
        db.session.add(admin)
        db.session.commit()
        yield Demo(app, _accounts())


def _accounts() -> dict[str, str]:
    """One account per role; the winner is the first internship winner with an account."""
    season = db.session.scalar(db.select(Season))
    selection = prizes.select_winners(season, prizes.catalogue(season))
    winners = [int(key[1:]) for key in selection.order if key.startswith("u")]
    assert winners, "the demo season should have internship winners with accounts"
    winner = db.session.get(User, winners[0])
    selected = {int(key[1:]) for key in selection.people if key.startswith("u")}
    participant = db.session.scalar(
        db.select(User).join(Entry, Entry.lead_author_id == User.id)
        .where(User.role == Role.PARTICIPANT, User.id.not_in(selected)).order_by(User.id).limit(1))
    return {"participant": participant.email, "winner": winner.email, "judge": "judge01@demo.uz",
            "organizer": "organizer@demo.uz", "admin": "admin@demo.uz"}


# --------------------------------------------------------------------------- what a page shows

INLINE = {"a", "abbr", "b", "bdi", "code", "em", "i", "small", "span", "strong", "sub", "sup", "time", "label"}
SHOWN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    submitter: tuple[str, str] | None = None
    select: str | None = None  # the name of the select being read


class Page(HTMLParser):
    """Links, forms and the visible text of one HTML page. Text marked translate="no" (a code column,
    say) or with a lang of its own (the English wording of a criterion) is not the page's language, so
    it is left out of the text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[Form] = []
        self.text: list[str] = []
        self.nodes: list[str] = []  # each piece of text between two tags
        self.language: str | None = None  # <html lang>
        self._hidden_depth = 0
        self._not_translated: list[str] = []  # the element marked translate="no", once per nested same tag
        self._form: Form | None = None
        self._select_options: list[tuple[str, bool]] = []  # (value, selected) of the select being read
        self._option: tuple[str | None, bool] | None = None  # (value attribute, selected) of the open option
        self._textarea: str | None = None  # the name of the open textarea
        self._content: list[str] = []  # what the open option or textarea holds
        self.feed(html)
        self.close()

    @property
    def visible_text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text)).strip()

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "html":
            self.language = a.get("lang")
        if tag in ("script", "style", "template"):
            self._hidden_depth += 1
        # Not the page's language on purpose: marked translate="no", or in another lang (an English name field).
        foreign = a.get("translate") == "no" or bool(a.get("lang") and self.language and a["lang"] != self.language)
        if tag not in VOID and (foreign or (self._not_translated and tag == self._not_translated[0])):
            self._not_translated.append(tag)
        if tag not in INLINE:
            self.text.append(" ")
        if not (foreign or self._not_translated):
            self.text += [f" {a[name]} " for name in SHOWN_ATTRIBUTES if a.get(name)]
        for name in ("href", "src"):
            if a.get(name) and tag in ("a", "link", "script", "img", "iframe", "source"):
                if a.get("hreflang") and self.language and a["hreflang"] != self.language:
                    continue  # the same page in another language (the public pages name it in their address)
                self.links.append(a[name])
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None and a.get("name") and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "image"):
                self._form.submitter = self._form.submitter or (a["name"], a.get("value", ""))
            elif kind not in ("checkbox", "radio", "file", "button", "reset") or "checked" in a:
                self._form.fields.append((a["name"], a.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "input" and a.get("type", "").lower() in ("submit", "button") and a.get("value"):
            self.text.append(f" {a['value']} ")
        elif tag == "button" and self._form is not None and a.get("name") and a.get("type", "submit") == "submit":
            self._form.submitter = self._form.submitter or (a["name"], a.get("value", ""))
        elif tag == "select" and self._form is not None and "disabled" not in a:
            self._form.select, self._select_options = a.get("name"), []
        elif tag == "option":
            self._option, self._content = (a.get("value") if "value" in a else None, "selected" in a), []
        elif tag == "textarea" and self._form is not None and a.get("name"):
            self._textarea, self._content = a["name"], []

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self._hidden_depth -= 1
        if self._not_translated and tag == self._not_translated[0]:
            self._not_translated.pop()
        if tag not in INLINE:
            self.text.append(" ")
        if tag == "option" and self._option is not None:
            value, selected = self._option
            self._select_options.append(("".join(self._content).strip() if value is None else value, selected))
            self._option = None
        elif tag == "select" and self._form is not None and self._form.select:
            chosen = [v for v, selected in self._select_options if selected] or [v for v, _ in self._select_options[:1]]
            self._form.fields += [(self._form.select, value) for value in chosen]
            self._form.select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.fields.append((self._textarea, "".join(self._content)))
            self._textarea = None
        elif tag == "form":
            self._form = None

    def handle_data(self, data):
        if self._option is not None or self._textarea is not None:
            self._content.append(data)
        if not (self._hidden_depth or self._not_translated):
            self.text.append(data)
            self.nodes.append(data.strip())


# --------------------------------------------------------------------------- what must not show in uz and ru

PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|%[sdf]|<[^>]+>")
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass
class Untranslated:
    """English of the catalog that a language translates away: sentences (split at their placeholders),
    found anywhere in a page, and one-word labels ("Status"), found only as a whole piece of text (a
    heading, a cell, a button), since one word may also be a name or part of someone's English."""

    by_first_word: dict[str, list[str]]
    labels: set[str]

    @classmethod
    def of(cls, language: str) -> "Untranslated":
        with open(CATALOGS / language / "LC_MESSAGES" / "messages.po", "rb") as po:
            catalog = read_po(po)
        by_first_word, labels = defaultdict(set), set()
        for message in catalog:
            if not message.id:
                continue
            sources = message.id if isinstance(message.id, tuple) else (message.id,)
            translations = message.string if isinstance(message.string, tuple) else (message.string,)
            shown = " ".join(t for t in translations if t) if not message.fuzzy else ""
            for source in sources:
                for piece in PLACEHOLDER.split(unescape(source)):
                    piece = re.sub(r"\s+", " ", piece).strip(" ,:;(")
                    words = WORD.findall(piece)
                    if piece in shown or not words:
                        continue
                    if len(words) >= 2 and len(piece) >= 10:
                        by_first_word[words[0]].add(piece)
                    elif len(words) == 1 and piece == source and len(piece) >= 3:
                        labels.add(piece)
        return cls({w: sorted(p, key=len, reverse=True) for w, p in by_first_word.items()}, labels)

    def found_in(self, text: str) -> set[str]:
        found = set()
        for match in WORD.finditer(text):
            for piece in self.by_first_word.get(match.group(), ()):
                end = match.start() + len(piece)
                if text.startswith(piece, match.start()) and not (end < len(text) and text[end].isalnum()):
                    found.add(piece)
        return found


def raw_codes() -> tuple[set[str], list[str]]:
    """Stored codes no reader should see, as they are stored (enum values, scoring methods, region and
    country codes), and the default countries' English names.

    "IT" (Italy) is left out: Uzbek and Russian say "IT" for information technology too."""
    codes = {member.value for kind in (EntryStatus, SheetStatus, RunStatus, Role, Category, ContestKind,
                                       ConflictSource, DeclarationKind) for member in kind}
    codes |= set(METHODS) | set(SHARE_RULES) | set(REGIONS)
    codes |= {code for code, _name, _cost, _places in prizes.DEFAULT_COUNTRIES if code != "IT"}
    names = [name for _code, name, _cost, _places in prizes.DEFAULT_COUNTRIES]
    return codes, names


SEGMENT_BREAK = re.compile(r"[()\[\]·,:;|]| [–-] ")


@dataclass
class Checks:
    """What a page in one language must not show (in English, nothing but a page in another language)."""

    language: str | None = None
    untranslated: Untranslated | None = None
    codes: set[str] = field(default_factory=set)
    names: re.Pattern | None = None

    def problems(self, page: Page) -> list[str]:
        if self.language and page.language != self.language:
            return [f"the page is in {page.language!r}"]  # the crawl would be checking the wrong language
        if self.untranslated is None:
            return []
        text = page.visible_text
        found = [f"English {piece!r}" for piece in sorted(self.untranslated.found_in(text))]
        found += [f"English label {node!r}" for node in sorted(set(page.nodes) & self.untranslated.labels)]
        found += [f"raw code {code!r}" for code in sorted(self.codes_in(page.nodes))]
        found += [f"English name {name!r}" for name in sorted(set(self.names.findall(text)))]
        return found

    def codes_in(self, nodes: list[str]) -> set[str]:
        """Codes standing on their own: a cell, a "(committed)", a "Method: calibrated". An English word
        inside a sentence someone wrote ("the idea is new") is not a code shown raw."""
        return {piece for node in nodes for piece in map(str.strip, SEGMENT_BREAK.split(node)) if piece in self.codes}


@pytest.fixture(scope="module")
def checks():
    codes, names = raw_codes()
    names_pattern = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")\b")
    by_language = {language: Checks(language, Untranslated.of(language), codes, names_pattern)
                   for language in ("uz", "ru")}
    return {**by_language, "en": Checks("en")}


# --------------------------------------------------------------------------- the crawler

@dataclass
class Crawl:
    pages: int = 0
    problems: list[str] = field(default_factory=list)
    per_endpoint: Counter = field(default_factory=Counter)


def crawl(app, client, checks: Checks) -> Crawl:
    adapter = app.url_map.bind("localhost")
    result = Crawl()
    queue: deque[tuple[str, str, tuple | None]] = deque([("/", "(start)", None)])
    seen: set[tuple[str, str]] = set()
    forms_sent: set[tuple] = set()
    admitted: dict[tuple, int] = {}
    while queue:
        url, source, form = queue.popleft()
        path, query = urlsplit(url).path, urlsplit(url).query
        # Each form is sent once exactly as the browser would (empty fields too); any other URL that
        # differs from one already seen only by empty fields is the same page.
        if (path, _filled(query)) in seen and (form is None or form in forms_sent):
            continue
        seen.add((path, _filled(query)))
        if form is not None:
            forms_sent.add(form)
        try:
            endpoint, arguments = adapter.match(path, method="GET")
            key = (endpoint, tuple(sorted(arguments.items())))
        except HTTPException:
            endpoint, key = None, (path,)
        if key not in admitted:
            if endpoint not in (None, "static") and result.per_endpoint[endpoint] >= SAMPLED_PER_ENDPOINT:
                continue
            result.per_endpoint[endpoint] += 1
            admitted[key] = 0
        if query:
            admitted[key] += 1
            if admitted[key] > VARIANTS_PER_PAGE:
                result.problems.append(f"more than {VARIANTS_PER_PAGE} query variants of {path}")
                continue
        response = client.get(url)
        result.pages += 1
        status = response.status_code
        if status >= 500 or status in (404, 405):
            result.problems.append(f"{status} GET {url} (from {source})")
            continue
        if 300 <= status < 400:
            queue.append((_same_host(url, response.headers["Location"]) or url, url, None))
            continue
        if status != 200 or response.mimetype != "text/html":
            continue
        page = Page(response.get_data(as_text=True))
        result.problems += [f"{url}: {problem}" for problem in checks.problems(page)]
        for link in page.links:
            target = _same_host(url, link)
            if target:
                queue.append((target, url, None))
        for form in page.forms:
            if form.method == "get":
                action = _same_host(url, form.action or url)
                if action:
                    values = form.fields + ([form.submitter] if form.submitter else [])
                    queue.append((urlunsplit(urlsplit(action)._replace(query=urlencode(values))), f"a form on {url}",
                                  (urlsplit(action).path, tuple(name for name, _value in values))))
    return result


def _filled(query: str) -> str:
    """A query string as a view reads it: a form's empty fields and their order make no other page."""
    return urlencode(sorted((k, v) for k, v in parse_qsl(query) if v))


def _same_host(base: str, link: str) -> str | None:
    """The link as a path with query on this site, or None (another host, mailto:, javascript:, a fragment)."""
    if link.startswith("#"):
        return None
    absolute = urlsplit(urljoin("http://localhost" + base, link))
    if absolute.scheme not in ("http", "https") or absolute.netloc != "localhost":
        return None
    return urlunsplit(("", "", absolute.path or "/", absolute.query, ""))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", ROLES)
def test_every_reachable_page_works_and_speaks_the_language(demo, checks, role, language):
    client = demo.app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    if role != "anonymous":
        signed_in = client.post("/auth/login", data={"email": demo.emails[role], "password": DEMO_PASSWORD})
        assert signed_in.status_code == 302, f"{role} could not sign in"
    started = time.perf_counter()
    result = crawl(demo.app, client, checks[language])
    print(f"crawl {role:<11} {language}: {result.pages:4d} pages in {time.perf_counter() - started:5.1f} s")
    missed = MUST_REACH[role] - set(result.per_endpoint)
    assert not missed, f"as {role} the crawl never reached {missed}"
    assert not result.problems, f"{len(result.problems)} problems as {role} in {language}:\n" + "\n".join(
        sorted(set(result.problems)))


def test_the_checks_find_what_they_look_for(checks):
    """English from the catalog, a code on its own and a default country's English name are found; an
    English word inside someone's sentence, and a code marked translate="no", are not."""
    page = Page("<html lang=\"ru\"><h1>Распределение</h1><p>Метод: calibrated · надёжность</p>"
                "<td>committed</td><th>Status</th>"
                "<p>Описание: the idea is new and the draft is good.</p><td translate=\"no\">DE</td>"
                "<p>Удалить: Germany</p><p>No conflicts recorded.</p><td>tashkent_city</td>")
    assert sorted(checks["ru"].problems(page)) == [
        "English 'No conflicts recorded.'", "English label 'Status'", "English label 'committed'",
        "English name 'Germany'", "raw code 'calibrated'", "raw code 'committed'", "raw code 'tashkent_city'"]
    assert checks["en"].problems(page) == ["the page is in 'ru'"]



def test_the_crawler_follows_links_forms_and_redirects_and_reports_what_breaks():
    site = Flask("site")
    pages = {
        "/": '<a href="/items/1">1</a> <a href="/items/2">2</a> <a href="/items/3">3</a> <a href="/items/4">4</a>'
             '<a href="/gone">gone</a> <a href="https://example.org/">elsewhere</a> <a href="/old">old</a>'
             '<form action="/find"><select name="kind"><option value="a">A</option>'
             '<option value="b" selected>B</option></select><input name="q" value=""></form>'
             '<form method="post" action="/logout"><button>Sign out</button></form>',
        "/new": "<p>moved here</p>",
    }
    for path, html in pages.items():
        site.add_url_rule(path, path, lambda html=html: html)
    site.add_url_rule("/items/<int:n>", "item", lambda n: "<p>item</p>")
    site.add_url_rule("/old", "old", lambda: ("", 302, {"Location": "/new"}))
    site.add_url_rule("/find", "find", lambda: 1 / 0 if request.args.to_dict() == {"kind": "b", "q": ""} else "")
    site.add_url_rule("/logout", "logout", lambda: pytest.fail("a POST form was sent"), methods=["POST"])
    result = crawl(site, site.test_client(), Checks())
    assert result.problems == ["404 GET /gone (from /)", "500 GET /find?kind=b&q= (from a form on /)"]
    assert result.per_endpoint["item"] == SAMPLED_PER_ENDPOINT and result.per_endpoint["/new"] == 1
