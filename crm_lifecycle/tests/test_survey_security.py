from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common_survey import CrmLifecycleSurveyCommon

SURVEY_MODELS = (
    "crm.lifecycle.survey.response",
    "crm.lifecycle.survey.invitation",
    "crm.lifecycle.nps.report",
    "crm.lifecycle.survey.rate.report",
)


@tagged("post_install", "-at_install")
class TestSurveySecurity(CrmLifecycleSurveyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.user_id = cls.sales_user
        cls.other_customer = cls._new_customer("Someone Else's Client")
        cls.other_customer.user_id = cls.manager

    def test_sales_user_sees_every_customers_scores_as_on_the_partner(self):
        """A salesperson restricted to its own documents reads the latest
        scores of any customer on the partner form (it may take any
        customer's call): the answers, the NPS analysis and the summary
        show it the same customers, not only its own."""
        self._answer(self.customer, nps=10, csat=5)
        self._answer(self.other_customer, nps=2, csat=1, comment="Never again")
        self.env.flush_all()
        customers = self.customer | self.other_customer
        scope = [("commercial_partner_id", "in", customers.ids)]
        self.assertEqual(
            customers.with_user(self.sales_user).mapped("nps_last_score"), [10, 2]
        )
        for user in (self.sales_user, self.manager):
            for model in ("crm.lifecycle.survey.response", "crm.lifecycle.nps.report"):
                self.assertEqual(
                    self.env[model].with_user(user).search(scope).commercial_partner_id,
                    customers,
                    f"{model} as {user.login}",
                )
            summary = self.env[
                "crm.lifecycle.survey.response"
            ]._crm_lifecycle_nps_summary("2000-01-01", "2100-01-01", domain=scope)
            self.assertEqual((summary["nps"], summary["nps_count"]), (0.0, 2))
        # The list of answers on the customer follows the same rules.
        other = self.other_customer.with_user(self.sales_user)
        self.assertEqual(other.survey_response_ids.nps_score, 2)
        self.assertEqual(other.survey_response_count, 1)

    def test_nobody_forges_or_edits_an_answer(self):
        response = self._answer(self.customer, nps=3)
        record = self.env["crm.lifecycle.survey.response"].search(
            [("user_input_id", "=", response.id)]
        )
        for user in (self.sales_user, self.manager):
            with self.assertRaises(AccessError):
                record.with_user(user).write({"nps_score": 10})
            with self.assertRaises(AccessError):
                self.env["crm.lifecycle.survey.response"].with_user(user).create(
                    {
                        "user_input_id": response.id,
                        "commercial_partner_id": self.customer.id,
                    }
                )

    def test_sales_user_sees_their_customers_invitations_only(self):
        self._paid_invoice(self.customer, "2024-05-02")
        self.other_customer.email = "other@example.com"
        self._paid_invoice(self.other_customer, "2024-05-02")
        with freeze_time("2024-05-06"):
            self.assertEqual(self._run_invitations(), 2)
        Invitation = self.env["crm.lifecycle.survey.invitation"]
        self.assertEqual(
            Invitation.with_user(self.sales_user).search([]).commercial_partner_id,
            self.customer,
        )
        self.assertEqual(
            len(
                Invitation.with_user(self.manager).search(
                    [
                        (
                            "commercial_partner_id",
                            "in",
                            (self.customer | self.other_customer).ids,
                        )
                    ]
                )
            ),
            2,
        )
        with self.assertRaises(AccessError):
            Invitation.with_user(self.sales_user).search([]).unlink()

    def test_portal_and_public_see_none_of_it(self):
        self._answer(self.customer, nps=9)
        public = self.env.ref("base.public_user").sudo()
        for user in (self.portal_user, public):
            for model in SURVEY_MODELS:
                with self.assertRaises(
                    AccessError, msg=f"{user.sudo().login} on {model}"
                ):
                    self.env[model].with_user(user).search([])
            # Their own answer is reached by its token only (survey's mechanism).
            with self.assertRaises(AccessError):
                self.env["survey.user_input"].with_user(user).search([])

    def test_scores_are_isolated_by_company(self):
        company_b = self.env["res.company"].create({"name": "Hellas Foods SA"})
        user_b = new_test_user(
            self.env,
            login="lc_survey_manager_b",
            groups="sales_team.group_sale_manager",
            company_id=company_b.id,
            company_ids=[Command.set(company_b.ids)],
        )
        customer_b = self._new_customer("Athens Retail", company_id=company_b.id)
        self._answer(self.customer, nps=10)
        self._answer(customer_b, nps=0)
        self.env.flush_all()
        scope = [("commercial_partner_id", "in", (self.customer | customer_b).ids)]
        for model in ("crm.lifecycle.survey.response", "crm.lifecycle.nps.report"):
            self.assertEqual(
                self.env[model].with_user(user_b).search(scope).commercial_partner_id,
                customer_b,
            )
            self.assertEqual(
                self.env[model]
                .with_user(self.manager)
                .search(scope)
                .commercial_partner_id,
                self.customer,
            )
