from markupsafe import Markup

from odoo import api, fields, models


class CrmLifecycleRetentionReminder(models.AbstractModel):
    """The call-back reminders of the customers overdue for a purchase: an
    activity for the salesperson once per purchase cycle, and optionally an
    e-mail to the customer."""

    _inherit = "crm.lifecycle.retention"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _reminder_due(self, values, today, settings):
        """Whether a customer with these scores is overdue for a purchase."""
        interval = values["retention_purchase_interval"]
        last = values["retention_last_purchase_date"]
        churn = values["churn_probability"]
        return bool(
            interval
            and last
            and churn is not None
            and (today - last).days > interval * settings["reminder_factor"]
            and churn > settings["reminder_churn_threshold"]
        )

    @api.model
    def _remind(self, company, values_by_partner, today, settings):
        """One "Time to call back" activity for the salesperson per purchase
        cycle of an overdue customer, and optionally the customer a reminder
        e-mail (never to an opted-out address)."""
        due = [
            pid
            for pid, values in values_by_partner.items()
            if self._reminder_due(values, today, settings)
        ]
        if not due:
            return self.env["res.partner"]
        activity_type = self.env.ref(
            "crm_lifecycle.mail_activity_type_callback", raise_if_not_found=False
        )
        if not activity_type:
            return self.env["res.partner"]
        partners = self.env["res.partner"].with_company(company).browse(due)
        open_ids = set(
            self.env["mail.activity"]
            .search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", due),
                    ("activity_type_id", "=", activity_type.id),
                ]
            )
            .mapped("res_id")
        )
        partners = partners.filtered(
            lambda p: p.user_id
            and p.id not in open_ids
            and p.retention_reminder_date
            != values_by_partner[p.id]["retention_last_purchase_date"]
        )
        if not partners:
            return partners
        model_id = self.env["ir.model"]._get_id("res.partner")
        self.env["mail.activity"].create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": partner.id,
                    "activity_type_id": activity_type.id,
                    "user_id": partner.user_id.id,
                    "date_deadline": today,
                    "summary": activity_type.summary or activity_type.name,
                    "note": self._reminder_note(
                        partner, values_by_partner[partner.id], today
                    ),
                }
                for partner in partners
            ]
        )
        self.env["res.partner"]._lifecycle_bulk_update(
            {
                partner.id: {
                    "retention_reminder_date": values_by_partner[partner.id][
                        "retention_last_purchase_date"
                    ]
                }
                for partner in partners
            },
            company=company,
        )
        if settings["reminder_email"]:
            self._send_reminder_mails(partners)
        return partners

    @api.model
    def _reminder_note(self, partner, values, today):
        """Why the salesperson should call: the purchase rhythm broken, and
        an open or late complaint, the customer's likely reason."""
        note = self.env._(
            "%(customer)s usually buys every %(interval)s days; the "
            "last purchase was %(days)s days ago.",
            customer=partner.name,
            interval=round(values["retention_purchase_interval"]),
            days=(today - values["retention_last_purchase_date"]).days,
        )
        if partner.sudo().complaint_churn_signal:
            complaint = self.env._(
                "Mind the complaints: %(open)s open, the last on %(date)s.",
                open=partner.sudo().complaint_open_count,
                date=fields.Date.to_string(
                    fields.Date.context_today(self, partner.sudo().complaint_last_date)
                ),
            )
            note = Markup("<p>%s</p><p>%s</p>") % (note, complaint)
        return note

    @api.model
    def _send_reminder_mails(self, partners):
        template = self.env.ref(
            "crm_lifecycle.mail_template_retention_reminder", raise_if_not_found=False
        )
        recipients = partners.filtered(lambda p: p.email and not p.is_blacklisted)
        if template and recipients:
            template.send_mail_batch(recipients.ids)
        return recipients
