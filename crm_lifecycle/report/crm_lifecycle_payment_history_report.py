from dateutil.relativedelta import relativedelta

from odoo import api, fields, models


class ReportCrmLifecyclePaymentHistory(models.AbstractModel):
    """Values of the printed payment history: the customer's figures in the
    current company and its installments falling due in the period."""

    _name = "report.crm_lifecycle.report_payment_history"
    _description = "Customer Payment History Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        today = fields.Date.context_today(self)
        date_to = fields.Date.to_date(data.get("date_to")) or today
        date_from = fields.Date.to_date(data.get("date_from")) or (
            date_to - relativedelta(months=12)
        )
        company = self.env.company
        # Printed from the wizard, the records come in the data.
        docids = docids or data.get("partner_ids") or self.env.context.get("active_ids")
        partners = self.env["res.partner"].browse(docids).commercial_partner_id
        installments = self.env["crm.lifecycle.payment.installment"].search(
            [
                ("partner_id", "in", partners.ids),
                ("company_id", "=", company.id),
                ("date_due", ">=", date_from),
                ("date_due", "<=", date_to),
            ],
            order="date_due, id",
        )
        lines = {partner.id: installments.browse() for partner in partners}
        for installment in installments:
            lines[installment.partner_id.id] |= installment
        return {
            "doc_ids": partners.ids,
            "doc_model": "res.partner",
            "docs": partners,
            "company": company,
            "currency": company.currency_id,
            "date_from": date_from,
            "date_to": date_to,
            "lines": lines,
            "totals": {pid: self._totals(rows) for pid, rows in lines.items()},
        }

    @api.model
    def _totals(self, installments):
        return {
            "amount": sum(installments.mapped("amount")),
            "amount_credited": sum(installments.mapped("amount_credited")),
            "amount_paid": sum(installments.mapped("amount_paid")),
            "amount_paid_on_time": sum(installments.mapped("amount_paid_on_time")),
            "amount_residual": sum(installments.mapped("amount_residual")),
            "amount_overdue": sum(installments.mapped("amount_overdue")),
        }
