from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import freeze_time, tagged

from odoo.addons.crm_lifecycle.models.crm_lifecycle_settings import SETTINGS
from odoo.addons.crm_lifecycle.models.res_config_settings import SETTINGS_BOUNDS

from .common import CrmLifecycleCommon
from .common_payment import PaymentHistoryCommon

READER_LOGGER = "odoo.addons.crm_lifecycle.models.crm_lifecycle_settings"
# The settings whose 0 turns a rule off (or is a legitimate figure).
ZERO_SETTINGS = (
    "crm_lifecycle_extension_min_invoices",
    "crm_lifecycle_extension_min_categories",
    "crm_lifecycle_payment_grade_e_days",
    "crm_lifecycle_payment_warning_overdue_amount",
    "crm_lifecycle_survey_delay_days",
    "crm_lifecycle_survey_min_interval_days",
    "crm_lifecycle_survey_max_per_run",
    "crm_lifecycle_clv_monthly_discount_rate",
    "crm_lifecycle_clv_penalizer",
    "crm_lifecycle_action_overdue_days",
)


@tagged("post_install", "-at_install")
@freeze_time("2024-06-30")
class TestSettingsBounds(CrmLifecycleCommon):
    """One table of settings: bounds refused with a clear message in
    Settings, a 0 that round-trips, a hand-edited parameter that falls back
    to its default."""

    def _refused(self, func, *texts):
        """Assert ``func`` raises a ValidationError naming all ``texts``."""
        with self.assertRaises(ValidationError) as catcher:
            func()
        for text in texts:
            self.assertIn(text, str(catcher.exception))

    # ------------------------------------------------------------
    # Zero round-trips
    # ------------------------------------------------------------

    def test_zero_settings_read_back_as_zero(self):
        Settings = self.env["res.config.settings"]
        Settings.create(dict.fromkeys(ZERO_SETTINGS, 0)).execute()
        reopened = Settings.create({})
        for fname in ZERO_SETTINGS:
            self.assertEqual(reopened[fname], 0, fname)
            name = fname.removeprefix("crm_lifecycle_")
            self.assertEqual(self.env["crm.lifecycle.settings"]._get(name), 0, fname)

    def test_values_flags_and_records_round_trip_and_clear(self):
        Settings = self.env["res.config.settings"]
        params = self.env["ir.config_parameter"].sudo()
        tag = self.env["res.partner.category"].create({"name": "Referral"})
        values = {
            "crm_lifecycle_extension_min_invoices": 3,
            "crm_lifecycle_reminder_factor": 2.25,
            "crm_lifecycle_payment_warning": True,
            "crm_lifecycle_survey_promoter_tag_id": tag.id,
        }
        Settings.create(values).execute()
        reopened = Settings.create({})
        self.assertEqual(reopened.crm_lifecycle_extension_min_invoices, 3)
        self.assertEqual(reopened.crm_lifecycle_reminder_factor, 2.25)
        self.assertTrue(reopened.crm_lifecycle_payment_warning)
        self.assertEqual(reopened.crm_lifecycle_survey_promoter_tag_id, tag)

        Settings.create(
            {
                "crm_lifecycle_payment_warning": False,
                "crm_lifecycle_survey_promoter_tag_id": False,
            }
        ).execute()
        reopened = Settings.create({})
        self.assertFalse(reopened.crm_lifecycle_payment_warning)
        self.assertFalse(reopened.crm_lifecycle_survey_promoter_tag_id)
        self.assertFalse(params.get_param("crm_lifecycle.payment_warning"))
        self.assertFalse(params.get_param("crm_lifecycle.survey_promoter_tag_id"))
        self.assertEqual(reopened.crm_lifecycle_extension_min_invoices, 3)

    def test_zero_repeat_purchases_keeps_a_two_invoice_customer_in_retention(self):
        self.env["res.config.settings"].create(
            {"crm_lifecycle_extension_min_invoices": 0}
        ).execute()
        self._invoice(self.customer)
        self._invoice(self.customer)
        self._flush_events()
        self.assertEqual(self.customer.lifecycle_phase, "retention")

    # ------------------------------------------------------------
    # Bounds in Settings
    # ------------------------------------------------------------

    def test_huge_window_is_refused_by_settings_naming_the_field(self):
        params = self.env["ir.config_parameter"].sudo()
        before = params.get_param("crm_lifecycle.extension_window_days")
        self._refused(
            lambda: self.env["res.config.settings"]
            .create({"crm_lifecycle_extension_window_days": 2147483647})
            .execute(),
            "Repeat Purchase Window (days)",
            "between 1 and 3650",
        )
        after = params.get_param("crm_lifecycle.extension_window_days")
        self.assertEqual(after, before)

    def test_every_numeric_setting_refuses_values_out_of_its_bounds(self):
        Settings = self.env["res.config.settings"]
        for fname, (minimum, maximum) in SETTINGS_BOUNDS.items():
            is_int = Settings._fields[fname].type == "integer"
            step = 1 if is_int else 0.5
            for value in (minimum - step, maximum + step):
                with self.subTest(field=fname, value=value):
                    self._refused(lambda f=fname, v=value: Settings.create({f: v}))
            if not is_int:
                with self.subTest(field=fname, value=1e308):
                    self._refused(lambda f=fname: Settings.create({f: 1e308}))

    def test_company_loyalty_figures_are_bounded(self):
        company = self.env.company
        self._refused(
            lambda: company.write({"lifecycle_loyalty_points_rate": 1e308}),
            "Points per Currency Unit Paid",
        )
        self._refused(
            lambda: company.write({"lifecycle_loyalty_grace_days": 100000}),
            "between 0 and 365",
        )
        self.assertEqual(company.lifecycle_loyalty_grace_days, 30)

    # ------------------------------------------------------------
    # The reader
    # ------------------------------------------------------------

    def test_hand_stored_huge_window_falls_back_and_invoices_post(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_lifecycle.extension_window_days", "2147483647"
        )
        with self.assertLogs(READER_LOGGER, "WARNING"):
            old = self._invoice(
                self.customer, date=fields.Date.today() - timedelta(days=400)
            )
            new = self._invoice(self.customer)
            self._flush_events()
        self.assertEqual((old | new).mapped("state"), ["posted", "posted"])
        # With the default window of 365 days, the invoice of 400 days ago
        # is no repeat purchase.
        self.assertEqual(self.customer.lifecycle_phase, "retention")

    def test_garbage_or_out_of_bounds_parameters_read_as_their_default(self):
        params = self.env["ir.config_parameter"].sudo()
        reader = self.env["crm.lifecycle.settings"]
        for name, raw in (
            ("extension_window_days", "2147483647"),
            ("extension_min_invoices", "-1"),
            ("extension_min_invoices", "2.5"),
            ("payment_grade_a_ratio", "nan"),
            ("clv_monthly_discount_rate", "inf"),
            ("cron_batch_size", "0"),
            ("survey_trigger", "never"),
            ("survey_promoter_tag_id", "tag"),
        ):
            with self.subTest(name=name, raw=raw):
                params.set_param(f"crm_lifecycle.{name}", raw)
                with self.assertLogs(READER_LOGGER, "WARNING"):
                    self.assertEqual(reader._get(name), SETTINGS[name].default)

    # ------------------------------------------------------------
    # Free text and figures of the module's records
    # ------------------------------------------------------------

    def test_huge_tier_threshold_is_refused_with_a_clear_message(self):
        Tier = self.env["crm.lifecycle.loyalty.tier"]
        self._refused(
            lambda: Tier.create({"name": "Infinite", "threshold": 1e308}),
            "Threshold",
            "between 0 and 1000000000000",
        )
        self.assertFalse(Tier.search([("name", "=", "Infinite")]))

    def test_long_tier_name_is_refused(self):
        Tier = self.env["crm.lifecycle.loyalty.tier"]
        self._refused(
            lambda: Tier.create({"name": "T" * 5_000_000, "threshold": 123456.0}),
            "too long",
            "at most 64",
        )
        self.assertFalse(Tier.search([("threshold", "=", 123456.0)]))
        self.assertTrue(Tier.create({"name": "T" * 64, "threshold": 123456.0}))

    def test_long_phase_reason_is_refused_and_nothing_changes(self):
        reason = "R" * 5_000_000
        self._refused(
            lambda: self.env["crm.lifecycle.phase.set"]
            .create(
                {
                    "partner_ids": self.customer.ids,
                    "phase": "extension",
                    "reason": reason,
                }
            )
            .action_apply(),
            "too long",
            "at most 2000",
        )
        self._refused(
            lambda: self.customer.with_context(lifecycle_phase_reason=reason).write(
                {"lifecycle_phase": "extension"}
            ),
            "too long",
        )
        self.assertNotEqual(self.customer.lifecycle_phase, "extension")
        self.assertFalse(
            self.env["crm.lifecycle.phase.history"].search(
                [("partner_id", "=", self.customer.id), ("phase", "=", "extension")]
            )
        )

    def test_long_reason_of_a_lock_alone_is_refused_and_nothing_changes(self):
        messages = self.customer.message_ids
        self._refused(
            lambda: self.customer.with_context(
                lifecycle_phase_reason="R" * 5_000_000
            ).write({"lifecycle_phase_locked": True}),
            "too long",
            "at most 2000",
        )
        self.assertFalse(self.customer.lifecycle_phase_locked)
        self.assertEqual(self.customer.message_ids, messages)


@tagged("post_install", "-at_install")
@freeze_time("2024-06-30")
class TestSettingsZeroGradeE(PaymentHistoryCommon):
    """A grade E days late of 0, saved in Settings, turns the rule off."""

    def test_zero_grade_e_days_disables_grade_e_by_days(self):
        late = self._invoice(500.0, "2024-01-01")
        self._pay(late, 500.0, "2024-05-20")  # 110 days late
        on_time = self._invoice(9500.0, "2024-02-01")
        self._pay(on_time, 9500.0, "2024-02-10")
        self._apply_events()
        self.assertEqual(self._figures()["payment_grade"], "E")

        self.env["res.config.settings"].create(
            {"crm_lifecycle_payment_grade_e_days": 0}
        ).execute()
        self.env["res.partner"]._lifecycle_recompute_all()
        self.env.invalidate_all()
        self.assertNotEqual(self._figures()["payment_grade"], "E")
        self.assertTrue(self._figures()["payment_grade"])
