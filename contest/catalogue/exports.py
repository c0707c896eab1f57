"""Why a workbook cannot be written (contest.excel): a value its column cannot hold."""
from contest.catalogue import N_

MESSAGES = {
    "export_value_unfit": N_("Sheet “%(sheet)s”, column “%(column)s”: %(want)s, got %(value)s."),
    "export_budget_not_whole": N_("The budget must be whole soums, got %(value)s."),
}
