from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.crm_lifecycle.lib.fit import MIN_BEST

from .common_fit import CrmLifecycleFitCommon


@tagged("post_install", "-at_install")
class TestFitScore(CrmLifecycleFitCommon):
    """Known answers: the best customers are all in banking, so banking
    prospects score higher and banking is their reason; below 30 best
    customers the managers' criteria score; each company its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.best, cls.banking_others, cls.retail_others = cls._customer_base()
        cls.prospect_bank = cls._partners(
            1, "Prospect Bank", "selection", industry_id=cls.banking.id
        )
        cls.prospect_shop = cls._partners(
            1, "Prospect Shop", "selection", industry_id=cls.retail.id
        )
        cls.company_2 = cls.setup_other_company(name="Fit Company Two")["company"]

    def _fit_model(self, company=None):
        return self.Fit._active_fit(company or self.env.company)

    def test_best_customers_sharing_a_trait_make_prospects_with_it_score_higher(self):
        self.env["res.partner"]._lifecycle_fit_all()
        model = self._fit_model()
        self.assertEqual(model.method, "model")
        self.assertGreaterEqual(model.sample_size, 200)
        self.assertGreaterEqual(model.best_count, 40)
        self.assertTrue(model.auc_measured)
        self.assertGreater(model.auc, 0.7)
        self.assertIn("Fit Banking", model.coefficient_text)
        bank_score, bank_method, bank_reasons = self._score(self.prospect_bank)
        shop_score, shop_method, shop_reasons = self._score(self.prospect_shop)
        self.assertEqual((bank_method, shop_method), ("model", "model"))
        self.assertGreater(bank_score, shop_score + 30)
        self.assertIn("Industry: Fit Banking", bank_reasons)
        self.assertNotIn("Fit Banking", shop_reasons)
        self.assertNotIn("Fit Retail", shop_reasons, "a negative trait is no reason")
        # The customers are scored too, the best ones high.
        self.assertGreater(self._score(self.best[0])[0], 50)
        # One active model per company; the earlier one is kept, archived.
        self.env["res.partner"]._lifecycle_fit_all()
        Model = self.env["crm.lifecycle.fit.model"]
        domain = [("company_id", "=", self.env.company.id)]
        self.assertEqual(Model.search_count(domain), 1)
        self.assertEqual(Model.with_context(active_test=False).search_count(domain), 2)

    def test_new_prospect_and_changed_traits_are_scored_through_the_queue(self):
        self.env["res.partner"]._lifecycle_fit_all()
        partner = self.env["res.partner"].create(
            {"name": "Late Bank", "is_company": True, "industry_id": self.banking.id}
        )
        self._opportunity(partner)
        self._flush_events()
        self.assertEqual(partner.lifecycle_phase, "acquisition")
        score, method, reasons = self._score(partner)
        self.assertEqual(method, "model")
        self.assertGreater(score, 50)
        self.assertIn("Fit Banking", reasons)
        partner.industry_id = self.retail
        self._flush_events()
        lower, method, reasons = self._score(partner)
        self.assertLess(lower, score - 30)
        self.assertNotIn("Fit Banking", reasons)

    def test_traits_come_from_deals_tags_and_the_first_purchase(self):
        source = self.env["utm.source"].create({"name": "Fit Fair"})
        medium = self.env["utm.medium"].create({"name": "Fit Booth"})
        tag = self.env["res.partner.category"].create({"name": "Fit Tag"})
        partner = self.env["res.partner"].create(
            {
                "name": "Traitful",
                "is_company": True,
                "country_id": self.env.ref("base.tr").id,
                "state_id": self.env.ref("base.state_tr_34").id,
                "category_id": [(6, 0, tag.ids)],
            }
        )
        lead = self._opportunity(partner, source_id=source.id, medium_id=medium.id)
        self.init_invoice(
            "out_invoice", partner=partner, products=self.product_hw, post=True
        )
        # A later purchase of another category is not the first one.
        self.init_invoice(
            "out_invoice", partner=partner, products=self.product_srv, post=True
        )
        self._flush_events()
        traits = set(self.Fit._fit_traits(self.env.company, partner.ids)[partner.id])
        expected = {
            "company_type:company",
            f"country:{self.env.ref('base.tr').id}",
            f"state:{self.env.ref('base.state_tr_34').id}",
            f"source:{source.id}",
            f"medium:{medium.id}",
            f"tag:{tag.id}",
            f"category:{self.categ_hardware.id}",
        }
        if lead.team_id:
            expected.add(f"team:{lead.team_id.id}")
        self.assertEqual(traits, expected)

    def test_below_thirty_best_customers_the_criteria_score(self):
        company = self.company_2
        self._set_values(
            {partner: 100.0 + i for i, partner in enumerate(self.best[:20])}, company
        )
        self.env["res.partner"]._lifecycle_fit_all()
        model = self._fit_model(company)
        self.assertEqual(model.method, "criteria")
        self.assertEqual(model.sample_size, 20)
        self.assertLess(model.best_count, MIN_BEST)
        self.assertIn("30", model.message)
        # No criteria yet: no score, and none pretends to be one.
        self.assertEqual(self._score(self.prospect_bank, company), (0, False, ""))
        nobody = self._partners(
            1, "Nobody", "selection", industry_id=self.retail.id, is_company=False
        )
        self._criterion("industry", self.banking, 80, company)
        self._criterion("company_type", "company", 20, company)
        self._criterion("industry", self.retail, 0, company)
        self.env["res.partner"]._lifecycle_fit_all()
        self.assertEqual(self._score(nobody, company)[:2], (0, "criteria"))
        # Best fit first, a score of 0 last (it is stored as no value).
        prospects = self.prospect_bank | self.prospect_shop | nobody
        Partner = self.env["res.partner"].with_company(company)
        for order, expected in (
            ("lifecycle_fit_score desc, id", prospects),
            (
                "lifecycle_fit_score asc, id",
                nobody | self.prospect_shop | self.prospect_bank,
            ),
        ):
            with self.subTest(order=order):
                found = Partner.search([("id", "in", prospects.ids)], order=order)
                self.assertEqual(found.ids, expected.ids)
        score, method, reasons = self._score(self.prospect_bank, company)
        self.assertEqual((score, method), (100, "criteria"))
        self.assertIn("Industry: Fit Banking", reasons)
        self.assertIn("Company or Individual: Company", reasons)
        self.assertEqual(self._score(self.prospect_shop, company)[:2], (20, "criteria"))
        # Multi-company: the main company's score is its model's.
        self.assertEqual(self._score(self.prospect_bank)[1], "model")
        # The main company's criteria are not the second company's.
        self.assertFalse(
            self.Fit._criteria_weights(self.env.company),
            "criteria of another company never score here",
        )

    def _run_job(self):
        calls = 0
        while self.env["res.partner"]._cron_lifecycle_fit():
            calls += 1
            self.assertLess(calls, 20, "the job ends")
        return calls

    def test_job_refits_each_company_once_per_interval_and_keeps_a_failed_one(self):
        self.addCleanup(self.env["crm.lifecycle.batch"]._batch_forget_failures, "fit")
        # Every company, those the test user is not in included.
        Model = self.env["crm.lifecycle.fit.model"].sudo()
        companies = self.env["res.company"].sudo().search([])
        today = fields.Date.context_today(self.env.user)
        self._run_job()
        self.assertEqual(Model.search([]).company_id, companies)
        self.assertEqual(len(Model.search([])), len(companies), "one each")
        self.assertEqual(set(Model.search([]).mapped("date")), {today})
        # Within the interval: nothing to do.
        self.assertEqual(self.env["res.partner"]._cron_lifecycle_fit(), 0)
        self.assertEqual(len(Model.search([])), len(companies))
        before = self._fit_model(self.company_2)
        Fit = self.registry["crm.lifecycle.fit"]
        original = Fit._fit_company

        def fit_company(fit, company, today=None):
            if company == self.company_2:
                raise ValueError("a broken company")
            return original(fit, company, today)

        later = today + timedelta(days=8)
        with (
            freeze_time(later),
            patch.object(Fit, "_fit_company", fit_company),
            self.assertLogs(
                "odoo.addons.crm_lifecycle.models.crm_lifecycle_fit", "ERROR"
            ) as logs,
        ):
            self._run_job()
        self.assertIn("a broken company", "\n".join(logs.output))
        # The others are refitted; the failed one keeps its model, active.
        self.assertEqual(self._fit_model(self.company_2), before)
        self.assertEqual(self._fit_model().date, later)

    def test_a_weight_out_of_bounds_or_an_unknown_trait_is_refused(self):
        Criterion = self.env["crm.lifecycle.fit.criterion"].with_user(self.manager)
        criterion = Criterion.create(
            {
                "trait_type": "industry",
                "value_ref": f"res.partner.industry,{self.banking.id}",
                "weight": 40,
            }
        )
        bad = [
            ({"weight": 101}, "between 0 and 100"),
            ({"weight": -1}, "between 0 and 100"),
            ({"trait_type": "shoe_size"}, "Unknown trait"),
            ({"value_ref": f"res.country,{self.env.ref('base.tr').id}"}, "must be"),
            ({"value_ref": "not a reference"}, "not a trait value"),
            ({"value_ref": "res.partner.industry,999999999"}, "not a trait value"),
            (
                {"trait_type": "company_type", "value_ref": False},
                "Company or Individual",
            ),
        ]
        for vals, message in bad:
            with self.subTest(vals=vals):
                with self.assertRaisesRegex(ValidationError, message):
                    with self.env.cr.savepoint():
                        Criterion.create(
                            {
                                "trait_type": "industry",
                                "value_ref": f"res.partner.industry,{self.retail.id}",
                                "weight": 10,
                                **vals,
                            }
                        )
                with self.assertRaisesRegex(ValidationError, message):
                    with self.env.cr.savepoint():
                        criterion.write(vals)
                criterion.invalidate_recordset()
                self.assertEqual(
                    (criterion.trait_type, criterion.value_ref, criterion.weight),
                    ("industry", self.banking, 40),
                )
        self.assertEqual(Criterion.search_count([]), 1, "nothing else saved")
