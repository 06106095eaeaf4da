from datetime import timedelta

import numpy as np

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib import clv
from .crm_lifecycle_retention import SCORE_COLUMNS, rfm_segment

# The churn probability kept once a week, to tell a rise since last week.
PREVIOUS_CHURN_FIELDS = ("churn_probability_previous", "churn_previous_date")
PREVIOUS_CHURN_DAYS = 7


class CrmLifecycleRetentionScoring(models.AbstractModel):
    """The scores of a batch of customers from the company's fit of the
    day: RFM scores and segment, churn probability, expected purchases and
    lifetime value, written on the partners, and the segment mirrored as a
    partner tag."""

    _inherit = "crm.lifecycle.retention"  # pylint: disable=consider-merging-classes-inherited

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
        self._keep_previous_churn(company, values, today)
        fnames = [*SCORE_COLUMNS, "retention_score_date", *PREVIOUS_CHURN_FIELDS]
        Partner = self.env["res.partner"]
        if settings["rfm_segment_tags"]:
            # The tags are written through write() on every customer: the
            # scores go with them, in the same UPDATE of each row.
            Partner._lifecycle_bulk_update(values, company=company, fnames=fnames)
            self._tag_segments(values)
        else:
            Partner._lifecycle_write_company_figures(values, company, fnames)
        self._remind(company, values, today, settings)

    @api.model
    def _keep_previous_churn(self, company, values_by_partner, today):
        """Add to ``values_by_partner`` the churn probability of last week:
        once a week per customer, the probability about to be rewritten is
        kept with the day it was kept; in between, what was kept stays. Read
        in one query for the batch."""
        if not values_by_partner:
            return
        Partner = self.env["res.partner"]
        names = ("churn_probability", *PREVIOUS_CHURN_FIELDS)
        Partner.browse(list(values_by_partner)).with_company(company).flush_recordset(
            list(names)
        )
        self.env.cr.execute(
            SQL(
                "SELECT p.id, %s FROM res_partner p WHERE p.id = ANY(%s)",
                SQL(", ").join(
                    Partner._lifecycle_company_value_sql("p", name, company)
                    for name in names
                ),
                list(values_by_partner),
            )
        )
        limit = today - timedelta(days=PREVIOUS_CHURN_DAYS)
        for pid, churn, previous, kept_on in self.env.cr.fetchall():
            if kept_on:
                kept_on = fields.Date.to_date(kept_on)
            if not kept_on or kept_on <= limit:
                previous, kept_on = churn, today
            values_by_partner[pid].update(
                churn_probability_previous=previous, churn_previous_date=kept_on
            )

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
