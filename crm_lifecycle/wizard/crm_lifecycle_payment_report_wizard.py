from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmLifecyclePaymentReportWizard(models.TransientModel):
    """Choose the period of the printed payment history."""

    _name = "crm.lifecycle.payment.report.wizard"
    _description = "Print Customer Payment History"

    partner_ids = fields.Many2many("res.partner", string="Customers", required=True)
    date_from = fields.Date(
        string="Due From",
        required=True,
        default=lambda self: self._default_date_from(),
        help="The installments falling due in the period are listed.",
    )
    date_to = fields.Date(
        string="Due To", required=True, default=fields.Date.context_today
    )

    @api.model
    def _default_date_from(self):
        return fields.Date.context_today(self) - relativedelta(months=12)

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(
                    self.env._("The period must start before it ends.")
                )

    def action_print(self):
        """Print the payment history of the customers for the period."""
        self.ensure_one()
        partners = self.partner_ids.commercial_partner_id
        # With data, the web client does not pass the records in the report
        # URL: the data carry them.
        action = self.env.ref(
            "crm_lifecycle.crm_lifecycle_payment_history_report"
        ).report_action(
            partners,
            data={
                "partner_ids": partners.ids,
                "date_from": fields.Date.to_string(self.date_from),
                "date_to": fields.Date.to_string(self.date_to),
            },
        )
        action["close_on_report_download"] = True
        return action
