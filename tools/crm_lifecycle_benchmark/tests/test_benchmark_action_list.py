from odoo.tests import tagged

from odoo.addons.crm_lifecycle_benchmark.benchmark import measures

from .common_benchmark import BenchmarkCommon


@tagged("post_install", "-at_install")
class TestBenchmarkActionList(BenchmarkCommon):
    """The measure of the list of customers to act on, at a tiny scale: it
    reads the pages the list view asks for, and counts what they hold."""

    def test_pages_of_the_list_are_measured(self):
        self.env["res.partner"]._retention_recompute_all()
        env = self.env(user=self.env.ref("base.user_admin"))
        result = measures.action_list_pages(env, repeat=1)
        Item = env["crm.lifecycle.action.item"]
        self.assertEqual(result["all"]["count"], Item.search_count([]))
        self.assertIn("complaint", result["all"]["reasons"])
        self.assertIn("installment", result["all"]["reasons"])
        self.assertEqual(sum(result["all"]["reasons"].values()), result["all"]["count"])
        mine = ["|", ("user_id", "=", env.uid), ("assignee_id", "=", env.uid)]
        self.assertEqual(result["mine"]["count"], Item.search_count(mine))
        self.assertGreater(result["mine"]["count"], 0)
        self.assertGreaterEqual(result["all"]["ms"], 0.0)
        # The page the list shows first: the most valuable customers.
        values = [item.clv_predicted or 0.0 for item in Item.search([], limit=80)]
        self.assertEqual(values, sorted(values, reverse=True))
