"""The cross-sell suggestions of each company's customers, set-based.

Once per company and call: one query reads the distinct (customer, product)
pairs of the company's posted invoices over the window, lib.xsell turns them
into a sparse incidence and an item-item similarity, and the best sellers of
the company and of each RFM segment. Then the customers are scored by
batches through the batch runner: one query per batch reads what each of
them bought, credited or complained about (excluded), and the batch's
suggestions are deleted and inserted in one statement each.
"""

import functools
import logging
import time
from dataclasses import dataclass, field

import numpy as np
from dateutil.relativedelta import relativedelta
from scipy import sparse

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib import xsell
from .bulk import insert_rows
from .crm_lifecycle_batch import BatchResult

_logger = logging.getLogger(__name__)

SUGGESTION_SETTINGS = ("suggestion_window_months", "suggestion_batch_size")
# Seconds of scoring a cron call spends before it hands over to the next
# call (triggered at once): a company with many customers is done in a few
# calls, each well inside a worker's time limit.
TIME_BUDGET = 60.0
CRON = "crm_lifecycle.ir_cron_crm_lifecycle_suggestion"


@dataclass
class CompanyModel:
    """What the suggestions of a company's customers are made from."""

    products: np.ndarray  # column -> product id
    partners: dict  # partner id -> row of ``history``
    history: object  # 0/1 CSR customers x products, over the window
    similarity: object  # lib.xsell.prepare(item_similarity(history))
    allowed: np.ndarray  # column -> may be suggested
    popular: np.ndarray  # column -> customers who bought it
    segments: dict = field(default_factory=dict)  # segment -> counts
    segment_sizes: dict = field(default_factory=dict)  # segment -> customers

    @property
    def customers(self):
        return max(len(self.partners), 1)


class CrmLifecycleSuggestionEngine(models.AbstractModel):
    _name = "crm.lifecycle.suggestion.engine"
    _description = "Cross-sell Suggestion Engine"

    @api.model
    def _get_settings(self):
        return self.env["crm.lifecycle.settings"]._get_many(SUGGESTION_SETTINGS)

    # ------------------------------------------------------------
    # Facts
    # ------------------------------------------------------------

    @api.model
    def _pairs_sql(self, company, today, months):
        """The distinct (customer, product) pairs of ``company``'s posted
        customer invoices over the window, each with whether the customer
        first bought the product on the day of its last purchase."""
        return SQL(
            """
            WITH lines AS (
                SELECT m.commercial_partner_id AS partner_id,
                       l.product_id,
                       m.invoice_date AS day
                  FROM account_move_line l
                  JOIN account_move m ON m.id = l.move_id
                 WHERE m.company_id = %(company)s
                   AND m.state = 'posted'
                   AND m.move_type = 'out_invoice'
                   AND m.invoice_date > %(since)s
                   AND m.invoice_date <= %(today)s
                   AND l.display_type = 'product'
                   AND l.product_id IS NOT NULL
            ), pairs AS (
                SELECT partner_id, product_id, MIN(day) AS first_day
                  FROM lines
                 GROUP BY partner_id, product_id
            ), last AS (
                SELECT partner_id, MAX(day) AS last_day
                  FROM lines
                 GROUP BY partner_id
            )
            SELECT pairs.partner_id, pairs.product_id,
                   pairs.first_day = last.last_day AS in_last
              FROM pairs
              JOIN last ON last.partner_id = pairs.partner_id
            """,
            company=company.id,
            since=today - relativedelta(months=months),
            today=today,
        )

    @api.model
    def _read_pairs(self, company, today, months):
        """(partner ids, product ids, in-last flags) arrays of the pairs,
        fetched as three arrays rather than a tuple per pair."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT COALESCE(ARRAY_AGG(q.partner_id), '{}'),
                       COALESCE(ARRAY_AGG(q.product_id), '{}'),
                       COALESCE(ARRAY_AGG(q.in_last), '{}')
                  FROM (%s) q
                """,
                self._pairs_sql(company, today, months),
            )
        )
        partners, products, in_last = self.env.cr.fetchone()
        return (
            np.array(partners, dtype=np.int64),
            np.array(products, dtype=np.int64),
            np.array(in_last, dtype=bool),
        )

    @api.model
    def _allowed_products(self, company, product_ids):
        """Whether each product may be suggested in ``company``: active (and
        its template), for sale, of no other company."""
        if not len(product_ids):
            return np.zeros(0, dtype=bool)
        self.env.cr.execute(
            SQL(
                """
                SELECT pp.id
                  FROM product_product pp
                  JOIN product_template pt ON pt.id = pp.product_tmpl_id
                 WHERE pp.id = ANY(%(ids)s)
                   AND pp.active AND pt.active AND pt.sale_ok
                   AND (pt.company_id IS NULL OR pt.company_id = %(company)s)
                """,
                ids=[int(pid) for pid in product_ids],
                company=company.id,
            )
        )
        allowed = {pid for (pid,) in self.env.cr.fetchall()}
        return np.array([int(pid) in allowed for pid in product_ids], dtype=bool)

    @api.model
    def _read_segments(self, company, partner_ids):
        """{partner id: RFM segment in ``company``} of these partners."""
        if not partner_ids:
            return {}
        segment = self.env["res.partner"]._lifecycle_company_value_sql(
            "p", "rfm_segment", company
        )
        self.env.cr.execute(
            SQL(
                "SELECT p.id, %s FROM res_partner p WHERE p.id = ANY(%s)",
                segment,
                [int(pid) for pid in partner_ids],
            )
        )
        return {pid: value for pid, value in self.env.cr.fetchall() if value}

    @api.model
    def _read_exclusions(self, company, partner_ids):
        """[(partner id, product id)] of these customers' products never to
        suggest them: bought at any time or credited in ``company``, or
        named in one of their complaints."""
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT m.commercial_partner_id, l.product_id
                  FROM account_move m
                  JOIN account_move_line l ON l.move_id = m.id
                 WHERE m.commercial_partner_id = ANY(%(partners)s)
                   AND m.company_id = %(company)s
                   AND m.state = 'posted'
                   AND m.move_type IN ('out_invoice', 'out_refund')
                   AND l.display_type = 'product'
                   AND l.product_id IS NOT NULL
                 UNION
                SELECT p.commercial_partner_id, rel.product_product_id
                  FROM crm_lifecycle_complaint c
                  JOIN res_partner p ON p.id = c.partner_id
                  JOIN crm_lifecycle_complaint_product_product_rel rel
                    ON rel.crm_lifecycle_complaint_id = c.id
                 WHERE p.commercial_partner_id = ANY(%(partners)s)
                """,
                partners=list(partner_ids),
                company=company.id,
            )
        )
        return self.env.cr.fetchall()

    # ------------------------------------------------------------
    # The company's model
    # ------------------------------------------------------------

    @api.model
    def _company_model(self, company, today, settings):
        """The company's :class:`CompanyModel` over the window."""
        partners, products, _in_last = self._read_pairs(
            company, today, settings["suggestion_window_months"]
        )
        product_ids, cols = np.unique(products, return_inverse=True)
        partner_ids, rows = np.unique(partners, return_inverse=True)
        history = xsell.incidence(rows, cols, (len(partner_ids), len(product_ids)))
        model = CompanyModel(
            products=product_ids,
            partners={int(pid): row for row, pid in enumerate(partner_ids)},
            history=history,
            similarity=xsell.prepare(xsell.item_similarity(history)),
            allowed=self._allowed_products(company, product_ids),
            popular=xsell.popularity(history),
        )
        segments = self._read_segments(company, [int(pid) for pid in partner_ids])
        if segments:
            names = sorted(set(segments.values()))
            index = {name: position for position, name in enumerate(names)}
            seg_rows = [model.partners[pid] for pid in segments]
            seg_cols = [index[name] for name in segments.values()]
            membership = sparse.csr_matrix(
                (np.ones(len(seg_rows)), (seg_cols, seg_rows)),
                shape=(len(names), len(partner_ids)),
            )
            counts = np.asarray((membership @ history).todense())
            model.segments = {
                name: counts[position] for name, position in index.items()
            }
            sizes = np.bincount(seg_cols, minlength=len(names))
            model.segment_sizes = {
                name: int(sizes[position]) for name, position in index.items()
            }
        return model

    # ------------------------------------------------------------
    # A batch of customers
    # ------------------------------------------------------------

    @api.model
    def _suggest_batch(self, company, model, today, partner_ids):
        """Rewrite the suggestions of these customers in ``company``."""
        Partner = self.env["res.partner"]
        Partner._lifecycle_flush_inputs()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM res_partner WHERE id = ANY(%s) AND active",
                list(partner_ids),
            )
        )
        active = [pid for (pid,) in self.env.cr.fetchall()]
        column = {int(pid): col for col, pid in enumerate(model.products)}
        rows = []
        if active and len(model.products):
            exclusions = self._read_exclusions(company, active)
            segments = self._read_segments(company, active)
            rows = self._suggestion_rows(
                company, model, today, active, exclusions, segments, column
            )
        self.env.cr.execute(
            SQL(
                "DELETE FROM crm_lifecycle_suggestion"
                " WHERE company_id = %s AND partner_id = ANY(%s)",
                company.id,
                list(partner_ids),
            )
        )
        Suggestion = self.env["crm.lifecycle.suggestion"]
        insert_rows(Suggestion, rows)
        Partner._lifecycle_write_company_figures(
            {pid: {"lifecycle_suggestion_date": today} for pid in partner_ids},
            company,
            ["lifecycle_suggestion_date"],
        )

    @api.model
    def _suggestion_rows(
        self, company, model, today, partner_ids, exclusions, segments, column
    ):
        """The rows of crm.lifecycle.suggestion of these customers."""
        position = {pid: index for index, pid in enumerate(partner_ids)}
        ex_rows, ex_cols = [], []
        for pid, product_id in exclusions:
            col = column.get(product_id)
            if col is not None and pid in position:
                ex_rows.append(position[pid])
                ex_cols.append(col)
        excluded = xsell.incidence(
            ex_rows, ex_cols, (len(partner_ids), len(model.products))
        )
        rows = []
        buyers = [pid for pid in partner_ids if pid in model.partners]
        if buyers:
            history = model.history[[model.partners[pid] for pid in buyers]]
            result = xsell.recommend(
                history,
                model.similarity,
                excluded=excluded[[position[pid] for pid in buyers]],
                allowed=model.allowed,
                fallback=model.popular,
            )
            rows += self._rows_of(company, model, today, buyers, result, None)
        others = [pid for pid in partner_ids if pid not in model.partners]
        by_segment = {}
        for pid in others:
            segment = segments.get(pid)
            if segment not in model.segments:
                segment = None
            by_segment.setdefault(segment, []).append(pid)
        for segment, pids in by_segment.items():
            counts = model.segments[segment] if segment else model.popular
            result = xsell.recommend_popular(
                counts,
                excluded[[position[pid] for pid in pids]],
                allowed=model.allowed,
            )
            rows += self._rows_of(company, model, today, pids, result, segment)
        return rows

    @api.model
    def _rows_of(self, company, model, today, partner_ids, result, segment):
        """Rows of crm.lifecycle.suggestion from a lib.xsell result. A best
        seller's score is the share of the customers (of the segment) who
        bought it."""
        denominator = model.customers
        if segment:
            denominator = max(model.segment_sizes.get(segment, 0), 1)
        rows = []
        for index, pid in enumerate(partner_ids):
            for slot in range(result.items.shape[1]):
                col = result.items[index, slot]
                if col < 0:
                    break
                popular = result.method[index, slot] == xsell.POPULAR
                because = result.because[index, slot]
                rows.append(
                    {
                        "partner_id": pid,
                        "company_id": company.id,
                        "product_id": int(model.products[col]),
                        "rank": slot + 1,
                        "score": round(
                            float(result.scores[index, slot])
                            / (denominator if popular else 1),
                            4,
                        ),
                        "method": (segment and "segment" or "popular")
                        if popular
                        else "cooccurrence",
                        "because_product_id": int(model.products[because])
                        if because >= 0 and not popular
                        else False,
                        "segment": segment or False,
                        "date": today,
                    }
                )
        return rows

    # ------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------

    @api.model
    def _todo_sql(self, company, today):
        """The partners whose suggestions in ``company`` are not of today:
        the active customers of the company (an invoice, or an RFM segment)
        and whoever has suggestions to drop."""
        Partner = self.env["res.partner"]
        done = Partner._lifecycle_company_value_sql(
            "p", "lifecycle_suggestion_date", company
        )
        segment = Partner._lifecycle_company_value_sql("p", "rfm_segment", company)
        return SQL(
            """
            SELECT p.id FROM res_partner p
             WHERE p.id = p.commercial_partner_id
               AND (%(done)s IS NULL OR %(done)s < %(today)s)
               AND ((p.active
                     AND (%(segment)s IS NOT NULL
                          OR EXISTS (
                              SELECT 1 FROM account_move m
                               WHERE m.commercial_partner_id = p.id
                                 AND m.move_type = 'out_invoice'
                                 AND m.company_id = %(company)s
                                 AND m.state = 'posted')))
                    OR EXISTS (
                        SELECT 1 FROM crm_lifecycle_suggestion s
                         WHERE s.partner_id = p.id
                           AND s.company_id = %(company)s))
            """,
            done=done,
            segment=segment,
            today=today,
            company=company.id,
        )

    @api.model
    def _run_step(self, batch_size=None, time_budget=TIME_BUDGET):
        """One call of the daily job: the first company with customers left
        to do today gets its model built once, then its customers are
        scored batch after batch through the batch runner, until none is
        left or the call has spent ``time_budget`` seconds (None: no
        limit). A customer whose batch failed keeps its suggestions and is
        retried later (MAX_DAILY_TRIES times a day). Returns the work still
        to do (0 when the call found nothing)."""
        settings = self._get_settings()
        batch_size = batch_size or settings["suggestion_batch_size"]
        today = fields.Date.context_today(self)
        Batch = self.env["crm.lifecycle.batch"]
        Partner = self.env["res.partner"]
        self.env.flush_all()
        Partner._lifecycle_without_jit()
        result, remaining = BatchResult(), 0
        started = time.monotonic()
        for company in self.env["res.company"].search([], order="id"):
            job = ("suggestion", company.id)

            def next_ids(company=company, job=job):
                return Partner._lifecycle_next_batch(
                    job,
                    SQL(
                        "%s AND p.id != ALL(%s)",
                        self._todo_sql(company, today),
                        Batch._batch_given_up(job),
                    ),
                    batch_size,
                )

            ids, _more = next_ids()
            if not ids:
                continue
            model = self._company_model(company, today, settings)
            while ids:
                result.update(
                    Batch._run_batch(
                        ids,
                        functools.partial(self._suggest_batch, company, model, today),
                        f"Cross-sell suggestions in company {company.id}",
                        noun="partner",
                        logger=_logger,
                        job=job,
                    )
                )
                self.env.invalidate_all()
                if time_budget is not None and time.monotonic() - started > time_budget:
                    break
                ids, _more = next_ids()
            remaining = 1
            break
        return Batch._batch_report(
            "Cross-sell suggestions", result, remaining, logger=_logger, cron=CRON
        )

    @api.model
    def _run_all(self, batch_size=None):
        """Rewrite the suggestions of every company's customers now, to the
        end, even if done today (tests, benchmark, a manager's request)."""
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET lifecycle_suggestion_date = NULL"
            " WHERE lifecycle_suggestion_date IS NOT NULL"
        )
        Partner = self.env["res.partner"]
        Partner.invalidate_model(["lifecycle_suggestion_date"])
        for company in self.env["res.company"].search([]):
            Partner._lifecycle_forget_scan(("suggestion", company.id))
            self.env["crm.lifecycle.batch"]._batch_forget_failures(
                ("suggestion", company.id)
            )
        while self._run_step(batch_size, time_budget=None):
            pass

    # ------------------------------------------------------------
    # Evaluation
    # ------------------------------------------------------------

    @api.model
    def _evaluate_company(self, company, today=None):
        """Measure the hit rate at 5 of the suggestions of ``company`` with
        each customer's last purchase held out, against the best sellers,
        and record it."""
        today = today or fields.Date.context_today(self)
        months = self._get_settings()["suggestion_window_months"]
        partners, products, in_last = self._read_pairs(company, today, months)
        product_ids, cols = np.unique(products, return_inverse=True)
        _partner_ids, rows = np.unique(partners, return_inverse=True)
        shape = (len(_partner_ids), len(product_ids))
        before = xsell.incidence(rows[~in_last], cols[~in_last], shape)
        last = xsell.incidence(rows[in_last], cols[in_last], shape)
        sample, hits, baseline = xsell.hit_rate(
            before, last, allowed=self._allowed_products(company, product_ids)
        )
        hit_rate = hits / sample if sample else 0.0
        baseline_rate = baseline / sample if sample else 0.0
        return (
            self.env["crm.lifecycle.suggestion.evaluation"]
            .sudo()
            .create(
                {
                    "company_id": company.id,
                    "date": fields.Datetime.now(),
                    "window_months": months,
                    "sample": sample,
                    "hits": hits,
                    "hit_rate": hit_rate,
                    "baseline_hits": baseline,
                    "baseline_hit_rate": baseline_rate,
                    "lift": hit_rate / baseline_rate if baseline_rate else 0.0,
                }
            )
        )
