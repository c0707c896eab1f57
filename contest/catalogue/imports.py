"""Why a workbook of people cannot be imported: the file as a whole, or a row's cell
(contest.excel.people_import, contest.services.imports)."""
from contest.catalogue import N_

MESSAGES = {
    "empty_file": N_("The file is empty."),
    "file_too_large": N_("The file is too large: a workbook of at most %(max_mb)s MB is accepted."),
    "old_excel": N_("This is an old Excel 97-2003 file (.xls). Open it in Excel, save it as an "
                    "Excel workbook (.xlsx) and upload it again."),
    "not_xlsx": N_("This file is not an Excel workbook (.xlsx). Download the template, fill it in and "
                   "upload it as .xlsx."),
    "no_sheet": N_("The workbook has no sheet to read."),
    "no_header": N_("The first row of the sheet must hold the column names of the template."),
    "other_template": N_("This looks like the %(kind)s template; upload it on the %(kind)s import page."),
    "unknown_columns": N_("Columns the template does not have: %(columns)s. Keep the template's column "
                          "names in the first row."),
    "repeated_columns": N_("Columns that appear twice: %(columns)s."),
    "missing_columns": N_("Required columns are missing: %(columns)s."),
    "too_many_rows": N_("The file has more than %(max_rows)s rows. Split it into files of at most "
                        "%(max_rows)s rows and import them one by one."),
    "no_rows": N_("The sheet has no rows to import under its header."),
    # one cell of one row (contest.excel.people_import.RowProblem codes, prefixed with "row_")
    "row_required": N_("Required; the cell is empty."),
    "row_too_long": N_("Too long: at most %(max)s characters."),
    "row_email_invalid": N_("“%(value)s” is not a valid email address."),
    "row_email_repeated": N_("The same email is already on row %(first_row)s."),
    "row_category_unknown": N_("Unknown category “%(value)s”: use student, teacher or engineer."),
    "row_region_unknown": N_("Unknown region “%(value)s”: use a region code or its English name (see the Help sheet)."),
    "row_phone_invalid": N_("Enter a phone number such as +998 90 123 45 67."),
    "row_expertise_no_field": N_("“%(item)s” has a level but no field."),
    "row_expertise_field_too_long": N_("The field “%(field)s” is longer than %(max)s characters."),
    "row_expertise_level": N_("The level of “%(field)s” must be 1, 2 or 3, not “%(value)s”."),
    "row_expertise_repeated": N_("The field “%(field)s” is listed twice."),
    "row_email_other_role": N_("This email belongs to an account of another role (%(role)s); it cannot be "
                               "imported here."),
}
