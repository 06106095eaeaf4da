from odoo import api, fields, models

from .res_partner_pipeline import PHASE_ONLY


class SaleOrder(models.Model):
    _inherit = "sale.order"

    payment_warning = fields.Char(compute="_compute_payment_warning")
    lifecycle_suggestion_ids = fields.Many2many(
        "crm.lifecycle.suggestion",
        string="Suggested Products",
        compute="_compute_lifecycle_suggestion_ids",
        groups="crm_lifecycle.group_crm_lifecycle_user",
    )

    @api.depends("partner_id", "company_id", "state")
    def _compute_payment_warning(self):
        for order in self:
            order.payment_warning = order.state in ("draft", "sent") and (
                order.partner_id._payment_warning_message(
                    order.company_id or self.env.company
                )
            )

    @api.depends("partner_id", "company_id", "order_line.product_id")
    def _compute_lifecycle_suggestion_ids(self):
        """The customer's suggestions in the order's company that the user
        may read, but the products already on the order."""
        Suggestion = self.env["crm.lifecycle.suggestion"]
        for order in self:
            customer = order.partner_id.commercial_partner_id
            if not customer.id or not order.company_id:
                order.lifecycle_suggestion_ids = Suggestion
                continue
            order.lifecycle_suggestion_ids = Suggestion.search(
                [
                    ("partner_id", "=", customer.id),
                    ("company_id", "=", order.company_id.id),
                    ("product_id", "not in", order.order_line.product_id.ids),
                ]
            )

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        orders.partner_id._lifecycle_mark_pending(passes=PHASE_ONLY)
        return orders

    def write(self, vals):
        touched = {"state", "partner_id"} & vals.keys()
        before = self.partner_id if touched else self.env["res.partner"]
        result = super().write(vals)
        if touched:
            (before | self.partner_id)._lifecycle_mark_pending(passes=PHASE_ONLY)
        return result
