from odoo import api, fields, models

from .crm_lifecycle_settings import REASON_MAX_LENGTH, check_length

PHASES = [
    ("selection", "Selection"),
    ("acquisition", "Acquisition"),
    ("retention", "Retention"),
    ("extension", "Extension"),
]
PHASE_RANK = {phase: rank for rank, (phase, _label) in enumerate(PHASES)}


class CrmLifecyclePhaseHistory(models.Model):
    _name = "crm.lifecycle.phase.history"
    _description = "Customer Lifecycle Phase History"
    _order = "date_start desc, id desc"
    _rec_name = "phase"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
    )
    # Precomputed: a row is inserted with them, not inserted then updated
    # (the installation writes a few rows per customer).
    company_id = fields.Many2one(
        related="partner_id.company_id", store=True, index=True, precompute=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Changed by",
        help="Who changed the phase; empty when the rules changed it.",
    )
    salesperson_id = fields.Many2one(
        related="partner_id.user_id",
        string="Salesperson",
        store=True,
        precompute=True,
    )
    country_id = fields.Many2one(
        related="partner_id.country_id",
        string="Country",
        store=True,
        precompute=True,
    )
    phase = fields.Selection(PHASES, required=True, index=True)
    date_start = fields.Datetime(
        string="Entered", required=True, default=fields.Datetime.now
    )
    date_end = fields.Datetime(string="Left", index=True)
    is_current = fields.Boolean(
        string="Current",
        compute="_compute_is_current",
        store=True,
        index=True,
        precompute=True,
    )
    duration_days = fields.Float(
        string="Days in Phase",
        compute="_compute_duration_days",
        digits=(16, 1),
        help="Days between entering and leaving the phase, or until now when "
        "the customer is still in it.",
    )
    reason = fields.Char()
    manual = fields.Boolean(help="Set by hand by a manager.")

    _sql_constraints = [
        (
            "date_order",
            "CHECK (date_end IS NULL OR date_end >= date_start)",
            "A phase cannot end before it starts.",
        ),
    ]

    def init(self):
        # One open row per partner, enforced by the database.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS
                crm_lifecycle_phase_history_one_open_idx
            ON crm_lifecycle_phase_history (partner_id) WHERE date_end IS NULL
            """
        )

    @api.constrains("reason")
    def _check_reason(self):
        for row in self:
            check_length(row, "reason", row.reason, REASON_MAX_LENGTH)

    @api.depends("date_end")
    def _compute_is_current(self):
        for row in self:
            row.is_current = not row.date_end

    @api.depends("date_start", "date_end")
    def _compute_duration_days(self):
        now = fields.Datetime.now()
        for row in self:
            end = row.date_end or now
            row.duration_days = (
                (end - row.date_start).total_seconds() / 86400.0
                if row.date_start
                else 0.0
            )
