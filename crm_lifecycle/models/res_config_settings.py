from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_lifecycle_extension_min_invoices = fields.Integer(
        string="Repeat Purchases for Extension",
        config_parameter="crm_lifecycle.extension_min_invoices",
        default=2,
        help="Invoiced purchases within the window that make a customer a "
        "repeat customer (extension phase). 0 disables this rule.",
    )
    crm_lifecycle_extension_window_days = fields.Integer(
        string="Repeat Purchase Window (days)",
        config_parameter="crm_lifecycle.extension_window_days",
        default=365,
    )
    crm_lifecycle_extension_min_categories = fields.Integer(
        string="Product Categories for Cross-sell",
        config_parameter="crm_lifecycle.extension_min_categories",
        default=2,
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

    @api.constrains(
        "crm_lifecycle_extension_min_invoices",
        "crm_lifecycle_extension_window_days",
        "crm_lifecycle_extension_min_categories",
    )
    def _check_crm_lifecycle_thresholds(self):
        for settings in self:
            if (
                min(
                    settings.crm_lifecycle_extension_min_invoices,
                    settings.crm_lifecycle_extension_min_categories,
                )
                < 0
            ):
                raise ValidationError(
                    self.env._("Lifecycle thresholds cannot be negative.")
                )
            if settings.crm_lifecycle_extension_window_days < 1:
                raise ValidationError(
                    self.env._("The repeat purchase window must be at least one day.")
                )

    # ------------------------------------------------------------
    # Payment history
    # ------------------------------------------------------------

    crm_lifecycle_payment_grade_a_ratio = fields.Float(
        string="Grade A: Paid on Time (%)",
        config_parameter="crm_lifecycle.payment_grade_a_ratio",
        default=95.0,
    )
    crm_lifecycle_payment_grade_b_ratio = fields.Float(
        string="Grade B: Paid on Time (%)",
        config_parameter="crm_lifecycle.payment_grade_b_ratio",
        default=85.0,
    )
    crm_lifecycle_payment_grade_c_ratio = fields.Float(
        string="Grade C: Paid on Time (%)",
        config_parameter="crm_lifecycle.payment_grade_c_ratio",
        default=70.0,
    )
    crm_lifecycle_payment_grade_d_ratio = fields.Float(
        string="Grade D: Paid on Time (%)",
        config_parameter="crm_lifecycle.payment_grade_d_ratio",
        default=50.0,
        help="Below this share paid on time, a customer is graded E.",
    )
    crm_lifecycle_payment_grade_e_days = fields.Integer(
        string="Grade E: Days Late",
        config_parameter="crm_lifecycle.payment_grade_e_days",
        default=90,
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
        default=0.0,
        help="Warn when the overdue amount of the customer is above this "
        "amount, in the company currency.",
    )

    @api.constrains(
        "crm_lifecycle_payment_grade_a_ratio",
        "crm_lifecycle_payment_grade_b_ratio",
        "crm_lifecycle_payment_grade_c_ratio",
        "crm_lifecycle_payment_grade_d_ratio",
        "crm_lifecycle_payment_grade_e_days",
        "crm_lifecycle_payment_warning_overdue_amount",
    )
    def _check_crm_lifecycle_payment_grades(self):
        for settings in self:
            ratios = [
                settings.crm_lifecycle_payment_grade_a_ratio,
                settings.crm_lifecycle_payment_grade_b_ratio,
                settings.crm_lifecycle_payment_grade_c_ratio,
                settings.crm_lifecycle_payment_grade_d_ratio,
            ]
            if min(ratios) < 0 or max(ratios) > 100:
                raise ValidationError(
                    self.env._(
                        "The payment grade ratios are percentages: between 0 "
                        "and 100."
                    )
                )
            if ratios != sorted(ratios, reverse=True):
                raise ValidationError(
                    self.env._(
                        "Each payment grade needs at least the on-time ratio "
                        "of the grade below it: A >= B >= C >= D."
                    )
                )
            if (
                settings.crm_lifecycle_payment_grade_e_days < 0
                or settings.crm_lifecycle_payment_warning_overdue_amount < 0
            ):
                raise ValidationError(
                    self.env._(
                        "The days late for grade E and the overdue amount "
                        "threshold cannot be negative."
                    )
                )


class ResConfigSettingsSurvey(models.TransientModel):
    _inherit = "res.config.settings"

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
        default="invoice_paid",
    )
    crm_lifecycle_survey_delay_days = fields.Integer(
        string="Delay (days)",
        config_parameter="crm_lifecycle.survey_delay_days",
        default=3,
    )
    crm_lifecycle_survey_min_interval_days = fields.Integer(
        string="Minimum Days Between Invitations",
        config_parameter="crm_lifecycle.survey_min_interval_days",
        default=90,
    )
    crm_lifecycle_survey_max_per_run = fields.Integer(
        string="Maximum Invitations per Run",
        config_parameter="crm_lifecycle.survey_max_per_run",
        default=200,
    )
    crm_lifecycle_survey_promoter_tag_id = fields.Many2one(
        "res.partner.category",
        string="Promoter Tag",
        config_parameter="crm_lifecycle.survey_promoter_tag_id",
        help="Given to promoters, e.g. to ask them for referrals.",
    )

    @api.constrains(
        "crm_lifecycle_survey_delay_days",
        "crm_lifecycle_survey_min_interval_days",
        "crm_lifecycle_survey_max_per_run",
    )
    def _check_crm_lifecycle_survey(self):
        for settings in self:
            if (
                min(
                    settings.crm_lifecycle_survey_delay_days,
                    settings.crm_lifecycle_survey_min_interval_days,
                    settings.crm_lifecycle_survey_max_per_run,
                )
                < 0
            ):
                raise ValidationError(
                    self.env._("Satisfaction survey settings cannot be negative.")
                )


class ResConfigSettingsRetention(models.TransientModel):
    _inherit = "res.config.settings"

    crm_lifecycle_rfm_window_days = fields.Integer(
        string="RFM Window (days)",
        config_parameter="crm_lifecycle.rfm_window_days",
        default=365,
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
        default=12,
    )
    crm_lifecycle_clv_monthly_discount_rate = fields.Float(
        string="Monthly Discount Rate",
        config_parameter="crm_lifecycle.clv_monthly_discount_rate",
        default=0.01,
        digits=(16, 4),
        help="0.01 discounts each month's expected revenue by 1 %.",
    )
    crm_lifecycle_clv_penalizer = fields.Float(
        string="CLV Fit Penalty",
        config_parameter="crm_lifecycle.clv_penalizer",
        default=0.001,
        digits=(16, 4),
        help="L2 penalty used only when plain maximum likelihood does not "
        "converge (small samples). 0: such companies get no churn or CLV "
        "scores.",
    )
    crm_lifecycle_reminder_factor = fields.Float(
        string="Reminder after Usual Interval ×",
        config_parameter="crm_lifecycle.reminder_factor",
        default=1.5,
        digits=(16, 2),
    )
    crm_lifecycle_reminder_churn_threshold = fields.Float(
        string="Reminder above Churn Probability",
        config_parameter="crm_lifecycle.reminder_churn_threshold",
        default=0.5,
        digits=(16, 2),
    )
    crm_lifecycle_reminder_email = fields.Boolean(
        string="E-mail the Customer Too",
        config_parameter="crm_lifecycle.reminder_email",
    )

    @api.constrains(
        "crm_lifecycle_rfm_window_days",
        "crm_lifecycle_clv_horizon_months",
        "crm_lifecycle_clv_monthly_discount_rate",
        "crm_lifecycle_reminder_factor",
        "crm_lifecycle_reminder_churn_threshold",
    )
    def _check_crm_lifecycle_retention(self):
        for settings in self:
            if (
                settings.crm_lifecycle_rfm_window_days < 1
                or settings.crm_lifecycle_clv_horizon_months < 1
            ):
                raise ValidationError(
                    self.env._(
                        "The RFM window and the CLV horizon must be at least one."
                    )
                )
            if (
                settings.crm_lifecycle_clv_monthly_discount_rate < 0
                or settings.crm_lifecycle_clv_penalizer < 0
            ):
                raise ValidationError(
                    self.env._("The discount rate and the penalty cannot be negative.")
                )
            if settings.crm_lifecycle_reminder_factor <= 0:
                raise ValidationError(
                    self.env._("The reminder factor must be positive.")
                )
            if not 0 <= settings.crm_lifecycle_reminder_churn_threshold <= 1:
                raise ValidationError(
                    self.env._(
                        "The churn probability threshold must be between 0 and 1."
                    )
                )

    def set_values(self):
        super().set_values()
        # Odoo drops a config parameter set to 0, which would bring back the
        # non-zero default: a zero rate or penalty is stored as such.
        params = self.env["ir.config_parameter"].sudo()
        for fname in (
            "crm_lifecycle_clv_monthly_discount_rate",
            "crm_lifecycle_clv_penalizer",
        ):
            if not self[fname]:
                params.set_param(self._fields[fname].config_parameter, "0")
