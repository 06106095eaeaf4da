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
            if min(
                settings.crm_lifecycle_survey_delay_days,
                settings.crm_lifecycle_survey_min_interval_days,
                settings.crm_lifecycle_survey_max_per_run,
            ) < 0:
                raise ValidationError(
                    self.env._("Satisfaction survey settings cannot be negative.")
                )
