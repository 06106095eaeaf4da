from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    """The demo generator behind tools/demo, so that the demo database keeps
    showing every feature."""

    def test_demo_customers_cover_every_phase_and_feature(self):
        partners = self.env["crm.lifecycle.demo"]._create_demo_data(customers=50)
        self.assertEqual(len(partners), 50)
        self.assertEqual(
            set(partners.mapped("lifecycle_phase")),
            {"selection", "acquisition", "retention", "extension"},
        )
        history = self.env["crm.lifecycle.phase.history"].search(
            [("partner_id", "in", partners.ids)]
        )
        # History rebuilt from two years of records, not all started today.
        self.assertGreater(len(set(history.mapped("date_start"))), 20)
        invoices = self.env["account.move"].search(
            [("partner_id", "in", partners.ids), ("move_type", "=", "out_invoice")]
        )
        self.assertTrue(
            {"paid", "partial", "not_paid"} <= set(invoices.mapped("payment_state"))
        )
        self.assertTrue(partners.filtered("loyalty_tier_id"))
        self.assertTrue(partners.filtered(lambda p: p.nps_category == "promoter"))
        self.assertTrue(partners.filtered(lambda p: p.nps_category == "detractor"))
        self.assertGreater(
            len(set(partners.filtered("rfm_segment").mapped("rfm_segment"))), 3
        )
        summary = self.env["crm.lifecycle.funnel.summary"].search([])
        self.assertEqual(len(summary.filtered("is_bottleneck")), 1)
