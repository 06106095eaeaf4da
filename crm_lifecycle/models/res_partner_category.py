from odoo import api, fields, models

from .res_partner_retention import RFM_SEGMENTS


class ResPartnerCategory(models.Model):
    _inherit = "res.partner.category"

    rfm_segment = fields.Selection(
        RFM_SEGMENTS,
        string="Mirrors RFM Segment",
        readonly=True,
        copy=False,
        help="Set on the tags the retention analytics keep in sync with the "
        "customers' RFM segment.",
    )

    _sql_constraints = [
        (
            "rfm_segment_unique",
            "UNIQUE(rfm_segment)",
            "Only one tag can mirror an RFM segment.",
        )
    ]

    @api.model
    def _rfm_segment_tags(self):
        """{segment: tag}, creating the missing tags."""
        tags = {
            tag.rfm_segment: tag
            for tag in self.sudo().search([("rfm_segment", "!=", False)])
        }
        labels = dict(self._fields["rfm_segment"]._description_selection(self.env))
        missing = [key for key, _label in RFM_SEGMENTS if key not in tags]
        if missing:
            created = self.sudo().create(
                [
                    {
                        "name": self.env._("RFM: %(segment)s", segment=labels[key]),
                        "rfm_segment": key,
                    }
                    for key in missing
                ]
            )
            tags.update(zip(missing, created, strict=True))
        return tags
