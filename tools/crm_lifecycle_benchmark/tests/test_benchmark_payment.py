from datetime import date

from odoo.tests import freeze_time, tagged

from odoo.addons.crm_lifecycle.models.engine_path import engine_writes
from odoo.addons.crm_lifecycle.tests.common_payment import (
    PAYMENT_FIELDS,
    PaymentHistoryCommon,
)
from odoo.addons.crm_lifecycle_benchmark.benchmark import floor_outputs, naive


@tagged("post_install", "-at_install")
@freeze_time("2024-06-30")
class TestBenchmarkPayment(PaymentHistoryCommon):
    """The payment figures of the SQL floor and of the naive peer against the
    module's, today 2024-06-30."""

    def test_floor_and_naive_peer_agree_on_credit_notes_and_advances(self):
        """The benchmark's SQL floor and naive peer count credit notes,
        exchange differences and advances as the module does."""
        currency = self.setup_other_currency(
            "EUR", rates=[("2024-01-01", 2.0), ("2024-05-15", 2.5)]
        )
        Partner = self.env["res.partner"]
        customers = self.customer | self.other_customer
        customers |= Partner.create([{"name": f"Payhist Agree {n}"} for n in (3, 4)])
        after_due = self._invoice(1000.0, "2024-05-01", partner=customers[0])
        self._pay(after_due, 800.0, "2024-05-26")
        self._credit_note(after_due, 200.0, "2024-06-10")
        partial = self._invoice(1000.0, "2024-05-01", partner=customers[0])
        self._pay(partial, 500.0, "2024-05-20")
        self._credit_note(partial, 200.0, "2024-06-05")
        before_due = self._invoice(1000.0, "2024-05-01", partner=customers[1])
        self._credit_note(before_due, 200.0, "2024-05-20")
        self._pay(before_due, 800.0, "2024-06-10")
        advance = self._advance(700.0, "2024-04-20", partner=customers[2])
        self._reconcile(
            self._invoice(700.0, "2024-05-01", partner=customers[2]), advance
        )
        foreign = self._invoice(
            1000.0, "2024-05-01", partner=customers[3], currency=currency
        )
        self._pay(foreign, 800.0, "2024-06-03")
        self._credit_note(foreign, 200.0, "2024-05-20")
        self._apply_events()
        by_module = {partner: self._figures(partner) for partner in customers}
        self.assertEqual(
            [figures["payment_grade"] for figures in by_module.values()],
            ["C", "E", "A", "E"],
        )

        today = date(2024, 6, 30)
        self.env.flush_all()
        floor_outputs.reset_payment_outputs(self.env.cr)
        floor_outputs.floor_payment(self.env.cr, today=today)
        self.env.invalidate_all()
        self.assertEqual(
            {partner: self._figures(partner) for partner in customers}, by_module
        )

        floor_outputs.reset_payment_outputs(self.env.cr)
        self.env.invalidate_all()
        self.assertFalse(any(self._figures(customers[0]).values()))
        env = self.env(su=True)
        thresholds = Partner._payment_grade_thresholds()
        with engine_writes():
            for partner in customers.with_env(env):
                invoices = env["account.move"].search(
                    [("commercial_partner_id", "=", partner.id), *naive.INVOICE_DOMAIN]
                )
                naive.payment(env, partner, invoices, today, thresholds)
        env.flush_all()
        self.env.invalidate_all()
        self.assertEqual(
            {partner: self._figures(partner) for partner in customers}, by_module
        )
        self.assertEqual(set(by_module[customers[0]]), set(PAYMENT_FIELDS))
