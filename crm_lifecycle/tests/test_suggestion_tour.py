from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from .common_suggestion import CrmLifecycleSuggestionCommon


@tagged("post_install", "-at_install")
class TestSuggestionTour(CrmLifecycleSuggestionCommon, HttpCase):
    def test_salesperson_adds_a_suggestion_to_a_quotation(self):
        # Days before the real today: the tour's browser is not frozen.
        today = fields.Date.today()
        self._plant(today=today)
        customer = self._new_customer("Phi Robotics", user_id=self.sales_user.id)
        self._post([(customer, today - timedelta(days=20), ["P", "A"])])
        self._run()
        order = (
            self.env["sale.order"]
            .with_user(self.sales_user)
            .create(
                {
                    "partner_id": customer.id,
                    "user_id": self.sales_user.id,
                    "order_line": [Command.create({"product_id": self.p["P"].id})],
                }
            )
        )
        self.assertNotIn(self.p["B"], order.order_line.product_id)
        self.start_tour(
            f"/odoo/res.partner/{customer.id}",
            "crm_lifecycle_suggestion_tour",
            login="lc_salesman",
        )
        self.assertIn(self.p["B"], order.order_line.product_id)
        self.assertEqual(order.state, "draft")
