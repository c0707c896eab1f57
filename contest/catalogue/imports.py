"""Why a workbook of people cannot be imported at all (contest.excel.people_import, contest.services.imports)."""
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
}
