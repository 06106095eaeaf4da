from odoo import fields, models, tools
from odoo.tools import SQL


class CrmLifecycleSurveyRateReport(models.Model):
    """Survey response rate: one row per invitation sent. The average of
    ``response_rate`` (100 answered, 0 not) is answered / sent."""

    _name = "crm.lifecycle.survey.rate.report"
    _description = "Satisfaction Survey Response Rate"
    _auto = False
    _order = "date desc"
    _rec_name = "commercial_partner_id"

    date = fields.Datetime(string="Sent On", readonly=True)
    commercial_partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True
    )
    company_id = fields.Many2one("res.company", readonly=True)
    salesperson_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    survey_id = fields.Many2one("survey.survey", readonly=True)
    sent_count = fields.Integer(string="Sent", readonly=True)
    answered_count = fields.Integer(string="Answered", readonly=True)
    response_rate = fields.Float(
        string="Response Rate (%)", readonly=True, aggregator="avg", digits=(16, 1)
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %(table)s AS (
                    SELECT i.id, i.date, i.commercial_partner_id, i.company_id,
                           i.salesperson_id, i.survey_id,
                           1 AS sent_count,
                           CASE WHEN i.state = 'answered' THEN 1 ELSE 0 END
                               AS answered_count,
                           CASE WHEN i.state = 'answered' THEN 100.0 ELSE 0.0 END
                               AS response_rate
                      FROM crm_lifecycle_survey_invitation i
                     WHERE i.state IN ('sent', 'answered')
                )
                """,
                table=SQL.identifier(self._table),
            )
        )
