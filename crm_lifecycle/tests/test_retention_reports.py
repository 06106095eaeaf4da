from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common_retention import TODAY, CrmLifecycleRetentionCommon


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestRetentionReports(CrmLifecycleRetentionCommon):
    def _group(self, model, partners, groupby, measure, domain=()):
        self._flush_events()
        return {
            key: (count, value)
            for key, count, value in self.env[model]._read_group(
                [("partner_id", "in", partners.ids), *domain],
                [groupby],
                ["__count", measure],
            )
        }

    def test_annual_churn_rate_by_month(self):
        customers = self.env["res.partner"].create(
            [{"name": f"Churn {index}", "is_company": True} for index in range(4)]
        )
        first, second, third, fourth = customers
        self._invoices(
            [(partner, date(2022, 3, 15), 100.0) for partner in customers]
            + [(first, date(2023, 2, 10), 100.0), (second, date(2023, 2, 11), 80.0)]
        )
        # The second customer's 2023 purchase is cancelled by a credit note.
        self._reverse(
            self.env["account.move"].search(
                [
                    ("partner_id", "=", second.id),
                    ("invoice_date", "=", date(2023, 2, 11)),
                ]
            )
        )
        groups = self._group(
            "crm.lifecycle.churn.report", customers, "month:month", "churn_rate:avg"
        )
        months = {
            key.date() if hasattr(key, "date") else key: value
            for key, value in groups.items()
        }
        # Until February 2023 nobody has a purchase 12 to 24 months back.
        self.assertNotIn(date(2023, 2, 1), months)
        # March 2023: all four bought a year before, only the first since.
        self.assertEqual(months[date(2023, 3, 1)], (4, 75.0))
        self.assertEqual(months[date(2023, 4, 1)], (4, 75.0))
        # February 2024: nobody bought in the last 12 months.
        self.assertEqual(months[date(2024, 2, 1)], (4, 100.0))
        # From March 2024 only the first customer bought 12 to 24 months
        # back (February 2023), until January 2025.
        self.assertEqual(months[date(2024, 3, 1)], (1, 100.0))
        self.assertEqual(months[date(2025, 1, 1)], (1, 100.0))
        self.assertNotIn(date(2025, 2, 1), months)
        self.assertEqual(len(months), 23)
        churned = self.env["crm.lifecycle.churn.report"].search(
            [
                ("partner_id", "in", customers.ids),
                ("month", "=", date(2023, 3, 1)),
                ("churned", "=", True),
            ]
        )
        self.assertEqual(churned.partner_id, second | third | fourth)

    def test_retention_by_cohort_of_first_purchase_month(self):
        customers = self.env["res.partner"].create(
            [{"name": f"Cohort {index}", "is_company": True} for index in range(4)]
        )
        first, second, _third, fourth = customers
        january = [
            (partner, date(2023, 1, 5 + index), 100.0)
            for index, partner in enumerate(customers)
        ]
        self._invoices(
            january
            + [
                (first, date(2023, 2, 3), 100.0),
                (first, date(2023, 3, 3), 100.0),
                (second, date(2023, 3, 20), 100.0),
                (fourth, date(2023, 2, 20), 100.0),
            ]
        )
        self._reverse(
            self.env["account.move"].search(
                [
                    ("partner_id", "=", fourth.id),
                    ("invoice_date", "=", date(2023, 2, 20)),
                ]
            )
        )
        groups = self._group(
            "crm.lifecycle.cohort.report",
            customers,
            "months_after",
            "retention_rate:avg",
            [("cohort_month", "=", date(2023, 1, 1))],
        )
        self.assertEqual(groups[1], (4, 25.0))
        self.assertEqual(groups[2], (4, 50.0))
        self.assertEqual(groups[3], (4, 0.0))
        self.assertEqual(sorted(groups), list(range(1, 13)))
        # A later first purchase makes a later cohort.
        late = self._new_customer("Cohort Late")
        self._invoices([(late, date(2023, 5, 2), 10.0), (late, date(2023, 6, 9), 10.0)])
        late_groups = self._group(
            "crm.lifecycle.cohort.report",
            late,
            "cohort_month:month",
            "retained_count:sum",
        )
        self.assertEqual(list(late_groups.values()), [(12, 1)])

    def test_churn_follows_the_users_today(self):
        customer = self._new_customer("Churn Today")
        self._invoices([(customer, date(2024, 6, 10), 100.0)])
        self._flush_events()

        def months(tz="UTC"):
            report = self.env["crm.lifecycle.churn.report"].with_context(tz=tz)
            return sorted(
                month.date() if hasattr(month, "date") else month
                for (month,) in report._read_group(
                    [("partner_id", "=", customer.id)], ["month:month"]
                )
            )

        # A purchase of June 2024 counts a year later, up to today's month.
        self.assertEqual(months(), [date(2025, 6, 1)])
        with freeze_time("2025-08-15"):
            self.assertEqual(
                months(), [date(2025, 6, 1), date(2025, 7, 1), date(2025, 8, 1)]
            )
        # Late on June 30 in UTC is already July 1 in Auckland: the user's
        # today, not the database server's.
        with freeze_time("2025-06-30 23:30:00"):
            self.assertEqual(months(), [date(2025, 6, 1)])
            self.assertEqual(
                months("Pacific/Auckland"), [date(2025, 6, 1), date(2025, 7, 1)]
            )

    def test_cohort_follows_the_users_today(self):
        customer = self._new_customer("Cohort Today")
        # The July invoice is dated after today: not a purchase yet.
        self._invoices(
            [(customer, date(2025, 4, 10), 50.0), (customer, date(2025, 7, 5), 50.0)]
        )
        self._flush_events()

        def months_after():
            return {
                months_after: retained
                for months_after, retained in self.env[
                    "crm.lifecycle.cohort.report"
                ]._read_group(
                    [("partner_id", "=", customer.id)],
                    ["months_after"],
                    ["retained_count:sum"],
                )
            }

        self.assertEqual(months_after(), {1: 0, 2: 0})
        with freeze_time("2025-07-10"):
            self.assertEqual(months_after(), {1: 0, 2: 0, 3: 1})
        with freeze_time("2025-09-01"):
            self.assertEqual(months_after(), {1: 0, 2: 0, 3: 1, 4: 0, 5: 0})
