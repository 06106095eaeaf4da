from odoo import fields, models

LIFECYCLE_KINDS = [
    ("earn", "Earned on payment"),
    ("take_back", "Taken back"),
    ("expiry", "Expired"),
]


class LoyaltyHistory(models.Model):
    _inherit = "loyalty.history"

    # Odoo does not index it; every payment reads the points of the
    # customer's card from its history (a scan of all of it without).
    card_id = fields.Many2one(index=True)

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
