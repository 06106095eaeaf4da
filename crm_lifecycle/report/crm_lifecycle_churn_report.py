from odoo import fields, models, tools
from odoo.tools import SQL


def purchase_months_sql(today):
    """The purchase months of each customer and company up to ``today``:
    posted customer invoices net of their credit notes (counted on the day
    of the invoice they reverse), a day counting when its net amount is
    positive. Shared by the churn and cohort reports so that both count a
    purchase the same way."""
    return SQL(
        """
        moves AS (
            SELECT m.company_id, m.commercial_partner_id AS partner_id,
                   COALESCE(o.invoice_date, m.invoice_date) AS day,
                   m.amount_untaxed_signed AS amount
              FROM account_move m
              LEFT JOIN account_move o ON o.id = m.reversed_entry_id
             WHERE m.state = 'posted'
               AND m.move_type IN ('out_invoice', 'out_refund')
               AND m.invoice_date <= %(today)s
        ), purchase_days AS (
            SELECT company_id, partner_id, day
              FROM moves
             GROUP BY company_id, partner_id, day
            HAVING SUM(amount) > 0
        ), purchase_months AS (
            SELECT DISTINCT company_id, partner_id,
                   DATE_TRUNC('month', day)::date AS month
              FROM purchase_days
        )
        """,
        today=today,
    )


class CrmLifecycleChurnReport(models.Model):
    """One row per company, month and customer who bought in the 12 months
    before the last 12 (as of the end of the month): churned when it has not
    bought since. The average of the churn rate is the company's annual
    churn rate for the month."""

    _name = "crm.lifecycle.churn.report"
    _description = "Customer Lifecycle Annual Churn"
    _auto = False
    _order = "month desc"
    _rec_name = "month"

    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    month = fields.Date(readonly=True)
    churned = fields.Boolean(readonly=True)
    churn_rate = fields.Float(
        string="Annual Churn (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Share of the customers who bought in the previous 12 months and "
        "not in the last 12.",
    )
    customer_count = fields.Integer(string="Customers a Year Before", readonly=True)
    churned_count = fields.Integer(string="Churned Customers", readonly=True)

    def init(self):
        # Earlier versions kept the report as a database view.
        tools.drop_view_if_exists(self.env.cr, self._table)

    @property
    def _table_query(self):
        # Built at each read with the user's today: a view's CURRENT_DATE is
        # the database server's date, in UTC, whatever the user's time zone.
        today = fields.Date.context_today(self)
        return SQL(
            """
            WITH %(purchases)s,
            months AS (
                SELECT company_id,
                       GENERATE_SERIES(MIN(month),
                                       DATE_TRUNC('month', %(today)s::date)::date,
                                       INTERVAL '1 month')::date AS month
                  FROM purchase_months
                 GROUP BY company_id
            ), base AS (
                SELECT mo.company_id, mo.month, pm.partner_id,
                       BOOL_OR(pm.month > mo.month - INTERVAL '12 months')
                           AS bought_last_year
                  FROM months mo
                  JOIN purchase_months pm
                    ON pm.company_id = mo.company_id
                   AND pm.month > mo.month - INTERVAL '24 months'
                   AND pm.month <= mo.month
                 GROUP BY mo.company_id, mo.month, pm.partner_id
                HAVING BOOL_OR(pm.month <= mo.month - INTERVAL '12 months')
            )
            SELECT ROW_NUMBER() OVER (
                       ORDER BY company_id, month, partner_id
                   ) AS id,
                   company_id, month, partner_id,
                   NOT bought_last_year AS churned,
                   CASE WHEN bought_last_year THEN 0.0 ELSE 100.0 END
                       AS churn_rate,
                   1 AS customer_count,
                   CASE WHEN bought_last_year THEN 0 ELSE 1 END AS churned_count
              FROM base
            """,
            purchases=purchase_months_sql(today),
            today=today,
        )
