from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.crm_lifecycle_phase_history import PHASES
from ..models.crm_lifecycle_settings import REASON_MAX_LENGTH, check_length


class CrmLifecyclePhaseSet(models.TransientModel):
    _name = "crm.lifecycle.phase.set"
    _description = "Set Lifecycle Phase by Hand"

    partner_ids = fields.Many2many("res.partner", string="Customers", required=True)
    phase = fields.Selection(PHASES, required=True)
    reason = fields.Text(required=True)
    lock = fields.Boolean(
        string="Lock Against Automation",
        default=True,
        help="Keep this phase until a manager unlocks it, whatever the "
        "automatic rules say.",
    )

    @api.constrains("reason")
    def _check_reason(self):
        for wizard in self:
            check_length(wizard, "reason", wizard.reason, REASON_MAX_LENGTH)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "partner_ids" in fields_list and not values.get("partner_ids"):
            if self.env.context.get("active_model") == "res.partner":
                values["partner_ids"] = [(6, 0, self.env.context.get("active_ids", []))]
        return values

    def action_apply(self):
        """Set the phase on the customers, with the reason in their history
        and chatter."""
        self.ensure_one()
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(
                self.env._(
                    "A reason is required: explain why the phase is set by hand."
                )
            )
        self.partner_ids.commercial_partner_id.with_context(
            lifecycle_phase_reason=reason
        ).write({"lifecycle_phase": self.phase, "lifecycle_phase_locked": self.lock})
        return {"type": "ir.actions.act_window_close"}
