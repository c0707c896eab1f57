"""Organizers import participants and judges from Excel: all rows or none, and idempotent."""
from __future__ import annotations

import base64
import io
import re
from html import unescape

import pytest
from openpyxl import load_workbook

from contest.extensions import db
from contest.models import Category, JudgeExpertise, Role, User
from contest.services import imports
from tests.conftest import PASSWORD, PDF_BYTES
from tests.excel.test_people_import import JUDGE_HEADER, PARTICIPANT_HEADER, workbook

PARTICIPANT_ROWS = [
    ["Dilnoza Karimova", "Dilnoza@TUIT.uz", "student", "TUIT", "tashkent_city", "+998 90 123 45 67"],
    ["Aziz Rahimov", "aziz@example.uz", "Practicing engineer", "Uzbekneftegaz", "Samarkand region", None],
]
JUDGE_ROWS = [
    ["Bobur Aliev", "bobur@example.uz", "TSTU", "tashkent_city", "Energy:3; IT and software:2"],
    ["Kamola Yusupova", "kamola@example.uz", "Academy of Sciences", None, "Water management"],
]


def post(client, kind: str, data: bytes, name: str = "people.xlsx"):
    return client.post(f"/organizer/import/{kind}", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def people(role: Role) -> list[User]:
    return db.session.scalars(db.select(User).where(User.role == role).order_by(User.email)).all()


def download(html: str, name: str):
    """The workbook a page offers as a data: link."""
    match = re.search(r'href="data:[^;"]+;base64,([^"]+)" download="' + re.escape(name) + '"', html)
    assert match, f"no {name} link on the page"
    return load_workbook(io.BytesIO(base64.b64decode(match.group(1))))


@pytest.fixture
def organizer(make_user, login):
    user = make_user(Role.ORGANIZER, full_name="Org", email="org@example.uz")
    login(user)
    return user


# -- the templates ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind, header", [("participants", PARTICIPANT_HEADER), ("judges", JUDGE_HEADER)])
def test_templates_download_as_workbooks_with_the_headers_and_a_help_sheet(client, organizer, kind, header):
    response = client.get(f"/organizer/import/{kind}/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f"{kind}-template.xlsx" in response.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.data))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == header and all(c.font.b for c in ws[1]) and ws.freeze_panes == "A2"
    help_rows = list(wb["Help"].iter_rows(values_only=True))
    values = {row[2] for row in help_rows}
    assert {"andijan", "tashkent_city", "karakalpakstan"} <= values
    assert ("region", None, "samarkand", "Samarkand region") in help_rows
    assert ({"student", "teacher", "engineer"} <= values) == (kind == "participants")
    assert any("Energy:3" in (row[2] or "") for row in help_rows) == (kind == "judges")
    assert {row[0] for row in help_rows} >= set(header)


def test_the_help_sheet_speaks_the_organizers_language_and_keeps_the_english_names(client, organizer):
    client.post("/auth/language/uz")
    wb = load_workbook(io.BytesIO(client.get("/organizer/import/participants/template.xlsx").data))
    assert ("region", None, "samarkand", "Samarkand region (Samarqand viloyati)") in list(
        wb["Help"].iter_rows(values_only=True))


def test_the_import_pages_are_linked_from_the_staff_menu(client, organizer):
    html = client.get("/organizer/import/").get_data(as_text=True)
    assert 'href="/organizer/import/"' in html
    assert "/organizer/import/participants/template.xlsx" in html and "/organizer/import/judges" in html


# -- a good file -----------------------------------------------------------------------------


def test_a_good_participants_file_creates_accounts_with_set_password_links(client, organizer):
    response = post(client, "participants", workbook(PARTICIPANT_ROWS))
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200
    assert "2 created, 0 updated, 0 unchanged" in html
    aziz, dilnoza = people(Role.PARTICIPANT)
    assert (dilnoza.email, dilnoza.full_name, dilnoza.category, dilnoza.organization, dilnoza.region,
            dilnoza.phone) == ("dilnoza@tuit.uz", "Dilnoza Karimova", Category.STUDENT, "TUIT", "tashkent_city",
                               "+998 90 123 45 67")
    assert (aziz.category, aziz.region, aziz.phone) == (Category.ENGINEER, "samarkand", None)
    assert all(u.password_hash is None and u.invite_token_hash for u in (aziz, dilnoza))

    links = re.findall(r"http://localhost/auth/set-password/[\w-]+", html)
    assert len(set(links)) == 2
    listed = download(html, "participants-invitations.xlsx").active
    rows = list(listed.iter_rows(values_only=True))
    assert rows[0][:3] == ("Full name", "Email", "Set-password link")
    assert {(r[1], r[2]) for r in rows[1:]} <= {("dilnoza@tuit.uz", link) for link in links} | {
        ("aziz@example.uz", link) for link in links}
    assert sorted(r[2] for r in rows[1:]) == sorted(set(links))

    # The link works once: it sets the password and signs the participant in.
    client.post("/auth/logout")
    link = next(r[2] for r in rows[1:] if r[1] == "dilnoza@tuit.uz")
    path = link.removeprefix("http://localhost")
    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": "a new password", "confirm": "a new password"})
    assert response.status_code == 302
    assert db.session.get(User, dilnoza.id).check_password("a new password")
    assert client.get(path).status_code == 404


def test_a_good_judges_file_creates_judges_with_their_expertise(client, organizer):
    response = post(client, "judges", workbook(JUDGE_ROWS, header=JUDGE_HEADER))
    assert response.status_code == 200 and "2 created, 0 updated, 0 unchanged" in response.get_data(as_text=True)
    bobur, kamola = people(Role.JUDGE)
    assert (bobur.organization, bobur.region, kamola.region) == ("TSTU", "tashkent_city", None)
    assert [(e.field, e.level) for e in bobur.expertise] == [("Energy", 3), ("IT and software", 2)]
    assert [(e.field, e.level) for e in kamola.expertise] == [("Water management", 2)]
    assert all(j.password_hash is None and j.invite_token_hash and j.category is None for j in (bobur, kamola))


def test_text_that_looks_like_a_formula_is_stored_as_text(client, organizer):
    rows = [["=1+1", "f@example.uz", "student", '=HYPERLINK("http://evil.example")', "navoi", None]]
    assert post(client, "participants", workbook(rows, text_cells=["A2", "D2"])).status_code == 200
    (user,) = people(Role.PARTICIPANT)
    assert (user.full_name, user.organization) == ("=1+1", '=HYPERLINK("http://evil.example")')


# -- a bad file ------------------------------------------------------------------------------


def test_one_bad_row_commits_nothing_and_the_page_lists_the_problems(client, organizer):
    rows = PARTICIPANT_ROWS + [
        ["Malika Tosheva", "malika@@example.uz", "teacher", "School 5", "Mars", None],
        ["Aziz again", "AZIZ@example.uz", "teacher", "School 5", "navoi", None],
    ]
    response = post(client, "participants", workbook(rows))
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "Nothing was imported: 3 problems in a file of 4 rows." in html
    table = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split('class="problems"')[1].split("</table>")[0]))
    assert "4 email (B) “malika@@example.uz” is not a valid email address." in table
    assert "4 region (E) Unknown region “Mars”" in table
    assert "5 email (B) The same email is already on row 3." in table
    assert people(Role.PARTICIPANT) == []
    report = list(download(html, "participants-problems.xlsx").active.iter_rows(values_only=True))
    assert report[0] == ("Row", "Column", "Problem") and [r[:2] for r in report[1:]] == [
        (4, "email (B)"), (4, "region (E)"), (5, "email (B)")]


def test_an_email_of_an_account_of_another_role_is_a_row_problem(client, organizer, make_user):
    make_user(Role.JUDGE, email="judge@example.uz")
    rows = PARTICIPANT_ROWS + [["Judge", "Judge@Example.uz", "student", "X", "navoi", None],
                               ["Me", "org@example.uz", "student", "X", "navoi", None]]
    response = post(client, "participants", workbook(rows))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r"4</td><td>email \(B\)</td><td>This email belongs to an account of another role \(Judge\)", html)
    assert re.search(r"5</td><td>email \(B\)</td><td>This email belongs to an account of another role \(Organizer\)",
                     html)
    assert people(Role.PARTICIPANT) == []


def test_a_row_written_at_the_same_moment_by_someone_else_rolls_the_whole_file_back(
        client, organizer, make_user, monkeypatch):
    make_user(Role.PARTICIPANT, email="aziz@example.uz")
    # As if aziz registered between the check and the write: the check sees no account.
    monkeypatch.setattr(imports, "_accounts_by_email", lambda emails, with_expertise: {})
    response = post(client, "participants", workbook(PARTICIPANT_ROWS))
    assert response.status_code == 409 and "nothing was imported" in response.get_data(as_text=True)
    assert [u.email for u in people(Role.PARTICIPANT)] == ["aziz@example.uz"]


@pytest.mark.parametrize("data, name, message", [
    (PDF_BYTES, "people.xlsx", "This file is not an Excel workbook (.xlsx)."),
    (b"full_name,email\nAnn,ann@example.uz\n", "people.csv", "This file is not an Excel workbook (.xlsx)."),
    (bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504, "people.xls", "This is an old Excel 97-2003 file (.xls)."),
    (workbook([], header=JUDGE_HEADER), "judges.xlsx", "This looks like the judges template"),
    (workbook([]), "empty.xlsx", "The sheet has no rows to import under its header."),
])
def test_a_file_that_cannot_be_read_is_refused_with_a_message(client, organizer, data, name, message):
    response = post(client, "participants", data, name)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert people(Role.PARTICIPANT) == []


def test_no_file_chosen_is_explained(client, organizer):
    response = client.post("/organizer/import/participants", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a file." in response.get_data(as_text=True)


def test_too_many_rows_are_refused_and_the_cap_is_said(client, organizer):
    rows = [[f"P{n}", f"p{n}@example.uz", "student", "BSU", "bukhara", None] for n in range(5001)]
    response = post(client, "participants", workbook(rows))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "more than 5000 rows" in html
    assert people(Role.PARTICIPANT) == []


def test_a_file_over_the_size_cap_is_refused(app, client, organizer):
    app.config["IMPORT_MAX_BYTES"] = 1024 * 1024
    response = post(client, "participants", b"PK\x03\x04" + b"\0" * (1024 * 1024 + 10))
    assert response.status_code == 422 and "at most 1 MB" in response.get_data(as_text=True)


# -- importing again -------------------------------------------------------------------------


def test_importing_the_same_file_twice_changes_nothing(client, organizer):
    for kind, data in (("participants", workbook(PARTICIPANT_ROWS)),
                       ("judges", workbook(JUDGE_ROWS, header=JUDGE_HEADER))):
        assert post(client, kind, data).status_code == 200
    before = [(u.id, u.email, u.full_name, u.organization, u.region, u.category, u.phone, u.invite_token_hash,
               u.invite_expires_at, [(e.id, e.field, e.level) for e in u.expertise])
              for u in db.session.scalars(db.select(User).order_by(User.id))]
    for kind, data in (("participants", workbook(PARTICIPANT_ROWS)),
                       ("judges", workbook(JUDGE_ROWS, header=JUDGE_HEADER))):
        response = post(client, kind, data)
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "0 created, 0 updated, 2 unchanged" in html
        assert "set-password" not in html
    db.session.expire_all()
    after = [(u.id, u.email, u.full_name, u.organization, u.region, u.category, u.phone, u.invite_token_hash,
              u.invite_expires_at, [(e.id, e.field, e.level) for e in u.expertise])
             for u in db.session.scalars(db.select(User).order_by(User.id))]
    assert after == before


def test_a_changed_profile_is_updated_and_reported_and_the_password_kept(client, organizer, make_user):
    existing = make_user(Role.PARTICIPANT, email="aziz@example.uz", full_name="Aziz Rahimov",
                         category=Category.STUDENT, organization="TUIT", region="samarkand", phone="+998 71 1234567")
    response = post(client, "participants", workbook(PARTICIPANT_ROWS))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "1 created, 1 updated, 0 unchanged" in html
    updated = html.split('class="updated"')[1].split("</table>")[0]
    assert "aziz@example.uz" in updated and "3" in updated
    user = db.session.get(User, existing.id)
    assert (user.category, user.organization, user.region) == (Category.ENGINEER, "Uzbekneftegaz", "samarkand")
    assert user.phone == "+998 71 1234567"            # an empty optional cell keeps the phone
    assert user.check_password(PASSWORD) and user.invite_token_hash is None
    assert response.get_data(as_text=True).count("/auth/set-password/") == 1   # only the new account


def test_a_judges_expertise_is_replaced_by_the_files(client, organizer, make_user):
    judge = make_user(Role.JUDGE, email="bobur@example.uz", full_name="Bobur Aliev", organization="TSTU",
                      region="tashkent_city")
    db.session.add_all([JudgeExpertise(judge_id=judge.id, field="energy", level=1),
                        JudgeExpertise(judge_id=judge.id, field="Robotics", level=3)])
    db.session.commit()
    response = post(client, "judges", workbook(JUDGE_ROWS[:1], header=JUDGE_HEADER))
    assert "0 created, 1 updated, 0 unchanged" in response.get_data(as_text=True)
    judge = db.session.get(User, judge.id)
    assert sorted((e.field, e.level) for e in judge.expertise) == [("Energy", 3), ("IT and software", 2)]
    assert judge.check_password(PASSWORD)
    # The same file again: nothing to change.
    response = post(client, "judges", workbook(JUDGE_ROWS[:1], header=JUDGE_HEADER))
    assert "0 created, 0 updated, 1 unchanged" in response.get_data(as_text=True)


# -- who may import --------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.JUDGE])
def test_only_staff_may_open_the_import_pages(client, make_user, login, role):
    login(make_user(role))
    for path in ("/organizer/import/", "/organizer/import/participants", "/organizer/import/judges",
                 "/organizer/import/participants/template.xlsx", "/organizer/import/judges/template.xlsx"):
        assert client.get(path).status_code == 403, path
    response = post(client, "participants", workbook(PARTICIPANT_ROWS))
    assert response.status_code == 403
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1      # only the signed-in user


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/organizer/import/participants")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_an_admin_may_import(client, make_user, login):
    login(make_user(Role.ADMIN))
    assert post(client, "judges", workbook(JUDGE_ROWS, header=JUDGE_HEADER)).status_code == 200
    assert len(people(Role.JUDGE)) == 2
