"""Importing participants and judges from Excel: the templates, the upload, the result."""
from __future__ import annotations

import base64
from datetime import timedelta

from flask import current_app, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from contest.actions import attempt, refusal_texts
from contest.auth.access import staff_required
from contest.downloads import XLSX, send_download
from contest.excel.people_import import MAX_FILE_BYTES, MAX_ROWS, PeopleKind
from contest.imports import bp
from contest.imports.forms import ImportForm
from contest.services import imports
from contest.services.imports import ImportRefused, ImportRejected

KINDS = "<any(participants, judges):kind>"
#: Problems listed on the page; all of them are in the workbook the page offers.
SHOWN_PROBLEMS = 1000


@bp.get("/")
@staff_required
def index():
    return render_template("imports/index.html", max_rows=MAX_ROWS)


@bp.get(f"/{KINDS}/template.xlsx")
@staff_required
def template(kind: str):
    data = imports.template_workbook(kind)
    return send_download(data, XLSX, f"{kind}-template.xlsx")


@bp.route(f"/{KINDS}", methods=["GET", "POST"])
@staff_required
def upload(kind: str):
    kind = PeopleKind(kind)
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(kind, form), 422 if form.errors else 200
    data = form.file.data.stream.read(_max_bytes() + 1)
    valid_for = timedelta(hours=current_app.config["INVITE_VALID_HOURS"])
    try:
        outcome = attempt(lambda: imports.import_people(data, kind, valid_for=valid_for, max_bytes=_max_bytes()))
    except ImportRefused as refusal:
        form.file.errors.extend(refusal_texts(refusal))
        return _page(kind, form), 422
    except ImportRejected as rejected:
        return _page(kind, form, rejected=rejected,
                     report_href=_data_href(imports.problems_workbook(rejected.lines))), 422
    except IntegrityError:
        # Someone created an account with one of these emails between the check and the write.
        form.file.errors.append(_("Another change to the same accounts arrived at the same moment, so nothing "
                                  "was imported. Upload the file again."))
        return _page(kind, form), 409

    def link_for(token: str) -> str:
        return url_for("auth.set_password", token=token, _external=True)

    links_href = _data_href(imports.invitations_workbook(outcome.created, link_for)) if outcome.created else None
    return render_template("imports/result.html", kind=kind, outcome=outcome, link_for=link_for,
                           links_href=links_href, form=ImportForm(formdata=None))


def _page(kind: PeopleKind, form: ImportForm, **context):
    return render_template("imports/upload.html", kind=kind, form=form, max_rows=MAX_ROWS,
                           max_mb=_max_bytes() // (1024 * 1024), shown=SHOWN_PROBLEMS, **context)


def _max_bytes() -> int:
    return current_app.config.get("IMPORT_MAX_BYTES", MAX_FILE_BYTES)


def _data_href(data: bytes) -> str:
    """The workbook inside the page itself: the one-time links exist in this response and nowhere
    else (the database keeps only their hashes), so there is nothing to fetch them from later."""
    return f"data:{XLSX};base64,{base64.b64encode(data).decode('ascii')}"
