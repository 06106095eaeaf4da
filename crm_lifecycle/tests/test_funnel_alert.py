from datetime import date, datetime, time, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import mute_logger

from ..models.crm_lifecycle_funnel_alert import metric_status

# A Wednesday: the last complete week is the one starting on Monday WEEK.
TODAY = "2025-03-12 09:00:00"
WEEK = date(2025, 3, 3)
YEAR_BEFORE = WEEK - timedelta(weeks=52)
MODEL = "crm.lifecycle.funnel.alert"
LOGGER = "odoo.addons.crm_lifecycle.models.crm_lifecycle_funnel_alert"
SETTINGS_LOGGER = "odoo.addons.crm_lifecycle.models.crm_lifecycle_settings"


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestFunnelAlert(TransactionCase):
    """The weekly funnel inflow check on constructed phase histories with a
    known answer: the counts of each week are planted in a company of the
    test's own, whose customers nobody else counts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a, cls.company_b = cls.env["res.company"].create(
            [{"name": "Funnel Alert A"}, {"name": "Funnel Alert B"}]
        )
        cls.managers = {}
        for company in (cls.company_a, cls.company_b):
            cls.managers[company.id] = new_test_user(
                cls.env,
                login=f"funnel_manager_{company.id}",
                email=f"funnel_manager_{company.id}@example.com",
                groups="sales_team.group_sale_manager",
                company_id=company.id,
                company_ids=[Command.set(company.ids)],
            )
        cls.manager_a = cls.managers[cls.company_a.id]
        cls.manager_b = cls.managers[cls.company_b.id]
        cls.sales_user = new_test_user(
            cls.env,
            login="funnel_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company_a.id,
            company_ids=[Command.set(cls.company_a.ids)],
        )
        cls.portal_user = new_test_user(
            cls.env, login="funnel_portal", groups="base.group_portal"
        )
        cls.pool = {
            company.id: cls.env["res.partner"].create(
                [
                    {"name": f"Funnel {company.name} {n}", "company_id": company.id}
                    for n in range(25)
                ]
            )
            for company in (cls.company_a, cls.company_b)
        }
        cls.Alert = cls.env[MODEL]
        # Only what a test plants is counted.
        cls.env.flush_all()
        cls.env.cr.execute(
            "DELETE FROM crm_lifecycle_phase_history WHERE date_start < %s",
            [datetime.combine(WEEK + timedelta(weeks=1), time())],
        )

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def _plant(self, company, phase, week, count):
        """``count`` customers of ``company`` entered ``phase`` in the week
        starting ``week``."""
        start = datetime.combine(week + timedelta(days=2), time(10))
        self.env.cr.execute(
            """
            INSERT INTO crm_lifecycle_phase_history
                   (partner_id, company_id, phase, date_start, date_end,
                    is_current, manual)
            SELECT p, %s, %s, %s, %s, FALSE, FALSE FROM unnest(%s::int[]) p
            """,
            [
                company.id,
                phase,
                start,
                start + timedelta(hours=1),
                self.pool[company.id][:count].ids,
            ],
        )

    def _plant_weeks(self, company, phase, week, trailing, count):
        """``trailing`` entries in each of the 8 weeks before ``week``,
        ``count`` in ``week``."""
        for n in range(1, 9):
            self._plant(company, phase, week - timedelta(weeks=n), trailing)
        self._plant(company, phase, week, count)

    def _steady(self, company, week=WEEK):
        self._plant_weeks(company, "selection", week, 20, 19)
        self._plant_weeks(company, "acquisition", week, 12, 12)
        self._plant_weeks(company, "retention", week, 10, 9)

    def _prospect_drop(self, company, week=WEEK):
        """New prospects down to 8 from 20 a week (40 %), the rest steady."""
        self._plant_weeks(company, "selection", week, 20, 8)
        self._plant_weeks(company, "acquisition", week, 12, 12)
        self._plant_weeks(company, "retention", week, 10, 9)

    def _alert(self, company, week=WEEK):
        return self.Alert.search(
            [("company_id", "=", company.id), ("week_start", "=", week)]
        )

    def _activities(self, alerts):
        return self.env["mail.activity"].search(
            [("res_model", "=", MODEL), ("res_id", "in", alerts.ids)]
        )

    def _mails(self, alerts):
        return self.env["mail.mail"].search(
            [("model", "=", MODEL), ("res_id", "in", alerts.ids)]
        )

    def _set(self, name, value):
        self.env["ir.config_parameter"].sudo().set_param(f"crm_lifecycle.{name}", value)

    # ------------------------------------------------------------
    # The rule
    # ------------------------------------------------------------

    def test_status_of_a_metric(self):
        # count, average, last year's count, its average, share, minimum
        self.assertEqual(metric_status(8, 20, 0, 0, 70, 10), "drop")
        self.assertEqual(metric_status(14, 20, 0, 0, 70, 10), "normal")
        self.assertEqual(metric_status(13, 20, 0, 0, 70, 10), "drop")
        self.assertEqual(metric_status(0, 9.9, 0, 0, 70, 10), "small")
        self.assertEqual(metric_status(0, 0, 0, 0, 70, 0), "small")
        # Last year fell as much, or more: seasonal.
        self.assertEqual(metric_status(8, 20, 9, 20, 70, 10), "seasonal")
        self.assertEqual(metric_status(8, 20, 2, 20, 70, 10), "seasonal")
        # Last year fell, but much less than this year; or did not fall;
        # or was too small to tell.
        self.assertEqual(metric_status(4, 20, 13, 20, 70, 10), "drop")
        self.assertEqual(metric_status(8, 20, 18, 20, 70, 10), "drop")
        self.assertEqual(metric_status(8, 20, 1, 5, 70, 10), "drop")
        # A threshold of 0 never fires; 100 fires on any fall.
        self.assertEqual(metric_status(0, 20, 0, 0, 0, 10), "normal")
        self.assertEqual(metric_status(19, 20, 0, 0, 100, 10), "drop")

    def test_fires_on_a_drop(self):
        self._prospect_drop(self.company_a)
        self.Alert._funnel_alert_run_all()
        alert = self._alert(self.company_a)
        self.assertEqual(len(alert), 1)
        self.assertEqual(alert.week, "2025-W10")
        self.assertEqual(alert.state, "alert")
        self.assertEqual(
            (
                alert.selection_count,
                alert.selection_average,
                alert.selection_share,
                alert.selection_status,
            ),
            (8, 20.0, 40.0, "drop"),
        )
        self.assertEqual(
            (alert.acquisition_count, alert.acquisition_average),
            (12, 12.0),
        )
        self.assertEqual(alert.acquisition_status, "normal")
        self.assertEqual(
            (alert.retention_count, alert.retention_share, alert.retention_status),
            (9, 90.0, "normal"),
        )
        self.assertEqual((alert.threshold_share, alert.min_count), (70.0, 10))
        self.assertEqual(alert.user_ids, self.manager_a)
        activity = self._activities(alert)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.manager_a)
        self.assertIn("New prospects (Selection)", str(activity.note))
        self.assertIn("40 %", str(activity.note))
        mail = self._mails(alert)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.manager_a.partner_id)
        self.assertIn("2025-W10", mail.subject)
        self.assertIn("Funnel Alert A", mail.subject)
        self.assertIn("New prospects (Selection)", str(mail.body_html))

    def test_a_steady_funnel_is_checked_and_quiet(self):
        self._steady(self.company_a)
        self.Alert._funnel_alert_run_all()
        alert = self._alert(self.company_a)
        self.assertEqual(alert.state, "quiet")
        self.assertEqual(alert.selection_share, 95.0)
        self.assertFalse(self._activities(alert))
        self.assertFalse(self._mails(alert))

    def test_silent_on_a_small_business(self):
        # From 6 new prospects a week to none: below the minimum of 10.
        self._plant_weeks(self.company_a, "selection", WEEK, 6, 0)
        self._plant_weeks(self.company_a, "acquisition", WEEK, 4, 0)
        self.Alert._funnel_alert_run_all()
        alert = self._alert(self.company_a)
        self.assertEqual(alert.state, "quiet")
        self.assertEqual(
            (alert.selection_count, alert.selection_average, alert.selection_status),
            (0, 6.0, "small"),
        )
        self.assertEqual(alert.retention_status, "small")
        self.assertFalse(self._activities(alert))
        self.assertFalse(self._mails(alert))
        # The same business with a minimum of 5 is told.
        alert.unlink()
        self._set("funnel_alert_min_count", 5)
        self.Alert._funnel_alert_run_all()
        alert = self._alert(self.company_a)
        self.assertEqual(alert.state, "alert")
        self.assertEqual(alert.selection_status, "drop")
        self.assertEqual(alert.acquisition_status, "small")

    def test_silent_when_last_year_had_the_same_drop(self):
        self._prospect_drop(self.company_a)
        # A year before: 20 a week, then 9 in the same week (45 %).
        self._plant_weeks(self.company_a, "selection", YEAR_BEFORE, 20, 9)
        # The company B has the same drop this year, but not last year.
        self._prospect_drop(self.company_b)
        self._plant_weeks(self.company_b, "selection", YEAR_BEFORE, 20, 19)
        self.Alert._funnel_alert_run_all()
        seasonal = self._alert(self.company_a)
        self.assertEqual(seasonal.state, "quiet")
        self.assertEqual(seasonal.selection_status, "seasonal")
        self.assertEqual(
            (
                seasonal.selection_last_year_count,
                seasonal.selection_last_year_average,
                seasonal.selection_last_year_share,
            ),
            (9, 20.0, 45.0),
        )
        self.assertFalse(self._activities(seasonal))
        self.assertFalse(self._mails(seasonal))
        alert = self._alert(self.company_b)
        self.assertEqual(alert.state, "alert")
        self.assertEqual(alert.selection_last_year_share, 95.0)
        self.assertEqual(len(self._mails(alert)), 1)

    def test_once_per_week(self):
        self._prospect_drop(self.company_a)
        self.Alert._funnel_alert_run_all()
        self.Alert._cron_funnel_alert()
        self.Alert._funnel_alert_run_all()
        alert = self._alert(self.company_a)
        self.assertEqual(len(alert), 1)
        self.assertEqual(len(self._activities(alert)), 1)
        self.assertEqual(len(self._mails(alert)), 1)
        # The next week is checked on its own: the prospects are back to 20.
        next_week = WEEK + timedelta(weeks=1)
        self._plant(self.company_a, "selection", next_week, 20)
        self._plant(self.company_a, "acquisition", next_week, 12)
        self._plant(self.company_a, "retention", next_week, 10)
        with freeze_time("2025-03-17 04:00:00"):
            self.Alert._funnel_alert_run_all()
        alerts = self.Alert.search([("company_id", "=", self.company_a.id)])
        self.assertEqual(
            alerts.mapped("week"), ["2025-W11", "2025-W10"], "newest first"
        )
        self.assertEqual(alerts[0].state, "quiet")
        self.assertEqual(len(self._activities(alerts)), 1)
        self.assertEqual(len(self._mails(alerts)), 1)

    def test_switched_off_in_settings(self):
        self._prospect_drop(self.company_a)
        Settings = self.env["res.config.settings"]
        self.assertTrue(Settings.create({}).crm_lifecycle_funnel_alert)
        Settings.create({"crm_lifecycle_funnel_alert": False}).execute()
        self.assertFalse(Settings.create({}).crm_lifecycle_funnel_alert)
        self.assertFalse(self.env["crm.lifecycle.settings"]._get("funnel_alert"))
        self.Alert._funnel_alert_run_all()
        self.assertFalse(self.Alert.search([]))
        # Switched on again, the week is checked.
        Settings.create({"crm_lifecycle_funnel_alert": True}).execute()
        self.Alert._funnel_alert_run_all()
        self.assertEqual(self._alert(self.company_a).state, "alert")

    def test_companies_are_isolated(self):
        self._prospect_drop(self.company_a)
        self._steady(self.company_b)
        self.Alert._funnel_alert_run_all()
        alert_a, alert_b = self._alert(self.company_a), self._alert(self.company_b)
        self.assertEqual((alert_a.state, alert_b.state), ("alert", "quiet"))
        # B's customers do not count for A, nor A's for B.
        self.assertEqual((alert_a.selection_count, alert_b.selection_count), (8, 19))
        self.assertEqual(self._activities(alert_a).user_id, self.manager_a)
        self.assertFalse(
            self.env["mail.activity"].search([("user_id", "=", self.manager_b.id)])
        )
        self.assertEqual(self.Alert.with_user(self.manager_a).search([]), alert_a)
        self.assertEqual(self.Alert.with_user(self.manager_b).search([]), alert_b)
        with self.assertRaises(AccessError):
            alert_a.with_user(self.manager_b).read(["selection_count"])

    def test_failed_company_is_kept_for_a_later_call(self):
        self._prospect_drop(self.company_a)
        self._steady(self.company_b)
        Alert = type(self.Alert)
        check = Alert._funnel_alert_check

        def failing(model, company_ids, week):
            if self.company_a.id in company_ids:
                raise ValueError("boom")
            return check(model, company_ids, week)

        with (
            patch.object(Alert, "_funnel_alert_check", failing),
            mute_logger(LOGGER),
        ):
            self.Alert._cron_funnel_alert()
        self.assertFalse(self._alert(self.company_a))
        self.assertEqual(self._alert(self.company_b).state, "quiet")
        self.Alert._cron_funnel_alert()
        self.assertEqual(self._alert(self.company_a).state, "alert")

    # ------------------------------------------------------------
    # Settings and access
    # ------------------------------------------------------------

    def test_bad_settings_are_refused(self):
        Settings = self.env["res.config.settings"]
        for name, value in (
            ("crm_lifecycle_funnel_alert_share", 150.0),
            ("crm_lifecycle_funnel_alert_share", -1.0),
            ("crm_lifecycle_funnel_alert_min_count", -1),
        ):
            with self.assertRaises(ValidationError) as caught:
                Settings.create({name: value}).execute()
            label = Settings._fields[name].string
            self.assertIn(label, str(caught.exception))
            self.assertIn("must be between 0 and", str(caught.exception))
        reader = self.env["crm.lifecycle.settings"]
        self.assertEqual(reader._get("funnel_alert_share"), 70.0)
        self.assertEqual(reader._get("funnel_alert_min_count"), 10)
        # In bounds, 0 included, is kept.
        Settings.create(
            {
                "crm_lifecycle_funnel_alert_share": 50.0,
                "crm_lifecycle_funnel_alert_min_count": 0,
            }
        ).execute()
        self.assertEqual(reader._get("funnel_alert_share"), 50.0)
        self.assertEqual(reader._get("funnel_alert_min_count"), 0)
        # A parameter edited by hand to garbage reads as its default.
        self._set("funnel_alert_share", "250")
        with self.assertLogs(SETTINGS_LOGGER, "WARNING"):
            self.assertEqual(reader._get("funnel_alert_share"), 70.0)

    def test_access(self):
        self._prospect_drop(self.company_a)
        self.Alert._funnel_alert_run_all()
        alert = self._alert(self.company_a)
        as_manager = alert.with_user(self.manager_a)
        self.assertEqual(as_manager.read(["selection_count"])[0]["selection_count"], 8)
        # The manager closes the to-do and comments; the figures are the job's.
        self._activities(alert).with_user(self.manager_a).action_feedback("Called")
        as_manager.message_post(body="Prospecting doubled")
        with self.assertRaises(AccessError):
            as_manager.write({"selection_count": 20})
        with self.assertRaises(AccessError):
            self.Alert.with_user(self.manager_a).create(
                {"company_id": self.company_a.id, "week_start": WEEK, "state": "alert"}
            )
        with self.assertRaises(AccessError):
            as_manager.unlink()
        for user in (self.sales_user, self.portal_user):
            with self.assertRaises(AccessError):
                self.Alert.with_user(user).search([])
            with self.assertRaises(AccessError):
                alert.with_user(user).read(["selection_count"])
