#!/usr/bin/env python3
"""Build the Customer Lifecycle dashboard of Odoo's Dashboards app.

Writes the two spreadsheets the ``spreadsheet.dashboard`` record of
``crm_lifecycle/data/spreadsheet_dashboard_data.xml`` points to:

- ``crm_lifecycle/data/files/lifecycle_dashboard.json``: live Odoo pivots on
  the module's own reports, with the dashboard's global filters;
- ``crm_lifecycle/data/files/lifecycle_sample_dashboard.json``: the same
  layout with sample figures, shown while the database has no customer
  history yet.

Every figure of the dashboard is a ``PIVOT.VALUE`` / ``PIVOT.HEADER`` formula
on one of the pivots of ``PIVOTS`` (model, domain, rows, columns, measures):
the module's test (tests/test_lifecycle_dashboard.py) runs each of them and
compares it with the module's report. The sample file keeps every cell and
chart and puts a sample value in place of each formula.

Run from the repository root, commit the JSON with it::

    python3 tools/dashboard_json.py
"""

import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
FILES = ROOT / "crm_lifecycle" / "data" / "files"

PHASES = ("selection", "acquisition", "retention", "extension")
SEGMENTS = (
    "champions",
    "loyal",
    "potential_loyalist",
    "new",
    "promising",
    "need_attention",
    "about_to_sleep",
    "at_risk",
    "cant_lose",
    "hibernating",
    "lost",
)
GRADES = ("A", "B", "C", "D", "E")
# Months shown in the monthly blocks, the latest first in the pivots (their
# month rows are sorted descending), the oldest first on the sheet.
MONTHS = 13
COHORT_MONTHS = 12
TIERS = 6
STAGES = 6
# The annual churn band of the product brief's sources (15 to 20 % a year).
CHURN_BAND = (15, 20)

# ----------------------------------------------------------------------------
# Global filters and how each pivot matches them
# ----------------------------------------------------------------------------

PERIOD = "4a9c3d1e-0b1a-4c2e-9f31-6c1f2a7d0e01"
COMPANY = "4a9c3d1e-0b1a-4c2e-9f31-6c1f2a7d0e02"
SALESPERSON = "4a9c3d1e-0b1a-4c2e-9f31-6c1f2a7d0e03"
COUNTRY = "4a9c3d1e-0b1a-4c2e-9f31-6c1f2a7d0e04"

GLOBAL_FILTERS = [
    {
        "id": PERIOD,
        "type": "date",
        "label": "Period",
        "defaultValue": "last_year",
        "rangeType": "relative",
    },
    {
        "id": COMPANY,
        "type": "relation",
        "label": "Company",
        "modelName": "res.company",
        "defaultValue": [],
        "defaultValueDisplayNames": [],
        "rangeType": "year",
    },
    {
        "id": SALESPERSON,
        "type": "relation",
        "label": "Salesperson",
        "modelName": "res.users",
        "defaultValue": [],
        "defaultValueDisplayNames": [],
        "rangeType": "year",
    },
    {
        "id": COUNTRY,
        "type": "relation",
        "label": "Country",
        "modelName": "res.country",
        "defaultValue": [],
        "defaultValueDisplayNames": [],
        "rangeType": "year",
    },
]


def matching(period=None, period_type="date", company=None, user=None, country=None):
    """The fieldMatching of a pivot: the field of each global filter (a
    filter the pivot has no field for is left out: it does not apply)."""
    result = {}
    if period:
        result[PERIOD] = {"chain": period, "type": period_type, "offset": 0}
    for filter_id, chain in (
        (COMPANY, company),
        (SALESPERSON, user),
        (COUNTRY, country),
    ):
        if chain:
            result[filter_id] = {"chain": chain, "type": "many2one"}
    return result


# ----------------------------------------------------------------------------
# Pivots: the data definitions of the dashboard
# ----------------------------------------------------------------------------


def dim(field, granularity=None, order=None):
    result = {"fieldName": field}
    if granularity:
        result["granularity"] = granularity
    if order:
        result["order"] = order
    return result


PIVOT_DEFS = {
    "1": {
        "name": "Customers per Phase",
        "model": "crm.lifecycle.funnel.summary",
        "domain": [],
        "rows": [dim("phase")],
        "measures": ["customer_count", "entered_count", "converted_count"],
        "fieldMatching": matching(company="company_id"),
    },
    "2": {
        "name": "Bottleneck",
        "model": "crm.lifecycle.funnel.summary",
        "domain": [["is_bottleneck", "=", True]],
        "rows": [dim("phase")],
        "measures": ["__count"],
        "fieldMatching": matching(company="company_id"),
    },
    "3": {
        "name": "Customers Entering each Phase by Month",
        "model": "crm.lifecycle.funnel.report",
        "domain": [],
        "rows": [dim("date_start", "month", "desc")],
        "columns": [dim("phase")],
        "measures": ["customer_count"],
        "fieldMatching": matching(
            "date_start", "datetime", "company_id", "salesperson_id", "country_id"
        ),
    },
    "4": {
        "name": "Annual Churn by Month",
        "model": "crm.lifecycle.churn.report",
        "domain": [],
        "rows": [dim("month", "month", "desc")],
        "measures": ["churn_rate", "customer_count", "churned_count"],
        "fieldMatching": matching(
            "month",
            "date",
            "company_id",
            "partner_id.user_id",
            "partner_id.country_id",
        ),
    },
    "5": {
        "name": "Retention by Cohort",
        "model": "crm.lifecycle.cohort.report",
        "domain": [],
        "rows": [dim("cohort_month", "month", "desc")],
        "columns": [dim("months_after")],
        "measures": ["retention_rate", "customer_count"],
        "fieldMatching": matching(
            "cohort_month",
            "date",
            "company_id",
            "partner_id.user_id",
            "partner_id.country_id",
        ),
    },
    "6": {
        "name": "NPS and CSAT by Month",
        "model": "crm.lifecycle.nps.report",
        "domain": [],
        "rows": [dim("date", "month", "desc")],
        "measures": ["nps_value", "nps_count", "csat_score", "csat_count"],
        "fieldMatching": matching(
            "date", "datetime", "company_id", "salesperson_id", "country_id"
        ),
    },
    # The figures kept on the customer are the current company's (company-
    # dependent fields): these pivots follow the company the user works in,
    # not the Company filter.
    "7": {
        "name": "Customers by RFM Segment",
        "model": "res.partner",
        "domain": [["rfm_segment", "!=", False]],
        "rows": [dim("rfm_segment")],
        "measures": ["__count", "clv_historical", "churn_probability", "clv_predicted"],
        "fieldMatching": matching(user="user_id", country="country_id"),
    },
    "8": {
        "name": "Overdue Amount by Payment Grade",
        "model": "res.partner",
        "domain": [["payment_grade", "!=", False]],
        "rows": [dim("payment_grade")],
        "measures": ["__count", "payment_overdue_amount"],
        "fieldMatching": matching(user="user_id", country="country_id"),
    },
    "9": {
        "name": "Loyalty Members by Tier",
        "model": "res.partner",
        "domain": [["loyalty_tier_id", "!=", False]],
        "rows": [dim("loyalty_tier_id")],
        "measures": ["__count"],
        "fieldMatching": matching(user="user_id", country="country_id"),
    },
    "10": {
        "name": "Open Complaints by Stage",
        "model": "crm.lifecycle.complaint.report",
        "domain": [["is_closed", "=", False]],
        "rows": [dim("stage_id")],
        "measures": ["case_count", "breach_rate"],
        "fieldMatching": matching(
            company="company_id",
            user="commercial_partner_id.user_id",
            country="commercial_partner_id.country_id",
        ),
    },
    "11": {
        "name": "Complaints by Month",
        "model": "crm.lifecycle.complaint.report",
        "domain": [],
        "rows": [dim("date_open", "month", "desc")],
        "measures": ["case_count", "resolution_hours", "breach_rate"],
        "fieldMatching": matching(
            "date_open",
            "datetime",
            "company_id",
            "commercial_partner_id.user_id",
            "commercial_partner_id.country_id",
        ),
    },
}


def odoo_pivot(pivot_id, definition):
    return {
        "type": "ODOO",
        "id": pivot_id,
        "formulaId": pivot_id,
        "name": definition["name"],
        "model": definition["model"],
        "domain": definition["domain"],
        "context": {},
        "rows": definition["rows"],
        "columns": definition.get("columns", []),
        "measures": [{"id": m, "fieldName": m} for m in definition["measures"]],
        "fieldMatching": definition["fieldMatching"],
    }


# ----------------------------------------------------------------------------
# Cells: a formula for the live dashboard, a value for the sample
# ----------------------------------------------------------------------------


def q(text):
    return '"{}"'.format(text.replace('"', '""'))


def t(text):
    """A translatable label (Odoo's spreadsheet _t function)."""
    return f"=_t({q(text)})"


def value(pivot, measure, *domain):
    args = ",".join(
        [pivot, q(measure)] + [q(d) if isinstance(d, str) else str(d) for d in domain]
    )
    return f"=PIVOT.VALUE({args})"


def header(pivot, *domain):
    args = ",".join([pivot] + [q(d) if isinstance(d, str) else str(d) for d in domain])
    return f"=PIVOT.HEADER({args})"


def wrap(formula, template):
    """``template`` with the formula (without its "=") in place of {}."""
    return "=" + template.format(formula[1:])


class Sheet:
    def __init__(self, sheet_id, name, cols, rows):
        self.id = sheet_id
        self.name = name
        self.col_count = cols
        self.row_count = rows
        self.cells = {}
        self.styles = {}
        self.formats = {}
        self.figures = []
        self.conditional_formats = []
        self.col_sizes = {}
        self.row_sizes = {}

    def set(self, ref, live, sample=None, style=None, fmt=None):
        """A cell: ``live`` in the live dashboard, ``sample`` (the same when
        None: a label) in the sample one."""
        self.cells[ref] = (live, live if sample is None else sample)
        if style:
            self.styles[ref] = style
        if fmt:
            self.formats[ref] = fmt

    def dump(self, sample):
        cells = {}
        for ref, (live, sample_value) in self.cells.items():
            content = sample_value if sample else live
            # The sample reads no data: a formula left in it is a mistake.
            assert not (sample and "PIVOT" in str(content)), ref
            if content is not None and content != "":
                cells[ref] = {"content": str(content)}
        return {
            "id": self.id,
            "name": self.name,
            "colNumber": self.col_count,
            "rowNumber": self.row_count,
            "rows": {str(k): {"size": v} for k, v in self.row_sizes.items()},
            "cols": {str(k): {"size": v} for k, v in self.col_sizes.items()},
            "merges": [],
            "cells": cells,
            "styles": {ref: STYLE_IDS[s] for ref, s in self.styles.items()},
            "formats": {ref: FORMAT_IDS[f] for ref, f in self.formats.items()},
            "borders": {},
            "conditionalFormats": self.conditional_formats,
            "figures": self.figures,
            "tables": [],
            "areGridLinesVisible": self.id != "dashboard",
            "isVisible": True,
            "headerGroups": {"ROW": [], "COL": []},
            "dataValidationRules": [],
            "comments": {},
        }


STYLES = {
    "title": {"textColor": "#01666b", "bold": True, "fontSize": 16},
    "header": {"textColor": "#434343", "bold": True, "fontSize": 11},
    "header_right": {
        "textColor": "#434343",
        "bold": True,
        "fontSize": 11,
        "align": "right",
    },
    "text": {"textColor": "#434343", "verticalAlign": "middle"},
    "alert": {"textColor": "#b91c1c", "bold": True},
}
STYLE_IDS = {name: index for index, name in enumerate(STYLES, start=1)}
FORMATS = {
    "int": "#,##0",
    "dec1": "#,##0.0",
    "pct": "0.0%",
    "money": "#,##0",
    "month": "mmm yyyy",
}
FORMAT_IDS = {name: index for index, name in enumerate(FORMATS, start=1)}

COLS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def ref(col, row):
    return "%s%d" % (COLS[col], row)


def rng(col1, row1, col2, row2, sheet=None):
    text = f"{ref(col1, row1)}:{ref(col2, row2)}"
    return f"{sheet}!{text}" if sheet else text


DEFAULT_ROW = 23


def row_y(sheet, row):
    """Pixel offset of the top of ``row`` (1-based)."""
    return sum(sheet.row_sizes.get(r, DEFAULT_ROW) for r in range(row - 1))


def chart(sheet, chart_id, row, col_x, width, rows, data):
    sheet.figures.append(
        {
            "id": chart_id,
            "x": col_x,
            "y": row_y(sheet, row),
            "width": width,
            "height": rows * DEFAULT_ROW,
            "tag": "chart",
            "data": data,
        }
    )


def bar(title, data_sets, labels, stacked=False, horizontal=False):
    data = {
        "type": "bar",
        "title": {"text": title, "color": "#434343", "bold": True},
        "background": "#FFFFFF",
        "dataSets": [{"dataRange": r, "yAxisId": "y"} for r in data_sets],
        "dataSetsHaveTitle": True,
        "labelRange": labels,
        "legendPosition": "top" if len(data_sets) > 1 else "none",
        "stacked": stacked,
        "aggregated": False,
    }
    if horizontal:
        data["horizontal"] = True
    return data


def line(title, data_sets, labels):
    return {
        "type": "line",
        "title": {"text": title, "color": "#434343", "bold": True},
        "background": "#FFFFFF",
        "dataSets": [{"dataRange": r, "yAxisId": "y"} for r in data_sets],
        "dataSetsHaveTitle": True,
        "labelRange": labels,
        "legendPosition": "top",
        "stacked": False,
        "aggregated": False,
        "cumulative": False,
        "labelsAsText": True,
    }


def scorecard(title, key, background, baseline=None, description=""):
    data = {
        "type": "scorecard",
        "title": {"text": title, "color": "#434343", "bold": True},
        "background": background,
        "keyValue": key,
        "baselineMode": "text",
        "baselineColorUp": "#00A04A",
        "baselineColorDown": "#DC6965",
        "humanize": False,
    }
    if baseline:
        data["baseline"] = baseline
        data["baselineDescr"] = description
    return data


def menu_link(label, menu):
    return f"[{label}](odoo://ir_menu_xml_id/crm_lifecycle.{menu})"


# ----------------------------------------------------------------------------
# Sample figures (shown on an empty database)
# ----------------------------------------------------------------------------

SAMPLE_PHASES = {
    "selection": (420, 980, 610),
    "acquisition": (190, 610, 402),
    "retention": (260, 402, 121),
    "extension": (121, 121, 0),
}
SAMPLE_PHASE_LABELS = {
    "selection": "Selection",
    "acquisition": "Acquisition",
    "retention": "Retention",
    "extension": "Extension",
}
SAMPLE_MONTHS = [
    "Dec 2025",
    "Jan 2026",
    "Feb 2026",
    "Mar 2026",
    "Apr 2026",
    "May 2026",
    "Jun 2026",
    "Jul 2026",
    "Aug 2026",
    "Sep 2026",
    "Oct 2026",
    "Nov 2026",
    "Dec 2026",
]
SAMPLE_SEGMENTS = {
    "champions": ("Champions", 48, 182000, 0.04, 96000),
    "loyal": ("Loyal", 71, 154000, 0.09, 81000),
    "potential_loyalist": ("Potential Loyalist", 64, 61000, 0.15, 39000),
    "new": ("New", 52, 18000, 0.22, 14000),
    "promising": ("Promising", 33, 12000, 0.31, 9000),
    "need_attention": ("Need Attention", 40, 36000, 0.38, 15000),
    "about_to_sleep": ("About to Sleep", 37, 15000, 0.52, 6000),
    "at_risk": ("At Risk", 45, 72000, 0.61, 12000),
    "cant_lose": ("Can't Lose Them", 12, 48000, 0.58, 11000),
    "hibernating": ("Hibernating", 58, 21000, 0.74, 3000),
    "lost": ("Lost", 66, 14000, 0.91, 800),
}
SAMPLE_GRADES = {
    "A": (212, 0),
    "B": (96, 4200),
    "C": (54, 11800),
    "D": (27, 23400),
    "E": (11, 31900),
}
SAMPLE_TIERS = [("Bronze", 182), ("Silver", 96), ("Gold", 41), ("Platinum", 12)]
SAMPLE_STAGES = [
    ("New", 14, 0.07),
    ("In Progress", 22, 0.18),
    ("Waiting for Customer", 6, 0.0),
]


def sample_series(start, step, wobble):
    return [round(start + step * i + wobble[i % len(wobble)], 1) for i in range(MONTHS)]


# ----------------------------------------------------------------------------
# The sheets
# ----------------------------------------------------------------------------


FIRST = 20  # the first month row of the Data sheet
LAST = FIRST + MONTHS - 1
SAMPLE_ENTRIES = sample_series(40, 2, (0, 6, -4, 3))
SAMPLE_CHURN = sample_series(19.5, -0.3, (0, 0.8, -0.6, 0.3))
SAMPLE_NPS = sample_series(22, 1, (0, 3, -2, 1))


def build():
    dash = Sheet("dashboard", "Dashboard", 14, 150)
    data = Sheet("data", "Data", 20, 80)
    dash.col_sizes = {0: 190, **{c: 100 for c in range(1, 14)}}
    dash.col_sizes[5] = 170
    data.col_sizes = {0: 190}
    data_sheet(data)
    data_months(data)
    scorecards(dash)
    row = funnel_block(dash)
    row = monthly_charts(dash, row)
    row = cohort_block(dash, row)
    row = nps_block(dash, row)
    row = segment_block(dash, row)
    row = payment_loyalty_block(dash, row)
    complaint_block(dash, row)
    return dash, data


def data_sheet(data):
    """The figures of the scorecards and the funnel chart."""
    data.set("A1", t("Figure"), style="header")
    data.set("B1", t("Value"), style="header")
    data.set("A2", t("Customers"))
    data.set("B2", value("1", "customer_count"), 1152, fmt="int")
    data.set("A3", t("Bottleneck phase"))
    data.set("B3", header("2", "#phase", 1), "Retention")
    data.set("A4", t("Annual churn, latest month"))
    data.set(
        "B4",
        wrap(value("4", "churn_rate", "#month:month", 1), 'IFERROR({}/100,"")'),
        0.172,
        fmt="pct",
    )
    data.set("C4", wrap(header("4", "#month:month", 1), 'IFERROR({},"")'), "Dec 2026")
    data.set("A5", t("NPS, all answers of the period"))
    data.set("B5", value("6", "nps_value"), 31.4, fmt="dec1")
    data.set("C5", value("6", "nps_count"), 684, fmt="int")
    data.set("A6", t("Predicted CLV, all segments"))
    data.set("B6", value("7", "clv_predicted"), 286800, fmt="money")
    data.set("A7", t("Open complaints"))
    data.set("B7", value("10", "case_count"), 42, fmt="int")

    # Customers per phase (funnel chart).
    data.set("A10", t("Phase"), style="header")
    data.set("B10", t("Customers"), style="header")
    for i, phase in enumerate(PHASES):
        row = 11 + i
        data.set(ref(0, row), header("1", "phase", phase), SAMPLE_PHASE_LABELS[phase])
        data.set(
            ref(1, row),
            value("1", "customer_count", "phase", phase),
            SAMPLE_PHASES[phase][0],
        )


def data_months(data):
    """The months (oldest first) of the monthly charts."""
    first = FIRST
    data.set(ref(0, first - 1), t("Month"), style="header")
    for j, phase in enumerate(PHASES):
        data.set(
            ref(1 + j, first - 1),
            header("3", "phase", phase),
            SAMPLE_PHASE_LABELS[phase],
        )
    data.set(ref(5, first - 1), t("Annual churn (%)"), style="header")
    data.set(ref(6, first - 1), t("Band low (%)"), style="header")
    data.set(ref(7, first - 1), t("Band high (%)"), style="header")
    data.set(ref(8, first - 1), t("NPS"), style="header")
    data.set(ref(9, first - 1), t("CSAT"), style="header")
    entries, churn, nps = SAMPLE_ENTRIES, SAMPLE_CHURN, SAMPLE_NPS
    for k in range(MONTHS):
        row = first + k
        position = MONTHS - k  # the pivots list the latest month first
        data.set(
            ref(0, row),
            wrap(header("3", "#date_start:month", position), 'IFERROR({},"")'),
            SAMPLE_MONTHS[k],
        )
        for j, phase in enumerate(PHASES):
            data.set(
                ref(1 + j, row),
                value(
                    "3", "customer_count", "#date_start:month", position, "phase", phase
                ),
                int(entries[k] * (1, 0.55, 0.35, 0.12)[j]),
            )
        data.set(
            ref(5, row), value("4", "churn_rate", "#month:month", position), churn[k]
        )
        data.set(ref(6, row), str(CHURN_BAND[0]))
        data.set(ref(7, row), str(CHURN_BAND[1]))
        data.set(ref(8, row), value("6", "nps_value", "#date:month", position), nps[k])
        data.set(
            ref(9, row),
            value("6", "csat_score", "#date:month", position),
            round(3.9 + 0.03 * k, 2),
        )
    # The churn months are not the entry months: their own labels.
    data.set(ref(10, first - 1), t("Churn month"), style="header")
    data.set(ref(11, first - 1), t("Answer month"), style="header")
    for k in range(MONTHS):
        position = MONTHS - k
        data.set(
            ref(10, first + k),
            wrap(header("4", "#month:month", position), 'IFERROR({},"")'),
            SAMPLE_MONTHS[k],
        )
        data.set(
            ref(11, first + k),
            wrap(header("6", "#date:month", position), 'IFERROR({},"")'),
            SAMPLE_MONTHS[k],
        )


def scorecards(dash):
    dash.row_sizes[0] = 120  # the scorecards
    cards = [
        ("Customers", "Data!B2", "#EFF6FF", None, ""),
        ("Bottleneck Phase", "Data!B3", "#FEF2F2", None, ""),
        ("Annual Churn", "Data!B4", "#FFF7ED", "Data!C4", "latest month"),
        ("NPS", "Data!B5", "#F0FDF4", "Data!C5", "answers"),
        ("Predicted CLV", "Data!B6", "#F5F3FF", None, ""),
    ]
    for i, (title, key, background, baseline, description) in enumerate(cards):
        dash.figures.append(
            {
                "id": "lifecycle-card-%d" % (i + 1),
                "x": 10 + i * 196,
                "y": 10,
                "width": 186,
                "height": 100,
                "tag": "chart",
                "data": scorecard(title, key, background, baseline, description),
            }
        )


def funnel_block(dash):
    """Customers per phase: the funnel chart and its table."""
    row = 3
    dash.row_sizes[row - 1] = 40
    dash.set(
        ref(0, row),
        menu_link("Customers per Phase", "crm_lifecycle_funnel_summary_menu"),
        style="title",
    )
    top = row + 1
    chart(
        dash,
        "lifecycle-funnel",
        top,
        0,
        520,
        12,
        bar(
            "Customers now in each phase",
            ["Data!B10:B14"],
            "Data!A11:A14",
            horizontal=True,
        ),
    )
    dash.set(ref(5, top), t("Phase"), style="header")
    dash.set(ref(6, top), t("Customers now"), style="header_right")
    dash.set(ref(7, top), t("Entered"), style="header_right")
    dash.set(ref(8, top), t("Conversion"), style="header_right")
    for i, phase in enumerate(PHASES):
        r = top + 1 + i
        now, entered, converted = SAMPLE_PHASES[phase]
        dash.set(
            ref(5, r),
            header("1", "phase", phase),
            SAMPLE_PHASE_LABELS[phase],
            style="text",
        )
        dash.set(
            ref(6, r), value("1", "customer_count", "phase", phase), now, fmt="int"
        )
        dash.set(
            ref(7, r), value("1", "entered_count", "phase", phase), entered, fmt="int"
        )
        if phase != PHASES[-1]:
            # The summary's conversion: reached a later phase / entered.
            dash.set(
                ref(8, r),
                '=IFERROR({}/{},"")'.format(
                    value("1", "converted_count", "phase", phase)[1:],
                    value("1", "entered_count", "phase", phase)[1:],
                ),
                round(converted / entered, 3),
                fmt="pct",
            )
    r = top + 1 + len(PHASES) + 1
    dash.set(ref(5, r), t("Bottleneck"), style="alert")
    dash.set(ref(6, r), "=Data!B3", style="alert")

    return top + 13


def monthly_charts(dash, row):
    """New customers per month by phase; annual churn against the band."""
    first, last = FIRST, LAST
    dash.row_sizes[row - 1] = 40
    dash.set(
        ref(0, row),
        menu_link(
            "Customers Entering each Phase by Month", "crm_lifecycle_funnel_report_menu"
        ),
        style="title",
    )
    chart(
        dash,
        "lifecycle-entries",
        row + 1,
        0,
        1000,
        13,
        bar(
            "Customers entering each phase",
            [f"Data!{rng(1 + j, first - 1, 1 + j, last)}" for j in range(len(PHASES))],
            f"Data!{rng(0, first, 0, last)}",
            stacked=True,
        ),
    )

    # Annual churn against the band.
    row = row + 15
    dash.row_sizes[row - 1] = 40
    dash.set(
        ref(0, row),
        menu_link("Annual Churn by Month", "crm_lifecycle_churn_report_menu"),
        style="title",
    )
    chart(
        dash,
        "lifecycle-churn",
        row + 1,
        0,
        1000,
        13,
        line(
            "Annual churn (%) against the 15-20 % band",
            [f"Data!{rng(c, first - 1, c, last)}" for c in (5, 6, 7)],
            f"Data!{rng(10, first, 10, last)}",
        ),
    )

    return row + 15


def cohort_block(dash, row):
    """Retention by cohort, with a colour scale."""
    dash.row_sizes[row - 1] = 40
    dash.set(
        ref(0, row),
        menu_link("Retention by Cohort", "crm_lifecycle_cohort_report_menu"),
        style="title",
    )
    head = row + 1
    dash.set(ref(0, head), t("First purchase month"), style="header")
    dash.set(ref(1, head), t("Customers"), style="header_right")
    for k in range(1, COHORT_MONTHS + 1):
        # Months after the first purchase in columns C to N.
        dash.set(ref(1 + k, head), str(k), style="header_right")
    for i in range(COHORT_MONTHS):
        r = head + 1 + i
        position = i + 1  # the latest cohort first
        dash.set(
            ref(0, r),
            wrap(header("5", "#cohort_month:month", position), 'IFERROR({},"")'),
            SAMPLE_MONTHS[-1 - position],
            style="text",
        )
        # The cohort's size: the report has a row per customer and month
        # after; month 1 counts each customer of the cohort once.
        dash.set(
            ref(1, r),
            wrap(
                value(
                    "5",
                    "customer_count",
                    "#cohort_month:month",
                    position,
                    "months_after",
                    1,
                ),
                'IFERROR({},"")',
            ),
            40 + (i * 7) % 23,
            fmt="int",
        )
        for k in range(1, COHORT_MONTHS + 1):
            # The sample's cohorts have months after them up to the current
            # month only, as the report's.
            sample_value = ""
            if k <= position:
                sample_value = round(max(0.05, 0.42 - 0.025 * k - 0.01 * (i % 3)), 3)
            dash.set(
                ref(1 + k, r),
                wrap(
                    value(
                        "5",
                        "retention_rate",
                        "#cohort_month:month",
                        position,
                        "months_after",
                        k,
                    ),
                    'IFERROR({}/100,"")',
                ),
                sample_value,
                fmt="pct",
            )
    grid = rng(2, head + 1, 1 + COHORT_MONTHS, head + COHORT_MONTHS)
    dash.conditional_formats.append(
        {
            "id": "lifecycle-cohort-scale",
            "ranges": [grid],
            "rule": {
                "type": "ColorScaleRule",
                "minimum": {"type": "value", "color": 0xFFFFFF},
                "maximum": {"type": "value", "color": 0x2E7D32},
            },
        }
    )

    return head + COHORT_MONTHS + 2


def nps_block(dash, row):
    """NPS and CSAT by month, with their answer counts."""
    first, last, nps = FIRST, LAST, SAMPLE_NPS
    dash.row_sizes[row - 1] = 40
    dash.set(
        ref(0, row),
        menu_link("NPS and CSAT by Month", "crm_lifecycle_nps_report_menu"),
        style="title",
    )
    head = row + 1
    chart(
        dash,
        "lifecycle-nps",
        head,
        0,
        520,
        14,
        line(
            "NPS by month",
            [f"Data!{rng(8, first - 1, 8, last)}"],
            f"Data!{rng(11, first, 11, last)}",
        ),
    )
    for c, label in (
        (5, "Month"),
        (6, "NPS"),
        (7, "NPS answers"),
        (8, "CSAT (1-5)"),
        (9, "CSAT answers"),
    ):
        dash.set(ref(c, head), t(label), style="header" if c == 5 else "header_right")
    for i in range(MONTHS):
        r = head + 1 + i
        position = i + 1  # the latest month first
        k = MONTHS - 1 - i
        dash.set(
            ref(5, r),
            wrap(header("6", "#date:month", position), 'IFERROR({},"")'),
            SAMPLE_MONTHS[k],
            style="text",
        )
        dash.set(
            ref(6, r),
            value("6", "nps_value", "#date:month", position),
            nps[k],
            fmt="dec1",
        )
        dash.set(
            ref(7, r),
            value("6", "nps_count", "#date:month", position),
            40 + (k * 11) % 17,
            fmt="int",
        )
        dash.set(
            ref(8, r),
            value("6", "csat_score", "#date:month", position),
            round(3.9 + 0.03 * k, 2),
            fmt="dec1",
        )
        dash.set(
            ref(9, r),
            value("6", "csat_count", "#date:month", position),
            30 + (k * 7) % 13,
            fmt="int",
        )

    return head + MONTHS + 2


def segment_block(dash, row):
    """Revenue, churn probability and predicted CLV by RFM segment."""
    dash.row_sizes[row - 1] = 40
    dash.set(
        ref(0, row),
        menu_link(
            "Revenue, Churn and Lifetime Value by RFM Segment",
            "crm_lifecycle_segment_dashboard_menu",
        ),
        style="title",
    )
    head = row + 1
    for c, label in (
        (0, "Segment"),
        (1, "Customers"),
        (2, "Revenue"),
        (3, "Churn probability"),
        (4, "Predicted CLV"),
    ):
        dash.set(ref(c, head), t(label), style="header" if c == 0 else "header_right")
    for i, segment in enumerate(SEGMENTS):
        r = head + 1 + i
        label, count, revenue, churn_p, clv = SAMPLE_SEGMENTS[segment]
        dash.set(ref(0, r), header("7", "rfm_segment", segment), label, style="text")
        dash.set(
            ref(1, r), value("7", "__count", "rfm_segment", segment), count, fmt="int"
        )
        dash.set(
            ref(2, r),
            value("7", "clv_historical", "rfm_segment", segment),
            revenue,
            fmt="money",
        )
        dash.set(
            ref(3, r),
            value("7", "churn_probability", "rfm_segment", segment),
            churn_p,
            fmt="pct",
        )
        dash.set(
            ref(4, r),
            value("7", "clv_predicted", "rfm_segment", segment),
            clv,
            fmt="money",
        )
    dash.conditional_formats.append(
        {
            "id": "lifecycle-segment-churn",
            "ranges": [rng(3, head + 1, 3, head + len(SEGMENTS))],
            "rule": {
                "type": "ColorScaleRule",
                "minimum": {"type": "value", "color": 0xFFFFFF},
                "maximum": {"type": "value", "color": 0xE57373},
            },
        }
    )

    return head + len(SEGMENTS) + 2


def payment_loyalty_block(dash, row):
    """Overdue amount by payment grade and loyalty members by tier."""
    dash.row_sizes[row - 1] = 40
    dash.set(
        ref(0, row),
        menu_link("Overdue Amount by Payment Grade", "res_partner_crm_lifecycle_menu"),
        style="title",
    )
    dash.set(
        ref(5, row),
        menu_link("Loyalty Members by Tier", "res_partner_loyalty_members_menu"),
        style="title",
    )
    head = row + 1
    dash.set(ref(0, head), t("Grade"), style="header")
    dash.set(ref(1, head), t("Customers"), style="header_right")
    dash.set(ref(2, head), t("Overdue"), style="header_right")
    for i, grade in enumerate(GRADES):
        r = head + 1 + i
        count, overdue = SAMPLE_GRADES[grade]
        dash.set(ref(0, r), header("8", "payment_grade", grade), grade, style="text")
        dash.set(
            ref(1, r), value("8", "__count", "payment_grade", grade), count, fmt="int"
        )
        dash.set(
            ref(2, r),
            value("8", "payment_overdue_amount", "payment_grade", grade),
            overdue,
            fmt="money",
        )
    dash.set(ref(5, head), t("Tier"), style="header")
    dash.set(ref(6, head), t("Members"), style="header_right")
    for i in range(TIERS):
        r = head + 1 + i
        name, members = SAMPLE_TIERS[i] if i < len(SAMPLE_TIERS) else ("", "")
        dash.set(
            ref(5, r),
            wrap(header("9", "#loyalty_tier_id", i + 1), 'IFERROR({},"")'),
            name,
            style="text",
        )
        dash.set(
            ref(6, r),
            value("9", "__count", "#loyalty_tier_id", i + 1),
            members,
            fmt="int",
        )
    for c, ranges in (
        (2, rng(2, head + 1, 2, head + 5)),
        (6, rng(6, head + 1, 6, head + TIERS)),
    ):
        dash.conditional_formats.append(
            {
                "id": "lifecycle-bar-%d" % c,
                "ranges": [ranges],
                "rule": {
                    "type": "DataBarRule",
                    "color": 0xFDE68A,
                    "rangeValues": ranges,
                },
            }
        )

    return head + TIERS + 2


def complaint_block(dash, row):
    """Complaints: the backlog and the resolution time."""
    dash.row_sizes[row - 1] = 40
    dash.set(
        ref(0, row),
        menu_link("Complaints Backlog", "crm_lifecycle_complaint_report_menu"),
        style="title",
    )
    dash.set(
        ref(5, row),
        menu_link(
            "Complaints and Resolution Time by Month",
            "crm_lifecycle_complaint_sla_report_menu",
        ),
        style="title",
    )
    head = row + 1
    dash.set(ref(0, head), t("Stage"), style="header")
    dash.set(ref(1, head), t("Open cases"), style="header_right")
    dash.set(ref(2, head), t("Breached"), style="header_right")
    for i in range(STAGES):
        r = head + 1 + i
        name, cases, breached = (
            SAMPLE_STAGES[i] if i < len(SAMPLE_STAGES) else ("", "", "")
        )
        dash.set(
            ref(0, r),
            wrap(header("10", "#stage_id", i + 1), 'IFERROR({},"")'),
            name,
            style="text",
        )
        dash.set(
            ref(1, r), value("10", "case_count", "#stage_id", i + 1), cases, fmt="int"
        )
        dash.set(
            ref(2, r),
            wrap(value("10", "breach_rate", "#stage_id", i + 1), 'IFERROR({}/100,"")'),
            breached,
            fmt="pct",
        )
    r = head + 1 + STAGES
    dash.set(ref(0, r), t("Total"), style="header")
    dash.set(ref(1, r), value("10", "case_count"), 42, style="header_right", fmt="int")
    for c, label in (
        (5, "Month opened"),
        (6, "Cases"),
        (7, "Resolution (h)"),
        (8, "Breached"),
    ):
        dash.set(ref(c, head), t(label), style="header" if c == 5 else "header_right")
    for i in range(MONTHS):
        r = head + 1 + i
        position = i + 1
        k = MONTHS - 1 - i
        dash.set(
            ref(5, r),
            wrap(header("11", "#date_open:month", position), 'IFERROR({},"")'),
            SAMPLE_MONTHS[k],
            style="text",
        )
        dash.set(
            ref(6, r),
            value("11", "case_count", "#date_open:month", position),
            20 + (k * 5) % 9,
            fmt="int",
        )
        dash.set(
            ref(7, r),
            value("11", "resolution_hours", "#date_open:month", position),
            round(30 - k * 0.8, 1),
            fmt="dec1",
        )
        dash.set(
            ref(8, r),
            wrap(
                value("11", "breach_rate", "#date_open:month", position),
                'IFERROR({}/100,"")',
            ),
            round(0.12 - k * 0.005, 3),
            fmt="pct",
        )


def spreadsheet(sample):
    dash, data = build()
    result = {
        "version": 21,
        "sheets": [dash.dump(sample), data.dump(sample)],
        "styles": {str(STYLE_IDS[name]): style for name, style in STYLES.items()},
        "formats": {str(FORMAT_IDS[name]): fmt for name, fmt in FORMATS.items()},
        "borders": {},
        "revisionId": "START_REVISION",
        "uniqueFigureIds": True,
        "settings": {},
        "pivots": {},
        "pivotNextId": 1,
        "customTableStyles": {},
        "odooVersion": 12,
        "globalFilters": [],
        "lists": {},
        "listNextId": 1,
    }
    if not sample:
        result["pivots"] = {pid: odoo_pivot(pid, d) for pid, d in PIVOT_DEFS.items()}
        result["pivotNextId"] = len(PIVOT_DEFS) + 1
        result["globalFilters"] = GLOBAL_FILTERS
    return result


def main():
    FILES.mkdir(parents=True, exist_ok=True)
    for name, sample in (
        ("lifecycle_dashboard.json", False),
        ("lifecycle_sample_dashboard.json", True),
    ):
        path = FILES / name
        path.write_text(
            json.dumps(spreadsheet(sample), indent=1, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
