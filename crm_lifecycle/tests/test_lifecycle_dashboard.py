import json
import re
from collections import Counter, defaultdict
from datetime import date, datetime
from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.modules.module import get_manifest
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import convert_file
from odoo.tools.safe_eval import safe_eval

from odoo.addons.spreadsheet.utils.validate_data import (
    fields_in_spreadsheet,
    menus_xml_ids_in_spreadsheet,
)

from ..models.crm_lifecycle_phase_history import PHASE_RANK, PHASES

FORMULA = re.compile(r"PIVOT\.(VALUE|HEADER)\(([^()]*)\)")
ARG = re.compile(r'"((?:[^"]|"")*)"|([^,]+)')
LAST_PHASE = PHASES[-1][0]


def month(value):
    """The first day of the month of a date or datetime (UTC)."""
    if isinstance(value, datetime):
        value = value.date()
    return value.replace(day=1)


@tagged("post_install", "-at_install")
class TestLifecycleDashboard(TransactionCase):
    """The Customer Lifecycle dashboard of the Dashboards app: its pivots,
    run as a lifecycle manager on the demo data, give the figures of the
    module's reports, computed here from the records they sum."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The demo data, loaded as tests/test_demo_data.py loads it.
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
        cls.dashboard = cls.env.ref("crm_lifecycle.spreadsheet_dashboard_crm_lifecycle")
        cls.data = json.loads(cls.dashboard.spreadsheet_data)
        cls.pivots = cls.data["pivots"]
        # A lifecycle manager who also reads invoices: the overdue amounts
        # of the payment figures are the accountants' (see SECURITY.md).
        cls.manager = new_test_user(
            cls.env,
            login="lc_dashboard_manager",
            groups="crm_lifecycle.group_crm_lifecycle_manager,"
            "account.group_account_invoice",
        )
        cls.bare_manager = new_test_user(
            cls.env,
            login="lc_dashboard_bare_manager",
            groups="crm_lifecycle.group_crm_lifecycle_manager",
        )
        cls._complaints()

    @classmethod
    def _complaints(cls):
        """The demo has no complaint: three cases, one closed."""
        category = cls.env["crm.lifecycle.complaint.category"].create(
            {"name": "Dashboard delivery"}
        )
        partners = cls.env["res.partner"].search(
            [("lifecycle_phase", "!=", False)], limit=3, order="id"
        )
        cases = cls.env["crm.lifecycle.complaint"].create(
            [
                {
                    "partner_id": partner.id,
                    "subject": f"Late delivery {i}",
                    "category_id": category.id,
                }
                for i, partner in enumerate(partners)
            ]
        )
        cases[0].write(
            {
                "resolution": "Delivered.",
                "stage_id": cls.env.ref(
                    "crm_lifecycle.crm_lifecycle_complaint_stage_resolved"
                ).id,
            }
        )
        cases[1].stage_id = cls.env.ref(
            "crm_lifecycle.crm_lifecycle_complaint_stage_in_progress"
        )
        cls.env.flush_all()

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _key(self, value):
        if hasattr(value, "_name"):
            return value.id
        if isinstance(value, date | datetime):
            return month(value)
        return value

    def _run(self, pivot_id, filters=None, user=None):
        """The pivot's figures as the spreadsheet reads them: its domain, the
        global filters through its field matching, its row and column
        groups, its measures. ``filters``: {filter id: ids}."""
        pivot = self.pivots[pivot_id]
        Model = self.env[pivot["model"]].with_user(user or self.manager)
        domain = list(pivot["domain"])
        for filter_id, ids in (filters or {}).items():
            chain = pivot["fieldMatching"].get(filter_id)
            if chain:
                domain.append((chain["chain"], "in", ids))
        groupby = [
            d["fieldName"] + (":" + d["granularity"] if d.get("granularity") else "")
            for d in pivot["rows"] + pivot["columns"]
        ]
        measures = [m["fieldName"] for m in pivot["measures"]]
        aggregates = [
            m if m == "__count" else f"{m}:{Model._fields[m].aggregator}"
            for m in measures
        ]
        result = {}
        for row in Model._read_group(domain, groupby, aggregates):
            key = tuple(self._key(v) for v in row[: len(groupby)])
            result[key] = dict(zip(measures, row[len(groupby) :], strict=True))
        return result

    def _filter_id(self, label):
        return next(f["id"] for f in self.data["globalFilters"] if f["label"] == label)

    def _history(self):
        """Per customer and phase entered: the first entry; and each
        customer's furthest phase."""
        first, reach = {}, defaultdict(int)
        for row in self.env["crm.lifecycle.phase.history"].search([]):
            key = (row.partner_id, row.phase)
            if key not in first or row.date_start < first[key]:
                first[key] = row.date_start
            reach[row.partner_id] = max(reach[row.partner_id], PHASE_RANK[row.phase])
        return first, reach

    # ------------------------------------------------------------------
    # The spreadsheet itself
    # ------------------------------------------------------------------

    def test_dashboard_is_shipped_for_lifecycle_managers(self):
        self.assertEqual(self.dashboard.dashboard_group_id.name, "Customer Lifecycle")
        self.assertEqual(
            self.dashboard.group_ids,
            self.env.ref("crm_lifecycle.group_crm_lifecycle_manager"),
        )
        Dashboard = self.env["spreadsheet.dashboard"]
        self.assertIn(self.dashboard, Dashboard.with_user(self.manager).search([]))
        user = new_test_user(
            self.env,
            login="lc_dashboard_user",
            groups="crm_lifecycle.group_crm_lifecycle_user",
        )
        self.assertNotIn(self.dashboard, Dashboard.with_user(user).search([]))
        # Live data on the demo database, the sample one without history.
        readonly = self.dashboard.with_user(self.manager).get_readonly_dashboard()
        self.assertNotIn("is_sample", readonly)
        self.assertEqual(readonly["snapshot"]["pivots"].keys(), self.pivots.keys())
        with patch.object(
            type(self.dashboard), "_dashboard_is_empty", lambda self: True
        ):
            sample = self.dashboard.get_readonly_dashboard()
        self.assertTrue(sample["is_sample"])
        self.assertFalse(sample["snapshot"]["pivots"])
        self.assertEqual(
            [s["name"] for s in sample["snapshot"]["sheets"]],
            [s["name"] for s in self.data["sheets"]],
        )
        self.assertEqual(
            {f["label"] for f in self.data["globalFilters"]},
            {"Period", "Company", "Salesperson", "Country"},
        )

    def test_every_model_and_field_exists_and_a_manager_reads_it(self):
        fields_by_model = fields_in_spreadsheet(self.data)
        for pivot in self.pivots.values():
            for matching in pivot["fieldMatching"].values():
                fields_by_model.setdefault(pivot["model"], set()).add(matching["chain"])
        self.assertGreaterEqual(len(fields_by_model), 7)
        for model_name, names in fields_by_model.items():
            for user in (self.manager, self.bare_manager):
                Model = self.env[model_name].with_user(user)
                self.assertTrue(Model.has_access("read"), (model_name, user.login))
            for name in names:
                Model = self.env[model_name]
                for part in name.split("."):
                    self.assertIn(part, Model._fields, (model_name, name))
                    field = Model._fields[part]
                    Model.with_user(self.manager).check_field_access_rights(
                        "read", [part]
                    )
                    if field.relational:
                        Model = self.env[field.comodel_name]
        # Without accounting rights a lifecycle manager reads every figure
        # but the overdue amounts, the accountants' (its cells show an
        # error, the rest of the dashboard its figures).
        refused = set()
        for model_name, names in fields_by_model.items():
            Model = self.env[model_name].with_user(self.bare_manager)
            for name in names:
                try:
                    Model.check_field_access_rights("read", [name.split(".")[0]])
                except AccessError:
                    refused.add((model_name, name))
        self.assertEqual(refused, {("res.partner", "payment_overdue_amount")})
        for xmlid in menus_xml_ids_in_spreadsheet(self.data):
            self.assertTrue(
                self.env.ref(xmlid).with_user(self.manager).has_access("read")
            )
        # Every pivot of the sheet runs as the manager.
        for pivot_id in self.pivots:
            self._run(pivot_id)

    def test_every_formula_reads_a_pivot_measure_and_group_it_has(self):
        formulas = 0
        for sheet in self.data["sheets"]:
            for cell in sheet["cells"].values():
                for kind, args in FORMULA.findall(cell["content"]):
                    formulas += 1
                    values = [
                        quoted.replace('""', '"') if quoted else bare.strip()
                        for quoted, bare in ARG.findall(args)
                    ]
                    pivot = self.pivots[values[0]]
                    groups = values[1:]
                    if kind == "VALUE":
                        measure, groups = values[1], values[2:]
                        self.assertIn(
                            measure, [m["fieldName"] for m in pivot["measures"]]
                        )
                    dims = {
                        d["fieldName"]
                        + (":" + d["granularity"] if d.get("granularity") else "")
                        for d in pivot["rows"] + pivot["columns"]
                    }
                    for group in groups[::2]:
                        self.assertIn(group.lstrip("#"), dims, cell["content"])
        self.assertGreater(formulas, 200)
        self.assertIn(
            "ColorScaleRule",
            {cf["rule"]["type"] for cf in self.data["sheets"][0]["conditionalFormats"]},
        )

    # ------------------------------------------------------------------
    # The figures against the reports
    # ------------------------------------------------------------------

    def test_customers_per_phase_conversion_and_bottleneck(self):
        figures = self._run("1")
        first, reach = self._history()
        partners = self.env["res.partner"].search([("lifecycle_phase", "!=", False)])
        now = Counter(
            p.lifecycle_phase for p in partners if p == p.commercial_partner_id
        )
        entered = Counter(phase for _p, phase in first)
        converted = Counter(phase for p, phase in first if reach[p] > PHASE_RANK[phase])
        self.assertTrue(now and entered)
        for phase, _label in PHASES:
            row = figures.get((phase,), {})
            self.assertEqual(row.get("customer_count", 0), now[phase], phase)
            self.assertEqual(row.get("entered_count", 0), entered[phase], phase)
            self.assertEqual(row.get("converted_count", 0), converted[phase], phase)
        # The conversion the sheet shows (converted / entered) is the
        # summary's, company by company.
        summary = self.env["crm.lifecycle.funnel.summary"].search([])
        companies = {line.company_id.id for line in summary}
        checked = 0
        for company_id in companies:
            if company_id:
                rows = self._run("1", {self._filter_id("Company"): [company_id]})
            elif len(companies) == 1:
                rows = self._run("1")
            else:
                continue  # customers of no company: no filter selects them alone
            for line in summary.filtered(lambda s, c=company_id: s.company_id.id == c):
                if line.phase == LAST_PHASE or not line.entered_count:
                    continue
                row = rows[(line.phase,)]
                self.assertAlmostEqual(
                    100.0 * row["converted_count"] / row["entered_count"],
                    line.conversion_rate,
                    places=6,
                )
                checked += 1
        self.assertTrue(checked)
        # The bottleneck: the phase of the lowest conversion of a company.
        by_company = defaultdict(lambda: [Counter(), Counter()])
        for partner, phase in first:
            counts = by_company[partner.company_id.id]
            counts[0][phase] += 1
            counts[1][phase] += reach[partner] > PHASE_RANK[phase]
        expected = set()
        for entered_by, converted_by in by_company.values():
            rates = {
                phase: converted_by[phase] / entered_by[phase]
                for phase, _l in PHASES[:-1]
                if entered_by[phase]
            }
            if rates:
                low = min(rates.values())
                expected |= {p for p, r in rates.items() if r == low}
        self.assertTrue(expected)
        self.assertEqual({key[0] for key in self._run("2")}, expected)

    def test_customers_entering_each_phase_by_month(self):
        first, _reach = self._history()
        expected = Counter(
            (month(start), phase) for (_p, phase), start in first.items()
        )
        figures = self._run("3")
        self.assertGreater(len({m for m, _p in expected}), 6)
        self.assertEqual(
            {key: row["customer_count"] for key, row in figures.items()}, dict(expected)
        )
        # Filtered on a salesperson and a country as the sheet filters.
        partner = next(p for p, _phase in first if p.user_id and p.country_id)
        filtered = self._run(
            "3",
            {
                self._filter_id("Salesperson"): partner.user_id.ids,
                self._filter_id("Country"): partner.country_id.ids,
            },
        )
        expected = Counter(
            (month(start), phase)
            for (p, phase), start in first.items()
            if p.user_id == partner.user_id and p.country_id == partner.country_id
        )
        self.assertTrue(expected)
        self.assertEqual(
            {key: row["customer_count"] for key, row in filtered.items()},
            dict(expected),
        )

    def _action_figures(self, xmlid, groupby, measures):
        action = self.env.ref(xmlid)
        Model = self.env[action.res_model]
        domain = safe_eval(action.domain or "[]")
        return {
            tuple(self._key(v) for v in row[:1]): row[1:]
            for row in Model._read_group(
                domain,
                [groupby],
                [f"{m}:{Model._fields[m].aggregator}" for m in measures],
            )
        }

    def test_annual_churn_by_month_is_the_churn_report(self):
        figures = self._run("4")
        report = self._action_figures(
            "crm_lifecycle.crm_lifecycle_churn_report_action",
            "month:month",
            ["churn_rate", "customer_count", "churned_count"],
        )
        self.assertTrue(report)
        self.assertEqual(
            {k: tuple(v.values()) for k, v in figures.items()},
            {k: tuple(v) for k, v in report.items()},
        )
        for row in figures.values():
            # The annual churn: churned / customers of the year before.
            self.assertAlmostEqual(
                row["churn_rate"], 100.0 * row["churned_count"] / row["customer_count"]
            )

    def test_retention_by_cohort_is_the_cohort_report(self):
        figures = self._run("5")
        Cohort = self.env["crm.lifecycle.cohort.report"]
        expected = defaultdict(list)
        for row in Cohort.search([]):
            expected[(month(row.cohort_month), row.months_after)].append(row.retained)
        self.assertTrue(expected)
        self.assertEqual(set(figures), set(expected))
        for key, retained in expected.items():
            self.assertAlmostEqual(
                figures[key]["retention_rate"], 100.0 * sum(retained) / len(retained)
            )
            self.assertEqual(figures[key]["customer_count"], len(retained))

    def test_nps_and_csat_by_month_with_answer_counts(self):
        latest = {}
        for response in self.env["crm.lifecycle.survey.response"].search(
            [("nps_category", "!=", False)], order="date, id"
        ):
            latest[(response.commercial_partner_id, month(response.date))] = response
        self.assertTrue(latest)
        by_month = defaultdict(list)
        for (_partner, answered), response in latest.items():
            by_month[answered].append(response)
        figures = self._run("6")
        self.assertEqual(set(figures), {(m,) for m in by_month})
        values = {"promoter": 100.0, "passive": 0.0, "detractor": -100.0}
        for answered, responses in by_month.items():
            row = figures[(answered,)]
            self.assertEqual(row["nps_count"], len(responses))
            self.assertAlmostEqual(
                row["nps_value"],
                sum(values[r.nps_category] for r in responses) / len(responses),
            )
            csat = [r.csat_score for r in responses if r.csat_score]
            self.assertEqual(row["csat_count"], len(csat))
            if csat:
                self.assertAlmostEqual(row["csat_score"], sum(csat) / len(csat))

    def test_segments_payment_grades_and_loyalty_tiers(self):
        Partner = self.env["res.partner"].with_user(self.manager)
        scored = Partner.search([("rfm_segment", "!=", False)])
        self.assertTrue(scored)
        figures = self._run("7")
        for segment in set(scored.mapped("rfm_segment")):
            members = scored.filtered(lambda p, s=segment: p.rfm_segment == s)
            row = figures[(segment,)]
            self.assertEqual(row["__count"], len(members))
            self.assertAlmostEqual(
                row["clv_historical"], sum(members.mapped("clv_historical")), places=2
            )
            self.assertAlmostEqual(
                row["clv_predicted"], sum(members.mapped("clv_predicted")), places=2
            )
            self.assertAlmostEqual(
                row["churn_probability"],
                sum(members.mapped("churn_probability")) / len(members),
                places=4,
            )
        graded = Partner.search([("payment_grade", "!=", False)])
        self.assertTrue(graded)
        figures = self._run("8")
        self.assertEqual(set(figures), {(g,) for g in graded.mapped("payment_grade")})
        for (grade,), row in figures.items():
            members = graded.filtered(lambda p, g=grade: p.payment_grade == g)
            self.assertEqual(row["__count"], len(members))
            self.assertAlmostEqual(
                row["payment_overdue_amount"],
                sum(members.mapped("payment_overdue_amount")),
                places=2,
            )
        members = Partner.search([("loyalty_tier_id", "!=", False)])
        self.assertTrue(members)
        self.assertEqual(
            {key[0]: row["__count"] for key, row in self._run("9").items()},
            dict(Counter(p.loyalty_tier_id.id for p in members)),
        )

    def test_complaints_backlog_and_resolution_time(self):
        cases = self.env["crm.lifecycle.complaint"].search([])
        open_cases = cases.filtered(lambda c: not c.is_closed)
        # The demo cases and the three of this test, two of them open.
        self.assertGreaterEqual(len(open_cases), 2)
        self.assertEqual(
            {key[0]: row["case_count"] for key, row in self._run("10").items()},
            dict(Counter(c.stage_id.id for c in open_cases)),
        )
        figures = self._run("11")
        for (opened,), row in figures.items():
            in_month = cases.filtered(lambda c, m=opened: month(c.date_open) == m)
            self.assertEqual(row["case_count"], len(in_month))
            closed = in_month.filtered("date_closed")
            if closed:
                self.assertAlmostEqual(
                    row["resolution_hours"],
                    sum(closed.mapped("resolution_hours")) / len(closed),
                )
        self.assertEqual(sum(r["case_count"] for r in figures.values()), len(cases))
