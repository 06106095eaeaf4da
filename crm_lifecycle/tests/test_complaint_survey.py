from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common_complaint import FRIDAY, CrmLifecycleComplaintCommon


@tagged("post_install", "-at_install")
@freeze_time(FRIDAY)
class TestComplaintSurvey(CrmLifecycleComplaintCommon):
    """A detractor's answer can open a case; closing a case can send the
    satisfaction survey, under the survey's throttles."""

    def _set(self, name, value):
        self.env["ir.config_parameter"].sudo().set_param(f"crm_lifecycle.{name}", value)

    def _cases(self):
        return self.env["crm.lifecycle.complaint"].search(
            [("commercial_partner_id", "=", self.customer.id)]
        )

    def _callbacks(self):
        return self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.customer.id)]
        )

    def test_detractor_opens_a_case_when_set(self):
        self._set("complaint_detractor_action", "case")
        self._answer(self.contact, nps=3, comment="Nobody answers the phone")
        case = self._cases()
        self.assertEqual(len(case), 1)
        self.assertEqual(case.source, "survey")
        self.assertEqual(case.partner_id, self.contact)
        self.assertEqual(case.user_id, self.sales_user)
        self.assertEqual(case.survey_response_id.nps_score, 3)
        self.assertIn("Nobody answers the phone", case.description)
        self.assertFalse(self._callbacks())

    def test_detractor_gets_an_activity_by_default_and_nothing_when_off(self):
        self._answer(self.contact, nps=2)
        self.assertFalse(self._cases())
        self.assertEqual(len(self._callbacks()), 1)
        self._set("complaint_detractor_action", "off")
        self._answer(self.contact, nps=1)
        self.assertFalse(self._cases())
        self.assertEqual(len(self._callbacks()), 1)

    def test_a_promoter_opens_no_case(self):
        self._set("complaint_detractor_action", "case")
        self._answer(self.contact, nps=9)
        self.assertFalse(self._cases())

    def _invitations(self):
        return self.env["crm.lifecycle.survey.invitation"].search(
            [("commercial_partner_id", "=", self.customer.id)], order="id"
        )

    def test_closing_sends_the_survey_once_and_under_the_throttles(self):
        self._set("complaint_close_survey", "1")
        case = self._case()
        self._close(case)
        invitation = self._invitations()
        self.assertEqual(invitation.state, "sent")
        self.assertEqual(invitation.complaint_id, case)
        self.assertEqual(invitation.partner_id, self.contact)
        self.assertTrue(invitation.user_input_id)
        # Reopened and closed again: never twice for one case.
        case.stage_id = self.stage_progress
        self._close(case)
        self.assertEqual(self._invitations(), invitation)
        # Another case while the invitation is unanswered: skipped.
        other = self._case(subject="Wrong colour")
        self._close(other)
        skipped = self._invitations() - invitation
        self.assertEqual(
            (skipped.state, skipped.skip_reason), ("skipped", "unanswered")
        )
        # Answered, then a case closed within the minimum interval: skipped.
        self._complete(invitation.user_input_id, 9)
        with freeze_time(FRIDAY + timedelta(days=30)):
            third = self._case(subject="Late again")
            self._close(third)
        last = self._invitations()[-1]
        self.assertEqual((last.complaint_id, last.skip_reason), (third, "throttled"))

    def test_closing_surveys_no_opted_out_customer(self):
        self._set("complaint_close_survey", "1")
        self.customer.survey_opt_out = True
        self._close(self._case())
        self.assertEqual(self._invitations().skip_reason, "opted_out")

    def test_closing_sends_nothing_unless_set(self):
        self._close(self._case())
        self.assertFalse(self._invitations())

    def test_retention_reminder_mentions_the_open_complaint(self):
        self._case()
        self._flush_events()
        values = {
            "retention_purchase_interval": 30.0,
            "retention_last_purchase_date": datetime(2024, 3, 1).date(),
        }
        note = self.env["crm.lifecycle.retention"]._reminder_note(
            self.customer, values, FRIDAY.date()
        )
        self.assertIn("1 open", str(note))
