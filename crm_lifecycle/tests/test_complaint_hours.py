from datetime import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .common_complaint import FRIDAY, CrmLifecycleComplaintCommon


@tagged("post_install", "-at_install")
class TestComplaintHours(CrmLifecycleComplaintCommon):
    """Response and resolution times in working hours of the company's
    calendar: nights, weekends, public holidays and time waiting on the
    customer do not count."""

    def test_response_counts_working_hours_across_a_weekend_and_a_holiday(self):
        with freeze_time(FRIDAY):
            case = self._case()
            # Friday 15-17, then (Monday is a holiday) Tuesday 8-10.
            self.assertEqual(case.sla_deadline, datetime(2024, 6, 11, 10, 0))
        with freeze_time(datetime(2024, 6, 11, 10, 0)):
            self._answer_customer(case)
        self.assertEqual(case.date_first_response, datetime(2024, 6, 11, 10, 0))
        self.assertAlmostEqual(case.response_hours, 4.0)
        self.assertFalse(case.sla_breached)
        # Then the resolution: 16 hours from the opening, 4 of them spent.
        self.assertEqual(case.sla_deadline, datetime(2024, 6, 12, 15, 0))

    def test_internal_note_is_no_response(self):
        with freeze_time(FRIDAY):
            case = self._case()
            case.with_user(self.sales_user).message_post(
                body="Call the carrier", subtype_xmlid="mail.mt_note"
            )
        self.assertFalse(case.date_first_response)

    def test_a_late_answer_breaches_the_service_level(self):
        with freeze_time(FRIDAY):
            case = self._case()
        with freeze_time(datetime(2024, 6, 11, 11, 0)):
            self._answer_customer(case)
        self.assertAlmostEqual(case.response_hours, 5.0)
        self.assertTrue(case.sla_breached)
        self.assertEqual(case.sla_breach_date, datetime(2024, 6, 11, 10, 0))

    def test_time_waiting_on_the_customer_does_not_count(self):
        with freeze_time(FRIDAY):
            case = self._case()
        with freeze_time(datetime(2024, 6, 11, 10, 0)):
            self._answer_customer(case)
        with freeze_time(datetime(2024, 6, 11, 11, 0)):
            case.stage_id = self.stage_waiting
            self.assertFalse(case.sla_deadline)
        with freeze_time(datetime(2024, 6, 12, 11, 0)):
            case.stage_id = self.stage_progress
            # 16 - (2 + 3) = 11 hours left from Wednesday 11:00.
            self.assertEqual(case.sla_deadline, datetime(2024, 6, 13, 15, 0))
        with freeze_time(datetime(2024, 6, 12, 12, 0)):
            self._close(case)
        # Friday 15-17, Tuesday 8-11, Wednesday 11-12.
        self.assertAlmostEqual(case.resolution_hours, 6.0)
        self.assertEqual(case.date_closed, datetime(2024, 6, 12, 12, 0))
        self.assertFalse(case.sla_deadline)
        self.assertFalse(case.sla_breached)

    def test_reopening_keeps_the_first_closing_date_and_counts(self):
        with freeze_time(FRIDAY):
            case = self._case()
        with freeze_time(datetime(2024, 6, 11, 9, 0)):
            self._answer_customer(case)
            self._close(case)
        self.assertAlmostEqual(case.resolution_hours, 3.0)
        with freeze_time(datetime(2024, 6, 12, 9, 0)):
            case.stage_id = self.stage_progress
        self.assertEqual(case.reopen_count, 1)
        self.assertFalse(case.is_closed)
        with freeze_time(datetime(2024, 6, 12, 10, 0)):
            case.stage_id = self.stage_resolved
        self.assertEqual(case.date_closed, datetime(2024, 6, 11, 9, 0))
        self.assertEqual(case.reopen_count, 1)
        # The time it was closed does not count; the reopened hour does.
        self.assertAlmostEqual(case.resolution_hours, 4.0)
