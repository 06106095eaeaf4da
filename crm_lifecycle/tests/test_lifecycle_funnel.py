from datetime import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.crm_lifecycle.models.engine_path import engine_writes, events_held

from .common import CrmLifecycleCommon


@tagged("post_install", "-at_install")
class TestLifecycleFunnel(CrmLifecycleCommon):
    """Funnel figures on a known history: four customers, each stopping one
    phase further than the previous one."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.env.flush_all()
        # Only our four customers in the funnel.
        cls.env.cr.execute(
            "UPDATE res_partner SET lifecycle_phase = NULL"
            " WHERE lifecycle_phase IS NOT NULL"
        )
        cls.env.cr.execute("DELETE FROM crm_lifecycle_phase_history")
        cls.env.invalidate_all()
        # No recompute: the phases and their history are set below.
        with events_held():
            cls.funnel = Partner.create(
                [{"name": f"Funnel {n}", "is_company": True} for n in "ABCD"]
            )
        day = lambda d: datetime(2025, 1, 1 + d)  # noqa: E731
        paths = [
            [("selection", 0, None)],
            [("selection", 0, 4), ("acquisition", 4, None)],
            [("selection", 0, 2), ("acquisition", 2, 10), ("retention", 10, None)],
            [
                ("selection", 0, 6),
                ("acquisition", 6, 8),
                ("retention", 8, 20),
                ("extension", 20, None),
            ],
        ]
        History = cls.env["crm.lifecycle.phase.history"].sudo()
        for partner, path in zip(cls.funnel, paths, strict=False):
            for phase, start, end in path:
                History.create(
                    {
                        "partner_id": partner.id,
                        "phase": phase,
                        "date_start": day(start),
                        "date_end": end is not None and day(end),
                    }
                )
            with engine_writes():
                partner.write({"lifecycle_phase": path[-1][0]})
        cls.env.flush_all()

    def test_summary_counts_shares_and_conversion(self):
        summary = self.env["crm.lifecycle.funnel.summary"].search([])
        rows = {row.phase: row for row in summary}
        self.assertEqual(
            [(p, rows[p].customer_count, rows[p].customer_share) for p in rows],
            [
                ("selection", 1, 25.0),
                ("acquisition", 1, 25.0),
                ("retention", 1, 25.0),
                ("extension", 1, 25.0),
            ],
        )
        self.assertEqual(
            [(rows[p].entered_count, rows[p].converted_count) for p in rows],
            [(4, 3), (3, 2), (2, 1), (1, 0)],
        )
        self.assertAlmostEqual(rows["selection"].conversion_rate, 75.0)
        self.assertAlmostEqual(rows["acquisition"].conversion_rate, 66.67, places=1)
        self.assertAlmostEqual(rows["retention"].conversion_rate, 50.0)
        self.assertFalse(rows["extension"].conversion_rate)
        self.assertEqual(
            summary.filtered("is_bottleneck").mapped("phase"), ["retention"]
        )

    def test_average_days_in_closed_phases(self):
        rows = {
            row.phase: row
            for row in self.env["crm.lifecycle.funnel.summary"].search([])
        }
        # Acquisition: 8 days (C) and 2 days (D) closed, B still open.
        report = self.env["crm.lifecycle.funnel.report"]
        groups = report._read_group(
            [("phase", "=", "acquisition"), ("converted", "=", True)],
            [],
            ["days_in_phase:avg", "__count"],
        )
        self.assertEqual(groups, [(5.0, 2)])
        self.assertGreater(rows["selection"].avg_days, 3.0)

    def test_average_time_to_first_purchase(self):
        with engine_writes():
            self.funnel[2].write(
                {
                    "lifecycle_first_contact_date": "2025-01-01",
                    "lifecycle_first_purchase_date": "2025-01-11",
                }
            )
            self.funnel[3].write(
                {
                    "lifecycle_first_contact_date": "2025-01-01",
                    "lifecycle_first_purchase_date": "2025-01-21",
                }
            )
        self.env.flush_all()
        summary = self.env["crm.lifecycle.funnel.summary"].search([])
        self.assertEqual(set(summary.mapped("avg_days_to_first_purchase")), {15.0})

    def test_report_conversion_by_salesperson_filter(self):
        self.funnel[2:].write({"user_id": self.sales_user.id})
        self.env.flush_all()
        report = self.env["crm.lifecycle.funnel.report"]
        groups = report._read_group(
            [("salesperson_id", "=", self.sales_user.id)],
            ["phase"],
            ["conversion_rate:avg", "__count"],
        )
        self.assertEqual(
            {phase: (rate, count) for phase, rate, count in groups},
            {
                "selection": (100.0, 2),
                "acquisition": (100.0, 2),
                "retention": (50.0, 2),
                "extension": (0.0, 1),
            },
        )

    def test_open_phase_is_counted_up_to_the_given_now(self):
        first = self.funnel[0]  # in selection since 2025-01-01, still open
        report = self.env["crm.lifecycle.funnel.report"]
        for now, days in (("2025-01-31 00:00:00", 30.0), ("2025-02-10 12:00:00", 40.5)):
            with freeze_time(now):
                # The rows of a query are read again, not kept from before.
                self.env.invalidate_all()
                row = report.search([("partner_id", "=", first.id)])
                self.assertEqual(row.days_in_phase, days)
                # The summary averages the same open phases up to the same now.
                extension = self.env["crm.lifecycle.funnel.summary"].search(
                    [("phase", "=", "extension")]
                )
                self.assertEqual(extension.avg_days, days - 20.0)
