import logging

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


class LoyaltyCard(models.Model):
    _inherit = "loyalty.card"

    lifecycle_expiring_points = fields.Float(
        string="Points Expiring Soon",
        readonly=True,
        copy=False,
        help="Points announced to the customer in the last expiry warning.",
    )
    lifecycle_expiring_date = fields.Date(
        string="Expiring From", readonly=True, copy=False
    )
    lifecycle_expiry_warned_until = fields.Date(
        readonly=True,
        copy=False,
        help="Technical: points earned up to this day have been announced as "
        "expiring; a new warning only covers points earned after it.",
    )
    lifecycle_expiry_check_date = fields.Date(
        readonly=True,
        copy=False,
        help="Technical: the day the expiry scheduled action last checked it.",
    )

    @api.model
    def _cron_lifecycle_expire_points(self, batch_size=None):
        """Daily: expire the points of the lifecycle loyalty cards earned
        more than the company's expiry months ago (oldest first) and e-mail
        the customers whose points expire within the warning period.

        One batch of cards per call, with progress; resumable (a card is
        marked once checked today) and idempotent (only what is left to
        expire is expired, a warning is sent once per batch of points). A
        batch that fails is retried card by card so that one bad card is
        logged and skipped. Returns the number of cards still to check."""
        batch_size = batch_size or self.env["crm.lifecycle.settings"]._get(
            "cron_batch_size"
        )
        companies = (
            self.env["res.company"]
            .sudo()
            .search(
                [
                    ("lifecycle_loyalty_program_id", "!=", False),
                    ("lifecycle_loyalty_expiry_months", ">", 0),
                ]
            )
        )
        today = fields.Date.context_today(self)
        self.env.flush_all()
        query = SQL(
            """
            SELECT id FROM loyalty_card
             WHERE active AND partner_id IS NOT NULL
               AND program_id = ANY(%(programs)s)
               AND (lifecycle_expiry_check_date IS NULL
                    OR lifecycle_expiry_check_date < %(today)s)
            """,
            programs=companies.lifecycle_loyalty_program_id.ids,
            today=today,
        )
        self.env.cr.execute(SQL("%s ORDER BY id LIMIT %s", query, batch_size))
        ids = [card_id for (card_id,) in self.env.cr.fetchall()]
        cards = self.sudo().browse(ids)
        engine = self.env["crm.lifecycle.loyalty.engine"].sudo()
        try:
            with self.env.cr.savepoint():
                engine._expire_points(cards)
        except Exception:
            _logger.exception("Loyalty expiry batch failed, retrying one by one")
            for card in cards:
                try:
                    with self.env.cr.savepoint():
                        engine._expire_points(card)
                except Exception:
                    _logger.exception("Loyalty expiry failed for card %s", card.id)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE loyalty_card SET lifecycle_expiry_check_date = %s"
                " WHERE id = ANY(%s)",
                today,
                ids,
            )
        )
        self.invalidate_model(["lifecycle_expiry_check_date"])
        self.env.cr.execute(SQL("SELECT COUNT(*) FROM (%s) todo", query))
        remaining = self.env.cr.fetchone()[0]
        self.env["ir.cron"]._notify_progress(done=len(ids), remaining=remaining)
        return remaining
