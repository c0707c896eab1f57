"""Judging from the judge's side: the queue, the blind entry and its files, the rubric, rounds, conflicts."""
from __future__ import annotations

import hashlib
import io
import re
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from PIL import Image, PngImagePlugin
from pypdf import PdfWriter

from flask_babel import force_locale

from contest.catalogue import Message, Refusal
from contest.extensions import db
from contest.files.sanitize import SanitizeError
from contest.models import (
    Assignment, Attachment, Category, Conflict, ConflictSource, Entry, EntryAuthor, EntryStatus, Mark, Role,
    ScoringRound, SheetStatus, User, utcnow,
)
from contest.services import judging
from contest.services.attachments import path_of
from contest.i18n import say

# Strings that identify the authors: none may reach a judge, on the page or in a file.
LEAD_NAME = "Qodirova Zulfiyakhon"
LEAD_EMAIL = "zulfiya.qodirova@example.uz"
LEAD_ORG = "Chirchiq Aviation Lyceum"
CO_NAME = "Ergashboyev Bahodirjon"
CO_EMAIL = "bahodir.ergash@example.uz"
CO_ORG = "Nukus Polytechnic Institute"
REGION = "Republic of Karakalpakstan"
ORIGINAL_PDF = "qodirova_final_thesis.pdf"
ORIGINAL_PNG = "ergashboyev_photo_wind.png"
UPLOADED = datetime(2025, 3, 17, 9, 41, tzinfo=timezone.utc)
SECRETS = (LEAD_NAME, LEAD_EMAIL, LEAD_ORG, CO_NAME, CO_EMAIL, CO_ORG, REGION, "Karakalpak", "karakalpakstan",
           ORIGINAL_PDF, ORIGINAL_PNG, "qodirova", "ergashboyev", "2025-03-17", "14:41")


def pdf_by_author() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": LEAD_NAME, "/Creator": LEAD_ORG, "/Title": ORIGINAL_PDF})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_by_author() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", CO_NAME)
    info.add_text("Comment", CO_EMAIL)
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 110, 80)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def attach(entry: Entry, data: bytes, content_type: str, original_name: str) -> Attachment:
    extension = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}[content_type]
    attachment = Attachment(stored_name=uuid.uuid4().hex + extension, original_name=original_name,
                            content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                            uploaded_at=UPLOADED)
    path_of(attachment).write_bytes(data)
    entry.attachments.append(attachment)
    return attachment


def build_entry(contest, lead: User, title: str = "Wind-powered water pump") -> Entry:
    """A submitted entry whose authors, organizations, region and file names are all distinctive."""
    entry = Entry(contest=contest, lead_author=lead, status=EntryStatus.SUBMITTED, field=contest.fields[0],
                  summary="A pump driven by a small wind rotor.", description="Tested for 40 days in the field.",
                  submitted_at=UPLOADED)
    entry.set_title(title)
    entry.authors.append(EntryAuthor.from_user(lead, 0))
    entry.authors.append(EntryAuthor(full_name=CO_NAME, email=CO_EMAIL, category=Category.ENGINEER,
                                     organization=CO_ORG, region="karakalpakstan", position=1))
    db.session.add(entry)
    attach(entry, pdf_by_author(), "application/pdf", ORIGINAL_PDF)
    attach(entry, png_by_author(), "image/png", ORIGINAL_PNG)
    db.session.flush()
    return entry


def open_round(contest, number: int = 1, *, opens_in=-timedelta(days=1), closes_in=timedelta(days=5)) -> ScoringRound:
    now = utcnow()
    scoring_round = ScoringRound(contest=contest, number=number, opens_at=now + opens_in, closes_at=now + closes_in)
    db.session.add(scoring_round)
    db.session.flush()
    return scoring_round


@pytest.fixture
def login(client):
    """Signed in as flask-login does it, without checking a password (hashing is slow on purpose).

    The real sign-in form is used by test_a_judge_lands_on_the_queue_and_the_menu_points_there.
    """

    def do(user: User):
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = user.get_id(), True

    return do


@pytest.fixture
def contest(make_season):
    return make_season().contests[0]


@pytest.fixture
def lead(make_user):
    return make_user(full_name=LEAD_NAME, email=LEAD_EMAIL, organization=LEAD_ORG, region="karakalpakstan")


@pytest.fixture
def entry(contest, lead):
    entry = build_entry(contest, lead)
    db.session.commit()
    return entry


@pytest.fixture
def judge(make_user):
    return make_user(Role.JUDGE, full_name="Judge Karimov")


@pytest.fixture
def assignment(judge, entry):
    assignment = Assignment(judge=judge, entry=entry, round=1)
    db.session.add(assignment)
    db.session.commit()
    return assignment


@pytest.fixture
def scoring_round(contest):
    scoring_round = open_round(contest)
    db.session.commit()
    return scoring_round


def url(assignment: Assignment, tail: str = "") -> str:
    return f"/judging/assignments/{assignment.id}{tail}"


def sheet(contest, values=(), comments=(), overall="", action="save_draft") -> dict:
    """Form data for the rubric: values and comments by criterion position."""
    data = {"overall_comment": overall, action: "1"}
    for criterion, value in zip(contest.criteria, values):
        data[f"value_{criterion.id}"] = value
    for criterion, comment in zip(contest.criteria, comments):
        data[f"comment_{criterion.id}"] = comment
    return data


def reload(assignment: Assignment) -> Assignment | None:
    assignment_id = db.inspect(assignment).identity[0]  # readable even once the row is gone
    db.session.expire_all()
    return db.session.get(Assignment, assignment_id)


# -- the queue ---------------------------------------------------------------------------------

def test_the_queue_groups_assignments_by_contest_and_round_with_progress(
        client, login, make_user, contest, judge, lead, scoring_round):
    idea, project = contest, contest.season.contests[1]
    scoring_round.closes_at = datetime(2031, 5, 1, 12, 0, tzinfo=timezone.utc)
    first = build_entry(idea, lead, "Wind-powered water pump")
    second = build_entry(idea, lead, "Solar dryer for apricots")
    third = build_entry(project, lead, "Smart irrigation valve")
    db.session.add_all([Assignment(judge=judge, entry=first, status=SheetStatus.SUBMITTED, submitted_at=utcnow()),
                        Assignment(judge=judge, entry=second, overall_comment="half way"),
                        Assignment(judge=judge, entry=third, round=2),
                        Assignment(judge=make_user(Role.JUDGE), entry=third, round=1)])
    db.session.commit()
    login(judge)
    html = client.get("/judging/").get_data(as_text=True)
    assert "The Best Idea · Round 1" in html and "The Best Project · Round 2" in html
    assert "1 of 2 scored" in html and "0 of 1 scored" in html
    for e in (first, second, third):
        assert e.code in html and e.title in html
    assert re.search(r"E-\d{5}", html)
    assert "Energy" in html
    assert ">Submitted<" in html and ">Draft<" in html and ">Not started<" in html
    # Tashkent is UTC+5: 12:00 UTC closes at 17:00 local time.
    assert "Open until 2031-05-01 17:00 (UTC+5)" in html
    assert "Not open: no dates set yet" in html  # the project's round 2 has no dates
    assert html.count("/judging/assignments/") == 3  # the other judge's assignment is not listed


def test_the_queue_shows_rounds_not_yet_open_and_closed(client, login, judge, assignment, contest):
    open_round(contest, opens_in=timedelta(days=2), closes_in=timedelta(days=9))
    db.session.commit()
    login(judge)
    assert "Opens " in client.get("/judging/").get_data(as_text=True)
    scoring_round = db.session.scalars(db.select(ScoringRound)).one()
    scoring_round.opens_at, scoring_round.closes_at = utcnow() - timedelta(days=9), utcnow() - timedelta(days=1)
    db.session.commit()
    assert "Closed " in client.get("/judging/").get_data(as_text=True)


def test_an_empty_queue_says_so(client, login, judge):
    login(judge)
    assert "No entries are assigned to you yet" in client.get("/judging/").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.ORGANIZER, Role.ADMIN, Role.PARTICIPANT])
def test_only_judges_have_a_queue(client, login, make_user, role):
    login(make_user(role))
    assert client.get("/judging/").status_code == 403


def test_the_queue_needs_a_sign_in(client):
    response = client.get("/judging/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_a_judge_lands_on_the_queue_and_the_menu_points_there(client, judge):
    from tests.conftest import PASSWORD

    response = client.post("/auth/login", data={"email": judge.email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")
    response = client.get("/dashboard")
    assert response.status_code == 302 and response.headers["Location"].endswith("/judging/")
    assert 'href="/judging/">My queue<' in client.get("/judging/").get_data(as_text=True)


# -- the blind entry page and its files --------------------------------------------------------

def test_the_entry_page_is_blind(client, login, judge, assignment, entry, scoring_round):
    login(judge)
    response = client.get(url(assignment))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for shown in (entry.code, entry.title, "Energy", entry.summary, entry.description, "Novelty"):
        assert shown in html
    for secret in SECRETS:
        assert secret.lower() not in html.lower(), secret
    assert "@" not in html.replace("@media", "")  # no email address of any kind
    assert html.count(f"{url(assignment)}/files/") == 2


def test_files_are_listed_and_served_under_neutral_names_without_metadata(client, login, judge, assignment, entry):
    from contest.files.sanitize import neutral_name

    login(judge)
    html = client.get(url(assignment)).get_data(as_text=True)
    pdf_name = neutral_name(entry.code, 1, "application/pdf")
    png_name = neutral_name(entry.code, 2, "image/png")
    assert pdf_name in html and png_name in html
    for number, name, magic in ((1, pdf_name, b"%PDF-"), (2, png_name, b"\x89PNG")):
        response = client.get(url(assignment, f"/files/{number}"))
        assert response.status_code == 200
        assert name in response.headers["Content-Disposition"]
        assert "Last-Modified" not in response.headers and "ETag" not in response.headers
        headers = str(response.headers).lower()
        body = response.get_data()
        assert body.startswith(magic)
        for secret in SECRETS:
            assert secret.lower() not in headers, secret
            assert secret.lower().encode() not in body.lower(), (number, secret)


def test_a_file_that_cannot_be_made_anonymous_is_refused_not_served(client, login, judge, assignment, monkeypatch):
    def refuse(data, content_type):
        raise SanitizeError("unparsable")

    monkeypatch.setattr(judging, "sanitize", refuse)
    login(judge)
    response = client.get(url(assignment, "/files/1"))
    assert response.status_code == 302 and response.headers["Location"].endswith(url(assignment))
    assert b"%PDF" not in response.get_data()
    html = client.get(url(assignment)).get_data(as_text=True)
    assert "Document 1 could not be made anonymous" in html


def test_a_broken_pdf_is_refused_by_the_real_sanitizer(client, login, judge, assignment):
    path_of(assignment.entry.attachments[0]).write_bytes(b"%PDF-1.7\n" + LEAD_NAME.encode() + b" not really a pdf")
    login(judge)
    response = client.get(url(assignment, "/files/1"))
    assert response.status_code == 302
    assert LEAD_NAME.encode() not in response.get_data()


def test_a_missing_file_number_is_404(client, login, judge, assignment):
    login(judge)
    assert client.get(url(assignment, "/files/3")).status_code == 404
    assert client.get(url(assignment, "/files/0")).status_code == 404


@pytest.mark.parametrize("who", ["other judge", "participant", "author", "organizer"])
def test_nobody_else_sees_the_entry_or_its_files(client, login, make_user, lead, assignment, who):
    user = {"other judge": lambda: make_user(Role.JUDGE), "participant": lambda: make_user(),
            "author": lambda: lead, "organizer": lambda: make_user(Role.ORGANIZER)}[who]()
    login(user)
    for path in (url(assignment), url(assignment, "/files/1")):
        assert client.get(path).status_code == 404
    assert client.post(url(assignment, "/scores"), data={"save_draft": "1"}).status_code == 404
    assert client.post(url(assignment, "/conflict"), data={"reason": "x"}).status_code == 404
    assert reload(assignment) is not None


def test_a_judge_of_another_entry_gets_404(client, login, make_user, contest, lead, assignment):
    other_judge = make_user(Role.JUDGE)
    other = Assignment(judge=other_judge, entry=build_entry(contest, lead, "Another entry"))
    db.session.add(other)
    db.session.commit()
    login(other_judge)
    assert client.get(url(other)).status_code == 200
    assert client.get(url(assignment)).status_code == 404
    assert client.get(url(assignment, "/files/1")).status_code == 404


def test_a_conflict_on_record_closes_the_entry_to_its_judge(client, login, make_user, judge, assignment):
    db.session.add(Conflict(judge=judge, entry=assignment.entry, source=ConflictSource.MANUAL, reason="cousin",
                            created_by=make_user(Role.ORGANIZER)))
    db.session.commit()
    login(judge)
    assert client.get(url(assignment)).status_code == 404
    assert client.get(url(assignment, "/files/1")).status_code == 404
    assert assignment.entry.code not in client.get("/judging/").get_data(as_text=True)


def test_an_unknown_assignment_is_404(client, login, judge):
    login(judge)
    assert client.get("/judging/assignments/999999").status_code == 404
    assert client.get("/judging/assignments/999999/files/1").status_code == 404


def test_files_need_a_sign_in(client, assignment):
    assert client.get(url(assignment, "/files/1")).status_code == 302


# -- the rubric --------------------------------------------------------------------------------

def test_the_rubric_shows_each_criterion(client, login, judge, assignment, contest, scoring_round):
    contest.criteria[0].scale_min, contest.criteria[0].scale_max = 0, 5
    db.session.commit()
    login(judge)
    html = client.get(url(assignment)).get_data(as_text=True)
    for criterion in contest.criteria:
        assert criterion.name_en in html and criterion.description_en in html  # the reader reads English
        assert f'name="value_{criterion.id}"' in html and f'name="comment_{criterion.id}"' in html
    assert "Scale 0–5 · weight 0.3" in html and "Scale 1–10 · weight 0.2" in html
    assert 'name="overall_comment"' in html and "Save draft" in html and "Submit scores" in html
    assert "Scoring is open until" in html


def test_a_partial_draft_is_saved(client, login, judge, assignment, contest, scoring_round):
    login(judge)
    response = client.post(url(assignment, "/scores"),
                           data=sheet(contest, ["7", "", "8.5"], ["Clear idea", "", ""], overall="Promising"))
    assert response.status_code == 302 and response.headers["Location"].endswith(url(assignment))
    saved = reload(assignment)
    assert saved.status is SheetStatus.DRAFT and saved.submitted_at is None
    assert sorted(m.value for m in saved.marks) == [Decimal(7), Decimal("8.5")]
    assert {m.comment for m in saved.marks} == {"Clear idea", ""}
    assert saved.overall_comment == "Promising"
    html = client.get(url(assignment)).get_data(as_text=True)
    assert "Draft saved" in html and 'value="8.5"' in html and "Promising" in html
    assert ">Draft<" in client.get("/judging/").get_data(as_text=True)
    # Clearing a value in a later draft removes its mark.
    client.post(url(assignment, "/scores"), data=sheet(contest, ["7", "", ""]))
    assert [m.value for m in reload(assignment).marks] == [Decimal(7)]


def test_wrong_values_are_refused_beside_their_fields_and_typed_values_are_kept(
        client, login, judge, assignment, contest, scoring_round):
    login(judge)
    typed = ["11", "abc", "7.125", "7.5"]
    response = client.post(url(assignment, "/scores"),
                           data=sheet(contest, typed, ["kept comment", "another"], overall="kept overall"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Some scores need correcting." in html
    messages = ["The score must be from 1 to 10.", "Type a number, such as 7 or 7.5.",
                "Use at most two decimal places.", None]
    for criterion, value, message in zip(contest.criteria, typed, messages):
        field_html = html.split(f'name="value_{criterion.id}"')[1].split("</fieldset>")[0]
        assert f'value="{value}"' in html
        if message:
            assert message in field_html
        else:
            assert 'class="error"' not in field_html
    assert "kept comment" in html and "another" in html and "kept overall" in html
    assert reload(assignment).marks == []


SCALE_CASES = [
    ("0", "The score must be from 1 to 10."), ("-3", "The score must be from 1 to 10."),
    ("10.01", "The score must be from 1 to 10."), ("NaN", "Type a number"), ("1e1", "Type a number"),
    ("Infinity", "Type a number"), ("7 5", "Type a number"), ("7.125", "two decimal places"),
    ("1", None), ("10", None), ("+9.99", None), ("7,5", None), (" 8 ", None),
]


def test_the_scale_rule(assignment, contest, scoring_round):
    criterion = contest.criteria[0]
    for raw, problem in SCALE_CASES:
        try:
            judging.record(assignment, judging.Sheet(values={criterion.id: raw}), final=False)
        except judging.ScoreError as error:
            assert problem and problem in error.by_criterion[criterion.id], raw
        else:
            assert problem is None and assignment.marks[0].value == judging.parse_value(raw), raw


def test_a_refused_sheet_speaks_in_catalogue_codes(app, assignment, contest, scoring_round):
    criterion = contest.criteria[0]
    with pytest.raises(Refusal) as caught:
        judging.record(assignment, judging.Sheet(values={criterion.id: "11"}), final=False)
    refusal = caught.value
    assert isinstance(refusal, judging.ScoreError) and refusal.codes == ["scores_to_correct"]
    assert refusal.by_key == {criterion.id: Message("score_off_scale", {"min": 1, "max": 10})}
    assert str(refusal) == "Some scores need correcting.; The score must be from 1 to 10."
    with app.test_request_context(), force_locale("uz"):
        assert refusal.problems == [say(Message("scores_to_correct"))] != ["Some scores need correcting."]
        assert "1" in refusal.by_criterion[criterion.id] and "10" in refusal.by_criterion[criterion.id]


def test_the_judges_pages_name_the_field_and_the_criteria_in_the_readers_language(
        client, login, judge, assignment, contest, scoring_round):
    field, (first, second) = contest.fields[0], contest.criteria[:2]
    field.name_ru, first.name_ru, first.description_ru, second.name_ru = "Поле-ру", "Критерий-ру", "Описание-ру", ""
    judge.locale = "ru"
    db.session.commit()
    login(judge)
    queue = client.get("/judging/").get_data(as_text=True)
    page = client.get(url(assignment)).get_data(as_text=True)
    assert "Поле-ру" in queue and "Поле-ру" in page
    assert "<legend>Критерий-ру</legend>" in page and "Описание-ру" in page
    assert f"<legend>{second.name}</legend>" in page  # no Russian name: the Uzbek one
    assert f'<label for="value_{first.id}">' in page and "Критерий-ру</label>" in page


def test_an_input_longer_than_its_limit_comes_back_with_wtforms_words_and_nothing_is_saved(
        client, login, judge, assignment, contest, scoring_round):
    login(judge)
    first = contest.criteria[0]
    response = client.post(url(assignment, "/scores"), data=sheet(contest, ["7", "8" * 21], ["x" * 5001], "kept"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Some fields need correcting." in html
    assert html.count("Field cannot be longer than 20 characters.") == 1
    assert html.count("Field cannot be longer than 5000 characters.") == 1
    assert f'id="value_{first.id}" inputmode="decimal" maxlength="20" name="value_{first.id}"' in html
    assert f'maxlength="5000" name="comment_{first.id}"' in html and ">\nkept</textarea>" in html
    assert reload(assignment).marks == []


def test_a_score_post_needs_the_pages_csrf_token(app, client, login, judge, assignment, contest, scoring_round):
    """The rubric is no WTForms form any more: CSRFProtect alone guards its POST, before the view runs."""
    app.config["WTF_CSRF_ENABLED"] = True
    login(judge)
    data = sheet(contest, ["7"] * len(contest.criteria), action="submit_scores")
    refused = client.post(url(assignment, "/scores"), data=data)
    assert refused.status_code == 400 and reload(assignment).marks == []
    page = client.get(url(assignment)).get_data(as_text=True)
    token = re.search(r'<input id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)">', page).group(1)
    assert client.post(url(assignment, "/scores"), data={**data, "csrf_token": token}).status_code == 302
    assert len(reload(assignment).marks) == len(contest.criteria)


def test_a_decimal_comma_is_understood(client, login, judge, assignment, contest, scoring_round):
    login(judge)
    client.post(url(assignment, "/scores"), data=sheet(contest, ["7,25"]))
    assert reload(assignment).marks[0].value == Decimal("7.25")


def test_a_comment_needs_a_score_to_be_kept(client, login, judge, assignment, contest, scoring_round):
    login(judge)
    response = client.post(url(assignment, "/scores"), data=sheet(contest, [""], ["A thought"]))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Give a score too" in html and "A thought" in html


def test_submitting_needs_every_criterion(client, login, judge, assignment, contest, scoring_round):
    login(judge)
    response = client.post(url(assignment, "/scores"), data=sheet(contest, ["7", "8"], action="submit_scores"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Every criterion needs a score" in html and html.count("Give a score from 1 to 10.") == 2
    assert reload(assignment).status is SheetStatus.DRAFT and reload(assignment).marks == []


def test_submit_then_revise_while_the_round_is_open(client, login, judge, assignment, contest, scoring_round):
    login(judge)
    response = client.post(url(assignment, "/scores"),
                           data=sheet(contest, ["7", "8", "6", "9"], overall="Good", action="submit_scores"))
    assert response.status_code == 302 and response.headers["Location"].endswith("/judging/")
    saved = reload(assignment)
    assert saved.status is SheetStatus.SUBMITTED and saved.submitted_at is not None
    queue = client.get("/judging/").get_data(as_text=True)
    assert "are submitted" in queue and "1 of 1 scored" in queue and ">Submitted<" in queue
    client.post(url(assignment, "/scores"), data=sheet(contest, ["10", "8", "6", "9"], action="submit_scores"))
    saved = reload(assignment)
    assert saved.status is SheetStatus.SUBMITTED
    assert sorted(m.value for m in saved.marks) == [6, 8, 9, 10]
    # Saving a draft now starts a revision beside the sheet; the submitted marks stay (tests/test_sheet_revisions.py).
    client.post(url(assignment, "/scores"), data=sheet(contest, ["1", "8", "6", "9"]))
    saved = reload(assignment)
    assert saved.status is SheetStatus.SUBMITTED and sorted(m.value for m in saved.marks) == [6, 8, 9, 10]
    assert saved.open_revision is not None


def test_scores_freeze_when_the_round_closes(client, login, judge, assignment, contest, scoring_round):
    login(judge)
    client.post(url(assignment, "/scores"), data=sheet(contest, ["7", "8", "6", "9"], action="submit_scores"))
    scoring_round.opens_at, scoring_round.closes_at = utcnow() - timedelta(days=9), utcnow() - timedelta(minutes=1)
    db.session.commit()
    html = client.get(url(assignment)).get_data(as_text=True)
    assert "the scores are final" in html
    assert "Save draft" not in html and "Submit scores" not in html
    assert re.search(rf'<input[^>]*disabled[^>]*name="value_{contest.criteria[0].id}"', html) or \
        re.search(rf'<input[^>]*name="value_{contest.criteria[0].id}"[^>]*disabled', html)
    assert "I cannot judge this entry" not in html
    for action in ("save_draft", "submit_scores"):
        response = client.post(url(assignment, "/scores"), data=sheet(contest, ["1", "1", "1", "1"], action=action),
                               follow_redirects=True)
        assert "the scores are final" in response.get_data(as_text=True)
    response = client.post(url(assignment, "/conflict"), data={"reason": "Too late"})
    assert response.status_code == 422 and "Please tell the organizers" in response.get_data(as_text=True)
    saved = reload(assignment)
    assert saved.status is SheetStatus.SUBMITTED and sorted(m.value for m in saved.marks) == [6, 7, 8, 9]
    assert db.session.scalar(db.select(db.func.count(Conflict.id))) == 0


def test_no_scoring_without_an_open_round(client, login, judge, assignment, contest):
    login(judge)
    html = client.get(url(assignment)).get_data(as_text=True)
    assert "no dates are set yet for round 1" in html and "Submit scores" not in html
    response = client.post(url(assignment, "/scores"), data=sheet(contest, ["7"]), follow_redirects=True)
    assert "Scoring is not open" in response.get_data(as_text=True) and reload(assignment).marks == []
    open_round(contest, opens_in=timedelta(hours=3))
    db.session.commit()
    response = client.post(url(assignment, "/scores"), data=sheet(contest, ["7"]), follow_redirects=True)
    assert "Scoring is not open yet: round 1 opens on" in response.get_data(as_text=True)
    assert reload(assignment).marks == []


def test_round_two_takes_no_rubric_marks_even_while_open(client, login, judge, entry, contest, scoring_round):
    """The final round is judged on ranking ballots (tests/test_ballots.py); marks posted anyway are refused."""
    second = Assignment(judge=judge, entry=entry, round=2)
    db.session.add(second)
    open_round(contest, 2)
    db.session.commit()
    login(judge)
    page = client.post(url(second, "/scores"), data=sheet(contest, ["7"]), follow_redirects=True)
    assert reload(second).marks == []
    assert "judged on a ranking ballot" in page.get_data(as_text=True)


def test_the_predicates_guard_scoring(judge, make_user, assignment, contest):
    assert assignment.can_be_viewed_by(judge) and not assignment.can_be_scored_by(judge)
    scoring_round = open_round(contest)
    assert assignment.can_be_scored_by(judge)
    assert not assignment.can_be_scored_by(make_user(Role.JUDGE))
    assert not assignment.can_be_scored_by(judge, now=scoring_round.closes_at)
    assert assignment.is_frozen(now=scoring_round.closes_at) and not assignment.is_frozen()


def test_the_service_refuses_a_closed_round_whatever_it_is_sent(assignment, contest, scoring_round):
    values = {c.id: "5" for c in contest.criteria}
    with pytest.raises(judging.ScoreError):
        judging.record(assignment, judging.Sheet(values=values), final=True, now=scoring_round.closes_at)
    assert assignment.marks == []


def test_the_service_refuses_a_sheet_whose_assignment_is_gone(assignment, contest, scoring_round):
    db.session.execute(db.delete(Assignment).where(Assignment.id == assignment.id))
    with pytest.raises(judging.ScoreError, match="no longer in your queue"):
        judging.record(assignment, judging.Sheet(), final=False)


def test_a_contest_without_a_rubric_has_nothing_to_submit(assignment, contest, scoring_round):
    contest.criteria.clear()
    db.session.flush()
    with pytest.raises(judging.ScoreError, match="no rubric yet"):
        judging.record(assignment, judging.Sheet(), final=True)


# -- declaring a conflict ----------------------------------------------------------------------

def test_declaring_a_conflict_needs_a_reason(client, login, judge, assignment, contest, scoring_round):
    login(judge)
    response = client.post(url(assignment, "/conflict"), data={"reason": "  "})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Give a reason." in html
    assert reload(assignment) is not None


def test_a_declared_conflict_removes_the_entry_from_the_queue(client, login, judge, assignment, contest,
                                                              scoring_round):
    login(judge)
    client.post(url(assignment, "/scores"), data=sheet(contest, ["7", "8"]))
    code, entry_id, page = assignment.entry.code, assignment.entry_id, url(assignment)
    response = client.post(url(assignment, "/conflict"), data={"reason": "I supervised the lead author."},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert f"Conflict declared: {code} has left your queue" in html
    assert "No entries are assigned to you yet" in html and page not in html
    conflict = db.session.scalars(db.select(Conflict)).one()
    assert (conflict.judge_id, conflict.entry_id, conflict.source) == (judge.id, entry_id,
                                                                        ConflictSource.DECLARED_ENTRY)
    assert conflict.reason == "I supervised the lead author." and conflict.created_by_id == judge.id
    assert reload(assignment) is None
    assert db.session.scalar(db.select(db.func.count(Mark.id))) == 0
    assert client.get(page).status_code == 404


def test_a_conflict_can_be_declared_before_the_round_opens(client, login, judge, assignment):
    login(judge)
    html = client.get(url(assignment)).get_data(as_text=True)
    assert "I cannot judge this entry impartially" in html
    client.post(url(assignment, "/conflict"), data={"reason": "Same lab"})
    assert reload(assignment) is None and db.session.scalar(db.select(db.func.count(Conflict.id))) == 1


def test_pages_render_in_every_language(client, login, judge, assignment, scoring_round):
    login(judge)
    for code in ("uz", "ru"):
        client.post(f"/auth/language/{code}")
        assert client.get("/judging/").status_code == 200
        assert client.get(url(assignment)).status_code == 200
