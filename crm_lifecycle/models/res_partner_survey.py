from odoo import api, fields, models

from .crm_lifecycle_survey_response import NPS_CATEGORIES

USER_GROUP = "crm_lifecycle.group_crm_lifecycle_user"


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    # The latest scores are per company, as the payment and RFM figures are,
    # and held on the customer (the commercial partner) only, as they are:
    # each company surveys its own customers, and a partner shared by two
    # companies answers each of them. Company-dependent fields, written from
    # the responses only. Their audience is the responses' and the NPS
    # report's (lifecycle users, salespeople included, of the company):
    # portal users never read them, not even on their own partner.
    nps_last_score = fields.Integer(
        string="Last NPS Score",
        company_dependent=True,
        index=False,
        readonly=True,
        copy=False,
        groups=USER_GROUP,
        help="The customer's latest answer (0-10) to the NPS question.",
    )
    nps_category = fields.Selection(
        NPS_CATEGORIES,
        string="NPS Category",
        company_dependent=True,
        index=False,
        readonly=True,
        copy=False,
        groups=USER_GROUP,
        help="Promoter: 9-10, passive: 7-8, detractor: 0-6.",
    )
    csat_last_score = fields.Float(
        string="Last CSAT Score",
        company_dependent=True,
        index=False,
        readonly=True,
        copy=False,
        digits=(16, 1),
        groups=USER_GROUP,
    )
    survey_last_date = fields.Datetime(
        string="Last Survey Answer",
        company_dependent=True,
        index=False,
        readonly=True,
        copy=False,
        groups=USER_GROUP,
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
        groups=USER_GROUP,
    )
    survey_response_count = fields.Integer(
        compute="_compute_survey_response_count", groups=USER_GROUP
    )

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
