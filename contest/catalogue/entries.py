"""Why an entry or its files cannot be changed as asked (contest.services.entries, attachments)."""
from contest.catalogue import N_, NP_

MESSAGES = {
    "author_category_ineligible": N_("%(name)s must be a student, teacher or practicing engineer."),
    "entry_title_taken": N_("%(name)s already has an entry titled “%(title)s” this season."),
    "entry_by_non_participant": N_("Only participants can submit entries."),
    "entries_per_author_reached": N_("You already lead %(n)s entries in %(contest)s, the most allowed."),
    "entry_withdrawn_unchangeable": N_("A withdrawn entry cannot be changed."),
    "submissions_not_open": N_("Submissions to %(contest)s open on %(date)s."),
    "entry_withdrawn_unsubmittable": N_("A withdrawn entry cannot be submitted."),
    "entry_withdrawn_already": N_("This entry is withdrawn already."),
    "submissions_closed": N_("%(contest)s closed for submissions; entries can no longer be changed."),
    "entry_summary_missing": N_("Write a summary."),
    "entry_description_missing": N_("Write a description."),
    "entry_field_missing": N_("Choose the engineering field."),
    "entry_document_missing": N_("Attach at least one document (PDF, PNG or JPEG)."),
    "entry_title_missing": N_("Give the entry a title."),
    "entry_authors_too_many": N_("An entry has at most %(n)s authors."),
    "entry_field_foreign": N_("Choose a field of this contest."),
    "author_repeated": N_("Author %(n)s: %(email)s is already an author of this entry."),
    "author_details_missing": N_("Author %(n)s has no account; give their %(missing)s."),
    "author_not_a_participant": N_("Author %(n)s: %(email)s is not a registered participant."),
    "attachments_too_many": NP_("An entry can have at most %(num)s file; remove one to attach %(name)s.",
        "An entry can have at most %(num)s files; remove one to attach %(name)s."),
    "attachment_empty": N_("The file %(name)s is empty."),
    "attachment_too_large": N_("%(name)s is larger than %(mb)s MB."),
    "attachments_total_too_large": N_("An entry's files may add up to %(mb)s MB; %(name)s does not fit."),
    "attachment_type_refused": N_("%(name)s is not a PDF, PNG or JPEG file."),
    "attachment_with_html": N_("%(name)s contains web-page code (HTML) as well as the document, so it is refused. "
                                "Save or export it again as a plain PDF, PNG or JPEG and attach the new file."),
    "attachment_last_document": N_("A submitted entry keeps at least one document; attach another first."),
}
