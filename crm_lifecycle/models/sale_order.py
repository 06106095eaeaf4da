from odoo import api, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        orders.partner_id._lifecycle_mark_pending()
        return orders

    def write(self, vals):
        touched = {"state", "partner_id"} & vals.keys()
        before = self.partner_id if touched else self.env["res.partner"]
        result = super().write(vals)
        if touched:
            (before | self.partner_id)._lifecycle_mark_pending()
        return result
