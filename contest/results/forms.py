"""Results forms: which method to rank by, and the final round's window."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, SelectField, SubmitField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from contest.engines.final_forecast import OWN_HIGH, OWN_LOW

from contest.forms import BaseForm, VersionedForm
from contest.organizer.forms import TashkentDateTimeField

METHODS = (("calibrated", _l("Calibrated (default)")), ("mean", _l("Plain mean")), ("zscore", _l("Per-judge z-score")))
# A ranking's method as pages name it (the stored value is the engine's code).
METHOD_NAMES = {"calibrated": _l("Calibrated"), "mean": _l("Plain mean"), "zscore": _l("Per-judge z-score")}


class MethodForm(BaseForm):
    class Meta:
        csrf = False

    method = SelectField(_l("Method"), choices=METHODS, default="calibrated")


class EffortForm(BaseForm):
    """The organizer's own figure of extra judging for the finalist round, in % of round 1's reviews."""

    class Meta:
        csrf = False

    effort = DecimalField(_l("Your own figure: extra judging, in per cent of round 1's reviews"), places=None,
                          validators=[Optional(), NumberRange(
                              min=round(OWN_LOW * 100), max=round(OWN_HIGH * 100),
                              message=_l("Give a share from %(min)s to %(max)s %%."))])

    @property
    def extra_load(self) -> float | None:
        """The figure as a share (0.12 for 12 %), None when none was given."""
        return float(self.effort.data) / 100 if self.effort.data is not None else None


class FinalRoundForm(VersionedForm, BaseForm):
    """The final round's window: opened through its confirmation page, then moved at the version read."""

    opens_at = TashkentDateTimeField(_l("Final round opens (Tashkent time)"), validators=[InputRequired()])
    closes_at = TashkentDateTimeField(_l("Final round closes (Tashkent time)"), validators=[InputRequired()])
    submit = SubmitField(_l("Save the window"))     # once open; opening goes through its confirmation page

    def validate_closes_at(self, field):
        """Said beside the field before the confirmation page, not after it."""
        if self.opens_at.data is not None and field.data is not None and field.data <= self.opens_at.data:
            raise ValidationError(_l("Give a scoring window that closes after it opens."))
