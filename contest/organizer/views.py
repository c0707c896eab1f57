"""The organizers' area: seasons, contests and rubrics, judges, and the entries received."""
from __future__ import annotations

from datetime import timedelta
from functools import partial

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from contest.actions import ActionForm, attempt, commit_change, refusal_texts, remove_at_version
from contest.auth.access import staff_required
from contest.extensions import db
from contest.forms import answer_status
from contest.models import Contest, Criterion, Entry, Role, Season, User
from contest.organizer import bp, current_season
from contest.organizer.forms import (
    ContestForm, CriterionForm, EntryFilterForm, EntryJudgesForm, InviteJudgeForm, NewSeasonForm, SeasonForm,
    parse_lines,
)
from contest.services import accounts, charts, entry_queries, reassignment, seasons
from contest.services import entries as entries_service  # the view `entries` takes the plain name
from contest.services import judges as judges_service  # the view `judges` takes the plain name
from contest.services.accounts import AccountError
from contest.services.seasons import CriterionData, SeasonError


def _season_or_404(season_id: int | None = None) -> Season:
    season = db.session.get(Season, season_id) if season_id else Season.current()
    if season is None:
        abort(404)
    return season


@bp.get("/")
@staff_required
def overview():
    season = current_season()
    counts = entry_queries.counts(season)
    return render_template("organizer/overview.html", season=season, seasons=_all_seasons(), counts=counts,
                           by_status=entry_queries.status_counts(season),
                           by_contest=charts.entries_by_contest(counts["contest"]),
                           by_region=charts.entries_by_region(counts["region"]),
                           progress=charts.progress_by_contest(season),
                           short_contests=reassignment.short_contests(season.contests))


@bp.route("/seasons/new", methods=["GET", "POST"])
@staff_required
def new_season():
    form = NewSeasonForm()
    if request.method == "GET" and form.budget.data is None:
        form.budget.data = 15_000_000_000
    if form.validate_on_submit():
        try:
            season = attempt(lambda: seasons.create_season(
                form.year.data, form.budget.data, opens_at=form.opens_at.data, closes_at=form.closes_at.data,
                fields=parse_lines(form.fields.data)))
        except SeasonError as error:
            (form.fields if isinstance(error, seasons.FieldNamesError) else form.year).errors.extend(
                refusal_texts(error))
        else:
            flash(_("Season %(year)s is created with its three contests.", year=season.year), "success")
            return redirect(url_for("organizer.season", season_id=season.id))
    return render_template("organizer/season_new.html", form=form), 422 if form.errors else 200


@bp.route("/seasons/<int:season_id>", methods=["GET", "POST"])
@staff_required
def season(season_id: int):
    season = _season_or_404(season_id)
    form = SeasonForm(data=SeasonForm.stamp(season, seasons.season_shown(season)))
    if form.validate_on_submit():
        if commit_change(lambda: seasons.update_season(season, year=form.year.data, budget=form.budget.data,
                                                       seen=form.read_at()),
                         (SeasonError,), _("Season saved."), refused=form.refused_under(form.budget)):
            return redirect(url_for("organizer.season", season_id=season.id))
    return render_template("organizer/season.html", season=season, form=form), answer_status(form)


@bp.route("/contests/<int:contest_id>", methods=["GET", "POST"])
@staff_required
def contest(contest_id: int):
    contest = db.get_or_404(Contest, contest_id, options=[Contest.with_rubric_lock()], populate_existing=True)
    form = ContestForm(data=ContestForm.stamp(contest, seasons.contest_shown(contest)))
    if form.validate_on_submit():
        if commit_change(lambda: seasons.update_contest(contest, opens_at=form.opens_at.data,
                                                        closes_at=form.closes_at.data,
                                                        max_entries_per_author=form.max_entries_per_author.data,
                                                        field_names=parse_lines(form.fields.data),
                                                        seen=form.read_at()),
                         (SeasonError,), _("%(contest)s saved.", contest=contest.title),
                         refused=form.refused_under(form.fields)):
            return redirect(url_for("organizer.contest", contest_id=contest.id))
    return render_template("organizer/contest.html", contest=contest, form=form, criterion_form=CriterionForm(),
                           action=ActionForm()), answer_status(form)


@bp.route("/contests/<int:contest_id>/criteria/new", methods=["POST"])
@bp.route("/criteria/<int:criterion_id>", methods=["GET", "POST"])
@staff_required
def criterion(contest_id: int | None = None, criterion_id: int | None = None):
    existing = db.get_or_404(Criterion, criterion_id) if criterion_id else None
    contest = existing.contest if existing else db.get_or_404(Contest, contest_id)
    form = CriterionForm(data=CriterionForm.stamp(existing, seasons.criterion_shown(existing)) if existing else None)
    if form.validate_on_submit():
        data = CriterionData(weight=form.weight.data, scale_min=form.scale_min.data, scale_max=form.scale_max.data,
                             **{name: form[name].data or "" for name in CriterionForm.WORDING})
        if commit_change(lambda: seasons.save_criterion(contest, data, existing, seen=form.read_at()), (SeasonError,),
                         _("Rubric saved."), refused=form.refused_under(form.name)):
            return redirect(url_for("organizer.contest", contest_id=contest.id))
    return render_template("organizer/criterion.html", contest=contest, criterion=existing, form=form), \
        answer_status(form)


@bp.post("/criteria/<int:criterion_id>/delete")
@staff_required
def delete_criterion(criterion_id: int):
    criterion = db.get_or_404(Criterion, criterion_id)
    return remove_at_version(partial(seasons.delete_criterion, criterion), (SeasonError,), _("Criterion removed."),
                             url_for("organizer.contest", contest_id=criterion.contest_id))


@bp.get("/entries")
@staff_required
def entries():
    season = _season_or_404(request.args.get("season", type=int))
    form = EntryFilterForm(request.args)
    form.set_season(season)
    flt = entry_queries.EntryFilter()
    if form.validate():
        flt = entry_queries.EntryFilter(contest_id=form.contest.data, field_id=form.field.data,
                                        region=form.region.data or None, category=form.category.data or None,
                                        status=form.status.data or None, query=form.q.data)
    page = db.paginate(entry_queries.search(season, flt), per_page=current_app.config["ENTRIES_PER_PAGE"],
                       error_out=False)
    return render_template("organizer/entries.html", season=season, form=form, page=page)


@bp.get("/entries/<int:entry_id>")
@staff_required
def entry(entry_id: int):
    entry = db.get_or_404(Entry, entry_id)
    return render_template("organizer/entry.html", entry=entry, judges_form=EntryJudgesForm(obj=entry))


@bp.post("/entries/<int:entry_id>/judges")
@staff_required
def entry_judges(entry_id: int):
    """Some entries need more eyes (or fewer); the assignment engine takes the number per entry."""
    entry = db.get_or_404(Entry, entry_id)
    form = EntryJudgesForm()
    if not form.validate_on_submit():
        return render_template("organizer/entry.html", entry=entry, judges_form=form), 422
    entries_service.set_judges_needed(entry, form.judges_needed.data)
    flash(_("Judges for %(code)s saved; the next assignment run uses them.", code=entry.code), "success")
    return redirect(url_for("organizer.entry", entry_id=entry.id))


@bp.route("/judges", methods=["GET", "POST"])
@staff_required
def judges():
    form = InviteJudgeForm()
    invite_link = None
    if form.validate_on_submit():
        try:
            judge, token = attempt(lambda: accounts.invite_judge(
                email=form.email.data, full_name=form.full_name.data, organization=form.organization.data,
                region=form.region.data, valid_for=timedelta(hours=current_app.config["INVITE_VALID_HOURS"])))
        except AccountError:
            form.email.errors.append(_("An account with this email already exists."))
        else:
            invite_link = url_for("auth.set_password", token=token, _external=True)
            flash(_("Judge account created for %(name)s. The invitation mail with the link is in the outbox; the "
                    "link below works too, once.", name=judge.full_name), "success")
            form = InviteJudgeForm(formdata=None)
    return _judges_page(form, invite_link)


@bp.post("/judges/<int:judge_id>/invite")
@staff_required
def reissue_invite(judge_id: int):
    """A fresh one-time link for a judge who never set a password (the old link expired or was lost)."""
    judge = db.get_or_404(User, judge_id)
    if judge.role is not Role.JUDGE or not ActionForm().validate_on_submit():
        abort(404)
    try:
        token = attempt(lambda: accounts.reissue_invite(judge,
                                                        timedelta(hours=current_app.config["INVITE_VALID_HOURS"])))
    except AccountError:
        flash(_("%(name)s has set a password already; no new link is needed.", name=judge.full_name), "danger")
        return redirect(url_for("organizer.judges"))
    flash(_("A new link for %(name)s, mailed to them too; the previous one no longer works.", name=judge.full_name),
          "success")
    return _judges_page(InviteJudgeForm(formdata=None), url_for("auth.set_password", token=token, _external=True))


def _judges_page(form: InviteJudgeForm, invite_link: str | None):
    return render_template("organizer/judges.html", form=form, judges=judges_service.all_judges(),
                           invite_link=invite_link, action=ActionForm()), 422 if form.errors else 200


def _all_seasons() -> list[Season]:
    return db.session.scalars(db.select(Season).order_by(Season.year.desc())).all()
