import functools
import logging

from odoo import api, fields, models
from odoo.tools import SQL

from .crm_lifecycle_batch import BatchResult

_logger = logging.getLogger(__name__)

LABEL = "Lifecycle refresh"
# Failed tries after which a partner's row is dropped: by then the error
# is not a passing conflict, and the daily job recomputes every partner.
MAX_ATTEMPTS = 5


class CrmLifecycleRefresh(models.Model):
    """Customers whose money figures an event changed (an invoice posted,
    cancelled or paid, a payment unreconciled): their payment history,
    loyalty points and tier are settled by a scheduled action triggered at
    once, out of the transaction that posted or paid the invoice.

    Posting or paying an invoice then costs one INSERT here, whatever the
    module computes from it: the user does not wait for the figures, and a
    fault in them (a loyalty program that cannot draw a card code) cannot
    make the payment itself fail. The phase
    is not queued: it is what a user sees move while working (an order
    confirmed, a first invoice), and costs a few milliseconds; only when
    it fails at the end of the event's transaction is it queued here, so
    that the event commits and the job settles it.
    """

    _name = "crm.lifecycle.refresh"
    _description = "Customer Lifecycle Figures to Refresh"
    _log_access = False

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, ondelete="cascade", index=True
    )
    passes = fields.Char(
        string="Figures to Refresh",
        required=True,
        help="What the event may have changed: payment figures, loyalty "
        "points and tiers (comma-separated).",
    )
    queued_at = fields.Datetime(
        string="Queued On", required=True, default=fields.Datetime.now
    )
    attempts = fields.Integer(
        readonly=True,
        help="Failed tries to settle it so far: it is dropped after a few, "
        "and the daily job recomputes the customer.",
    )
    last_error = fields.Text(readonly=True, help="Why the last try failed.")

    @api.model
    def _enqueue(self, pending):
        """Queue ``pending`` ({partner_id: passes}) in one INSERT, and wake
        the scheduled action up at the end of the transaction. New rows
        only: a partner queued twice is refreshed once, and an event never
        waits for the job's lock on the rows it is settling."""
        if not pending:
            return
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_lifecycle_refresh
                       (partner_id, passes, queued_at, attempts)
                SELECT v.partner_id, v.passes, %(now)s, 0
                  FROM unnest(%(ids)s::int[], %(passes)s::varchar[])
                       AS v(partner_id, passes)
                  -- not a partner deleted since the event (or created in a
                  -- savepoint rolled back)
                  JOIN res_partner p ON p.id = v.partner_id
                """,
                now=self.env.cr.now(),
                ids=list(pending),
                passes=[",".join(sorted(passes)) for passes in pending.values()],
            )
        )
        cron = self.env.ref(
            "crm_lifecycle.ir_cron_crm_lifecycle_refresh", raise_if_not_found=False
        )
        if cron:
            cron.sudo()._trigger()

    @api.model
    def _cron_refresh(self, batch_size=None):
        """Settle the queued partners, one batch per call, with progress.

        Set-based per batch, as the daily job: one recompute per set of
        passes, through the module's batch runner (crm.lifecycle.batch): a
        batch that fails is retried one partner at a time. Only the rows of
        the partners settled are deleted; the rows of a partner that failed
        stay queued with the attempt counted and the reason stored and
        logged, the oldest tries last, until MAX_ATTEMPTS (then dropped with
        an ERROR: the daily job recomputes every partner). A partner that
        met a concurrent transaction (a user editing it while its payment
        is settled) fails again in the same snapshot: the cron is triggered
        again to retry it in a new transaction. Idempotent: the figures are
        recomputed from the invoices and the points credited are the
        difference with what each invoice gave, so a partner settled twice
        is settled once. Returns 1 while more may remain, 0 once the queue
        holds no more than this batch."""
        return self._refresh_batch(batch_size)[0]

    @api.model
    def _refresh_batch(self, batch_size=None, exclude=()):
        """One call of the job, leaving out the rows ``exclude``: returns
        what remains (1 or 0) and the ids of the rows taken."""
        batch_size = batch_size or self.env["crm.lifecycle.settings"]._get(
            "cron_batch_size"
        )
        Batch = self.env["crm.lifecycle.batch"]
        self.env.flush_all()
        # Rows another run is settling are left to it; rows that failed
        # before come after the new ones, so that they cannot hold the
        # queue up.
        self.env.cr.execute(
            SQL(
                """
                SELECT id, partner_id, passes FROM crm_lifecycle_refresh
                 WHERE id != ALL(%s)
                 ORDER BY attempts NULLS FIRST, id
                 LIMIT %s FOR UPDATE SKIP LOCKED
                """,
                sorted(exclude),
                batch_size,
            )
        )
        rows = self.env.cr.fetchall()
        if not rows:
            Batch._batch_report(LABEL, BatchResult(), 0, logger=_logger)
            return 0, []
        Partner = self.env["res.partner"].sudo()
        Partner._lifecycle_without_jit()
        passes_by_partner = {}
        for _id, partner_id, passes in rows:
            passes_by_partner[partner_id] = passes_by_partner.get(
                partner_id, frozenset()
            ) | frozenset(passes.split(","))
        by_passes = {}
        for partner_id, passes in passes_by_partner.items():
            by_passes.setdefault(passes, []).append(partner_id)
        result = BatchResult()
        for passes, ids in by_passes.items():
            result.update(
                Batch._run_batch(
                    sorted(ids),
                    functools.partial(self._refresh_partners, passes),
                    LABEL,
                    noun="partner",
                    logger=_logger,
                )
            )
        self._refresh_settle(rows, result)
        self.env.invalidate_all()
        remaining = 1 if len(rows) == batch_size else 0
        Batch._batch_report(
            LABEL,
            result,
            remaining,
            logger=_logger,
            cron="crm_lifecycle.ir_cron_crm_lifecycle_refresh",
        )
        return remaining, [row[0] for row in rows]

    @api.model
    def _refresh_partners(self, passes, partner_ids):
        self.env["res.partner"].sudo().browse(
            partner_ids
        ).exists()._lifecycle_recompute(passes)

    @api.model
    def _refresh_settle(self, rows, result):
        """Delete the rows of the partners settled; count the attempt and
        keep the reason on the others, and drop those that reached
        MAX_ATTEMPTS."""
        unsettled = result.unsettled
        settled = [
            row_id for row_id, partner_id, _ in rows if partner_id not in unsettled
        ]
        kept = [
            (row_id, unsettled[partner_id])
            for row_id, partner_id, _ in rows
            if partner_id in unsettled
        ]
        if settled:
            self.env.cr.execute(
                SQL("DELETE FROM crm_lifecycle_refresh WHERE id = ANY(%s)", settled)
            )
        if not kept:
            return
        self.env.cr.execute(
            SQL(
                """
                UPDATE crm_lifecycle_refresh r
                   SET attempts = COALESCE(r.attempts, 0) + 1,
                       last_error = v.reason
                  FROM unnest(%s::int[], %s::text[]) AS v(id, reason)
                 WHERE r.id = v.id
             RETURNING r.id, r.partner_id, r.attempts, r.last_error
                """,
                [row_id for row_id, _ in kept],
                [reason for _, reason in kept],
            )
        )
        dropped = [row for row in self.env.cr.fetchall() if row[2] >= MAX_ATTEMPTS]
        for _row_id, partner_id, attempts, reason in dropped:
            _logger.error(
                "%s gave up on partner %s after %s attempts (the daily job"
                " recomputes it): %s",
                LABEL,
                partner_id,
                attempts,
                reason,
            )
        if dropped:
            self.env.cr.execute(
                SQL(
                    "DELETE FROM crm_lifecycle_refresh WHERE id = ANY(%s)",
                    [row[0] for row in dropped],
                )
            )

    @api.model
    def _refresh_all(self, batch_size=None):
        """Settle the whole queue now, in this transaction (tests,
        scripts): each row is tried once, as a row that failed would fail
        again in the same transaction."""
        tried = set()
        while True:
            remaining, row_ids = self._refresh_batch(batch_size, exclude=tried)
            tried.update(row_ids)
            if not remaining:
                return
