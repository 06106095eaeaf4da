from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.crm_lifecycle_phase_history import PHASES


class CrmLifecycleFunnelReport(models.Model):
    """One row per customer and phase entered: when, for how long, and
    whether the customer went on to a later phase."""

    _name = "crm.lifecycle.funnel.report"
    _description = "Customer Lifecycle Funnel Analysis"
    _auto = False
    _order = "date_start desc"
    _rec_name = "phase"

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    salesperson_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    country_id = fields.Many2one("res.country", string="Country", readonly=True)
    phase = fields.Selection(PHASES, readonly=True)
    phase_sequence = fields.Integer(readonly=True)
    date_start = fields.Datetime(string="Entered", readonly=True)
    days_in_phase = fields.Float(
        string="Days in Phase", readonly=True, aggregator="avg", digits=(16, 1)
    )
    converted = fields.Boolean(string="Reached Next Phase", readonly=True)
    conversion_rate = fields.Float(
        string="Conversion (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Share of the customers who entered the phase and went on to a "
        "later one.",
    )
    days_to_first_purchase = fields.Float(
        string="Days to First Purchase", readonly=True, aggregator="avg"
    )
    customer_count = fields.Integer(string="Customers", readonly=True)

    def _phase_sequence_sql(self, column):
        return SQL(
            "CASE %s %s END",
            column,
            SQL(" ").join(
                SQL("WHEN %s THEN %s", phase, rank)
                for rank, (phase, _l) in enumerate(PHASES)
            ),
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
        CREATE OR REPLACE VIEW %(table)s AS (
            WITH entries AS (
                SELECT h.partner_id, h.phase,
                       %(seq)s AS phase_sequence,
                       MIN(h.date_start) AS date_start,
                       SUM(EXTRACT(EPOCH FROM
                           COALESCE(h.date_end, NOW() AT TIME ZONE 'UTC') - h.date_start
                       )) / 86400.0 AS days_in_phase
                  FROM crm_lifecycle_phase_history h
                 GROUP BY h.partner_id, h.phase
            ), reach AS (
                SELECT h.partner_id, MAX(%(seq)s) AS max_sequence,
                       MIN(%(seq)s) FILTER (WHERE h.phase IN ('retention', 'extension'))
                           AS first_buy_sequence
                  FROM crm_lifecycle_phase_history h
                 GROUP BY h.partner_id
            )
            SELECT ROW_NUMBER() OVER (ORDER BY e.partner_id, e.phase_sequence) AS id,
                   e.partner_id, p.company_id, p.user_id AS salesperson_id,
                   p.country_id, e.phase, e.phase_sequence, e.date_start,
                   e.days_in_phase,
                   r.max_sequence > e.phase_sequence AS converted,
                   CASE WHEN r.max_sequence > e.phase_sequence
                        THEN 100.0 ELSE 0.0 END AS conversion_rate,
                   CASE WHEN e.phase_sequence = r.first_buy_sequence
                        THEN p.lifecycle_days_to_first_purchase END
                       AS days_to_first_purchase,
                   1 AS customer_count
              FROM entries e
              JOIN reach r ON r.partner_id = e.partner_id
              JOIN res_partner p ON p.id = e.partner_id
        )
                """,
                table=SQL.identifier(self._table),
                seq=self._phase_sequence_sql(SQL("h.phase")),
            )
        )


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
        tools.drop_view_if_exists(self.env.cr, self._table)
        report = self.env["crm.lifecycle.funnel.report"]
        self.env.cr.execute(
            SQL(
                """
        CREATE OR REPLACE VIEW %(table)s AS (
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
                  FROM %(report)s
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
        )
                """,
                table=SQL.identifier(self._table),
                report=SQL.identifier(report._table),
                phases=SQL(", ").join(
                    SQL("(%s, %s)", phase, rank)
                    for rank, (phase, _l) in enumerate(PHASES)
                ),
            )
        )
