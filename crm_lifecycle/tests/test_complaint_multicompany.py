from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common_complaint import FRIDAY, CrmLifecycleComplaintCommon

FIGURES = [
    "complaint_count",
    "complaint_open_count",
    "complaint_avg_resolution_hours",
    "complaint_last_date",
    "complaint_churn_signal",
    "complaint_case_count",
]


class ComplaintTwoCompaniesCommon(CrmLifecycleComplaintCommon):
    """A customer shared by two companies: an open case in company 1 and a
    closed one in company 2, and a salesperson of each company for it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_1 = cls.env.company
        cls.company_2 = cls.env["res.company"].create(
            {"name": "Complaints Company Two", "resource_calendar_id": cls.calendar.id}
        )
        cls.user_1 = new_test_user(
            cls.env,
            login="lc_cmp_mc_user_1",
            groups="sales_team.group_sale_manager",
            company_id=cls.company_1.id,
            company_ids=[Command.set(cls.company_1.ids)],
        )
        cls.user_2 = new_test_user(
            cls.env,
            login="lc_cmp_mc_user_2",
            groups="sales_team.group_sale_manager",
            company_id=cls.company_2.id,
            company_ids=[Command.set(cls.company_2.ids)],
        )
        cls.customer.company_id = False

    def _two_cases(self):
        """An open case in company 1, a case closed after 4 working hours in
        company 2 (Friday 15:00 to Tuesday 10:00, Monday a holiday)."""
        open_case = self._case()
        closed_case = self._case(
            subject="Invoice in the wrong currency",
            category_id=False,
            company_id=self.company_2.id,
        )
        with freeze_time("2024-06-11 10:00:00"):
            self._close(closed_case, resolution="Invoice reissued in EUR.")
        self._flush_events()
        return open_case, closed_case


@tagged("post_install", "-at_install")
@freeze_time(FRIDAY)
class TestComplaintMultiCompany(ComplaintTwoCompaniesCommon):
    """Each company reads the complaint figures of the cases it answers,
    its churn signal included; the smart button counts the cases the user
    may open."""

    def _figures(self, user):
        partner = self.customer.with_user(user).with_context(
            allowed_company_ids=user.company_id.ids
        )
        return {name: partner[name] for name in FIGURES}

    def test_each_company_reads_its_own_figures(self):
        open_case, closed_case = self._two_cases()
        self.assertEqual(closed_case.resolution_hours, 4.0)
        self.assertEqual(
            self._figures(self.user_1),
            {
                "complaint_count": 1,
                "complaint_open_count": 1,
                "complaint_avg_resolution_hours": 0.0,
                "complaint_last_date": open_case.date_open,
                "complaint_churn_signal": True,
                "complaint_case_count": 1,
            },
        )
        self.assertEqual(
            self._figures(self.user_2),
            {
                "complaint_count": 1,
                "complaint_open_count": 0,
                "complaint_avg_resolution_hours": 4.0,
                "complaint_last_date": closed_case.date_open,
                "complaint_churn_signal": False,
                "complaint_case_count": 1,
            },
        )
        # Company 1's open case raises no signal in company 2's lists.
        Partner = self.env["res.partner"]
        signal = [("complaint_churn_signal", "=", True)]
        self.assertIn(
            self.customer,
            Partner.with_user(self.user_1)
            .with_context(allowed_company_ids=self.company_1.ids)
            .search(signal),
        )
        self.assertNotIn(
            self.customer,
            Partner.with_user(self.user_2)
            .with_context(allowed_company_ids=self.company_2.ids)
            .search(signal),
        )

    def test_a_case_moved_to_another_company_moves_its_figures(self):
        open_case, __ = self._two_cases()
        open_case.company_id = self.company_2
        self._flush_events()
        in_1 = self.customer.with_company(self.company_1)
        in_2 = self.customer.with_company(self.company_2)
        self.assertEqual(
            (in_1.complaint_count, in_1.complaint_churn_signal), (0, False)
        )
        self.assertFalse(in_1.complaint_last_date)
        self.assertEqual((in_2.complaint_count, in_2.complaint_open_count), (2, 1))
        self.assertTrue(in_2.complaint_churn_signal)

    def test_the_retention_reminder_names_only_its_company_complaints(self):
        self._two_cases()
        values = {
            "retention_purchase_interval": 30.0,
            "retention_last_purchase_date": date(2024, 4, 1),
        }
        retention = self.env["crm.lifecycle.retention"]
        note_1 = retention._reminder_note(
            self.customer.with_company(self.company_1), values, date(2024, 6, 7)
        )
        note_2 = retention._reminder_note(
            self.customer.with_company(self.company_2), values, date(2024, 6, 7)
        )
        self.assertIn("Mind the complaints: 1 open", note_1)
        self.assertNotIn("complaints", note_2)


@tagged("post_install", "-at_install")
class TestComplaintMultiCompanyRpc(ComplaintTwoCompaniesCommon, HttpCase):
    """Over /web/dataset/call_kw, as the web client and any script read
    them: a user of each company reads its own company's figures, and a
    company the user is not in is refused, not served."""

    def _call(self, user, method, args, kwargs=None, company=None):
        self.authenticate(user.login, user.login)
        context = {"allowed_company_ids": [(company or user.company_id).id]}
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": "res.partner",
                "method": method,
                "args": args,
                "kwargs": dict(kwargs or {}, context=context),
            },
        )

    def test_each_company_user_reads_its_figures_over_rpc(self):
        with freeze_time(FRIDAY):
            self._two_cases()
        self.env.cr.flush()
        [values_1] = self._call(
            self.user_1,
            "web_read",
            [self.customer.ids],
            {"specification": {name: {} for name in FIGURES}},
        )
        self.assertEqual(
            (
                values_1["complaint_count"],
                values_1["complaint_open_count"],
                values_1["complaint_churn_signal"],
                values_1["complaint_case_count"],
            ),
            (1, 1, True, 1),
        )
        [values_2] = self._call(self.user_2, "read", [self.customer.ids, FIGURES])
        self.assertEqual(
            (
                values_2["complaint_count"],
                values_2["complaint_open_count"],
                values_2["complaint_avg_resolution_hours"],
                values_2["complaint_churn_signal"],
                values_2["complaint_case_count"],
            ),
            (1, 0, 4.0, False, 1),
        )
        found = self._call(
            self.user_2,
            "search",
            [[("complaint_churn_signal", "=", True), ("id", "=", self.customer.id)]],
        )
        self.assertEqual(found, [])
        found = self._call(
            self.user_1,
            "search",
            [[("complaint_churn_signal", "=", True), ("id", "=", self.customer.id)]],
        )
        self.assertEqual(found, self.customer.ids)
        # Company 1's figures asked for by company 2's user: refused.
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException) as caught:
            self._call(
                self.user_2,
                "read",
                [self.customer.ids, ["complaint_churn_signal"]],
                company=self.company_1,
            )
        self.assertIn("AccessError", str(caught.exception))
