from odoo import fields, models
from odoo.tools.sql import create_index

LIFECYCLE_KINDS = [
    ("earn", "Earned on payment"),
    ("take_back", "Taken back"),
    ("expiry", "Expired"),
]


class LoyaltyHistory(models.Model):
    _inherit = "loyalty.history"

    lifecycle_kind = fields.Selection(
        LIFECYCLE_KINDS,
        string="Lifecycle Event",
        readonly=True,
        index=True,
        help="Set on the lines the customer lifecycle writes: points earned "
        "by paying an invoice, taken back (credit note, unreconciled "
        "payment) or expired.",
    )
    lifecycle_date = fields.Date(
        string="Date",
        readonly=True,
        default=fields.Date.context_today,
        help="The day the points moved: expiry counts the months from it.",
    )

    def init(self):
        res = super().init()
        # Odoo does not index card_id; every payment reads the points of the
        # customer's card from its history (a scan of all of it without).
        # Named as Odoo names the index of a field, should Odoo add one.
        create_index(
            self.env.cr, "loyalty_history__card_id_index", self._table, ["card_id"]
        )
        return res
