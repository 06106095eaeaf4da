from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from odoo.addons.crm_lifecycle.models.crm_lifecycle_batch import BatchFailed

from .common_survey import CrmLifecycleSurveyCommon

INVITATION = "odoo.addons.crm_lifecycle.models.crm_lifecycle_survey_invitation"


@tagged("post_install", "-at_install")
class TestSurveyInvitation(CrmLifecycleSurveyCommon):
    def _mails(self, invitations):
        return self.env["mail.mail"].search(
            [
                ("model", "=", "crm.lifecycle.survey.invitation"),
                ("res_id", "in", invitations.ids),
            ]
        )

    def _customer(self, name, email, **values):
        return self._new_customer(name, email=email, **values)

    def test_paid_invoice_sends_one_personal_invitation_after_the_delay(self):
        invoice = self._paid_invoice(self.customer, "2024-05-06")
        with freeze_time("2024-05-08"):
            self.assertEqual(self._run_invitations(), 0)
        self.assertFalse(self._invitations(self.customer))
        with freeze_time("2024-05-09"):
            self.assertEqual(self._run_invitations(), 1)
        invitation = self._invitations(self.customer)
        self.assertEqual(len(invitation), 1)
        self.assertEqual(invitation.state, "sent")
        self.assertEqual(invitation.invoice_id, invoice)
        self.assertEqual(invitation.company_id, invoice.company_id)
        user_input = invitation.user_input_id
        self.assertEqual(user_input.partner_id, self.customer)
        self.assertEqual(user_input.survey_id, self.survey)
        mail = self._mails(invitation)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.customer)
        self.assertIn(user_input.access_token, str(mail.body_html))
        self.assertIn(f"/survey/start/{self.survey.access_token}", str(mail.body_html))
        # Idempotent: the next runs find nothing to do for this invoice.
        with freeze_time("2024-05-10"):
            self.assertEqual(self._run_invitations(), 0)
            self._run_invitations()
        self.assertEqual(self._invitations(self.customer), invitation)
        self.assertEqual(len(self._mails(invitation)), 1)

    def test_unpaid_invoice_and_old_payments_trigger_nothing(self):
        self._invoice(self.customer, date="2024-05-01")
        self._paid_invoice(self.customer, "2024-02-01")  # beyond the look-back
        with freeze_time("2024-05-20"):
            self.assertEqual(self._run_invitations(), 0)
        self.assertFalse(self._invitations(self.customer))

    def test_unanswered_invitation_then_minimum_interval_throttle(self):
        self._paid_invoice(self.customer, "2024-05-01")
        with freeze_time("2024-05-05"):
            self._run_invitations()
        first = self._invitations(self.customer)
        self.assertEqual(first.mapped("state"), ["sent"])
        self._paid_invoice(self.customer, "2024-05-10")
        with freeze_time("2024-05-14"):
            self._run_invitations()
        second = self._invitations(self.customer) - first
        self.assertEqual((second.state, second.skip_reason), ("skipped", "unanswered"))
        self.assertFalse(second.user_input_id)
        self.assertFalse(self._mails(second))
        # Answered, but still within the 90 days: throttled.
        with freeze_time("2024-05-20"):
            self._complete(first.user_input_id, 9)
        self.assertEqual(first.state, "answered")
        self._paid_invoice(self.customer, "2024-07-25")
        with freeze_time("2024-07-30"):
            self._run_invitations()
        third = self._invitations(self.customer) - first - second
        self.assertEqual((third.state, third.skip_reason), ("skipped", "throttled"))
        # 90 days after the first invitation, a new payment invites again.
        self._paid_invoice(self.customer, "2024-08-05")
        with freeze_time("2024-08-09"):
            self.assertEqual(self._run_invitations(), 1)
        fourth = self._invitations(self.customer) - first - second - third
        self.assertEqual(fourth.state, "sent")

    def test_opted_out_blacklisted_and_without_email_are_skipped_with_reason(self):
        opted_out = self._customer(
            "Opted Out AŞ", "optout@example.com", survey_opt_out=True
        )
        blacklisted = self._customer("Blacklisted AE", "Spam.Me@Example.com")
        self.env["mail.blacklist"].create({"email": "spam.me@example.com"})
        no_email = self._customer("No Mail SA", False)
        contact_opted_out = self.env["res.partner"].create(
            {
                "name": "Mehmet Kaya",
                "parent_id": self.customer.id,
                "email": "mehmet@example.com",
                "survey_opt_out": True,
            }
        )
        for partner in (opted_out, blacklisted, no_email, contact_opted_out):
            self._paid_invoice(partner, "2024-05-02")
        with freeze_time("2024-05-06"):
            self.assertEqual(self._run_invitations(), 0)
        reasons = {
            inv.partner_id: (inv.state, inv.skip_reason)
            for inv in self._invitations(
                opted_out | blacklisted | no_email | self.customer
            )
        }
        self.assertEqual(
            reasons,
            {
                opted_out: ("skipped", "opted_out"),
                blacklisted: ("skipped", "blacklisted"),
                no_email: ("skipped", "no_email"),
                contact_opted_out: ("skipped", "opted_out"),
            },
        )
        self.assertFalse(
            self.env["survey.user_input"].search(
                [("partner_id", "in", [p.id for p in reasons])]
            )
        )

    def test_maximum_per_run_leaves_the_rest_for_the_next_run(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_lifecycle.survey_max_per_run", 2
        )
        customers = [
            self._customer(f"Capped {i}", f"capped{i}@example.com") for i in range(3)
        ]
        for customer in customers:
            self._paid_invoice(customer, "2024-05-02")
        with freeze_time("2024-05-06"):
            self.assertEqual(self._run_invitations(), 2)
            self.assertEqual(
                len(
                    self.env["crm.lifecycle.survey.invitation"].search(
                        [("partner_id", "in", [c.id for c in customers])]
                    )
                ),
                2,
            )
        with freeze_time("2024-05-07"):
            self.assertEqual(self._run_invitations(), 1)
        sent = self.env["crm.lifecycle.survey.invitation"].search(
            [("partner_id", "in", [c.id for c in customers])]
        )
        self.assertEqual(sent.mapped("state"), ["sent"] * 3)
        self.assertEqual(len(sent.partner_id), 3)

    def test_failing_invitation_is_logged_and_the_others_are_sent(self):
        broken = self._customer("Broken Ltd", "broken@example.com")
        healthy = self._customer("Healthy Ltd", "healthy@example.com")
        self._paid_invoice(broken, "2024-05-02")
        self._paid_invoice(healthy, "2024-05-02")
        Invitation = type(self.env["crm.lifecycle.survey.invitation"])
        original = Invitation._crm_lifecycle_send

        def send(invitation, survey):
            if invitation.partner_id == broken:
                raise ValueError("SMTP relay refused the address")
            return original(invitation, survey)

        with (
            freeze_time("2024-05-06"),
            patch.object(Invitation, "_crm_lifecycle_send", send),
            self.assertLogs(INVITATION, level="ERROR"),
        ):
            self.assertEqual(self._run_invitations(), 1)
        failed = self._invitations(broken)
        self.assertEqual((failed.state, failed.skip_reason), ("skipped", "error"))
        self.assertIn("SMTP relay refused", failed.note)
        self.assertFalse(
            self.env["survey.user_input"].search([("partner_id", "=", broken.id)])
        )
        self.assertEqual(self._invitations(healthy).state, "sent")

    def _failing_send(self, broken):
        """Sending to the partners of ``broken`` raises."""
        Invitation = type(self.env["crm.lifecycle.survey.invitation"])
        original = Invitation._crm_lifecycle_send

        def send(invitation, survey):
            if invitation.partner_id in broken:
                raise ValueError("mailbox unavailable")
            return original(invitation, survey)

        return patch.object(Invitation, "_crm_lifecycle_send", send)

    def test_failing_batch_is_retried_one_by_one_and_the_failure_recorded_once(self):
        customers = [
            self._customer(f"Batch {i}", f"batch{i}@example.com") for i in range(3)
        ]
        invoices = [self._paid_invoice(c, "2024-05-02") for c in customers]
        broken = customers[1]
        with (
            freeze_time("2024-05-06"),
            self._failing_send(broken),
            self.assertLogs(INVITATION, level="WARNING") as logs,
        ):
            self.assertEqual(self._run_invitations(), 2)
        output = "\n".join(logs.output)
        self.assertIn("a batch of 3 failed", output)
        self.assertIn(
            f"failed for invoice {invoices[1].id}: ValueError: mailbox unavailable",
            output,
        )
        self.assertIn("1 of 3 records failed", output)
        self.assertEqual(
            [self._invitations(c).mapped("state") for c in customers],
            [["sent"], ["skipped"], ["sent"]],
        )
        failed = self._invitations(broken)
        self.assertEqual(failed.skip_reason, "error")
        self.assertEqual(failed.note, "ValueError: mailbox unavailable")
        # Recorded: the next run neither retries nor sends it.
        with freeze_time("2024-05-07"):
            self.assertEqual(self._run_invitations(), 0)
        self.assertEqual(self._invitations(broken), failed)

    def test_call_where_every_invitation_failed_is_a_failed_cron_call(self):
        """As every job of the runner: the failures are recorded and
        committed, then the call raises, so that the cron's log shows it."""
        self._paid_invoice(self.customer, "2024-05-02")
        progress = self.env["ir.cron.progress"].create(
            {
                "cron_id": self.env.ref(
                    "crm_lifecycle.ir_cron_crm_lifecycle_survey_invitations"
                ).id,
                "done": 0,
                "remaining": 0,
            }
        )
        with (
            freeze_time("2024-05-06"),
            self._failing_send(self.customer),
            self.assertLogs(INVITATION, level="ERROR"),
            patch.object(self.env.cr, "commit") as commit,
            self.assertRaisesRegex(BatchFailed, "mailbox unavailable"),
        ):
            self.env["crm.lifecycle.survey.invitation"].with_context(
                ir_cron_progress_id=progress.id
            )._cron_send_invitations()
        commit.assert_called_once()
        failed = self._invitations(self.customer)
        self.assertEqual((failed.state, failed.skip_reason), ("skipped", "error"))

    def test_answer_marks_invitation_answered_and_feeds_the_response_rate(self):
        other = self._customer("Silent AŞ", "silent@example.com")
        self.customer.user_id = False
        invoice = self._paid_invoice(self.customer, "2024-05-02")
        invoice.invoice_user_id = self.sales_user
        self._paid_invoice(other, "2024-05-02")
        with freeze_time("2024-05-06"):
            self.assertEqual(self._run_invitations(), 2)
        invitation = self._invitations(self.customer)
        with freeze_time("2024-05-08 09:00:00"):
            self._complete(invitation.user_input_id, 5)
        self.assertEqual(invitation.state, "answered")
        response = self.customer.survey_response_ids
        self.assertEqual(response.invitation_id, invitation)
        # No salesperson on the customer: the invoice's one follows up.
        self.assertEqual(response.salesperson_id, self.sales_user)
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.customer.id)]
        )
        self.assertEqual(activity.user_id, self.sales_user)
        self.env.flush_all()
        rows = self.env["crm.lifecycle.survey.rate.report"]._read_group(
            [("commercial_partner_id", "in", (self.customer | other).ids)],
            ["date:month"],
            ["sent_count:sum", "answered_count:sum", "response_rate:avg"],
        )
        self.assertEqual([row[1:] for row in rows], [(2, 1, 50.0)])

    def test_invitations_follow_the_invoice_company(self):
        company_b = self.setup_other_company(name="Hellas Foods SA")["company"]
        self.env.user.company_ids = [Command.link(company_b.id)]
        customer_b = self._customer(
            "Athens Retail", "athens@example.com", company_id=company_b.id
        )
        invoice = self.init_invoice(
            "out_invoice",
            partner=customer_b,
            invoice_date="2024-04-25",
            products=[self.product_hw],
            company=company_b,
            post=True,
        )
        self.env["account.payment.register"].with_company(company_b).with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": "2024-05-02"})._create_payments()
        self._flush_events()
        self._paid_invoice(self.customer, "2024-05-02")
        with freeze_time("2024-05-06"):
            self.assertEqual(self._run_invitations(), 2)
        invitation_b = self._invitations(customer_b)
        self.assertEqual(invitation_b.company_id, company_b)
        self._complete(invitation_b.user_input_id, 10)
        self.assertEqual(customer_b.survey_response_ids.company_id, company_b)
        self.assertEqual(self._invitations(self.customer).company_id, self.env.company)
        summary_b = self._summary(domain=[("company_id", "=", company_b.id)])
        self.assertEqual((summary_b["nps"], summary_b["nps_count"]), (100.0, 1))
        summary_a = self._summary(domain=[("company_id", "=", self.env.company.id)])
        self.assertEqual(summary_a["nps_count"], 0)
