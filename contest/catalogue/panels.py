"""Why a panel, a judge's loads or a conflict cannot be changed as asked (judges, conflicts)."""
from contest.catalogue import N_

MESSAGES = {
    "panel_member_not_a_judge": N_("Only judge accounts can serve on a panel."),
    "panel_member_already": N_("%(name)s is already on the panel (fewest %(min)s, most %(max)s entries): change "
                               "their loads in the panel's table."),
    "panel_loads_inverted": N_("%(name)s: the most entries cannot be fewer than the fewest."),
    "conflict_reason_not_given": N_("Say why the judge is conflicted."),
    "conflict_recorded_already": N_("This conflict is recorded already."),
    "declaration_value_missing": N_("Name the person or organization."),
}
