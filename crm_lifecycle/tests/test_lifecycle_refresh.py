from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.crm_lifecycle.models.engine_path import events_held

from .common import flush_events
from .common_loyalty import LoyaltyCommon


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
        self.assertEqual(self._queued(), {(self.customer, "loyalty,payment")})

    def test_one_bad_partner_does_not_stop_the_others(self):
        self._pay_without_settling(
            *self._posted((self.customer, 300.0), (self.other, 200.0))
        )
        Partner = self.registry["res.partner"]
        original = Partner._payment_recompute
        bad = self.other.id

        def payment_recompute(partners):
            if bad in partners.ids:
                raise ValueError("a broken partner")
            return original(partners)

        with (
            patch.object(Partner, "_payment_recompute", payment_recompute),
            self.assertLogs(
                "odoo.addons.crm_lifecycle.models.crm_lifecycle_refresh", "ERROR"
            ) as logs,
        ):
            self.assertEqual(self.Refresh._cron_refresh(), 0)
        self.assertIn(f"failed for partner {bad}", "\n".join(logs.output))
        self.assertEqual(self._card().points, 300.0)
        self.assertFalse(
            self._card(self.other).points, "the bad partner's pass is rolled back"
        )
        self.assertFalse(self.Refresh.search([]), "the daily job takes it up again")

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
