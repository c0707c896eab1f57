"""The participant's main journey in a real browser: register, draft, attach, submit, see it listed."""
from __future__ import annotations

from tests.conftest import PDF_BYTES


def test_participant_registers_drafts_attaches_a_pdf_submits_and_sees_it(live_server, page, tmp_path):
    pdf = tmp_path / "design-report.pdf"
    pdf.write_bytes(PDF_BYTES)

    page.goto(live_server + "/")
    page.get_by_role("link", name="Register to take part").first.click()
    page.get_by_label("Full name").fill("Yusupova Kamola")
    page.get_by_label("Email").fill("kamola@example.uz")
    page.get_by_label("Password", exact=True).fill("kamola-pass-1")
    page.get_by_label("Repeat the password").fill("kamola-pass-1")
    page.get_by_label("Category").select_option("engineer")
    page.get_by_label("Organization (university, school or enterprise)").fill("Navoi Mining and Metallurgical Company")
    page.get_by_label("Region").select_option("navoi")
    page.get_by_role("button", name="Create account").click()
    page.get_by_text("Welcome! Your account is ready.").wait_for()

    page.get_by_role("link", name="New entry: The Best Idea").click()
    page.get_by_label("Title").fill("Tailings-based cement")
    page.get_by_label("Engineering field").select_option(label="Energy")
    page.get_by_label("Summary").fill("Cement from mine tailings.")
    page.get_by_label("Description").fill("Lab results show 42 MPa at 28 days.")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft saved").wait_for()
    assert page.get_by_text("Attach at least one document").is_visible()

    page.get_by_label("Document (PDF, PNG or JPEG)").set_input_files(str(pdf))
    page.get_by_role("button", name="Attach").click()
    page.get_by_text("File attached.").wait_for()
    assert page.get_by_role("link", name="design-report.pdf").is_visible()

    page.get_by_role("button", name="Submit the entry").click()
    page.get_by_text("Your entry is submitted").wait_for()

    page.get_by_role("link", name="My entries").click()
    row = page.get_by_role("row", name="Tailings-based cement")
    assert "Submitted" in row.inner_text() and "The Best Idea" in row.inner_text()


def test_a_wrong_file_type_is_refused_and_the_draft_is_kept(live_server, page, tmp_path):
    fake = tmp_path / "virus.pdf"
    fake.write_bytes(b"MZ this is not a pdf")
    page.goto(live_server + "/auth/register")
    for label, value in (("Full name", "Aliyev Timur"), ("Email", "timur@example.uz")):
        page.get_by_label(label).fill(value)
    page.get_by_label("Password", exact=True).fill("timur-pass-12")
    page.get_by_label("Repeat the password").fill("timur-pass-12")
    page.get_by_label("Category").select_option("student")
    page.get_by_label("Organization (university, school or enterprise)").fill("Urgench State University")
    page.get_by_label("Region").select_option("khorezm")
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("link", name="New entry: The Best Project").click()
    page.get_by_label("Title").fill("Drip irrigation controller")
    page.get_by_role("button", name="Save draft").click()
    page.get_by_label("Document (PDF, PNG or JPEG)").set_input_files(str(fake))
    page.get_by_role("button", name="Attach").click()
    page.get_by_text("virus.pdf is not a PDF, PNG or JPEG file.").wait_for()
    assert page.get_by_role("heading", name="Drip irrigation controller").is_visible()


def test_the_site_switches_language(live_server, page):
    page.goto(live_server + "/auth/login")
    page.get_by_role("button", name="Русский").click()
    assert page.locator("html").get_attribute("lang") == "ru"
    page.get_by_role("button", name="O‘zbekcha").click()
    assert page.locator("html").get_attribute("lang") == "uz"
