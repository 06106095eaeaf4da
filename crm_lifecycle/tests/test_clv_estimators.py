"""Tests of the pure-Python CLV estimators (crm_lifecycle.lib.clv).

They never touch the database. The published figures come from the CDNOW
sample of Fader, Hardie & Lee (2,357 customers, weeks), read from the copy
the ``lifetimes`` package ships (requirements.txt); lifetimes itself is not
imported, only its CSV file is read.
"""

import csv
import datetime
import functools
import importlib.util
import os

import numpy as np

from odoo.tests import TransactionCase, tagged

from odoo.addons.crm_lifecycle.lib import clv

CDNOW_FILE = "cdnow_customers_summary_with_transactions.csv"

# Fader, Hardie & Lee (2005), "Counting your customers the easy way", CDNOW.
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
# Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves", CDNOW;
# v is the paper's gamma.
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.44}


@functools.cache
def _cdnow():
    """CDNOW summary as arrays: frequency (x), recency (t_x), T and
    monetary_value (zbar, the mean repeat-purchase value)."""
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        raise AssertionError(
            "the CDNOW sample comes from the PyPI package lifetimes: "
            "pip install -r requirements.txt"
        )
    path = os.path.join(spec.submodule_search_locations[0], "datasets", CDNOW_FILE)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {
        name: np.array([float(row[column]) for row in rows])
        for name, column in (
            ("frequency", "x"),
            ("recency", "t_x"),
            ("T", "T"),
            ("monetary_value", "zbar"),
        )
    }


def _hyp2f1_series(a, b, c, z):
    """Gauss hypergeometric function by its power series (|z| < 1), written
    independently of scipy to check the closed forms."""
    total, term, j = 1.0, 1.0, 0
    while abs(term) > 1e-17 * abs(total):
        term *= (a + j) * (b + j) / ((c + j) * (j + 1)) * z
        total += term
        j += 1
    return total


@tagged("post_install", "-at_install")
class TestClvEstimators(TransactionCase):
    def assertRelativelyClose(self, actual, expected, rel, msg=None):
        self.assertLessEqual(
            abs(actual - expected),
            rel * abs(expected),
            msg or f"{actual} differs from {expected} by more than {rel:.0%}",
        )

    def _fit_cdnow(self):
        data = _cdnow()
        bg = clv.fit_bgnbd(data["frequency"], data["recency"], data["T"])
        gg = clv.fit_gamma_gamma(data["frequency"], data["monetary_value"])
        return data, bg, gg

    # ------------------------------------------------------------------
    # Published CDNOW figures
    # ------------------------------------------------------------------

    def test_bgnbd_matches_published_cdnow_figures(self):
        data, bg, _gg = self._fit_cdnow()
        self.assertEqual(len(data["frequency"]), 2357)
        self.assertEqual(bg.n, 2357)
        for name, published in PUBLISHED_BGNBD.items():
            self.assertRelativelyClose(
                getattr(bg, name), published, 0.01, f"BG/NBD {name}"
            )
        # The paper's log-likelihood at the estimate is -9582.4.
        self.assertAlmostEqual(bg.log_likelihood, -9582.4, delta=0.1)

    def test_gamma_gamma_matches_published_cdnow_figures(self):
        data, _bg, gg = self._fit_cdnow()
        # Only the 946 customers with repeat purchases carry spend data.
        self.assertEqual(gg.n, 946)
        self.assertEqual(int(np.sum(data["frequency"] > 0)), 946)
        for name, published in PUBLISHED_GAMMA_GAMMA.items():
            self.assertRelativelyClose(
                getattr(gg, name), published, 0.01, f"Gamma-Gamma {name}"
            )

    def test_fits_are_deterministic(self):
        _data, bg_1, gg_1 = self._fit_cdnow()
        _data, bg_2, gg_2 = self._fit_cdnow()
        # Exact equality: fixed start, no randomness.
        self.assertEqual(bg_1, bg_2)
        self.assertEqual(gg_1, gg_2)

    def test_weights_compress_identical_customers(self):
        data = _cdnow()
        rows = np.column_stack([data["frequency"], data["recency"], data["T"]])
        unique, counts = np.unique(rows, axis=0, return_counts=True)
        self.assertLess(len(unique), len(rows))
        compressed = clv.fit_bgnbd(*unique.T, weights=counts)
        full = clv.fit_bgnbd(data["frequency"], data["recency"], data["T"])
        self.assertEqual(compressed.n, full.n)
        for name in ("r", "alpha", "a", "b", "log_likelihood"):
            self.assertRelativelyClose(
                getattr(compressed, name), getattr(full, name), 1e-6, name
            )

    # ------------------------------------------------------------------
    # Predictions against the closed forms
    # ------------------------------------------------------------------

    def test_probability_alive(self):
        data, bg, _gg = self._fit_cdnow()
        p_alive = clv.bgnbd_probability_alive(
            bg, data["frequency"], data["recency"], data["T"]
        )
        # BG/NBD customers can only drop out right after a purchase: without
        # repeat purchase P(alive) = 1 / (1 + 0) = 1, exactly.
        zero = data["frequency"] == 0
        self.assertTrue(zero.any())
        self.assertTrue(np.all(p_alive[zero] == 1.0))
        self.assertTrue(np.all((p_alive[~zero] > 0) & (p_alive[~zero] < 1)))
        # Customer 1 of CDNOW: x = 2, t_x = 30.43, T = 38.86.
        params = clv.BGNBDParams(**PUBLISHED_BGNBD, n=0, log_likelihood=0.0)
        r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
        x, t_x, T = 2, 30.43, 38.86
        expected = 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))
        (actual,) = clv.bgnbd_probability_alive(params, x, t_x, T)
        self.assertAlmostEqual(actual, expected, delta=1e-12)

    def test_expected_purchases_against_closed_form(self):
        params = clv.BGNBDParams(**PUBLISHED_BGNBD, n=0, log_likelihood=0.0)
        r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
        t = 39.0
        customers = [(2, 30.43, 38.86), (0, 0.0, 38.86), (14, 35.0, 36.0)]
        for x, t_x, T in customers:
            # Eq. 10 of the BG/NBD paper written out term by term.
            hyp = _hyp2f1_series(r + x, b + x, a + b + x - 1, t / (alpha + T + t))
            numerator = (a + b + x - 1) / (a - 1)
            numerator *= 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp
            denominator = 1 + (x > 0) * a / (b + x - 1) * (
                (alpha + T) / (alpha + t_x)
            ) ** (r + x)
            expected = numerator / denominator
            (actual,) = clv.bgnbd_expected_purchases(params, t, x, t_x, T)
            self.assertRelativelyClose(actual, expected, 1e-9, f"customer {x}")
        # Customer 1 of CDNOW expects about 1.226 purchases in 39 weeks
        # (lifetimes 0.11.3 gives 1.2259 at its own CDNOW fit).
        (actual,) = clv.bgnbd_expected_purchases(params, t, 2, 30.43, 38.86)
        self.assertAlmostEqual(actual, 1.226, delta=0.001)
        # Nothing is expected in no time; more in more time.
        horizons = clv.bgnbd_expected_purchases(
            params, [0.0, 10.0, 52.0], [2, 2, 2], [30.43] * 3, [38.86] * 3
        )
        self.assertEqual(horizons[0], 0.0)
        self.assertLess(horizons[1], horizons[2])

    def test_expected_purchases_when_hypergeometric_term_is_negative(self):
        # a + b < 1 makes c = a + b - 1 negative for customers without repeat
        # purchases: 2F1 is then negative and has no logarithm.
        params = clv.BGNBDParams(
            r=6.5316, alpha=897.67, a=1.39e-11, b=0.00182, n=100, log_likelihood=0.0
        )
        expected = clv.bgnbd_expected_purchases(params, 365, [0, 0], [0, 0], [50, 300])
        self.assertTrue(np.all(np.isfinite(expected)))
        # Eq. 10 by hand (P(alive) is 1 without repeat purchases).
        from scipy import special

        for value, T in zip(expected, (50, 300), strict=True):
            alpha_t = params.alpha + T
            h_c = params.a + params.b - 1.0
            hyp = special.hyp2f1(params.r, params.b, h_c, 365 / (alpha_t + 365))
            self.assertLess(hyp, 0)
            by_hand = (
                h_c
                / (params.a - 1.0)
                * (1.0 - (alpha_t / (alpha_t + 365)) ** params.r * hyp)
            )
            self.assertAlmostEqual(value, by_hand, places=9)

    def test_gamma_gamma_expected_spend(self):
        params = clv.GammaGammaParams(**PUBLISHED_GAMMA_GAMMA, n=0, log_likelihood=0.0)
        p, q, v = 6.25, 3.74, 15.44
        spend = clv.gamma_gamma_expected_spend(params, [0, 2, 50], [0.0, 22.35, 22.35])
        population_mean = p * v / (q - 1)
        self.assertAlmostEqual(spend[0], population_mean, delta=1e-9)
        weight = p * 2 / (p * 2 + q - 1)
        self.assertAlmostEqual(
            spend[1], (1 - weight) * population_mean + weight * 22.35, delta=1e-9
        )
        # Many repeat purchases: the customer's own mean dominates.
        self.assertLess(abs(spend[2] - 22.35), abs(spend[1] - 22.35))

    def test_customer_lifetime_value(self):
        data, bg, gg = self._fit_cdnow()
        first = {name: values[:1] for name, values in data.items()}
        args = (
            bg,
            gg,
            first["frequency"],
            first["recency"],
            first["T"],
            first["monetary_value"],
        )
        # lifetimes 0.11.3 GammaGammaFitter.customer_lifetime_value(time=12,
        # discount_rate=0.01, freq="W") on its own CDNOW fit gives 36.2785
        # for customer 1; it counts 4.345 weeks a month, 30 / 4.345 days a
        # week in our terms.
        (value,) = clv.customer_lifetime_value(*args, time_unit_days=30 / 4.345)
        self.assertRelativelyClose(value, 36.2785, 1e-4)
        # One undiscounted month: expected purchases in 30 days times spend.
        (one_month,) = clv.customer_lifetime_value(
            *args, horizon_months=1, monthly_discount_rate=0.0
        )
        (purchases,) = clv.bgnbd_expected_purchases(
            bg, 30 / 7, first["frequency"], first["recency"], first["T"]
        )
        (spend,) = clv.gamma_gamma_expected_spend(
            gg, first["frequency"], first["monetary_value"]
        )
        self.assertAlmostEqual(one_month, purchases * spend, delta=1e-9)
        # Discounting lowers the value, a longer horizon raises it.
        (discounted,) = clv.customer_lifetime_value(*args)
        (undiscounted,) = clv.customer_lifetime_value(*args, monthly_discount_rate=0.0)
        (longer,) = clv.customer_lifetime_value(*args, horizon_months=24)
        self.assertLess(discounted, undiscounted)
        self.assertLess(discounted, longer)
        everyone = clv.customer_lifetime_value(
            bg,
            gg,
            data["frequency"],
            data["recency"],
            data["T"],
            data["monetary_value"],
        )
        self.assertEqual(everyone.shape, (2357,))
        self.assertTrue(np.all(everyone > 0))

    # ------------------------------------------------------------------
    # Transactions to summary
    # ------------------------------------------------------------------

    def test_summarise_transactions(self):
        day = datetime.date
        rows = [
            ("C", day(2024, 2, 1), 20.0),
            ("A", day(2024, 1, 15), 30.0),
            ("B", day(2024, 3, 3), 80.0),
            # Two purchases on one day count as one of 150.
            ("A", day(2024, 1, 1), 100.0),
            ("A", day(2024, 1, 1), 50.0),
            # A datetime counts for its day.
            ("A", datetime.datetime(2024, 1, 29, 18, 30), 60),
            ("C", day(2024, 2, 1), 10.0),
            # After the end of observation: ignored, D disappears.
            ("C", day(2024, 4, 15), 500.0),
            ("D", day(2024, 4, 1), 70.0),
        ]
        end = day(2024, 3, 31)
        summary = clv.summarise_transactions(rows, end)
        self.assertEqual(summary.customer_keys, ("A", "B", "C"))
        # A: days Jan 1, 15, 29; B: Mar 3 only; C: Feb 1 only.
        self.assertEqual(summary.frequency.tolist(), [2.0, 0.0, 0.0])
        self.assertEqual(summary.recency.tolist(), [28 / 7, 0.0, 0.0])
        # Jan 1 -> Mar 31 2024 is 90 days, Mar 3 -> 28, Feb 1 -> 59.
        self.assertEqual(summary.T.tolist(), [90 / 7, 28 / 7, 59 / 7])
        # Mean of the repeat purchases only: (30 + 60) / 2.
        self.assertEqual(summary.monetary_value.tolist(), [45.0, 0.0, 0.0])

        in_days = clv.summarise_transactions(rows, end, time_unit_days=1)
        self.assertEqual(in_days.recency.tolist(), [28.0, 0.0, 0.0])
        self.assertEqual(in_days.T.tolist(), [90.0, 28.0, 59.0])

        empty = clv.summarise_transactions([], end)
        self.assertEqual(empty.customer_keys, ())
        self.assertEqual(len(empty.frequency), 0)

    # ------------------------------------------------------------------
    # Bad input
    # ------------------------------------------------------------------

    def test_bad_input_raises(self):
        data = _cdnow()
        x, t_x, T, m = (
            data["frequency"],
            data["recency"],
            data["T"],
            data["monetary_value"],
        )
        params = clv.BGNBDParams(**PUBLISHED_BGNBD, n=0, log_likelihood=0.0)
        negative = x.copy()
        negative[0] = -1
        cases = {
            "negative frequency": lambda: clv.fit_bgnbd(negative, t_x, T),
            "fractional frequency": lambda: clv.fit_bgnbd(x + 0.5, t_x, T),
            "negative recency": lambda: clv.fit_bgnbd(x, -t_x, T),
            "recency > T": lambda: clv.fit_bgnbd(x, t_x, t_x / 2),
            "recency without repeat": lambda: clv.fit_bgnbd(x, t_x + 0.1, T + 1),
            "NaN": lambda: clv.fit_bgnbd(x, t_x, np.where(x > 5, np.nan, T)),
            "mismatched lengths": lambda: clv.fit_bgnbd(x, t_x[:-1], T),
            "two-dimensional": lambda: clv.fit_bgnbd(x.reshape(-1, 1), t_x, T),
            "text": lambda: clv.fit_bgnbd(["a"] * len(x), t_x, T),
            "negative weights": lambda: clv.fit_bgnbd(x, t_x, T, weights=-x),
            "negative penalizer": lambda: clv.fit_bgnbd(x, t_x, T, penalizer=-1),
            "no repeat purchase": lambda: clv.fit_bgnbd(x * 0, t_x * 0, T),
            "negative spend": lambda: clv.fit_gamma_gamma(x, -m),
            "zero spend with repeats": lambda: clv.fit_gamma_gamma(x, m * 0),
            "spend lengths": lambda: clv.fit_gamma_gamma(x, m[:-1]),
            "negative horizon t": lambda: clv.bgnbd_expected_purchases(
                params, -1, x, t_x, T
            ),
            "prediction lengths": lambda: clv.bgnbd_probability_alive(
                params, x, t_x, T[:3]
            ),
            "bad parameters": lambda: clv.bgnbd_probability_alive(
                clv.BGNBDParams(-1, 1, 1, 1, 0, 0.0), x, t_x, T
            ),
            "q <= 1": lambda: clv.gamma_gamma_expected_spend(
                clv.GammaGammaParams(1, 1, 1, 0, 0.0), x, m
            ),
        }
        for label, call in cases.items():
            with self.subTest(label), self.assertRaises(ValueError):
                call()

        _data, bg, gg = self._fit_cdnow()
        for label, kwargs in {
            "zero months": {"horizon_months": 0},
            "fractional months": {"horizon_months": 1.5},
            "negative rate": {"monthly_discount_rate": -0.1},
            "zero unit": {"time_unit_days": 0},
        }.items():
            with self.subTest(label), self.assertRaises(ValueError):
                clv.customer_lifetime_value(bg, gg, x, t_x, T, m, **kwargs)

        end = datetime.date(2024, 3, 31)
        for label, rows, observation_end in (
            ("negative amount", [(1, datetime.date(2024, 1, 1), -5.0)], end),
            ("text date", [(1, "2024-01-01", 5.0)], end),
            ("missing amount", [(1, datetime.date(2024, 1, 1), None)], end),
            ("short row", [(1, datetime.date(2024, 1, 1))], end),
            ("mixed keys", [(1, end, 1.0), ("a", end, 1.0)], end),
            ("text end", [(1, end, 1.0)], "2024-03-31"),
        ):
            with self.subTest(label), self.assertRaises(ValueError):
                clv.summarise_transactions(rows, observation_end)

    def test_too_few_customers(self):
        data = _cdnow()
        # First customers with and without repeat purchases.
        order = np.argsort(data["frequency"] == 0, kind="stable")
        few = {
            name: values[order][: clv.MIN_CUSTOMERS - 1]
            for name, values in data.items()
        }
        with self.assertRaisesRegex(ValueError, "too few customers"):
            clv.fit_bgnbd(few["frequency"], few["recency"], few["T"])
        with self.assertRaisesRegex(ValueError, "too few customers"):
            clv.fit_gamma_gamma(few["frequency"], few["monetary_value"])
        # Many customers but fewer than MIN_CUSTOMERS with repeat purchases:
        # Gamma-Gamma only counts those.
        zero = data["frequency"] == 0
        frequency = np.concatenate([few["frequency"], data["frequency"][zero]])
        spend = np.concatenate([few["monetary_value"], data["monetary_value"][zero]])
        with self.assertRaisesRegex(ValueError, "too few customers"):
            clv.fit_gamma_gamma(frequency, spend)
        # Weights count customers: 29 rows standing for 2 customers each fit.
        weighted = clv.fit_bgnbd(
            few["frequency"],
            few["recency"],
            few["T"],
            weights=np.full(clv.MIN_CUSTOMERS - 1, 2),
        )
        self.assertEqual(weighted.n, 2 * (clv.MIN_CUSTOMERS - 1))
