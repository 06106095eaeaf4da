from datetime import timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common_retention import TODAY, CrmLifecycleRetentionCommon

REPORTS = (
    "crm.lifecycle.clv.fit",
    "crm.lifecycle.churn.report",
    "crm.lifecycle.cohort.report",
)


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestRetentionSecurity(CrmLifecycleRetentionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.population, _specs = cls._population()
        cls.population.user_id = cls.sales_user
        cls.env["res.partner"]._retention_recompute_all()

    def test_sales_user_reads_scores_but_not_the_fit(self):
        partner = self.population[1]
        expected = partner.with_company(self.env.company).read(
            ["rfm_segment", "churn_probability", "clv_predicted", "clv_historical"]
        )[0]
        self.assertTrue(expected["rfm_segment"])
        self.assertGreater(expected["clv_historical"], 0.0)
        as_sales = partner.with_user(self.sales_user).read(list(expected))[0]
        self.assertEqual(as_sales, expected)
        self.assertTrue(
            self.env["res.partner"]
            .with_user(self.sales_user)
            .search_count(
                [("rfm_segment", "!=", False), ("id", "in", self.population.ids)]
            ),
        )
        with self.assertRaises(AccessError):
            self.env["crm.lifecycle.clv.fit"].with_user(self.sales_user).search([])
        # The reports are readable.
        self.assertTrue(
            self.env["crm.lifecycle.cohort.report"]
            .with_user(self.sales_user)
            .search_count([("partner_id", "in", self.population.ids)])
        )

    def test_manager_sees_the_fit_parameters(self):
        fit = (
            self.env["crm.lifecycle.clv.fit"]
            .with_user(self.manager)
            .search([("company_id", "=", self.env.company.id)])
        )
        self.assertEqual(len(fit), 1)
        self.assertEqual(fit.state, "ok")
        self.assertGreater(fit.bgnbd_r, 0.0)
        self.assertGreater(fit.gg_q, 1.0)
        with self.assertRaises(AccessError):
            fit.write({"bgnbd_r": 1.0})
        with self.assertRaises(AccessError):
            self.env["crm.lifecycle.clv.fit"].with_user(self.manager).create(
                {"company_id": self.env.company.id, "date": TODAY, "state": "ok"}
            )

    def test_hand_written_scores_are_refused(self):
        partner = self.population[2].with_company(self.env.company)
        segment, churn = partner.rfm_segment, partner.churn_probability
        self.assertNotEqual(segment, "champions")
        self.assertGreater(churn, 0.0)
        with self.assertRaisesRegex(AccessError, "computed by Customer Lifecycle"):
            partner.with_user(self.manager).write(
                {"rfm_segment": "champions", "churn_probability": 0.0, "comment": "VIP"}
            )
        partner.invalidate_recordset()
        self.assertEqual(
            (partner.rfm_segment, partner.churn_probability), (segment, churn)
        )
        partner.with_user(self.manager).write({"comment": "VIP"})
        self.assertEqual(str(partner.comment), "<p>VIP</p>")
        # Demographics are ordinary data.
        partner.with_user(self.manager).write(
            {"birthdate": TODAY - timedelta(days=365 * 30 + 10), "gender": "female"}
        )
        self.assertEqual(partner.age_band, "25_34")

    def test_portal_and_public_see_nothing(self):
        public = self.env.ref("base.public_user").sudo()
        for user in (self.portal_user, public):
            for model in REPORTS:
                with self.assertRaises(
                    AccessError, msg=f"{user.sudo().login} on {model}"
                ):
                    self.env[model].with_user(user).search([])
        with self.assertRaises(AccessError):
            self.portal_user.partner_id.with_user(self.portal_user).read(
                ["rfm_segment"]
            )

    def test_reports_are_isolated_by_company(self):
        other_company = self.env["res.company"].create({"name": "Anatolia Foods AŞ"})
        other_manager = new_test_user(
            self.env,
            login="lc_other_retention_manager",
            groups="sales_team.group_sale_manager",
            company_id=other_company.id,
            company_ids=[Command.set(other_company.ids)],
        )
        for model in REPORTS:
            self.assertTrue(
                self.env[model].search_count(
                    [("company_id", "=", self.env.company.id)]
                ),
                model,
            )
            self.assertFalse(self.env[model].with_user(other_manager).search([]), model)
        # Scores are per company: the other company has none for our customers.
        self.assertFalse(
            self.env["res.partner"]
            .with_user(other_manager)
            .search_count(
                [("id", "in", self.population.ids), ("rfm_segment", "!=", False)]
            )
        )
