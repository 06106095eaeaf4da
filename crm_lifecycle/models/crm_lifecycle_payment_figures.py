from dateutil.relativedelta import relativedelta

from odoo import api, models
from odoo.tools import SQL


class CrmLifecyclePaymentInstallment(models.Model):
    """The payment figures of customers, summed from their installments:
    what the payment pass writes on the partner (see
    res_partner_payment.py)."""

    _inherit = "crm.lifecycle.payment.installment"

    @api.model
    def _read_partner_figures(self, partner_ids, today=None):
        """Sums per (commercial partner, company) for the given partners in
        ONE query: the last 12 months (by due date) and the 12 months before,
        overdue now. Returns {(partner_id, company_id): dict}."""
        if not partner_ids:
            return {}
        today = today or self._today()
        since = today - relativedelta(months=12)
        before = since - relativedelta(months=12)
        self.env["res.partner"]._lifecycle_flush_inputs()
        self.env.cr.execute(self._figures_sql(today, since, before, partner_ids))
        result = {}
        for row in self.env.cr.fetchall():
            partner_id, company_id = row[:2]
            result[partner_id, company_id] = {
                "current": self._window_figures(row[2:7]),
                "previous": self._window_figures(row[7:12]),
                "overdue_amount": float(row[12]),
                "overdue_count": row[13],
            }
        return result

    @api.model
    def _figures_sql(self, today, since, before, partner_ids=None):
        """One row per (commercial partner, company) with installments: the
        five sums of each window (see _window_aggregates), the current one
        after ``since``, the previous one from ``before`` to ``since``, then
        the amount and count overdue ``today``; for all partners, or those
        of ``partner_ids``."""
        return SQL(
            """
            WITH rows AS (
                SELECT i.partner_id, i.company_id,
                       i.date_due > %(since)s AS in_current,
                       i.date_due > %(before)s AND i.date_due <= %(since)s
                           AS in_previous,
                       i.amount_paid, i.amount_paid_on_time,
                       i.amount_days_late, i.amount_days_to_pay,
                       CASE WHEN NOT i.is_paid AND i.date_due < %(today)s
                            THEN i.amount_residual ELSE 0 END AS overdue,
                       CASE WHEN i.is_paid
                            THEN GREATEST(i.last_payment - i.date_due, 0)
                            ELSE GREATEST(%(today)s - i.date_due, 0)
                       END AS days_late
                  FROM (%(base)s) i
            )
            SELECT partner_id, company_id,
                   %(current)s,
                   %(previous)s,
                   COALESCE(SUM(overdue), 0),
                   COUNT(*) FILTER (WHERE overdue > 0)
              FROM rows
             GROUP BY partner_id, company_id
            """,
            base=self._base_query(partner_ids),
            today=today,
            since=since,
            before=before,
            current=self._window_aggregates(SQL("in_current")),
            previous=self._window_aggregates(SQL("in_previous")),
        )

    @api.model
    def _window_aggregates(self, condition):
        """Five sums over the rows of one window: amount paid on time, amount
        that fell due (paid, or overdue), amount x days late (overdue amounts
        late until today), amount x days to pay, and the worst delay."""
        return SQL(
            """
            COALESCE(SUM(amount_paid_on_time) FILTER (WHERE %(c)s), 0),
            COALESCE(SUM(amount_paid + overdue) FILTER (WHERE %(c)s), 0),
            COALESCE(SUM(amount_days_late + overdue * days_late)
                     FILTER (WHERE %(c)s), 0),
            COALESCE(SUM(amount_days_to_pay) FILTER (WHERE %(c)s), 0)
                / NULLIF(SUM(amount_paid) FILTER (WHERE %(c)s AND amount_paid > 0), 0),
            COALESCE(MAX(days_late)
                     FILTER (WHERE %(c)s AND (amount_paid > 0 OR overdue > 0)), 0)
            """,
            c=condition,
        )

    @api.model
    def _window_figures(self, values):
        on_time, settled, amount_days_late, days_to_pay, max_late = values
        settled = float(settled)
        return {
            "on_time_ratio": float(on_time) * 100.0 / settled if settled else 0.0,
            "avg_days_late": float(amount_days_late) / settled if settled else 0.0,
            "avg_days_to_pay": float(days_to_pay or 0.0),
            "max_days_late": int(max_late),
            "has_data": bool(settled),
        }
