import functools
import logging
from datetime import date, timedelta

import numpy as np

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib import clv
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
    purchase day whose net amount is positive."""

    _name = "crm.lifecycle.retention"
    _description = "Customer Lifecycle Retention Analytics"

    # ------------------------------------------------------------
    # Configuration
    # ------------------------------------------------------------

    @api.model
    def _get_settings(self):
        return self.env["crm.lifecycle.settings"]._get_many(RETENTION_SETTINGS)

    # ------------------------------------------------------------
    # Facts
    # ------------------------------------------------------------

    @api.model
    def _stats_sql(self, company, today, window_days, partner_ids=None):
        """One row per customer of ``company`` (all, or those of
        ``partner_ids``) with a purchase up to ``today``: the lifetimes
        summary (frequency, recency, age in days), amounts, and the RFM
        inputs over the window."""
        return SQL(
            """
            WITH moves AS (
                SELECT m.commercial_partner_id AS partner_id,
                       COALESCE(o.invoice_date, m.invoice_date) AS day,
                       m.amount_untaxed_signed AS amount
                  FROM account_move m
                  LEFT JOIN account_move o ON o.id = m.reversed_entry_id
                 WHERE m.company_id = %(company)s
                   AND m.state = 'posted'
                   AND m.move_type IN ('out_invoice', 'out_refund')
                   AND m.invoice_date <= %(today)s
                   AND %(partners)s
            ), days AS (
                SELECT partner_id, day, SUM(amount) AS amount
                  FROM moves
                 GROUP BY partner_id, day
            )
            SELECT d.partner_id,
                   COUNT(*) FILTER (WHERE d.amount > 0) - 1 AS frequency,
                   MAX(d.day) FILTER (WHERE d.amount > 0)
                       - MIN(d.day) FILTER (WHERE d.amount > 0) AS recency,
                   %(today)s::date - MIN(d.day) FILTER (WHERE d.amount > 0) AS age,
                   (ARRAY_AGG(d.amount ORDER BY d.day)
                       FILTER (WHERE d.amount > 0))[1] AS first_amount,
                   SUM(d.amount) FILTER (WHERE d.amount > 0) AS positive_amount,
                   SUM(d.amount) AS net_amount,
                   MAX(d.day) FILTER (WHERE d.amount > 0) AS last_day,
                   COUNT(*) FILTER (WHERE d.amount > 0 AND d.day > %(since)s)
                       AS window_frequency,
                   COALESCE(SUM(d.amount) FILTER (WHERE d.day > %(since)s), 0)
                       AS window_amount
              FROM days d
             GROUP BY d.partner_id
            HAVING COUNT(*) FILTER (WHERE d.amount > 0) > 0
            """,
            company=company.id,
            today=today,
            since=today - timedelta(days=window_days),
            partners=SQL("TRUE")
            if partner_ids is None
            else SQL("m.commercial_partner_id = ANY(%s)", list(partner_ids)),
        )

    @api.model
    def _quintile_sql(self, rank, ties):
        """Score 1 to 5 from the mid-rank percentile: tied customers share
        the mean of their ranks (so they get the same score, whatever their
        ids), a single customer sits in the middle (3)."""
        return SQL(
            """LEAST(5, 1 + FLOOR(5 * CASE WHEN n = 1 THEN 0.5
                 ELSE (%(rank)s - 1 + (%(ties)s - 1) / 2.0) / (n - 1) END))::int""",
            rank=SQL.identifier(rank),
            ties=SQL.identifier(ties),
        )

    @api.model
    def _ranked_stats_sql(self, company, today, window_days):
        """The stats of all the customers of ``company`` (_stats_sql), with
        their R, F and M scores ranked among them, in partner order."""
        return SQL(
            """
            SELECT partner_id, frequency, recency, age, first_amount,
                   positive_amount, net_amount, last_day,
                   window_frequency, window_amount,
                   %(r)s AS r_score, %(f)s AS f_score, %(m)s AS m_score
              FROM (
                SELECT s.*,
                       RANK() OVER (ORDER BY s.last_day) AS r_rank,
                       COUNT(*) OVER (PARTITION BY s.last_day) AS r_ties,
                       RANK() OVER (ORDER BY s.window_frequency) AS f_rank,
                       COUNT(*) OVER (PARTITION BY s.window_frequency) AS f_ties,
                       RANK() OVER (ORDER BY s.window_amount) AS m_rank,
                       COUNT(*) OVER (PARTITION BY s.window_amount) AS m_ties,
                       COUNT(*) OVER () AS n
                  FROM (%(stats)s) s
              ) ranked
             ORDER BY partner_id
            """,
            stats=self._stats_sql(company, today, window_days),
            r=self._quintile_sql("r_rank", "r_ties"),
            f=self._quintile_sql("f_rank", "f_ties"),
            m=self._quintile_sql("m_rank", "m_ties"),
        )

    @api.model
    def _read_stats(self, company, today, window_days):
        """{partner_id: row dict} for all the customers of ``company``, with
        their R, F and M scores ranked among them (the fit step)."""
        self.env.flush_all()
        self.env.cr.execute(self._ranked_stats_sql(company, today, window_days))
        return {row["partner_id"]: row for row in self.env.cr.dictfetchall()}

    @api.model
    def _read_batch_stats(self, company, today, window_days, fit, partner_ids):
        """{partner_id: row dict} for these customers of ``company``, read
        for them alone and scored with the quintile boundaries of the
        company's fit of the day."""
        self.env["res.partner"]._lifecycle_flush_inputs()
        self.env.cr.execute(self._stats_sql(company, today, window_days, partner_ids))
        rows = {row["partner_id"]: row for row in self.env.cr.dictfetchall()}
        bounds = fit.rfm_thresholds or {}
        for row in rows.values():
            for key, column in RFM_DIMENSIONS:
                row[f"{key}_score"] = self._score_from_bounds(
                    row[column], bounds.get(column)
                )
        return rows

    @api.model
    def _rfm_bounds(self, rows):
        """{column: [lowest value scoring 2, 3, 4, 5]} of a ranked sample.

        The mid-rank score is a non-decreasing step function of the value
        (tied values share their score), so these four boundaries give back
        exactly the scores of the sample, and a consistent score to a
        customer who bought after the fit."""
        bounds = {}
        for key, column in RFM_DIMENSIONS:
            steps = []
            for score in range(2, 6):
                values = [row[column] for row in rows if row[f"{key}_score"] >= score]
                steps.append(self._bound_to_json(min(values)) if values else None)
            bounds[column] = steps
        return bounds

    @api.model
    def _bound_to_json(self, value):
        if isinstance(value, date):
            return value.isoformat()
        return float(value)

    @api.model
    def _score_from_bounds(self, value, bounds):
        """1 to 5, or None without boundaries (no fit of the day)."""
        if not bounds:
            return None
        if isinstance(value, date):
            bounds = [bound and date.fromisoformat(bound) for bound in bounds]
        else:
            value = float(value)
        return 1 + sum(1 for bound in bounds if bound is not None and value >= bound)

    @api.model
    def _summary_arrays(self, rows):
        """frequency, recency, T (days) and mean repeat-purchase value of
        ``rows``, as lib.clv.summarise_transactions defines them."""
        frequency = np.array([float(row["frequency"]) for row in rows])
        recency = np.array([float(row["recency"]) for row in rows])
        age = np.array([float(row["age"]) for row in rows])
        monetary = np.array(
            [
                float(row["positive_amount"] - row["first_amount"]) / row["frequency"]
                if row["frequency"]
                else 0.0
                for row in rows
            ]
        )
        return frequency, recency, age, monetary

    # ------------------------------------------------------------
    # Fit
    # ------------------------------------------------------------

    @api.model
    def _fit_company(self, company, today=None):
        """Fit the BG/NBD and Gamma-Gamma models on all of ``company``'s
        customers and record the result (parameters, or why there are
        none) as a crm.lifecycle.clv.fit."""
        today = today or fields.Date.context_today(self)
        settings = self._get_settings()
        rows = list(
            self._read_stats(company, today, settings["rfm_window_days"]).values()
        )
        frequency, recency, age, monetary = self._summary_arrays(rows)
        repeat = int(np.count_nonzero(frequency))
        vals = {
            "company_id": company.id,
            "date": today,
            "rfm_thresholds": self._rfm_bounds(rows),
            "customer_count": len(rows),
            "repeat_customer_count": repeat,
            "state": "insufficient",
        }
        _ = self.env._
        if len(rows) < clv.MIN_CUSTOMERS:
            vals["message"] = _(
                "Only %(count)s customers have bought: at least %(min)s are "
                "needed to fit the churn and lifetime value model.",
                count=len(rows),
                min=clv.MIN_CUSTOMERS,
            )
        elif not repeat or not age.max():
            vals["message"] = _(
                "No customer has bought on two different days yet: the churn "
                "model cannot be fitted."
            )
        else:
            try:
                bg, penalizer = self._fit_bgnbd(frequency, recency, age, settings)
            except (ValueError, RuntimeError) as error:
                vals["message"] = _(
                    "The churn model could not be fitted: %(error)s", error=str(error)
                )
            else:
                vals.update(
                    state="ok",
                    penalizer=penalizer,
                    bgnbd_r=bg.r,
                    bgnbd_alpha=bg.alpha,
                    bgnbd_a=bg.a,
                    bgnbd_b=bg.b,
                    bgnbd_log_likelihood=bg.log_likelihood,
                )
                if penalizer:
                    vals["message"] = _(
                        "Plain maximum likelihood did not converge on this sample: "
                        "fitted with an L2 penalty of %(penalizer)s.",
                        penalizer=penalizer,
                    )
                spend = self._fit_spend(frequency, monetary, repeat)
                if vals.get("message") and spend.get("message"):
                    spend["message"] = f"{vals['message']}\n{spend['message']}"
                vals.update(spend)
        return self.env["crm.lifecycle.clv.fit"].sudo().create(vals)

    @api.model
    def _fit_bgnbd(self, frequency, recency, age, settings):
        """BG/NBD by plain maximum likelihood; where it does not converge or
        predicts non-finite values (small samples in which dropout is not
        identified, so that a and b run away), by maximum likelihood with
        the small L2 penalty of the settings, as lifetimes advises.
        Returns the parameters and the penalty used."""
        try:
            bg = clv.fit_bgnbd(frequency, recency, age)
            if self._bgnbd_usable(bg, frequency, recency, age):
                return bg, 0.0
        except RuntimeError:
            pass
        penalizer = settings["clv_penalizer"]
        if not penalizer:
            raise RuntimeError(
                self.env._("maximum likelihood did not converge on this sample")
            )
        bg = clv.fit_bgnbd(frequency, recency, age, penalizer=penalizer)
        if not self._bgnbd_usable(bg, frequency, recency, age):
            raise RuntimeError(
                self.env._("the fitted model predicts non-finite values")
            )
        return bg, penalizer

    @api.model
    def _bgnbd_usable(self, bg, frequency, recency, age):
        alive = clv.bgnbd_probability_alive(bg, frequency, recency, age)
        expected = clv.bgnbd_expected_purchases(bg, 365, frequency, recency, age)
        return bool(np.all(np.isfinite(alive)) and np.all(np.isfinite(expected)))

    @api.model
    def _fit_spend(self, frequency, monetary, repeat):
        """Gamma-Gamma values for the fit record: the predicted CLV needs it,
        churn and expected purchases do not."""
        _ = self.env._
        if repeat < clv.MIN_CUSTOMERS:
            return {
                "message": _(
                    "Only %(count)s repeat customers: at least %(min)s are needed "
                    "for the spend model, so the predicted lifetime value stays "
                    "empty; churn and expected purchases are scored.",
                    count=repeat,
                    min=clv.MIN_CUSTOMERS,
                )
            }
        try:
            gg = clv.fit_gamma_gamma(frequency, monetary)
        except (ValueError, RuntimeError) as error:
            return {
                "message": _(
                    "The spend model could not be fitted: %(error)s", error=str(error)
                )
            }
        if gg.q <= 1:
            return {
                "message": _(
                    "The spend model has no finite mean (q = %(q)s): the predicted "
                    "lifetime value stays empty.",
                    q=round(gg.q, 4),
                )
            }
        return {
            "spend_fitted": True,
            "gg_p": gg.p,
            "gg_q": gg.q,
            "gg_gamma": gg.v,
            "gg_log_likelihood": gg.log_likelihood,
        }

    # ------------------------------------------------------------
    # Scores
    # ------------------------------------------------------------

    @api.model
    def _score_values(self, fit, rows, settings):
        """{partner_id: {column: value}} for the customers of ``rows``."""
        frequency, recency, age, monetary = self._summary_arrays(rows)
        churn = expected = value = [None] * len(rows)
        if fit.state == "ok" and rows:
            bg = clv.BGNBDParams(
                r=fit.bgnbd_r,
                alpha=fit.bgnbd_alpha,
                a=fit.bgnbd_a,
                b=fit.bgnbd_b,
                n=fit.customer_count,
                log_likelihood=fit.bgnbd_log_likelihood,
            )
            churn = 1.0 - clv.bgnbd_probability_alive(bg, frequency, recency, age)
            expected = clv.bgnbd_expected_purchases(bg, 365, frequency, recency, age)
            if fit.spend_fitted:
                gg = clv.GammaGammaParams(
                    p=fit.gg_p,
                    q=fit.gg_q,
                    v=fit.gg_gamma,
                    n=fit.repeat_customer_count,
                    log_likelihood=fit.gg_log_likelihood,
                )
                value = clv.customer_lifetime_value(
                    bg,
                    gg,
                    frequency,
                    recency,
                    age,
                    monetary,
                    horizon_months=settings["clv_horizon_months"],
                    monthly_discount_rate=settings["clv_monthly_discount_rate"],
                    time_unit_days=1,
                )

        def finite(values, index):
            value = values[index]
            return float(value) if value is not None and np.isfinite(value) else None

        result = {}
        for index, row in enumerate(rows):
            scored = finite(churn, index) is not None
            result[row["partner_id"]] = {
                "rfm_recency_score": row["r_score"],
                "rfm_frequency_score": row["f_score"],
                "rfm_monetary_score": row["m_score"],
                "rfm_segment": rfm_segment(
                    row["r_score"], row["f_score"], row["m_score"]
                ),
                "churn_probability": finite(churn, index),
                "expected_purchases_365": finite(expected, index),
                "clv_predicted": finite(value, index),
                "clv_historical": float(row["net_amount"]),
                "clv_scored": scored,
                "retention_last_purchase_date": row["last_day"],
                "retention_purchase_interval": row["recency"] / row["frequency"]
                if row["frequency"]
                else None,
            }
        return result

    @api.model
    def _score_batch(self, company, fit, partner_ids, today, settings):
        """Score these customers of ``company`` and remind their salespeople
        when they are overdue; customers without purchases lose their
        scores."""
        stats = self._read_batch_stats(
            company, today, settings["rfm_window_days"], fit, partner_ids
        )
        values = self._score_values(fit, list(stats.values()), settings)
        empty = dict.fromkeys(SCORE_COLUMNS, None)
        # Scored today, done: written with the scores.
        values = {
            pid: dict(values.get(pid, empty), retention_score_date=today)
            for pid in partner_ids
        }
        fnames = [*SCORE_COLUMNS, "retention_score_date"]
        Partner = self.env["res.partner"]
        if settings["rfm_segment_tags"]:
            # The tags are written through write() on every customer: the
            # scores go with them, in the same UPDATE of each row.
            Partner._lifecycle_bulk_update(values, company=company, fnames=fnames)
            self._tag_segments(values)
        else:
            Partner._lifecycle_write_company_figures(values, company, fnames)
        self._remind(company, values, today, settings)

    # ------------------------------------------------------------
    # Reminders
    # ------------------------------------------------------------

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
                    "note": self.env._(
                        "%(customer)s usually buys every %(interval)s days; the "
                        "last purchase was %(days)s days ago.",
                        customer=partner.name,
                        interval=round(
                            values_by_partner[partner.id]["retention_purchase_interval"]
                        ),
                        days=(
                            today
                            - values_by_partner[partner.id][
                                "retention_last_purchase_date"
                            ]
                        ).days,
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
    def _send_reminder_mails(self, partners):
        template = self.env.ref(
            "crm_lifecycle.mail_template_retention_reminder", raise_if_not_found=False
        )
        recipients = partners.filtered(lambda p: p.email and not p.is_blacklisted)
        if template and recipients:
            template.send_mail_batch(recipients.ids)
        return recipients

    # ------------------------------------------------------------
    # Segment tags
    # ------------------------------------------------------------

    @api.model
    def _tag_segments(self, values_by_partner):
        """Mirror each customer's segment as a partner tag (one write per
        segment), so that a mass mailing can target it."""
        tags = self.env["res.partner.category"]._rfm_segment_tags()
        by_segment = {}
        for pid, values in values_by_partner.items():
            by_segment.setdefault(values["rfm_segment"], []).append(pid)
        for segment, ids in by_segment.items():
            commands = [
                fields.Command.unlink(tag.id)
                for key, tag in tags.items()
                if key != segment
            ]
            if segment:
                commands.append(fields.Command.link(tags[segment].id))
            self.env["res.partner"].browse(ids).write({"category_id": commands})

    # ------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------

    @api.model
    def _todo_sql(self, company, today):
        key = str(company.id)
        return SQL(
            """
            SELECT p.id FROM res_partner p
             WHERE p.active AND p.id = p.commercial_partner_id
               AND ((p.retention_score_date ->> %(key)s) IS NULL
                    OR (p.retention_score_date ->> %(key)s)::date < %(today)s)
               -- A customer of the company, or one whose scores must be
               -- cleared: one index probe per partner left, where hashing
               -- every invoice of the company (a million) for each batch
               -- took half a minute.
               AND ((p.rfm_segment ->> %(key)s) IS NOT NULL
                    OR EXISTS (
                        SELECT 1 FROM account_move m
                         WHERE m.commercial_partner_id = p.id
                           AND m.move_type IN ('out_invoice', 'out_refund')
                           AND m.company_id = %(company)s
                           AND m.state = 'posted'))
            """,
            key=key,
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
        try:
            with self.env.cr.savepoint():
                return self._fit_company(company, today)
        except Exception as error:
            _logger.exception("CLV fit failed for company %s", company.id)
            # Recorded, so that the job goes on scoring RFM without the model.
            return self.env["crm.lifecycle.clv.fit"].create(
                {
                    "company_id": company.id,
                    "date": today,
                    "state": "insufficient",
                    "message": self.env._(
                        "The model could not be fitted: %(error)s", error=str(error)
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
