from odoo import api, fields, models


class CrmLifecycleSurveyInvitation(models.Model):
    """A closed complaint can trigger the satisfaction survey, under the
    same rules as a paid invoice: one invitation per case, never to an
    opted-out or blacklisted address, never while an invitation is
    unanswered nor within the minimum interval."""

    _inherit = "crm.lifecycle.survey.invitation"  # pylint: disable=consider-merging-classes-inherited

    complaint_id = fields.Many2one(
        "crm.lifecycle.complaint",
        string="Trigger Complaint",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
    )

    _sql_constraints = [
        (
            "complaint_uniq",
            "UNIQUE(complaint_id)",
            "A complaint triggers at most one satisfaction survey invitation.",
        ),
    ]

    @api.model
    def _crm_lifecycle_invite_complaints(self, complaints):
        """Log and, unless a throttle says to skip, send the survey to the
        contact of each closed case not yet surveyed.

        :return: the invitation rows made (sent or skipped)
        """
        settings = self._crm_lifecycle_survey_settings()
        complaints = complaints.sudo()
        if not settings or not complaints:
            return self
        # The throttles read the invitations in SQL: an answer recorded in
        # this transaction counts.
        self.flush_model()
        known = self.sudo().search([("complaint_id", "in", complaints.ids)])
        complaints -= known.complaint_id
        if not complaints:
            return self
        recent = self._crm_lifecycle_recent_invitations(
            set(complaints.commercial_partner_id.ids), settings
        )
        blacklist = self._crm_lifecycle_blacklisted(complaints)
        invitations = self
        for complaint in complaints:
            invitation = self._crm_lifecycle_invite_complaint(
                complaint, settings, recent, blacklist
            )
            if invitation.state == "sent":
                recent.setdefault(invitation.commercial_partner_id.id, []).append(
                    ("sent", invitation.date)
                )
            invitations |= invitation
        return invitations

    @api.model
    def _crm_lifecycle_invite_complaint(self, complaint, settings, recent, blacklist):
        recipient = complaint.partner_id
        commercial = complaint.commercial_partner_id
        values = {
            "complaint_id": complaint.id,
            "commercial_partner_id": commercial.id,
            "company_id": complaint.company_id.id,
            "survey_id": settings["survey"].id,
            "partner_id": recipient.id,
            "email": recipient.email,
            "salesperson_id": (complaint.user_id or commercial.user_id).id,
        }
        reason = self._crm_lifecycle_skip_reason(
            recipient, recent.get(commercial.id, []), blacklist
        )
        if reason:
            return self.sudo().create(dict(values, state="skipped", skip_reason=reason))
        invitation = self.sudo().create(dict(values, state="sent"))
        invitation._crm_lifecycle_send(settings["survey"])
        return invitation

    def _crm_lifecycle_template(self):
        if self.complaint_id:
            return self.env.ref(
                "crm_lifecycle.mail_template_complaint_survey_invitation"
            )
        return super()._crm_lifecycle_template()
