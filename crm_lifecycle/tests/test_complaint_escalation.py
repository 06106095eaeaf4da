from datetime import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .common_complaint import FRIDAY, CrmLifecycleComplaintCommon


@tagged("post_install", "-at_install")
class TestComplaintEscalation(CrmLifecycleComplaintCommon):
    """The SLA job: a case past its deadline is breached and escalated to
    the owner's manager once per deadline."""

    def _escalations(self, case):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "crm.lifecycle.complaint"),
                ("res_id", "=", case.id),
                ("user_id", "=", self.manager.id),
            ]
        )

    def test_a_late_case_is_escalated_once_per_deadline(self):
        with freeze_time(FRIDAY):
            case = self._case()
            answered = self._case(subject="Answered late")
        with freeze_time(datetime(2024, 6, 11, 9, 0)):
            self.env["crm.lifecycle.complaint"]._cron_escalate()
            self.assertFalse(self._escalations(case))
        with freeze_time(datetime(2024, 6, 11, 11, 0)):
            self._answer_customer(answered, user=self.manager)
            self.env["crm.lifecycle.complaint"]._cron_escalate()
            self.env["crm.lifecycle.complaint"]._cron_escalate()
        self.assertEqual(len(self._escalations(case)), 1)
        self.assertTrue(case.sla_breached)
        self.assertEqual(case.sla_breach_date, datetime(2024, 6, 11, 10, 0))
        self.assertEqual(case.escalated_deadline, datetime(2024, 6, 11, 10, 0))
        # Answered late but answered: its own deadline, not escalated.
        self.assertFalse(self._escalations(answered))
        # The answer moves the deadline to the resolution's; once that
        # passes too, one more escalation.
        with freeze_time(datetime(2024, 6, 11, 12, 0)):
            self._answer_customer(case)
            self.env["crm.lifecycle.complaint"]._cron_escalate()
        self.assertEqual(len(self._escalations(case)), 1)
        with freeze_time(datetime(2024, 6, 13, 9, 0)):
            self.env["crm.lifecycle.complaint"]._cron_escalate()
            self.env["crm.lifecycle.complaint"]._cron_escalate()
        self.assertEqual(len(self._escalations(case)), 2)

    def test_a_closed_or_waiting_case_is_not_escalated(self):
        with freeze_time(FRIDAY):
            closed = self._case()
            waiting = self._case(subject="Waiting for photos")
            self._close(closed)
            waiting.stage_id = self.stage_waiting
        with freeze_time(datetime(2024, 6, 20, 9, 0)):
            self.env["crm.lifecycle.complaint"]._cron_escalate()
        self.assertFalse(self._escalations(closed) | self._escalations(waiting))
        self.assertFalse(any((closed | waiting).mapped("sla_breached")))
