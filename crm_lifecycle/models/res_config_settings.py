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
