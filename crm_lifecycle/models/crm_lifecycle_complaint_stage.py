from odoo import fields, models


class CrmLifecycleComplaintStage(models.Model):
    """A step of a complaint's handling, as the backlog kanban shows it."""

    _name = "crm.lifecycle.complaint.stage"
    _description = "Complaint Stage"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    fold = fields.Boolean(
        string="Folded in Kanban", help="Shown folded in the backlog kanban."
    )
    is_closed = fields.Boolean(
        string="Closing Stage",
        help="A case in this stage is resolved: it needs a resolution, and its "
        "resolution time stops.",
    )
    is_waiting = fields.Boolean(
        string="Waiting on the Customer",
        help="Time spent in this stage does not count towards the response and "
        "resolution times, nor the SLA deadline.",
    )
    active = fields.Boolean(default=True)
