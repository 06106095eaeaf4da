"""The recompute pipeline: what happens to a customer when something
happens to it, and in which order.

An invoice posted travels this way:

1. ``account.move.write`` (the state written by ``_post``) marks the
   invoice's customer pending, with the passes the event can change
   (``_lifecycle_mark_pending``): posting moves the phase and the payment
   figures, a payment the payment figures and the loyalty points.
2. At the end of the transaction (a precommit callback),
   ``_lifecycle_flush_pending`` runs the phase pass at once, in a
   savepoint: the phase is what a user sees move while working.
3. The other passes are queued (``crm.lifecycle.refresh``), and the queue's
   scheduled action is triggered: the money figures never slow down nor
   fail the transaction that posted or paid the invoice.
4. The scheduled action runs ``_lifecycle_recompute(passes)`` on a batch of
   the queued customers: the passes of LIFECYCLE_PASSES that were asked,
   in the order listed there.
5. Each pass reads its facts set-based for the whole batch and writes
   only what changed: a phase move through write(), tracked in the
   chatter, with its history row; the points on the customer's loyalty
   card; the derived figures (first purchase, tier, payment grade and
   delays) through the storage helper (``res_partner_storage.py``).

The daily job (``_cron_lifecycle_recompute``) runs every pass on every
customer not yet recomputed today, one batch at a time, through the same
``_lifecycle_recompute``.

A new feature (complaints, cadences, offers, a fit score) defines its
``_lifecycle_pass_<name>`` method on res.partner in its own file, and adds
its line to LIFECYCLE_PASSES; the events that change its figures mark
their partners pending with its pass.
"""

import functools
import logging
from collections import namedtuple

from odoo import api, fields, models
from odoo.tools import SQL

from .engine_path import events_are_held

_logger = logging.getLogger(__name__)

PASS_PHASE = "phase"
PASS_PAYMENT = "payment"
PASS_LOYALTY = "loyalty"
PASS_COMPLAINT = "complaint"
PASS_FIT = "fit"

LifecyclePass = namedtuple("LifecyclePass", ["name", "method", "computes"])

# The passes of a customer's recompute, in the order they run. No pass
# reads another's figures today (each reads the invoices, deals and
# payments), and the order is the one the module has always run them in;
# a pass that comes to read another's figures goes after it.
LIFECYCLE_PASSES = (
    LifecyclePass(
        PASS_PHASE,
        "_lifecycle_pass_phase",
        "the phase and its history, the first contact and first purchase",
    ),
    LifecyclePass(
        PASS_COMPLAINT,
        "_lifecycle_pass_complaint",
        "the complaint counts, resolution time and churn signal",
    ),
    LifecyclePass(
        PASS_LOYALTY,
        "_lifecycle_pass_loyalty",
        "the loyalty points of the invoices paid, and the tier moves",
    ),
    LifecyclePass(
        PASS_PAYMENT,
        "_lifecycle_pass_payment",
        "the payment grade, trend, delays and overdue amount, per company",
    ),
    # Last: it reads the phase (who is a prospect or customer) and the
    # first purchase.
    LifecyclePass(
        PASS_FIT,
        "_lifecycle_pass_fit",
        "the fit score and its reasons, per company",
    ),
)
# What an event can ask for: a subset of these, so that it runs only the
# passes it can change (the phase moves with deals and invoices, and a
# credit note that reverses an invoice; payment figures with invoices and
# payments; loyalty points and tiers with money received, and an invoice
# leaving the posted state).
ALL_PASSES = frozenset(step.name for step in LIFECYCLE_PASSES)
PHASE_ONLY = frozenset({PASS_PHASE})
FIT_ONLY = frozenset({PASS_FIT})
PENDING_KEY = "crm_lifecycle.pending_partner_ids"


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    def _lifecycle_recompute(self, passes=ALL_PASSES):
        """Apply the automatic rules to these partners now: the passes of
        LIFECYCLE_PASSES named in ``passes``, in the pipeline's order.

        :param passes: what to recompute (a subset of ALL_PASSES), for an
            event known to change nothing else
        :return: how many partners changed phase (0 without the phase pass)
        """
        unknown = set(passes) - ALL_PASSES
        if unknown:
            # A pass nobody runs would be a figure silently never settled.
            raise ValueError(f"Unknown lifecycle passes: {sorted(unknown)}")
        results = {}
        for step in LIFECYCLE_PASSES:
            if step.name in passes:
                results[step.name] = getattr(self, step.method)()
        return results.get(PASS_PHASE) or 0

    # ------------------------------------------------------------
    # Events
    # ------------------------------------------------------------

    def _lifecycle_mark_pending(self, passes=ALL_PASSES):
        """Recompute these partners once, at the end of the transaction, so
        that an event (an order confirmed, an invoice posted, a payment
        reconciled) costs one set-based recompute whatever it touched: the
        phase then, the money figures in the queued job that follows.

        :param passes: what the event may change (see ALL_PASSES); a
            partner touched by several events gets them all
        """
        ids = {pid for pid in self.commercial_partner_id.ids if pid}
        if not ids or events_are_held():
            return
        data = self.env.cr.precommit.data
        if PENDING_KEY not in data:
            data[PENDING_KEY] = {}
            self.env.cr.precommit.add(self._lifecycle_flush_pending)
        pending = data[PENDING_KEY]
        for pid in ids:
            pending[pid] = pending.get(pid, frozenset()) | passes

    def _lifecycle_flush_pending(self):
        """The phase at once, in the transaction of the event; the money
        figures (payment history, loyalty) queued for the scheduled action
        the queue triggers (see crm.lifecycle.refresh).

        Runs in superuser mode in a clean environment: the event's context (its
        ``active_test``, ``tracking_disable``, ``default_*`` keys, set by
        whoever made the first event of the transaction) must not change
        what the recompute reads or writes; only the language and time zone
        are kept. It never fails the user's transaction: the phase is
        recomputed in a savepoint, and if it fails the error is logged and
        the phase queued with the figures, for the job to settle."""
        pending = self.env.cr.precommit.data.pop(PENDING_KEY, {})
        if not pending:
            return
        # Superuser mode, as the user whose event it is: the phase moves in
        # the chatter are theirs.
        env = self.env(
            su=True,
            context={
                key: self.env.context[key]
                for key in ("lang", "tz")
                if key in self.env.context
            },
        )
        queued = {
            pid: passes - PHASE_ONLY
            for pid, passes in pending.items()
            if passes - PHASE_ONLY
        }
        phased = sorted(pid for pid, passes in pending.items() if PASS_PHASE in passes)
        # What the transaction did is written (and the other end-of-
        # transaction callbacks run) outside the savepoint: an error there
        # is not the recompute's to swallow.
        env.cr.flush()
        if phased:
            try:
                with env.cr.savepoint():
                    env["res.partner"].browse(phased).exists()._lifecycle_recompute(
                        PHASE_ONLY
                    )
                    env.flush_all()
            except Exception:
                # The savepoint's rollback dropped the cache, the pending
                # computations and the callbacks of the failed recompute.
                _logger.exception(
                    "Lifecycle phase recompute failed at the end of a transaction;"
                    " queued for the scheduled action: partners %s",
                    phased,
                )
                for pid in phased:
                    queued[pid] = queued.get(pid, frozenset()) | PHASE_ONLY
        try:
            with env.cr.savepoint():
                env["crm.lifecycle.refresh"]._enqueue(queued)
                env.flush_all()
        except Exception:
            # Nothing left to fall back on: the daily job recomputes them.
            _logger.exception(
                "Lifecycle figures could not be queued for partners %s",
                sorted(queued),
            )

    # ------------------------------------------------------------
    # Daily job
    # ------------------------------------------------------------

    @api.model
    def _cron_lifecycle_recompute(self, batch_size=None):
        """Daily: apply the lifecycle rules to every commercial partner not
        yet recomputed today, one batch per call, with progress.

        Resumable (a partner is marked once done today) and idempotent (the
        rules only write what changed). Runs through the module's batch
        runner (crm.lifecycle.batch): a batch that fails is retried one
        partner at a time; a partner that failed is logged and not marked,
        so that a later call retries it (after a conflict with a user's
        transaction, it goes through), until it failed MAX_DAILY_TRIES
        times today in this process: then it waits for tomorrow, so that a
        broken partner cannot keep the job going. A call in which every
        partner failed is reported as failed to the cron. Returns 1 while
        more partners may remain, 0 once all are done."""
        batch_size = batch_size or self.env["crm.lifecycle.settings"]._get(
            "cron_batch_size"
        )
        today = fields.Date.context_today(self)
        Batch = self.env["crm.lifecycle.batch"]
        self.env.flush_all()
        self._lifecycle_without_jit()
        ids, more = self._lifecycle_next_batch(
            "lifecycle",
            SQL(
                """
                SELECT p.id FROM res_partner p
                 WHERE p.active AND p.id = p.commercial_partner_id
                   AND (p.lifecycle_recompute_date IS NULL
                        OR p.lifecycle_recompute_date < %s)
                   AND p.id != ALL(%s)
                """,
                today,
                Batch._batch_given_up("lifecycle"),
            ),
            batch_size,
        )
        result = Batch._run_batch(
            ids,
            functools.partial(self.sudo()._lifecycle_recompute_batch, today),
            "Lifecycle recompute",
            noun="partner",
            logger=_logger,
            job="lifecycle",
        )
        # Written: let the records of this batch go, so that a run over all
        # partners in one transaction (installation, a manager's request)
        # holds one batch in memory, not every partner it has seen.
        self.env.invalidate_all()
        # More may remain (the next call says) rather than an exact count,
        # which would scan every partner after each batch; the retention
        # job reports the same way.
        return Batch._batch_report(
            "Lifecycle recompute",
            result,
            1 if more else 0,
            logger=_logger,
            cron="crm_lifecycle.ir_cron_crm_lifecycle_recompute",
        )

    @api.model
    def _lifecycle_recompute_batch(self, today, ids):
        # Marked first, so that the rows are written once, with the batch's
        # figures; rolled back with them if the recompute fails.
        self._lifecycle_bulk_update(
            {pid: {"lifecycle_recompute_date": today} for pid in ids}
        )
        self.browse(ids)._lifecycle_recompute()

    @api.model
    def _lifecycle_recompute_all(self, batch_size=None):
        """Recompute every partner to the end in this transaction, even those
        already done today (installation, tests, benchmark)."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET lifecycle_recompute_date = NULL"
            " WHERE lifecycle_recompute_date IS NOT NULL"
        )
        self.invalidate_model(["lifecycle_recompute_date"])
        self._lifecycle_forget_scan("lifecycle")
        self.env["crm.lifecycle.batch"]._batch_forget_failures("lifecycle")
        while self._cron_lifecycle_recompute(batch_size=batch_size):
            pass
