"""Organizers' results: live ranking, per-entry breakdown, charts, publishing, the final round."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from contest.actions import (
    ActionForm, Confirmation, attempt, commit_change, confirmation_page, confirmed, fingerprint, flash_problems,
    refusal_texts,
)
from contest.auth.access import staff_required
from contest.engines import scoring
from contest.extensions import db
from contest.i18n import local_time
from contest.jobs import queue as jobs
from contest.jobs import views as job_views
from contest.models import FINAL_ROUND, Assignment, Contest, Entry, ResultSnapshot, User
from contest.results import bp
from contest.results.forms import METHOD_NAMES, EffortForm, FinalRoundForm, MethodForm
from contest.services import charts, final_forecast, final_panel, judge_assignment, results, stored_rankings
from contest.services.result_messages import ResultMessages, result_messages
from contest.services.judge_assignment import AssignmentError


@bp.app_template_filter("method_name")
def method_name(method: str) -> str:
    return str(METHOD_NAMES.get(method, method))


bp.app_template_filter("effort_label")(charts.effort_label)


def _names(keys, model):
    ids = [results.key_id(k) for k in keys]
    return {results.entry_key(o.id) if model is Entry else results.judge_key(o.id): o
            for o in db.session.scalars(db.select(model).where(model.id.in_(ids)))} if ids else {}


@bp.get("/contests/<int:contest_id>")
@staff_required
def contest(contest_id: int):
    contest = db.get_or_404(Contest, contest_id)
    form = MethodForm(request.args)
    effort_form = EffortForm(request.args)
    return _contest_page(contest, form.method.data if form.validate() else scoring.DEFAULT_METHOD, form,
                         status=200 if effort_form.validate() else 422, effort_form=effort_form)


def _sized(contest: Contest, result: dict, effort_form: EffortForm, inline_limit: int | None = None):
    """The default ranking with its finalist round planned at the effort the organizer chose (their own
    figure, else the forecast's proposal), and the forecast; the ranking as it is when there is none."""
    try:
        forecast = final_forecast.forecast(contest, None if effort_form.errors else effort_form.extra_load,
                                           inline_limit)
    except final_forecast.TooLargeToForecast:
        return result, None, True
    return (final_forecast.sized(result, forecast.chosen) if forecast else result), forecast, False


def _contest_page(contest: Contest, method: str, form: MethodForm, final_form: FinalRoundForm | None = None,
                  status: int = 200, effort_form: EffortForm | None = None):
    final = final_panel.final_round(contest)
    effort_form = effort_form or EffortForm(formdata=None)
    forecast, too_large = None, False
    try:
        ranking = results.current(contest, method, _inline_limit())
        result = ranking.result
        proposal = planned = None
        if not final.finalists:             # not open yet: show what opening it would do, at the chosen effort
            planned = result if method == scoring.DEFAULT_METHOD else results.current(
                contest, scoring.DEFAULT_METHOD, _inline_limit()).result
            planned, forecast, too_large = _sized(contest, planned, effort_form, _inline_limit())
            if forecast:                    # the effort's warnings replace those of the engine's default load
                result = final_forecast.sized(result, forecast.chosen)
            proposal = final_panel.propose_final_round(contest, planned)
    except results.NothingToRank as nothing:
        return render_template("results/unranked.html", contest=contest, problems=nothing.problems), status
    except results.RankingPending:
        return _pending_page(contest, method), status
    entries = _names([r["entry"] for r in result["ranking"]], Entry)
    judges = _names([j["judge"] for j in result["judges"]], User)
    calibration = charts.judge_calibration(result["judges"], {key: j.full_name for key, j in judges.items()})
    distribution = charts.score_distribution([r["score"] for r in result["ranking"]])
    snapshots = db.session.scalars(db.select(ResultSnapshot).where(ResultSnapshot.contest_id == contest.id)
                                   .order_by(ResultSnapshot.version.desc())).all()
    messages = result_messages(result)
    return render_template("results/contest.html", contest=contest, result=result, entries=entries, judges=judges,
                           messages=messages, form=form, calibration=calibration, distribution=distribution,
                           snapshots=snapshots, proposal=proposal, final=final, planned=planned,
                           freshness=ranking.freshness, action=ActionForm(),
                           forecast=forecast, forecast_too_large=too_large, effort_form=effort_form,
                           forecast_chart=charts.final_round_forecast(forecast) if forecast else None,
                           why_no_final_round=_why_no_final_round(planned, proposal, messages) if proposal else [],
                           final_form=final_form or FinalRoundForm(
                               formdata=None, data=FinalRoundForm.stamp(final.window,
                                                                        judge_assignment.window_shown(final.window)))),\
        status


def _inline_limit() -> int:
    """Contests of more marks than this are ranked by the job only, never in a request."""
    return current_app.config["RANKING_INLINE_MAX_SCORES"]


def _pending_page(contest: Contest, method: str):
    """A ranking too large for a request: the job computing it, or the button that starts one."""
    job = jobs.latest("ranking", contest_id=contest.id)
    return render_template("results/pending.html", contest=contest, method=method, job=job,
                           status=job_views.status_of(job) if job else None, action=ActionForm())


@bp.post("/contests/<int:contest_id>/ranking")
@staff_required
def compute_ranking(contest_id: int):
    """Have the job rank the contest and store it (by this method and the default one, which proposes
    the final round), unless that is queued or current already; the results page follows it."""
    contest = db.get_or_404(Contest, contest_id)
    method = _chosen_method(request.form) or scoring.DEFAULT_METHOD
    if not ActionForm().validate_on_submit():
        abort(400)
    stored_rankings.request(contest, [method, scoring.DEFAULT_METHOD])  # the job starts with the commit
    return redirect(url_for("results.contest", contest_id=contest.id, method=method))


# The scoring engine's warnings that say why it proposes no finalist round.
_NO_FINAL_ROUND = ("no_extra_review", "panel_unaffordable")


def _why_no_final_round(result: dict, proposal: final_panel.FinalProposal, messages: ResultMessages) -> list[str]:
    """Why the final round cannot be opened (none: it can), said once: in its own section, not also above."""
    if proposal.finalists and proposal.panel:
        return []
    codes = result.get("warning_codes") or []
    if len(codes) == len(messages.warnings):
        said = [text for text, code in zip(messages.warnings, codes)
                if isinstance(code, dict) and code.get("code") in _NO_FINAL_ROUND]
        if said:
            messages.warnings = [text for text in messages.warnings if text not in said]
            return said
    if proposal.finalists:
        return [_("No judge can sit on the final panel: each candidate left the contest or is conflicted with "
                  "the finalists.")]
    return [_("The ranking proposes no finalists, so there is no final round to open.")]


@bp.get("/contests/<int:contest_id>/entries/<int:entry_id>")
@staff_required
def breakdown(contest_id: int, entry_id: int):
    contest = db.get_or_404(Contest, contest_id)
    entry = db.get_or_404(Entry, entry_id)
    if entry.contest_id != contest.id:
        abort(404)
    method = request.args.get("method", "calibrated")
    try:
        instance, result = results.compute(contest, method if method in ("calibrated", "mean", "zscore") else None,
                                           _inline_limit())
    except results.NothingToRank:
        abort(404)
    except results.RankingPending:
        return redirect(url_for("results.contest", contest_id=contest.id))
    detail = scoring.breakdown(instance, results.entry_key(entry.id), result)
    judges = _names([s["judge"] for s in detail["sheets"]], User)
    sheets = {(a.judge_id, a.round): a for a in db.session.scalars(
        db.select(Assignment).where(Assignment.entry_id == entry.id))}
    criteria = {f"c{c.id}": c for c in contest.criteria}
    return render_template("results/breakdown.html", contest=contest, entry=entry, detail=detail, judges=judges,
                           sheets=sheets, criteria=criteria, key_id=results.key_id)


def _chosen_method(values) -> str | None:
    """The method asked for; None leaves it to the engine (the stored instance then names none)."""
    form = MethodForm(values)
    return form.method.data if values.get("method") and form.validate() else None


@bp.get("/contests/<int:contest_id>/publish")
@staff_required
def confirm_publish(contest_id: int):
    """Say which version publishing makes and who will see it; an identical ranking makes none."""
    contest = db.get_or_404(Contest, contest_id)
    method = _chosen_method(request.args)
    confirmation = Confirmation(
        title=_("Publish the ranking of %(contest)s?", contest=contest.title),
        action_url=url_for("results.publish", contest_id=contest.id), submit_label=_("Publish this ranking"),
        back_url=url_for("results.contest", contest_id=contest.id, method=method),
        carried={"method": method} if method else {})
    try:
        publication = results.prepare_publication(contest, method, _inline_limit())
    except ValueError as error:
        confirmation.refusals = refusal_texts(error)
        return confirmation_page(confirmation)
    if publication.identical:
        confirmation.refusals = refusal_texts(results.AlreadyPublished(publication.latest))
    confirmation.seen = _would_publish(publication)
    ranked = len(publication.result["ranking"])
    confirmation.title = _("Publish version %(n)d of the ranking of %(contest)s?", n=publication.version,
                           contest=contest.title)
    confirmation.submit_label = _("Publish version %(n)d", n=publication.version)
    confirmation.consequences = [
        _("Version %(n)d of the ranking is made (method: %(method)s); earlier versions stay as they were.",
          n=publication.version, method=method_name(publication.result["method"])),
        ngettext("%(num)d entry is ranked.", "%(num)d entries are ranked.", ranked),
        ngettext("%(num)d participant will see their entry's rank, score and the judges' comments.",
                 "%(num)d participants will see their entry's rank, score and the judges' comments.",
                 results.participants_seeing(publication.result)),
    ]
    return confirmation_page(confirmation)


def _would_publish(publication: results.Publication) -> str:
    """The version publishing makes and from which scores: what its confirmation page promised."""
    return fingerprint(publication.version, publication.result["inputs_hash"], publication.result["method"])


@bp.post("/contests/<int:contest_id>/publish")
@staff_required
def publish(contest_id: int):
    contest = db.get_or_404(Contest, contest_id)
    method = _chosen_method(request.form)
    try:
        would_do = _would_publish(results.prepare_publication(contest, method, _inline_limit()))
    except ValueError:
        would_do = None  # publishing refuses below, with the reason
    if not confirmed(would_do):
        return redirect(url_for("results.confirm_publish", contest_id=contest.id, method=method))
    try:
        snapshot = attempt(lambda: results.publish(contest, current_user._get_current_object(), method,
                                                   _inline_limit()))
    except results.AlreadyPublished as same:
        flash_problems(same, "info")
        return redirect(url_for("results.snapshot", snapshot_id=same.latest.id))
    except ValueError as error:
        flash_problems(error)
        return redirect(url_for("results.contest", contest_id=contest.id))
    flash(_("%(contest)s: version %(n)d of the ranking is published.", n=snapshot.version, contest=contest.title),
          "success")
    return redirect(url_for("results.snapshot", snapshot_id=snapshot.id))


@bp.get("/snapshots/<int:snapshot_id>")
@staff_required
def snapshot(snapshot_id: int):
    snapshot = db.get_or_404(ResultSnapshot, snapshot_id)
    result = snapshot.result
    return render_template("results/snapshot.html", snapshot=snapshot, result=result,
                           entries=_names([r["entry"] for r in result["ranking"]], Entry),
                           messages=result_messages(result))


@bp.get("/contests/<int:contest_id>/final-round")
@staff_required
def confirm_final_round(contest_id: int):
    """Say who the final round puts to work, and that it stays as opened; a refused window comes
    back on the results page beside its fields (422)."""
    contest = db.get_or_404(Contest, contest_id)
    if final_panel.final_round(contest).finalists:
        return redirect(url_for("results.contest", contest_id=contest.id))
    form = FinalRoundForm(request.args, meta={"csrf": False})
    effort_form = EffortForm(request.args)
    if not (form.validate() & effort_form.validate()):
        return _contest_page(contest, scoring.DEFAULT_METHOD, MethodForm(), form, 422, effort_form)
    try:
        result = _sized(contest, results.current(contest, scoring.DEFAULT_METHOD, _inline_limit()).result,
                        effort_form, _inline_limit())[0]
    except (results.NothingToRank, results.RankingPending):
        return _contest_page(contest, scoring.DEFAULT_METHOD, MethodForm(), form, 422, effort_form)
    proposal = final_panel.propose_final_round(contest, result)
    confirmation = Confirmation(
        title=_("Open the final round of %(contest)s?", contest=contest.title),
        action_url=url_for("results.final_round", contest_id=contest.id), submit_label=_("Open the final round"),
        back_url=url_for("results.contest", contest_id=contest.id), warnings=proposal.notes,
        refusals=_why_no_final_round(result, proposal, result_messages(result)),
        carried={"opens_at": request.args["opens_at"], "closes_at": request.args["closes_at"],
                 **({"effort": request.args["effort"]} if effort_form.extra_load is not None else {})})
    confirmation.seen = _would_open(proposal)
    reviews = len(proposal.finalists) * len(proposal.panel) - len(proposal.left_out)
    confirmation.consequences = [
        ngettext("%(num)d finalist goes to the final round: %(codes)s.",
                 "%(num)d finalists go to the final round: %(codes)s.", len(proposal.finalists),
                 codes=", ".join(entry.code for entry in proposal.finalists)),
        ngettext("%(num)d panel judge will find the finalists in their queue and rank them: %(names)s.",
                 "%(num)d panel judges will find the finalists in their queue and rank them: %(names)s.",
                 len(proposal.panel), names=", ".join(judge.full_name for judge in proposal.panel)),
        ngettext("%(num)d final review in all.", "%(num)d final reviews in all.", reviews),
        _("The final round is open from %(opens)s to %(closes)s.", opens=local_time(form.opens_at.data),
          closes=local_time(form.closes_at.data)),
        _("Once open, its finalists and panel stay as they are; only its window can be moved."),
    ]
    return confirmation_page(confirmation)


def _would_open(proposal: final_panel.FinalProposal) -> str:
    """The finalists, panel and pairs left out that opening the round fixes: what its page promised."""
    return fingerprint([entry.id for entry in proposal.finalists], [judge.id for judge in proposal.panel],
                       sorted(map(str, proposal.left_out)))


@bp.post("/contests/<int:contest_id>/final-round")
@staff_required
def final_round(contest_id: int):
    """Open the final round as proposed, once confirmed; once it is open, only move its window.

    A refused window comes back on the page with what was typed (422), or, moved by someone else
    since the page was read, with what changed (409).
    """
    contest = db.get_or_404(Contest, contest_id)
    form = FinalRoundForm()
    effort_form = EffortForm(request.form)
    if not (form.validate_on_submit() & effort_form.validate()):
        return _contest_page(contest, scoring.DEFAULT_METHOD, MethodForm(), form, 422, effort_form)
    if final_panel.final_round(contest).finalists:  # open: only its window moves, from the version read
        if commit_change(lambda: judge_assignment.set_scoring_window(contest, FINAL_ROUND, form.opens_at.data,
                                                                     form.closes_at.data, seen=form.read_at()),
                         (AssignmentError,),
                         _("The final round's window is saved; its finalists and panel stay as they are."),
                         refused=form.refused_or(flash_problems)):
            return redirect(url_for("results.contest", contest_id=contest.id))
        return _contest_page(contest, scoring.DEFAULT_METHOD, MethodForm(), form, 409 if form.stale else 422)
    try:
        planned = _sized(contest, results.current(contest, scoring.DEFAULT_METHOD, _inline_limit()).result,
                         effort_form, _inline_limit())[0]
        proposal = final_panel.propose_final_round(contest, planned)
        if not confirmed(_would_open(proposal)):
            return redirect(url_for("results.confirm_final_round", contest_id=contest.id,
                                    opens_at=request.form["opens_at"], closes_at=request.form["closes_at"],
                                    **({"effort": request.form["effort"]} if effort_form.extra_load is not None
                                       else {})))
        created = attempt(lambda: final_panel.open_final_round(contest, proposal, opens_at=form.opens_at.data,
                                                               closes_at=form.closes_at.data))
    except (AssignmentError, results.NothingToRank, results.RankingPending) as error:
        flash_problems(error)
        return _contest_page(contest, scoring.DEFAULT_METHOD, MethodForm(), form, 422)
    flash(_("Final round open: %(n)d reviews for %(f)d finalists by a panel of %(p)d.", n=created,
            f=len(proposal.finalists), p=len(proposal.panel)), "success")
    for line in proposal.notes:
        flash(line, "warning")
    return redirect(url_for("results.contest", contest_id=contest.id))
