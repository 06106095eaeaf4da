from odoo import api, fields, models
from odoo.exceptions import UserError


class CrmLifecycleComplaintIntake(models.Model):
    """How a case comes in and is answered: by e-mail to the complaints
    alias, by the customer in the portal, and the first answer an employee
    sends."""

    _inherit = "crm.lifecycle.complaint"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------
    # Mail
    # ------------------------------------------------------------

    def _message_post_after_hook(self, message, msg_values):
        """The first message an employee sends the customer is the first
        response: an internal note is not an answer."""
        result = super()._message_post_after_hook(message, msg_values)
        if self.date_first_response or message.message_type not in (
            "comment",
            "email",
        ):
            return result
        if message.subtype_id.internal or message.is_internal:
            return result
        author_users = message.author_id.sudo().user_ids
        if not author_users or any(user.share for user in author_users):
            return result
        self._clock_first_response(message.date or fields.Datetime.now())
        return result

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A case for the sender: an unknown address gets a contact, marked
        as made by the complaint intake so that it is no prospect by that
        alone."""
        values = dict(custom_values or {})
        partner = self.env["res.partner"].browse(msg_dict.get("author_id")).exists()
        if not partner and msg_dict.get("email_from"):
            partner = self.env["res.partner"]._complaint_partner_from_email(
                msg_dict["email_from"]
            )
            # The gateway posts the e-mail with this author: the new contact.
            msg_dict["author_id"] = partner.id
        values.setdefault("partner_id", partner.id)
        # The customer's salesperson, unless the category names an owner.
        values.setdefault("user_id", partner.commercial_partner_id.user_id.id)
        values.setdefault(
            "subject", msg_dict.get("subject") or self.env._("(no subject)")
        )
        values.setdefault("description", msg_dict.get("body"))
        values.setdefault("source", "email")
        # Numbered by the sequence, not named after the subject.
        values.setdefault("name", "/")
        # The gateway runs as the superuser, who owns no case.
        return super(
            CrmLifecycleComplaintIntake, self.with_context(default_user_id=False)
        ).message_new(msg_dict, custom_values=values)

    def _message_get_suggested_recipients(self):
        recipients = super()._message_get_suggested_recipients()
        if self.partner_id:
            self._message_add_suggested_recipient(
                recipients, partner=self.partner_id, reason=self.env._("Customer")
            )
        return recipients

    # ------------------------------------------------------------
    # Portal
    # ------------------------------------------------------------

    @api.model
    def _portal_create(self, partner, values):
        """A case submitted by ``partner`` in the portal: the order and the
        invoice must be its customer's, else nothing is made.

        :param values: subject, description, sale_order_id, invoice_id
        :return: the new case (as superuser)
        """
        partner = partner.sudo()
        commercial = partner.commercial_partner_id
        subject = (values.get("subject") or "").strip()
        if not subject:
            raise UserError(self.env._("Give your complaint a subject."))
        order = self._portal_record("sale.order", values.get("sale_order_id"))
        invoice = self._portal_record("account.move", values.get("invoice_id"))
        if order is None or (
            order and order.partner_id.commercial_partner_id != commercial
        ):
            raise UserError(self.env._("This order is not one of yours."))
        if invoice is None or (
            invoice
            and (
                invoice.commercial_partner_id != commercial
                or invoice.move_type not in ("out_invoice", "out_refund")
                or invoice.state != "posted"
            )
        ):
            raise UserError(self.env._("This invoice is not one of yours."))
        company = order.company_id or invoice.company_id or partner.company_id
        return self.sudo().create(
            {
                "partner_id": partner.id,
                "subject": subject,
                "description": values.get("description") or False,
                "sale_order_id": order.id,
                "invoice_id": invoice.id,
                "source": "portal",
                # The customer's salesperson, unless the category names one.
                "user_id": commercial.user_id.id,
                "company_id": (company or self.env.company).id,
            }
        )

    @api.model
    def _portal_record(self, model, value):
        """The record of ``model`` a portal form names by its id (as
        superuser): empty when none is named, None when it names nothing
        that exists."""
        if not value:
            return self.env[model]
        try:
            record_id = int(value)
        except (TypeError, ValueError):
            return None
        if not 0 < record_id < 2**31:
            return None
        return self.env[model].sudo().browse(record_id).exists() or None
