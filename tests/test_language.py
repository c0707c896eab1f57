"""Nothing in the wrong language: validators' messages, statuses, methods, conflicts, prizes, and lists
in the reader's alphabetical order."""
from __future__ import annotations

import re
from html import unescape

import pytest
from flask_babel import force_locale

from contest.extensions import db
from contest.i18n import collation_key
from contest.models import Conflict, ConflictSource, EntryAuthor
from contest.services import conflicts, prizes


def _in(client, language: str):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [unescape(label).strip() for label in re.findall(r"<option[^>]*>(.*?)</option>", select, re.S)]


@pytest.mark.parametrize("language, required, bad_email, too_long", [
    ("uz", "Bu maydonni toʻldirish shart.", "Elektron pochta manzili notoʻgʻri.", "Koʻpi bilan 200 ta belgi kiriting."),
    ("ru", "Это поле обязательно.", "Неверный адрес электронной почты.",
     "Значение не должно содержать более 200 символов."),  # WTForms' own Russian plural
    ("en", "This field is required.", "Invalid email address.", "Field cannot be longer than 200 characters."),
])
def test_validators_own_messages_speak_the_readers_language(client, language, required, bad_email, too_long):
    page = _in(client, language).post("/auth/register", data={"email": "not-an-email", "full_name": "x" * 201})
    html = unescape(page.get_data(as_text=True))
    assert page.status_code == 422
    assert required in html and bad_email in html and too_long in html
    if language != "en":
        assert "This field is required." not in html and "Invalid email address." not in html


def test_uzbek_order_puts_the_apostrophe_and_digraph_letters_after_z(app):
    names = ["Shahrisabz", "Zarafshon", "O‘zbekiston", "Olmaliq", "Chirchiq", "G'ijduvon", "Guliston", "Oʻrta"]
    with app.test_request_context(), force_locale("uz"):
        assert sorted(names, key=collation_key) == [
            "Guliston", "Olmaliq", "Zarafshon", "Oʻrta", "O‘zbekiston", "G'ijduvon", "Shahrisabz", "Chirchiq"]
        assert collation_key("Oʻzbekiston") == collation_key("O'zbekiston") == collation_key("O’ZBEKISTON")
    with app.test_request_context(), force_locale("ru"):
        assert sorted(["Жуков", "Ёлкин", "Ершов", "Абаев"], key=collation_key) == ["Абаев", "Ёлкин", "Ершов", "Жуков"]


@pytest.mark.parametrize("language, categories, first_region, last_region", [
    ("uz", ["Amaliyotchi muhandis", "Talaba", "Oʻqituvchi"], "Andijon viloyati", "Xorazm viloyati"),
    ("ru", ["Практикующий инженер", "Преподаватель", "Студент"], "Андижанская область", "Хорезмская область"),
    ("en", ["Practicing engineer", "Student", "Teacher"], "Andijan region", "Tashkent region"),
])
def test_regions_and_categories_are_listed_by_their_name_in_the_readers_language(
        client, language, categories, first_region, last_region):
    html = _in(client, language).get("/auth/register").get_data(as_text=True)
    assert _options(html, "category")[1:] == categories
    regions = _options(html, "region")[1:]
    assert len(regions) == 14 and (regions[0], regions[-1]) == (first_region, last_region)


def test_the_entries_overview_counts_regions_in_the_readers_order(client, organizer, make_season, make_user):
    from contest.models import Entry, EntryStatus

    contest = make_season().contests[0]
    for region in ("khorezm", "andijan", "karakalpakstan"):
        author = make_user(region=region)
        entry = Entry(contest=contest, lead_author=author, field=contest.fields[0], status=EntryStatus.SUBMITTED)
        entry.set_title(f"Entry from {region}")
        entry.authors.append(EntryAuthor.from_user(author, 0))
        db.session.add(entry)
    db.session.commit()

    def regions_table(language: str) -> str:  # the numbers under the chart, equal counts in the reader's order
        html = _in(client, language).get("/organizer/").get_data(as_text=True)
        table = html[html.index('id="entries-by-region-numbers"'):]
        return table[:table.index("</table>")]

    html = regions_table("uz")
    shown = [name for name in ("Andijon viloyati", "Qoraqalpogʻiston Respublikasi", "Xorazm viloyati")]
    assert sorted(shown, key=html.index) == shown  # Q before X in Uzbek; in English Khorezm comes before Republic…
    html = regions_table("en")
    shown = ["Andijan region", "Khorezm region", "Republic of Karakalpakstan"]
    assert sorted(shown, key=html.index) == shown


def test_run_status_and_method_are_named_not_coded(client, organizer, scored):
    contest, _panel, _entries = scored
    html = _in(client, "ru").get(f"/results/contests/{contest.id}").get_data(as_text=True)
    assert "Метод: Калиброванный" in html and "calibrated ·" not in html


def test_conflicts_show_source_and_reason_in_the_readers_language(app, client, organizer, scored):
    contest, panel, entries = scored
    judge = panel[0]
    judge.organization = entries[5].authors[0].organization = "Samarkand State University"
    db.session.commit()
    with app.test_request_context(), force_locale("en"):  # detected in English
        conflicts.detect(contest)
        db.session.commit()
    stored = db.session.scalar(db.select(Conflict).where(Conflict.source == ConflictSource.ORGANIZATION))
    assert stored.reason.startswith("The judge and the author")
    html = _in(client, "uz").get(f"/organizer/contests/{contest.id}/conflicts").get_data(as_text=True)
    assert "The judge and the author" not in html and ">organization<" not in html
    assert "Bir tashkilotdan" in html and "Samarkand State University" in html


def test_default_prize_and_country_names_follow_the_reader_and_stay_defaults_when_saved(
        app, client, organizer, make_season):
    with app.test_request_context(), force_locale("uz"):  # the season, and with it its catalogue, made in Uzbek
        season = make_season()
    uzbek_name = prizes.fixed_prizes(season)[0].name
    assert uzbek_name.startswith("Elektromobil")
    page = _in(client, "ru").get(f"/prizes/seasons/{season.id}/catalogue").get_data(as_text=True)
    assert "Электромобиль: первое место" in page and "Elektromobil" not in page
    assert 'value="Германия"' in page and "Remove Germany" not in page and "Удалить: Германия" in page
    form = {"internship_places": "10", "share_rule": "proportional"}
    for i, prize in enumerate(prizes.fixed_prizes(season)):
        form |= {f"prizes-{i}-id": str(prize.id), f"prizes-{i}-cost": str(prize.cost),
                 f"prizes-{i}-name": re.search(rf'name="prizes-{i}-name"[^>]*value="([^"]*)"', page).group(1)}
    for i, country in enumerate(prizes.countries(season)):
        form |= {f"countries-{i}-id": str(country.id), f"countries-{i}-cost": str(country.cost),
                 f"countries-{i}-capacity": str(country.capacity),
                 f"countries-{i}-name": "Deutschland" if country.code == "DE" else
                 re.search(rf'name="countries-{i}-name"[^>]*value="([^"]*)"', page).group(1)}
    assert client.post(f"/prizes/seasons/{season.id}/catalogue", data=form).status_code == 302
    assert prizes.fixed_prizes(season)[0].name == uzbek_name  # still the default, shown in each reader's language
    names = {c.code: c.name for c in prizes.countries(season)}
    assert names["JP"] == "Japan" and names["DE"] == "Deutschland"  # a typed name is kept as typed
    budget = _in(client, "uz").get(f"/prizes/seasons/{season.id}/budget").get_data(as_text=True)
    assert "Elektromobil: birinchi oʻrin" in budget and "Electric car" not in budget


def test_country_choices_are_listed_by_name_in_the_readers_language(client, organizer, make_season):
    season = make_season()
    html = _in(client, "uz").get(f"/prizes/seasons/{season.id}/budget").get_data(as_text=True)
    countries = [label for label in _options(html, "target") if not label.startswith("Elektromobil")]
    # In the catalogue's order Germany comes first and Singapore last; Uzbek: G … X (Xitoy), Y (Yaponiya).
    assert countries == ["Germaniya", "Italiya", "Janubiy Koreya", "Rossiya", "Singapur", "Turkiya", "Xitoy",
                         "Yaponiya"]
