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
        # Earlier versions kept the report as a database view.
        tools.drop_view_if_exists(self.env.cr, self._table)

    @property
    def _table_query(self):
        # Built at each read, with "now" a parameter: the time in the open
        # phases follows the clock the rest of the module writes its dates
        # with (frozen in tests), not the database server's.
        return SQL(
            """
            WITH entries AS (
                SELECT h.partner_id, h.phase,
                       %(seq)s AS phase_sequence,
                       MIN(h.date_start) AS date_start,
                       SUM(EXTRACT(EPOCH FROM
                           COALESCE(h.date_end, %(now)s) - h.date_start
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
            """,
            seq=self._phase_sequence_sql(SQL("h.phase")),
            now=fields.Datetime.now(),
        )
