from odoo import fields, models
from odoo.tools import SQL

from .crm_lifecycle_loyalty_engine import awarded_points_sql


class AccountMove(models.Model):
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    lifecycle_loyalty_points = fields.Float(
        string="Loyalty Points Awarded",
        compute="_compute_lifecycle_loyalty_points",
        digits=(16, 2),
        help="Points this invoice has given so far (negative for a credit "
        "note), the sum of its loyalty history lines: the next settlement "
        "only awards the difference with what is paid now, so an invoice "
        "never earns twice.",
    )

    def _compute_lifecycle_loyalty_points(self):
        # Not stored: the history is the one record of it, and a column on
        # account_move (thirty indexes) would be rewritten for every paid
        # invoice.
        points = {}
        if self.ids:
            self.env["loyalty.history"].flush_model()
            # By the customers' cards, as the engine reads it (indexed).
            self.env.cr.execute(
                awarded_points_sql(
                    SQL(
                        "card.partner_id = ANY(%s) AND h.order_id = ANY(%s)",
                        self.commercial_partner_id.ids,
                        self.ids,
                    )
                )
            )
            points = dict(self.env.cr.fetchall())
        for move in self:
            move.lifecycle_loyalty_points = points.get(move.id, 0.0)
