"""The API's routes: read the arguments, check the token and the model's predicate, call the service, answer.

A judge's token sees what the judge's pages show (their own assignments, not those they are
conflicted with, the entries blind) and saves marks through the same service as the scoring page;
an organizer's token reads what the organizers' pages read. Whatever a token may not know about
answers 404, as the pages do.
"""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort
from sqlalchemy.orm import joinedload, selectinload

from contest.actions import fingerprint
from contest.api import bp, schemas
from contest.api.auth import current_token
from contest.extensions import db
from contest.models import (
    AllocationSnapshot, Assignment, Contest, Entry, EntryStatus, ResultSnapshot, Role, ScoringRound, Season,
    SheetRevision,
)
from contest.models.api_tokens import SCOPE_READ, SCOPE_SCORE
from contest.services import judge_queue, judging, prizes, results, sheet_store
from contest.services.judging import ScoreError, Sheet

STAFF = (Role.ORGANIZER, Role.ADMIN)
JUDGES = (Role.JUDGE,)
READERS = STAFF + JUDGES


@bp.before_request
def token_required():
    """No token (or a revoked one, or a deactivated owner's): 401, before any route reads anything."""
    if not current_user.is_authenticated or current_token() is None:
        abort(401)


def need(scope: str, roles: tuple[Role, ...]) -> None:
    """The token's role and scope must both allow the route: 403 otherwise (the route is not theirs)."""
    if current_user.role not in roles or not current_token().allows(scope):
        abort(403)


def is_staff() -> bool:
    return current_user.role in STAFF


# -- pages of lists ----------------------------------------------------------------------------------------

def page_answer(items: list, total: int, args: dict, endpoint: str, **filters) -> dict:
    page, per_page = args["page"], args["per_page"]
    last = max(1, -(-total // per_page))

    def link(number: int) -> str:
        return url_for(endpoint, page=number, per_page=per_page, **filters)

    return {"items": items, "total": total, "page": page, "per_page": per_page,
            "links": {"self": link(page), "first": link(1), "last": link(last),
                      "next": link(page + 1) if page < last else None,
                      "prev": link(min(page - 1, last)) if page > 1 else None}}


def query_page(query, args: dict, endpoint: str, dump, **filters) -> dict:
    found = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False, count=True)
    return page_answer([dump(item) for item in found.items], found.total or 0, args, endpoint, **filters)


def list_page(rows: list, args: dict, endpoint: str, **filters) -> dict:
    start = (args["page"] - 1) * args["per_page"]
    return page_answer(rows[start:start + args["per_page"]], len(rows), args, endpoint, **filters)


# -- who am I ----------------------------------------------------------------------------------------------

@bp.get("/me")
@bp.response(200, schemas.Me)
def me():
    """The token's owner (by id), role and scopes."""
    token = current_token()
    return {"user_id": current_user.id, "role": current_user.role.value, "token_name": token.name,
            "scopes": token.scope_list}


# -- seasons and contests ----------------------------------------------------------------------------------

def season_out(season: Season) -> dict:
    return {"id": season.id, "year": season.year,
            "contests": [{"id": c.id, "kind": c.kind.value, "title": str(c.title)} for c in season.contests]}


@bp.get("/seasons")
@bp.arguments(schemas.PageArgs, location="query", as_kwargs=False)
@bp.response(200, schemas.page_of(schemas.Season, "SeasonPage"))
def seasons(args):
    """Every season, newest first, with its three contests."""
    need(SCOPE_READ, READERS)
    query = db.select(Season).order_by(Season.year.desc()).options(selectinload(Season.contests))
    return query_page(query, args, "api.seasons", season_out)


@bp.get("/seasons/<int:season_id>")
@bp.response(200, schemas.Season)
def season(season_id: int):
    need(SCOPE_READ, READERS)
    return season_out(db.get_or_404(Season, season_id))


def criterion_out(criterion) -> dict:
    return {"id": criterion.id, "name": criterion.local_name, "description": criterion.local_description,
            "weight": str(criterion.weight), "scale_min": criterion.scale_min, "scale_max": criterion.scale_max}


def contest_out(contest: Contest, rounds: list[ScoringRound]) -> dict:
    return {"id": contest.id, "kind": contest.kind.value, "title": str(contest.title), "season_id": contest.season_id,
            "opens_at": contest.opens_at, "closes_at": contest.closes_at, "judges_per_entry": contest.judges_per_entry,
            "fields_": [{"id": f.id, "name": f.local_name} for f in contest.fields],
            "criteria": [criterion_out(c) for c in contest.criteria],
            "scoring_rounds": [{"number": r.number, "opens_at": r.opens_at, "closes_at": r.closes_at}
                               for r in sorted(rounds, key=lambda r: r.number)]}


def rounds_of(contests: list[Contest]) -> dict[int, list[ScoringRound]]:
    found: dict[int, list[ScoringRound]] = {c.id: [] for c in contests}
    if contests:
        for scoring_round in db.session.scalars(
                db.select(ScoringRound).where(ScoringRound.contest_id.in_(list(found)))):
            found[scoring_round.contest_id].append(scoring_round)
    return found


@bp.get("/contests")
@bp.arguments(schemas.ContestArgs, location="query", as_kwargs=False)
@bp.response(200, schemas.page_of(schemas.Contest, "ContestPage"))
def contests(args):
    """Contests with their fields, rubric and scoring windows; ``season_id`` narrows to one season."""
    need(SCOPE_READ, READERS)
    query = db.select(Contest).order_by(Contest.season_id.desc(), Contest.id).options(
        selectinload(Contest.fields), selectinload(Contest.criteria))
    filters = {}
    if args.get("season_id"):
        query = query.where(Contest.season_id == args["season_id"])
        filters["season_id"] = args["season_id"]
    found = db.paginate(query, page=args["page"], per_page=args["per_page"], error_out=False, count=True)
    rounds = rounds_of(list(found.items))
    return page_answer([contest_out(c, rounds[c.id]) for c in found.items], found.total or 0, args,
                       "api.contests", **filters)


@bp.get("/contests/<int:contest_id>")
@bp.response(200, schemas.Contest)
def contest(contest_id: int):
    need(SCOPE_READ, READERS)
    found = db.get_or_404(Contest, contest_id)
    return contest_out(found, rounds_of([found])[found.id])


# -- entries -----------------------------------------------------------------------------------------------

def blind_entry_out(entry: Entry) -> dict:
    """What a judge sees of an entry; the keys are exactly the blind schema's, nothing about its authors."""
    return {"id": entry.id, "code": entry.code, "contest_id": entry.contest_id,
            "field": {"id": entry.field.id, "name": entry.field.local_name} if entry.field else None,
            "title": entry.title, "summary": entry.summary, "description": entry.description}


def entry_out(entry: Entry) -> dict:
    """What organizers see of an entry: the blind part, its status, authors and files."""
    return {**blind_entry_out(entry), "status": entry.status.value, "submitted_at": entry.submitted_at,
            "authors": [{"position": a.position, "full_name": a.full_name, "email": a.email,
                         "category": a.category.value, "organization": a.organization, "region": a.region}
                        for a in entry.authors],
            "files": [{"number": n, "original_name": f.original_name, "content_type": f.content_type,
                       "size": f.size, "sha256": f.sha256} for n, f in enumerate(entry.attachments, start=1)]}


def judged_entry_ids(contest_id: int | None = None) -> list[int]:
    """The entries in the judge's queue (assigned, no conflict on record), as the queue page lists them."""
    return sorted({row.entry_id for group in judge_queue.queue(current_user) for row in group.rows
                   if contest_id is None or group.contest.id == contest_id})


@bp.get("/entries")
@bp.arguments(schemas.EntryArgs, location="query", as_kwargs=False)
@bp.response(200, schemas.page_of(schemas.Entry, "EntryPage"))
def entries(args):
    """Organizers: every entry, with authors and files. Judges: the entries in their queue, blind."""
    need(SCOPE_READ, READERS)
    filters = {key: args[key] for key in ("contest_id", "status") if args.get(key)}
    query = db.select(Entry).order_by(Entry.id).options(joinedload(Entry.field))
    if is_staff():
        query = query.options(selectinload(Entry.authors), selectinload(Entry.attachments))
        dump = entry_out
    else:
        query = query.where(Entry.id.in_(judged_entry_ids(args.get("contest_id"))))
        dump = blind_entry_out
    if "contest_id" in filters:
        query = query.where(Entry.contest_id == filters["contest_id"])
    if "status" in filters:
        query = query.where(Entry.status == EntryStatus(filters["status"]))
    return query_page(query, args, "api.entries", dump, **filters)


@bp.get("/entries/<int:entry_id>")
@bp.response(200, schemas.Entry)
def entry(entry_id: int):
    need(SCOPE_READ, READERS)
    found = db.session.get(Entry, entry_id)
    if found is None:
        abort(404)
    if is_staff() and found.can_be_viewed_by(current_user):
        return entry_out(found)
    sheets = db.session.scalars(db.select(Assignment).where(Assignment.entry_id == entry_id,
                                                            Assignment.judge_id == current_user.id)
                                .options(Assignment.conflict_fact()).execution_options(populate_existing=True))
    if not any(sheet.can_be_viewed_by(current_user) for sheet in sheets):
        abort(404)
    return blind_entry_out(found)


# -- a judge's assignments and marks -----------------------------------------------------------------------

@bp.get("/assignments")
@bp.arguments(schemas.PageArgs, location="query", as_kwargs=False)
@bp.response(200, schemas.page_of(schemas.AssignmentBrief, "AssignmentPage"))
def assignments(args):
    """The judge's queue: every assignment without a conflict, by contest and round, what is left first."""
    need(SCOPE_READ, JUDGES)
    rows = [{"id": row.assignment_id, "entry_id": row.entry_id, "entry_code": row.entry_code,
             "entry_title": row.entry_title, "contest_id": group.contest.id, "round": group.number,
             "state": row.state}
            for group in judge_queue.queue(current_user) for row in group.rows]
    return list_page(rows, args, "api.assignments")


SHEET_LOAD = (joinedload(Assignment.entry).joinedload(Entry.contest).selectinload(Contest.criteria),
              joinedload(Assignment.entry).joinedload(Entry.field),
              selectinload(Assignment.marks), selectinload(Assignment.revisions).selectinload(SheetRevision.marks))


def assignment_or_404(assignment_id: int) -> Assignment:
    """The assignment if the token's judge may see it (the judging pages' predicate), else 404."""
    found = Assignment.with_facts(assignment_id, *SHEET_LOAD)
    if found is None or not found.can_be_viewed_by(current_user):
        abort(404)
    return found


def sheet_out(sheet: Assignment | SheetRevision) -> dict:
    return {"marks": [{"criterion_id": m.criterion_id, "value": sheet_store.format_value(m.value), "comment": m.comment}
                      for m in sorted(sheet.marks, key=lambda m: m.criterion_id)],
            "overall_comment": sheet.overall_comment}


def sheet_version(assignment: Assignment) -> str:
    """A digest of what the judge would read: the sheet, its state and its open revision."""
    revision = assignment.open_revision
    return fingerprint(assignment.status.value, assignment.submitted_at, judging.sheet_facts(assignment),
                       judging.sheet_facts(revision) if revision is not None else None)


def assignment_out(assignment: Assignment) -> dict:
    scoring_round = assignment.scoring_round
    revision = assignment.open_revision
    return {"id": assignment.id, "round": assignment.round, "state": judging.sheet_state(assignment),
            "submitted_at": assignment.submitted_at, "ballot": assignment.is_ballot,
            "can_score": assignment.accepts_scores() and not assignment.is_ballot,
            "closed_reason": judging.closed_message(assignment),
            "scoring_round": {"opens_at": scoring_round.opens_at, "closes_at": scoring_round.closes_at}
            if scoring_round else None,
            "entry": blind_entry_out(assignment.entry),
            "criteria": [criterion_out(c) for c in assignment.entry.contest.criteria],
            "sheet": sheet_out(assignment), "revision": sheet_out(revision) if revision is not None else None,
            "sheet_version": sheet_version(assignment)}


@bp.get("/assignments/<int:assignment_id>")
@bp.response(200, schemas.Assignment)
def assignment(assignment_id: int):
    """One assignment: the entry blind, the rubric, the sheet that counts and any revision in draft."""
    need(SCOPE_READ, JUDGES)
    return assignment_out(assignment_or_404(assignment_id))


def typed_sheet(assignment: Assignment, body: dict) -> Sheet:
    """The body as the scoring page's form would have it; a criterion outside the rubric, or named twice, is 422."""
    rubric = {c.id for c in assignment.entry.contest.criteria}
    problems: dict[str, dict[str, list[str]]] = {}
    seen: set[int] = set()
    for n, mark in enumerate(body["marks"]):
        if mark["criterion_id"] not in rubric:
            problems[str(n)] = {"criterion_id": [_("This criterion is not in the contest's rubric.")]}
        elif mark["criterion_id"] in seen:
            problems[str(n)] = {"criterion_id": [_("This criterion is given more than once.")]}
        seen.add(mark["criterion_id"])
    if problems:
        abort(422, message=_("Some scores need correcting."), errors={"json": {"marks": problems}})
    return Sheet(values={m["criterion_id"]: m["value"] for m in body["marks"]},
                 comments={m["criterion_id"]: m["comment"] for m in body["marks"]},
                 overall_comment=body["overall_comment"])


@bp.put("/assignments/<int:assignment_id>/sheet")
@bp.arguments(schemas.SheetIn, as_kwargs=False)
@bp.response(200, schemas.Assignment)
def save_sheet(body, assignment_id: int):
    """Save a draft, or submit (``submit``: every criterion scored), while the round is open.

    The scoring page's rules and service: a submitted sheet is changed in a revision, which counts
    once submitted. A closed or unset window, or the final round's ballot, is 409; a sheet changed
    since the ``sheet_version`` sent as ``seen`` is 409 too; a wrong value is 422, by criterion.
    """
    need(SCOPE_SCORE, JUDGES)
    found = assignment_or_404(assignment_id)
    if found.is_ballot:
        abort(409, message=_("The final round is judged on a ranking ballot, not on the rubric."))
    if not found.accepts_scores():
        abort(409, message=judging.closed_message(found))
    sheet = typed_sheet(found, body)
    try:
        judging.lock_sheet(found)  # held to the commit: the version compared is the one the save replaces
        if body["seen"] and body["seen"] != sheet_version(found):
            abort(409, message=_("This sheet has changed since you read it: read it again, then save."))
        judging.record(found, sheet, final=body["submit"])  # every refusal here is an error status: rolled back
    except ScoreError as error:
        if db.session.get(Assignment, assignment_id, populate_existing=True) is None:  # a conflict declared meanwhile
            abort(404)
        abort(422, message=" ".join(error.problems) or _("Some scores need correcting."),
              errors={"json": {"marks": {str(k): [v] for k, v in error.by_criterion.items()}}})
    return assignment_out(assignment_or_404(assignment_id))


# -- published results -------------------------------------------------------------------------------------

def _latest_for_staff(model, row_id: int, snapshots, missing: str):
    """The row (a contest, a season) and its latest snapshot, for a token that reads as staff; 404 (saying
    ``missing``) before there is one."""
    need(SCOPE_READ, STAFF)
    found = db.get_or_404(model, row_id)
    snapshot = snapshots.latest(found.id)
    if snapshot is None:
        abort(404, message=missing)
    return found, snapshot


@bp.get("/contests/<int:contest_id>/ranking")
@bp.response(200, schemas.Ranking)
def ranking(contest_id: int):
    """The contest's latest published ranking (organizers); 404 until one is published."""
    found, snapshot = _latest_for_staff(Contest, contest_id, ResultSnapshot,
                                        _("No ranking of this contest is published yet."))
    rows = snapshot.result["ranking"]
    ids = [results.key_id(row["entry"]) for row in rows]
    titles = dict(db.session.execute(db.select(Entry.id, Entry.title).where(Entry.id.in_(ids))).all()) if ids else {}
    return {"contest_id": found.id, "version": snapshot.version, "method": snapshot.method,
            "published_at": snapshot.published_at, "inputs_hash": snapshot.inputs_hash,
            "ranking": [{"rank": row["rank"], "entry_id": results.key_id(row["entry"]),
                         "entry_code": Entry.code_of(results.key_id(row["entry"])),
                         "title": titles.get(results.key_id(row["entry"]), ""), "score": row.get("score"),
                         "rank_low": row.get("rank_low"), "rank_high": row.get("rank_high"),
                         "tie": bool(row.get("tie"))} for row in rows]}


@bp.get("/seasons/<int:season_id>/awards")
@bp.response(200, schemas.Awards)
def awards(season_id: int):
    """The season's latest committed allocation (organizers): fixed prizes and internships; 404 before one."""
    found, snapshot = _latest_for_staff(Season, season_id, AllocationSnapshot,
                                        _("No prize allocation of this season is committed yet."))
    kept, result = snapshot.selection, snapshot.result
    people = kept.get("people", {})
    names = prizes.country_names(kept.get("countries", []))
    return {"season_id": found.id, "version": snapshot.version, "committed_at": snapshot.committed_at,
            "prizes": [{"prize": car["prize"], "cost": car["cost"],
                        "winners": [people[p]["name"] if p in people else p for p in car["persons"]]}
                       for car in kept.get("cars", [])],
            "internships": [{"name": people[a["winner"]]["name"],
                             "organization": people[a["winner"]]["organization"],
                             "region": people[a["winner"]]["region"], "contest": people[a["winner"]]["contest"],
                             "entry": people[a["winner"]]["entry"], "entry_rank": people[a["winner"]]["entry_rank"],
                             "country_code": a["country"], "country": names.get(a["country"], a["country"]),
                             "cost": a["cost"]}
                            for a in result.get("awards", []) if a["winner"] in people]}
