from odoo.tests import tagged

from odoo.addons.crm_lifecycle_benchmark.benchmark import measures

from .common_benchmark import BenchmarkCommon


@tagged("post_install", "-at_install")
class TestBenchmarkFit(BenchmarkCommon):
    """The fit score measure at a tiny scale: every customer of the bench
    data scored, by the criteria since 40 customers make fewer than 30 best
    ones, and the model's sample reported."""

    def test_fit_measure_scores_every_customer(self):
        env = self.env(context={"tracking_disable": True})
        env["res.partner"]._lifecycle_recompute_all()
        env["res.partner"]._retention_recompute_all()
        self.env["crm.lifecycle.fit.criterion"].create(
            {"trait_type": "company_type", "company_type": "company", "weight": 50}
        )
        result = measures.measure_fit(env)
        self.assertGreaterEqual(result["seconds"], 0)
        self.assertEqual(result["method"], "criteria")
        self.assertGreater(result["sample"], 0)
        self.assertLess(result["best"], 30)
        self.assertIsNone(result["auc"])
        phased = self.customers.filtered("lifecycle_phase")
        self.assertTrue(phased)
        self.assertGreaterEqual(result["scored"], len(phased))
        customers = phased.with_company(self.env.company)
        self.assertTrue(
            all(
                method == "criteria"
                for method in customers.mapped("lifecycle_fit_method")
            )
        )
