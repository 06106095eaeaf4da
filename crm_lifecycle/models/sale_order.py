from odoo import api, fields, models

from .res_partner_pipeline import PHASE_ONLY


class SaleOrder(models.Model):
    _inherit = "sale.order"

    payment_warning = fields.Char(compute="_compute_payment_warning")

    @api.depends("partner_id", "company_id", "state")
    def _compute_payment_warning(self):
        for order in self:
            order.payment_warning = order.state in ("draft", "sent") and (
                order.partner_id._payment_warning_message(
                    order.company_id or self.env.company
                )
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
