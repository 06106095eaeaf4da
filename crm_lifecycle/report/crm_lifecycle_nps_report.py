from odoo import fields, models, tools
from odoo.tools import SQL

from ..models.crm_lifecycle_phase_history import PHASES
from ..models.crm_lifecycle_survey_response import NPS_CATEGORIES


class CrmLifecycleNpsReport(models.Model):
    """NPS and CSAT dashboard: one row per customer and month, its latest
    answer of that month. The average of ``nps_value`` (+100 promoter,
    0 passive, -100 detractor) is the NPS of any group of rows, and every
    figure has its sample size beside it."""

    _name = "crm.lifecycle.nps.report"
    _description = "NPS and CSAT Analysis"
    _auto = False
    _order = "date desc"
    _rec_name = "commercial_partner_id"

    date = fields.Datetime(string="Answered On", readonly=True)
    commercial_partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True
    )
    company_id = fields.Many2one("res.company", readonly=True)
    salesperson_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    country_id = fields.Many2one("res.country", string="Country", readonly=True)
    lifecycle_phase = fields.Selection(PHASES, readonly=True)
    survey_id = fields.Many2one("survey.survey", readonly=True)
    nps_category = fields.Selection(
        NPS_CATEGORIES, string="NPS Category", readonly=True
    )
    nps_score = fields.Float(
        string="Average Score (0-10)", readonly=True, aggregator="avg", digits=(16, 1)
    )
    nps_value = fields.Float(
        string="NPS",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="% promoters - % detractors.",
    )
    promoter_pct = fields.Float(
        string="Promoters (%)", readonly=True, aggregator="avg", digits=(16, 1)
    )
    passive_pct = fields.Float(
        string="Passives (%)", readonly=True, aggregator="avg", digits=(16, 1)
    )
    detractor_pct = fields.Float(
        string="Detractors (%)", readonly=True, aggregator="avg", digits=(16, 1)
    )
    nps_count = fields.Integer(string="NPS Answers", readonly=True)
    csat_score = fields.Float(
        string="CSAT", readonly=True, aggregator="avg", digits=(16, 2)
    )
    csat_count = fields.Integer(string="CSAT Answers", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS (
                    SELECT DISTINCT ON (r.commercial_partner_id,
                                        date_trunc('month', r.date))
                           r.id, r.date, r.commercial_partner_id, r.company_id,
                           r.salesperson_id, p.country_id, p.lifecycle_phase,
                           r.survey_id, r.nps_category, r.nps_score,
                           CASE r.nps_category WHEN 'promoter' THEN 100.0
                                WHEN 'detractor' THEN -100.0 ELSE 0.0 END AS nps_value,
                           CASE WHEN r.nps_category = 'promoter' THEN 100.0 ELSE 0.0 END
                               AS promoter_pct,
                           CASE WHEN r.nps_category = 'passive' THEN 100.0 ELSE 0.0 END
                               AS passive_pct,
                           CASE WHEN r.nps_category = 'detractor'
                                THEN 100.0 ELSE 0.0 END
                               AS detractor_pct,
                           1 AS nps_count,
                           r.csat_score,
                           CASE WHEN r.csat_score IS NULL THEN 0 ELSE 1 END
                               AS csat_count
                      FROM crm_lifecycle_survey_response r
                      JOIN res_partner p ON p.id = r.commercial_partner_id
                     WHERE r.nps_category IS NOT NULL
                     ORDER BY r.commercial_partner_id, date_trunc('month', r.date),
                              r.date DESC, r.id DESC
                )
                """,
                table=SQL.identifier(self._table),
            )
        )
