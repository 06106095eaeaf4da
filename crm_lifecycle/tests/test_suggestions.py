from unittest.mock import patch

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import freeze_time, tagged

from .common_suggestion import TODAY, CrmLifecycleSuggestionCommon, ago


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestSuggestions(CrmLifecycleSuggestionCommon):
    """The scheduled action's suggestions on the planted pattern: what was
    bought together comes first, with its reason; nothing the customer
    bought, credited or complained about, nothing archived or unsaleable;
    a customer without recent purchases gets its segment's best sellers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.groups = cls._plant()
        cls.buyer = cls._new_customer("Kappa Optics")
        cls._post([(cls.buyer, ago(20), ["P", "A"])])

    def test_planted_pattern_recovered_with_its_reason(self):
        self._run()
        suggested = self._suggested(self.buyer)
        self.assertEqual(suggested[0], ("B", "cooccurrence"))
        self.assertEqual(len(suggested), 5)
        top = self.env["crm.lifecycle.suggestion"].search(
            [("partner_id", "=", self.buyer.id), ("rank", "=", 1)]
        )
        self.assertEqual(top.because_product_id, self.p["A"])
        self.assertEqual(
            top.reason, "Customers who bought Gadget A also bought Gadget B"
        )
        self.assertGreater(top.score, 1.0)
        self.assertEqual(top.date, TODAY)
        self.assertNotIn("B", [name for name, _m in self._suggested(self.buyer)[1:]])

    def test_never_what_was_bought(self):
        self._run()
        for partner in self.buyer | self.groups["pair_on"][0]:
            names = [name for name, _method in self._suggested(partner)]
            self.assertNotIn("P", names)
            self.assertNotIn("A", names)
        names = [name for name, _method in self._suggested(self.groups["pair_on"][0])]
        self.assertNotIn("B", names)
        self.assertNotIn("F", names)
        # Bought once, long before the window: still not suggested again.
        old = self._new_customer("Lambda Textiles")
        self._post([(old, ago(1000), ["B"]), (old, ago(20), ["P", "A"])])
        self._run()
        self.assertNotIn("B", [name for name, _m in self._suggested(old)])

    def test_credited_and_complained_products_excluded(self):
        credited = self._new_customer("Mu Foods")
        complained = self._new_customer("Nu Paints")
        self._post([(credited, ago(20), ["P", "A"]), (complained, ago(20), ["P", "A"])])
        # A credit note for B alone: a return, whatever was invoiced.
        self._post([(credited, ago(10), ["B"])], move_type="out_refund")
        self.env["crm.lifecycle.complaint"].create(
            {
                "subject": "Gadget B broke",
                "partner_id": complained.id,
                "product_ids": [Command.set(self.p["B"].ids)],
            }
        )
        self._run()
        self.assertEqual(self._suggested(self.buyer)[0][0], "B")
        for partner in credited | complained:
            names = [name for name, _method in self._suggested(partner)]
            self.assertEqual(len(names), 5)
            self.assertNotIn("B", names)

    def test_archived_and_unsaleable_products_excluded(self):
        self.p["B"].active = False
        self._run()
        self.assertNotIn("B", [name for name, _m in self._suggested(self.buyer)])
        self.assertEqual(self._suggested(self.buyer)[0][0], "F")
        self.p["B"].active = True
        self.p["F"].product_tmpl_id.sale_ok = False
        self._run()
        names = [name for name, _m in self._suggested(self.buyer)]
        self.assertEqual(names[0], "B")
        self.assertNotIn("F", names)

    def test_segment_and_company_fallbacks(self):
        Partner = self.env["res.partner"]
        lapsed = self._new_customer("Xi Glass")
        lost = self._new_customer("Omicron Tiles")
        self._post([(lapsed, ago(1000), ["A"]), (lost, ago(1000), ["A"])])
        # The "other" customers and the lost customer are in one segment.
        Partner._lifecycle_write_company_figures(
            {pid: {"rfm_segment": "need_attention"} for pid in self.groups["other"].ids}
            | {lost.id: {"rfm_segment": "need_attention"}},
            self.env.company,
            ["rfm_segment"],
        )
        self._run()
        segment = self._suggested(lost)
        self.assertEqual(
            {name for name, _m in segment[:3]},
            {"P", "C", "D"},
            "the segment buys these",
        )
        self.assertEqual({method for _n, method in segment}, {"segment"})
        self.assertNotIn("A", [name for name, _m in segment])
        reason = self.env["crm.lifecycle.suggestion"].search(
            [("partner_id", "=", lost.id), ("rank", "=", 1)]
        )
        self.assertEqual(reason.reason, "A best seller among Need Attention customers")
        self.assertEqual(reason.score, 1.0, "every customer of the segment bought P")
        company = self._suggested(lapsed)
        self.assertEqual(company[0], ("P", "popular"))
        # Then B (24 customers), then three of E1 to E5 (20 each).
        self.assertEqual(company[1], ("B", "popular"))
        self.assertLessEqual(
            {name for name, _m in company[2:]}, {"E1", "E2", "E3", "E4", "E5"}
        )
        self.assertEqual(len(company), 5)

    def test_rewritten_and_dropped(self):
        self._run()
        first = self.env["crm.lifecycle.suggestion"].search(
            [("partner_id", "=", self.buyer.id)]
        )
        self.assertEqual(len(first), 5)
        self._run()
        second = self.env["crm.lifecycle.suggestion"].search(
            [("partner_id", "=", self.buyer.id)]
        )
        self.assertEqual(len(second), 5)
        self.assertFalse(first.exists(), "rewritten, not added to")
        self.buyer.active = False
        self._run()
        self.assertFalse(
            self.env["crm.lifecycle.suggestion"].search(
                [("partner_id", "=", self.buyer.id)]
            )
        )

    def test_cron_resumes_and_keeps_a_failed_customer(self):
        """The daily job runs on the batch runner: a customer whose batch
        fails keeps its suggestions and is not marked done; the others are
        done; a call that finds nothing left says so."""
        Engine = self.env["crm.lifecycle.suggestion.engine"]
        self._run()
        before = self._suggested(self.buyer)
        self.env.cr.execute(
            "UPDATE res_partner SET lifecycle_suggestion_date = NULL"
            " WHERE lifecycle_suggestion_date IS NOT NULL"
        )
        self.env.invalidate_all()
        original = type(Engine)._suggestion_rows
        buyer_id = self.buyer.id

        def failing(engine, company, model, today, partner_ids, *args):
            if buyer_id in partner_ids:
                raise ValueError("broken customer")
            return original(engine, company, model, today, partner_ids, *args)

        with (
            patch.object(type(Engine), "_suggestion_rows", failing),
            self.assertLogs(
                "odoo.addons.crm_lifecycle.models.crm_lifecycle_suggestion_engine",
                "ERROR",
            ),
        ):
            self.env["crm.lifecycle.batch"]._batch_forget_failures(
                ("suggestion", self.env.company.id)
            )
            while Engine._run_step(batch_size=7):
                pass
        self.assertEqual(self._suggested(self.buyer), before, "kept as it was")
        self.assertFalse(
            self.buyer.with_company(self.env.company).lifecycle_suggestion_date
        )
        other = self.groups["other"][0].with_company(self.env.company)
        self.assertEqual(other.lifecycle_suggestion_date, TODAY)
        self.assertEqual(Engine._run_step(batch_size=7), 0)

    def test_evaluation_beats_the_best_sellers(self):
        """Held out: each customer's last purchase. The pair customers who
        stopped after B are found by their A; the best sellers they had not
        bought are E1 to E5. F and D were never bought before a last
        purchase: nobody can find them. The crowd's last purchase has
        nothing new: it is not in the sample."""
        evaluation = self.env["crm.lifecycle.suggestion.evaluation"].with_user(
            self.manager
        )
        evaluation.action_evaluate()
        row = evaluation.search([("company_id", "=", self.env.company.id)])
        self.assertEqual(len(row), 1)
        self.assertEqual(row.sample, 36 + 0)
        self.assertEqual(row.hits, 12)
        self.assertEqual(row.baseline_hits, 0)
        self.assertAlmostEqual(row.hit_rate, 12 / 36, places=4)
        self.assertGreater(row.hit_rate, row.baseline_hit_rate)
        self.assertEqual(row.window_months, 24)

    def test_window_setting(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_lifecycle.suggestion_window_months", 1
        )
        self._run()
        # Only the buyer and the last purchases are in the last month.
        self.assertEqual([name for name, _m in self._suggested(self.buyer)][:1], ["F"])

    def test_bad_settings_refused_or_read_as_default(self):
        Params = self.env["ir.config_parameter"].sudo()
        for value in (0, 121, -5):
            with self.assertRaises(ValidationError):
                self.env["res.config.settings"].create(
                    {"crm_lifecycle_suggestion_window_months": value}
                ).execute()
        self.assertFalse(Params.get_param("crm_lifecycle.suggestion_window_months"))
        settings = self.env["res.config.settings"].create(
            {"crm_lifecycle_suggestion_window_months": 6}
        )
        settings.execute()
        self.assertEqual(
            self.env["crm.lifecycle.settings"]._get("suggestion_window_months"), 6
        )
        Params.set_param("crm_lifecycle.suggestion_window_months", "soon")
        with self.assertLogs("odoo.addons.crm_lifecycle", "WARNING"):
            self.assertEqual(
                self.env["crm.lifecycle.settings"]._get("suggestion_window_months"),
                24,
            )


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestSuggestionOnQuotation(CrmLifecycleSuggestionCommon):
    """The quotation's one-click list: a line added through the ORM, only
    on a quotation of the suggestion's customer that the user may edit."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._plant()
        cls.buyer = cls._new_customer("Kappa Optics", user_id=cls.sales_user.id)
        cls.stranger = cls._new_customer("Sigma Steel", user_id=cls.sales_user.id)
        cls._post(
            [(cls.buyer, ago(20), ["P", "A"]), (cls.stranger, ago(20), ["P", "C"])]
        )

    def _order(self, partner, user=None):
        return (
            self.env["sale.order"]
            .with_user(user or self.sales_user)
            .create(
                {
                    "partner_id": partner.id,
                    "user_id": (user or self.sales_user).id,
                    "order_line": [Command.create({"product_id": self.p["P"].id})],
                }
            )
        )

    def test_add_to_quotation(self):
        self._run()
        order = self._order(self.buyer)
        shown = order.lifecycle_suggestion_ids
        self.assertEqual(shown[0].product_id, self.p["B"])
        self.assertEqual(len(shown), 5)
        shown[0].with_context(lifecycle_order_id=order.id).action_add_to_order()
        self.assertIn(self.p["B"], order.order_line.product_id)
        self.assertNotIn(self.p["B"], order.lifecycle_suggestion_ids.product_id)
        with self.assertRaises(UserError):
            shown[0].with_context(lifecycle_order_id=order.id).action_add_to_order()

    def test_refused_without_changing_anything(self):
        self._run()
        order = self._order(self.buyer)
        other_order = self._order(self.stranger)
        suggestion = order.lifecycle_suggestion_ids[0]
        lines = order.order_line | other_order.order_line
        for context in (
            {},
            {"lifecycle_order_id": "1"},
            {"lifecycle_order_id": 10**9},
            {"lifecycle_order_id": other_order.id},
        ):
            with self.subTest(context=context), self.assertRaises(UserError):
                suggestion.with_context(**context).action_add_to_order()
        order.action_confirm()
        with self.assertRaises(UserError):
            suggestion.with_context(lifecycle_order_id=order.id).action_add_to_order()
        self.assertEqual(
            (order.order_line | other_order.order_line), lines, "no line added"
        )
