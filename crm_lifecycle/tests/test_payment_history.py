from datetime import date
from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import freeze_time, tagged

from .common_payment import PaymentHistoryCommon


@tagged("post_install", "-at_install")
@freeze_time("2024-06-30")
class TestPaymentHistory(PaymentHistoryCommon):
    """Figures of the installments and of the customer, today 2024-06-30."""

    def test_invoice_paid_before_due_date_is_on_time_and_grade_a(self):
        invoice = self._invoice(1000.0, "2024-05-01")
        self._pay(invoice, 1000.0, "2024-05-20")
        self._apply_events()

        installment = self._installments(invoice)
        self.assertRecordValues(
            installment,
            [
                {
                    "partner_id": self.customer.id,
                    "date_due": date(2024, 5, 31),
                    "date_paid": date(2024, 5, 20),
                    "days_late": 0,
                    "status": "paid_on_time",
                    "amount": 1000.0,
                    "amount_residual": 0.0,
                    "amount_paid_on_time": 1000.0,
                }
            ],
        )
        self.assertEqual(
            self._figures(),
            {
                "payment_grade": "A",
                "payment_grade_previous": False,
                "payment_trend": False,
                "payment_on_time_ratio": 100.0,
                "payment_avg_days_late": 0.0,
                "payment_max_days_late": 0,
                "payment_avg_days_to_pay": 19.0,
                "payment_overdue_amount": 0.0,
                "payment_overdue_count": 0,
            },
        )

    def test_paid_late_invoice_lowers_on_time_ratio(self):
        on_time = self._invoice(1000.0, "2024-05-01")
        self._pay(on_time, 1000.0, "2024-05-20")
        late = self._invoice(1000.0, "2024-05-01")
        self._pay(late, 1000.0, "2024-06-10")
        self._apply_events()

        self.assertRecordValues(
            self._installments(late),
            [
                {
                    "date_paid": date(2024, 6, 10),
                    "days_late": 10,
                    "status": "paid_late",
                    "amount_paid_on_time": 0.0,
                }
            ],
        )
        figures = self._figures()
        self.assertEqual(figures["payment_on_time_ratio"], 50.0)
        # 1000 paid 10 days late and 1000 paid on time: 5 days on average.
        self.assertEqual(figures["payment_avg_days_late"], 5.0)
        self.assertEqual(figures["payment_max_days_late"], 10)
        self.assertEqual(figures["payment_avg_days_to_pay"], 29.5)
        self.assertEqual(figures["payment_grade"], "D")

    def test_partial_payments_count_by_amount(self):
        invoice = self._invoice(1000.0, "2024-05-01")
        self._pay(invoice, 600.0, "2024-05-20")
        self._apply_events()

        self.assertRecordValues(
            self._installments(invoice),
            [
                {
                    "status": "overdue",
                    "date_paid": False,
                    "days_late": 30,
                    "amount_paid": 600.0,
                    "amount_paid_on_time": 600.0,
                    "amount_residual": 400.0,
                    "amount_overdue": 400.0,
                }
            ],
        )
        figures = self._figures()
        self.assertEqual(figures["payment_on_time_ratio"], 60.0)
        # 400 overdue for 30 days over 1000 due.
        self.assertEqual(figures["payment_avg_days_late"], 12.0)
        self.assertEqual(figures["payment_overdue_amount"], 400.0)
        self.assertEqual(figures["payment_overdue_count"], 1)
        self.assertEqual(figures["payment_grade"], "D")

        self._pay(invoice, 400.0, "2024-06-15")
        self._apply_events()
        self.assertRecordValues(
            self._installments(invoice),
            [
                {
                    "status": "paid_late",
                    "date_paid": date(2024, 6, 15),
                    "days_late": 15,
                    "amount_paid_on_time": 600.0,
                    "amount_overdue": 0.0,
                }
            ],
        )
        figures = self._figures()
        self.assertEqual(figures["payment_on_time_ratio"], 60.0)
        self.assertEqual(figures["payment_avg_days_late"], 6.0)
        self.assertEqual(figures["payment_max_days_late"], 15)
        # (600 x 19 days + 400 x 45 days) / 1000
        self.assertEqual(figures["payment_avg_days_to_pay"], 29.4)
        self.assertEqual(figures["payment_overdue_amount"], 0.0)

    def test_payment_term_with_two_due_dates_gives_two_installments(self):
        invoice = self._invoice(1000.0, "2024-04-01", term=self.term_half)
        self._pay(invoice, 500.0, "2024-04-20")
        self._apply_events()

        self.assertRecordValues(
            self._installments(invoice),
            [
                {
                    "date_due": date(2024, 5, 1),
                    "amount": 500.0,
                    "status": "paid_on_time",
                    "days_late": 0,
                },
                {
                    "date_due": date(2024, 5, 31),
                    "amount": 500.0,
                    "status": "overdue",
                    "days_late": 30,
                },
            ],
        )
        figures = self._figures()
        self.assertEqual(figures["payment_on_time_ratio"], 50.0)
        self.assertEqual(figures["payment_overdue_amount"], 500.0)
        self.assertEqual(figures["payment_overdue_count"], 1)
        self.assertEqual(figures["payment_max_days_late"], 30)

    def test_foreign_currency_invoice_counts_in_company_currency(self):
        currency = self.setup_other_currency(
            "EUR", rates=[("2024-01-01", 2.0), ("2024-05-15", 2.5)]
        )
        self.assertNotEqual(currency, self.env.company.currency_id)
        invoice = self._invoice(1000.0, "2024-05-01", currency=currency)
        # Paid in full in EUR after the rate moved: the exchange difference
        # settles the rest in company currency.
        self._pay(invoice, 1000.0, "2024-05-20")
        self._apply_events()

        self.assertRecordValues(
            self._installments(invoice),
            [
                {
                    "invoice_currency_id": currency.id,
                    "amount_currency": 1000.0,
                    "currency_id": self.env.company.currency_id.id,
                    "amount": 500.0,
                    "amount_residual": 0.0,
                    "amount_paid": 500.0,
                    "status": "paid_on_time",
                    "date_paid": date(2024, 5, 20),
                }
            ],
        )
        figures = self._figures()
        self.assertEqual(figures["payment_on_time_ratio"], 100.0)
        self.assertEqual(figures["payment_grade"], "A")

    def test_credit_note_reversing_invoice_takes_it_out(self):
        invoice = self._invoice(1000.0, "2024-05-01")
        self._apply_events()
        self.assertEqual(self._figures()["payment_overdue_amount"], 1000.0)
        self.assertEqual(self._figures()["payment_grade"], "E")

        invoice._reverse_moves(
            [{"invoice_date": "2024-06-20", "date": "2024-06-20"}], cancel=True
        )
        self._apply_events()
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertFalse(self._installments(invoice))
        figures = self._figures()
        self.assertEqual(figures["payment_overdue_amount"], 0.0)
        self.assertEqual(figures["payment_overdue_count"], 0)
        self.assertFalse(figures["payment_grade"])

    def test_unreconciled_payment_puts_installment_back_to_overdue(self):
        invoice = self._invoice(1000.0, "2024-05-01")
        self._pay(invoice, 1000.0, "2024-05-20")
        self._apply_events()
        self.assertEqual(self._figures()["payment_grade"], "A")

        receivable = invoice.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        receivable.remove_move_reconcile()
        self._apply_events()

        self.assertRecordValues(
            self._installments(invoice),
            [
                {
                    "status": "overdue",
                    "date_paid": False,
                    "days_late": 30,
                    "amount_residual": 1000.0,
                }
            ],
        )
        figures = self._figures()
        self.assertEqual(figures["payment_overdue_amount"], 1000.0)
        self.assertEqual(figures["payment_on_time_ratio"], 0.0)
        self.assertEqual(figures["payment_grade"], "E")

    def test_open_installment_becomes_overdue_as_days_pass(self):
        invoice = self._invoice(1000.0, "2024-06-15")
        self._apply_events()
        self.assertRecordValues(
            self._installments(invoice),
            [
                {
                    "date_due": date(2024, 7, 15),
                    "status": "open",
                    "days_late": 0,
                }
            ],
        )
        figures = self._figures()
        self.assertEqual(figures["payment_overdue_amount"], 0.0)
        self.assertFalse(figures["payment_grade"])

        with freeze_time("2024-08-14"):
            self.env.invalidate_all()
            self.assertRecordValues(
                self._installments(invoice),
                [
                    {
                        "status": "overdue",
                        "days_late": 30,
                        "amount_overdue": 1000.0,
                    }
                ],
            )
            # The daily scheduled action brings the figures up to date.
            while self.env["res.partner"]._cron_lifecycle_recompute():
                pass
            self.env.invalidate_all()
            figures = self._figures()
            self.assertEqual(figures["payment_overdue_amount"], 1000.0)
            self.assertEqual(figures["payment_overdue_count"], 1)
            self.assertEqual(figures["payment_max_days_late"], 30)
            self.assertEqual(figures["payment_avg_days_late"], 30.0)
            self.assertEqual(figures["payment_grade"], "E")

    def test_grade_thresholds_come_from_settings(self):
        invoice = self._invoice(1000.0, "2024-05-01")
        self._pay(invoice, 600.0, "2024-05-20")
        self._pay(invoice, 400.0, "2024-06-15")
        self._apply_events()
        # 60 % paid on time, at worst 15 days late.
        self.assertEqual(self._figures()["payment_grade"], "D")

        settings = self.env["res.config.settings"].sudo()
        settings.create({"crm_lifecycle_payment_grade_c_ratio": 60.0}).execute()
        self.env["res.partner"]._lifecycle_recompute_all()
        self.env.invalidate_all()
        self.assertEqual(self._figures()["payment_grade"], "C")

        settings.create({"crm_lifecycle_payment_grade_e_days": 10}).execute()
        self.env["res.partner"]._lifecycle_recompute_all()
        self.env.invalidate_all()
        self.assertEqual(self._figures()["payment_grade"], "E")

    def test_invalid_grade_thresholds_are_refused(self):
        params = self.env["ir.config_parameter"].sudo()
        settings = self.env["res.config.settings"].sudo()
        before = params.get_param("crm_lifecycle.payment_grade_b_ratio")
        with self.assertRaisesRegex(ValidationError, "between 0 and 100"):
            settings.create({"crm_lifecycle_payment_grade_a_ratio": 120.0})
        with self.assertRaisesRegex(ValidationError, "A >= B >= C >= D"):
            settings.create({"crm_lifecycle_payment_grade_b_ratio": 99.0})
        with self.assertRaisesRegex(ValidationError, "between 0 and 3650"):
            settings.create({"crm_lifecycle_payment_grade_e_days": -1})
        self.assertEqual(
            params.get_param("crm_lifecycle.payment_grade_b_ratio"), before
        )

    def test_trend_compares_with_the_twelve_months_before(self):
        last_year = self._invoice(1000.0, "2023-05-01")
        self._pay(last_year, 1000.0, "2023-05-20")
        this_year = self._invoice(1000.0, "2024-05-01")
        self._pay(this_year, 1000.0, "2024-06-10")
        improving = self._invoice(1000.0, "2023-05-01", partner=self.other_customer)
        self._pay(improving, 1000.0, "2023-06-20")
        recent = self._invoice(1000.0, "2024-05-01", partner=self.other_customer)
        self._pay(recent, 1000.0, "2024-05-02")
        self._apply_events()

        figures = self._figures()
        self.assertEqual(figures["payment_grade_previous"], "A")
        self.assertEqual(figures["payment_grade"], "E")
        self.assertEqual(figures["payment_trend"], "worsening")
        # Only the last 12 months make the ratio.
        self.assertEqual(figures["payment_on_time_ratio"], 0.0)
        other = self._figures(self.other_customer)
        self.assertEqual(other["payment_grade_previous"], "E")
        self.assertEqual(other["payment_grade"], "A")
        self.assertEqual(other["payment_trend"], "improving")

    def test_events_and_scheduled_action_agree(self):
        partial = self._invoice(1000.0, "2024-05-01")
        self._pay(partial, 600.0, "2024-05-20")
        self._invoice(300.0, "2024-06-15", term=self.term_half)
        late = self._invoice(700.0, "2024-02-01", partner=self.other_customer)
        self._pay(late, 700.0, "2024-04-10")
        self._invoice(250.0, "2024-03-01", partner=self.other_customer)
        self._apply_events()
        customers = self.customer | self.other_customer
        by_events = {partner: self._figures(partner) for partner in customers}
        self.assertEqual(by_events[self.customer]["payment_overdue_amount"], 400.0)
        self.assertEqual(
            by_events[self.other_customer]["payment_overdue_amount"], 250.0
        )

        # Forget everything, then let the scheduled action do it again.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET payment_grade = NULL, payment_on_time_ratio = NULL,"
            " payment_overdue_amount = NULL WHERE id = ANY(%s)",
            [customers.ids],
        )
        self.env.invalidate_all()
        self.assertFalse(self._figures()["payment_grade"])
        self.env["res.partner"]._lifecycle_recompute_all()
        self.env.invalidate_all()
        by_cron = {partner: self._figures(partner) for partner in customers}
        self.assertEqual(by_cron, by_events)

        # Idempotent: once up to date, a recompute writes nothing.
        Partner = type(self.env["res.partner"])
        with patch.object(Partner, "write", autospec=True) as write:
            customers._payment_recompute()
        write.assert_not_called()

    def test_partner_search_finds_bad_payers(self):
        self._invoice(1000.0, "2024-05-01")
        good = self._invoice(1000.0, "2024-05-01", partner=self.other_customer)
        self._pay(good, 1000.0, "2024-05-02")
        self._apply_events()
        Partner = self.env["res.partner"]
        self.assertEqual(
            Partner.search([("payment_grade", "in", ("D", "E"))])
            & (self.customer | self.other_customer),
            self.customer,
        )
        self.assertEqual(
            Partner.search([("payment_overdue_amount", ">=", 999.0)])
            & (self.customer | self.other_customer),
            self.customer,
        )


@tagged("post_install", "-at_install")
@freeze_time("2024-06-30")
class TestPaymentHistoryCreditNotes(PaymentHistoryCommon):
    """A credit note reconciled with an invoice lowers what the customer
    owed: it is no money received, never paid on time or late, never the
    day the installment was paid. Today 2024-06-30."""

    def test_credit_note_after_due_date_leaves_an_on_time_payer_on_time(self):
        # Due 2024-05-31; 800 paid five days before; 200 credited on
        # 2024-06-10, after the due date.
        invoice = self._invoice(1000.0, "2024-05-01")
        self._pay(invoice, 800.0, "2024-05-26")
        self._credit_note(invoice, 200.0, "2024-06-10")
        self._apply_events()

        self.assertEqual(invoice.payment_state, "paid")
        self.assertRecordValues(
            self._installments(invoice),
            [
                {
                    "amount": 800.0,
                    "amount_credited": 200.0,
                    "amount_paid": 800.0,
                    "amount_paid_on_time": 800.0,
                    "amount_residual": 0.0,
                    "date_paid": date(2024, 5, 26),
                    "days_late": 0,
                    "status": "paid_on_time",
                }
            ],
        )
        self.assertEqual(
            self._figures(),
            {
                "payment_grade": "A",
                "payment_grade_previous": False,
                "payment_trend": False,
                "payment_on_time_ratio": 100.0,
                "payment_avg_days_late": 0.0,
                "payment_max_days_late": 0,
                "payment_avg_days_to_pay": 25.0,
                "payment_overdue_amount": 0.0,
                "payment_overdue_count": 0,
            },
        )

    def test_credit_note_before_due_date_is_not_paid_on_time(self):
        # 200 credited before the due date, the 800 left paid ten days late:
        # nothing was paid on time.
        invoice = self._invoice(1000.0, "2024-05-01")
        self._credit_note(invoice, 200.0, "2024-05-20")
        self._pay(invoice, 800.0, "2024-06-10")
        self._apply_events()

        self.assertRecordValues(
            self._installments(invoice),
            [
                {
                    "amount": 800.0,
                    "amount_credited": 200.0,
                    "amount_paid": 800.0,
                    "amount_paid_on_time": 0.0,
                    "date_paid": date(2024, 6, 10),
                    "days_late": 10,
                    "status": "paid_late",
                }
            ],
        )
        figures = self._figures()
        self.assertEqual(figures["payment_on_time_ratio"], 0.0)
        self.assertEqual(figures["payment_avg_days_late"], 10.0)
        self.assertEqual(figures["payment_max_days_late"], 10)
        self.assertEqual(figures["payment_avg_days_to_pay"], 40.0)
        self.assertEqual(figures["payment_grade"], "E")

    def test_partial_credit_note_lowers_overdue_amount_and_ratio_base(self):
        invoice = self._invoice(1000.0, "2024-05-01")
        self._pay(invoice, 500.0, "2024-05-20")
        self._credit_note(invoice, 200.0, "2024-06-05")
        self._apply_events()

        # 500 of the 800 owed paid on time, 300 overdue for 30 days.
        self.assertRecordValues(
            self._installments(invoice),
            [
                {
                    "amount": 800.0,
                    "amount_credited": 200.0,
                    "amount_paid": 500.0,
                    "amount_residual": 300.0,
                    "amount_overdue": 300.0,
                    "date_paid": False,
                    "days_late": 30,
                    "status": "overdue",
                }
            ],
        )
        figures = self._figures()
        self.assertEqual(figures["payment_on_time_ratio"], 62.5)
        self.assertEqual(figures["payment_overdue_amount"], 300.0)
        self.assertEqual(figures["payment_avg_days_to_pay"], 19.0)

        # Then the rest, paid 15 days late.
        self._pay(invoice, 300.0, "2024-06-15")
        self._apply_events()
        self.assertRecordValues(
            self._installments(invoice),
            [
                {
                    "amount_paid": 800.0,
                    "amount_paid_on_time": 500.0,
                    "date_paid": date(2024, 6, 15),
                    "days_late": 15,
                    "status": "paid_late",
                }
            ],
        )
        figures = self._figures()
        self.assertEqual(figures["payment_on_time_ratio"], 62.5)
        # 300 paid 15 days late over the 800 owed.
        self.assertEqual(figures["payment_avg_days_late"], 5.6)
        self.assertEqual(figures["payment_max_days_late"], 15)
        # (500 x 19 days + 300 x 45 days) / 800
        self.assertEqual(figures["payment_avg_days_to_pay"], 28.8)
        self.assertEqual(figures["payment_overdue_amount"], 0.0)
        self.assertEqual(figures["payment_grade"], "D")

    def test_advance_payment_is_paid_on_the_day_the_money_came(self):
        advance = self._advance(1000.0, "2024-04-20")
        invoice = self._invoice(1000.0, "2024-05-01")
        self._reconcile(invoice, advance)
        self._apply_events()

        self.assertEqual(invoice.payment_state, "paid")
        self.assertRecordValues(
            self._installments(invoice),
            [
                {
                    "amount": 1000.0,
                    "amount_credited": 0.0,
                    "amount_paid": 1000.0,
                    "amount_paid_on_time": 1000.0,
                    "date_paid": date(2024, 4, 20),
                    "days_late": 0,
                    "status": "paid_on_time",
                }
            ],
        )
        figures = self._figures()
        self.assertEqual(figures["payment_on_time_ratio"], 100.0)
        self.assertEqual(figures["payment_avg_days_to_pay"], 0.0)
        self.assertEqual(figures["payment_grade"], "A")

    def test_credit_note_with_exchange_difference_is_not_money(self):
        currency = self.setup_other_currency(
            "EUR", rates=[("2024-01-01", 2.0), ("2024-05-15", 2.5)]
        )
        # 1000 EUR = 500 in company currency at the invoice's rate.
        invoice = self._invoice(1000.0, "2024-05-01", currency=currency)
        # 800 EUR paid on time (320 at the day's rate, 80 of exchange
        # difference), 200 EUR credited after the due date (80, and 20 of
        # exchange difference).
        self._pay(invoice, 800.0, "2024-05-20")
        self._credit_note(invoice, 200.0, "2024-06-10")
        self._apply_events()

        partials = invoice.line_ids.matched_credit_ids
        self.assertEqual(len(partials.filtered("exchange_move_id")), 2)
        self.assertRecordValues(
            self._installments(invoice),
            [
                {
                    "amount_currency": 800.0,
                    "amount": 400.0,
                    "amount_credited": 100.0,
                    "amount_paid": 400.0,
                    "amount_paid_on_time": 400.0,
                    "amount_residual": 0.0,
                    "date_paid": date(2024, 5, 20),
                    "status": "paid_on_time",
                }
            ],
        )
        figures = self._figures()
        self.assertEqual(figures["payment_on_time_ratio"], 100.0)
        self.assertEqual(figures["payment_grade"], "A")

    def test_installment_cancelled_by_credit_note_is_out_like_a_reversal(self):
        # Half of the invoice paid on time, the other half (due 2024-05-31)
        # credited in full: only the first installment is left.
        invoice = self._invoice(1000.0, "2024-04-01", term=self.term_half)
        self._pay(invoice, 500.0, "2024-04-20")
        self._credit_note(invoice, 500.0, "2024-06-10")
        self._apply_events()

        self.assertRecordValues(
            self._installments(invoice),
            [{"date_due": date(2024, 5, 1), "amount": 500.0, "status": "paid_on_time"}],
        )
        figures = self._figures()
        self.assertEqual(figures["payment_on_time_ratio"], 100.0)
        self.assertEqual(figures["payment_grade"], "A")
