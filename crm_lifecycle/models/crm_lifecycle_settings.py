import logging
import math
from dataclasses import dataclass

from odoo import api, fields, models
from odoo.exceptions import ValidationError

_logger = logging.getLogger(__name__)

PREFIX = "crm_lifecycle."


@dataclass(frozen=True)
class Setting:
    """One ``crm_lifecycle.*`` ir.config_parameter: its type, its default
    and, for numbers, its bounds (inclusive)."""

    # "int", "float", "bool", "id" (of a record), "selection" or "date".
    kind: str
    default: object
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple = ()
    # Edited in Settings through the field crm_lifecycle_<name>.
    in_settings: bool = True


# Every parameter the module reads, by name after the "crm_lifecycle." prefix.
# Bounds are what a company can mean, well inside what the code can compute
# with (timedelta stops at 999,999,999 days, the database's integers at
# 2,147,483,647): a window or delay of at most ten years, a CLV horizon of
# ten, a percentage of 0 to 100, a probability or monthly rate of 0 to 1,
# amounts up to 10^12 (exact to the cent in a float), a batch of at most
# 100,000 records per transaction. A 0 that disables a rule is in bounds.
SETTINGS = {
    # Lifecycle rules
    "extension_min_invoices": Setting("int", 2, 0, 1000),
    "extension_window_days": Setting("int", 365, 1, 3650),
    "extension_min_categories": Setting("int", 2, 0, 1000),
    "cron_batch_size": Setting("int", 2000, 1, 100000, in_settings=False),
    # Payment history
    "payment_grade_a_ratio": Setting("float", 95.0, 0.0, 100.0),
    "payment_grade_b_ratio": Setting("float", 85.0, 0.0, 100.0),
    "payment_grade_c_ratio": Setting("float", 70.0, 0.0, 100.0),
    "payment_grade_d_ratio": Setting("float", 50.0, 0.0, 100.0),
    "payment_grade_e_days": Setting("int", 90, 0, 3650),
    "payment_warning": Setting("bool", False),
    "payment_warning_overdue_amount": Setting("float", 0.0, 0.0, 1e12),
    # Satisfaction surveys
    "survey_id": Setting("id", False),
    "survey_trigger": Setting("selection", "invoice_paid", choices=("invoice_paid",)),
    "survey_delay_days": Setting("int", 3, 0, 365),
    "survey_min_interval_days": Setting("int", 90, 0, 3650),
    "survey_max_per_run": Setting("int", 200, 0, 100000),
    "survey_lookback_days": Setting("int", 30, 1, 3650, in_settings=False),
    "survey_promoter_tag_id": Setting("id", False),
    # Retention analytics
    "rfm_window_days": Setting("int", 365, 1, 3650),
    "rfm_segment_tags": Setting("bool", False),
    "clv_horizon_months": Setting("int", 12, 1, 120),
    "clv_monthly_discount_rate": Setting("float", 0.01, 0.0, 1.0),
    "clv_penalizer": Setting("float", 0.001, 0.0, 100.0),
    "reminder_factor": Setting("float", 1.5, 0.1, 100.0),
    "reminder_churn_threshold": Setting("float", 0.5, 0.0, 1.0),
    "reminder_email": Setting("bool", False),
    "retention_batch_size": Setting("int", 2000, 1, 100000, in_settings=False),
    # Fit score
    "fit_refit_days": Setting("int", 7, 1, 365),
    # Complaints
    "complaint_signal_days": Setting("int", 90, 0, 3650),
    "complaint_detractor_action": Setting(
        "selection", "activity", choices=("off", "activity", "case")
    ),
    "complaint_close_survey": Setting("bool", False),
    "complaint_escalation_batch_size": Setting(
        "int", 500, 1, 100000, in_settings=False
    ),
    # Funnel inflow alert
    "funnel_alert": Setting("bool", True),
    "funnel_alert_share": Setting("float", 70.0, 0.0, 100.0),
    "funnel_alert_min_count": Setting("int", 10, 0, 100000),
    # Customers to act on
    "action_overdue_days": Setting("int", 30, 0, 3650),
    # Cross-sell suggestions
    "suggestion_window_months": Setting("int", 24, 1, 120),
    "suggestion_batch_size": Setting("int", 2000, 1, 100000, in_settings=False),
    # State of the daily job, not a setting: the day the age bands were
    # last refreshed.
    "age_band_date": Setting("date", False, in_settings=False),
}

# The company-level loyalty settings (res.company, shown in Settings through
# related fields crm_<field>): field name: (minimum, maximum).
COMPANY_BOUNDS = {
    "lifecycle_loyalty_points_rate": (0.0, 1e6),
    "lifecycle_loyalty_expiry_months": (0, 120),
    "lifecycle_loyalty_expiry_warning_days": (0, 365),
    "lifecycle_loyalty_review_months": (1, 120),
    "lifecycle_loyalty_grace_days": (0, 365),
}

# Free text entered by people and kept in the module's records: a reason is
# a sentence or a paragraph, a tier name a label.
REASON_MAX_LENGTH = 2000
TIER_NAME_MAX_LENGTH = 64
TIER_THRESHOLD_BOUNDS = (0.0, 1e12)


def _format_number(value):
    if math.isfinite(value) and float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}"


def check_bounds(model, fname, value, minimum, maximum):
    """Raise a clear ValidationError unless ``value`` of the field ``fname``
    of ``model`` is a finite number within [minimum, maximum]. A value that
    is no number at all is left to the ORM."""
    try:
        number = float(value or 0)
    except (TypeError, ValueError):
        return
    if math.isfinite(number) and minimum <= number <= maximum:
        return
    env = model.env
    raise ValidationError(
        env._(
            '"%(setting)s" must be between %(minimum)s and %(maximum)s, '
            "not %(value)s.",
            setting=model._fields[fname]._description_string(env),
            minimum=_format_number(minimum),
            maximum=_format_number(maximum),
            value=_format_number(number),
        )
    )


def check_vals_bounds(model, vals_list, bounds):
    """Check the numbers of ``vals_list`` against ``bounds`` ({field:
    (minimum, maximum)}) before the ORM rounds them: rounding 1e308 to the
    field's digits raises a bare OverflowError."""
    for vals in vals_list:
        for fname in bounds.keys() & vals.keys():
            check_bounds(model, fname, vals[fname], *bounds[fname])


def check_length(model, fname, value, maximum):
    """Raise a clear ValidationError when the text ``value`` of the field
    ``fname`` of ``model`` is longer than ``maximum`` characters."""
    if value and len(value) > maximum:
        env = model.env
        raise ValidationError(
            env._(
                '"%(field)s" is too long: %(length)s characters, at most '
                "%(maximum)s.",
                field=model._fields[fname]._description_string(env),
                length=len(value),
                maximum=maximum,
            )
        )


def _parse(setting, raw):
    """The typed value of ``raw`` (a stored string), or None when it is
    garbage or out of bounds."""
    if setting.kind == "bool":
        return raw.strip().lower() not in ("", "0", "false")
    if setting.kind == "selection":
        return raw if raw in setting.choices else None
    if setting.kind == "date":
        try:
            return fields.Date.to_date(raw)
        except (TypeError, ValueError):
            return None
    try:
        number = float(raw)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    if setting.kind == "id":
        return int(number) if number.is_integer() and number >= 0 else None
    if setting.kind == "int":
        if not number.is_integer():
            return None
        number = int(number)
    if not setting.minimum <= number <= setting.maximum:
        return None
    return number


class CrmLifecycleSettings(models.AbstractModel):
    """The one reader of the module's ir.config_parameter settings.

    A parameter edited by hand to garbage or to a value out of its bounds
    must never stop a scheduled job or an invoice: it reads as its default,
    with a warning in the log."""

    _name = "crm.lifecycle.settings"
    _description = "Customer Lifecycle Settings"

    @api.model
    def _get(self, name):
        """The typed value of the setting ``name`` (e.g.
        "extension_window_days"), or its default."""
        setting = SETTINGS[name]
        key = PREFIX + name
        raw = self.env["ir.config_parameter"].sudo().get_param(key)
        if raw is False or raw is None:
            return setting.default
        value = _parse(setting, str(raw))
        if value is None:
            _logger.warning(
                "Invalid value %r for the parameter %s, using its default %r",
                raw,
                key,
                setting.default,
            )
            return setting.default
        if setting.kind == "id" and not value:
            return False
        return value

    @api.model
    def _get_many(self, names):
        """{name: value} of the settings ``names``."""
        return {name: self._get(name) for name in names}
