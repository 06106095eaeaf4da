from odoo import api, fields, models

from .res_partner_retention import USER_GROUP


class ResPartner(models.Model):
    """The cross-sell suggestions of a customer, per company."""

    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    lifecycle_suggestion_ids = fields.One2many(
        "crm.lifecycle.suggestion",
        "partner_id",
        string="Suggested Products",
        readonly=True,
        groups=USER_GROUP,
    )
    lifecycle_suggestion_date = fields.Date(
        string="Suggestions Computed On",
        company_dependent=True,
        index=False,
        readonly=True,
        groups=USER_GROUP,
        help="Technical: the day the cross-sell suggestions' scheduled action "
        "last rewrote this customer's suggestions.",
    )

    @api.model
    def _lifecycle_engine_fields(self):
        return super()._lifecycle_engine_fields() | {"lifecycle_suggestion_date"}

    @api.model
    def _cron_suggestion_recompute(self, batch_size=None):
        """Daily: rewrite the cross-sell suggestions of every company's
        customers, one company's model per call and its customers by
        batches (crm.lifecycle.suggestion.engine). Returns the work still
        to do."""
        return self.env["crm.lifecycle.suggestion.engine"].sudo()._run_step(batch_size)

    @api.model
    def _suggestion_recompute_all(self, batch_size=None):
        """Rewrite every company's suggestions to the end in this
        transaction, even if done today (tests, benchmark)."""
        return self.env["crm.lifecycle.suggestion.engine"].sudo()._run_all(batch_size)
