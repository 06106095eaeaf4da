import functools
import logging

from odoo import api, fields, models
from odoo.tools import SQL

from .crm_lifecycle_batch import BatchResult

_logger = logging.getLogger(__name__)

# The settings of the retention analytics (see crm_lifecycle_settings).
RETENTION_SETTINGS = (
    "rfm_window_days",
    "rfm_segment_tags",
    "clv_horizon_months",
    "clv_monthly_discount_rate",
    "clv_penalizer",
    "reminder_factor",
    "reminder_churn_threshold",
    "reminder_email",
    "retention_batch_size",
)

# The usual R x FM map: one row per recency score (5 = most recent), one
# column per FM score (the mean of F and M, rounded half up), 1 to 5.
SEGMENT_GRID = {
    5: ("new", "potential_loyalist", "potential_loyalist", "champions", "champions"),
    4: ("promising", "potential_loyalist", "potential_loyalist", "loyal", "loyal"),
    3: ("about_to_sleep", "about_to_sleep", "need_attention", "loyal", "loyal"),
    2: ("hibernating", "hibernating", "at_risk", "at_risk", "cant_lose"),
    1: ("lost", "lost", "at_risk", "at_risk", "cant_lose"),
}

# Company-dependent res.partner fields written by the scoring.
SCORE_COLUMNS = (
    "rfm_recency_score",
    "rfm_frequency_score",
    "rfm_monetary_score",
    "rfm_segment",
    "churn_probability",
    "expected_purchases_365",
    "clv_predicted",
    "clv_historical",
    "clv_scored",
    "retention_last_purchase_date",
    "retention_purchase_interval",
)


# (score key, stats column) of each RFM dimension.
RFM_DIMENSIONS = (
    ("r", "last_day"),
    ("f", "window_frequency"),
    ("m", "window_amount"),
)


def rfm_segment(recency, frequency, monetary):
    """The named segment of R, F and M scores (1 to 5), None without."""
    if not (recency and frequency and monetary):
        return None
    fm = (frequency + monetary + 1) // 2
    return SEGMENT_GRID[recency][fm - 1]


class CrmLifecycleRetention(models.AbstractModel):
    """Retention analytics of each company: RFM scores and segments, churn
    probability and lifetime value from the BG/NBD and Gamma-Gamma models,
    and call-back reminders.

    Purchases are read set-based from posted customer invoices net of their
    credit notes (a credit note counts on the day of the invoice it
    reverses), in company currency, untaxed: one row per customer and
    purchase day whose net amount is positive.

    This file holds the daily job; the facts it reads, the fit, the scoring
    and the reminders are in the crm_lifecycle_retention_*.py files beside
    it, each an extension of this model."""

    _name = "crm.lifecycle.retention"
    _description = "Customer Lifecycle Retention Analytics"

    # ------------------------------------------------------------
    # Configuration
    # ------------------------------------------------------------

    @api.model
    def _get_settings(self):
        return self.env["crm.lifecycle.settings"]._get_many(RETENTION_SETTINGS)

    # ------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------

    @api.model
    def _todo_sql(self, company, today):
        Partner = self.env["res.partner"]
        score_date = Partner._lifecycle_company_value_sql(
            "p", "retention_score_date", company
        )
        segment = Partner._lifecycle_company_value_sql("p", "rfm_segment", company)
        return SQL(
            """
            SELECT p.id FROM res_partner p
             WHERE p.active AND p.id = p.commercial_partner_id
               AND (%(score_date)s IS NULL OR %(score_date)s < %(today)s)
               -- A customer of the company, or one whose scores must be
               -- cleared: one index probe per partner left, rather than
               -- hashing every invoice of the company for each batch.
               AND (%(segment)s IS NOT NULL
                    OR EXISTS (
                        SELECT 1 FROM account_move m
                         WHERE m.commercial_partner_id = p.id
                           AND m.move_type IN ('out_invoice', 'out_refund')
                           AND m.company_id = %(company)s
                           AND m.state = 'posted'))
            """,
            score_date=score_date,
            segment=segment,
            today=today,
            company=company.id,
        )

    @api.model
    def _latest_fit(self, company, today):
        return self.env["crm.lifecycle.clv.fit"].search(
            [("company_id", "=", company.id), ("date", "=", today)],
            order="id desc",
            limit=1,
        )

    @api.model
    def _run_step(self, batch_size=None):
        """One unit of the daily job: fit one company, or score one batch of
        one company's customers. Returns the units still to do.

        A batch runs through the module's batch runner (crm.lifecycle.batch):
        a customer whose scoring failed is logged and left unscored for a
        later call, until it failed MAX_DAILY_TRIES times today."""
        settings = self._get_settings()
        batch_size = batch_size or settings["retention_batch_size"]
        today = fields.Date.context_today(self)
        Batch = self.env["crm.lifecycle.batch"]
        self._refresh_age_bands_daily(today)
        self.env.flush_all()
        self.env["res.partner"]._lifecycle_without_jit()
        result, tried = BatchResult(), 0
        for company in self.env["res.company"].search([], order="id"):
            fit = self._latest_fit(company, today)
            if not fit:
                self._fit_company_safe(company, today)
                result.done.append(company.id)
                tried = 1
                break
            job = ("retention", company.id)
            ids, _more = self.env["res.partner"]._lifecycle_next_batch(
                job,
                SQL(
                    "%s AND p.id != ALL(%s)",
                    self._todo_sql(company, today),
                    Batch._batch_given_up(job),
                ),
                batch_size,
            )
            if ids:
                result = self._score_batch_safe(company, fit, ids, today, settings)
                tried = len(ids)
                # Written: let the records of this batch go (see
                # res.partner._cron_lifecycle_recompute).
                self.env.invalidate_all()
                break
        # An exact count of what remains would scan every partner after each
        # batch, a cost that grows with the customers and not with the batch:
        # after a unit of work more may remain, and the call that finds
        # nothing left says so.
        return Batch._batch_report(
            "Retention scoring",
            result,
            1 if tried else 0,
            logger=_logger,
            cron="crm_lifecycle.ir_cron_crm_lifecycle_retention",
        )

    @api.model
    def _fit_company_safe(self, company, today):
        """Fit ``company`` through the batch runner; a fit that fails is
        logged and recorded without a model, so that the job goes on to the
        day's scoring instead of trying the fit again."""
        fits = []
        result = self.env["crm.lifecycle.batch"]._run_batch(
            company.ids,
            lambda _ids: fits.append(self._fit_company(company, today)),
            "CLV fit",
            noun="company",
            logger=_logger,
        )
        if not result.unsettled:
            return fits[0]
        return self.env["crm.lifecycle.clv.fit"].create(
            {
                "company_id": company.id,
                "date": today,
                "state": "insufficient",
                "message": self.env._(
                    "The model could not be fitted: %(error)s",
                    error=result.unsettled[company.id],
                ),
            }
        )

    @api.model
    def _score_batch_safe(self, company, fit, ids, today, settings):
        """Score a batch through the batch runner: a customer that fails is
        left unscored (not marked for today) for a later call."""
        return self.env["crm.lifecycle.batch"]._run_batch(
            ids,
            functools.partial(
                self._score_batch, company, fit, today=today, settings=settings
            ),
            f"Retention scoring in company {company.id}",
            noun="partner",
            logger=_logger,
            job=("retention", company.id),
        )

    @api.model
    def _refresh_age_bands_daily(self, today):
        if self.env["crm.lifecycle.settings"]._get("age_band_date") == today:
            return
        self.env["res.partner"]._retention_refresh_age_bands()
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_lifecycle.age_band_date", str(today)
        )

    @api.model
    def _run_all(self, batch_size=None):
        """Refit every company and rescore all its customers now."""
        today = fields.Date.context_today(self)
        for company in self.env["res.company"].search([], order="id"):
            self._fit_company_safe(company, today)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET retention_score_date = NULL"
            " WHERE retention_score_date IS NOT NULL"
        )
        Partner = self.env["res.partner"]
        Partner.invalidate_model(["retention_score_date"])
        for company in self.env["res.company"].search([]):
            Partner._lifecycle_forget_scan(("retention", company.id))
            self.env["crm.lifecycle.batch"]._batch_forget_failures(
                ("retention", company.id)
            )
        while self._run_step(batch_size):
            pass
