"""Tests of the pure-Python fit score (crm_lifecycle.lib.fit): no database."""

import numpy as np

from odoo.tests import TransactionCase, tagged

from odoo.addons.crm_lifecycle.lib import fit


def planted(n=400, seed=1):
    """Customers whose value depends on their industry only: industry 1
    is worth ten times industry 2; the country is noise."""
    rng = np.random.default_rng(seed)
    rows, values = [], []
    for _i in range(n):
        industry = 1 if rng.random() < 0.5 else 2
        rows.append([f"industry:{industry}", f"country:{rng.integers(1, 5)}"])
        values.append((1000 if industry == 1 else 100) * rng.random() + 1)
    return rows, values


@tagged("post_install", "-at_install")
class TestFitLib(TransactionCase):
    def test_best_customers_are_the_top_quintile_of_positive_values(self):
        values = [0, 0, *range(1, 11)]
        labels = fit.best_labels(values)
        self.assertEqual(list(np.flatnonzero(labels)), [10, 11])
        self.assertFalse(fit.best_labels([0, 0, 0]).any())

    def test_a_trait_the_best_customers_share_scores_higher_and_is_the_reason(self):
        rows, values = planted()
        result = fit.fit(rows, fit.best_labels(values))
        self.assertEqual(result.sample_size, 400)
        self.assertEqual(result.best_count, 80)
        self.assertGreater(result.auc, 0.75, "held out, the industry ranks well")
        self.assertGreater(result.coefficients["industry:1"], 1.0)
        self.assertLess(result.coefficients["industry:2"], -1.0)
        scores, reasons = fit.score_model(
            result.intercept,
            result.coefficients,
            [["industry:1", "country:2"], ["industry:2", "country:2"], ["unknown:9"]],
        )
        self.assertGreater(scores[0], 50)
        self.assertLess(scores[1], 10)
        self.assertTrue(all(0 <= score <= 100 for score in scores))
        self.assertEqual(reasons[0][0], "industry:1")
        self.assertNotIn("industry:2", reasons[1])
        self.assertEqual(reasons[2], [], "a token the model never saw weighs nothing")

    def test_no_model_below_thirty_best_customers(self):
        rows, values = planted(n=140)
        labels = fit.best_labels(values)
        self.assertEqual(labels.sum(), 28)
        with self.assertRaises(fit.InsufficientData):
            fit.fit(rows, labels)
        with self.assertRaises(fit.InsufficientData):
            fit.fit([["a:1"]] * 40, np.ones(40, dtype=bool))

    def test_criteria_score_the_share_of_the_weight_met(self):
        weights = {"industry:1": 60, "company_type:company": 30, "tag:4": 10}
        scores, reasons = fit.score_criteria(
            weights,
            [
                ["industry:1", "company_type:company", "tag:4"],
                ["industry:1", "company_type:person"],
                ["tag:4", "country:3"],
                [],
            ],
        )
        self.assertEqual(scores, [100, 60, 10, 0])
        self.assertEqual(reasons[0], ["industry:1", "company_type:company", "tag:4"])
        self.assertEqual(reasons[1], ["industry:1"])
        self.assertEqual(reasons[3], [])
        self.assertEqual(fit.score_criteria({}, [["industry:1"]])[0], [0])

    def test_reasons_are_the_three_largest_positive_contributions(self):
        coefficients = {"a:1": 0.5, "b:1": 2.0, "c:1": 1.0, "d:1": 0.1, "e:1": -3.0}
        _scores, reasons = fit.score_model(
            0.0, coefficients, [["a:1", "b:1", "c:1", "d:1", "e:1"]]
        )
        self.assertEqual(reasons, [["b:1", "c:1", "a:1"]])

    def test_tokens(self):
        self.assertEqual(fit.token("industry", 3), "industry:3")
        self.assertEqual(
            fit.split_token("company_type:person"), ("company_type", "person")
        )
        with self.assertRaises(ValueError):
            fit.token("shoe_size", 42)
