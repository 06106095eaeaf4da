from odoo import api, models

# The opportunity fields the fit score reads a trait from (the source and
# medium of the customer's first opportunity, its team).
FIT_LEAD_FIELDS = {"partner_id", "type", "source_id", "medium_id", "team_id"}


class CrmLead(models.Model):
    _inherit = "crm.lead"  # pylint: disable=consider-merging-classes-inherited

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        leads.partner_id._lifecycle_fit_mark_pending()
        return leads

    def write(self, vals):
        touched = FIT_LEAD_FIELDS & vals.keys()
        before = self.partner_id if touched else self.env["res.partner"]
        result = super().write(vals)
        if touched:
            (before | self.partner_id)._lifecycle_fit_mark_pending()
        return result
