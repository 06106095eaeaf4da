from datetime import datetime, time, timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.crm_lifecycle.models.crm_lifecycle_funnel_alert import (
    last_complete_week,
)
from odoo.addons.crm_lifecycle_benchmark.benchmark import funnel

from .common_benchmark import BenchmarkCommon


@tagged("post_install", "-at_install")
class TestBenchmarkFunnel(BenchmarkCommon):
    """The funnel alert measure at a tiny scale: the planted history is the
    one described, and the job it times checks every company once, with the
    figures of the history."""

    def test_planted_history_and_weekly_job(self):
        week = last_complete_week(fields.Datetime.now())
        # One entry per customer and phase, but half of the new prospects
        # of the last complete week.
        expected = sum(
            1
            for partner_id in self.customers.ids
            for rank, phase in enumerate(("selection", "acquisition", "retention"), 1)
            if not (
                phase == "selection"
                and (partner_id * 7919 + rank * 13) % funnel.WEEKS == 0
                and partner_id % 2 == 0
            )
        )
        self.assertEqual(funnel.plant_history(self.env), expected)
        self.env.cr.execute(
            "SELECT MIN(date_start), MAX(date_start), COUNT(*)"
            " FROM crm_lifecycle_phase_history WHERE reason = 'bench funnel'"
        )
        first, last, count = self.env.cr.fetchone()
        self.assertEqual(count, expected)
        self.assertGreaterEqual(
            first, datetime.combine(week - timedelta(weeks=funnel.WEEKS - 1), time())
        )
        self.assertLess(last, datetime.combine(week + timedelta(weeks=1), time()))

        result = funnel.run_weekly_job(self.env)
        companies = self.env["res.company"].search([])
        self.assertEqual(result["companies"], len(companies))
        self.assertGreater(result["seconds"], 0.0)
        # The measure can be repeated: it starts from no alert of the week.
        self.assertEqual(funnel.run_weekly_job(self.env)["companies"], len(companies))
        alert = self.env["crm.lifecycle.funnel.alert"].search(
            [("company_id", "=", self.env.company.id), ("week_start", "=", week)]
        )
        self.assertEqual(len(alert), 1)
        start = datetime.combine(week, time())
        for phase in ("selection", "acquisition", "retention"):
            self.env.cr.execute(
                "SELECT COUNT(DISTINCT partner_id) FROM crm_lifecycle_phase_history"
                " WHERE phase = %s AND date_start >= %s AND date_start < %s"
                " AND (company_id = %s OR company_id IS NULL)",
                [phase, start, start + timedelta(weeks=1), self.env.company.id],
            )
            self.assertEqual(alert[f"{phase}_count"], self.env.cr.fetchone()[0])
