from odoo import models

from ..models.engine_path import engine_writes


class MergePartnerAutomatic(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _update_values(self, src_partners, dst_partner):
        # The wizard copies every stored field, the phase and the figures
        # the module derives included: a copy, not a change by hand. The
        # merged partner's phase is then recomputed from the opportunities,
        # orders and invoices it now has.
        with engine_writes():
            result = super()._update_values(src_partners, dst_partner)
        dst_partner._lifecycle_mark_pending()
        return result
