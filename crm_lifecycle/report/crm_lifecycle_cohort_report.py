from odoo import fields, models, tools
from odoo.tools import SQL

from .crm_lifecycle_churn_report import purchase_months_sql


class CrmLifecycleCohortReport(models.Model):
    """One row per customer and month 1 to 12 after its first purchase month
    (its cohort), up to the current month: retained when it bought in that
    month. The average of the retention rate is the cohort's retention."""

    _name = "crm.lifecycle.cohort.report"
    _description = "Customer Lifecycle Retention by Cohort"
    _auto = False
    _order = "cohort_month desc, months_after"
    _rec_name = "cohort_month"

    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    cohort_month = fields.Date(string="First Purchase Month", readonly=True)
    months_after = fields.Integer(readonly=True, aggregator=None)
    retained = fields.Boolean(string="Bought", readonly=True)
    retention_rate = fields.Float(
        string="Retention (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Share of the cohort's customers who bought in that month.",
    )
    customer_count = fields.Integer(string="Customers", readonly=True)
    retained_count = fields.Integer(string="Customers Buying", readonly=True)

    def init(self):
        # Earlier versions kept the report as a database view.
        tools.drop_view_if_exists(self.env.cr, self._table)

    @property
    def _table_query(self):
        # Built at each read with the user's today, as the churn report.
        today = fields.Date.context_today(self)
        return SQL(
            """
            WITH %(purchases)s,
            cohorts AS (
                SELECT company_id, partner_id, MIN(month) AS cohort_month
                  FROM purchase_months
                 GROUP BY company_id, partner_id
            ), base AS (
                SELECT c.company_id, c.partner_id, c.cohort_month,
                       k.months_after, pm.partner_id IS NOT NULL AS retained
                  FROM cohorts c
                 CROSS JOIN GENERATE_SERIES(1, 12) AS k(months_after)
                  LEFT JOIN purchase_months pm
                    ON pm.company_id = c.company_id
                   AND pm.partner_id = c.partner_id
                   AND pm.month = (c.cohort_month
                                   + k.months_after * INTERVAL '1 month')::date
                 WHERE c.cohort_month + k.months_after * INTERVAL '1 month'
                       <= DATE_TRUNC('month', %(today)s::date)
            )
            SELECT ROW_NUMBER() OVER (
                       ORDER BY company_id, cohort_month, partner_id,
                                months_after
                   ) AS id,
                   company_id, partner_id, cohort_month, months_after, retained,
                   CASE WHEN retained THEN 100.0 ELSE 0.0 END AS retention_rate,
                   1 AS customer_count,
                   CASE WHEN retained THEN 1 ELSE 0 END AS retained_count
              FROM base
            """,
            purchases=purchase_months_sql(today),
            today=today,
        )
