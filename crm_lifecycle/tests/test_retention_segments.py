from ast import literal_eval
from datetime import date, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common_retention import TODAY, CrmLifecycleRetentionCommon


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestRetentionSegments(CrmLifecycleRetentionCommon):
    def test_age_band_follows_birthdays_through_the_daily_job(self):
        turning_25, senior = self.env["res.partner"].create(
            [
                {"name": "Deniz Yılmaz", "birthdate": date(2000, 7, 5)},
                {"name": "Eleni Papadopoulou", "birthdate": date(1950, 1, 1)},
            ]
        )
        self.assertEqual(turning_25.age_band, "under_25")
        self.assertEqual(senior.age_band, "65_plus")
        self.assertFalse(self.customer.age_band)
        Partner = self.env["res.partner"]
        with freeze_time(date(2025, 7, 4)):
            while Partner._cron_retention_recompute():
                pass
            self.assertEqual(turning_25.age_band, "under_25")
        with freeze_time(date(2025, 7, 5)):
            while Partner._cron_retention_recompute():
                pass
            self.assertEqual(turning_25.age_band, "25_34")
            # Once a day: a birthdate changed in SQL behind the ORM's back
            # waits for tomorrow's run.
            self.env.cr.execute(
                "UPDATE res_partner SET birthdate = '1990-01-01' WHERE id = %s",
                [senior.id],
            )
            Partner._cron_retention_recompute()
            senior.invalidate_recordset(["age_band"])
            self.assertEqual(senior.age_band, "65_plus")
        with freeze_time(date(2025, 7, 6)):
            Partner._cron_retention_recompute()
            senior.invalidate_recordset(["age_band"])
            self.assertEqual(senior.age_band, "35_44")

    def test_segment_dashboard_sums_revenue_and_counts_by_segment_and_gender(self):
        def ago(days):
            return TODAY - timedelta(days=days)

        at_risk, loyal, *occasional = self.env["res.partner"].create(
            [
                {"name": "Kestrel Marine", "is_company": True},
                {"name": "Leyla Demir", "gender": "female"},
                {"name": "Pera Cafe", "is_company": True},
                {"name": "Quentin Arslan", "gender": "male"},
                {"name": "Selin Kaya", "gender": "female"},
            ]
        )
        self._invoices(
            [
                (at_risk, ago(330), 500.0),
                (at_risk, ago(300), 500.0),
                (loyal, ago(40), 600.0),
                (loyal, ago(20), 600.0),
                (loyal, ago(5), 600.0),
            ]
            + [(p, ago(10 + 5 * i), 100.0) for i, p in enumerate(occasional)]
        )
        self._run()
        action = self.env.ref("crm_lifecycle.res_partner_action_crm_lifecycle_segments")
        Partner = self.env["res.partner"].with_user(self.manager)
        customers = at_risk | loyal | self.env["res.partner"].concat(*occasional)
        domain = [*literal_eval(action.domain), ("id", "in", customers.ids)]
        by_segment = {
            segment: (count, revenue)
            for segment, count, revenue in Partner._read_group(
                domain, ["rfm_segment"], ["__count", "clv_historical:sum"]
            )
        }
        self.assertEqual(by_segment["at_risk"], (1, 1000.0))
        self.assertEqual(by_segment["champions"], (1, 1800.0))
        self.assertEqual(sum(count for count, _r in by_segment.values()), 5)
        self.assertEqual(sum(rev for _c, rev in by_segment.values()), 3100.0)
        by_gender = {
            gender: (count, revenue)
            for gender, count, revenue in Partner._read_group(
                domain, ["gender"], ["__count", "clv_historical:sum"]
            )
        }
        self.assertEqual(by_gender["female"], (2, 1900.0))
        self.assertEqual(by_gender["male"], (1, 100.0))
        self.assertEqual(by_gender[False], (2, 1100.0))
