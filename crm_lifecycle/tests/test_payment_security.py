from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import freeze_time, new_test_user, tagged

from .common_payment import PaymentHistoryCommon


@tagged("post_install", "-at_install")
@freeze_time("2024-06-30")
class TestPaymentHistorySecurity(PaymentHistoryCommon):
    """Who sees what of the payment history, and each company its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.setup_other_company(name="Payhist Company 2")["company"]
        cls.accountant_2 = new_test_user(
            cls.env,
            login="payhist_accountant_2",
            groups="base.group_user,account.group_account_invoice",
            company_id=cls.company_2.id,
            company_ids=[Command.set(cls.company_2.ids)],
        )

    def setUp(self):
        super().setUp()
        self.invoice = self._invoice(1000.0, "2024-05-01")
        self._apply_events()

    def test_accountant_reads_installments_and_figures(self):
        Installment = self.env["crm.lifecycle.payment.installment"].with_user(
            self.accountant
        )
        rows = Installment.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(rows.move_id, self.invoice)
        self.assertEqual(rows.amount_overdue, 1000.0)
        customer = self.customer.with_user(self.accountant)
        self.assertEqual(customer.payment_overdue_amount, 1000.0)
        self.assertEqual(customer.payment_installment_count, 1)
        action = customer.action_view_payment_installments()
        self.assertEqual(Installment.search(action["domain"]), rows)

    def test_salesman_sees_grade_and_ratio_not_the_ledger(self):
        customer = self.customer.with_user(self.salesman)
        self.assertEqual(customer.payment_grade, "E")
        self.assertEqual(customer.payment_on_time_ratio, 0.0)
        with self.assertRaises(AccessError):
            _amount = customer.payment_overdue_amount
        with self.assertRaises(AccessError):
            self.env["crm.lifecycle.payment.installment"].with_user(
                self.salesman
            ).search([])
        arch = customer.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="payment_grade"', arch)
        self.assertNotIn("payment_overdue_amount", arch)
        self.assertNotIn("action_view_payment_installments", arch)

    def test_portal_user_sees_nothing(self):
        with self.assertRaises(AccessError):
            self.env["crm.lifecycle.payment.installment"].with_user(
                self.portal_user
            ).search([])
        own = self.portal_user.partner_id.with_user(self.portal_user)
        with self.assertRaises(AccessError):
            _grade = own.payment_grade
        with self.assertRaises(AccessError):
            self.env["crm.lifecycle.payment.report.wizard"].with_user(
                self.portal_user
            ).create({"partner_ids": [Command.set(own.ids)]})

    def test_each_company_sees_and_grades_its_own_receivables(self):
        paid = self._invoice(500.0, "2024-05-01", company=self.company_2)
        self._pay(paid, 500.0, "2024-05-10")
        self._apply_events()

        Installment = self.env["crm.lifecycle.payment.installment"]
        mine = Installment.with_user(self.accountant).search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(mine.move_id, self.invoice)
        theirs = Installment.with_user(self.accountant_2).search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(theirs.move_id, paid)

        company_1 = self._figures(company=self.env.company)
        company_2 = self._figures(company=self.company_2)
        self.assertEqual(
            (company_1["payment_grade"], company_1["payment_overdue_amount"]),
            ("E", 1000.0),
        )
        self.assertEqual(
            (company_2["payment_grade"], company_2["payment_overdue_amount"]),
            ("A", 0.0),
        )
        # The one-click list of bad payers is per company too.
        bad_payers = (
            self.env["res.partner"]
            .with_user(self.accountant_2)
            .search([("payment_grade", "in", ("D", "E"))])
        )
        self.assertNotIn(self.customer, bad_payers)
        bad_payers = (
            self.env["res.partner"]
            .with_user(self.accountant)
            .search([("payment_grade", "in", ("D", "E"))])
        )
        self.assertIn(self.customer, bad_payers)

    def test_warning_on_quotation_and_invoice_is_off_by_default(self):
        order = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create({"partner_id": self.customer.id})
        )
        self.assertFalse(order.payment_warning)

        params = self.env["ir.config_parameter"].sudo()
        params.set_param("crm_lifecycle.payment_warning", "True")
        order.invalidate_recordset(["payment_warning"])
        self.assertIn("graded E", order.payment_warning)

        draft = self.env["account.move"].create(
            {"move_type": "out_invoice", "partner_id": self.customer.id}
        )
        self.assertIn("graded E", draft.payment_warning)
        self.assertFalse(self.invoice.payment_warning, "posted: too late to warn")

    def test_warning_on_overdue_above_threshold(self):
        self._pay(self.invoice, 700.0, "2024-05-20")
        self._apply_events()
        # 70 % paid on time: C, not E, so only the overdue amount can warn.
        self.assertEqual(self.customer.payment_grade, "C")
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("crm_lifecycle.payment_warning", "True")
        params.set_param("crm_lifecycle.payment_warning_overdue_amount", "500")
        order = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create({"partner_id": self.customer.id})
        )
        self.assertFalse(order.payment_warning, "300 overdue is under 500")

        params.set_param("crm_lifecycle.payment_warning_overdue_amount", "250")
        order.invalidate_recordset(["payment_warning"])
        self.assertIn("overdue invoices for more than", order.payment_warning)
