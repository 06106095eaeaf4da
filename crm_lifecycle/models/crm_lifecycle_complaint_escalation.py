import logging

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

LABEL = "Complaint escalation"


class CrmLifecycleComplaint(models.Model):
    """The SLA job: an open case past its deadline is marked breached, and
    the owner's manager gets an activity, once per case and deadline."""

    _inherit = "crm.lifecycle.complaint"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _cron_escalate(self, batch_size=None):
        """Hourly: escalate the open cases whose deadline has passed and was
        not escalated yet, one batch per call, through the module's batch
        runner (a failing case is logged and retried on the next call).

        Idempotent: a case records the deadline it was escalated for, and
        a new deadline (a reopened case, a first response made late) is
        escalated once more. Returns 1 while more cases may remain."""
        batch_size = batch_size or self.env["crm.lifecycle.settings"]._get(
            "complaint_escalation_batch_size"
        )
        self.env.flush_all()
        ids = self._escalation_candidates(fields.Datetime.now(), batch_size + 1)
        more = len(ids) > batch_size
        ids = ids[:batch_size]
        Batch = self.env["crm.lifecycle.batch"]
        result = Batch._run_batch(
            ids,
            self.sudo()._escalate_batch,
            LABEL,
            noun="complaint",
            logger=_logger,
        )
        return Batch._batch_report(
            LABEL,
            result,
            1 if more else 0,
            logger=_logger,
            cron="crm_lifecycle.ir_cron_crm_lifecycle_complaint_escalation",
        )

    @api.model
    def _escalation_candidates(self, now, limit):
        self.env.cr.execute(
            SQL(
                """
                SELECT c.id FROM crm_lifecycle_complaint c
                 WHERE c.active
                   AND NOT COALESCE(c.is_closed, FALSE)
                   AND c.sla_deadline < %(now)s
                   AND (c.escalated_deadline IS NULL
                        OR c.escalated_deadline != c.sla_deadline)
                 ORDER BY c.sla_deadline, c.id
                 LIMIT %(limit)s
                """,
                now=now,
                limit=limit,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _escalate_batch(self, ids):
        complaints = self.browse(ids)
        for complaint in complaints:
            values = {"escalated_deadline": complaint.sla_deadline}
            if not complaint.sla_breached:
                values.update(sla_breached=True, sla_breach_date=complaint.sla_deadline)
            complaint.write(values)
            complaint._escalate_activity()
        complaints._complaint_mark_pending()

    def _escalate_activity(self):
        """A to-do for the manager of the owner's sales team, or the owner
        when nobody is above them."""
        self.ensure_one()
        owner = self.user_id
        manager = owner.sale_team_id.user_id if owner else self.env["res.users"]
        user = manager if manager and manager != owner else owner
        if not user:
            _logger.info("%s: case %s has no owner to escalate to", LABEL, self.id)
            return
        self.activity_schedule(
            act_type_xmlid="mail.mail_activity_data_todo",
            date_deadline=fields.Date.context_today(self),
            summary=self.env._("Complaint past its deadline"),
            note=self.env._(
                "The case %(case)s of %(customer)s was due on %(deadline)s.",
                case=self.name,
                customer=self.commercial_partner_id.display_name,
                deadline=fields.Datetime.to_string(self.sla_deadline),
            ),
            user_id=user.id,
        )
