"""The data model, one module per aggregate; import from here."""
from contest.models.entries import MAX_AUTHORS, STATUS_LABELS, Attachment, Entry, EntryAuthor, EntryStatus, title_key
from contest.models.judging import (
    Assignment, AssignmentRun, Conflict, ConflictDeclaration, ConflictSource, ContestJudge, DeclarationKind, FINAL_ROUND, JudgeExpertise,
    Mark, RunStatus, ScoringRound, SheetStatus,
)
from contest.models.people import CATEGORY_LABELS, REGIONS, Category, Role, User, normalize_email
from contest.models.prizes import (
    SHARE_RULES, AllocationSnapshot, FixedPrize, InternshipCountry, InternshipPreference, PrizeSettings,
)
from contest.models.results import ResultSnapshot
from contest.models.seasons import CONTEST_LABELS, DEFAULT_BUDGET, Contest, ContestField, ContestKind, Criterion, Season
from contest.models.types import UTCDateTime, utcnow

__all__ = [
    "AllocationSnapshot", "FixedPrize", "InternshipCountry", "InternshipPreference", "PrizeSettings", "SHARE_RULES",
    "Assignment", "AssignmentRun", "Attachment", "Conflict", "ConflictDeclaration", "ConflictSource", "ContestJudge",
    "DeclarationKind", "FINAL_ROUND", "JudgeExpertise", "ScoringRound", "CATEGORY_LABELS", "CONTEST_LABELS", "Category", "Contest", "ContestField",
    "ContestKind", "Criterion", "DEFAULT_BUDGET", "Entry", "EntryAuthor", "EntryStatus", "MAX_AUTHORS", "Mark",
    "REGIONS", "ResultSnapshot", "Role", "RunStatus", "STATUS_LABELS", "Season", "SheetStatus", "UTCDateTime", "User", "normalize_email", "title_key", "utcnow",
]
