"""Judges' pages: the queue, an entry shown blind with its rubric, its files, a declared conflict."""
from __future__ import annotations


from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from contest.actions import ActionForm, attempt, commit_change, perform, under
from contest.auth.access import role_required
from contest.downloads import send_download
from contest.extensions import db
from contest.files.sanitize import SanitizeError, neutral_name
from contest.i18n import decimal_text
from contest.judging import bp
from contest.judging.forms import ConflictForm, ScoreForm, ballot_form, conflict_input, score_form
from contest.models import FINAL_ROUND, Assignment, Contest, DeclarationKind, Entry, Role, SheetStatus, utcnow
from contest.organizer.forms import DeclarationForm
from contest.services import conflicts, judge_queue, judging, reassignment
from contest.services.conflicts import ConflictError
from contest.services.judging import BallotError, ScoreError


# What the entry page reads with the assignment, in its own statement: the entry, its contest and its field
# (the sheet itself is read as rows, judging.read_sheet). A score POST reads no entry: the statement gives
# it the contest's id, and its round and rubric are read as rows.
_SHEET_PAGE = (joinedload(Assignment.entry).joinedload(Entry.contest),
               joinedload(Assignment.entry).joinedload(Entry.field))


def _assignment_or_404(assignment_id: int, load=()) -> Assignment:
    """The assignment, if the signed-in judge may see it; 404 otherwise (do not confirm it exists)."""
    assignment = Assignment.with_facts(assignment_id, *load)
    if assignment is None or not assignment.can_be_viewed_by(current_user):
        abort(404)
    return assignment


def _loaded_form(assignment: Assignment, read: judging.SheetRead) -> ScoreForm:
    """The rubric's inputs as stored: the open revision while the judge may still submit it, else the sheet."""
    form = score_form(judging.rubric(assignment.entry_contest_id))
    if read.revising and _can_score(assignment):
        form.load(read.revision_marks, read.revision_comment)
    else:
        form.load(read.marks, assignment.overall_comment)
    return form


def _can_score(assignment: Assignment) -> bool:
    """`can_be_scored_by` for an assignment :func:`_assignment_or_404` let the judge see: the viewing half
    (a conflict lookup) is already checked, so only the round's window is left."""
    return assignment.accepts_scores()


def _render_entry(assignment: Assignment, form: ScoreForm, conflict_form: ConflictForm | None = None,
                  problems: list[str] = (), status: int = 200, read: judging.SheetRead | None = None):
    entry = assignment.entry
    read = read or judging.read_sheet(assignment)
    files = [(number, neutral_name(entry.code, number, content_type))
             for number, content_type in enumerate(read.content_types, start=1)]
    can_score = _can_score(assignment)
    return render_template(
        "judging/entry.html", assignment=assignment, entry=entry, files=files, form=form,
        conflict=conflict_input(conflict_form), problems=problems, scoring_round=assignment.scoring_round,
        can_score=can_score, closed=judging.closed_message(assignment),
        frozen=assignment.is_frozen(), state=judging.read_state(assignment, read),
        revision=read.revision_number, submitted={m.criterion_id: m for m in read.marks},
        sheet_labels=judging.SHEET_STATE_LABELS, number=decimal_text), status


@bp.get("/")
@role_required(Role.JUDGE)
def queue():
    return render_template("judging/queue.html", groups=judge_queue.queue(current_user), now=utcnow(),
                           sheet_labels=judging.state_labels())


@bp.get("/assignments/<int:assignment_id>")
@login_required
def entry(assignment_id: int):
    assignment = _assignment_or_404(assignment_id, _SHEET_PAGE)
    read = judging.read_sheet(assignment)
    return _render_entry(assignment, _loaded_form(assignment, read), read=read)


@bp.post("/assignments/<int:assignment_id>/scores")
@login_required
def save_scores(assignment_id: int):
    assignment = _assignment_or_404(assignment_id)
    if assignment.round == FINAL_ROUND:
        flash(_("The final round is judged on a ranking ballot, not on the rubric."), "info")
        return redirect(url_for("judging.ballot", contest_id=assignment.entry_contest_id))
    form = score_form(judging.rubric(assignment.entry_contest_id), request.form)
    if not _can_score(assignment):
        flash(judging.closed_message(assignment), "danger")
        return redirect(url_for("judging.entry", assignment_id=assignment.id))
    if not form.validate():
        return _render_entry(assignment, form, problems=[_("Some fields need correcting.")], status=422)
    final = form.final
    try:
        judging.record(assignment, form.to_sheet(), final=final, criteria=form.criteria)  # refuses before it writes
    except ScoreError as error:
        # A conflict declared meanwhile, in another tab, took the assignment away.
        if db.session.get(Assignment, assignment_id, populate_existing=True) is None:
            flash(error.problems[0] if error.problems else _("This entry is no longer in your queue."), "warning")
            return redirect(url_for("judging.queue"))
        form.show_problems(error.by_criterion)
        return _render_entry(assignment, form, problems=error.problems, status=422)
    done = _scores_saved(assignment, final)  # worded before the commit expires the rows it would reload
    flash(done, "success")
    return redirect(url_for("judging.queue") if final else url_for("judging.entry", assignment_id=assignment_id))


def _scores_saved(assignment: Assignment, final: bool) -> str:
    code = Entry.code_of(assignment.entry_id)
    if final:
        return _("Your scores for %(code)s are submitted. You can revise them until the round closes.", code=code)
    if assignment.status is SheetStatus.SUBMITTED:  # a save that is not a submission went to its revision
        return _("Revision saved for %(code)s. Your submitted scores still count until you submit it.", code=code)
    return _("Draft saved for %(code)s.", code=code)


def _discarded(count: int) -> str:
    return (_("Revision discarded: your submitted values count, as before.") if count
            else _("There was no revision to discard."))


@bp.post("/assignments/<int:assignment_id>/revision/discard")
@login_required
def discard_revision(assignment_id: int):
    assignment = _assignment_or_404(assignment_id)
    perform(lambda: judging.discard_revisions([assignment]), (ScoreError,), _discarded, "info")
    return redirect(url_for("judging.entry", assignment_id=assignment.id))


def _ballot_or_404(contest_id: int) -> tuple[Contest, list[Assignment]]:
    """The signed-in judge's finalists in this contest's final round; 404 for anyone not on its panel."""
    contest = db.session.get(Contest, contest_id)
    if contest is None or not current_user.is_authenticated:
        abort(404)
    assignments = [a for a in judging.ballot(current_user, contest) if a.can_be_viewed_by(current_user)]
    if not assignments:
        abort(404)
    return contest, assignments


def _render_ballot(contest: Contest, assignments: list[Assignment], form, problems: list[str] = (),
                   status: int = 200):
    first = assignments[0]
    return render_template(
        "judging/ballot.html", contest=contest, assignments=assignments, form=form, problems=problems,
        scoring_round=first.scoring_round, can_score=first.can_be_scored_by(current_user),
        closed=judging.closed_message(first), state=judging.ballot_state(assignments),
        sheet_labels=judging.SHEET_STATE_LABELS, action=ActionForm()), status


@bp.get("/contests/<int:contest_id>/ballot")
@login_required
def ballot(contest_id: int):
    contest, assignments = _ballot_or_404(contest_id)
    form = ballot_form(assignments)
    form.load(revising=assignments[0].can_be_scored_by(current_user))
    return _render_ballot(contest, assignments, form)


@bp.post("/contests/<int:contest_id>/ballot")
@login_required
def save_ballot(contest_id: int):
    contest, assignments = _ballot_or_404(contest_id)
    form = ballot_form(assignments)
    if not assignments[0].can_be_scored_by(current_user):
        flash(judging.closed_message(assignments[0]), "danger")
        return redirect(url_for("judging.ballot", contest_id=contest.id))
    if not form.validate_on_submit():
        return _render_ballot(contest, assignments, form, [_("Some fields need correcting.")], 422)
    final = form.final
    try:
        attempt(lambda: judging.record_ballot(assignments, form.typed(), final=final))
    except (BallotError, ScoreError) as error:
        form.show_problems(getattr(error, "by_assignment", {}))
        return _render_ballot(contest, assignments, form, error.problems, 422)
    if final:
        flash(_("Your ballot for %(contest)s is submitted. You can revise it until the round closes.",
                contest=contest.title), "success")
        return redirect(url_for("judging.queue"))
    if judging.ballot_state(assignments) == "revising":
        flash(_("Revision of your ballot saved. Your submitted places still count until you submit it."), "success")
    else:
        flash(_("Ballot draft saved."), "success")
    return redirect(url_for("judging.ballot", contest_id=contest.id))


@bp.post("/contests/<int:contest_id>/ballot/revision/discard")
@login_required
def discard_ballot_revision(contest_id: int):
    contest, assignments = _ballot_or_404(contest_id)
    perform(lambda: judging.discard_revisions(assignments), (ScoreError,), _discarded, "info")
    return redirect(url_for("judging.ballot", contest_id=contest.id))


@bp.get("/assignments/<int:assignment_id>/files/<int:number>")
@login_required
def file(assignment_id: int, number: int):
    assignment = _assignment_or_404(assignment_id)
    attachments = assignment.entry.attachments
    if not 1 <= number <= len(attachments):
        abort(404)
    attachment = attachments[number - 1]
    try:
        data = judging.blind_copy(attachment)
    except (SanitizeError, OSError):
        current_app.logger.warning("attachment %s not served blind", attachment.id, exc_info=True)
        flash(_("Document %(n)d could not be made anonymous, so it is not shown. "
                "The organizers can check the file.", n=number), "danger")
        return redirect(url_for("judging.entry", assignment_id=assignment.id))
    return send_download(data, attachment.content_type,
                         neutral_name(assignment.entry.code, number, attachment.content_type))


@bp.post("/assignments/<int:assignment_id>/conflict")
@login_required
def declare_conflict(assignment_id: int):
    assignment = _assignment_or_404(assignment_id, _SHEET_PAGE)
    conflict_form = ConflictForm()
    read = judging.read_sheet(assignment)
    form = _loaded_form(assignment, read)
    if not conflict_form.validate_on_submit():
        return _render_entry(assignment, form, conflict_form, status=422, read=read)
    code = assignment.entry.code
    try:
        outcome = attempt(lambda: reassignment.declare_on_entry(assignment, conflict_form.reason.data,
                                                                by=current_user._get_current_object()))
    except ScoreError as error:
        return _render_entry(assignment, form, conflict_form, error.problems, 422, read)
    if outcome.replaced:
        flash(_("Conflict declared: %(code)s has left your queue and another judge now has it.", code=code), "info")
    elif outcome.short:
        flash(_("Conflict declared: %(code)s has left your queue. No other judge is free to take it, so the "
                "organizers have been told.", code=code), "warning")
    else:
        flash(_("Conflict declared: %(code)s has left your queue.", code=code), "info")
    return redirect(url_for("judging.queue"))


def _declaration_message(outcome: reassignment.Outcome) -> str:
    """What a declaration did to the judge's queue, without naming other judges (or authors)."""
    gone = {entry.id for entry in outcome.replaced + outcome.short + outcome.released}
    if not gone:
        return _("Thank you: your declaration is recorded. No entry in your queue is affected.")
    parts = [ngettext("Thank you: %(num)d entry has left your queue.",
                      "Thank you: %(num)d entries have left your queue.", len(gone))]
    if outcome.replaced:
        parts.append(ngettext("%(num)d has been given to another judge.", "%(num)d have been given to other judges.",
                              len(outcome.replaced)))
    if outcome.short:
        parts.append(ngettext("%(num)d waits for the organizers, who have been told: no other judge is free to "
                              "take it.",
                              "%(num)d wait for the organizers, who have been told: no other judge is free to "
                              "take them.", len(outcome.short)))
    return " ".join(parts)


@bp.route("/declarations", methods=["GET", "POST"])
@role_required(Role.JUDGE)
def declarations():
    """A judge names the people and organizations they cannot judge impartially."""
    form = DeclarationForm()
    judge = current_user._get_current_object()
    if form.validate_on_submit():
        if commit_change(lambda: reassignment.declare(judge, DeclarationKind(form.kind.data), form.value.data,
                                                      by=judge),
                         (ConflictError,), _declaration_message, refused=under(form.value)):
            return redirect(url_for("judging.declarations"))
    return render_template("judging/declarations.html", form=form, declarations=conflicts.declarations_of(judge)), \
        422 if form.errors else 200
