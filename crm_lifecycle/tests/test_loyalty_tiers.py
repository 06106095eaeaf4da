from freezegun import freeze_time

from odoo import Command

from .common_loyalty import LoyaltyCommon


class TestLoyaltyTiers(LoyaltyCommon):
    def _tier_messages(self):
        return self.env["mail.message"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", self.customer.id),
                ("subject", "ilike", "Your loyalty tier"),
            ]
        )

    def test_tier_up_at_once_with_next_tier_figures(self):
        self._pay(self._invoice(150.0))
        self.assertEqual(self.customer.loyalty_tier_id, self.tier_bronze)
        self.assertEqual(self.customer.loyalty_next_tier_id, self.tier_silver)
        self.assertEqual(self.customer.loyalty_next_tier_missing, 350.0)
        self.assertEqual(self.customer.loyalty_company_id, self.company)

        self._pay(self._invoice(400.0))
        self.assertEqual(self.customer.loyalty_tier_id, self.tier_silver)
        self.assertEqual(self.customer.loyalty_next_tier_missing, 450.0)
        # A company's tier is not logged in the chatter, which the users of
        # every company that shares the partner read.
        tracked = self.customer.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name.startswith("loyalty_")
        )
        self.assertFalse(tracked)

    def test_tier_down_only_at_review_and_after_grace(self):
        self.company.write(
            {"lifecycle_loyalty_review_months": 12, "lifecycle_loyalty_grace_days": 30}
        )
        with freeze_time("2025-01-10"):
            payment = self._pay(self._invoice(600.0, invoice_date="2025-01-10"))
            self.assertEqual(self.customer.loyalty_tier_id, self.tier_silver)
            self.assertEqual(str(self.customer.loyalty_tier_since), "2025-01-10")
            self.assertEqual(str(self.customer.loyalty_tier_review_date), "2026-01-10")
        with freeze_time("2025-03-01"):
            self._unreconcile(payment)
            self.assertEqual(self._card().points, 0.0)
            self.assertEqual(self.customer.loyalty_tier_id, self.tier_silver)
        with freeze_time("2026-01-12"):
            self._recompute()
            self.assertEqual(
                self.customer.loyalty_tier_id,
                self.tier_silver,
                "within the grace period",
            )
        with freeze_time("2026-02-10"):
            self._recompute()
            self.assertFalse(self.customer.loyalty_tier_id)
            self.assertFalse(self.customer.loyalty_tier_review_date)
            self.assertEqual(self.customer.loyalty_next_tier_id, self.tier_bronze)

    def test_tier_kept_and_review_renewed_when_still_qualifying(self):
        with freeze_time("2025-01-10"):
            self._pay(self._invoice(600.0, invoice_date="2025-01-10"))
        with freeze_time("2025-12-20"):
            # A small purchase keeps the 12-month figure above Silver.
            self._pay(self._invoice(10.0, invoice_date="2025-12-20"))
        with freeze_time("2026-01-11"):
            self._recompute()
            # 10 points in the last 12 months: not Silver any more, grace runs.
            self.assertEqual(self.customer.loyalty_tier_id, self.tier_silver)
            self._pay(self._invoice(500.0, invoice_date="2026-01-11"))
            self.assertEqual(self.customer.loyalty_tier_id, self.tier_silver)
            self.assertEqual(str(self.customer.loyalty_tier_review_date), "2027-01-10")

    def test_amount_basis_counts_money_received(self):
        self.tier_platinum = self.env["crm.lifecycle.loyalty.tier"].create(
            {
                "name": "Big spender",
                "sequence": 5,
                "basis": "amount",
                "threshold": 800.0,
                "company_id": self.company.id,
            }
        )
        self.company.lifecycle_loyalty_points_rate = 0.1
        self._pay(self._invoice(700.0))
        self.assertEqual(self._card().points, 70.0)
        self.assertFalse(self.customer.loyalty_tier_id)
        self.assertEqual(self.customer.loyalty_next_tier_id, self.tier_platinum)
        self.assertEqual(self.customer.loyalty_next_tier_missing, 100.0)
        self._pay(self._invoice(150.0))
        self.assertEqual(self.customer.loyalty_tier_id, self.tier_platinum)

    def test_tier_pricelist_applies_and_previous_restored(self):
        regular = self.env["product.pricelist"].create(
            {"name": "Regular", "company_id": self.company.id}
        )
        contact = self.env["res.partner"].create(
            {"name": "Buyer", "parent_id": self.customer.id, "type": "contact"}
        )
        self.customer.with_company(self.company).property_product_pricelist = regular
        self.company.lifecycle_loyalty_grace_days = 0
        with freeze_time("2025-01-10"):
            payment = self._pay(self._invoice(1200.0, invoice_date="2025-01-10"))
            customer = self.customer.with_company(self.company)
            self.assertEqual(customer.loyalty_tier_id, self.tier_gold)
            self.assertEqual(customer.property_product_pricelist, self.gold_pricelist)
            self.assertEqual(
                contact.with_company(self.company).property_product_pricelist,
                self.gold_pricelist,
            )
            self.assertEqual(customer.loyalty_previous_pricelist_id, regular)
            order = (
                self.env["sale.order"]
                .with_company(self.company)
                .create(
                    {
                        "partner_id": contact.id,
                        "order_line": [Command.create({"product_id": self.product.id})],
                    }
                )
            )
            self.assertEqual(order.pricelist_id, self.gold_pricelist)
            self.assertEqual(order.order_line.price_unit, 90.0)
        with freeze_time("2025-02-01"):
            self._unreconcile(payment)
        with freeze_time("2026-01-10"):
            self._recompute()
            customer = self.customer.with_company(self.company)
            self.assertFalse(customer.loyalty_tier_id)
            self.assertEqual(customer.property_product_pricelist, regular)
            self.assertFalse(customer.loyalty_pricelist_applied)

    def test_tier_change_mail_only_when_enabled(self):
        self._pay(self._invoice(150.0))
        self.assertEqual(self.customer.loyalty_tier_id, self.tier_bronze)
        self.assertFalse(self._tier_messages())
        self.company.lifecycle_loyalty_tier_mail = True
        self._pay(self._invoice(400.0))
        message = self._tier_messages()
        self.assertEqual(len(message), 1)
        self.assertIn("Silver", message.subject)
        self.assertIn(self.customer, message.partner_ids)
        self.assertIn("450.0", message.body)

    def test_default_tiers_shipped_as_editable_data(self):
        tiers = [
            self.env.ref(f"crm_lifecycle.crm_lifecycle_loyalty_tier_{name}").sudo()
            for name in ("bronze", "silver", "gold", "platinum")
        ]
        self.assertEqual([tier.threshold for tier in tiers], [100, 500, 2000, 5000])
        self.assertEqual(
            {tier.company_id for tier in tiers}, {self.env.ref("base.main_company")}
        )
        data = (
            self.env["ir.model.data"]
            .sudo()
            .search(
                [
                    ("module", "=", "crm_lifecycle"),
                    ("model", "=", "crm.lifecycle.loyalty.tier"),
                ]
            )
        )
        self.assertEqual(len(data), 4)
        self.assertTrue(all(data.mapped("noupdate")))
