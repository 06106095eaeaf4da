from datetime import timedelta
from unittest.mock import patch

from lxml import html as lxml_html

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, freeze_time, tagged

from odoo.addons.base.models.ir_actions_report import IrActionsReport

from .common_payment import PaymentHistoryCommon

REPORT = "crm_lifecycle.crm_lifecycle_payment_history_report"


@tagged("post_install", "-at_install")
@freeze_time("2024-06-30")
class TestPaymentHistoryReport(PaymentHistoryCommon):
    def test_report_shows_figures_and_installments_of_the_period(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.customer.lang = "fr_FR"
        on_time = self._invoice(1000.0, "2024-05-01")
        self._pay(on_time, 1000.0, "2024-05-20")
        late = self._invoice(1000.0, "2024-05-01")
        self._pay(late, 1000.0, "2024-06-10")
        before = self._invoice(800.0, "2023-01-01")
        self._apply_events()

        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            REPORT,
            self.customer.ids,
            data={"date_from": "2024-01-01", "date_to": "2024-06-30"},
        )
        html = html.decode()
        self.assertIn(on_time.name, html)
        self.assertIn(late.name, html)
        self.assertNotIn(before.name, html, "due before the period")
        # Figures and dates in the customer's language (French: decimal
        # comma, day first).
        self.assertIn("50,0", html)  # paid on time (%)
        self.assertIn("29,5", html)  # average days to pay
        self.assertIn("10/06/2024", html)
        self.assertIn("31/05/2024", html)
        self.assertIn("Paid Late", html)
        # The overdue from 2023 is in the figures of today, not in the table.
        self.assertIn("800,00", html)

    def test_report_shows_credit_note_as_credited_not_paid(self):
        # Due 2024-05-31: 800 paid on 2024-05-26, 200 credited on 2024-06-10.
        invoice = self._invoice(1000.0, "2024-05-01")
        self._pay(invoice, 800.0, "2024-05-26")
        self._credit_note(invoice, 200.0, "2024-06-10")
        self._apply_events()
        figures = self._figures()
        self.assertEqual(figures["payment_on_time_ratio"], 100.0)
        self.assertEqual(figures["payment_grade"], "A")

        content, _type = self.env["ir.actions.report"]._render_qweb_html(
            REPORT,
            self.customer.ids,
            data={"date_from": "2024-01-01", "date_to": "2024-06-30"},
        )
        page = lxml_html.fromstring(content)

        def text(node):
            return " ".join(node.text_content().split())

        # The printed figures are the customer's.
        self.assertEqual(text(page.find_class("o_payment_history_grade")[0]), "A")
        self.assertEqual(text(page.find_class("o_payment_history_ratio")[0]), "100.0 %")
        self.assertEqual(text(page.find_class("o_payment_history_max_late")[0]), "0")
        (row,) = page.find_class("o_payment_history_lines")[0].xpath(".//tbody/tr")
        cells = [text(cell) for cell in row.xpath("./td")]
        self.assertEqual(cells[0], invoice.name)
        # Paid On, days late, status: the payment's, not the credit note's.
        self.assertEqual(cells[3:6], ["05/26/2024", "0", "Paid on Time"])
        # Amount owed, credited, paid, due.
        for cell, amount in zip(
            cells[6:], ("800.00", "200.00", "800.00", "0.00"), strict=True
        ):
            self.assertIn(amount, cell)

    def test_wizard_prints_the_period(self):
        wizard = (
            self.env["crm.lifecycle.payment.report.wizard"]
            .with_user(self.accountant)
            .create({"partner_ids": self.customer.ids})
        )
        self.assertEqual(wizard.date_from, fields.Date.to_date("2023-06-30"))
        self.assertEqual(wizard.date_to, fields.Date.to_date("2024-06-30"))
        action = wizard.action_print()
        self.assertEqual(action["report_name"], "crm_lifecycle.report_payment_history")
        self.assertEqual(action["context"]["active_ids"], self.customer.ids)
        self.assertEqual(
            action["data"],
            {
                "partner_ids": self.customer.ids,
                "date_from": "2023-06-30",
                "date_to": "2024-06-30",
            },
        )
        # As the web client renders it: the records only in the data.
        invoice = self._invoice(1000.0, "2024-05-01")
        self._apply_events()
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            REPORT, None, data=action["data"]
        )
        self.assertIn(invoice.name, html.decode())
        with self.assertRaisesRegex(ValidationError, "start before it ends"):
            wizard.date_from = "2024-07-01"
            wizard.flush_recordset()


@tagged("post_install", "-at_install")
class TestPaymentHistoryUi(PaymentHistoryCommon, HttpCase):
    """A real PDF and the accountant's path in the browser. Not frozen in
    time: dates are relative to today."""

    def setUp(self):
        super().setUp()
        today = fields.Date.context_today(self.env["res.partner"])
        self.tour_customer = self.env["res.partner"].create(
            {"name": "Payhist Tour Customer", "is_company": True}
        )
        on_time = self._invoice(
            1000.0, today - timedelta(days=50), partner=self.tour_customer
        )
        self._pay(on_time, 1000.0, today - timedelta(days=40))
        late = self._invoice(
            1000.0, today - timedelta(days=45), partner=self.tour_customer
        )
        self._pay(late, 1000.0, today - timedelta(days=5))
        self._apply_events()

    def test_report_renders_a_real_pdf(self):
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(REPORT, self.tour_customer.ids)
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))

    def test_accountant_opens_and_prints_payment_history(self):
        self.assertEqual(self.tour_customer.payment_on_time_ratio, 50.0)
        rendered = []
        original = IrActionsReport._render_qweb_pdf

        def spy(report, report_ref, res_ids=None, data=None):
            result = original(report, report_ref, res_ids=res_ids, data=data)
            rendered.append((data or {}, result[0]))
            return result

        with patch.object(IrActionsReport, "_render_qweb_pdf", spy):
            self.start_tour(
                "/odoo",
                "crm_lifecycle_payment_history_tour",
                login="payhist_accountant",
            )
        self.assertEqual(len(rendered), 1)
        data, content = rendered[0]
        self.assertEqual(data["partner_ids"], self.tour_customer.ids)
        self.assertTrue(data["date_from"] and data["date_to"])
        # Outside force_report_rendering, tests get the HTML of the PDF.
        content = content.decode()
        self.assertIn("Payhist Tour Customer", content)
        self.assertIn("Paid Late", content)
        self.assertIn("50.0", content)
