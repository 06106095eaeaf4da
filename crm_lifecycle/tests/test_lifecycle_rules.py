from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import freeze_time, tagged

from .common import CrmLifecycleCommon


@tagged("post_install", "-at_install")
class TestLifecycleRules(CrmLifecycleCommon):
    def test_new_prospect_enters_selection(self):
        prospect = self._new_customer("Ege Gıda")
        self._flush_events()
        self.assertEqual(prospect.lifecycle_phase, "selection")
        history = self._history(prospect)
        self.assertEqual(history.mapped("phase"), ["selection"])
        self.assertFalse(history.date_end)

    def test_opportunity_moves_prospect_to_acquisition(self):
        self._opportunity(self.customer)
        self._flush_events()
        self.assertEqual(self.customer.lifecycle_phase, "acquisition")
        self.assertEqual(
            self._history(self.customer).mapped("phase"), ["selection", "acquisition"]
        )

    def test_quotation_moves_prospect_to_acquisition(self):
        self._quotation(self.customer)
        self._flush_events()
        self.assertEqual(self.customer.lifecycle_phase, "acquisition")

    def test_lost_opportunity_returns_prospect_to_selection(self):
        lead = self._opportunity(self.customer)
        self._flush_events()
        lead.action_set_lost()
        self._flush_events()
        self.assertEqual(self.customer.lifecycle_phase, "selection")
        self.assertEqual(
            self._history(self.customer).mapped("phase"),
            ["selection", "acquisition", "selection"],
        )

    def test_cancelled_quotation_returns_prospect_to_selection(self):
        order = self._quotation(self.customer)
        self._flush_events()
        order._action_cancel()
        self._flush_events()
        self.assertEqual(self.customer.lifecycle_phase, "selection")

    def test_won_opportunity_keeps_acquisition(self):
        lead = self._opportunity(self.customer)
        lead.action_set_won()
        self._flush_events()
        self.assertEqual(self.customer.lifecycle_phase, "acquisition")

    def test_posted_invoice_moves_to_retention(self):
        self._opportunity(self.customer)
        self._flush_events()
        self._invoice(self.customer)
        self._flush_events()
        self.assertEqual(self.customer.lifecycle_phase, "retention")
        self.assertEqual(
            self.customer.lifecycle_first_purchase_date, fields.Date.today()
        )
        last = self._history(self.customer)[-1]
        self.assertIn("invoice", last.reason)

    def test_draft_invoice_does_not_count(self):
        self._invoice(self.customer, post=False)
        self._flush_events()
        self.assertEqual(self.customer.lifecycle_phase, "selection")

    def test_second_invoice_in_window_moves_to_extension(self):
        today = fields.Date.today()
        self._invoice(self.customer, date=today - timedelta(days=100))
        self._flush_events()
        self.assertEqual(self.customer.lifecycle_phase, "retention")
        self._invoice(self.customer, date=today)
        self._flush_events()
        self.assertEqual(self.customer.lifecycle_phase, "extension")

    def test_invoices_outside_window_stay_retention(self):
        today = fields.Date.today()
        self._invoice(self.customer, date=today - timedelta(days=500))
        self._invoice(self.customer, date=today - timedelta(days=400))
        self._flush_events()
        self.assertEqual(self.customer.lifecycle_phase, "retention")

    def test_cross_sell_in_two_categories_moves_to_extension(self):
        self._invoice(self.customer, products=[self.product_hw, self.product_srv])
        self._flush_events()
        self.assertEqual(self.customer.lifecycle_phase, "extension")

    def test_cross_sell_counts_when_repeat_purchase_rule_is_off(self):
        # With the repeat-purchase rule off (0), the categories decide for
        # any number of recent invoices: they must be read for all of them.
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_lifecycle.extension_min_invoices", 0
        )
        self._invoice(self.customer, products=[self.product_hw])
        self._invoice(self.customer, products=[self.product_hw2])
        self._flush_events()
        self.assertEqual(self.customer.lifecycle_phase, "retention")
        self._invoice(self.customer, products=[self.product_srv])
        self._flush_events()
        self.assertEqual(self.customer.lifecycle_phase, "extension")
        last = self._history(self.customer)[-1]
        self.assertIn("categories", last.reason)

    def test_two_products_of_one_category_is_no_cross_sell(self):
        self._invoice(self.customer, products=[self.product_hw, self.product_hw2])
        self._flush_events()
        self.assertEqual(self.customer.lifecycle_phase, "retention")

    def test_threshold_from_settings(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_lifecycle.extension_min_invoices", 3
        )
        self._invoice(self.customer)
        self._invoice(self.customer)
        self._flush_events()
        self.assertEqual(self.customer.lifecycle_phase, "retention")
        self._invoice(self.customer)
        self._flush_events()
        self.assertEqual(self.customer.lifecycle_phase, "extension")

    def test_extension_lapses_to_retention_when_window_passes(self):
        today = fields.Date.today()
        self._invoice(self.customer, date=today - timedelta(days=200))
        self._invoice(self.customer, date=today - timedelta(days=100))
        self._flush_events()
        self.assertEqual(self.customer.lifecycle_phase, "extension")
        with freeze_time(today + timedelta(days=300)):
            self.env["res.partner"]._lifecycle_recompute_all()
            self.assertEqual(self.customer.lifecycle_phase, "retention")
            self.assertIn("Customer", self._history(self.customer)[-1].reason)

    def test_reversal_drops_extension_to_retention(self):
        self._invoice(self.customer)
        second = self._invoice(self.customer)
        self._flush_events()
        self.assertEqual(self.customer.lifecycle_phase, "extension")
        self._reverse(second)
        self._flush_events()
        self.assertEqual(second.payment_state, "reversed")
        self.assertEqual(self.customer.lifecycle_phase, "retention")

    def test_buyer_never_returns_to_selection_or_acquisition(self):
        lead = self._opportunity(self.customer)
        invoice = self._invoice(self.customer)
        self._flush_events()
        self.assertEqual(self.customer.lifecycle_phase, "retention")
        lead.action_set_lost()
        self._reverse(invoice)
        self._flush_events()
        self.assertEqual(self.customer.lifecycle_phase, "retention")

    def test_company_internal_user_and_vendor_have_no_phase(self):
        vendor = self._new_customer("Pure Vendor")
        self.init_invoice(
            "in_invoice", partner=vendor, products=[self.product_hw], post=True
        )
        self._flush_events()
        self.env["res.partner"]._lifecycle_recompute_all()
        self.assertFalse(vendor.lifecycle_phase)
        self.assertFalse(self.env.company.partner_id.lifecycle_phase)
        self.assertFalse(self.sales_user.partner_id.lifecycle_phase)
        self.assertFalse(self._history(vendor))
        # The day we start selling to the vendor, it becomes a prospect.
        self._opportunity(vendor)
        self._flush_events()
        self.assertEqual(vendor.lifecycle_phase, "acquisition")

    def test_contact_shows_its_company_phase(self):
        contact = self.env["res.partner"].create(
            {"name": "Ayşe Yılmaz", "parent_id": self.customer.id}
        )
        self._opportunity(contact)
        self._flush_events()
        self.assertEqual(self.customer.lifecycle_phase, "acquisition")
        self.assertEqual(contact.lifecycle_phase, "acquisition")
        self.assertFalse(self._history(contact), "history is kept on the company")
        late_contact = self.env["res.partner"].create(
            {"name": "Mehmet Demir", "parent_id": self.customer.id}
        )
        self.assertEqual(late_contact.lifecycle_phase, "acquisition")

    def test_write_without_commercial_field_leaves_contacts_alone(self):
        """Odoo would write nothing on every contact of a company after any
        write on it; a commercial field still reaches the contacts."""
        contact = self.env["res.partner"].create(
            {"name": "Ayşe Yılmaz", "parent_id": self.customer.id}
        )
        self._flush_events()
        written = []
        Partner = self.registry["res.partner"]
        original = Partner.write

        def spy(records, vals):
            written.append((records.ids, dict(vals)))
            return original(records, vals)

        with patch.object(Partner, "write", spy):
            self.customer.write({"comment": "Pays by transfer"})
            self.assertEqual(
                written, [(self.customer.ids, {"comment": "Pays by transfer"})]
            )
            written.clear()
            self.customer.write({"company_registry": "0123456789"})
        self.assertIn((contact.ids, {"company_registry": "0123456789"}), written)
        self.assertEqual(contact.company_registry, "0123456789")

    def test_history_rows_and_durations(self):
        start = fields.Datetime.now().replace(microsecond=0)
        with freeze_time(start):
            partner = self._new_customer("Toros Makine")
            self._flush_events()
        with freeze_time(start + timedelta(days=10)):
            self._opportunity(partner)
            self._flush_events()
        with freeze_time(start + timedelta(days=25)):
            self._invoice(partner, date=(start + timedelta(days=25)).date())
            self._flush_events()
        with freeze_time(start + timedelta(days=31)):
            history = self._history(partner)
            self.assertEqual(
                history.mapped("phase"), ["selection", "acquisition", "retention"]
            )
            self.assertEqual(len(history.filtered(lambda h: not h.date_end)), 1)
            history.invalidate_recordset(["duration_days"])
            self.assertEqual([round(h.duration_days) for h in history], [10, 15, 6])
            partner.invalidate_recordset(["lifecycle_phase_days"])
            self.assertEqual(partner.lifecycle_phase_days, 6)

    def test_first_contact_and_days_to_first_purchase(self):
        today = fields.Date.today()
        lead = self._opportunity(self.customer)
        self.env.cr.execute(
            "UPDATE crm_lead SET create_date = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(days=40), lead.id),
        )
        self._invoice(self.customer, date=today)
        self._flush_events()
        self.assertEqual(
            self.customer.lifecycle_first_contact_date, today - timedelta(days=40)
        )
        self.assertEqual(self.customer.lifecycle_days_to_first_purchase, 40)
