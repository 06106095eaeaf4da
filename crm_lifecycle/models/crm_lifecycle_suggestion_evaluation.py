from odoo import api, fields, models
from odoo.exceptions import AccessError

MANAGER_GROUP = "crm_lifecycle.group_crm_lifecycle_manager"


class CrmLifecycleSuggestionEvaluation(models.Model):
    """One measure of the cross-sell suggestions of a company: each
    customer's last purchase held out, how often one of its new products is
    among the five suggestions made from what the customer bought before,
    against the five best sellers it had not bought."""

    _name = "crm.lifecycle.suggestion.evaluation"
    _description = "Cross-sell Suggestion Evaluation"
    _order = "date desc, id desc"
    _rec_name = "date"

    company_id = fields.Many2one(
        "res.company", required=True, index=True, ondelete="cascade", readonly=True
    )
    date = fields.Datetime(required=True, readonly=True)
    window_months = fields.Integer(string="Window (months)", readonly=True)
    sample = fields.Integer(
        readonly=True,
        help="Customers who bought before their last purchase and bought a "
        "new product in it.",
    )
    hits = fields.Integer(readonly=True)
    hit_rate = fields.Float(
        string="Hit Rate at 5",
        readonly=True,
        digits=(16, 4),
        help="Share of the sample with a product of its last purchase among "
        "the five suggestions.",
    )
    baseline_hits = fields.Integer(string="Best-seller Hits", readonly=True)
    baseline_hit_rate = fields.Float(
        string="Best-seller Hit Rate at 5",
        readonly=True,
        digits=(16, 4),
        help="The same measure for the five best sellers the customer had not "
        "bought: the baseline the suggestions must beat.",
    )
    lift = fields.Float(
        readonly=True,
        digits=(16, 2),
        help="Hit rate divided by the best-seller hit rate (0 without "
        "best-seller hits).",
    )

    @api.model
    def action_evaluate(self):
        """Measure the suggestions of each company the manager works in now
        (a row per company), and show the measures."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise AccessError(
                self.env._("Only lifecycle managers can evaluate the suggestions.")
            )
        engine = self.env["crm.lifecycle.suggestion.engine"].sudo()
        for company in self.env.companies:
            engine._evaluate_company(company)
        return {
            "type": "ir.actions.client",
            "tag": "soft_reload",
        }
