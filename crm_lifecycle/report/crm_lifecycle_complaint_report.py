from odoo import fields, models
from odoo.tools import SQL

from ..models.crm_lifecycle_complaint import PRIORITIES, SOURCES
from ..models.crm_lifecycle_phase_history import PHASES
from ..models.res_partner_retention import RFM_SEGMENTS


class CrmLifecycleComplaintReport(models.Model):
    """One row per case, with its customer's phase and segment: the backlog
    by category, month, owner, phase and segment. The averages of the
    rates are the shares of cases breached and reopened."""

    _name = "crm.lifecycle.complaint.report"
    _description = "Complaint Analysis"
    _auto = False
    _order = "date_open desc"
    _rec_name = "complaint_id"

    complaint_id = fields.Many2one(
        "crm.lifecycle.complaint", string="Case", readonly=True
    )
    company_id = fields.Many2one("res.company", readonly=True)
    commercial_partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True
    )
    user_id = fields.Many2one("res.users", string="Owner", readonly=True)
    category_id = fields.Many2one(
        "crm.lifecycle.complaint.category", string="Category", readonly=True
    )
    stage_id = fields.Many2one(
        "crm.lifecycle.complaint.stage", string="Stage", readonly=True
    )
    priority = fields.Selection(PRIORITIES, readonly=True)
    source = fields.Selection(SOURCES, readonly=True)
    lifecycle_phase = fields.Selection(PHASES, string="Customer Phase", readonly=True)
    rfm_segment = fields.Selection(RFM_SEGMENTS, string="Segment", readonly=True)
    date_open = fields.Datetime(string="Opened On", readonly=True)
    date_closed = fields.Datetime(string="Closed On", readonly=True)
    is_closed = fields.Boolean(string="Closed", readonly=True)
    case_count = fields.Integer(string="Cases", readonly=True)
    response_hours = fields.Float(
        string="Response Time (working hours)", readonly=True, aggregator="avg"
    )
    resolution_hours = fields.Float(
        string="Resolution Time (working hours)", readonly=True, aggregator="avg"
    )
    breach_rate = fields.Float(
        string="SLA Breach Rate (%)", readonly=True, aggregator="avg", digits=(16, 1)
    )
    reopen_rate = fields.Float(
        string="Reopen Rate (%)", readonly=True, aggregator="avg", digits=(16, 1)
    )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT c.id, c.id AS complaint_id, c.company_id,
                   c.commercial_partner_id, c.user_id, c.category_id,
                   c.stage_id, c.priority, c.source,
                   p.lifecycle_phase,
                   p.rfm_segment ->> c.company_id::text AS rfm_segment,
                   c.date_open, c.date_closed,
                   COALESCE(c.is_closed, FALSE) AS is_closed,
                   1 AS case_count,
                   CASE WHEN c.date_first_response IS NOT NULL
                        THEN c.response_hours END AS response_hours,
                   CASE WHEN c.date_closed IS NOT NULL
                        THEN c.resolution_hours END AS resolution_hours,
                   CASE WHEN c.sla_breached THEN 100.0 ELSE 0.0 END AS breach_rate,
                   CASE WHEN c.reopen_count > 0 THEN 100.0 ELSE 0.0 END
                       AS reopen_rate
              FROM crm_lifecycle_complaint c
              JOIN res_partner p ON p.id = c.commercial_partner_id
             WHERE c.active
            """
        )
