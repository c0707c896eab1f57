"""Organizers' results: live ranking, per-entry breakdown, charts, publishing, the final round."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from contest.actions import ActionForm
from contest.auth.access import staff_required
from contest.engines import scoring
from contest.extensions import db
from contest.models import FINAL_ROUND, Assignment, Contest, Entry, ResultSnapshot, User
from contest.results import bp, charts
from contest.results.forms import METHOD_NAMES, FinalRoundForm, MethodForm
from contest.services import judge_assignment, results
from contest.services.result_messages import result_messages
from contest.services.judge_assignment import AssignmentError


@bp.app_template_filter("method_name")
def method_name(method: str) -> str:
    return str(METHOD_NAMES.get(method, method))


def _names(keys, model):
    ids = [results.key_id(k) for k in keys]
    return {results.entry_key(o.id) if model is Entry else results.judge_key(o.id): o
            for o in db.session.scalars(db.select(model).where(model.id.in_(ids)))} if ids else {}


@bp.get("/contests/<int:contest_id>")
@staff_required
def contest(contest_id: int):
    contest = db.get_or_404(Contest, contest_id)
    form = MethodForm(request.args)
    return _contest_page(contest, form.method.data if form.validate() else scoring.DEFAULT_METHOD, form)


def _contest_page(contest: Contest, method: str, form: MethodForm, final_form: FinalRoundForm | None = None,
                  status: int = 200):
    final = judge_assignment.final_round(contest)
    try:
        _instance, result = results.compute(contest, method)
        proposal = None
        if not final.finalists:             # not open yet: show what opening it would do
            planned = result if method == scoring.DEFAULT_METHOD else results.compute(
                contest, scoring.DEFAULT_METHOD)[1]
            proposal = judge_assignment.propose_final_round(contest, planned)
    except results.NothingToRank as nothing:
        return render_template("results/unranked.html", contest=contest, problems=nothing.problems), status
    entries = _names([r["entry"] for r in result["ranking"]], Entry)
    judges = _names([j["judge"] for j in result["judges"]], User)
    scatter = charts.scatter([(judges[j["judge"]].full_name if j["judge"] in judges else j["judge"],
                               j["leniency"] or 0.0, j["scale"] or 1.0, bool(j["outlier"]))
                              for j in result["judges"] if j["leniency"] is not None])
    histogram = charts.histogram([r["score"] for r in result["ranking"]])
    snapshots = db.session.scalars(db.select(ResultSnapshot).where(ResultSnapshot.contest_id == contest.id)
                                   .order_by(ResultSnapshot.version.desc())).all()
    return render_template("results/contest.html", contest=contest, result=result, entries=entries, judges=judges,
                           messages=result_messages(result), form=form, scatter=scatter, histogram=histogram,
                           snapshots=snapshots, action=ActionForm(), proposal=proposal, final=final,
                           final_form=final_form or FinalRoundForm(obj=final.window)), status


@bp.get("/contests/<int:contest_id>/entries/<int:entry_id>")
@staff_required
def breakdown(contest_id: int, entry_id: int):
    contest = db.get_or_404(Contest, contest_id)
    entry = db.get_or_404(Entry, entry_id)
    if entry.contest_id != contest.id:
        abort(404)
    method = request.args.get("method", "calibrated")
    try:
        instance, result = results.compute(contest, method if method in ("calibrated", "mean", "zscore") else None)
    except results.NothingToRank:
        abort(404)
    detail = scoring.breakdown(instance, results.entry_key(entry.id), result)
    judges = _names([s["judge"] for s in detail["sheets"]], User)
    sheets = {(a.judge_id, a.round): a for a in db.session.scalars(
        db.select(Assignment).where(Assignment.entry_id == entry.id))}
    criteria = {f"c{c.id}": c for c in contest.criteria}
    return render_template("results/breakdown.html", contest=contest, entry=entry, detail=detail, judges=judges,
                           sheets=sheets, criteria=criteria, key_id=results.key_id)


@bp.post("/contests/<int:contest_id>/publish")
@staff_required
def publish(contest_id: int):
    contest = db.get_or_404(Contest, contest_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        snapshot = results.publish(contest, current_user._get_current_object(), request.form.get("method") or None)
    except ValueError as error:
        db.session.rollback()
        flash(str(error), "danger")
        return redirect(url_for("results.contest", contest_id=contest.id))
    db.session.commit()
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


@bp.post("/contests/<int:contest_id>/final-round")
@staff_required
def final_round(contest_id: int):
    """Open the final round as proposed; once it is open, only move its window.

    A refused window comes back on the page with what was typed (422).
    """
    contest = db.get_or_404(Contest, contest_id)
    form = FinalRoundForm()
    if not form.validate_on_submit():
        return _contest_page(contest, scoring.DEFAULT_METHOD, MethodForm(), form, 422)
    already_open = bool(judge_assignment.final_round(contest).finalists)
    try:
        if already_open:            # the finalists and the panel stay as they were
            judge_assignment.set_scoring_window(contest, FINAL_ROUND, form.opens_at.data, form.closes_at.data)
        else:
            proposal = judge_assignment.propose_final_round(
                contest, results.compute(contest, scoring.DEFAULT_METHOD)[1])
            created = judge_assignment.open_final_round(contest, proposal, opens_at=form.opens_at.data,
                                                        closes_at=form.closes_at.data)
    except (AssignmentError, results.NothingToRank) as error:
        db.session.rollback()
        flash(str(error), "danger")
        return _contest_page(contest, scoring.DEFAULT_METHOD, MethodForm(), form, 422)
    db.session.commit()
    if already_open:
        flash(_("The final round's window is saved; its finalists and panel stay as they are."), "success")
    else:
        flash(_("Final round open: %(n)d reviews for %(f)d finalists by a panel of %(p)d.", n=created,
                f=len(proposal.finalists), p=len(proposal.panel)), "success")
        for line in proposal.notes:
            flash(line, "warning")
    return redirect(url_for("results.contest", contest_id=contest.id))
