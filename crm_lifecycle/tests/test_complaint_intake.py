from freezegun import freeze_time

from odoo.tests import tagged

from .common_complaint import FRIDAY, CrmLifecycleComplaintCommon


@tagged("post_install", "-at_install")
@freeze_time(FRIDAY)
class TestComplaintIntake(CrmLifecycleComplaintCommon):
    """E-mail to the complaints alias opens a case for the sender; a reply
    threads into it; an unknown sender gets a contact, not a prospect."""

    def _cases(self, partner):
        return self.env["crm.lifecycle.complaint"].search(
            [("commercial_partner_id", "=", partner.commercial_partner_id.id)]
        )

    def test_alias_routes_to_complaints(self):
        alias = self.env.ref("crm_lifecycle.mail_alias_crm_lifecycle_complaint")
        self.assertEqual(alias.alias_model_id.model, "crm.lifecycle.complaint")
        self.assertEqual(alias.alias_name, "complaints")

    def test_email_of_a_known_contact_opens_a_case_and_a_reply_threads(self):
        case_id = self._mail(self.contact.email, msg_id="<first@customer.example.com>")
        case = self.env["crm.lifecycle.complaint"].browse(case_id)
        self.assertEqual(case.partner_id, self.contact)
        self.assertEqual(case.commercial_partner_id, self.customer)
        self.assertEqual(case.source, "email")
        self.assertEqual(case.subject, "Torn fabric")
        self.assertEqual(case.user_id, self.sales_user)
        self.assertTrue(case.name.startswith("CASE/"))
        self.assertIn(self.contact, case.message_partner_ids)
        incoming = case.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertEqual(incoming.author_id, self.contact)
        # The customer's e-mail is no response.
        self.assertFalse(case.date_first_response)

        reply_id = self._mail(
            self.contact.email,
            subject="Re: Torn fabric",
            msg_id="<second@customer.example.com>",
            extra="In-Reply-To: <first@customer.example.com>\n"
            "References: <first@customer.example.com>\n",
        )
        self.assertEqual(reply_id, case.id)
        self.assertEqual(self._cases(self.contact), case)
        self.assertEqual(
            len(case.message_ids.filtered(lambda m: m.message_type == "email")), 2
        )

    def test_unknown_sender_gets_a_contact_that_is_no_prospect(self):
        case_id = self._mail("Deniz Yilmaz <deniz@unknown.example.com>")
        case = self.env["crm.lifecycle.complaint"].browse(case_id)
        sender = case.partner_id
        self.assertEqual(sender.email, "deniz@unknown.example.com")
        self.assertEqual(sender.name, "Deniz Yilmaz")
        self.assertTrue(sender.lifecycle_complaint_intake)
        self._flush_events()
        self.assertFalse(sender.lifecycle_phase)
        # A deal makes it a prospect like anyone.
        self._opportunity(sender)
        self._flush_events()
        self.assertEqual(sender.lifecycle_phase, "acquisition")

    def test_a_contact_made_by_hand_is_still_a_prospect(self):
        partner = self.env["res.partner"].create({"name": "Walk-in Prospect"})
        self._flush_events()
        self.assertEqual(partner.lifecycle_phase, "selection")

    def test_the_customer_figures_follow_its_cases(self):
        first = self._case()
        second = self._case(subject="Wrong colour")
        self._answer_customer(first)
        self._close(first)
        self._flush_events()
        customer = self.customer
        self.assertEqual(customer.complaint_count, 2)
        self.assertEqual(customer.complaint_open_count, 1)
        self.assertEqual(customer.complaint_last_date, second.date_open)
        self.assertTrue(customer.complaint_churn_signal)
        self.assertEqual(customer.complaint_case_count, 2)
        self._close(second)
        self._flush_events()
        self.assertEqual(customer.complaint_open_count, 0)
        self.assertFalse(customer.complaint_churn_signal)

    def test_a_recently_breached_case_is_a_churn_signal(self):
        case = self._case()
        case.sudo().write({"sla_breached": True, "sla_breach_date": FRIDAY})
        self._close(case)
        self._flush_events()
        self.assertTrue(self.customer.complaint_churn_signal)
        with freeze_time("2024-12-01"):
            self.customer._lifecycle_recompute({"complaint"})
            self.assertFalse(self.customer.complaint_churn_signal)
