from odoo import fields
from odoo.tests import tagged

from odoo.addons.crm_lifecycle_benchmark.benchmark import data, measures

from .common_benchmark import BenchmarkCommon


@tagged("post_install", "-at_install")
class TestBenchmarkSmoke(BenchmarkCommon):
    """The benchmark machinery at a tiny scale, so that it cannot rot: the
    bulk data passes Odoo's consistency expectations, and the module, the
    SQL floor and the naive peer agree on every phase."""

    def _phases(self):
        self.env.invalidate_all()
        return dict(
            zip(
                self.customers.ids,
                self.customers.mapped("lifecycle_phase"),
                strict=False,
            )
        )

    def _lifecycle_outputs(self):
        """Per customer: phase, since, first dates, and the history rows."""
        self.env.flush_all()
        self.env.invalidate_all()
        outputs = {
            partner.id: (
                partner.lifecycle_phase,
                partner.lifecycle_phase_since,
                partner.lifecycle_first_contact_date,
                partner.lifecycle_first_purchase_date,
                partner.lifecycle_days_to_first_purchase,
            )
            for partner in self.customers
        }
        self.env.cr.execute(
            "SELECT partner_id, phase, date_start, date_end, is_current"
            " FROM crm_lifecycle_phase_history WHERE partner_id = ANY(%s)"
            " ORDER BY partner_id, date_start, id",
            [self.customers.ids],
        )
        return outputs, self.env.cr.fetchall()

    def _reset_lifecycle(self):
        self.env.flush_all()
        self.env.cr.execute("DELETE FROM crm_lifecycle_phase_history")
        self.env.cr.execute(
            "UPDATE res_partner SET lifecycle_phase = NULL,"
            " lifecycle_phase_since = NULL, lifecycle_first_contact_date = NULL,"
            " lifecycle_first_purchase_date = NULL,"
            " lifecycle_days_to_first_purchase = 0"
        )
        self.env.invalidate_all()

    def test_bulk_data_is_consistent(self):
        self.assertEqual(len(self.customers), 40)
        self.assertEqual(data.check_consistency(self.env.cr), [])
        invoices = self.env["account.move"].search(
            [("move_type", "=", "out_invoice"), ("name", "=like", "BENCH/INV/%")]
        )
        self.assertEqual(len(invoices), 240)
        states = set(invoices.mapped("payment_state"))
        self.assertTrue({"paid", "not_paid", "partial"} <= states, states)
        self.assertTrue(
            self.env["account.move"].search_count(
                [("move_type", "=", "out_refund"), ("name", "=like", "BENCH/RINV/%")]
            )
        )

    def test_module_floor_and_naive_peer_agree(self):
        # From outputs never computed, as the benchmark runs both.
        self._reset_lifecycle()
        Partner = self.env["res.partner"].with_context(tracking_disable=True)
        Partner._lifecycle_recompute_all()
        by_module = self._phases()
        self.assertTrue(all(by_module.values()))
        self.assertGreater(len(set(by_module.values())), 1)
        outputs, history = self._lifecycle_outputs()
        # Rebuilt history: a row per customer at least.
        self.assertGreaterEqual(len(history), len(self.customers))
        self._reset_lifecycle()
        self.assertFalse(any(self._phases().values()))
        measures.floor_phases(self.env.cr)
        floor_outputs, floor_history = self._lifecycle_outputs()
        differing = {
            pid: (values, floor_outputs[pid])
            for pid, values in outputs.items()
            if floor_outputs[pid] != values
        }
        self.assertFalse(differing)
        self.assertEqual(floor_history, history)
        self._reset_lifecycle()
        measures.naive_recompute(
            self.env(context={"tracking_disable": True}),
            self.customers,
        )
        self.assertEqual(self._phases(), by_module)

    def _fit_criterion(self):
        """Manual criteria, so that the daily fit pass scores the bench
        customers (too few of them for a fitted model), each above 0."""
        self.env["crm.lifecycle.fit.criterion"].create(
            [
                {"trait_type": "company_type", "company_type": "company", "weight": 50},
                {"trait_type": "company_type", "company_type": "person", "weight": 30},
            ]
        )

    def test_reset_and_whole_floor_as_the_benchmark_runs_them(self):
        """The benchmark's reset empties every output of the daily jobs and
        its floor writes them all again, part by part."""
        self._fit_criterion()
        self.env["res.partner"]._lifecycle_recompute_all()
        self.env["res.partner"]._retention_recompute_all()
        measures.reset_outputs(self.env)
        customers = self.customers.with_company(self.env.company)
        self.assertFalse(any(customers.mapped("lifecycle_phase")))
        self.assertFalse(any(customers.mapped("payment_grade")))
        self.assertFalse(any(customers.mapped("loyalty_tier_id")))
        self.assertFalse(any(customers.mapped("rfm_segment")))
        self.assertFalse(any(customers.mapped("lifecycle_fit_method")))
        parts = measures.floor_recompute(self.env)
        self.assertEqual(
            set(parts),
            {"phases", "complaints", "payment", "loyalty", "retention", "fit"},
        )
        self.env.invalidate_all()
        self.assertTrue(all(customers.mapped("lifecycle_phase")))
        self.assertTrue(any(customers.mapped("payment_grade")))
        self.assertTrue(any(customers.mapped("loyalty_tier_id")))
        self.assertTrue(any(customers.mapped("rfm_segment")))
        self.assertTrue(all(customers.mapped("lifecycle_fit_method")))

    def _every_output(self):
        """Per customer: one figure of each output of the daily jobs."""
        self.env.flush_all()
        self.env.invalidate_all()
        customers = self.customers.with_company(self.env.company)
        return {
            partner.id: {
                "phase": partner.lifecycle_phase,
                "first_purchase": partner.lifecycle_first_purchase_date,
                "payment_grade": partner.payment_grade,
                "on_time_ratio": partner.payment_on_time_ratio,
                "overdue_count": partner.payment_overdue_count,
                "loyalty_points": partner.loyalty_points,
                "loyalty_tier": partner.loyalty_tier_id.name,
                "rfm_segment": partner.rfm_segment,
                "churn": partner.churn_probability
                and round(partner.churn_probability, 6),
                "churn_previous": partner.churn_probability_previous
                and round(partner.churn_probability_previous, 6),
                "churn_previous_date": partner.churn_previous_date,
                "retention_score_date": partner.retention_score_date,
                "fit_score": partner.lifecycle_fit_score,
                "fit_method": partner.lifecycle_fit_method,
                "fit_reasons": partner.lifecycle_fit_reason_keys,
            }
            for partner in customers
        }

    def test_naive_peer_writes_what_the_module_writes(self):
        """The naive peer computes every output, not only the phases, with
        the module's rules: its figures are the module's."""
        env = self.env(context={"tracking_disable": True})
        self._fit_criterion()
        env["res.partner"]._lifecycle_recompute_all()
        env["res.partner"]._retention_recompute_all()
        by_module = self._every_output()
        self.assertTrue(any(o["payment_grade"] for o in by_module.values()))
        self.assertTrue(any(o["fit_method"] for o in by_module.values()))
        self.assertTrue(any(o["fit_score"] for o in by_module.values()))
        self.assertTrue(any(o["churn_previous_date"] for o in by_module.values()))
        self.assertTrue(any(o["loyalty_points"] for o in by_module.values()))
        self.assertTrue(any(o["rfm_segment"] for o in by_module.values()))
        measures.reset_outputs(self.env)
        reset = self._every_output().values()
        self.assertFalse(
            any(
                o["phase"]
                or o["payment_grade"]
                or o["fit_method"]
                or o["churn_previous_date"]
                for o in reset
            )
        )
        # The day's fit, which the module's scores also come from.
        env["crm.lifecycle.retention"]._fit_company_safe(
            self.env.company, fields.Date.context_today(self.env.user)
        )
        measures.naive_recompute(env, self.customers)
        by_naive = self._every_output()
        # Again, on outputs already there (the benchmark runs it after the
        # module): the same figures.
        measures.naive_recompute(env, self.customers)
        self.assertEqual(self._every_output(), by_naive)
        differing = {
            pid: {
                key: (value, by_naive[pid][key])
                for key, value in outputs.items()
                if by_naive[pid][key] != value
            }
            for pid, outputs in by_module.items()
            if by_naive[pid] != outputs
        }
        self.assertEqual(differing, {})
