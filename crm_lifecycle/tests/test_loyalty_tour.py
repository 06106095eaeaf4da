from odoo import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.account.tests.common import AccountTestInvoicingHttpCommon

from .common_loyalty import LoyaltyCommon


@tagged("post_install", "-at_install")
class TestLoyaltyTour(LoyaltyCommon, AccountTestInvoicingHttpCommon):
    def test_loyalty_on_partner_form_tour(self):
        self._pay(self._invoice(620.0))
        self.assertEqual(self.customer.loyalty_tier_id, self.tier_silver)
        new_test_user(
            self.env,
            login="loyalty_tour",
            groups="base.group_user,crm_lifecycle.group_crm_lifecycle_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.start_tour(
            f"/odoo/res.partner/{self.customer.id}",
            "crm_lifecycle_loyalty_partner_tour",
            login="loyalty_tour",
        )
