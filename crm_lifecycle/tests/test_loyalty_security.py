from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from .common_loyalty import LoyaltyCommon


class TestLoyaltySecurity(LoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        common = {
            "company_id": cls.company.id,
            "company_ids": [Command.set(cls.company.ids)],
        }
        cls.lifecycle_user = new_test_user(
            cls.env,
            login="loyalty_user",
            groups="base.group_user,crm_lifecycle.group_crm_lifecycle_user",
            **common,
        )
        cls.lifecycle_manager = new_test_user(
            cls.env,
            login="loyalty_manager",
            groups="base.group_user,crm_lifecycle.group_crm_lifecycle_manager",
            **common,
        )
        cls.portal_user = new_test_user(
            cls.env, login="loyalty_portal", groups="base.group_portal", **common
        )

    def test_user_reads_tiers_and_loyalty_but_cannot_write_tiers(self):
        self._pay(self._invoice(600.0))
        Tier = self.env["crm.lifecycle.loyalty.tier"].with_user(self.lifecycle_user)
        self.assertEqual(
            Tier.search([("company_id", "=", self.company.id)]).mapped("name"),
            ["Bronze", "Silver", "Gold"],
        )
        with self.assertRaises(AccessError):
            self.tier_gold.with_user(self.lifecycle_user).threshold = 10.0
        with self.assertRaises(AccessError):
            Tier.create({"name": "Diamond", "threshold": 9000.0})
        partner = self.customer.with_user(self.lifecycle_user)
        self.assertEqual(partner.loyalty_points, 600.0)
        self.assertEqual(partner.loyalty_tier_id.name, "Silver")
        self.assertEqual(partner.loyalty_history_ids.mapped("issued"), [600.0])

    def test_manager_configures_tiers(self):
        tier = self.tier_gold.with_user(self.lifecycle_manager)
        tier.threshold = 1500.0
        self.assertEqual(self.tier_gold.threshold, 1500.0)
        diamond = (
            self.env["crm.lifecycle.loyalty.tier"]
            .with_user(self.lifecycle_manager)
            .create({"name": "Diamond", "sequence": 50, "threshold": 9000.0})
        )
        self.assertEqual(diamond.company_id, self.company)

    def test_portal_sees_nothing(self):
        with self.assertRaises(AccessError):
            self.env["crm.lifecycle.loyalty.tier"].with_user(self.portal_user).search(
                []
            )
        with self.assertRaises(AccessError):
            self.env["loyalty.history"].with_user(self.portal_user).search([])

    def test_multi_company_points_and_tier_isolation(self):
        other = self.setup_other_company(name="Loyalty Other Co")["company"]
        other_program = self._create_program(other, "Other Points")
        other.lifecycle_loyalty_program_id = other_program
        other_tier = self.env["crm.lifecycle.loyalty.tier"].create(
            {"name": "Other Gold", "threshold": 10.0, "company_id": other.id}
        )
        self._pay(self._invoice(300.0))
        other_invoice = self.init_invoice(
            "out_invoice",
            partner=self.customer,
            amounts=[40.0],
            taxes=[],
            company=other,
            invoice_date=fields.Date.today(),
        )
        other_invoice.action_post()
        self._pay(other_invoice)
        self.assertEqual(self._card().points, 300.0)
        self.assertEqual(self._card(program=other_program).points, 40.0)
        # The latest invoice is the other company's: it ranks the customer,
        # in that company only; the first company's tier is emptied.
        self.assertEqual(self.customer.loyalty_company_id, other)
        in_other = self.customer.with_company(other)
        self.assertEqual(in_other.loyalty_tier_id, other_tier)
        self.assertEqual(in_other.loyalty_points, 40.0)
        self.assertFalse(self.customer.loyalty_tier_id)
        # Each company reads its own card.
        self.assertEqual(self.customer.loyalty_points, 300.0)
        self.assertEqual(self.customer.loyalty_card_id, self._card())

        Tier = self.env["crm.lifecycle.loyalty.tier"].with_user(self.lifecycle_user)
        self.assertNotIn(other_tier, Tier.search([]))
        with self.assertRaises(AccessError):
            other_tier.with_user(self.lifecycle_user).read(["name"])

    def test_bad_tier_input_refused(self):
        Tier = self.env["crm.lifecycle.loyalty.tier"]
        with self.assertRefused("between 0 and 1000000000000"):
            Tier.create(
                {"name": "Minus", "threshold": -1.0, "company_id": self.company.id}
            )
        with self.assertRefused("same threshold"):
            Tier.create(
                {
                    "name": "Twin",
                    "sequence": 25,
                    "threshold": 500.0,
                    "company_id": self.company.id,
                }
            )
        with self.assertRefused("higher threshold"):
            Tier.create(
                {
                    "name": "Upside",
                    "sequence": 40,
                    "threshold": 200.0,
                    "company_id": self.company.id,
                }
            )
        with self.assertRefused("higher threshold"):
            self.tier_silver.threshold = 50.0
        self.assertEqual(self.tier_silver.threshold, 500.0)
        self.assertEqual(Tier.search_count([("company_id", "=", self.company.id)]), 3)
        # The same threshold on another basis does not overlap.
        Tier.create(
            {
                "name": "Spender",
                "basis": "amount",
                "threshold": 500.0,
                "company_id": self.company.id,
            }
        )

    def test_bad_settings_refused(self):
        with self.assertRefused("between 0 and 120"):
            self.env["res.config.settings"].sudo().create(
                {"crm_lifecycle_loyalty_expiry_months": -3}
            ).execute()
        self.assertEqual(self.company.lifecycle_loyalty_expiry_months, 0)
        with self.assertRefused("between 1 and 120"):
            self.company.lifecycle_loyalty_review_months = 0
        coupons = self.env["loyalty.program"].create(
            {
                "name": "Coupons",
                "program_type": "coupons",
                "company_id": self.company.id,
            }
        )
        with self.assertRefused("Loyalty Cards"):
            self.company.lifecycle_loyalty_program_id = coupons
        with self.assertRefused("conditional rules"):
            self.env["loyalty.rule"].create(
                {"program_id": self.program.id, "reward_point_mode": "money"}
            )
        self.assertFalse(self.program.rule_ids)
        self.assertEqual(self.company.lifecycle_loyalty_program_id, self.program)
        self.assertEqual(self.company.lifecycle_loyalty_review_months, 12)
