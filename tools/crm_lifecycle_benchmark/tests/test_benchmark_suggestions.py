from odoo.tests import tagged

from odoo.addons.crm_lifecycle_benchmark.benchmark import data, measures

from .common_benchmark import BenchmarkCommon


@tagged("post_install", "-at_install")
class TestBenchmarkSuggestions(BenchmarkCommon):
    """The cross-sell measure on tiny data: the bench catalogue spreads the
    invoice lines over families of products, and every bench customer gets
    suggestions it has not bought."""

    def test_catalogue_made_once_and_suggestions_measured(self):
        self.assertEqual(data.build_products(self.env, count=40), 40)
        self.assertEqual(data.build_products(self.env, count=40), 0)
        self.env.cr.execute(
            "SELECT COUNT(DISTINCT l.product_id) FROM account_move_line l"
            " JOIN product_product p ON p.id = l.product_id"
            " WHERE p.default_code LIKE 'BENCH-P-%%'"
        )
        self.assertGreater(self.env.cr.fetchone()[0], 10)
        self.assertFalse(data.check_consistency(self.env.cr))
        result = measures.suggestions(self.env)
        self.assertGreaterEqual(result["customers"], len(self.customers))
        self.assertGreater(result["cooccurrence_rows"], 0)
        self.assertGreater(result["sample"], 0)
        self.assertGreaterEqual(result["seconds"], 0)
        self.env.cr.execute(
            """
            SELECT COUNT(*) FROM crm_lifecycle_suggestion s
             WHERE EXISTS (
                SELECT 1 FROM account_move m
                  JOIN account_move_line l ON l.move_id = m.id
                 WHERE m.commercial_partner_id = s.partner_id
                   AND m.state = 'posted'
                   AND l.product_id = s.product_id)
            """
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0, "never what was bought")
