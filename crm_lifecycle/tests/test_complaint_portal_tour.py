from odoo.tests import HttpCase, new_test_user, tagged

from .common import CrmLifecycleCommon, flush_events


@tagged("post_install", "-at_install")
class TestComplaintPortalTour(CrmLifecycleCommon, HttpCase):
    def test_customer_submits_in_portal_sales_user_closes_customer_reads_it(self):
        self.env["crm.lifecycle.complaint.stage"].create(
            {"name": "Tour Solved", "sequence": 90, "is_closed": True}
        )
        self.customer.user_id = self.sales_user
        deniz = new_test_user(
            self.env,
            login="lc_portal_deniz",
            groups="base.group_portal",
            name="Deniz Arslan",
            password="lc_portal_deniz",
        )
        deniz.partner_id.parent_id = self.customer
        order = self._quotation(self.customer)
        order.action_confirm()
        self.env.flush_all()

        self.start_tour(
            "/my/complaints",
            "crm_lifecycle_complaint_portal_submit_tour",
            login="lc_portal_deniz",
        )
        case = self.env["crm.lifecycle.complaint"].search(
            [("commercial_partner_id", "=", self.customer.id)]
        )
        self.assertEqual(len(case), 1)
        self.assertEqual(case.source, "portal")
        self.assertEqual(case.partner_id, deniz.partner_id)
        self.assertEqual(case.sale_order_id, order)
        self.assertFalse(case.is_closed)

        self.start_tour(
            f"/odoo/action-crm_lifecycle.crm_lifecycle_complaint_action/{case.id}",
            "crm_lifecycle_complaint_answer_tour",
            login=self.sales_user.login,
        )
        self.env.invalidate_all()
        self.assertTrue(case.is_closed)
        self.assertEqual(case.resolution, "Replacement sensor delivered and installed.")
        self.assertTrue(case.date_closed)
        self.assertTrue(case.date_first_response)

        self.start_tour(
            case.access_url,
            "crm_lifecycle_complaint_portal_resolved_tour",
            login="lc_portal_deniz",
        )
        self.env.invalidate_all()
        reply = case.message_ids.filtered(lambda m: "Received, thank you." in m.body)
        self.assertEqual(reply.author_id, deniz.partner_id)

        self.start_tour(
            f"/odoo/res.partner/{self.customer.id}",
            "crm_lifecycle_complaint_customer_form_tour",
            login=self.sales_user.login,
        )
        flush_events(self.env)
        self.env.invalidate_all()
        self.assertEqual(self.customer.complaint_count, 1)
        self.assertEqual(self.customer.complaint_open_count, 0)
