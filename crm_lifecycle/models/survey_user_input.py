from odoo import models


class SurveyUserInput(models.Model):
    _inherit = "survey.user_input"

    def _mark_done(self):
        result = super()._mark_done()
        self.sudo()._crm_lifecycle_record_responses()
        return result

    def _crm_lifecycle_record_responses(self):
        """Turn the completed answers to a satisfaction survey into responses
        on the customer (scores, follow-up, tag)."""
        answers = self.filtered(
            lambda ui: ui.state == "done"
            and ui.partner_id
            and not ui.test_entry
            and any(ui.survey_id.question_ids.mapped("crm_lifecycle_kind"))
        )
        Response = self.env["crm.lifecycle.survey.response"].sudo()
        known = Response.search([("user_input_id", "in", answers.ids)]).user_input_id
        answers -= known
        if not answers:
            return Response
        responses = Response.create(
            [answer._crm_lifecycle_response_values() for answer in answers]
        )
        responses._crm_lifecycle_apply()
        return responses

    def _crm_lifecycle_response_values(self):
        self.ensure_one()
        invitation = (
            self.env["crm.lifecycle.survey.invitation"]
            .sudo()
            .search([("user_input_id", "=", self.id)], limit=1)
        )
        commercial = self.partner_id.commercial_partner_id
        values = {
            "user_input_id": self.id,
            "survey_id": self.survey_id.id,
            "partner_id": self.partner_id.id,
            "commercial_partner_id": commercial.id,
            "invitation_id": invitation.id,
            "company_id": (
                invitation.company_id or commercial.company_id or self.env.company
            ).id,
            "date": self.end_datetime,
        }
        salesperson = (
            self.partner_id.user_id
            or commercial.user_id
            or invitation.invoice_id.invoice_user_id
        )
        if salesperson:
            values["salesperson_id"] = salesperson.id
        for line in self.user_input_line_ids.filtered(lambda line: not line.skipped):
            kind = line.question_id.crm_lifecycle_kind
            if kind == "nps" and line.answer_type == "scale":
                values["nps_score"] = line.value_scale
            elif kind == "csat" and line.answer_type == "scale":
                values["csat_score"] = line.value_scale
            elif kind == "csat" and line.answer_type == "numerical_box":
                values["csat_score"] = line.value_numerical_box
            elif kind == "comment" and line.answer_type in ("text_box", "char_box"):
                values["comment"] = line.value_text_box or line.value_char_box
        return values
