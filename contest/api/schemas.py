"""What the API reads and answers, as marshmallow schemas; the OpenAPI document is built from them.

Judges' answers are dumped with the blind schemas, which have no field for an author, an
organization, a region or a file: what a schema does not name cannot leak.
"""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from contest.judging.forms import COMMENT_MAX

MAX_PER_PAGE = 100
# Text that a database can store: PostgreSQL refuses the NUL character in text columns.
NO_NUL = validate.Regexp(r"^[^\x00]*$", error="The text contains a NUL character.")


class Closed(ma.Schema):
    """A request body or query with a key the API does not know is refused, not silently ignored."""

    class Meta:
        unknown = ma.RAISE
        ordered = True


# -- pagination ------------------------------------------------------------------------------------------

class PageArgs(Closed):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10**6))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class Links(ma.Schema):
    self = fields.String(required=True)
    first = fields.String(required=True)
    last = fields.String(required=True)
    next = fields.String(required=True, allow_none=True)
    prev = fields.String(required=True, allow_none=True)


def page_of(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The envelope of a list: the page's items, how many there are in all, and links to the others."""
    return ma.Schema.from_dict({
        "items": fields.List(fields.Nested(item_schema), required=True),
        "total": fields.Integer(required=True),
        "page": fields.Integer(required=True),
        "per_page": fields.Integer(required=True),
        "links": fields.Nested(Links, required=True),
    }, name=name)


# -- seasons and contests --------------------------------------------------------------------------------

class ContestBrief(ma.Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, metadata={"enum": ["idea", "project", "invention"]})
    title = fields.String(required=True)


class Season(ma.Schema):
    id = fields.Integer(required=True)
    year = fields.Integer(required=True)
    contests = fields.List(fields.Nested(ContestBrief), required=True)


class Field(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True, metadata={"description": "In the reader's language where given"})


class Criterion(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    weight = fields.String(required=True, metadata={"description": "A decimal, as text (0.300): exact, unlike a float"})
    scale_min = fields.Integer(required=True)
    scale_max = fields.Integer(required=True)


class Window(ma.Schema):
    opens_at = fields.DateTime(required=True)
    closes_at = fields.DateTime(required=True)


class ScoringRound(Window):
    number = fields.Integer(required=True)


class Contest(ContestBrief):
    season_id = fields.Integer(required=True)
    opens_at = fields.DateTime(required=True, metadata={"description": "Submissions open (UTC)"})
    closes_at = fields.DateTime(required=True, metadata={"description": "Submissions close (UTC)"})
    judges_per_entry = fields.Integer(required=True)
    fields_ = fields.List(fields.Nested(Field), required=True, data_key="fields")
    criteria = fields.List(fields.Nested(Criterion), required=True)
    scoring_rounds = fields.List(fields.Nested(ScoringRound), required=True)


class ContestArgs(PageArgs):
    season_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))


# -- entries ---------------------------------------------------------------------------------------------

class BlindEntry(ma.Schema):
    """An entry as its judges see it: the work, never who made it."""

    id = fields.Integer(required=True)
    code = fields.String(required=True)
    contest_id = fields.Integer(required=True)
    field = fields.Nested(Field, required=True, allow_none=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    description = fields.String(required=True)


class Author(ma.Schema):
    position = fields.Integer(required=True)
    full_name = fields.String(required=True)
    email = fields.String(required=True, allow_none=True)
    category = fields.String(required=True)
    organization = fields.String(required=True)
    region = fields.String(required=True, allow_none=True)


class FileInfo(ma.Schema):
    number = fields.Integer(required=True)
    original_name = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)


class Entry(BlindEntry):
    """An entry as organizers see it. ``status``, ``submitted_at``, ``authors`` and ``files`` are
    given to organizer tokens only; a judge's token gets the blind fields alone."""

    status = fields.String(metadata={"enum": ["draft", "submitted", "withdrawn"]})
    submitted_at = fields.DateTime(allow_none=True)
    authors = fields.List(fields.Nested(Author))
    files = fields.List(fields.Nested(FileInfo))


class EntryArgs(PageArgs):
    contest_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    status = fields.String(validate=validate.OneOf(["draft", "submitted", "withdrawn"]))


# -- a judge's assignments and marks ---------------------------------------------------------------------

SHEET_STATES = ["not_started", "draft", "submitted", "revising"]


class AssignmentBrief(ma.Schema):
    id = fields.Integer(required=True)
    entry_id = fields.Integer(required=True)
    entry_code = fields.String(required=True)
    entry_title = fields.String(required=True)
    contest_id = fields.Integer(required=True)
    round = fields.Integer(required=True)
    state = fields.String(required=True, metadata={"enum": SHEET_STATES})


class MarkOut(ma.Schema):
    criterion_id = fields.Integer(required=True)
    value = fields.String(required=True, metadata={"description": "As a judge types it: 7 or 7.5"})
    comment = fields.String(required=True)


class SheetOut(ma.Schema):
    marks = fields.List(fields.Nested(MarkOut), required=True)
    overall_comment = fields.String(required=True)


class Assignment(ma.Schema):
    id = fields.Integer(required=True)
    round = fields.Integer(required=True)
    state = fields.String(required=True, metadata={"enum": SHEET_STATES})
    submitted_at = fields.DateTime(required=True, allow_none=True)
    ballot = fields.Boolean(required=True, metadata={"description": "Final round: ranked on a ballot in the "
                                                                    "judges' pages, not scored here"})
    can_score = fields.Boolean(required=True)
    closed_reason = fields.String(required=True, allow_none=True)
    scoring_round = fields.Nested(Window, required=True, allow_none=True)
    entry = fields.Nested(BlindEntry, required=True)
    criteria = fields.List(fields.Nested(Criterion), required=True)
    sheet = fields.Nested(SheetOut, required=True, metadata={"description": "The values that count"})
    revision = fields.Nested(SheetOut, required=True, allow_none=True,
                             metadata={"description": "Changes to a submitted sheet, not counting until submitted"})
    sheet_version = fields.String(required=True, metadata={
        "description": "Send it back as `seen` so that a save made from an older read is refused (409)"})


class MarkIn(Closed):
    criterion_id = fields.Integer(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    value = fields.String(required=True, validate=[validate.Length(max=20), NO_NUL],
                          metadata={"description": "7, 7.5 or 7,5; empty clears it in a draft"})
    comment = fields.String(load_default="", validate=[validate.Length(max=COMMENT_MAX), NO_NUL])


class SheetIn(Closed):
    marks = fields.List(fields.Nested(MarkIn), required=True, validate=validate.Length(max=200))
    overall_comment = fields.String(load_default="", validate=[validate.Length(max=COMMENT_MAX), NO_NUL])
    submit = fields.Boolean(load_default=False, metadata={"description": "false saves a draft"})
    seen = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64),
                         metadata={"description": "The sheet_version read; omitted, the save is not checked"})


# -- results ---------------------------------------------------------------------------------------------

class RankingRow(ma.Schema):
    rank = fields.Integer(required=True)
    entry_id = fields.Integer(required=True)
    entry_code = fields.String(required=True)
    title = fields.String(required=True)
    score = fields.Float(required=True, allow_none=True)
    rank_low = fields.Integer(required=True, allow_none=True)
    rank_high = fields.Integer(required=True, allow_none=True)
    tie = fields.Boolean(required=True)


class Ranking(ma.Schema):
    contest_id = fields.Integer(required=True)
    version = fields.Integer(required=True)
    method = fields.String(required=True)
    published_at = fields.DateTime(required=True)
    inputs_hash = fields.String(required=True)
    ranking = fields.List(fields.Nested(RankingRow), required=True)


class FixedAward(ma.Schema):
    prize = fields.String(required=True)
    cost = fields.Integer(required=True, metadata={"description": "Whole soums"})
    winners = fields.List(fields.String(), required=True)


class InternshipAward(ma.Schema):
    name = fields.String(required=True)
    organization = fields.String(required=True)
    region = fields.String(required=True)
    contest = fields.String(required=True)
    entry = fields.String(required=True)
    entry_rank = fields.Integer(required=True)
    country_code = fields.String(required=True)
    country = fields.String(required=True)
    cost = fields.Integer(required=True, metadata={"description": "Whole soums"})


class Awards(ma.Schema):
    season_id = fields.Integer(required=True)
    version = fields.Integer(required=True)
    committed_at = fields.DateTime(required=True)
    prizes = fields.List(fields.Nested(FixedAward), required=True)
    internships = fields.List(fields.Nested(InternshipAward), required=True)


class Me(ma.Schema):
    user_id = fields.Integer(required=True)
    role = fields.String(required=True, metadata={"enum": ["participant", "judge", "organizer", "admin"]})
    token_name = fields.String(required=True)
    scopes = fields.List(fields.String(), required=True)
