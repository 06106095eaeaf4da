from markupsafe import Markup, escape

from odoo import models


class CrmLifecycleSurveyResponse(models.Model):
    """A detractor's answer is followed up as Settings say: not at all, by
    an activity for the salesperson, or by a complaint case."""

    _inherit = "crm.lifecycle.survey.response"  # pylint: disable=consider-merging-classes-inherited

    def _crm_lifecycle_schedule_followup(self):
        action = self.env["crm.lifecycle.settings"]._get("complaint_detractor_action")
        if action == "off":
            return
        if action == "activity":
            super()._crm_lifecycle_schedule_followup()
            return
        self._crm_lifecycle_open_complaints()

    def _crm_lifecycle_open_complaints(self):
        """One case per detractor answer, owned by the salesperson."""
        Complaint = self.env["crm.lifecycle.complaint"].sudo()
        known = (
            Complaint.with_context(active_test=False)
            .search([("survey_response_id", "in", self.ids)])
            .survey_response_id
        )
        values = []
        for response in self - known:
            description = Markup("<p>%s</p>") % self.env._(
                "%(customer)s answered %(score)s out of 10 to the satisfaction survey.",
                customer=response.commercial_partner_id.display_name,
                score=response.nps_score,
            )
            if response.comment:
                description += Markup("<blockquote>%s</blockquote>") % escape(
                    response.comment
                )
            user = response.salesperson_id or response.survey_id.user_id
            values.append(
                {
                    "partner_id": response.partner_id.id,
                    "company_id": response.company_id.id,
                    "subject": self.env._(
                        "Unhappy with us: satisfaction survey answer"
                    ),
                    "description": description,
                    "source": "survey",
                    "priority": "1",
                    "user_id": user.id,
                    "survey_response_id": response.id,
                }
            )
        return Complaint.create(values)
