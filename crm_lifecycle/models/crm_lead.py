from odoo import api, models

from .res_partner_pipeline import PHASE_ONLY

LIFECYCLE_LEAD_FIELDS = {"partner_id", "type", "active", "stage_id", "probability"}


class CrmLead(models.Model):
    _inherit = "crm.lead"

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        leads.partner_id._lifecycle_mark_pending(passes=PHASE_ONLY)
        return leads

    def write(self, vals):
        touched = LIFECYCLE_LEAD_FIELDS & vals.keys()
        before = self.partner_id if touched else self.env["res.partner"]
        result = super().write(vals)
        if touched:
            (before | self.partner_id)._lifecycle_mark_pending(passes=PHASE_ONLY)
        return result
