"""Participants' entries: list, draft, edit, attach, submit, withdraw."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from contest.auth.access import role_required
from contest.downloads import send_download
from contest.extensions import db
from contest.i18n import say
from contest.models import Attachment, Contest, Entry, Role, Season
from contest.services import attachments, entries, entry_feedback, prizes
from contest.services.entries import EntryError
from contest.submissions import bp
from contest.actions import (
    ActionForm, Confirmation, attempt, commit_change, confirmation_page, confirmed, perform, refusal_texts,
)
from contest.submissions.forms import EntryForm, UploadForm

participant_required = role_required(Role.PARTICIPANT)


def _own_entry(entry_id: int) -> Entry:
    """The entry, if the signed-in user may see it; 404 otherwise (do not confirm it exists)."""
    entry = db.get_or_404(Entry, entry_id)
    if not entry.can_be_viewed_by(current_user):
        abort(404)
    return entry


def _editable_entry(entry_id: int) -> Entry:
    entry = _own_entry(entry_id)
    if not entry.can_be_edited_by(current_user):
        abort(403)
    return entry


def _attachment_of(entry: Entry, attachment_id: int) -> Attachment:
    """The entry's attachment; 404 for another entry's."""
    attachment = db.get_or_404(Attachment, attachment_id)
    if attachment.entry_id != entry.id:
        abort(404)
    return attachment


@bp.get("/")
@participant_required
def my_entries():
    mine = db.session.scalars(
        db.select(Entry).where(Entry.authors.any(user_id=current_user.id)).order_by(Entry.created_at.desc())
    ).all()
    season = Season.current()
    return render_template("submissions/my_entries.html", entries=mine, season=season)


@bp.route("/new/<int:contest_id>", methods=["GET", "POST"])
@participant_required
def new_entry(contest_id: int):
    contest = db.get_or_404(Contest, contest_id)
    form = EntryForm()
    form.set_fields(contest)
    if not contest.accepts_changes():
        flash(_("%(contest)s closed for submissions.", contest=contest.title), "warning")
        return redirect(url_for("submissions.my_entries"))
    if form.validate_on_submit():
        try:
            entry = attempt(lambda: entries.create(contest, current_user, form.to_draft()))
        except EntryError as error:
            return render_template("submissions/edit.html", form=form, contest=contest, entry=None,
                                   problems=refusal_texts(error)), 422
        flash(_("Draft saved. Attach your documents, then submit."), "success")
        return redirect(url_for("submissions.show", entry_id=entry.id))
    return render_template("submissions/edit.html", form=form, contest=contest, entry=None,
                           problems=[]), 422 if form.errors else 200


@bp.route("/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit(entry_id: int):
    entry = _editable_entry(entry_id)
    form = EntryForm()
    form.set_fields(entry.contest)
    if request.method == "GET":
        form.load(entry)
    elif form.validate_on_submit():
        try:
            attempt(lambda: entries.update(entry, form.to_draft()))
        except EntryError as error:
            return render_template("submissions/edit.html", form=form, contest=entry.contest, entry=entry,
                                   problems=refusal_texts(error)), 422
        flash(_("Your changes are saved."), "success")
        return redirect(url_for("submissions.show", entry_id=entry.id))
    return render_template("submissions/edit.html", form=form, contest=entry.contest, entry=entry,
                           problems=[]), 422 if form.errors else 200


@bp.get("/<int:entry_id>")
@login_required
def show(entry_id: int):
    entry = _own_entry(entry_id)
    standing = entry_feedback.published_standing(entry)
    comments = entry_feedback.entry_comments(entry, standing[0].published_at) if standing else []
    won = prizes.winnings(entry, current_user, standing[1].rank) if standing else None
    return render_template("submissions/show.html", entry=entry, upload_form=UploadForm(), action=ActionForm(),
                           missing=[say(problem) for problem in entries.completeness_problems(entry)],
                           standing=standing, comments=comments,
                           won=won)


@bp.post("/<int:entry_id>/attachments")
@login_required
def upload(entry_id: int):
    entry = _editable_entry(entry_id)
    form = UploadForm()
    if not form.validate_on_submit():
        for message in form.file.errors or [_("The upload could not be read; please try again.")]:
            flash(message, "danger")
        return redirect(url_for("submissions.show", entry_id=entry.id))
    commit_change(lambda: attachments.add(entry, form.file.data.stream, form.file.data.filename), (EntryError,),
                  _("File attached."))
    return redirect(url_for("submissions.show", entry_id=entry.id))


@bp.post("/<int:entry_id>/attachments/<int:attachment_id>/delete")
@login_required
def delete_attachment(entry_id: int, attachment_id: int):
    entry = _editable_entry(entry_id)
    attachment = _attachment_of(entry, attachment_id)
    perform(lambda: attachments.remove(attachment), (EntryError,), _("File removed."), "info")
    return redirect(url_for("submissions.show", entry_id=entry.id))


@bp.get("/<int:entry_id>/attachments/<int:attachment_id>")
@login_required
def download(entry_id: int, attachment_id: int):
    attachment = _attachment_of(_own_entry(entry_id), attachment_id)
    return send_download(attachments.path_of(attachment), attachment.content_type, attachment.original_name)


@bp.post("/<int:entry_id>/submit")
@login_required
def submit(entry_id: int):
    entry = _editable_entry(entry_id)
    perform(lambda: entries.submit(entry), (EntryError,),
            _("Your entry is submitted. You can still edit or withdraw it until the window closes."))
    return redirect(url_for("submissions.show", entry_id=entry.id))


@bp.get("/<int:entry_id>/withdraw")
@login_required
def confirm_withdraw(entry_id: int):
    """Withdrawing cannot be undone: say so, and who else loses the entry, before it happens."""
    entry = _editable_entry(entry_id)
    co_authors = [author.full_name for author in entry.authors if author.position > 0]
    consequences = [_("%(title)s (%(code)s) leaves %(contest)s: it will not be judged or ranked, and it "
                      "cannot be submitted again.", code=entry.code, title=entry.title, contest=entry.contest.title)]
    if co_authors:
        consequences.append(ngettext("%(num)d co-author loses the entry with you: %(names)s.",
                                     "%(num)d co-authors lose the entry with you: %(names)s.", len(co_authors),
                                     names=", ".join(co_authors)))
    else:
        consequences.append(_("The entry has no co-authors: only you are affected."))
    back = url_for("submissions.show", entry_id=entry.id)
    return confirmation_page(Confirmation(
        title=_("Withdraw %(code)s?", code=entry.code), action_url=url_for("submissions.withdraw", entry_id=entry.id),
        submit_label=_("Withdraw the entry"), back_url=back, consequences=consequences,
        refusals=[say(problem) for problem in entries.withdrawal_problems(entry)], danger=True))


@bp.post("/<int:entry_id>/withdraw")
@login_required
def withdraw(entry_id: int):
    entry = _editable_entry(entry_id)
    if not confirmed():
        return redirect(url_for("submissions.confirm_withdraw", entry_id=entry.id))
    perform(lambda: entries.withdraw(entry), (EntryError,), _("Your entry is withdrawn."), "info")
    return redirect(url_for("submissions.show", entry_id=entry.id))
