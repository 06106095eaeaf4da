from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common_survey import CrmLifecycleSurveyCommon


@tagged("post_install", "-at_install")
class TestSurveyNps(CrmLifecycleSurveyCommon):
    def _customers(self, count):
        return self.env["res.partner"].create(
            [{"name": f"NPS Customer {i}", "is_company": True} for i in range(count)]
        )

    def test_answer_sets_scores_on_the_commercial_partner(self):
        contact = self.env["res.partner"].create(
            {
                "name": "Ayşe Yılmaz",
                "parent_id": self.customer.id,
                "email": "ayse@example.com",
            }
        )
        self._flush_events()
        with freeze_time("2024-03-05 10:00:00"):
            self._answer(contact, nps=8, csat=4, comment="Delivery was a bit slow")
        self.assertEqual(self.customer.nps_last_score, 8)
        self.assertEqual(self.customer.nps_category, "passive")
        self.assertEqual(self.customer.csat_last_score, 4.0)
        self.assertEqual(str(self.customer.survey_last_date), "2024-03-05 10:00:00")
        # Held on the customer only, as the other figures are.
        self.assertFalse(contact.nps_category)
        response = self.customer.survey_response_ids
        self.assertEqual(len(response), 1)
        self.assertEqual(response.partner_id, contact)
        self.assertEqual(response.comment, "Delivery was a bit slow")
        self.assertEqual(self.customer.survey_response_count, 1)
        self.assertEqual(contact.survey_response_count, 1)

    def test_zero_is_a_detractor_answer_not_a_missing_one(self):
        self._answer(self.customer, nps=0, csat=1)
        self.assertEqual(self.customer.nps_category, "detractor")
        self.assertEqual(self.customer.survey_response_ids.nps_category, "detractor")
        self.assertEqual(self._summary()["detractors"], 1)

    def test_later_answer_replaces_the_scores(self):
        with freeze_time("2024-01-10"):
            self._answer(self.customer, nps=3, csat=2)
        with freeze_time("2024-02-10"):
            self._answer(self.customer, nps=10, csat=5)
        self.assertEqual(self.customer.nps_last_score, 10)
        self.assertEqual(self.customer.nps_category, "promoter")
        self.assertEqual(self.customer.csat_last_score, 5.0)
        self.assertEqual(len(self.customer.survey_response_ids), 2)

    def test_only_a_question_flagged_nps_feeds_the_score(self):
        other = (
            self.env["survey.survey"]
            .sudo()
            .create({"title": "Website feedback", "access_mode": "token"})
        )
        self.env["survey.question"].sudo().create(
            {
                "survey_id": other.id,
                "title": "Rate our website from 0 to 10",
                "question_type": "scale",
                "scale_min": 0,
                "scale_max": 10,
            }
        )
        user_input = other._create_answer(partner=self.customer, check_attempts=False)
        user_input._save_lines(other.question_ids, "2")
        user_input._mark_done()
        self.assertFalse(self.customer.nps_category)
        self.assertFalse(self.customer.survey_response_ids)
        self.assertEqual(self._summary()["nps_count"], 0)

    def test_nps_flag_needs_a_zero_to_ten_scale(self):
        with self.assertRaises(ValidationError):
            self.q_csat.crm_lifecycle_kind = "nps"
        with self.assertRaises(ValidationError):
            self.q_comment.crm_lifecycle_kind = "csat"

    def test_nps_summary_without_answers(self):
        summary = self._summary()
        self.assertIsNone(summary["nps"])
        self.assertIsNone(summary["csat"])
        self.assertEqual(summary["nps_count"], 0)
        self.assertEqual(summary["csat_count"], 0)

    def test_nps_summary_all_passives_is_zero(self):
        for customer, score in zip(self._customers(3), (7, 8, 7), strict=False):
            self._answer(customer, nps=score, csat=3)
        summary = self._summary()
        self.assertEqual(summary["nps"], 0.0)
        self.assertEqual(summary["nps_count"], 3)
        self.assertEqual(summary["passives"], 3)
        self.assertEqual(summary["csat"], 3.0)

    def test_nps_summary_one_answer(self):
        self._answer(self.customer, nps=9)
        summary = self._summary()
        self.assertEqual(summary["nps"], 100.0)
        self.assertEqual(summary["nps_count"], 1)
        # No CSAT answer: no CSAT figure.
        self.assertIsNone(summary["csat"])
        self.assertEqual(summary["csat_count"], 0)

    def test_nps_summary_uses_the_latest_answer_per_customer_in_the_period(self):
        customers = self._customers(5)
        with freeze_time("2024-04-02"):
            for customer, score, csat in zip(
                customers, (10, 9, 9, 7, 3), (5, 4, 5, 3, 1), strict=False
            ):
                self._answer(customer, nps=score, csat=csat)
        with freeze_time("2024-04-20"):
            # The detractor changed its mind: only its latest answer counts.
            self._answer(customers[4], nps=9, csat=4)
        with freeze_time("2024-06-01"):
            self._answer(customers[0], nps=2, csat=1)
        april = self._summary("2024-04-01", "2024-05-01")
        self.assertEqual(april["nps_count"], 5)
        self.assertEqual(
            (april["promoters"], april["passives"], april["detractors"]), (4, 1, 0)
        )
        self.assertEqual(april["nps"], 80.0)
        self.assertAlmostEqual(april["csat"], (5 + 4 + 5 + 3 + 4) / 5)
        first_half = self._summary("2024-01-01", "2024-07-01")
        # customers[0] is now a detractor: 3 promoters, 1 passive, 1 detractor.
        self.assertEqual(first_half["nps"], 40.0)
        self.assertEqual(first_half["nps_count"], 5)

    def test_dashboard_gives_nps_with_its_sample_by_month_and_salesperson(self):
        customers = self._customers(4)
        customers[:2].user_id = self.sales_user
        with freeze_time("2024-05-03"):
            for customer, score in zip(customers, (10, 6, 9, 8), strict=False):
                self._answer(customer, nps=score, csat=4)
            self._answer(customers[1], nps=4, csat=2)
        with freeze_time("2024-06-03"):
            self._answer(customers[0], nps=10, csat=5)
        self.env.flush_all()
        Report = self.env["crm.lifecycle.nps.report"]
        domain = [("commercial_partner_id", "in", customers.ids)]
        by_month = {
            month: (nps, count, csat, csat_count)
            for month, nps, count, csat, csat_count in Report._read_group(
                domain,
                ["date:month"],
                ["nps_value:avg", "nps_count:sum", "csat_score:avg", "csat_count:sum"],
            )
        }
        # May: latest answers 10, 4, 9, 8 -> 2 promoters, 1 detractor of 4.
        may = [value for key, value in by_month.items() if key.month == 5][0]
        self.assertEqual(may[:2], (25.0, 4))
        self.assertAlmostEqual(may[2], (4 + 2 + 4 + 4) / 4)
        self.assertEqual(may[3], 4)
        june = [value for key, value in by_month.items() if key.month == 6][0]
        self.assertEqual(june, (100.0, 1, 5.0, 1))
        by_salesperson = dict(
            (user, (nps, count))
            for user, nps, count in Report._read_group(
                domain + [("date", "<", "2024-06-01")],
                ["salesperson_id"],
                ["nps_value:avg", "nps_count:sum"],
            )
        )
        self.assertEqual(by_salesperson[self.sales_user], (0.0, 2))
        self.assertEqual(by_salesperson[self.env["res.users"]], (50.0, 2))

    def test_dashboard_groups_by_lifecycle_phase_and_country(self):
        turkey, greece = self.env.ref("base.tr"), self.env.ref("base.gr")
        customers = self._customers(3)
        customers[0].country_id = turkey
        customers[1:].country_id = greece
        self._invoice(customers[0])
        self._flush_events()
        for customer, score in zip(customers, (9, 3, 10), strict=False):
            self._answer(customer, nps=score)
        self.env.flush_all()
        Report = self.env["crm.lifecycle.nps.report"]
        domain = [("commercial_partner_id", "in", customers.ids)]
        by_country = dict(
            (country, (nps, count))
            for country, nps, count in Report._read_group(
                domain, ["country_id"], ["nps_value:avg", "nps_count:sum"]
            )
        )
        self.assertEqual(by_country, {turkey: (100.0, 1), greece: (0.0, 2)})
        by_phase = dict(
            (phase, count)
            for phase, count in Report._read_group(
                domain, ["lifecycle_phase"], ["nps_count:sum"]
            )
        )
        self.assertEqual(by_phase.get(customers[0].lifecycle_phase), 1)
        self.assertEqual(customers[0].lifecycle_phase, "retention")


@tagged("post_install", "-at_install")
class TestSurveyFollowUp(CrmLifecycleSurveyCommon):
    def _followups(self, partner):
        return self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", partner.id)]
        )

    def test_detractor_on_a_friday_gets_a_follow_up_due_monday(self):
        self.customer.user_id = self.sales_user
        with freeze_time("2024-05-17 10:00:00"):  # a Friday
            self._answer(
                self.customer, nps=4, csat=2, comment="The invoice was wrong twice"
            )
        activity = self._followups(self.customer)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.sales_user)
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("crm_lifecycle.mail_activity_type_detractor"),
        )
        self.assertEqual(str(activity.date_deadline), "2024-05-20")
        self.assertIn("The invoice was wrong twice", str(activity.note))
        self.assertIn("4", str(activity.note))

    def test_follow_up_without_working_calendar_skips_the_weekend(self):
        self.customer.user_id = self.sales_user
        self.env.company.resource_calendar_id = False
        with freeze_time("2024-05-18 10:00:00"):  # a Saturday
            self._answer(self.customer, nps=2)
        self.assertEqual(
            str(self._followups(self.customer).date_deadline), "2024-05-20"
        )
        with freeze_time("2024-05-21 10:00:00"):  # a Tuesday
            self._answer(self.customer, nps=1)
        self.assertEqual(
            sorted(
                str(d) for d in self._followups(self.customer).mapped("date_deadline")
            ),
            ["2024-05-20", "2024-05-22"],
        )

    def test_promoters_and_passives_get_no_follow_up(self):
        self.customer.user_id = self.sales_user
        self._answer(self.customer, nps=9)
        self._answer(self.customer, nps=7)
        self.assertFalse(self._followups(self.customer))

    def test_promoter_gets_the_referral_tag(self):
        tag = self.env["res.partner.category"].create({"name": "Ask for referral"})
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_lifecycle.survey_promoter_tag_id", tag.id
        )
        passive = self.env["res.partner"].create(
            {"name": "Passive Ltd", "is_company": True}
        )
        self._answer(self.customer, nps=10)
        self._answer(passive, nps=8)
        self.assertIn(tag, self.customer.category_id)
        self.assertNotIn(tag, passive.category_id)
