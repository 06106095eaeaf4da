from datetime import date, timedelta

import numpy as np

from odoo import api, models
from odoo.tools import SQL

from .crm_lifecycle_retention import RFM_DIMENSIONS


class CrmLifecycleRetentionFacts(models.AbstractModel):
    """The purchase facts the retention analytics start from: one row per
    customer with its lifetimes summary and RFM inputs, read set-based, and
    the RFM quintile boundaries of a company's customers."""

    _inherit = "crm.lifecycle.retention"  # pylint: disable=consider-merging-classes-inherited

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
