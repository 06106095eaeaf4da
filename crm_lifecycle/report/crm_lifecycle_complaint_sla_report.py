from odoo import fields, models
from odoo.tools import SQL


class CrmLifecycleComplaintSlaReport(models.Model):
    """Service levels per company, month of opening and category: the median
    and 90th percentile of the response and resolution times, in working
    hours, and the breach and reopen rates. Percentiles do not add up: each
    row is its own figure, read as a list, never summed."""

    _name = "crm.lifecycle.complaint.sla.report"
    _description = "Complaint Service Levels"
    _auto = False
    _order = "month desc, category_id"
    _rec_name = "month"

    company_id = fields.Many2one("res.company", readonly=True)
    month = fields.Date(readonly=True)
    category_id = fields.Many2one(
        "crm.lifecycle.complaint.category", string="Category", readonly=True
    )
    case_count = fields.Integer(string="Cases", readonly=True)
    response_median = fields.Float(
        string="Median Response (working hours)", readonly=True, aggregator=None
    )
    response_p90 = fields.Float(
        string="90th Percentile Response (working hours)",
        readonly=True,
        aggregator=None,
    )
    resolution_median = fields.Float(
        string="Median Resolution (working hours)", readonly=True, aggregator=None
    )
    resolution_p90 = fields.Float(
        string="90th Percentile Resolution (working hours)",
        readonly=True,
        aggregator=None,
    )
    breach_rate = fields.Float(
        string="SLA Breach Rate (%)", readonly=True, aggregator=None, digits=(16, 1)
    )
    reopen_rate = fields.Float(
        string="Reopen Rate (%)", readonly=True, aggregator=None, digits=(16, 1)
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT ROW_NUMBER() OVER (
                       ORDER BY c.company_id, DATE_TRUNC('month', c.date_open),
                                c.category_id
                   ) AS id,
                   c.company_id,
                   DATE_TRUNC('month', c.date_open)::date AS month,
                   c.category_id,
                   COUNT(*) AS case_count,
                   PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY c.response_hours)
                       FILTER (WHERE c.date_first_response IS NOT NULL)
                       AS response_median,
                   PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY c.response_hours)
                       FILTER (WHERE c.date_first_response IS NOT NULL)
                       AS response_p90,
                   PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY c.resolution_hours)
                       FILTER (WHERE c.date_closed IS NOT NULL)
                       AS resolution_median,
                   PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY c.resolution_hours)
                       FILTER (WHERE c.date_closed IS NOT NULL)
                       AS resolution_p90,
                   100.0 * AVG(CASE WHEN c.sla_breached THEN 1 ELSE 0 END)
                       AS breach_rate,
                   100.0 * AVG(CASE WHEN c.reopen_count > 0 THEN 1 ELSE 0 END)
                       AS reopen_rate
              FROM crm_lifecycle_complaint c
             WHERE c.active
             GROUP BY c.company_id, DATE_TRUNC('month', c.date_open), c.category_id
            """
        )
