from unittest.mock import patch

from odoo.modules.module import get_manifest
from odoo.tests import TransactionCase, tagged
from odoo.tools import convert_file


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    """The demo data behind tools/demo (the manifest's demo files), so that
    the demo database keeps showing every feature."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The test database is built without demo data: the files are loaded
        # here as an installation loads them, before the registry is ready,
        # the only time the superuser may write the creation dates that date
        # the first contacts and deals.
        idref = {}
        with patch.object(cls.registry, "ready", False):
            for filename in get_manifest("crm_lifecycle")["demo"]:
                convert_file(
                    cls.env(su=True),
                    "crm_lifecycle",
                    filename,
                    idref,
                    mode="init",
                    noupdate=True,
                    kind="demo",
                )
        cls.partners = cls._demo_records("res.partner")

    @classmethod
    def _demo_records(cls, model):
        data = cls.env["ir.model.data"].search(
            [
                ("module", "=", "crm_lifecycle"),
                ("model", "=", model),
                ("name", "=like", "%\\_demo"),
            ]
        )
        return cls.env[model].browse(data.mapped("res_id"))

    def test_demo_customers_are_in_every_phase_since_up_to_two_years(self):
        self.assertEqual(len(self.partners), 50)
        self.assertEqual(
            set(self.partners.mapped("lifecycle_phase")),
            {"selection", "acquisition", "retention", "extension"},
        )
        history = self.env["crm.lifecycle.phase.history"].search(
            [("partner_id", "in", self.partners.ids)]
        )
        # History rebuilt from two years of records, not all started today.
        self.assertGreater(len(set(history.mapped("date_start"))), 20)
        first_contacts = self.partners.mapped("lifecycle_first_contact_date")
        self.assertGreater((max(first_contacts) - min(first_contacts)).days, 365)
        self.assertTrue(self.partners.filtered("lifecycle_first_purchase_date"))

    def test_demo_invoices_are_paid_on_time_late_in_part_or_not(self):
        invoices = self._demo_records("account.move")
        self.assertEqual(set(invoices.mapped("state")), {"posted"})
        self.assertTrue(
            {"paid", "partial", "not_paid"} <= set(invoices.mapped("payment_state"))
        )
        graded = self.partners.filtered("payment_grade")
        self.assertIn("A", graded.mapped("payment_grade"))
        self.assertGreater(len(set(graded.mapped("payment_grade"))), 1)

    def test_demo_loyalty_program_has_members_with_a_tier(self):
        program = self.env.ref("crm_lifecycle.loyalty_program_lifecycle_demo")
        self.assertEqual(self.env.company.lifecycle_loyalty_program_id, program)
        members = self.partners.filtered("loyalty_tier_id")
        self.assertTrue(members)
        cards = self.env["loyalty.card"].search(
            [("program_id", "=", program.id), ("partner_id", "in", self.partners.ids)]
        )
        self.assertLessEqual(members, cards.filtered("points").partner_id)

    def test_demo_survey_answers_make_promoters_and_detractors(self):
        answers = self._demo_records("survey.user_input")
        self.assertEqual(set(answers.mapped("state")), {"done"})
        responses = self.env["crm.lifecycle.survey.response"].search(
            [("user_input_id", "in", answers.ids)]
        )
        self.assertEqual(len(responses), len(answers))
        categories = set(self.partners.mapped("nps_category"))
        self.assertTrue({"promoter", "passive", "detractor"} <= categories)

    def test_demo_customers_have_retention_scores_and_one_funnel_bottleneck(self):
        self.assertGreater(
            len(set(self.partners.filtered("rfm_segment").mapped("rfm_segment"))), 3
        )
        summary = self.env["crm.lifecycle.funnel.summary"].search([])
        self.assertEqual(len(summary.filtered("is_bottleneck")), 1)

    def test_demo_complaints_fill_the_backlog_the_reports_and_the_customers(self):
        cases = self._demo_records("crm.lifecycle.complaint")
        self.assertEqual(len(cases), 7)
        self.assertEqual(len(cases.category_id), 2)
        open_cases = cases.filtered(lambda case: not case.is_closed)
        closed = cases - open_cases
        # The backlog kanban shows a case in each open stage.
        self.assertEqual(len(open_cases.stage_id), 3)
        self.assertEqual(len(closed), 4)
        for case in closed:
            self.assertTrue(case.resolution)
            self.assertGreater(case.date_closed, case.date_open)
            self.assertGreater(case.resolution_hours, 0.0)
        self.assertEqual(closed.mapped("reopen_count").count(1), 1)
        # The case past its deadline, breached by the escalation job, and
        # its to-do; a case closed late breached too.
        late = open_cases.filtered("sla_breached")
        self.assertEqual(len(late), 1)
        self.assertEqual(late.escalated_deadline, late.sla_deadline)
        self.assertTrue(late.activity_ids)
        self.assertEqual(len(closed.filtered("sla_breached")), 1)
        # The customers' figures and churn signal.
        customers = cases.commercial_partner_id
        self.assertEqual(sum(customers.mapped("complaint_count")), len(cases))
        self.assertEqual(sum(customers.mapped("complaint_open_count")), len(open_cases))
        signal = customers.filtered("complaint_churn_signal")
        self.assertTrue(signal)
        self.assertLess(len(signal), len(customers))
        # The analyses have them.
        [totals] = self.env["crm.lifecycle.complaint.report"].read_group(
            [("complaint_id", "in", cases.ids)], ["case_count:sum"], []
        )
        self.assertEqual(totals["case_count"], len(cases))
        self.assertTrue(
            self.env["crm.lifecycle.complaint.sla.report"].search(
                [("category_id", "in", cases.category_id.ids)]
            )
        )
