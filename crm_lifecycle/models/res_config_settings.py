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

    @api.constrains(
        "crm_lifecycle_extension_min_invoices",
        "crm_lifecycle_extension_window_days",
        "crm_lifecycle_extension_min_categories",
    )
    def _check_crm_lifecycle_thresholds(self):
        for settings in self:
            if min(
                settings.crm_lifecycle_extension_min_invoices,
                settings.crm_lifecycle_extension_min_categories,
            ) < 0:
                raise ValidationError(
                    self.env._("Lifecycle thresholds cannot be negative.")
                )
            if settings.crm_lifecycle_extension_window_days < 1:
                raise ValidationError(
                    self.env._(
                        "The repeat purchase window must be at least one day."
                    )
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
