"""Reading a filled-in people template: pure, no app, no database."""
from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from contest.excel import people_import
from contest.excel.people_import import (
    COLUMNS,
    PeopleKind,
    PersonRow,
    Vocabulary,
    WorkbookRefused,
    build_template,
    parse_expertise,
    read_people,
)
from contest.models import CATEGORY_LABELS, REGIONS

# Outside a request the labels are their English source text, the names a file may use.
VOCABULARY = Vocabulary(categories={c.value: str(label) for c, label in CATEGORY_LABELS.items()},
                        regions={code: str(name) for code, name in REGIONS.items()})
PARTICIPANT_HEADER = ["full_name", "email", "category", "organization", "region", "phone"]
JUDGE_HEADER = ["full_name", "email", "organization", "region", "expertise"]


def workbook(rows, header=PARTICIPANT_HEADER, title="Participants", text_cells=()) -> bytes:
    """An .xlsx as a person would save it; values in ``text_cells`` are stored as text cells
    even when they start with '=' (openpyxl would otherwise write them as formulas)."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(header)
    for row in rows:
        ws.append(row)
    for coordinate in text_cells:
        ws[coordinate].data_type = "s"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def participants(rows, **kw):
    return read_people(workbook(rows, **kw), PeopleKind.PARTICIPANTS, VOCABULARY)


def judges(rows, **kw):
    return read_people(workbook(rows, header=JUDGE_HEADER, title="Judges", **kw), PeopleKind.JUDGES, VOCABULARY)


def problems(sheet):
    return [(p.row, p.column, p.letter, p.code) for p in sheet.problems]


def refusal(data: bytes, kind=PeopleKind.PARTICIPANTS, **kw) -> WorkbookRefused:
    with pytest.raises(WorkbookRefused) as caught:
        read_people(data, kind, VOCABULARY, **kw)
    return caught.value


# -- good rows -------------------------------------------------------------------------------


def test_good_participant_rows_are_cleaned_and_numbered_as_in_excel():
    sheet = participants([
        ["  Dilnoza Karimova ", " Dilnoza@TUIT.uz ", "student", "TUIT", "tashkent_city", "+998 90 123 45 67"],
        [None, None, None, None, None, None],                          # a blank row is skipped
        ["Aziz Rahimov", "aziz@example.uz", "Practicing Engineer", "Uzbekneftegaz", "SAMARKAND REGION", 998901234567],
        ["Malika Tosheva", "malika@example.uz", "TEACHER", "School 5", "Republic of Karakalpakstan", None],
    ])
    assert sheet.ok and problems(sheet) == []
    assert sheet.rows == [
        PersonRow(row=2, full_name="Dilnoza Karimova", email="dilnoza@tuit.uz", organization="TUIT",
                  category="student", region="tashkent_city", phone="+998 90 123 45 67"),
        PersonRow(row=4, full_name="Aziz Rahimov", email="aziz@example.uz", organization="Uzbekneftegaz",
                  category="engineer", region="samarkand", phone="998901234567"),
        PersonRow(row=5, full_name="Malika Tosheva", email="malika@example.uz", organization="School 5",
                  category="teacher", region="karakalpakstan", phone=None),
    ]


def test_good_judge_rows_carry_their_expertise():
    sheet = judges([
        ["Bobur Aliev", "bobur@example.uz", "TSTU", "Tashkent city", "Energy:3; IT and software:2"],
        ["Kamola Yusupova", "kamola@example.uz", "Academy of Sciences", None, "Water management"],
        ["Jasur Nazarov", "jasur@example.uz", "UzAuto", "navoi", None],
    ])
    assert sheet.ok
    assert [(r.row, r.region, r.expertise) for r in sheet.rows] == [
        (2, "tashkent_city", (("Energy", 3), ("IT and software", 2))),
        (3, None, (("Water management", 2),)),          # no level: 2
        (4, "navoi", None),                              # empty cell: None, the account keeps its own
    ]


def test_columns_may_come_in_any_order_and_optional_ones_may_be_left_out():
    header = ["email", "Full Name", "region", "organization", "category"]
    sheet = participants([["a@example.uz", "Ann", "bukhara", "BSU", "student"],
                          ["bad-email", "", "bukhara", "BSU", "student"]], header=header)
    assert sheet.rows[0].full_name == "Ann" and sheet.rows[0].phone is None
    assert problems(sheet) == [(3, "email", "A", "email_invalid"), (3, "full_name", "B", "required")]


def test_the_sheet_named_after_the_template_is_read_even_when_it_is_not_first():
    wb = Workbook()
    wb.active.title = "Notes"
    wb.active.append(["anything", "else"])
    ws = wb.create_sheet("Participants")
    ws.append(PARTICIPANT_HEADER)
    ws.append(["Ann", "a@example.uz", "student", "BSU", "bukhara"])
    buffer = io.BytesIO()
    wb.save(buffer)
    sheet = read_people(buffer.getvalue(), "participants", VOCABULARY)
    assert [r.email for r in sheet.rows] == ["a@example.uz"]


# -- bad rows --------------------------------------------------------------------------------

GOOD = ["Ann Example", "ann@example.uz", "student", "BSU", "bukhara", "+998 90 123 45 67"]


@pytest.mark.parametrize("column, value, code", [
    ("full_name", "", "required"),
    ("full_name", "   ", "required"),
    ("email", "", "required"),
    ("email", "ann@", "email_invalid"),
    ("email", "ann example@bsu.uz", "email_invalid"),
    ("email", "ann@localhost", "email_invalid"),
    ("email", "a" * 250 + "@b.uz", "too_long"),
    ("category", "", "required"),
    ("category", "pupil", "category_unknown"),
    ("organization", "", "required"),
    ("organization", "x" * 201, "too_long"),
    ("region", "", "required"),
    ("region", "Tashkent", "region_unknown"),           # city or region? the file must say
    ("region", "moscow", "region_unknown"),
    ("phone", "call me", "phone_invalid"),
    ("phone", "12", "phone_invalid"),
])
def test_each_kind_of_bad_participant_row_is_reported_with_its_row_and_column(column, value, code):
    bad = list(GOOD)
    position = PARTICIPANT_HEADER.index(column)
    bad[position] = value
    other = ["Bob Example", "bob@example.uz", "teacher", "BSU", "bukhara", None]
    sheet = participants([other, bad, [None] * 6, other[:1] + ["carl@example.uz"] + other[2:]])
    assert problems(sheet) == [(3, column, "ABCDEF"[position], code)]
    assert [r.row for r in sheet.rows] == [2, 5] and not sheet.ok


@pytest.mark.parametrize("value, code, params", [
    ("Energy:4", "expertise_level", {"field": "Energy", "value": "4"}),
    ("Energy:0", "expertise_level", {"field": "Energy", "value": "0"}),
    ("Energy:high", "expertise_level", {"field": "Energy", "value": "high"}),
    ("Energy:", "expertise_level", {"field": "Energy", "value": ""}),
    (":3", "expertise_no_field", {"item": ":3"}),
    ("Energy:3; energy:1", "expertise_repeated", {"field": "energy"}),
])
def test_bad_expertise_is_reported_on_its_row(value, code, params):
    sheet = judges([["Bobur", "bobur@example.uz", "TSTU", None, "IT:1"],
                    ["Kamola", "kamola@example.uz", "TSTU", None, value]])
    assert [(p.row, p.column, p.letter, p.code, dict(p.params)) for p in sheet.problems] == [
        (3, "expertise", "E", code, params)]


def test_a_row_may_have_several_problems_and_all_are_reported():
    sheet = participants([["", "nope", "pupil", "", "mars", "x"]])
    assert problems(sheet) == [(2, "full_name", "A", "required"), (2, "email", "B", "email_invalid"),
                               (2, "category", "C", "category_unknown"), (2, "organization", "D", "required"),
                               (2, "region", "E", "region_unknown"), (2, "phone", "F", "phone_invalid")]


def test_duplicate_emails_in_the_file_are_reported_on_the_later_rows():
    sheet = participants([
        ["Ann", "ann@example.uz", "student", "BSU", "bukhara"],
        ["Bob", "bob@example.uz", "student", "BSU", "bukhara"],
        ["Ann again", " ANN@Example.UZ ", "student", "BSU", "bukhara"],
        ["Ann thrice", "ann@example.uz", "teacher", "BSU", "bukhara"],
    ])
    assert [(p.row, p.column, p.code, dict(p.params)) for p in sheet.problems] == [
        (4, "email", "email_repeated", {"first_row": 2}), (5, "email", "email_repeated", {"first_row": 2})]


# -- text that looks like a formula ----------------------------------------------------------


def test_text_that_looks_like_a_formula_is_kept_as_the_text_it_is():
    typed = ['=HYPERLINK("http://evil.example","click")', "=1+1", "+998901234567", "@SUM(A1)", "-5"]
    rows = [[f"Person {n}", f"p{n}@example.uz", "student", value, "bukhara"] for n, value in enumerate(typed)]
    data = workbook(rows, text_cells=[f"D{n}" for n in range(2, 2 + len(typed))])
    assert all(c.data_type == "s" for c in load_workbook(io.BytesIO(data)).active["D"][1:])
    sheet = read_people(data, "participants", VOCABULARY)
    assert sheet.ok and [r.organization for r in sheet.rows] == typed


def test_a_real_formula_is_never_evaluated():
    # openpyxl saves the formula without a computed value: there is nothing to read, and the
    # formula itself is not run, so the required cell counts as empty.
    data = workbook([["Ann", "ann@example.uz", "student", "=CONCATENATE(\"B\",\"SU\")", "bukhara"]])
    assert load_workbook(io.BytesIO(data)).active["D2"].data_type == "f"
    sheet = read_people(data, "participants", VOCABULARY)
    assert problems(sheet) == [(2, "organization", "D", "required")]


def test_text_written_by_our_own_sheet_writer_reads_back_exactly():
    from contest.excel.people_import import build_list
    from contest.excel.sheet import Column

    columns = [Column(key, key) for key in PARTICIPANT_HEADER]
    data = build_list("Participants", columns, [
        {"full_name": "=1+1", "email": "x@example.uz", "category": "engineer", "organization": "#N/A",
         "region": "navoi", "phone": "+998 71 200 00 00"}])
    row = read_people(data, "participants", VOCABULARY).rows[0]
    assert (row.full_name, row.organization, row.phone) == ("=1+1", "#N/A", "+998 71 200 00 00")


# -- files refused as a whole ----------------------------------------------------------------

PDF = b"%PDF-1.4\n%%EOF\n"


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize("data, code", [
    (b"", "empty_file"),
    (PDF, "not_xlsx"),
    (b"full_name,email\nAnn,ann@example.uz\n", "not_xlsx"),
    (b"PK\x03\x04 but not really a zip", "not_xlsx"),
    (_zip({"hello.txt": b"a zip, not a workbook"}), "not_xlsx"),
    (bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504, "old_excel"),
])
def test_a_file_that_is_not_an_xlsx_workbook_is_refused(data, code):
    assert refusal(data).code == code


def test_a_file_over_the_byte_cap_is_refused():
    data = workbook([GOOD])
    assert refusal(data, max_bytes=len(data) - 1).code == "file_too_large"


def test_a_zip_that_unpacks_to_too_much_is_refused_before_it_is_parsed(monkeypatch):
    monkeypatch.setattr(people_import, "MAX_UNPACKED_BYTES", 1_000_000)
    data = _zip({"xl/worksheets/sheet1.xml": b"\0" * 2_000_000})
    assert len(data) < 10_000 and refusal(data).code == "file_too_large"


def test_more_rows_than_the_cap_is_refused_and_says_the_cap():
    rows = [[f"P{n}", f"p{n}@example.uz", "student", "BSU", "bukhara"] for n in range(4)]
    assert read_people(workbook(rows[:3]), "participants", VOCABULARY, max_rows=3).ok
    refused = refusal(workbook(rows), max_rows=3)
    assert refused.code == "too_many_rows" and refused.params == {"max_rows": 3}


def test_the_default_cap_is_five_thousand_rows():
    assert people_import.MAX_ROWS == 5000


@pytest.mark.parametrize("header, kind, code, params", [
    (["full_name", "email", "category", "organization"], "participants", "missing_columns", {"columns": "region"}),
    (PARTICIPANT_HEADER + ["notes"], "participants", "unknown_columns", {"columns": "notes"}),
    (["full_name", "email", "email", "category", "organization", "region"], "participants", "repeated_columns",
     {"columns": "email"}),
    (JUDGE_HEADER, "participants", "other_template", {"kind": "judges"}),
    (PARTICIPANT_HEADER, "judges", "other_template", {"kind": "participants"}),
    ([None, None], "participants", "no_header", {}),
])
def test_a_header_that_does_not_match_the_template_is_refused(header, kind, code, params):
    refused = refusal(workbook([["x"] * 6], header=header, title="Sheet"), kind)
    assert (refused.code, refused.params) == (code, params)


def test_a_sheet_with_a_header_but_no_rows_is_refused():
    assert refusal(workbook([[None] * 6, []])).code == "no_rows"


# -- the template ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(PeopleKind))
def test_the_template_has_a_bold_frozen_header_and_a_help_sheet(kind):
    data = build_template(kind, ["Column", "Required", "Value", "What to write"],
                          [["region", "", "bukhara", "Bukhara region"]])
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [people_import.SHEET_TITLES[kind], "Help"]
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    assert header == [c.key for c in COLUMNS[kind]]
    assert ws.freeze_panes == "A2" and all(c.font.b for c in ws[1]) and ws.max_row == 1
    assert list(wb["Help"].iter_rows(values_only=True)) == [("Column", "Required", "Value", "What to write"),
                                                          ("region", None, "bukhara", "Bukhara region")]
    # The empty template reads back as "no rows", not as a broken file.
    assert refusal(data, kind).code == "no_rows"


# -- small parts -----------------------------------------------------------------------------


def test_expertise_items_are_split_on_semicolons_and_line_breaks():
    assert parse_expertise("Energy:3;IT and software : 1\nWater;; ") == (
        (("Energy", 3), ("IT and software", 1), ("Water", 2)), [])
    assert parse_expertise("Ratio 3:2 systems:3") == ((("Ratio 3:2 systems", 3),), [])


def test_the_phone_rule_is_the_registration_forms():
    from contest.auth.forms import PHONE

    assert people_import.PHONE_PATTERN == PHONE.regex.pattern
