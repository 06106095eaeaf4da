from odoo import api, fields, models

from .crm_lifecycle_survey_response import NPS_CATEGORIES

SURVEY_SYNCED_FIELDS = [
    "nps_last_score",
    "nps_category",
    "csat_last_score",
    "survey_last_date",
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    nps_last_score = fields.Integer(
        string="Last NPS Score",
        readonly=True,
        copy=False,
        help="The customer's latest answer (0-10) to the NPS question.",
    )
    nps_category = fields.Selection(
        NPS_CATEGORIES,
        string="NPS Category",
        readonly=True,
        copy=False,
        index=True,
        help="Promoter: 9-10, passive: 7-8, detractor: 0-6.",
    )
    csat_last_score = fields.Float(
        string="Last CSAT Score", readonly=True, copy=False, digits=(16, 1)
    )
    survey_last_date = fields.Datetime(
        string="Last Survey Answer", readonly=True, copy=False
    )
    survey_opt_out = fields.Boolean(
        string="No Satisfaction Surveys",
        copy=False,
        help="The customer asked not to receive satisfaction surveys.",
    )
    survey_response_ids = fields.One2many(
        "crm.lifecycle.survey.response",
        "commercial_partner_id",
        string="Satisfaction Answers",
    )
    survey_response_count = fields.Integer(compute="_compute_survey_response_count")

    @api.model
    def _lifecycle_engine_fields(self):
        return super()._lifecycle_engine_fields() | {
            "nps_last_score",
            "nps_category",
            "csat_last_score",
            "survey_last_date",
        }

    # ------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------

    def _compute_survey_response_count(self):
        counts = dict(
            self.env["crm.lifecycle.survey.response"]._read_group(
                [("commercial_partner_id", "in", self.commercial_partner_id.ids)],
                ["commercial_partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.survey_response_count = counts.get(partner.commercial_partner_id, 0)

    # ------------------------------------------------------------
    # Commercial fields: the scores live on the commercial partner
    # ------------------------------------------------------------

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + SURVEY_SYNCED_FIELDS

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_view_survey_responses(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_lifecycle.crm_lifecycle_survey_response_action"
        )
        action["domain"] = [
            ("commercial_partner_id", "=", self.commercial_partner_id.id)
        ]
        action["context"] = {}
        return action
