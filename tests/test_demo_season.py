"""The demo season reads as a real Uzbek one: Uzbek fields, rubric, titles, organizations and
comments, with Russian where an entrant or a judge would write in it."""
from __future__ import annotations

import re

from contest.extensions import db
from contest.models import Entry, EntryAuthor, Mark, Role, Season, User
from contest.services.demo import COMMENTS, ORGANIZATIONS

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
ENGLISH_WORDS = re.compile(r"\b(the|for|and|of|smart|solar|solution|problem|project)\b", re.I)


def test_the_demo_season_is_worded_in_uzbek_and_russian(runner):
    assert runner.invoke(args=["seed-demo", "--entries", "90"]).exit_code == 0
    season = db.session.scalars(db.select(Season)).one()
    for contest in season.contests:
        assert all(f.name and f.name_ru and f.name_en for f in contest.fields)
        assert not any(CYRILLIC.search(f.name) for f in contest.fields)
        assert [c.name for c in contest.criteria][:2] == ["Yangilik", "Texnik asoslilik"]
    assert "Energetika" in {f.name for f in season.contests[0].fields}

    entries = db.session.scalars(db.select(Entry)).all()
    russian = [e for e in entries if CYRILLIC.search(e.title)]
    assert 0.05 * len(entries) <= len(russian) <= 0.4 * len(entries)
    for entry in entries:
        words = f"{entry.title} {entry.summary} {entry.description}"
        assert not ENGLISH_WORDS.search(words), words
        assert bool(CYRILLIC.search(entry.summary)) == bool(CYRILLIC.search(entry.title))  # one language an entry

    organizations = {name for name, _region in ORGANIZATIONS}
    authors = db.session.scalars(db.select(EntryAuthor)).all()
    assert {a.organization for a in authors} <= organizations
    assert "Toshkent davlat texnika universiteti" in {a.organization for a in authors}
    people = [a.full_name for a in authors] + list(db.session.scalars(db.select(User.full_name)))
    assert not any(CYRILLIC.search(name) for name in people)
    assert any(name.split()[0].endswith("a") for name in people)  # women's surnames: Karimova
    judges = db.session.scalars(db.select(User).where(User.role == Role.JUDGE)).all()
    assert all(e.field in {f.name for f in season.contests[0].fields} for j in judges for e in j.expertise)

    comments = set(db.session.scalars(db.select(Mark.comment)))
    assert comments <= set(COMMENTS)
    assert any(CYRILLIC.search(c) for c in comments) and any("ʻ" in c for c in comments)
