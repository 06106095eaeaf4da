from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.crm_lifecycle_phase_history import PHASES


class CrmLifecycleFunnelSummary(models.Model):
    """The funnel at a glance: one row per company and phase with the
    customers in it now, the conversion to the next phase and the time spent,
    the phase with the lowest conversion flagged as the bottleneck."""

    _name = "crm.lifecycle.funnel.summary"
    _description = "Customer Lifecycle Funnel"
    _auto = False
    _order = "company_id, phase_sequence"
    _rec_name = "phase"

    company_id = fields.Many2one("res.company", readonly=True)
    phase = fields.Selection(PHASES, readonly=True)
    phase_sequence = fields.Integer(readonly=True)
    customer_count = fields.Integer(string="Customers Now", readonly=True)
    customer_share = fields.Float(
        string="Share (%)", readonly=True, digits=(16, 1), aggregator=None
    )
    entered_count = fields.Integer(string="Entered", readonly=True)
    converted_count = fields.Integer(string="Reached Next Phase", readonly=True)
    conversion_rate = fields.Float(
        string="Conversion (%)", readonly=True, digits=(16, 1), aggregator=None
    )
    avg_days = fields.Float(
        string="Average Days in Phase", readonly=True, digits=(16, 1), aggregator=None
    )
    is_bottleneck = fields.Boolean(string="Bottleneck", readonly=True)
    avg_days_to_first_purchase = fields.Float(
        string="Average Days from First Contact to First Purchase",
        readonly=True,
        digits=(16, 1),
        aggregator=None,
    )

    def init(self):
        # Earlier versions kept the summary as a database view.
        tools.drop_view_if_exists(self.env.cr, self._table)

    @property
    def _table_query(self):
        # A query, as the funnel report it sums: its time in phase is
        # counted up to the same "now".
        report = self.env["crm.lifecycle.funnel.report"]
        return SQL(
            """
            WITH phases AS (
                SELECT * FROM (VALUES %(phases)s) AS v(phase, phase_sequence)
            ), companies AS (
                SELECT DISTINCT company_id FROM res_partner
                 WHERE lifecycle_phase IS NOT NULL
                   AND id = commercial_partner_id AND active
            ), now_counts AS (
                SELECT company_id, lifecycle_phase AS phase, COUNT(*) AS n
                  FROM res_partner
                 WHERE lifecycle_phase IS NOT NULL
                   AND id = commercial_partner_id AND active
                 GROUP BY company_id, lifecycle_phase
            ), first_buy AS (
                SELECT company_id, AVG(lifecycle_days_to_first_purchase) AS days
                  FROM res_partner
                 WHERE lifecycle_first_purchase_date IS NOT NULL
                   AND lifecycle_phase IS NOT NULL
                   AND id = commercial_partner_id AND active
                 GROUP BY company_id
            ), flows AS (
                SELECT company_id, phase, COUNT(*) AS entered,
                       COUNT(*) FILTER (WHERE converted) AS converted,
                       AVG(days_in_phase) AS avg_days
                  FROM (%(report)s) report
                 GROUP BY company_id, phase
            ), rows AS (
                SELECT c.company_id, ph.phase, ph.phase_sequence,
                       COALESCE(n.n, 0) AS customer_count,
                       COALESCE(f.entered, 0) AS entered_count,
                       COALESCE(f.converted, 0) AS converted_count,
                       CASE WHEN ph.phase <> 'extension' AND f.entered > 0
                            THEN 100.0 * f.converted / f.entered END
                           AS conversion_rate,
                       COALESCE(f.avg_days, 0) AS avg_days,
                       COALESCE(b.days, 0) AS avg_days_to_first_purchase
                  FROM companies c
                  CROSS JOIN phases ph
                  LEFT JOIN now_counts n
                       ON n.company_id IS NOT DISTINCT FROM c.company_id
                       AND n.phase = ph.phase
                  LEFT JOIN flows f ON f.company_id IS NOT DISTINCT FROM c.company_id
                       AND f.phase = ph.phase
                  LEFT JOIN first_buy b
                       ON b.company_id IS NOT DISTINCT FROM c.company_id
            )
            SELECT ROW_NUMBER() OVER (ORDER BY company_id, phase_sequence) AS id,
                   rows.*,
                   COALESCE(100.0 * customer_count
                       / NULLIF(SUM(customer_count) OVER (PARTITION BY company_id), 0),
                       0)
                       AS customer_share,
                   conversion_rate IS NOT NULL
                       AND conversion_rate = MIN(conversion_rate)
                       OVER (PARTITION BY company_id) AS is_bottleneck
              FROM rows
            """,
            report=report._table_query,
            phases=SQL(", ").join(
                SQL("(%s, %s)", phase, rank) for rank, (phase, _l) in enumerate(PHASES)
            ),
        )
