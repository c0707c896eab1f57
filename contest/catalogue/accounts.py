"""Why an account, an API token, a mail or a job action is refused (accounts, api_tokens, mail, jobs)."""
from contest.catalogue import N_

MESSAGES = {
    "staff_role_invalid": N_("Staff accounts are organizers or admins, not %(role)s."),
    "password_set_already": N_("%(email)s has set a password already."),
    "account_exists": N_("An account with the email %(email)s already exists."),
    "token_for_someone_else": N_("You can issue tokens only for yourself."),
    "token_name_missing": N_("Give the token a name, such as the program that will use it."),
    "token_without_permission": N_("Choose at least one permission."),
    "token_not_revocable": N_("You cannot revoke this token."),
    "mail_batch_gone": N_("This mail was sent already, or replaced by a newer one."),
    "mail_not_failed": N_("Only a failed message can be sent again."),
    "job_not_failed": N_("Only a failed job can be retried."),
}
