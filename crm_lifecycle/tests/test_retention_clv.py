from collections import defaultdict
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from odoo.addons.crm_lifecycle.lib import clv

from .common_retention import TODAY, CrmLifecycleRetentionCommon


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestRetentionClv(CrmLifecycleRetentionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.population, cls.specs = cls._population()

    def _fits(self, company=None):
        return self.env["crm.lifecycle.clv.fit"].search(
            [("company_id", "=", (company or self.env.company).id)]
        )

    def _expected_models(self):
        """The estimators of lib.clv run on the very transactions invoiced."""
        summary = clv.summarise_transactions(
            [(partner.id, day, amount) for partner, day, amount in self.specs],
            TODAY,
            time_unit_days=1,
        )
        bg = clv.fit_bgnbd(summary.frequency, summary.recency, summary.T)
        gg = clv.fit_gamma_gamma(summary.frequency, summary.monetary_value)
        return summary, bg, gg

    def test_fit_and_scores_match_the_estimators_on_the_invoices(self):
        self._run()
        fit = self._fits()
        self.assertEqual(len(fit), 1)
        self.assertEqual(fit.state, "ok")
        self.assertEqual((fit.customer_count, fit.repeat_customer_count), (40, 33))
        self.assertTrue(fit.spend_fitted)
        self.assertEqual(fit.penalizer, 0.0)
        self.assertFalse(fit.message)
        summary, bg, gg = self._expected_models()
        for name, value in (
            ("bgnbd_r", bg.r),
            ("bgnbd_alpha", bg.alpha),
            ("bgnbd_a", bg.a),
            ("bgnbd_b", bg.b),
            ("bgnbd_log_likelihood", bg.log_likelihood),
            ("gg_p", gg.p),
            ("gg_q", gg.q),
            ("gg_gamma", gg.v),
            ("gg_log_likelihood", gg.log_likelihood),
        ):
            # The sums run in another order in SQL: equal to 1e-6 relative.
            self.assertAlmostEqual(fit[name], value, delta=abs(value) * 1e-6, msg=name)
        args = (summary.frequency, summary.recency, summary.T)
        churn = 1 - clv.bgnbd_probability_alive(bg, *args)
        expected = clv.bgnbd_expected_purchases(bg, 365, *args)
        value = clv.customer_lifetime_value(
            bg, gg, *args, summary.monetary_value, 12, 0.01, time_unit_days=1
        )
        totals = defaultdict(float)
        for partner, _day, amount in self.specs:
            totals[partner.id] += amount
        partners = self.population.with_company(self.env.company)
        for index, pid in enumerate(summary.customer_keys):
            partner = partners.browse(pid)
            self.assertTrue(partner.clv_scored)
            self.assertAlmostEqual(partner.churn_probability, churn[index], places=4)
            self.assertAlmostEqual(
                partner.expected_purchases_365, expected[index], places=2
            )
            self.assertAlmostEqual(partner.clv_predicted, value[index], places=2)
            self.assertAlmostEqual(partner.clv_historical, totals[pid], places=2)
        # One-time buyers are alive with certainty under BG/NBD; repeat
        # buyers long silent are likely gone.
        one_timers = partners.filtered(
            lambda p: p.rfm_frequency_score and not p.retention_purchase_interval
        )
        self.assertEqual(len(one_timers), 7)
        self.assertEqual(set(one_timers.mapped("churn_probability")), {0.0})
        self.assertGreater(max(churn), 0.5)
        self.assertGreater(min(value), 0.0)

    def test_refit_is_deterministic(self):
        self._flush_events()
        Retention = self.env["crm.lifecycle.retention"]
        first = Retention._fit_company(self.env.company, TODAY)
        second = Retention._fit_company(self.env.company, TODAY)
        names = [
            "bgnbd_r",
            "bgnbd_alpha",
            "bgnbd_a",
            "bgnbd_b",
            "gg_p",
            "gg_q",
            "gg_gamma",
        ]
        self.assertEqual(
            first.read(names)[0] | {"id": 0}, second.read(names)[0] | {"id": 0}
        )
        self.assertEqual(first.state, "ok")

    def test_horizon_and_discount_settings_change_the_predicted_value(self):
        self._run()
        partner = self.population[5].with_company(self.env.company)
        one_year = partner.clv_predicted
        params = self.env["ir.config_parameter"]
        params.set_param("crm_lifecycle.clv_horizon_months", 24)
        self._run()
        two_years = partner.clv_predicted
        self.assertGreater(two_years, one_year)
        params.set_param("crm_lifecycle.clv_monthly_discount_rate", 0.0)
        self._run()
        self.assertGreater(partner.clv_predicted, two_years)

    def test_small_sample_is_fitted_with_a_penalty_and_without_spend_model(self):
        """Where plain maximum likelihood fails (a small sample in which the
        optimiser gives up; which samples do depends on SciPy's L-BFGS-B, so
        the failure is forced here), the module refits with the penalty of
        its settings and says so."""
        company = self.setup_other_company(name="Small Sample Ltd")["company"]
        partners, specs = self._population(seed=0, prefix="Small", company=company)
        real_fit = clv.fit_bgnbd

        def fit_failing_without_penalty(*args, penalizer=0.0, **kwargs):
            if not penalizer:
                raise RuntimeError("the BG/NBD fit did not converge: ABNORMAL")
            return real_fit(*args, penalizer=penalizer, **kwargs)

        failing = patch.object(clv, "fit_bgnbd", fit_failing_without_penalty)
        with failing:
            self._run()
        fit = self._fits(company)
        self.assertEqual(
            (fit.state, fit.customer_count, fit.repeat_customer_count), ("ok", 40, 29)
        )
        self.assertEqual(fit.penalizer, 0.001)
        self.assertFalse(fit.spend_fitted)
        self.assertIn("L2 penalty of 0.001", fit.message)
        self.assertIn("Only 29 repeat customers", fit.message)
        summary = clv.summarise_transactions(
            [(p.id, day, amount) for p, day, amount in specs], TODAY, time_unit_days=1
        )
        bg = clv.fit_bgnbd(
            summary.frequency, summary.recency, summary.T, penalizer=0.001
        )
        self.assertAlmostEqual(fit.bgnbd_r, bg.r, places=6)
        churn = 1 - clv.bgnbd_probability_alive(
            bg, summary.frequency, summary.recency, summary.T
        )
        scored = partners.with_company(company).browse(summary.customer_keys)
        for partner, expected in zip(scored, churn, strict=True):
            self.assertTrue(partner.clv_scored)
            self.assertAlmostEqual(partner.churn_probability, expected, places=4)
            self.assertEqual(partner.clv_predicted, 0.0)
        # Without a penalty the company gets no churn scores at all.
        self.env["ir.config_parameter"].set_param("crm_lifecycle.clv_penalizer", "0")
        with failing:
            self._run()
        fit = self._fits(company)[0]
        self.assertEqual(fit.state, "insufficient")
        self.assertIn("did not converge", fit.message)
        self.assertFalse(scored.filtered("clv_scored"))
        self.assertTrue(all(scored.mapped("rfm_segment")))

    def test_too_few_repeat_buyers_leaves_churn_and_clv_empty(self):
        company = self.setup_other_company(name="Few Repeat Buyers Ltd")["company"]
        one_timers = self.env["res.partner"].create(
            [{"name": f"Once {index}", "is_company": True} for index in range(30)]
        )
        self._invoices(
            [
                (p, TODAY - timedelta(days=10 + i), 100.0)
                for i, p in enumerate(one_timers)
            ],
            company=company,
        )
        self._run()
        fit = self._fits(company)
        self.assertEqual(
            (fit.state, fit.customer_count, fit.repeat_customer_count),
            ("insufficient", 30, 0),
        )
        self.assertIn("two different days", fit.message)
        partner = one_timers[0].with_company(company)
        self.assertFalse(partner.clv_scored)
        self.assertEqual((partner.churn_probability, partner.clv_predicted), (0.0, 0.0))
        self.assertFalse(
            self.env["res.partner"]
            .with_company(company)
            .search([("id", "in", one_timers.ids), ("churn_probability", "!=", False)])
        )
        # RFM needs no model: the one-timers are still segmented (tied on
        # F and M, the most recent first).
        self.assertEqual(
            self._scores(partner, company), (5, 3, 3, "potential_loyalist")
        )
        self.assertEqual(partner.clv_historical, 100.0)

    def test_fits_and_scores_are_separate_per_company(self):
        company = self.setup_other_company(name="Hellas Retail SA")["company"]
        shared = self.population[3]
        self._invoices(
            [
                (shared, TODAY - timedelta(days=3), 50.0),
                (self.customer, TODAY - timedelta(days=90), 70.0),
            ],
            company=company,
        )
        self._run()
        ours, theirs = self._fits(), self._fits(company)
        self.assertEqual((ours.state, ours.customer_count), ("ok", 40))
        self.assertEqual((theirs.state, theirs.customer_count), ("insufficient", 2))
        self.assertIn("Only 2 customers", theirs.message)
        here = shared.with_company(self.env.company)
        there = shared.with_company(company)
        self.assertTrue(here.clv_scored)
        self.assertGreater(here.clv_historical, 200.0)
        self.assertFalse(there.clv_scored)
        self.assertEqual(there.clv_historical, 50.0)
        self.assertEqual(self._scores(shared, company), (5, 3, 1, "potential_loyalist"))
        self.assertFalse(self.customer.with_company(self.env.company).rfm_segment)
        other_manager = new_test_user(
            self.env,
            login="lc_other_manager",
            groups="sales_team.group_sale_manager",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )
        Fit = self.env["crm.lifecycle.clv.fit"].with_user(other_manager)
        self.assertEqual(Fit.search([]), theirs)
        with self.assertRaises(AccessError):
            ours.with_user(other_manager).read(["bgnbd_r"])

    def test_cron_is_batched_resumable_and_does_not_refit_the_same_day(self):
        self._flush_events()
        Partner = self.env["res.partner"]
        remaining = []
        while not remaining or remaining[-1]:
            remaining.append(Partner._cron_retention_recompute(batch_size=15))
            self.assertLess(len(remaining), 20)
        self.assertEqual(remaining, sorted(remaining, reverse=True))
        self.assertEqual(len(self._fits()), 1)
        scores = {p.id: self._scores(p) for p in self.population}
        self.assertTrue(all(s[3] for s in scores.values()))
        self.assertGreater(len({s[3] for s in scores.values()}), 3)
        # Run again the same day: nothing left, nothing refitted.
        self.assertEqual(Partner._cron_retention_recompute(batch_size=15), 0)
        self.assertEqual(len(self._fits()), 1)
        # The next day the job starts over with a new fit, same figures.
        with freeze_time(TODAY + timedelta(days=1)):
            calls = 1
            while Partner._cron_retention_recompute(batch_size=15):
                calls += 1
            self.assertEqual(len(self._fits()), 2)
        # Each company is fitted in one call, ours is scored in 3 batches,
        # and one last call finds nothing left.
        self.assertEqual(calls, len(self.env["res.company"].search([])) + 4)
        self._run()
        self.assertEqual({p.id: self._scores(p) for p in self.population}, scores)

    def test_a_failing_customer_is_skipped_and_the_batch_is_scored(self):
        self._flush_events()
        self.addCleanup(
            self.env["crm.lifecycle.batch"]._batch_forget_failures,
            ("retention", self.env.company.id),
        )
        bad = self.population[7]
        Retention = type(self.env["crm.lifecycle.retention"])
        original = Retention._score_batch

        def score_batch(self, company, fit, partner_ids, today, settings):
            if bad.id in partner_ids:
                raise ValueError("corrupt customer")
            return original(self, company, fit, partner_ids, today, settings)

        with (
            patch.object(Retention, "_score_batch", score_batch),
            self.assertLogs(
                "odoo.addons.crm_lifecycle.models.crm_lifecycle_retention", "ERROR"
            ),
        ):
            while self.env["res.partner"]._cron_retention_recompute(batch_size=50):
                pass
        partners = self.population.with_company(self.env.company)
        self.assertFalse(partners.browse(bad.id).rfm_segment)
        self.assertEqual(len(partners.filtered("rfm_segment")), 39)
        # Before: marked scored today all the same, and left wrong until the
        # next night; now a later call retries it, a few times a day.
        self.assertFalse(partners.browse(bad.id).retention_score_date)
        self.assertEqual(
            self.env["crm.lifecycle.batch"]._batch_given_up(
                ("retention", self.env.company.id)
            ),
            [bad.id],
        )

    def test_a_failing_fit_is_logged_recorded_and_the_day_still_scored(self):
        Retention = type(self.env["crm.lifecycle.retention"])

        def fit_company(self, company, today=None):
            raise ValueError("singular matrix")

        with (
            patch.object(Retention, "_fit_company", fit_company),
            self.assertLogs(
                "odoo.addons.crm_lifecycle.models.crm_lifecycle_retention", "ERROR"
            ) as logs,
        ):
            self._run()
        self.assertIn(
            f"CLV fit failed for company {self.env.company.id}: "
            "ValueError: singular matrix",
            "\n".join(logs.output),
        )
        fit = self._fits()
        self.assertEqual(fit.state, "insufficient")
        self.assertIn("singular matrix", fit.message)
        # The job went on: every customer is done for the day, without model.
        partners = self.population.with_company(self.env.company)
        self.assertEqual(set(partners.mapped("retention_score_date")), {TODAY})
        self.assertFalse(any(partners.mapped("clv_scored")))
