from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields

from .common_loyalty import LoyaltyCommon


class TestLoyaltyExpiry(LoyaltyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "lifecycle_loyalty_expiry_months": 12,
                "lifecycle_loyalty_expiry_warning_days": 30,
            }
        )

    def _run_cron(self):
        self.env["loyalty.card"]._cron_lifecycle_expire_points()
        self.env.cr.flush()

    def _warnings(self, card):
        return self.env["mail.message"].search(
            [
                ("model", "=", "loyalty.card"),
                ("res_id", "=", card.id),
                ("subject", "ilike", "expire soon"),
            ]
        )

    def _use_points(self, card, points):
        # What sale_loyalty writes when a reward is claimed on an order.
        self.env["loyalty.history"].create(
            {"card_id": card.id, "description": "Reward", "used": points}
        )
        card.points -= points

    def test_points_expire_oldest_first_with_one_warning_per_batch(self):
        with freeze_time("2025-01-10"):
            self._pay(self._invoice(300.0, invoice_date="2025-01-10"))
        with freeze_time("2025-06-01"):
            self._pay(self._invoice(200.0, invoice_date="2025-06-01"))
            card = self._card()
            self._use_points(card, 50.0)
            self.assertEqual(card.points, 450.0)

        with freeze_time("2025-12-01"):
            self._run_cron()
            self.assertFalse(self._warnings(card), "nothing expires within 30 days")

        with freeze_time("2025-12-15"):
            self._run_cron()
            warning = self._warnings(card)
            self.assertEqual(len(warning), 1)
            # The 50 points used came out of the oldest points.
            self.assertEqual(card.lifecycle_expiring_points, 250.0)
            self.assertEqual(str(card.lifecycle_expiring_date), "2026-01-10")
            self.assertIn(self.customer, warning.partner_ids)
            self.assertIn("250.0", warning.body)

        with freeze_time("2025-12-20"):
            card.lifecycle_expiry_check_date = False
            self._run_cron()
            self.assertEqual(len(self._warnings(card)), 1, "warned once per batch")
            self.assertEqual(card.points, 450.0, "not expired yet")

        with freeze_time("2026-01-10"):
            self._run_cron()
            self.assertEqual(card.points, 200.0)
            expiry = card.history_ids.filtered(lambda h: h.lifecycle_kind == "expiry")
            self.assertEqual(expiry.used, 250.0)
            self.assertEqual(str(expiry.lifecycle_date), "2026-01-10")
            # Same day again: already checked; next day: nothing left to expire.
            self._run_cron()
        with freeze_time("2026-01-11"):
            self._run_cron()
            self.assertEqual(card.points, 200.0)
            self.assertEqual(
                len(card.history_ids.filtered(lambda h: h.lifecycle_kind == "expiry")),
                1,
            )

        with freeze_time("2026-05-10"):
            self._run_cron()
            self.assertEqual(len(self._warnings(card)), 2, "a new batch, a new warning")
            self.assertEqual(card.lifecycle_expiring_points, 200.0)
            self.assertEqual(str(card.lifecycle_expiring_date), "2026-06-01")
        with freeze_time("2026-06-01"):
            self._run_cron()
            self.assertEqual(card.points, 0.0)

    def test_expiry_lines_of_a_batch_are_made_in_one_create(self):
        """The expiry lines of the cards of a batch go through one create()
        that a module extending the history line sees."""
        other = self.env["res.partner"].create({"name": "Other", "company_id": False})
        with freeze_time("2024-01-10"):
            self._pay(self._invoice(300.0, invoice_date="2024-01-10"))
            self._pay(self._invoice(100.0, partner=other, invoice_date="2024-01-10"))
        cards = self._card() + self._card(other)
        with (
            freeze_time("2025-03-01"),
            self.spy_create("loyalty.history") as calls,
        ):
            self._run_cron()
            self.assertEqual(len(calls["loyalty.history"]), 1)
            self.assertEqual(
                sorted(
                    (vals["card_id"], vals["used"], vals["lifecycle_kind"])
                    for vals in calls["loyalty.history"][0]
                    if vals["card_id"] in cards.ids
                ),
                sorted(zip(cards.ids, [300.0, 100.0], ["expiry"] * 2, strict=True)),
            )
            self.assertEqual(cards.mapped("points"), [0.0, 0.0])
            self.assertEqual(
                cards.mapped("lifecycle_expiry_check_date"),
                [fields.Date.to_date("2025-03-01")] * 2,
            )

    def test_expiry_off_by_default_keeps_points(self):
        self.company.lifecycle_loyalty_expiry_months = 0
        with freeze_time("2024-01-10"):
            self._pay(self._invoice(300.0, invoice_date="2024-01-10"))
        with freeze_time("2026-01-10"):
            self._run_cron()
            card = self._card()
            self.assertEqual(card.points, 300.0)
            self.assertFalse(self._warnings(card))

    def test_cron_survives_a_bad_card(self):
        with freeze_time("2024-01-10"):
            self._pay(self._invoice(300.0, invoice_date="2024-01-10"))
            other = self.env["res.partner"].create(
                {"name": "Other", "company_id": False}
            )
            self._pay(self._invoice(100.0, partner=other, invoice_date="2024-01-10"))
        bad, good = self._card(), self._card(other)
        engine = type(self.env["crm.lifecycle.loyalty.engine"])
        original = engine._expire_card

        def expire_card(self_, card, *args):
            if card == bad:
                raise ValueError("broken card")
            return original(self_, card, *args)

        with (
            freeze_time("2025-03-01"),
            self.assertLogs(
                "odoo.addons.crm_lifecycle.models.loyalty_card", level="ERROR"
            ),
        ):
            with patch.object(engine, "_expire_card", expire_card):
                self._run_cron()
            self.assertEqual(good.points, 0.0)
            self.assertEqual(bad.points, 300.0)
            # Not counted as checked today (it was): a later call retries it,
            # and once mended its points expire the same day.
            self.assertFalse(bad.lifecycle_expiry_check_date)
            self.assertTrue(good.lifecycle_expiry_check_date)
            self._run_cron()
            self.assertEqual(bad.points, 0.0)
