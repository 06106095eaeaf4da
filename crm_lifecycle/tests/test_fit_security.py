from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from . import test_trust_rpc as trust
from .common_fit import CrmLifecycleFitCommon


@tagged("post_install", "-at_install")
class TestFitSecurity(CrmLifecycleFitCommon, HttpCase):
    """Sales users see the scores of their customers, managers the models
    and criteria of their companies, the portal nothing; no client writes a
    score, over RPC or by a default; a bad criterion over RPC saves
    nothing."""

    _call = trust.TestTrustRpc._call
    _assert_refused = trust.TestTrustRpc._assert_refused

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.setup_other_company(name="Fit Security Two")["company"]
        cls.prospect = cls._partners(
            1, "Secure Bank", "selection", industry_id=cls.banking.id
        )
        Criterion = cls.env["crm.lifecycle.fit.criterion"]
        for company in (cls.env.company, cls.company_2):
            Criterion.create(
                {
                    "trait_type": "industry",
                    "value_ref": f"res.partner.industry,{cls.banking.id}",
                    "weight": 70,
                    "company_id": company.id,
                }
            )
        cls.env["res.partner"]._lifecycle_fit_all()
        cls.env.cr.flush()

    def test_who_sees_what(self):
        prospect = self.prospect.with_user(self.sales_user)
        self.assertEqual(prospect.lifecycle_fit_score, 100)
        self.assertIn("Fit Banking", prospect.lifecycle_fit_reasons)
        for model in ("crm.lifecycle.fit.model", "crm.lifecycle.fit.criterion"):
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.sales_user).search([])
        with self.assertRaises(AccessError):
            self.env["crm.lifecycle.fit.criterion"].with_user(self.sales_user).create(
                {"trait_type": "company_type", "company_type": "person", "weight": 5}
            )
        for model in ("crm.lifecycle.fit.model", "crm.lifecycle.fit.criterion"):
            with (
                self.subTest(model=model, user="portal"),
                self.assertRaises(AccessError),
            ):
                self.env[model].with_user(self.portal_user).search([])
        with self.assertRaises(AccessError):
            self.prospect.with_user(self.portal_user).read(["lifecycle_fit_score"])
        # Managers: their company's model and criteria only.
        for model in ("crm.lifecycle.fit.model", "crm.lifecycle.fit.criterion"):
            with self.subTest(model=model, user="manager"):
                records = self.env[model].with_user(self.manager).search([])
                self.assertTrue(records)
                self.assertEqual(records.company_id, self.env.company)

    def test_scores_cannot_be_written_over_rpc(self):
        for name, value in (
            ("lifecycle_fit_score", 3),
            ("lifecycle_fit_method", "model"),
            ("lifecycle_fit_reason_keys", "industry:1"),
        ):
            with self.subTest(field=name):
                refused = self._assert_refused(
                    "AccessError",
                    "lc_manager",
                    "res.partner",
                    "write",
                    [self.prospect.ids, {name: value}],
                    context={"crm_lifecycle_engine": True},
                )
                self.assertIn("computed by Customer Lifecycle", refused.message)
        self._assert_refused(
            "AccessError",
            "lc_salesman",
            "res.partner",
            "create",
            [{"name": "Forged Fit"}],
            context={"default_lifecycle_fit_score": 99},
        )
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Forged Fit")]))
        self.assertEqual(self._score(self.prospect)[:2], (100, "criteria"))

    def test_bad_criterion_over_rpc_saves_nothing(self):
        before = self.env["crm.lifecycle.fit.criterion"].search_count([])
        for vals in (
            {"trait_type": "industry", "weight": 250},
            {"trait_type": "shoe_size", "weight": 10},
        ):
            with self.subTest(vals=vals):
                refused = self._assert_refused(
                    "ValidationError",
                    "lc_manager",
                    "crm.lifecycle.fit.criterion",
                    "create",
                    [
                        {
                            "value_ref": f"res.partner.industry,{self.retail.id}",
                            **vals,
                        }
                    ],
                )
                self.assertTrue(refused.message)
        self.assertEqual(
            self.env["crm.lifecycle.fit.criterion"].search_count([]), before
        )


@tagged("post_install", "-at_install")
class TestFitTour(CrmLifecycleFitCommon, HttpCase):
    def test_sales_user_opens_prospects_sorted_by_fit(self):
        self._partners(1, "Corner Shop", "selection", industry_id=self.retail.id)
        top = self._partners(
            1, "Hilltop Bank", "acquisition", industry_id=self.banking.id
        )
        self._criterion("industry", self.banking, 90)
        self.env["res.partner"]._lifecycle_fit_all()
        self.assertEqual(self._score(top)[:2], (100, "criteria"))
        self.start_tour(
            "/odoo/action-crm_lifecycle.res_partner_action_crm_lifecycle_fit",
            "crm_lifecycle_fit_tour",
            login="lc_salesman",
        )
