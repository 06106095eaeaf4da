from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    lifecycle_loyalty_points = fields.Float(
        string="Loyalty Points Awarded",
        readonly=True,
        copy=False,
        digits=(16, 2),
        help="Points this invoice has given so far (negative for a credit "
        "note): the next settlement only awards the difference with what "
        "is paid now, so an invoice never earns twice.",
    )
