from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestLifecycleTour(HttpCase):
    def test_manager_sets_phase_by_hand_and_sees_history(self):
        new_test_user(
            self.env,
            login="lc_tour_manager",
            groups="sales_team.group_sale_manager,base.group_partner_manager",
        )
        customer = self.env["res.partner"].create(
            {"name": "Boğaziçi Lojistik", "is_company": True}
        )
        self.env["crm.lead"].create(
            {"name": "Fleet tracking", "type": "opportunity", "partner_id": customer.id}
        )
        self.env.cr.flush()
        self.assertEqual(customer.lifecycle_phase, "acquisition")
        self.start_tour(
            f"/odoo/res.partner/{customer.id}",
            "crm_lifecycle_phase_tour",
            login="lc_tour_manager",
        )
        self.assertEqual(customer.lifecycle_phase, "extension")
        self.assertTrue(customer.lifecycle_phase_locked)
        last = customer.lifecycle_history_ids.sorted("id")[-1]
        self.assertEqual(last.reason, "Framework contract signed at the fair")
