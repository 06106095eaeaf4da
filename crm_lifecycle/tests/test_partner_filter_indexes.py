from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL
from odoo.tools.sql import make_index_name


@tagged("post_install", "-at_install")
class TestPartnerFilterIndexes(TransactionCase):
    """The partner list's filters on company-dependent figures read an index
    of the current company, in every company, a new one included."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.other = cls.env["res.company"].create({"name": "Filtered Company"})
        cls.grade_d, cls.grade_a = cls.env["res.partner"].create(
            [
                {"name": "Geç Öder", "is_company": True},
                {"name": "Zamanında Öder", "is_company": True},
            ]
        )
        cls.grade_d.with_company(cls.company).sudo().write(
            {"payment_grade": "D", "rfm_segment": "at_risk"}
        )
        cls.grade_a.with_company(cls.company).sudo().write({"payment_grade": "A"})
        cls.grade_a.with_company(cls.other).sudo().write(
            {"payment_grade": "D", "payment_trend": "worsening"}
        )

    def _plan(self, domain, company):
        """The plan of the list's query, with sequential scans priced out."""
        query = self.env["res.partner"].with_company(company)._search(domain)
        self.env.cr.execute(SQL("EXPLAIN %s", query.select()))
        return "\n".join(row[0] for row in self.env.cr.fetchall())

    def test_each_filter_of_each_company_reads_its_index(self):
        """Planned on an empty copy of the partner table and of all its
        indexes, in the session's temporary schema, which PostgreSQL
        searches first. The real table cannot tell: PostgreSQL does not use
        an index made while the table had recent in-place updates (the
        installation's, this test's company) for as long as a transaction
        older than the index runs, anywhere on the server."""
        self.env.cr.execute(
            "CREATE TEMPORARY TABLE res_partner"
            " (LIKE public.res_partner INCLUDING INDEXES)"
        )
        self.addCleanup(self.env.cr.execute, "DROP TABLE pg_temp.res_partner")
        self.env.cr.execute("SET enable_seqscan = off")
        self.addCleanup(self.env.cr.execute, "RESET enable_seqscan")
        domains = {
            "rfm_segment": [("rfm_segment", "in", ("at_risk", "cant_lose"))],
            "payment_grade": [("payment_grade", "=", "D")],
            "payment_trend": [("payment_trend", "=", "worsening")],
        }
        for company in (self.company, self.other):
            for name, domain in domains.items():
                with self.subTest(company=company.name, field=name):
                    self.assertIn(
                        f"Index Cond: ((({name} -> '{company.id}'::text)",
                        self._plan(domain, company),
                    )
                    # The copy's index is the real one's, which is there.
                    self.env.cr.execute(
                        "SELECT 1 FROM pg_indexes WHERE schemaname = 'public'"
                        " AND indexname = %s AND indexdef LIKE %s",
                        [
                            make_index_name(
                                "res_partner", f"crm_lifecycle_{name}_{company.id}"
                            ),
                            f"%({name} -> '{company.id}'::text)%IS NOT NULL)",
                        ],
                    )
                    self.assertTrue(self.env.cr.fetchone())

    def test_filter_keeps_to_the_current_company(self):
        Partner = self.env["res.partner"]
        candidates = self.grade_d | self.grade_a
        domain = [("payment_grade", "=", "D"), ("id", "in", candidates.ids)]
        self.assertEqual(
            Partner.with_company(self.company).search(domain), self.grade_d
        )
        self.assertEqual(Partner.with_company(self.other).search(domain), self.grade_a)
        self.assertEqual(
            Partner.with_company(self.company).search(
                [("payment_grade", "in", ("D", "E")), ("id", "in", candidates.ids)]
            ),
            self.grade_d,
        )
