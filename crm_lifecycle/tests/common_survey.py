from datetime import timedelta

from odoo import fields

from .common import CrmLifecycleCommon


class CrmLifecycleSurveyCommon(CrmLifecycleCommon):
    """The shipped satisfaction survey, configured, and helpers that answer
    it or pay an invoice on a given day."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.survey = cls.env.ref("crm_lifecycle.survey_survey_customer_satisfaction")
        cls.q_nps = cls.env.ref(
            "crm_lifecycle.survey_question_customer_satisfaction_nps"
        )
        cls.q_csat = cls.env.ref(
            "crm_lifecycle.survey_question_customer_satisfaction_csat"
        )
        cls.q_comment = cls.env.ref(
            "crm_lifecycle.survey_question_customer_satisfaction_comment"
        )
        params = cls.env["ir.config_parameter"].sudo()
        for key, value in {
            "survey_id": cls.survey.id,
            "survey_trigger": "invoice_paid",
            "survey_delay_days": 3,
            "survey_min_interval_days": 90,
            "survey_max_per_run": 200,
        }.items():
            params.set_param(f"crm_lifecycle.{key}", value)
        cls.customer.email = "satinalma@anadolu-tekstil.example.com"

    def _answer(self, partner, nps=None, csat=None, comment=None, survey=None):
        """Answer the survey as ``partner`` and complete it."""
        survey = survey or self.survey
        user_input = survey.sudo()._create_answer(partner=partner, check_attempts=False)
        answers = {self.q_nps: nps, self.q_csat: csat, self.q_comment: comment}
        for question, value in answers.items():
            if value is not None and question.survey_id == survey:
                # As the web form posts it: a string, so that 0 is an answer.
                user_input._save_lines(question, str(value))
        user_input._mark_done()
        return user_input

    def _complete(self, user_input, nps):
        """The invited customer answers the NPS question and submits."""
        user_input = user_input.sudo()
        user_input._save_lines(self.q_nps, str(nps))
        user_input._mark_done()

    def _paid_invoice(self, partner, paid_on, **invoice_values):
        paid_on = fields.Date.to_date(paid_on)
        invoice = self._invoice(partner, date=paid_on - timedelta(days=10))
        if invoice_values:
            invoice.write(invoice_values)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": paid_on})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        # The lifecycle recompute the payment queued runs now, not inside the
        # frozen clock of the cron run.
        self._flush_events()
        return invoice

    def _run_invitations(self):
        return self.env["crm.lifecycle.survey.invitation"]._cron_send_invitations()

    def _invitations(self, partners):
        return self.env["crm.lifecycle.survey.invitation"].search(
            [("commercial_partner_id", "in", partners.commercial_partner_id.ids)],
            order="id",
        )

    def _summary(self, date_from="2000-01-01", date_to="2100-01-01", **kw):
        return self.env["crm.lifecycle.survey.response"]._crm_lifecycle_nps_summary(
            date_from, date_to, **kw
        )
