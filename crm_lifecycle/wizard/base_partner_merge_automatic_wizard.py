from odoo import models


class MergePartnerAutomatic(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _update_values(self, src_partners, dst_partner):
        # The wizard copies every stored field, the phase included: that copy
        # is not a manual phase change. The merged partner's phase is then
        # recomputed from the opportunities, orders and invoices it now has.
        result = super(
            MergePartnerAutomatic, self.with_context(crm_lifecycle_engine=True)
        )._update_values(
            src_partners, dst_partner.with_context(crm_lifecycle_engine=True)
        )
        dst_partner._lifecycle_mark_pending()
        return result
