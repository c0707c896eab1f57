"""The data model, one module per aggregate; import from here."""
from contest.models.api_tokens import ApiToken
from contest.models.audit import AuditEvent
from contest.models.certificates import CERTIFICATE_KIND_LABELS, Certificate, CertificateKind
from contest.models.entries import (
    MAX_AUTHORS, STATUS_LABELS, Attachment, Entry, EntryAuthor, EntryStatus, title_key,
)
from contest.models.jobs import Job, JobFailure, JobStatus
from contest.models.mail import MailFailure, MailStatus, OutboxMessage
from contest.models.judging import (
    FINAL_ROUND, Assignment, AssignmentRun, Conflict, ConflictDeclaration, ConflictSource, ContestJudge,
    DeclarationKind, JudgeExpertise, Mark, Reassignment, RevisionMark, RunStatus, ScoringRound, SheetRevision,
    SheetStatus,
)
from contest.models.people import CATEGORY_LABELS, REGIONS, Category, Role, User, normalize_email
from contest.models.prizes import (
    SHARE_RULES, AllocationSnapshot, FixedPrize, InternshipCountry, InternshipPreference, PrizeSettings,
)
from contest.models.reading import by_id
from contest.models.results import ContestRanking, ResultSnapshot
from contest.models.seasons import CONTEST_LABELS, DEFAULT_BUDGET, Contest, ContestField, ContestKind, Criterion, Season
from contest.models.types import UTCDateTime, utcnow

__all__ = [
    "AllocationSnapshot", "ApiToken", "Assignment", "AssignmentRun", "Attachment", "AuditEvent", "by_id", "Category",
    "CATEGORY_LABELS", "Certificate", "CERTIFICATE_KIND_LABELS", "CertificateKind",
    "Conflict",
    "ConflictDeclaration", "ConflictSource", "Contest", "CONTEST_LABELS", "ContestField", "ContestJudge",
    "ContestRanking",
    "ContestKind", "Criterion", "DeclarationKind", "DEFAULT_BUDGET", "Entry", "EntryAuthor", "EntryStatus",
    "FINAL_ROUND", "FixedPrize", "InternshipCountry", "InternshipPreference", "Job", "JobFailure", "JobStatus",
    "JudgeExpertise", "MailFailure", "MailStatus", "Mark",
    "MAX_AUTHORS", "normalize_email", "OutboxMessage", "PrizeSettings", "Reassignment", "REGIONS",
    "ResultSnapshot", "RevisionMark",
    "Role", "RunStatus", "ScoringRound", "Season", "SHARE_RULES", "SheetRevision", "SheetStatus", "STATUS_LABELS",
    "title_key", "User", "UTCDateTime", "utcnow",
]
