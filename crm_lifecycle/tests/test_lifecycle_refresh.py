from unittest.mock import patch

from odoo import sql_db
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.crm_lifecycle.models.crm_lifecycle_batch import BatchFailed
from odoo.addons.crm_lifecycle.models.crm_lifecycle_refresh import MAX_ATTEMPTS
from odoo.addons.crm_lifecycle.models.engine_path import events_held
from odoo.addons.crm_lifecycle.models.res_partner_pipeline import PENDING_KEY

from .common import flush_events
from .common_loyalty import LoyaltyCommon

REFRESH_LOGGER = "odoo.addons.crm_lifecycle.models.crm_lifecycle_refresh"
PARTNER_LOGGER = "odoo.addons.crm_lifecycle.models.res_partner_pipeline"


@tagged("post_install", "-at_install")
class TestLifecycleRefresh(LoyaltyCommon):
    """A payment is settled (payment figures, loyalty points, tier) by the
    queued job it triggers, not in the transaction that registers it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Refresh = cls.env["crm.lifecycle.refresh"]
        cls.cron = cls.env.ref("crm_lifecycle.ir_cron_crm_lifecycle_refresh")
        cls.other = cls.env["res.partner"].create(
            {"name": "Other Loyal Customer", "is_company": True}
        )
        cls.third = cls.env["res.partner"].create(
            {"name": "Third Loyal Customer", "is_company": True}
        )

    def _posted(self, *amounts):
        """Invoices of (partner, amount), posted and settled."""
        invoices = [
            self._invoice(amount, partner=partner) for partner, amount in amounts
        ]
        flush_events(self.env)
        return invoices

    def _pay_without_settling(self, *invoices):
        """The invoices paid, the payments committed (their
        end-of-transaction callbacks run), the queued job not yet run."""
        for invoice in invoices:
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({})._create_payments()
        self.env.cr.flush()

    def _queued(self):
        return {(row.partner_id, row.passes) for row in self.Refresh.search([])}

    def _triggers(self):
        return self.env["ir.cron.trigger"].search_count(
            [("cron_id", "=", self.cron.id)]
        )

    def test_payment_is_queued_then_settled_by_the_job(self):
        (invoice,) = self._posted((self.customer, 300.0))
        triggers = self._triggers()
        self._pay_without_settling(invoice)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(self._queued(), {(self.customer, "loyalty,payment")})
        self.assertEqual(self._triggers(), triggers + 1, "the job is woken up")
        self.assertFalse(self._card(), "nothing settled in the payment")
        self.assertFalse(self.customer.payment_grade)

        self.assertEqual(self.Refresh._cron_refresh(), 0)
        self.assertFalse(self.Refresh.search([]))
        self.assertEqual(self._card().points, 300.0)
        self.assertEqual(invoice.lifecycle_loyalty_points, 300.0)
        self.assertEqual(self.customer.payment_on_time_ratio, 100.0)
        self.assertEqual(self.customer.payment_grade, "A")

        # Queued again (a worker killed after the job, a second event):
        # settled twice, credited once.
        self.customer._lifecycle_mark_pending()
        flush_events(self.env)
        self.assertEqual(self._card().points, 300.0)
        self.assertEqual(len(self._card().history_ids), 1)

    def test_phase_moves_in_the_transaction_of_the_event(self):
        flush_events(self.env)
        self._invoice(100.0, partner=self.other)
        self.env.cr.flush()
        self.assertEqual(self.other.lifecycle_phase, "retention")
        self.assertEqual(self._queued(), {(self.other, "payment")})

    def test_held_events_queue_nothing(self):
        flush_events(self.env)
        with events_held():
            self.customer._lifecycle_mark_pending()
        self.env.cr.flush()
        self.assertFalse(self.Refresh.search([]))
        self.customer._lifecycle_mark_pending()
        self.env.cr.flush()
        self.assertEqual(
            self._queued(), {(self.customer, "complaint,fit,loyalty,payment")}
        )

    def _broken_payment_recompute(self, *bad):
        """Patch the payment figures to fail for the partners ``bad``."""
        Partner = self.registry["res.partner"]
        original = Partner._payment_recompute
        bad_ids = {partner.id for partner in bad}

        def payment_recompute(partners):
            if bad_ids & set(partners.ids):
                raise ValueError("a broken partner")
            return original(partners)

        return patch.object(Partner, "_payment_recompute", payment_recompute)

    def test_one_bad_partner_does_not_stop_the_others(self):
        self._pay_without_settling(
            *self._posted((self.customer, 300.0), (self.other, 200.0))
        )
        bad = self.other.id
        with (
            self._broken_payment_recompute(self.other),
            self.assertLogs(REFRESH_LOGGER, "ERROR") as logs,
        ):
            self.assertEqual(self.Refresh._cron_refresh(), 0)
        self.assertIn(f"failed for partner {bad}", "\n".join(logs.output))
        self.assertEqual(self._card().points, 300.0)
        self.assertFalse(
            self._card(self.other).points, "the bad partner's pass is rolled back"
        )
        # Before: its row was deleted with the others, the partner counted
        # as settled until the next night.
        (row,) = self.Refresh.search([])
        self.assertEqual(row.partner_id, self.other, "kept for a later try")
        self.assertEqual(row.attempts, 1)
        self.assertEqual(row.last_error, "ValueError: a broken partner")

    def test_failing_partner_is_retried_then_dropped_with_a_reason(self):
        self._pay_without_settling(*self._posted((self.other, 200.0)))
        with (
            self._broken_payment_recompute(self.other),
            self.assertLogs(REFRESH_LOGGER, "ERROR") as logs,
        ):
            for attempt in range(1, MAX_ATTEMPTS):
                self.Refresh._cron_refresh()
                self.assertEqual(self.Refresh.search([]).attempts, attempt)
            self.Refresh._cron_refresh()
        self.assertFalse(self.Refresh.search([]), "dropped after the last try")
        self.assertIn(
            f"gave up on partner {self.other.id} after {MAX_ATTEMPTS} attempts",
            "\n".join(logs.output),
        )
        # Fixed since: the daily job settles it.
        self.env["res.partner"]._lifecycle_recompute_all()
        self.assertEqual(self._card(self.other).points, 200.0)

    def test_call_where_every_partner_failed_is_a_failed_cron_call(self):
        """Odoo records a cron call as failed only if it raises before any
        progress: with every partner failed, the attempts are committed,
        then the call raises (it returned "done" before)."""
        self._pay_without_settling(*self._posted((self.other, 200.0)))
        progress = self.env["ir.cron.progress"].create(
            {"cron_id": self.cron.id, "done": 0, "remaining": 0}
        )
        triggers = self._triggers()
        with (
            self._broken_payment_recompute(self.other),
            self.assertLogs(REFRESH_LOGGER, "ERROR"),
            patch.object(self.env.cr, "commit") as commit,
            self.assertRaisesRegex(BatchFailed, "a broken partner"),
        ):
            self.Refresh.with_context(ir_cron_progress_id=progress.id)._cron_refresh()
        commit.assert_called_once()
        self.assertEqual((progress.done, progress.remaining), (0, 0))
        self.assertEqual(self.Refresh.search([]).attempts, 1)
        self.assertEqual(self._triggers(), triggers, "nothing left to retry soon")

    def test_concurrent_edit_keeps_the_partner_queued_then_settles_it(self):
        """A user's transaction holds the partner's row while the job
        settles its payment: the job's write fails on the lock, the row
        stays queued with the reason and the cron is triggered again; once
        the user's transaction is over, the next run settles it."""
        # A partner committed before this test's transaction, that another
        # connection can lock.
        partner = self.env.ref("base.main_partner")
        user_cr = sql_db.db_connect(self.env.cr.dbname).cursor()
        self.addCleanup(user_cr.close)
        user_cr.execute(
            "SELECT id FROM res_partner WHERE id = %s FOR NO KEY UPDATE NOWAIT",
            [partner.id],
        )
        # Undone with the test's savepoint.
        self.env.cr.execute("SET LOCAL lock_timeout = '100ms'")
        # The lock also holds whatever else the events write on the partner
        # (its own test below); the lock's "bad query" is logged.
        with mute_logger(PARTNER_LOGGER, "odoo.sql_db"):
            self._pay_without_settling(self._invoice(300.0, partner=partner))
        rows = self.Refresh.search([("partner_id", "=", partner.id)])
        self.assertTrue(rows)
        triggers = self._triggers()

        with (
            self.assertLogs(REFRESH_LOGGER, "WARNING") as logs,
            mute_logger("odoo.sql_db"),
        ):
            self.Refresh._cron_refresh()
        self.assertIn("concurrent transaction", "\n".join(logs.output))
        rows.invalidate_recordset()
        self.assertTrue(rows.exists(), "not deleted as if settled")
        self.assertEqual(set(rows.mapped("attempts")), {1})
        self.assertIn("LockNotAvailable", rows[0].last_error)
        self.assertFalse(self._card(partner).points)
        self.assertEqual(self._triggers(), triggers + 1, "retried in a new run")

        user_cr.rollback()
        self.assertEqual(self.Refresh._cron_refresh(), 0)
        self.assertFalse(self.Refresh.search([("partner_id", "=", partner.id)]))
        self.assertEqual(self._card(partner).points, 300.0)
        self.assertEqual(partner.payment_grade, "A")

    def test_event_hook_failure_never_fails_the_invoice(self):
        """The phase recompute at the end of the user's transaction fails
        (a setting out of range, say): the invoice is posted all the same,
        the partner queued with its phase, and the job settles it."""
        flush_events(self.env)
        Engine = type(self.env["crm.lifecycle.engine"])
        with (
            patch.object(
                Engine, "_read_facts", side_effect=OverflowError("date out of range")
            ),
            self.assertLogs(PARTNER_LOGGER, "ERROR") as logs,
        ):
            invoice = self._invoice(100.0, partner=self.other)
            # What the commit of the user's transaction runs first.
            self.env.cr.flush()
        self.assertIn("OverflowError", "\n".join(logs.output))
        self.assertEqual(invoice.state, "posted")
        self.assertNotEqual(self.other.lifecycle_phase, "retention")
        self.assertEqual(self._queued(), {(self.other, "payment,phase")})

        self.assertEqual(self.Refresh._cron_refresh(), 0)
        self.assertFalse(self.Refresh.search([]))
        self.assertEqual(self.other.lifecycle_phase, "retention")

    def test_event_hook_ignores_the_context_of_the_event(self):
        """The end-of-transaction recompute is the module's: no key of the
        first event's context (a client's ``default_*``, ``active_test``,
        ``tracking_disable``, its companies) reaches what it reads and
        writes."""
        partner = self.env["res.partner"].create(
            {"name": "Context Customer", "is_company": True}
        )
        invoice = self.init_invoice(
            "out_invoice", partner=partner, amounts=[100.0], post=False
        )
        flush_events(self.env)
        # What the job left pending: the posting is the transaction's first
        # event, whose environment the end-of-transaction recompute gets.
        self.env.cr.flush()
        self.assertNotIn(PENDING_KEY, self.env.cr.precommit.data)
        Partner = self.registry["res.partner"]
        original = Partner._lifecycle_recompute
        contexts = []

        def lifecycle_recompute(partners, passes):
            contexts.append(dict(partners.env.context))
            return original(partners, passes)

        client_keys = {
            "default_date_end": "2099-01-01 00:00:00",
            "active_test": False,
            "tracking_disable": True,
        }
        with patch.object(Partner, "_lifecycle_recompute", lifecycle_recompute):
            invoice.with_context(**client_keys).action_post()
            self.env.cr.flush()
        self.assertTrue(contexts)
        for context in contexts:
            self.assertFalse(
                ({*client_keys, "allowed_company_ids"}) & context.keys(), context
            )
        self.assertEqual(partner.lifecycle_phase, "retention")
        current = self.env["crm.lifecycle.phase.history"].search(
            [("partner_id", "=", partner.id), ("phase", "=", "retention")]
        )
        self.assertEqual(len(current), 1)
        self.assertFalse(current.date_end, "still the current phase")

    def test_event_hook_posts_the_phase_move_as_the_user_of_the_event(self):
        """The end-of-transaction recompute runs in superuser mode, but the
        phase move it posts in the chatter is the invoicing user's."""
        invoicer = new_test_user(
            self.env,
            login="lc_invoicer",
            groups="account.group_account_invoice,sales_team.group_sale_salesman",
        )
        partner = self.env["res.partner"].create(
            {"name": "Author Customer", "is_company": True}
        )
        invoice = self.init_invoice(
            "out_invoice", partner=partner, amounts=[100.0], post=False
        )
        flush_events(self.env)
        self.assertEqual(partner.lifecycle_phase, "selection")
        invoice.with_user(invoicer).action_post()
        self.env.cr.flush()
        self.assertEqual(partner.lifecycle_phase, "retention")
        moves = partner.message_ids.filtered(
            lambda message: "lifecycle_phase"
            in message.sudo().tracking_value_ids.field_id.mapped("name")
        )
        self.assertTrue(moves)
        self.assertEqual(moves[0].author_id, invoicer.partner_id)

    def test_batches_with_progress(self):
        self._pay_without_settling(
            *self._posted(
                (self.customer, 100.0), (self.other, 200.0), (self.third, 300.0)
            )
        )
        self.assertEqual(len(self.Refresh.search([])), 3)
        with patch.object(
            type(self.env["ir.cron"]), "_notify_progress", autospec=True
        ) as progress:
            self.assertEqual(self.Refresh._cron_refresh(batch_size=2), 1)
            self.assertEqual(self.Refresh._cron_refresh(batch_size=2), 0)
        self.assertEqual(
            [call.kwargs for call in progress.call_args_list],
            [{"done": 2, "remaining": 1}, {"done": 1, "remaining": 0}],
        )
        self.assertEqual(
            [self._card(p).points for p in (self.customer, self.other, self.third)],
            [100.0, 200.0, 300.0],
        )

    def test_queue_is_read_by_administrators_only(self):
        self._pay_without_settling(*self._posted((self.customer, 100.0)))
        salesman = new_test_user(
            self.env, login="lc_refresh_sales", groups="sales_team.group_sale_salesman"
        )
        with self.assertRaises(AccessError):
            self.Refresh.with_user(salesman).search([])
        with self.assertRaises(AccessError):
            self.Refresh.with_user(self.env.ref("base.user_admin")).search([]).unlink()
