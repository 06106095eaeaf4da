import functools
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .crm_lifecycle_batch import BatchResult

_logger = logging.getLogger(__name__)

LABEL = "Satisfaction surveys"

SKIP_REASONS = [
    ("no_email", "No e-mail address"),
    ("opted_out", "Opted out of surveys"),
    ("blacklisted", "E-mail blacklisted"),
    ("unanswered", "Previous invitation unanswered"),
    ("throttled", "Invited too recently"),
    ("error", "Error"),
]


class CrmLifecycleSurveyInvitation(models.Model):
    """The log of satisfaction survey invitations: one row per trigger
    (a paid invoice), sent or skipped with the reason, so that a trigger is
    never acted on twice."""

    _name = "crm.lifecycle.survey.invitation"
    _description = "Satisfaction Survey Invitation"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Recipient",
        required=True,
        readonly=True,
        ondelete="cascade",
    )
    commercial_partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        readonly=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    salesperson_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    invoice_id = fields.Many2one(
        "account.move", string="Trigger Invoice", readonly=True, ondelete="cascade"
    )
    survey_id = fields.Many2one("survey.survey", readonly=True, ondelete="set null")
    user_input_id = fields.Many2one(
        "survey.user_input",
        string="Survey Answer",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    email = fields.Char(readonly=True)
    state = fields.Selection(
        [("sent", "Sent"), ("skipped", "Skipped"), ("answered", "Answered")],
        required=True,
        readonly=True,
        default="sent",
        index=True,
    )
    skip_reason = fields.Selection(SKIP_REASONS, readonly=True)
    note = fields.Text(readonly=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    answer_date = fields.Datetime(string="Answered On", readonly=True)

    _sql_constraints = [
        (
            "invoice_uniq",
            "UNIQUE(invoice_id)",
            "An invoice triggers at most one satisfaction survey invitation.",
        ),
    ]

    # ------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------

    @api.model
    def _crm_lifecycle_survey_settings(self):
        """The survey settings, or None when no survey is configured."""
        settings = self.env["crm.lifecycle.settings"]
        survey = (
            self.env["survey.survey"].sudo().browse(settings._get("survey_id")).exists()
        )
        if not survey or not survey.active:
            return None
        return {
            "survey": survey,
            "trigger": settings._get("survey_trigger"),
            "delay_days": settings._get("survey_delay_days"),
            "min_interval_days": settings._get("survey_min_interval_days"),
            "max_per_run": settings._get("survey_max_per_run"),
            "lookback_days": settings._get("survey_lookback_days"),
        }

    @api.model
    def _cron_send_invitations(self, batch_size=100):
        """Daily: invite the contacts of invoices paid ``delay`` days ago to
        the satisfaction survey, at most ``max per run`` e-mails.

        Idempotent: each paid invoice gets one log row (sent or skipped with
        its reason) and is never looked at again. The invitations run
        through the module's batch runner (crm.lifecycle.batch): a failing
        one is rolled back, the others of its batch are retried one by one,
        and it is logged and recorded as skipped with the error, so that it
        is not sent twice. Returns the number of invitations sent."""
        settings = self._crm_lifecycle_survey_settings()
        if not settings or settings["trigger"] != "invoice_paid":
            self.env["ir.cron"]._notify_progress(done=0, remaining=0)
            return 0
        # Run what the transaction queued so far before the first
        # savepoint: a failure there is not an invitation's.
        self.env.cr.flush()
        Batch = self.env["crm.lifecycle.batch"]
        result, sent = BatchResult(), 0
        while sent < settings["max_per_run"]:
            # No more candidates than e-mails left to send: a batch is
            # handled whole, and a skipped trigger does not count.
            candidates = self._crm_lifecycle_candidates(
                settings, min(batch_size, settings["max_per_run"] - sent)
            )
            if not candidates:
                break
            by_invoice = {c["invoice_id"]: c for c in candidates}
            batch = Batch._run_batch(
                list(by_invoice),
                functools.partial(
                    self._crm_lifecycle_invite_batch, settings, by_invoice
                ),
                LABEL,
                noun="invoice",
                logger=_logger,
            )
            self._crm_lifecycle_record_failures(batch.unsettled, settings, by_invoice)
            sent += self.sudo().search_count(
                [("invoice_id", "in", batch.done), ("state", "=", "sent")]
            )
            result.update(batch)
        _logger.info(
            "%s: %s triggers handled, %s sent",
            LABEL,
            len(result.done) + len(result.unsettled),
            sent,
        )
        # What the cap leaves over waits for tomorrow's run, not an immediate
        # re-run: the cap is per run.
        Batch._batch_report(LABEL, result, 0, logger=_logger)
        return sent

    @api.model
    def _crm_lifecycle_candidates(self, settings, limit):
        """Paid customer invoices whose payment date plus the delay is
        reached (within the look-back window) and that have no invitation
        row yet, oldest payment first."""
        today = fields.Date.context_today(self)
        latest = today - timedelta(days=settings["delay_days"])
        earliest = latest - timedelta(days=settings["lookback_days"])
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH paid AS (
                    SELECT aml.move_id, MAX(apr.max_date) AS paid_date
                      FROM account_partial_reconcile apr
                      JOIN account_move_line aml ON aml.id = apr.debit_move_id
                     WHERE apr.max_date >= %(earliest)s
                       AND aml.display_type = 'payment_term'
                     GROUP BY aml.move_id
                    HAVING MAX(apr.max_date) <= %(latest)s
                )
                SELECT m.id, m.partner_id, m.commercial_partner_id, m.company_id
                  FROM paid
                  JOIN account_move m ON m.id = paid.move_id
                 WHERE m.move_type = 'out_invoice'
                   AND m.state = 'posted'
                   AND m.payment_state IN ('paid', 'in_payment')
                   AND NOT EXISTS (
                        SELECT 1 FROM crm_lifecycle_survey_invitation i
                         WHERE i.invoice_id = m.id)
                 ORDER BY paid.paid_date, m.id
                 LIMIT %(limit)s
                """,
                earliest=earliest,
                latest=latest,
                limit=limit,
            )
        )
        return [
            {
                "invoice_id": row[0],
                "partner_id": row[1],
                "commercial_partner_id": row[2],
                "company_id": row[3],
            }
            for row in self.env.cr.fetchall()
        ]

    @api.model
    def _crm_lifecycle_recent_invitations(self, commercial_partner_ids, settings):
        """{commercial partner id: [(state, date)]} of the invitations sent
        within the minimum interval."""
        since = fields.Datetime.now() - timedelta(days=settings["min_interval_days"])
        self.env.cr.execute(
            SQL(
                """
                SELECT commercial_partner_id, state, date
                  FROM crm_lifecycle_survey_invitation
                 WHERE commercial_partner_id = ANY(%s)
                   AND state IN ('sent', 'answered')
                   AND date > %s
                """,
                list(commercial_partner_ids),
                since,
            )
        )
        recent = {}
        for partner_id, state, date in self.env.cr.fetchall():
            recent.setdefault(partner_id, []).append((state, date))
        return recent

    @api.model
    def _crm_lifecycle_blacklisted(self, invoices):
        emails = {e for e in invoices.partner_id.mapped("email_normalized") if e}
        if not emails:
            return set()
        return set(
            self.env["mail.blacklist"]
            .sudo()
            .search([("email", "in", list(emails))])
            .mapped("email")
        )

    @api.model
    def _crm_lifecycle_invite_batch(self, settings, candidates, invoice_ids):
        """Log and, unless a rule says to skip, send the invitation of each
        of these triggers, in order: the work of a batch of the runner."""
        invoices = self.env["account.move"].sudo().browse(invoice_ids)
        recent = self._crm_lifecycle_recent_invitations(
            {candidates[i]["commercial_partner_id"] for i in invoice_ids}, settings
        )
        blacklist = self._crm_lifecycle_blacklisted(invoices)
        for invoice in invoices:
            invitation = self._crm_lifecycle_invite(
                invoice,
                self._crm_lifecycle_values(candidates[invoice.id], settings),
                settings,
                recent,
                blacklist,
            )
            if invitation.state == "sent":
                recent.setdefault(invitation.commercial_partner_id.id, []).append(
                    ("sent", invitation.date)
                )

    @api.model
    def _crm_lifecycle_values(self, candidate, settings):
        return {
            "invoice_id": candidate["invoice_id"],
            "commercial_partner_id": candidate["commercial_partner_id"],
            "company_id": candidate["company_id"],
            "survey_id": settings["survey"].id,
        }

    @api.model
    def _crm_lifecycle_record_failures(self, reasons, settings, candidates):
        """One skipped row with the error for each trigger whose invitation
        failed ({invoice id: reason}): it is not tried again."""
        return self.sudo().create(
            [
                dict(
                    self._crm_lifecycle_values(candidates[invoice_id], settings),
                    partner_id=candidates[invoice_id]["partner_id"],
                    state="skipped",
                    skip_reason="error",
                    note=reason,
                )
                for invoice_id, reason in reasons.items()
            ]
        )

    @api.model
    def _crm_lifecycle_invite(self, invoice, values, settings, recent, blacklist):
        recipient = invoice.partner_id
        values = dict(
            values,
            partner_id=recipient.id,
            email=recipient.email,
            salesperson_id=(
                recipient.user_id
                or recipient.commercial_partner_id.user_id
                or invoice.invoice_user_id
            ).id,
        )
        reason = self._crm_lifecycle_skip_reason(
            recipient, recent.get(values["commercial_partner_id"], []), blacklist
        )
        if reason:
            return self.sudo().create(dict(values, state="skipped", skip_reason=reason))
        invitation = self.sudo().create(dict(values, state="sent"))
        invitation._crm_lifecycle_send(settings["survey"])
        return invitation

    @api.model
    def _crm_lifecycle_skip_reason(self, recipient, recent, blacklist):
        """Why this recipient must not be invited now, or False."""
        if not recipient.email_normalized:
            return "no_email"
        if (recipient | recipient.commercial_partner_id).filtered("survey_opt_out"):
            return "opted_out"
        if recipient.email_normalized in blacklist:
            return "blacklisted"
        if any(state == "sent" for state, _date in recent):
            return "unanswered"
        if recent:
            return "throttled"
        return False

    def _crm_lifecycle_send(self, survey):
        """Create the personal answer and queue the invitation e-mail."""
        self.ensure_one()
        user_input = survey.sudo()._create_answer(
            partner=self.partner_id, email=self.email, check_attempts=False
        )
        self.user_input_id = user_input
        template = self._crm_lifecycle_template()
        template.sudo().send_mail(
            self.id, email_layout_xmlid="mail.mail_notification_light"
        )

    def _crm_lifecycle_template(self):
        """The invitation e-mail of this trigger."""
        self.ensure_one()
        return self.env.ref("crm_lifecycle.mail_template_survey_invitation")
