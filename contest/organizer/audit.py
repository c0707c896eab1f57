"""The audit log as organizers read it: every change by organizers and judges, newest first."""
from __future__ import annotations

from flask import render_template, request

from contest.auth.access import staff_required
from contest.extensions import db
from contest.models import Entry
from contest.organizer import bp
from contest.organizer.forms import AuditFilterForm
from contest.services import audit

EVENTS_PER_PAGE = 50


@bp.get("/audit")
@staff_required
def audit_log():
    form = AuditFilterForm(request.args)
    form.set_choices(audit.actors(), audit.actions())
    query = audit.events()
    if form.validate():
        query = audit.events(actor=form.person.data or None, entry_id=Entry.id_from_code(form.entry.data),
                             action=form.action.data or None)
    page = db.paginate(query, per_page=EVENTS_PER_PAGE, error_out=False)
    return render_template("organizer/audit.html", form=form, page=page, people=audit.people_of(page.items),
                           entries=audit.entries_of(page.items), action_label=audit.action_label,
                           actor_labels=audit.ACTOR_LABELS, things=audit.THING_LABELS), 422 if form.errors else 200
