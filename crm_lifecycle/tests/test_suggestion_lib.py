"""Tests of the pure cross-sell functions (crm_lifecycle.lib.xsell): no
database."""

import numpy as np
from scipy import sparse

from odoo.tests import TransactionCase, tagged

from odoo.addons.crm_lifecycle.lib import xsell

P, A, B, C, D, E1, E2, E3, E4, E5 = range(10)
N_PRODUCTS = 10


def matrix(baskets):
    """0/1 incidence of a list of product lists, one per customer."""
    rows = [row for row, basket in enumerate(baskets) for _item in basket]
    cols = [item for basket in baskets for item in basket]
    return xsell.incidence(rows, cols, (len(baskets), N_PRODUCTS))


@tagged("post_install", "-at_install")
class TestSuggestionLib(TransactionCase):
    def setUp(self):
        super().setUp()
        # 10 customers buy A and B with the best seller P, 10 C and D with
        # P, 30 buy P with E1 to E5.
        self.baskets = (
            [[P, A, B]] * 10 + [[P, C, D]] * 10 + [[P, E1, E2, E3, E4, E5]] * 30
        )
        self.history = matrix(self.baskets)

    def test_incidence_counts_a_pair_once(self):
        m = xsell.incidence([0, 0, 1], [2, 2, 3], (2, 4))
        self.assertEqual(m.toarray().tolist(), [[0, 0, 1, 0], [0, 0, 0, 1]])

    def test_cosine_similarity(self):
        sim = xsell.item_similarity(self.history).toarray()
        self.assertEqual(sim.shape, (N_PRODUCTS, N_PRODUCTS))
        self.assertTrue(np.allclose(np.diag(sim), 0))
        self.assertTrue(np.allclose(sim, sim.T))
        self.assertAlmostEqual(sim[A, B], 1.0)
        # |P and A| / sqrt(|P| |A|) = 10 / sqrt(50 * 10)
        self.assertAlmostEqual(sim[P, A], 10 / np.sqrt(500))
        self.assertEqual(sim[A, C], 0)

    def test_bought_together_beats_the_best_seller(self):
        """A customer of P and A gets B first, because of A; the best
        seller E1 (30 customers) comes after it although B has only 10."""
        sim = xsell.prepare(xsell.item_similarity(self.history))
        counts = xsell.popularity(self.history)
        self.assertGreater(counts[E1], counts[B])
        result = xsell.recommend(matrix([[P, A]]), sim, fallback=counts)
        self.assertEqual(result.items[0, 0], B)
        self.assertEqual(result.because[0, 0], A)
        self.assertEqual(result.method[0, 0], xsell.COOCCURRENCE)
        self.assertNotIn(P, result.items[0])
        self.assertNotIn(A, result.items[0])
        self.assertTrue(np.all(np.diff(result.scores[0]) <= 0), "best first")

    def test_exclusions_and_unavailable_products(self):
        sim = xsell.prepare(xsell.item_similarity(self.history))
        excluded = sparse.csr_matrix(([1.0], ([0], [B])), shape=(1, N_PRODUCTS))
        allowed = np.ones(N_PRODUCTS, dtype=bool)
        allowed[E1] = False
        result = xsell.recommend(
            matrix([[P, A]]), sim, excluded=excluded, allowed=allowed
        )
        items = [item for item in result.items[0] if item >= 0]
        self.assertNotIn(B, items)
        self.assertNotIn(E1, items)
        self.assertEqual(len(items), 5)

    def test_fallback_completes_a_short_list(self):
        """A customer of A alone: B by co-occurrence, then best sellers."""
        sim = xsell.prepare(xsell.item_similarity(self.history))
        counts = xsell.popularity(self.history)
        result = xsell.recommend(matrix([[A]]), sim, fallback=counts)
        self.assertEqual(result.items[0, 0], B)
        methods = list(result.method[0])
        self.assertEqual(methods[0], xsell.COOCCURRENCE)
        self.assertEqual(methods[-1], xsell.POPULAR)
        items = list(result.items[0])
        self.assertEqual(len(set(items)), 5)
        self.assertNotIn(A, items)
        # Without a fallback the list stays short, with empty slots.
        bare = xsell.recommend(matrix([[A]]), sim)
        self.assertIn(-1, bare.items[0])

    def test_popular_and_sparse_similarity_agree(self):
        sim = xsell.item_similarity(self.history)
        dense = xsell.recommend(matrix([[P, C]]), xsell.prepare(sim))
        sparse_sim = sparse.csr_matrix(sim)
        sparse_sim.sort_indices()
        sparse_result = xsell.recommend(matrix([[P, C]]), sparse_sim)
        self.assertEqual(dense.items[0, 0], D)
        self.assertEqual(sparse_result.items[0, 0], D)
        self.assertTrue(np.allclose(dense.scores, sparse_result.scores))
        popular = xsell.recommend_popular(
            xsell.popularity(self.history), matrix([[P, E1]])
        )
        self.assertEqual(popular.items[0, 0], E2)
        self.assertNotIn(P, popular.items[0])

    def test_hit_rate_beats_popularity_on_the_planted_pattern(self):
        """Held out: the last purchase. Half the A customers bought B then
        C (so A and B are seen together), half stopped at B: those are
        found by co-occurrence, never by the five best sellers E1-E5."""
        before = [[P, A, B]] * 10 + [[P, A]] * 10 + [[P, E1, E2, E3, E4, E5]] * 30
        last = [[C]] * 10 + [[B]] * 10 + [[]] * 30
        sample, hits, baseline = xsell.hit_rate(matrix(before), matrix(last))
        self.assertEqual(sample, 20)
        self.assertEqual(hits, 10)
        self.assertEqual(baseline, 0)

    def test_hit_rate_ignores_repeat_purchases_and_first_buyers(self):
        before = [[A], [], [A, B]]
        last = [[A], [B], [A, B]]
        self.assertEqual(xsell.hit_rate(matrix(before), matrix(last)), (0, 0, 0))

    def test_memory_is_bounded_by_the_block(self):
        """Scores are made a block of customers at a time: 5,000 customers
        of 2,000 products, by blocks of 1,000."""
        rng = np.random.default_rng(3)
        n, p = 5000, 2000
        rows = rng.integers(0, n, 40000)
        cols = rng.integers(0, p, 40000)
        history = xsell.incidence(rows, cols, (n, p))
        sim = xsell.item_similarity(history)
        self.assertTrue(sparse.issparse(sim))
        self.assertEqual(sim.shape, (p, p))
        prepared = xsell.prepare(sim)
        counts = xsell.popularity(history)
        for start in range(0, n, xsell.BLOCK):
            block = history[start : start + xsell.BLOCK]
            result = xsell.recommend(block, prepared, fallback=counts)
            self.assertEqual(result.items.shape, (block.shape[0], xsell.TOP_K))
            bought = block.toarray() > 0
            picked = result.items
            valid = picked >= 0
            self.assertFalse(bought[np.nonzero(valid)[0], picked[valid]].any())
