from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .crm_lifecycle_settings import (
    COMPANY_BOUNDS,
    PREFIX,
    SETTINGS,
    check_bounds,
    check_vals_bounds,
)

# The numeric settings edited here: settings field: (minimum, maximum). The
# company's loyalty figures are checked by res.company too, but their
# rounding to the field's digits must not overflow first.
SETTINGS_BOUNDS = {
    f"crm_lifecycle_{name}": (setting.minimum, setting.maximum)
    for name, setting in SETTINGS.items()
    if setting.in_settings and setting.kind in ("int", "float")
} | {f"crm_{fname}": bounds for fname, bounds in COMPANY_BOUNDS.items()}


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_lifecycle_extension_min_invoices = fields.Integer(
        string="Repeat Purchases for Extension",
        config_parameter="crm_lifecycle.extension_min_invoices",
        help="Invoiced purchases within the window that make a customer a "
        "repeat customer (extension phase). 0 disables this rule.",
    )
    crm_lifecycle_extension_window_days = fields.Integer(
        string="Repeat Purchase Window (days)",
        config_parameter="crm_lifecycle.extension_window_days",
    )
    crm_lifecycle_extension_min_categories = fields.Integer(
        string="Product Categories for Cross-sell",
        config_parameter="crm_lifecycle.extension_min_categories",
        help="Distinct product categories bought within the window that make "
        "a customer a cross-sell customer (extension phase). 0 disables this "
        "rule.",
    )
    crm_lifecycle_loyalty_program_id = fields.Many2one(
        related="company_id.lifecycle_loyalty_program_id", readonly=False
    )
    crm_lifecycle_loyalty_points_rate = fields.Float(
        related="company_id.lifecycle_loyalty_points_rate", readonly=False
    )
    crm_lifecycle_loyalty_points_basis = fields.Selection(
        related="company_id.lifecycle_loyalty_points_basis", readonly=False
    )
    crm_lifecycle_loyalty_category_ids = fields.Many2many(
        related="company_id.lifecycle_loyalty_category_ids", readonly=False
    )
    crm_lifecycle_loyalty_expiry_months = fields.Integer(
        related="company_id.lifecycle_loyalty_expiry_months", readonly=False
    )
    crm_lifecycle_loyalty_expiry_warning_days = fields.Integer(
        related="company_id.lifecycle_loyalty_expiry_warning_days", readonly=False
    )
    crm_lifecycle_loyalty_review_months = fields.Integer(
        related="company_id.lifecycle_loyalty_review_months", readonly=False
    )
    crm_lifecycle_loyalty_grace_days = fields.Integer(
        related="company_id.lifecycle_loyalty_grace_days", readonly=False
    )
    crm_lifecycle_loyalty_tier_mail = fields.Boolean(
        related="company_id.lifecycle_loyalty_tier_mail", readonly=False
    )

    # ------------------------------------------------------------
    # Payment history
    # ------------------------------------------------------------

    crm_lifecycle_payment_grade_a_ratio = fields.Float(
        string="Grade A: Paid on Time (%)",
        config_parameter="crm_lifecycle.payment_grade_a_ratio",
    )
    crm_lifecycle_payment_grade_b_ratio = fields.Float(
        string="Grade B: Paid on Time (%)",
        config_parameter="crm_lifecycle.payment_grade_b_ratio",
    )
    crm_lifecycle_payment_grade_c_ratio = fields.Float(
        string="Grade C: Paid on Time (%)",
        config_parameter="crm_lifecycle.payment_grade_c_ratio",
    )
    crm_lifecycle_payment_grade_d_ratio = fields.Float(
        string="Grade D: Paid on Time (%)",
        config_parameter="crm_lifecycle.payment_grade_d_ratio",
        help="Below this share paid on time, a customer is graded E.",
    )
    crm_lifecycle_payment_grade_e_days = fields.Integer(
        string="Grade E: Days Late",
        config_parameter="crm_lifecycle.payment_grade_e_days",
        help="A customer with an installment more days late than this is "
        "graded E whatever its ratio. 0 disables this rule.",
    )
    crm_lifecycle_payment_warning = fields.Boolean(
        string="Warn on Bad Payers",
        config_parameter="crm_lifecycle.payment_warning",
        help="Show a warning on new quotations and invoices of customers "
        "graded E or with more overdue than the threshold.",
    )
    crm_lifecycle_payment_warning_overdue_amount = fields.Float(
        string="Overdue Amount Threshold",
        config_parameter="crm_lifecycle.payment_warning_overdue_amount",
        help="Warn when the overdue amount of the customer is above this "
        "amount, in the company currency.",
    )

    # Satisfaction surveys
    crm_lifecycle_survey_id = fields.Many2one(
        "survey.survey",
        string="Satisfaction Survey",
        config_parameter="crm_lifecycle.survey_id",
        domain=[("question_ids.crm_lifecycle_kind", "!=", False)],
        help="The survey sent to customers. Empty: no invitations are sent.",
    )
    crm_lifecycle_survey_trigger = fields.Selection(
        [("invoice_paid", "Invoice paid")],
        string="Send After",
        config_parameter="crm_lifecycle.survey_trigger",
    )
    crm_lifecycle_survey_delay_days = fields.Integer(
        string="Delay (days)",
        config_parameter="crm_lifecycle.survey_delay_days",
    )
    crm_lifecycle_survey_min_interval_days = fields.Integer(
        string="Minimum Days Between Invitations",
        config_parameter="crm_lifecycle.survey_min_interval_days",
    )
    crm_lifecycle_survey_max_per_run = fields.Integer(
        string="Maximum Invitations per Run",
        config_parameter="crm_lifecycle.survey_max_per_run",
    )
    crm_lifecycle_survey_promoter_tag_id = fields.Many2one(
        "res.partner.category",
        string="Promoter Tag",
        config_parameter="crm_lifecycle.survey_promoter_tag_id",
        help="Given to promoters, e.g. to ask them for referrals.",
    )

    # Retention
    crm_lifecycle_rfm_window_days = fields.Integer(
        string="RFM Window (days)",
        config_parameter="crm_lifecycle.rfm_window_days",
        help="Frequency and monetary scores count the purchases of this many "
        "last days.",
    )
    crm_lifecycle_rfm_segment_tags = fields.Boolean(
        string="Mirror RFM Segments as Tags",
        config_parameter="crm_lifecycle.rfm_segment_tags",
        help="Keep a contact tag per RFM segment on each customer, so that a "
        "mass mailing can target a segment.",
    )
    crm_lifecycle_clv_horizon_months = fields.Integer(
        string="CLV Horizon (months)",
        config_parameter="crm_lifecycle.clv_horizon_months",
    )
    crm_lifecycle_clv_monthly_discount_rate = fields.Float(
        string="Monthly Discount Rate",
        config_parameter="crm_lifecycle.clv_monthly_discount_rate",
        digits=(16, 4),
        help="0.01 discounts each month's expected revenue by 1 %.",
    )
    crm_lifecycle_clv_penalizer = fields.Float(
        string="CLV Fit Penalty",
        config_parameter="crm_lifecycle.clv_penalizer",
        digits=(16, 4),
        help="L2 penalty used only when plain maximum likelihood does not "
        "converge (small samples). 0: such companies get no churn or CLV "
        "scores.",
    )
    crm_lifecycle_fit_refit_days = fields.Integer(
        string="Refit the Fit Score Every (days)",
        config_parameter="crm_lifecycle.fit_refit_days",
        help="How old a company's fit score model may get before the weekly "
        "job learns it again from its best customers.",
    )
    crm_lifecycle_reminder_factor = fields.Float(
        string="Reminder after Usual Interval ×",
        config_parameter="crm_lifecycle.reminder_factor",
        digits=(16, 2),
    )
    crm_lifecycle_reminder_churn_threshold = fields.Float(
        string="Reminder above Churn Probability",
        config_parameter="crm_lifecycle.reminder_churn_threshold",
        digits=(16, 2),
    )
    crm_lifecycle_reminder_email = fields.Boolean(
        string="E-mail the Customer Too",
        config_parameter="crm_lifecycle.reminder_email",
    )

    # Customers to act on
    crm_lifecycle_action_overdue_days = fields.Integer(
        string="Installment Overdue by More than (days)",
        config_parameter="crm_lifecycle.action_overdue_days",
        help="An installment overdue by more than this many days puts its "
        "customer on the salesperson's list of customers to act on.",
    )

    # Complaints
    crm_lifecycle_complaint_signal_days = fields.Integer(
        string="Breached Complaint Signals Churn for (days)",
        config_parameter="crm_lifecycle.complaint_signal_days",
        help="An open complaint, or one that missed its deadline within this "
        "many days, marks the customer at risk. 0: open complaints only.",
    )
    crm_lifecycle_complaint_detractor_action = fields.Selection(
        [
            ("off", "Nothing"),
            ("activity", "An activity for the salesperson"),
            ("case", "A complaint case"),
        ],
        string="Detractor Answer Opens",
        config_parameter="crm_lifecycle.complaint_detractor_action",
        help="What a satisfaction survey answer of 0 to 6 out of 10 opens.",
    )
    crm_lifecycle_complaint_close_survey = fields.Boolean(
        string="Survey the Customer after a Complaint",
        config_parameter="crm_lifecycle.complaint_close_survey",
        help="Closing a complaint sends the satisfaction survey, under its "
        "throttles: once per case, never to an opted-out address, never "
        "while an invitation is unanswered or sent too recently.",
    )

    # Funnel inflow alert
    crm_lifecycle_funnel_alert = fields.Boolean(
        string="Funnel Inflow Alert",
        config_parameter="crm_lifecycle.funnel_alert",
        help="Every week, tell the lifecycle managers when fewer customers "
        "entered Selection or Acquisition, or converted into Retention, than "
        "usual.",
    )
    crm_lifecycle_funnel_alert_share = fields.Float(
        string="Alert below (% of the 8-Week Average)",
        config_parameter="crm_lifecycle.funnel_alert_share",
        digits=(16, 1),
        help="A week's entries below this share of the average of the 8 "
        "weeks before raise the alert, unless the same week a year before "
        "fell as much.",
    )
    crm_lifecycle_funnel_alert_min_count = fields.Integer(
        string="Minimum Weekly Entries",
        config_parameter="crm_lifecycle.funnel_alert_min_count",
        help="A phase with fewer entries a week on average is not watched, "
        "so that a small business gets no noise.",
    )
    # Cross-sell suggestions
    crm_lifecycle_suggestion_window_months = fields.Integer(
        string="Suggestions Learn from (months)",
        config_parameter="crm_lifecycle.suggestion_window_months",
        help="Products bought together on the customer invoices of this many "
        "last months make the cross-sell suggestions.",
    )

    @api.constrains(
        "crm_lifecycle_payment_grade_a_ratio",
        "crm_lifecycle_payment_grade_b_ratio",
        "crm_lifecycle_payment_grade_c_ratio",
        "crm_lifecycle_payment_grade_d_ratio",
    )
    def _check_crm_lifecycle_payment_grades(self):
        for settings in self:
            ratios = [
                settings.crm_lifecycle_payment_grade_a_ratio,
                settings.crm_lifecycle_payment_grade_b_ratio,
                settings.crm_lifecycle_payment_grade_c_ratio,
                settings.crm_lifecycle_payment_grade_d_ratio,
            ]
            if ratios != sorted(ratios, reverse=True):
                raise ValidationError(
                    self.env._(
                        "Each payment grade needs at least the on-time ratio "
                        "of the grade below it: A >= B >= C >= D."
                    )
                )

    # ------------------------------------------------------------
    # Every setting of the table (crm_lifecycle_settings): its bounds, read
    # through the module's reader, a 0 stored as 0
    # ------------------------------------------------------------

    @api.constrains(*SETTINGS_BOUNDS)
    def _check_crm_lifecycle_bounds(self):
        for settings in self:
            for fname, bounds in SETTINGS_BOUNDS.items():
                check_bounds(settings, fname, settings[fname], *bounds)

    @api.model_create_multi
    def create(self, vals_list):
        check_vals_bounds(self, vals_list, SETTINGS_BOUNDS)
        return super().create(vals_list)

    def write(self, vals):
        check_vals_bounds(self, [vals], SETTINGS_BOUNDS)
        return super().write(vals)

    def _crm_lifecycle_setting_fields(self):
        """{settings field: setting name} of the table's settings."""
        result = {}
        for fname, field in self._fields.items():
            key = getattr(field, "config_parameter", None) or ""
            name = key.removeprefix(PREFIX)
            if key.startswith(PREFIX) and name in SETTINGS:
                result[fname] = name
        return result

    @api.model
    def _get_classified_fields(self, fnames=None):
        # The table's settings are read and stored here, not by Odoo, which
        # stores a number 0 as no parameter at all: it would read back as
        # the default and a 0 that disables a rule would not stick.
        classified = super()._get_classified_fields(fnames)
        ours = self._crm_lifecycle_setting_fields()
        classified["config"] = [
            (fname, key) for fname, key in classified["config"] if fname not in ours
        ]
        return classified

    @api.model
    def get_values(self):
        # What the module uses, not what is stored: a parameter edited by
        # hand to garbage shows (and is saved back) as its default rather
        # than as Odoo's 0.
        res = super().get_values()
        reader = self.env["crm.lifecycle.settings"]
        for fname, name in self._crm_lifecycle_setting_fields().items():
            value = reader._get(name)
            field = self._fields[fname]
            if field.type == "many2one":
                value = self.env[field.comodel_name].browse(value or ()).exists().id
            res[fname] = value
        return res

    def set_values(self):
        res = super().set_values()
        params = self.env["ir.config_parameter"].sudo()
        for fname, name in self._crm_lifecycle_setting_fields().items():
            kind = SETTINGS[name].kind
            value = self[fname]
            if kind in ("int", "float"):
                value = repr(value)
            elif kind == "id":
                value = value.id
            elif kind == "bool" and SETTINGS[name].default:
                # A flag on by default is switched off by a stored "False":
                # no parameter at all would read as the default.
                value = str(bool(value))
            # set_param writes only a changed value, deletes a False one.
            params.set_param(PREFIX + name, value or False)
        return res
