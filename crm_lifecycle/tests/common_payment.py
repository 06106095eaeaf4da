from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import flush_events

PAYMENT_FIELDS = (
    "payment_grade",
    "payment_grade_previous",
    "payment_trend",
    "payment_on_time_ratio",
    "payment_avg_days_late",
    "payment_max_days_late",
    "payment_avg_days_to_pay",
    "payment_overdue_amount",
    "payment_overdue_count",
)


class PaymentHistoryCommon(AccountTestInvoicingCommon):
    """Customers, payment terms and users for the payment history tests.

    Runs as the accounting user of AccountTestInvoicingCommon in its own
    company with a chart of accounts; "today" is frozen by the test classes
    (2024-06-30) so that due dates and delays are fixed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create(
            {"name": "Payhist Customer", "is_company": True}
        )
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "Payhist Other Customer", "is_company": True}
        )
        cls.term_30 = cls.env["account.payment.term"].create(
            {
                "name": "Payhist 30 days",
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 100.0, "nb_days": 30}
                    )
                ],
            }
        )
        cls.term_half = cls.env["account.payment.term"].create(
            {
                "name": "Payhist half at 30 days, half at 60 days",
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 50.0, "nb_days": 30}
                    ),
                    Command.create(
                        {"value": "percent", "value_amount": 50.0, "nb_days": 60}
                    ),
                ],
            }
        )
        company = cls.env.company
        cls.accountant = new_test_user(
            cls.env,
            login="payhist_accountant",
            name="Payhist Accountant",
            groups="base.group_user,account.group_account_invoice",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )
        cls.salesman = new_test_user(
            cls.env,
            login="payhist_salesman",
            name="Payhist Salesman",
            groups="base.group_user,sales_team.group_sale_salesman",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )
        cls.portal_user = new_test_user(
            cls.env,
            login="payhist_portal",
            name="Payhist Portal",
            groups="base.group_portal",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def _invoice(
        self, amount, invoice_date, term=None, partner=None, currency=None, company=None
    ):
        """Post a customer invoice of ``amount`` without taxes."""
        company = company or self.env.company
        move = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": (partner or self.customer).id,
                    "invoice_date": invoice_date,
                    "date": invoice_date,
                    "invoice_payment_term_id": (term or self.term_30).id,
                    "currency_id": (currency or company.currency_id).id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Payhist service",
                                "quantity": 1.0,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        move.action_post()
        return move

    def _pay(self, invoice, amount, date):
        """Register a payment of ``amount`` (invoice currency) on ``date``."""
        return (
            self.env["account.payment.register"]
            .with_company(invoice.company_id)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "amount": amount,
                    "payment_date": fields.Date.to_date(date),
                    "payment_difference_handling": "open",
                }
            )
            ._create_payments()
        )

    def _credit_note(self, invoice, amount, date, currency=None):
        """Post a credit note of ``amount`` (invoice currency) on ``date``,
        not a reversal of ``invoice``, and reconcile it with the invoice, as
        an accountant adds an outstanding credit on it."""
        refund = (
            self.env["account.move"]
            .with_company(invoice.company_id)
            .create(
                {
                    "move_type": "out_refund",
                    "partner_id": invoice.partner_id.id,
                    "invoice_date": date,
                    "date": date,
                    "currency_id": (currency or invoice.currency_id).id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Payhist discount granted",
                                "quantity": 1.0,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        refund.action_post()
        self._reconcile(invoice, refund)
        return refund

    def _advance(self, amount, date, partner=None):
        """Post a customer payment of ``amount`` on ``date``, reconciled with
        no invoice yet."""
        payment = self.env["account.payment"].create(
            {
                "amount": amount,
                "date": date,
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": (partner or self.customer).id,
                "journal_id": self.company_data["default_journal_bank"].id,
            }
        )
        payment.action_post()
        return payment.move_id

    def _reconcile(self, invoice, move):
        """Reconcile the receivable lines of ``invoice`` and of ``move``."""
        (invoice.line_ids + move.line_ids).filtered(
            lambda line: line.account_type == "asset_receivable" and not line.reconciled
        ).reconcile()

    def _apply_events(self):
        """Run the precommit callbacks, as a commit would, and the queued
        job they trigger; then forget the cache so that figures are read
        back from the database."""
        flush_events(self.env)
        self.env.invalidate_all()

    def _figures(self, partner=None, company=None):
        partner = (partner or self.customer).with_company(company or self.env.company)
        return {fname: partner[fname] for fname in PAYMENT_FIELDS}

    def _installments(self, invoice):
        return self.env["crm.lifecycle.payment.installment"].search(
            [("move_id", "=", invoice.id)], order="date_due, id"
        )
