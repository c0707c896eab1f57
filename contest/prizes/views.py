"""Prizes: the catalogue and the budget page (organizers), ranked countries (winners)."""
from __future__ import annotations

from functools import partial

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from contest.actions import (
    ActionForm, Confirmation, attempt, commit_change, confirmation_page, confirmed, fingerprint, flash_problems,
    perform, refusal_texts, remove_at_version, under,
)
from contest.auth.access import role_required, staff_required
from contest.downloads import XLSX, send_download
from contest.extensions import db
from contest.forms import answer_status
from contest.i18n import by_name
from contest.money import soums
from contest.models import (
    SHARE_RULES,
    AllocationSnapshot,
    FixedPrize,
    InternshipCountry,
    Role,
    Season,
)
from contest.jobs import queue as jobs
from contest.organizer import current_season
from contest.prizes import bp
from contest.prizes.forms import (
    ApplyChangeForm,
    CatalogueForm,
    CountryRowForm,
    NewCountryForm,
    PreferencesForm,
    PrizeRowForm,
    WhatIfForm,
)
from contest.services import charts, prizes, season_export
from contest.services.prizes import Change, CountryRow, PrizeError, PrizeRow

participant_required = role_required(Role.PARTICIPANT)


def _season(season_id: int) -> Season:
    return db.get_or_404(Season, season_id)


@bp.get("/")
@staff_required
def index():
    return redirect(url_for("prizes.budget", season_id=current_season().id))


# --------------------------------------------------------------------------- catalogue

@bp.route("/seasons/<int:season_id>/catalogue", methods=["GET", "POST"])
@staff_required
def catalogue(season_id: int):
    season = _season(season_id)
    settings = prizes.catalogue(season)
    fixed, places = prizes.fixed_prizes(season), prizes.countries(season)
    form = CatalogueForm(data=None if request.method == "POST" else _catalogue_data(settings, fixed, places))
    problems: list[str] = []
    if form.validate_on_submit():
        by_prize, by_country = {str(p.id): p for p in fixed}, {str(c.id): c for c in places}
        prize_rows = [PrizeRow(by_prize[r.form.id.data], r.form.name.data or "", r.form.cost.data, r.form.read_at())
                      for r in form.prizes if r.form.id.data in by_prize]
        country_rows = [CountryRow(by_country[r.form.id.data], r.form.name.data or "", r.form.cost.data,
                                   r.form.capacity.data, r.form.read_at())
                        for r in form.countries if r.form.id.data in by_country]
        if commit_change(lambda: prizes.save_catalogue(season, settings, places=form.internship_places.data,
                                                       share_rule=form.share_rule.data,
                                                       preferences_close_at=form.preferences_close_at.data,
                                                       prizes=prize_rows, rows=country_rows, seen=form.read_at()),
                         (PrizeError,), _("The prize catalogue is saved."),
                         refused=form.refused_or(lambda error: problems.extend(refusal_texts(error)))):
            return redirect(url_for("prizes.catalogue", season_id=season.id))
    return _catalogue_page(season, form, fixed, places, problems=problems)


def _catalogue_data(settings, fixed, places) -> dict:
    """The catalogue as read now: each value the form shows, at the version of its row."""
    return {**CatalogueForm.stamp(settings, prizes.settings_shown(settings)),
            "prizes": [{"id": p.id, **PrizeRowForm.stamp(p, prizes.prize_shown(p))} for p in fixed],
            "countries": [{"id": c.id, **CountryRowForm.stamp(c, prizes.country_shown(c))} for c in places]}


def _catalogue_page(season: Season, form: CatalogueForm, fixed, places, *, new_country: NewCountryForm | None = None,
                    problems=()):
    """The catalogue page; a form that failed is shown again with what was typed and its errors
    (422), or with what changed since it was read (409)."""
    status = answer_status(form, new_country)
    return render_template("prizes/catalogue.html", season=season, form=form, fixed=fixed, countries=places,
                           new_country=new_country or NewCountryForm(formdata=None), action=ActionForm(),
                           problems=problems, country_name=prizes.country_name), \
        422 if problems and status == 200 else status


@bp.post("/seasons/<int:season_id>/countries")
@staff_required
def add_country(season_id: int):
    season = _season(season_id)
    settings = prizes.catalogue(season)
    form = NewCountryForm()
    if form.validate_on_submit() and commit_change(
            lambda: prizes.add_country(season, code=form.code.data, name=form.name.data, cost=form.cost.data,
                                       capacity=form.capacity.data),
            (PrizeError,), _("The country is added."), refused=under(form.code)):
        return redirect(url_for("prizes.catalogue", season_id=season.id))
    fixed, places = prizes.fixed_prizes(season), prizes.countries(season)
    catalogue_form = CatalogueForm(formdata=None, data=_catalogue_data(settings, fixed, places))
    return _catalogue_page(season, catalogue_form, fixed, places, new_country=form)


@bp.post("/countries/<int:country_id>/delete")
@staff_required
def remove_country(country_id: int):
    country = db.get_or_404(InternshipCountry, country_id)
    return remove_at_version(partial(prizes.remove_country, country), (PrizeError,),
                             _("The country is removed, with the preferences that named it."),
                             url_for("prizes.catalogue", season_id=country.season_id), "success")


# --------------------------------------------------------------------------- budget

def _targets(season: Season) -> list[tuple[str, str]]:
    return (by_name((f"country:{c.code}", prizes.country_name(c.code, c.name)) for c in prizes.countries(season))
            + [(f"prize:{p.id}", prizes.prize_name(p)) for p in prizes.fixed_prizes(season)])


def _change(season: Season, form: WhatIfForm) -> Change:
    kind, _sep, ident = (form.target.data or "").partition(":")
    change = Change(cost=form.cost.data, capacity=form.capacity.data)
    if kind == "country":
        change.country = db.session.scalar(db.select(InternshipCountry).where(
            InternshipCountry.season_id == season.id, InternshipCountry.code == ident))
    elif kind == "prize" and ident.isdigit():
        prize = db.session.get(FixedPrize, int(ident))
        change.prize = prize if prize is not None and prize.season_id == season.id else None
    return change


@bp.get("/seasons/<int:season_id>/budget")
@staff_required
def budget(season_id: int):
    return _budget_page(_season(season_id), WhatIfForm(request.args))


def _budget_page(season: Season, what_if_form: WhatIfForm, apply_form: ApplyChangeForm | None = None):
    """The budget page, with the what-if of ``what_if_form`` when one was asked; ``apply_form`` is
    an apply refused as stale, shown again with what changed and the fresh version."""
    state = prizes.compute(season)
    what_if = None
    what_if_form.target.choices = _targets(season)
    if what_if_form.target.raw_data and what_if_form.validate():
        change = _change(season, what_if_form)
        what_if = prizes.compute(season, change)
        if not what_if.problems and apply_form is None:
            apply_form = ApplyChangeForm(formdata=None, data={
                **ApplyChangeForm.stamp(change.target, change.target_shown()), "target": what_if_form.target.data,
                "cost": what_if_form.cost.data, "capacity": what_if_form.capacity.data})
    snapshots = db.session.scalars(db.select(AllocationSnapshot).where(AllocationSnapshot.season_id == season.id)
                                   .order_by(AllocationSnapshot.version.desc())).all()
    failed = bool(state.problems or (what_if and what_if.problems) or what_if_form.errors)
    status = answer_status(apply_form)  # 409 for an apply refused as stale
    return render_template("prizes/budget.html", season=season, state=state, what_if=what_if,
                           what_if_form=what_if_form, apply_form=apply_form,
                           snapshots=snapshots, lines=season_export.budget_lines(state),
                           budget_use=charts.budget_use(season.budget, state.prizes, state.awards.values()),
                           share_rules=SHARE_RULES, explain=prizes.explain_state, action=ActionForm()), \
        422 if failed and status == 200 else status


@bp.post("/seasons/<int:season_id>/what-if")
@staff_required
def apply_what_if(season_id: int):
    season = _season(season_id)
    form = ApplyChangeForm()
    form.target.choices = _targets(season)
    if not form.validate_on_submit():
        flash(_("The change could not be read; please try again."), "danger")
        return redirect(url_for("prizes.budget", season_id=season.id))
    commit_change(lambda: prizes.apply_change(season, _change(season, form), seen=form.read_at()), (PrizeError,),
                  _("The change is saved; the allocation below uses it."), refused=form.refused_or(flash_problems))
    if form.stale:  # the what-if again, from what is stored now, with what was typed and what changed
        return _budget_page(season, WhatIfForm(request.form), apply_form=form)
    return redirect(url_for("prizes.budget", season_id=season.id))


@bp.get("/seasons/<int:season_id>/commit")
@staff_required
def confirm_commit(season_id: int):
    """Say which version committing makes, who is funded and where, and who reads it on their page."""
    season = _season(season_id)
    state = prizes.compute(season)
    confirmation = Confirmation(
        title=_("Commit the allocation of %(season)s?", season=season.title),
        action_url=url_for("prizes.commit", season_id=season.id), submit_label=_("Commit this allocation"),
        back_url=url_for("prizes.budget", season_id=season.id), refusals=[] if state.result else state.problems)
    if state.result is None:
        return confirmation_page(confirmation)
    outcome = prizes.commit_outcome(state)
    confirmation.seen = _would_commit(state, outcome.version)
    confirmation.title = _("Commit version %(n)d of the allocation of %(season)s?", n=outcome.version,
                           season=season.title)
    confirmation.consequences = [
        _("This makes version %(n)d of the allocation; earlier versions stay as they were.", n=outcome.version),
        ngettext("%(num)d of the %(winners)d winners is funded for an internship abroad.",
                 "%(num)d of the %(winners)d winners are funded for an internship abroad.", outcome.funded,
                 winners=outcome.winners),
    ]
    if outcome.countries:
        confirmation.consequences.append(ngettext("They go to %(num)d country: %(names)s.",
                                                  "They go to %(num)d countries: %(names)s.",
                                                  len(outcome.countries), names=", ".join(outcome.countries)))
    confirmation.consequences += [
        ngettext("%(num)d winner with an account will see the outcome on their page: the country, or why none.",
                 "%(num)d winners with an account will see the outcome on their page: the country, or why none.",
                 outcome.with_account),
        _("Spent %(spent)s of %(budget)s (fixed prizes included); remaining %(left)s.",
          spent=soums(state.result["spent"]), budget=soums(state.result["budget"]),
          left=soums(state.result["remaining"])),
    ]
    if outcome.funded < outcome.winners:
        confirmation.warnings = [ngettext(
            "%(num)d winner gets no internship in this version; the budget page says why.",
            "%(num)d winners get no internship in this version; the budget page says why.",
            outcome.winners - outcome.funded)]
    return confirmation_page(confirmation)


def _would_commit(state: prizes.PrizeState, version: int) -> str:
    """The version committing makes and the allocation it stores: what its confirmation page promised."""
    return fingerprint(version, state.result)


@bp.post("/seasons/<int:season_id>/commit")
@staff_required
def commit(season_id: int):
    season = _season(season_id)
    state = prizes.compute(season)
    if not confirmed(_would_commit(state, prizes.commit_outcome(state).version) if state.result else None):
        return redirect(url_for("prizes.confirm_commit", season_id=season.id))
    perform(lambda: prizes.commit(season, current_user._get_current_object()), (PrizeError,),
            lambda snapshot: _("Version %(n)d of the allocation is committed.", n=snapshot.version))
    return redirect(url_for("prizes.budget", season_id=season.id))


def _workbook_language(chosen: str | None) -> str:
    """The language chosen beside the workbook's link, else the organizer's own."""
    return chosen if chosen in current_app.config["LANGUAGES"] else str(get_locale())


@bp.get("/seasons/<int:season_id>/workbook")
@staff_required
def workbook(season_id: int):
    """The season workbook in the language chosen beside the link, else in the organizer's own."""
    season = _season(season_id)
    data = season_export.workbook(season, _workbook_language(request.args.get("lang")))
    return send_download(data, XLSX, season_export.workbook_name(season))


@bp.post("/seasons/<int:season_id>/workbook")
@staff_required
def prepare_workbook(season_id: int):
    """Build the workbook as a background job (a national season is large); its page offers the download."""
    season = _season(season_id)
    language = _workbook_language(request.form.get("lang"))
    if not ActionForm().validate_on_submit():
        abort(400)
    job = jobs.enqueue("season_workbook", season_id=season.id, locale=language,
                       created_by=current_user._get_current_object())  # it starts with the commit
    flash(_("The workbook is being prepared; download it from this page when it is ready."), "info")
    return redirect(url_for("jobs.job", job_id=job.id))


# --------------------------------------------------------------------------- preferences

def _preferences_page(season: Season, person: str, name: str, back: str):
    """A winner's ranked countries and, once an allocation is committed, what they got and why."""
    settings = prizes.catalogue(season)
    places = prizes.countries(season)
    current = prizes.preferences(season).get(person, [])
    form = PreferencesForm()
    problems = []
    if form.validate_on_submit():
        codes = [c.strip() for c in form.countries.data if c and c.strip()]
        try:
            attempt(lambda: prizes.set_preferences(season, settings, person, codes,
                                                   current_user._get_current_object()))
        except PrizeError as error:
            problems = refusal_texts(error)
        else:
            flash(_("The choices are saved."), "success")
            return redirect(back)
    slots = [current[i] if i < len(current) else "" for i in range(len(places))]
    return render_template("prizes/preferences.html", season=season, settings=settings,
                           countries=by_name(places, lambda c: prizes.country_name(c.code, c.name)),
                           slots=slots, form=form, name=name, problems=problems,
                           open=settings.accepts_preferences(), prize=prizes.my_prize(season, person),
                           country_name=prizes.country_name), 422 if problems else 200


@bp.route("/mine", methods=["GET", "POST"])
@participant_required
def mine():
    season = Season.current()
    if season is None:
        abort(404)
    settings = prizes.catalogue(season)
    person = prizes.select_winners(season, settings).person_of(current_user)
    if person is None:
        abort(403)
    return _preferences_page(season, person, current_user.full_name, url_for("prizes.mine"))


@bp.route("/seasons/<int:season_id>/preferences/<person>", methods=["GET", "POST"])
@staff_required
def on_behalf(season_id: int, person: str):
    """Organizers enter the choices of named co-authors who have no account."""
    season = _season(season_id)
    selection = prizes.select_winners(season, prizes.catalogue(season))
    if not person.startswith("a") or not selection.includes(person):
        abort(404)
    return _preferences_page(season, person, selection.people[person].name,
                             url_for("prizes.budget", season_id=season.id))
