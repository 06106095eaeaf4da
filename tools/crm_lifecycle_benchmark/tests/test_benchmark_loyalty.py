from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.crm_lifecycle_benchmark.benchmark import data, floor_loyalty

from .common_benchmark import BenchmarkCommon


@tagged("post_install", "-at_install")
class TestBenchmarkLoyalty(BenchmarkCommon):
    """The benchmark's loyalty and survey data at a tiny scale: the company
    has a loyalty program and tiers that split the customers, some of them
    were members already (without any invoice awarded twice), a fifth
    answered the satisfaction survey; the loyalty reset empties what the
    module writes, and the SQL floor writes exactly what the module writes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.program = cls.company.lifecycle_loyalty_program_id

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def _awarded(self):
        """{invoice id: points it gave}, as the invoices tell it."""
        self.env.flush_all()
        moves = self.env["account.move"].search(
            [("move_type", "in", ("out_invoice", "out_refund"))]
        )
        moves.invalidate_recordset(["lifecycle_loyalty_points"])
        return {move.id: move.lifecycle_loyalty_points for move in moves}

    def _given_by_history(self):
        """{invoice id: points its history lines say it gave}."""
        self.env.cr.execute(
            "SELECT order_id, SUM(COALESCE(issued, 0) - COALESCE(used, 0))"
            " FROM loyalty_history WHERE order_model = 'account.move'"
            " GROUP BY order_id"
        )
        return dict(self.env.cr.fetchall())

    def _card_points(self):
        """{partner id: card balance} on the lifecycle program."""
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT partner_id, points FROM loyalty_card WHERE program_id = %s",
            [self.program.id],
        )
        return dict(self.env.cr.fetchall())

    def _outputs(self):
        """Everything the loyalty recompute writes, per partner and per
        invoice, as comparable values."""
        self.env.flush_all()
        self.env.invalidate_all()
        cr = self.env.cr
        cr.execute(
            """
            SELECT id, loyalty_company_id,
                   (loyalty_tier_id->>loyalty_company_id::text)::int,
                   (loyalty_tier_since->>loyalty_company_id::text)::date,
                   (loyalty_tier_review_date->>loyalty_company_id::text)::date,
                   (loyalty_next_tier_id->>loyalty_company_id::text)::int,
                   COALESCE(
                       (loyalty_next_tier_missing->>loyalty_company_id::text)::float8,
                       0),
                   -- The figures are held in the ranking company only.
                   (SELECT array_agg(DISTINCT k ORDER BY k) FROM (
                       SELECT jsonb_object_keys(loyalty_tier_id) AS k
                        UNION ALL
                       SELECT jsonb_object_keys(loyalty_next_tier_id)) keys)
              FROM res_partner
             WHERE active AND id = commercial_partner_id
            """
        )
        partners = {row[0]: row[1:] for row in cr.fetchall()}
        cr.execute(
            """
            SELECT c.partner_id, h.order_id, h.issued, h.used, h.lifecycle_kind,
                   h.lifecycle_date, h.description
              FROM loyalty_history h
              JOIN loyalty_card c ON c.id = h.card_id
             ORDER BY 1, 2, 3, 4, 5, 6, 7
            """
        )
        history = cr.fetchall()
        return {
            "partners": partners,
            "cards": self._card_points(),
            "history": history,
            "awarded": self._awarded(),
        }

    def _recompute_by_module(self):
        self.env["res.partner"].with_context(
            tracking_disable=True
        )._lifecycle_recompute_all()
        self.env.flush_all()

    # ------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------

    def test_loyalty_configuration(self):
        self.assertTrue(self.program)
        self.assertEqual(self.program.program_type, "loyalty")
        self.assertEqual(self.company.lifecycle_loyalty_points_rate, 0.1)
        self.assertEqual(self.company.lifecycle_loyalty_expiry_months, 24)
        tiers = self.env["crm.lifecycle.loyalty.tier"].search(
            [("company_id", "=", self.company.id)], order="sequence"
        )
        self.assertEqual(tiers.mapped("name"), ["Bronze", "Silver", "Gold"])
        self.assertEqual(tiers.mapped("threshold"), [150.0, 300.0, 450.0])
        self.assertEqual(set(tiers.mapped("basis")), {"points"})
        self.assertFalse(tiers.pricelist_id)
        self.assertEqual(data.check_consistency(self.env.cr), [])

    def test_members_before_the_first_recompute(self):
        """Some customers already have a card whose history tells what each
        of their invoices gave, dated when it was earned (at least 30 days
        ago), and the invoices say the same."""
        cards = self.env["loyalty.card"].search([("program_id", "=", self.program.id)])
        members = cards.partner_id & self.customers
        self.assertTrue(0 < len(members) < len(self.customers), len(members))
        for card in cards:
            self.assertAlmostEqual(
                card.points,
                sum(card.history_ids.mapped("issued"))
                - sum(card.history_ids.mapped("used")),
                places=2,
            )
        history = cards.history_ids
        self.assertTrue(history)
        self.assertLessEqual(
            max(
                history.filtered(lambda h: h.card_id.partner_id in members).mapped(
                    "lifecycle_date"
                )
            ),
            self.today - timedelta(days=30),
        )
        given = self._given_by_history()
        awarded = self._awarded()
        self.assertEqual(
            {move_id for move_id, points in awarded.items() if points},
            set(given),
        )
        for move_id, points in given.items():
            self.assertAlmostEqual(awarded[move_id], points, places=2)

    def test_survey_answers(self):
        survey = self.env.ref("crm_lifecycle.survey_survey_customer_satisfaction")
        answers = self.env["survey.user_input"].search(
            [("survey_id", "=", survey.id), ("partner_id", "in", self.customers.ids)]
        )
        self.assertEqual(len(answers), 8, "20 % of the 40 customers")
        self.assertEqual(set(answers.mapped("state")), {"done"})
        now = fields.Datetime.now()
        for answer in answers:
            self.assertGreater(answer.end_datetime, now - timedelta(days=366))
            self.assertLessEqual(answer.end_datetime, now)
            self.assertEqual(len(answer.user_input_line_ids), 3)
            self.assertEqual(
                set(answer.user_input_line_ids.question_id.ids),
                set(survey.question_ids.ids),
            )
        self.assertEqual(
            len(set(answers.mapped("access_token"))), len(answers), "unique tokens"
        )
        responses = self.env["crm.lifecycle.survey.response"].search(
            [("user_input_id", "in", answers.ids)]
        )
        self.assertEqual(responses.user_input_id, answers)
        for response in responses:
            answer = response.user_input_id
            nps_line = answer.user_input_line_ids.filtered(
                lambda line: line.question_id.crm_lifecycle_kind == "nps"
            )
            self.assertEqual(response.nps_score, nps_line.value_scale)
            self.assertEqual(response.date, answer.end_datetime)
            self.assertEqual(
                response.nps_category,
                "promoter"
                if response.nps_score >= 9
                else "passive"
                if response.nps_score >= 7
                else "detractor",
            )
            partner = response.commercial_partner_id
            self.assertEqual(partner.nps_last_score, response.nps_score)
            self.assertEqual(partner.csat_last_score, response.csat_score)
            self.assertEqual(partner.survey_last_date, response.date)
            self.assertEqual(partner.nps_category, response.nps_category)
        self.assertGreater(len(set(responses.mapped("nps_category"))), 1)
        summary = self.env["crm.lifecycle.survey.response"]._crm_lifecycle_nps_summary(
            now - timedelta(days=366), now + timedelta(days=1)
        )
        self.assertGreaterEqual(summary["nps_count"], len(responses))

    def test_reset_and_floor_match_the_module(self):
        cr = self.env.cr
        before = self._outputs()
        self.assertFalse(
            any(values[1] for values in before["partners"].values()),
            "no tier before the first recompute",
        )
        # What the reset leaves: the benchmark's members as they were, and
        # no partner with any loyalty company or tier (the installation's own
        # recompute gave the partners that existed then a next tier).
        blank = (None, None, None, None, None, 0.0, None)
        reset = dict(before, partners=dict.fromkeys(before["partners"], blank))
        self._recompute_by_module()
        by_module = self._outputs()

        # The tiers split the customers.
        tiers = [by_module["partners"][pid][1] for pid in self.customers.ids]
        reached = {tier for tier in tiers if tier}
        self.assertGreaterEqual(len(reached), 2, tiers)
        # New points for members and non-members, nothing awarded twice.
        self.assertGreater(len(by_module["history"]), len(before["history"]))
        self.assertGreater(len(by_module["cards"]), len(before["cards"]))
        given = self._given_by_history()
        for move_id, points in by_module["awarded"].items():
            self.assertAlmostEqual(points, given.get(move_id, 0.0), places=2)

        floor_loyalty.reset_loyalty_outputs(cr)
        self.assertEqual(self._outputs(), reset)
        partners = self.env["res.partner"].search([("id", "in", self.customers.ids)])
        self.assertFalse(partners.loyalty_tier_id)
        self.assertFalse(partners.loyalty_next_tier_id)
        self.assertFalse(partners.loyalty_company_id)

        floor_loyalty.floor_loyalty(cr, self.today)
        by_floor = self._outputs()
        self.assertEqual(by_floor["cards"], by_module["cards"])
        self.assertEqual(by_floor["awarded"], by_module["awarded"])
        self.assertEqual(by_floor["history"], by_module["history"])
        self.assertEqual(by_floor["partners"], by_module["partners"])

        # Reset and floor again: the same (the floor can run twice in one
        # transaction, the reset starts over from the benchmark's members).
        floor_loyalty.reset_loyalty_outputs(cr)
        self.assertEqual(self._outputs(), reset)
        floor_loyalty.floor_loyalty(cr, self.today)
        self.assertEqual(self._outputs()["partners"], by_module["partners"])
