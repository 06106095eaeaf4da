import functools
import logging

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

JOB = "loyalty_expiry"


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
        expire is expired, a warning is sent once per batch of points).
        Runs through the module's batch runner (crm.lifecycle.batch): a
        batch that fails is retried card by card; a card that failed is
        logged and left unmarked for a later call, until it failed
        MAX_DAILY_TRIES times today. Returns the number of cards still to
        check."""
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
        Batch = self.env["crm.lifecycle.batch"]
        self.env.flush_all()
        query = SQL(
            """
            SELECT id FROM loyalty_card
             WHERE active AND partner_id IS NOT NULL
               AND program_id = ANY(%(programs)s)
               AND (lifecycle_expiry_check_date IS NULL
                    OR lifecycle_expiry_check_date < %(today)s)
               AND id != ALL(%(given_up)s)
            """,
            programs=companies.lifecycle_loyalty_program_id.ids,
            today=today,
            given_up=Batch._batch_given_up(JOB),
        )
        self.env.cr.execute(SQL("%s ORDER BY id LIMIT %s", query, batch_size))
        ids = [card_id for (card_id,) in self.env.cr.fetchall()]
        result = Batch._run_batch(
            ids,
            functools.partial(self._lifecycle_expire_batch, today),
            "Loyalty expiry",
            noun="card",
            logger=_logger,
            job=JOB,
        )
        self.env.cr.execute(SQL("SELECT COUNT(*) FROM (%s) todo", query))
        remaining = self.env.cr.fetchone()[0]
        # The cards that failed this time are counted by the next call: a
        # call that found only them still to do has not finished the job.
        return Batch._batch_report(
            "Loyalty expiry",
            result,
            remaining,
            logger=_logger,
            cron="crm_lifecycle.ir_cron_crm_lifecycle_loyalty_expiry",
        )

    @api.model
    def _lifecycle_expire_batch(self, today, ids):
        cards = self.sudo().browse(ids)
        self.env["crm.lifecycle.loyalty.engine"].sudo()._expire_points(cards)
        cards.write({"lifecycle_expiry_check_date": today})
