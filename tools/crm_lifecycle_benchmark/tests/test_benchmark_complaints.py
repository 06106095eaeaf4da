from odoo.tests import tagged

from odoo.addons.crm_lifecycle.models.res_partner_complaint import COMPLAINT_FIGURES
from odoo.addons.crm_lifecycle_benchmark.benchmark import (
    data,
    floor_complaints,
    measures,
    naive,
)

from .common_benchmark import BenchmarkCommon


@tagged("post_install", "-at_install")
class TestBenchmarkComplaints(BenchmarkCommon):
    """The bench complaint cases, and the floor and the naive peer of the
    complaint figures, which must give the module's."""

    def _figures(self):
        self.env.flush_all()
        self.env.invalidate_all()
        # The figures are each company's: every company's are compared.
        return {
            (company.id, partner.id): tuple(partner[name] for name in COMPLAINT_FIGURES)
            for company in self.env["res.company"].search([])
            for partner in self.customers.with_company(company)
        }

    def test_cases_are_built_once(self):
        cases = self.env["crm.lifecycle.complaint"].search(
            [("name", "=like", "BENCH/CASE/%")]
        )
        self.assertGreater(len(cases), len(self.customers))
        self.assertEqual(data.build_complaints(self.env), 0)
        self.assertEqual(set(cases.mapped("is_closed")), {True, False})
        self.assertFalse(cases.filtered(lambda c: c.is_closed and not c.date_closed))

    def test_module_floor_and_naive_peer_agree_on_the_complaint_figures(self):
        measures.reset_outputs_complaints(self.env)
        self.customers._lifecycle_recompute(frozenset({"complaint"}))
        by_module = self._figures()
        self.assertTrue(any(figures[0] for figures in by_module.values()))
        measures.reset_outputs_complaints(self.env)
        floor_complaints.floor_complaints(self.env.cr)
        self.assertEqual(self._figures(), by_module)
        measures.reset_outputs_complaints(self.env)
        for partner in self.customers:
            naive.complaints(self.env, partner)
        self.assertEqual(self._figures(), by_module)

    def test_sla_job_escalates_the_cases_not_escalated_yet(self):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT COUNT(*) FROM crm_lifecycle_complaint WHERE NOT is_closed"
            " AND sla_deadline < now() AT TIME ZONE 'UTC'"
            " AND escalated_deadline IS NULL"
        )
        due = self.env.cr.fetchone()[0]
        Complaint = self.env["crm.lifecycle.complaint"]
        while Complaint._cron_escalate():
            pass
        self.env.cr.execute(
            "SELECT COUNT(*) FROM crm_lifecycle_complaint WHERE NOT is_closed"
            " AND sla_deadline < now() AT TIME ZONE 'UTC'"
            " AND escalated_deadline IS DISTINCT FROM sla_deadline"
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        escalations = self.env["mail.activity"].search_count(
            [("res_model", "=", "crm.lifecycle.complaint")]
        )
        self.assertEqual(escalations, due)
