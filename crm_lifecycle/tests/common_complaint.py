from contextlib import contextmanager
from datetime import datetime

from odoo import Command

from .common_survey import CrmLifecycleSurveyCommon

# Friday 7 June 2024; Monday 10 June is a public holiday of the calendar.
FRIDAY = datetime(2024, 6, 7, 15, 0)
HOLIDAY = (datetime(2024, 6, 10, 0, 0), datetime(2024, 6, 10, 23, 59, 59))

MAIL = """Return-Path: <{email_from}>
From: {email_from}
To: complaints@example.com
Subject: {subject}
Message-ID: {msg_id}
{extra}MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Date: Fri, 07 Jun 2024 15:00:00 +0000

{body}
"""


class CrmLifecycleComplaintCommon(CrmLifecycleSurveyCommon):
    """A support desk working Monday to Friday, 8-12 and 13-17 UTC, with a
    public holiday; a category answered in 4 and resolved in 16 working
    hours by the customer's salesperson, whose sales team leader is the
    manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls.env["resource.calendar"].create(
            {
                "name": "Complaint desk",
                "tz": "UTC",
                "attendance_ids": [
                    Command.create(
                        {
                            "name": f"Day {day} {hour_from}",
                            "dayofweek": str(day),
                            "hour_from": hour_from,
                            "hour_to": hour_to,
                            "day_period": period,
                        }
                    )
                    for day in range(5)
                    for hour_from, hour_to, period in (
                        (8, 12, "morning"),
                        (13, 17, "afternoon"),
                    )
                ],
            }
        )
        cls.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": cls.calendar.id,
                "date_from": HOLIDAY[0],
                "date_to": HOLIDAY[1],
            }
        )
        cls.env.company.resource_calendar_id = cls.calendar
        cls.stage_new = cls.env.ref("crm_lifecycle.crm_lifecycle_complaint_stage_new")
        cls.stage_progress = cls.env.ref(
            "crm_lifecycle.crm_lifecycle_complaint_stage_in_progress"
        )
        cls.stage_waiting = cls.env.ref(
            "crm_lifecycle.crm_lifecycle_complaint_stage_waiting"
        )
        cls.stage_resolved = cls.env.ref(
            "crm_lifecycle.crm_lifecycle_complaint_stage_resolved"
        )
        cls.category = cls.env["crm.lifecycle.complaint.category"].create(
            {
                "name": "Late delivery",
                "response_target_hours": 4.0,
                "resolution_target_hours": 16.0,
                "user_id": cls.sales_user.id,
            }
        )
        cls.env["crm.team"].create(
            {
                "name": "Complaint desk team",
                "user_id": cls.manager.id,
                "member_ids": [Command.link(cls.sales_user.id)],
            }
        )
        cls.customer.user_id = cls.sales_user
        cls.contact = cls.env["res.partner"].create(
            {
                "name": "Ayse Kaya",
                "parent_id": cls.customer.id,
                "email": "ayse@anadolu-tekstil.example.com",
            }
        )

    @contextmanager
    def _refused(self, exception, text):
        """Assert the block raises ``exception`` saying ``text``, in a
        savepoint rolled back (assertRaisesRegex has none)."""
        with self.assertRaises(exception) as catcher:
            yield
        self.assertIn(text, str(catcher.exception))

    def _case(self, **values):
        return self.env["crm.lifecycle.complaint"].create(
            {
                "partner_id": self.contact.id,
                "subject": "Fabric arrived torn",
                "category_id": self.category.id,
                **values,
            }
        )

    def _answer_customer(self, case, user=None, body="We are on it."):
        """An employee writes to the customer in the chatter."""
        return case.with_user(user or self.sales_user).message_post(
            body=body, message_type="comment", subtype_xmlid="mail.mt_comment"
        )

    def _close(self, case, resolution="Replaced the fabric."):
        case.write({"resolution": resolution, "stage_id": self.stage_resolved.id})

    def _mail(self, email_from, subject="Torn fabric", extra="", msg_id=None):
        raw = MAIL.format(
            email_from=email_from,
            subject=subject,
            msg_id=msg_id or f"<{subject.replace(' ', '.')}@customer.example.com>",
            extra=extra,
            body="The fabric of order 42 arrived torn.",
        )
        return self.env["mail.thread"].message_process("crm.lifecycle.complaint", raw)
