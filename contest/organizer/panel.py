"""The organizers' judging pages: panels, judge profiles, conflicts, assignment runs, scoring windows."""
from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from contest.actions import (
    ActionForm, Confirmation, attempt, commit_change, confirmation_page, confirmed, fingerprint, flash_problems,
    perform, refusal_texts, remove_at_version, under,
)
from contest.auth.access import staff_required
from contest.extensions import db
from contest.forms import answer_status
from contest.i18n import local_time
from contest.models import (
    AssignmentRun, Assignment, Contest, ContestJudge, DeclarationKind, Entry, Role, RunStatus, ScoringRound, User,
)
from contest.jobs import views as job_views
from contest.organizer import bp
from contest.organizer.forms import (
    DeclarationForm, DryRunForm, ExpertiseForm, JudgesPerEntryForm, ManualAssignmentForm, ManualConflictForm,
    PanelJudgeForm, PanelLoadRowForm, PanelLoadsForm, ScoringRoundForm, parse_expertise,
)
from contest.services import charts, conflicts, judge_assignment, judges, reassignment
from contest.services.conflicts import ConflictError
from contest.services.judge_assignment import AssignmentError
from contest.services.judges import PanelError


def _choosing_a_panel_judge(form: ManualAssignmentForm, contest: Contest) -> ManualAssignmentForm:
    """The form, its judge chosen from the contest's panel."""
    form.judge.choices = [(m.judge_id, f"{m.judge.full_name} · {m.judge.email}") for m in judges.panel(contest)]
    return form


def _entry_and_judge(contest: Contest, form: ManualAssignmentForm | ManualConflictForm) -> tuple[Entry, User] | None:
    """The entry of the contest that the form names by its code (else the form says there is none) and
    the judge it chose."""
    entry = _entry_by_code(contest, form.entry_code.data)
    if entry is None:
        form.entry_code.errors.append(_("No entry of this contest has that code."))
        return None
    return entry, db.get_or_404(User, form.judge.data)


def _choosing_a_judge(form: PanelJudgeForm | ManualConflictForm) -> PanelJudgeForm | ManualConflictForm:
    """The form, its judge chosen from every judge account."""
    form.judge.choices = [(j.id, f"{j.full_name} · {j.email}") for j in judges.all_judges()]
    return form


def _entry_by_code(contest: Contest, code: str) -> Entry | None:
    entry_id = Entry.id_from_code(code)
    entry = db.session.get(Entry, entry_id) if entry_id else None
    return entry if entry is not None and entry.contest_id == contest.id else None


@bp.route("/contests/<int:contest_id>/panel", methods=["GET", "POST"])
@staff_required
def panel(contest_id: int):
    contest = db.get_or_404(Contest, contest_id)
    form = _choosing_a_judge(PanelJudgeForm())
    if not form.submit.data:
        return _panel_page(contest, form=form)  # its judges' choices are read once
    return _panel_form_saved(
        contest, "form", form,
        lambda: judges.add_to_panel(contest, db.get_or_404(User, form.judge.data), min_load=form.min_load.data,
                                    max_load=form.max_load.data),
        (PanelError,), _("Panel saved."), under(form.judge))


@bp.post("/contests/<int:contest_id>/panel/loads")
@staff_required
def panel_loads(contest_id: int):
    """Every member's loads from the panel's table, each row checked against the version it was read at."""
    contest = db.get_or_404(Contest, contest_id)
    form = PanelLoadsForm()

    def save():
        by_id = {str(m.id): m for m in judges.panel(contest)}
        judges.set_loads([judges.Loads(by_id[row.form.id.data], row.form.min_load.data, row.form.max_load.data,
                                       row.form.read_at()) for row in form.members if row.form.id.data in by_id])

    return _panel_form_saved(contest, "loads_form", form, save, (PanelError,), _("The loads are saved."),
                             form.refused_or(flash_problems))


def _panel_form_saved(contest: Contest, shown: str, form, change: Callable[[], object],
                      refusals: tuple[type[Exception], ...], done: str, refused: Callable[[Exception], None]):
    """One form of the panel page: saved, back to the page; invalid or refused, the page showing it as typed."""
    if form.validate_on_submit() and commit_change(change, refusals, done, refused=refused):
        return redirect(url_for("organizer.panel", contest_id=contest.id))
    return _panel_page(contest, **{shown: form})


def _panel_page(contest: Contest, *, form: PanelJudgeForm | None = None, k_form: JudgesPerEntryForm | None = None,
                round_form: ScoringRoundForm | None = None, loads_form: PanelLoadsForm | None = None):
    """The panel page; a form that failed is shown again with what was typed and its errors."""
    form = form or _choosing_a_judge(PanelJudgeForm(formdata=None))
    round_one = ScoringRound.of(contest.id, 1)
    members = judges.panel(contest)
    if loads_form is None:
        loads_form = PanelLoadsForm(formdata=None, data={"members": [
            {"id": m.id, **PanelLoadRowForm.stamp(m, judges.member_shown(m))} for m in members]})
    if k_form is None:
        k_form = JudgesPerEntryForm(formdata=None,
                                    data=JudgesPerEntryForm.stamp(contest, judges.judges_per_entry_shown(contest)))
    by_id = {str(m.id): m for m in members}
    return render_template("organizer/panel.html", contest=contest, form=form, k_form=k_form,
                           loads_form=loads_form, loads_rows=[(row, by_id.get(row.form.id.data))
                                                              for row in loads_form.members],
                           members=members, action=ActionForm(),
                           progress=charts.progress_by_judge(contest, [m.judge for m in members]),
                           round_form=round_form or ScoringRoundForm(
                               formdata=None, data=ScoringRoundForm.stamp(round_one,
                                                                          judge_assignment.window_shown(round_one))),
                           scoring_round=round_one), answer_status(form, k_form, round_form, loads_form)


@bp.post("/contests/<int:contest_id>/judges-per-entry")
@staff_required
def judges_per_entry(contest_id: int):
    contest = db.get_or_404(Contest, contest_id)
    form = JudgesPerEntryForm()
    return _panel_form_saved(
        contest, "k_form", form,
        lambda: judges.set_judges_per_entry(contest, form.judges_per_entry.data, seen=form.read_at()), (),
        _("Judges per entry saved."), form.refused_under(form.judges_per_entry))


@bp.post("/contests/<int:contest_id>/scoring-round")
@staff_required
def scoring_round(contest_id: int):
    form = ScoringRoundForm()
    contest = db.get_or_404(Contest, contest_id)
    return _panel_form_saved(
        contest, "round_form", form,
        lambda: judge_assignment.set_scoring_window(contest, 1, form.opens_at.data, form.closes_at.data,
                                                    seen=form.read_at()),
        (AssignmentError,), _("Scoring window saved."), form.refused_under(form.closes_at))


@bp.post("/panel-members/<int:member_id>/remove")
@staff_required
def remove_panel_member(member_id: int):
    member = db.get_or_404(ContestJudge, member_id)
    return remove_at_version(
        partial(judges.remove_from_panel, member), (PanelError,),
        lambda released: _("Judge removed from the panel; %(n)d unscored assignments released for the next run. "
                           "Their marks stay.", n=released), url_for("organizer.panel", contest_id=member.contest_id))


@bp.route("/judges/<int:judge_id>", methods=["GET", "POST"])
@staff_required
def judge(judge_id: int):
    judge = db.get_or_404(User, judge_id)
    if judge.role is not Role.JUDGE:
        abort(404)
    form = ExpertiseForm()
    declaration_form = DeclarationForm()
    if form.submit.data and form.validate_on_submit():
        levels, problems = parse_expertise(form.expertise.data)
        if problems:
            form.expertise.errors.extend(problems)
        else:
            judges.set_expertise(judge, levels)
            flash(_("Expertise saved."), "success")
            return redirect(url_for("organizer.judge", judge_id=judge.id))
    elif declaration_form.declare.data and declaration_form.validate_on_submit():
        outcome = reassignment.declare(judge, DeclarationKind(declaration_form.kind.data),
                                       declaration_form.value.data, by=current_user._get_current_object())
        flash(" ".join([_("Declaration recorded and applied to the judge's contests.")] + _reassigned(outcome)),
              "warning" if outcome.short else "success")
        return redirect(url_for("organizer.judge", judge_id=judge.id))
    if not form.is_submitted():
        form.expertise.data = "\n".join(f"{e.field}:{e.level}" for e in judge.expertise)
    declarations = conflicts.declarations_of(judge)
    status = 422 if form.errors or declaration_form.errors else 200
    return render_template("organizer/judge.html", judge=judge, form=form, declaration_form=declaration_form,
                           declarations=declarations), status


def _reassigned(outcome: reassignment.Outcome) -> list[str]:
    """The organizer's account of what a declaration did to the judge's assignments."""
    said = []
    if outcome.replaced:
        said.append(ngettext("%(num)d entry got another judge.", "%(num)d entries got other judges.",
                             len(outcome.replaced)))
    if outcome.short:
        said.append(ngettext("%(num)d entry has no eligible judge left; its contest's assignment page lists it.",
                             "%(num)d entries have no eligible judge left; their contests' assignment pages list "
                             "them.", len(outcome.short)))
    return said


@bp.route("/contests/<int:contest_id>/conflicts", methods=["GET", "POST"])
@staff_required
def contest_conflicts(contest_id: int):
    contest = db.get_or_404(Contest, contest_id)
    form = _choosing_a_judge(ManualConflictForm())
    if form.validate_on_submit() and (chosen := _entry_and_judge(contest, form)):
        entry, judge = chosen
        if commit_change(lambda: reassignment.record_manual(judge, entry, form.reason.data,
                                                            by=current_user._get_current_object()),
                         (ConflictError,), lambda outcome: " ".join([_("Conflict recorded.")] + _reassigned(outcome)),
                         refused=under(form.reason)):
            return redirect(url_for("organizer.contest_conflicts", contest_id=contest.id))
    found = conflicts.for_contest(contest)
    return render_template("organizer/conflicts.html", contest=contest, form=form, action=ActionForm(),
                           conflicts=found, reasons=conflicts.reasons_shown(found)), 422 if form.errors else 200


@bp.get("/contests/<int:contest_id>/conflicts/detect")
@staff_required
def confirm_detect_conflicts(contest_id: int):
    """Detecting releases the assigned pairs it finds in conflict, with their marks: say which first."""
    contest = db.get_or_404(Contest, contest_id)
    released = reassignment.released_by_detection(contest)
    marks = sum(len(a.marks) for a in released)
    confirmation = Confirmation(
        title=_("Detect the conflicts of %(contest)s again?", contest=contest.title),
        action_url=url_for("organizer.detect_conflicts", contest_id=contest.id),
        submit_label=_("Detect and release"), back_url=url_for("organizer.contest_conflicts", contest_id=contest.id),
        danger=True, seen=_would_release(released))
    confirmation.consequences = [
        ngettext("%(num)d assignment is in conflict and is released: %(pairs)s.",
                 "%(num)d assignments are in conflict and are released: %(pairs)s.", len(released),
                 pairs=", ".join(f"{a.entry.code} ({a.judge.full_name})" for a in released)),
        ngettext("%(num)d mark given on them is discarded and stops counting in the ranking.",
                 "%(num)d marks given on them are discarded and stop counting in the ranking.", marks),
        _("Each entry gets another eligible judge at once; an entry nobody eligible can take is listed on the "
          "assignment page."),
    ]
    return confirmation_page(confirmation)


def _would_release(released: list[Assignment]) -> str:
    return fingerprint(sorted((a.judge_id, a.entry_id, len(a.marks)) for a in released))


@bp.post("/contests/<int:contest_id>/conflicts/detect")
@staff_required
def detect_conflicts(contest_id: int):
    """Recompute the automatic conflicts; when that releases assigned pairs, only once confirmed."""
    contest = db.get_or_404(Contest, contest_id)
    released = reassignment.released_by_detection(contest)
    if released and not confirmed(_would_release(released)):
        return redirect(url_for("organizer.confirm_detect_conflicts", contest_id=contest.id))
    perform(lambda: reassignment.detect(contest, by=current_user._get_current_object()), (),
            lambda done: " ".join([_("%(n)d automatic conflicts found.", n=done[0])] + _reassigned(done[1])), "info")
    return redirect(url_for("organizer.contest_conflicts", contest_id=contest.id))


@bp.route("/contests/<int:contest_id>/assignment", methods=["GET", "POST"])
@staff_required
def assignment(contest_id: int):
    contest = db.get_or_404(Contest, contest_id)
    form = _choosing_a_panel_judge(ManualAssignmentForm(), contest)
    if form.validate_on_submit() and (chosen := _entry_and_judge(contest, form)):
        entry, judge = chosen
        if commit_change(lambda: judge_assignment.add_manual(entry, judge), (AssignmentError,),
                         _("Judge assigned."), refused=under(form.judge)):
            return redirect(url_for("organizer.assignment", contest_id=contest.id))
    return _assignment_page(contest, form)


def _assignment_page(contest: Contest, form: ManualAssignmentForm, run_form: DryRunForm | None = None):
    rows = judge_assignment.coverage(contest)
    history = reassignment.recent(contest, limit=None)
    shortfalls = [(row, reassignment.why_short(row)) for row in reassignment.unresolved_shortfalls(history, rows)]
    runs = judge_assignment.recent_runs(contest)
    if run_form is None:
        run_form = DryRunForm(formdata=None)
        run_form.show(judge_assignment.load_evening_of(runs[0] if runs else None))
    failed = form.errors or run_form.errors
    return render_template("organizer/assignment.html", contest=contest, form=form, action=ActionForm(),
                           run_form=run_form, rows=rows, runs=runs, shortfalls=shortfalls,
                           reassignments=history[:20]), 422 if failed else 200


@bp.post("/contests/<int:contest_id>/assignment/run")
@staff_required
def start_assignment_run(contest_id: int):
    contest = db.get_or_404(Contest, contest_id)
    run_form = DryRunForm()
    if not run_form.validate_on_submit():
        if "csrf_token" in run_form.errors:
            abort(400)
        return _assignment_page(contest, _choosing_a_panel_judge(ManualAssignmentForm(formdata=None), contest),
                                run_form)
    run = judge_assignment.start_run(contest, current_user._get_current_object(),
                                     load_evening=run_form.load_evening())  # the job starts with the commit
    return redirect(url_for("organizer.assignment_run", run_id=run.id))


@bp.get("/assignment-runs/<int:run_id>")
@staff_required
def assignment_run(run_id: int):
    run = db.get_or_404(AssignmentRun, run_id)
    status = job_views.status_of(run.job) if run.job else None
    result = judge_assignment.result_of(run)
    return render_template("organizer/assignment_run.html", run=run, result=result,
                           load_rows=judge_assignment.load_rows(result),
                           messages=judge_assignment.run_messages(run), job=run.job, status=status,
                           running=run.status is RunStatus.RUNNING and not (status and status["finished"]))


@bp.get("/assignment-runs/<int:run_id>/commit")
@staff_required
def confirm_assignment_run(run_id: int):
    """Say how many entries and judges the run puts in place, and warn while entries still come in."""
    run = db.get_or_404(AssignmentRun, run_id)
    contest = run.contest
    confirmation = Confirmation(
        title=_("Commit assignment run #%(n)d for %(contest)s?", n=run.id, contest=contest.title),
        action_url=url_for("organizer.commit_assignment_run", run_id=run.id),
        submit_label=_("Commit this assignment"), back_url=url_for("organizer.assignment_run", run_id=run.id))
    try:
        plan = judge_assignment.plan_commit(run)
    except AssignmentError as error:
        confirmation.refusals = refusal_texts(error)
        return confirmation_page(confirmation)
    confirmation.consequences = [
        ngettext("%(num)d entry is put before its judges (%(pairs)d assignments in all).",
                 "%(num)d entries are put before their judges (%(pairs)d assignments in all).", plan.entries,
                 pairs=len(plan.pairs)),
        ngettext("%(num)d judge has entries to score in this assignment.",
                 "%(num)d judges have entries to score in this assignment.", plan.judges),
        ngettext("%(num)d judge finds their queue changed: entries given to them, or unscored ones taken away.",
                 "%(num)d judges find their queue changed: entries given to them, or unscored ones taken away.",
                 plan.judges_affected),
        _("New assignments: %(added)d. Unscored assignments removed: %(removed)d. Scored assignments are kept.",
          added=len(plan.added), removed=len(plan.removed)),
    ]
    if contest.accepts_changes():
        confirmation.warnings = [_("%(contest)s still accepts entries until %(date)s: entries submitted after this "
                                   "commit will have no judges until you run and commit the assignment again.",
                                   contest=contest.title, date=local_time(contest.closes_at))]
    return confirmation_page(confirmation)


@bp.post("/assignment-runs/<int:run_id>/commit")
@staff_required
def commit_assignment_run(run_id: int):
    run = db.get_or_404(AssignmentRun, run_id)
    if not confirmed():
        return redirect(url_for("organizer.confirm_assignment_run", run_id=run.id))
    try:
        n = attempt(lambda: judge_assignment.commit_run(run))
    except AssignmentError as error:
        flash_problems(error)
        return redirect(url_for("organizer.assignment_run", run_id=run.id))
    flash(_("%(n)d assignments are in place.", n=n), "success")
    return redirect(url_for("organizer.assignment", contest_id=run.contest_id))


@bp.post("/assignments/<int:assignment_id>/remove")
@staff_required
def remove_assignment(assignment_id: int):
    assignment_ = db.get_or_404(Assignment, assignment_id)
    contest_id = assignment_.entry.contest_id
    perform(lambda: judge_assignment.remove(assignment_), (AssignmentError,), _("Assignment removed."), "info")
    return redirect(url_for("organizer.assignment", contest_id=contest_id))
