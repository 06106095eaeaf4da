import functools
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib import fit as fitlib
from .crm_lifecycle_batch import BatchResult

_logger = logging.getLogger(__name__)

JOB = "fit"
CRON = "crm_lifecycle.ir_cron_crm_lifecycle_fit"
# Company-dependent res.partner fields written by the scoring.
FIT_COLUMNS = (
    "lifecycle_fit_score",
    "lifecycle_fit_method",
    "lifecycle_fit_reason_keys",
)


class CrmLifecycleFit(models.AbstractModel):
    """The fit score of each company's prospects and customers: how much
    each looks like the company's best customers (the top quintile of
    historical plus predicted lifetime value).

    The traits of all the partners are read in one query per company
    (``_fit_traits``); the model is fitted weekly per company
    (``_fit_company``, recorded as a crm.lifecycle.fit.model) by a logistic
    regression of lib/fit.py; with too few best customers, the company's
    hand-set criteria (crm.lifecycle.fit.criterion) score instead. Scores
    are written on the partners by the pipeline's ``fit`` pass (daily, and
    when a prospect is created or its traits change) and for all the
    company's partners at once after each fit."""

    _name = "crm.lifecycle.fit"
    _description = "Customer Lifecycle Fit Score"

    # ------------------------------------------------------------
    # Facts
    # ------------------------------------------------------------

    @api.model
    def _fit_traits(self, company, partner_ids=None):
        """{partner_id: [trait tokens]} of the company's prospects and
        customers (commercial partners with a lifecycle phase, shared or of
        ``company``), all of them or those of ``partner_ids``, in one
        query."""
        restrict = (
            SQL("AND p.id = ANY(%s)", list(partner_ids)) if partner_ids else SQL()
        )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                WITH partners AS (
                    SELECT p.id, p.industry_id, p.country_id, p.state_id,
                           p.is_company, u.sale_team_id
                      FROM res_partner p
                      LEFT JOIN res_users u ON u.id = p.user_id
                     WHERE p.active AND p.id = p.commercial_partner_id
                       AND p.lifecycle_phase IS NOT NULL
                       AND (p.company_id IS NULL OR p.company_id = %(company)s)
                       %(restrict)s
                ),
                first_lead AS (
                    SELECT DISTINCT ON (lp.commercial_partner_id)
                           lp.commercial_partner_id AS partner_id,
                           l.source_id, l.medium_id, l.team_id
                      FROM crm_lead l
                      JOIN res_partner lp ON lp.id = l.partner_id
                     WHERE l.type = 'opportunity'
                       AND (l.company_id IS NULL OR l.company_id = %(company)s)
                       AND lp.commercial_partner_id IN (SELECT id FROM partners)
                     ORDER BY lp.commercial_partner_id, l.create_date, l.id
                ),
                first_move AS (
                    SELECT DISTINCT ON (m.commercial_partner_id)
                           m.commercial_partner_id AS partner_id, m.id AS move_id
                      FROM account_move m
                     WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
                       AND m.company_id = %(company)s
                       AND m.commercial_partner_id IN (SELECT id FROM partners)
                     ORDER BY m.commercial_partner_id, m.invoice_date, m.id
                ),
                first_categories AS (
                    SELECT fm.partner_id,
                           array_agg(DISTINCT t.categ_id) AS categ_ids
                      FROM first_move fm
                      JOIN account_move_line aml ON aml.move_id = fm.move_id
                      JOIN product_product pp ON pp.id = aml.product_id
                      JOIN product_template t ON t.id = pp.product_tmpl_id
                     WHERE aml.display_type = 'product'
                     GROUP BY fm.partner_id
                ),
                tags AS (
                    SELECT r.partner_id, array_agg(r.category_id) AS tag_ids
                      FROM res_partner_res_partner_category_rel r
                     WHERE r.partner_id IN (SELECT id FROM partners)
                     GROUP BY r.partner_id
                )
                SELECT p.id, p.industry_id, p.country_id, p.state_id,
                       p.is_company, COALESCE(p.sale_team_id, fl.team_id),
                       fl.source_id, fl.medium_id, tg.tag_ids, fc.categ_ids
                  FROM partners p
                  LEFT JOIN first_lead fl ON fl.partner_id = p.id
                  LEFT JOIN tags tg ON tg.partner_id = p.id
                  LEFT JOIN first_categories fc ON fc.partner_id = p.id
                """,
                company=company.id,
                restrict=restrict,
            )
        )
        traits = {}
        for (
            pid,
            industry,
            country,
            state,
            is_company,
            team,
            source,
            medium,
            tag_ids,
            categ_ids,
        ) in self.env.cr.fetchall():
            row = [f"company_type:{'company' if is_company else 'person'}"]
            for trait_type, value in (
                ("industry", industry),
                ("country", country),
                ("state", state),
                ("team", team),
                ("source", source),
                ("medium", medium),
            ):
                if value:
                    row.append(f"{trait_type}:{value}")
            row.extend(f"tag:{tag}" for tag in tag_ids or ())
            row.extend(f"category:{categ}" for categ in categ_ids or () if categ)
            traits[pid] = row
        return traits

    @api.model
    def _fit_values(self, company):
        """{partner_id: historical plus predicted lifetime value} of the
        company's customers with a positive value (the retention figures)."""
        Partner = self.env["res.partner"]
        historical = Partner._lifecycle_company_value_sql(
            "p", "clv_historical", company
        )
        predicted = Partner._lifecycle_company_value_sql("p", "clv_predicted", company)
        self.env.cr.execute(
            SQL(
                """
                SELECT p.id, COALESCE(%(historical)s, 0) + COALESCE(%(predicted)s, 0)
                  FROM res_partner p
                 WHERE p.active AND p.id = p.commercial_partner_id
                   AND COALESCE(%(historical)s, 0) + COALESCE(%(predicted)s, 0) > 0
                """,
                historical=historical,
                predicted=predicted,
            )
        )
        return dict(self.env.cr.fetchall())

    # ------------------------------------------------------------
    # Fit
    # ------------------------------------------------------------

    @api.model
    def _fit_company(self, company, today=None):
        """Fit the company's model on its customers and record it as the
        company's active crm.lifecycle.fit.model (with the method
        "criteria" and the reason when there are too few best customers)."""
        today = today or fields.Date.context_today(self)
        traits = self._fit_traits(company)
        values = self._fit_values(company)
        ids = [pid for pid in traits if pid in values]
        labels = fitlib.best_labels([values[pid] for pid in ids])
        vals = {
            "company_id": company.id,
            "date": today,
            "sample_size": len(ids),
            "best_count": int(labels.sum()),
            "method": "criteria",
        }
        try:
            result = fitlib.fit([traits[pid] for pid in ids], labels)
        except fitlib.InsufficientData:
            vals["message"] = self.env._(
                "Only %(count)s best customers: at least %(min)s are needed to "
                "learn what they share. The manual criteria score the partners.",
                count=vals["best_count"],
                min=fitlib.MIN_BEST,
            )
        else:
            vals.update(
                method="model",
                auc=result.auc or 0.0,
                auc_measured=result.auc is not None,
                intercept=result.intercept,
                coefficients=result.coefficients,
            )
        FitModel = self.env["crm.lifecycle.fit.model"].sudo()
        FitModel.search([("company_id", "=", company.id)]).write({"active": False})
        return FitModel.create(vals)

    # ------------------------------------------------------------
    # Scoring
    # ------------------------------------------------------------

    @api.model
    def _active_fit(self, company):
        return (
            self.env["crm.lifecycle.fit.model"]
            .sudo()
            .search([("company_id", "=", company.id)], order="id desc", limit=1)
        )

    @api.model
    def _criteria_weights(self, company):
        criteria = (
            self.env["crm.lifecycle.fit.criterion"]
            .sudo()
            .search([("company_id", "=", company.id)])
        )
        weights = {}
        for criterion in criteria:
            key = criterion._fit_token()
            if key:
                weights[key] = max(weights.get(key, 0), criterion.weight)
        return weights

    @api.model
    def _score_values(self, company, traits):
        """{partner_id: {column: value}} of the partners of ``traits``: by
        the company's fitted model, else by its criteria, else none."""
        ids = list(traits)
        rows = [traits[pid] for pid in ids]
        model = self._active_fit(company)
        if model.method == "model" and model.coefficients:
            scores, reasons = fitlib.score_model(
                model.intercept, model.coefficients, rows
            )
            method = "model"
        else:
            weights = self._criteria_weights(company)
            if not weights:
                return dict.fromkeys(ids, {})
            scores, reasons = fitlib.score_criteria(weights, rows)
            method = "criteria"
        return {
            pid: {
                "lifecycle_fit_score": score,
                "lifecycle_fit_method": method,
                "lifecycle_fit_reason_keys": ",".join(keys) or None,
            }
            for pid, score, keys in zip(ids, scores, reasons, strict=True)
        }

    @api.model
    def _score_partners(self, company, partner_ids=None):
        """Score the company's prospects and customers (all, or those of
        ``partner_ids``) and write their figures in one UPDATE; partners of
        ``partner_ids`` out of the company's lifecycle, and any partner with
        a stale score, lose theirs."""
        traits = self._fit_traits(company, partner_ids)
        values = self._score_values(company, traits)
        stale = self._scored_ids(company, partner_ids)
        if partner_ids:
            stale |= set(partner_ids)
        for pid in stale - values.keys():
            values[pid] = {}
        self.env["res.partner"]._lifecycle_write_company_figures(
            values, company, FIT_COLUMNS
        )
        return len(traits)

    @api.model
    def _scored_ids(self, company, partner_ids=None):
        method = self.env["res.partner"]._lifecycle_company_value_sql(
            "p", "lifecycle_fit_method", company
        )
        restrict = (
            SQL("AND p.id = ANY(%s)", list(partner_ids)) if partner_ids else SQL()
        )
        self.env.cr.execute(
            SQL(
                "SELECT p.id FROM res_partner p WHERE %s IS NOT NULL %s",
                method,
                restrict,
            )
        )
        return {pid for (pid,) in self.env.cr.fetchall()}

    # ------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------

    @api.model
    def _companies_due(self, today):
        """The companies whose active model is older than the refit
        interval (or that have none), but those given up today."""
        days = self.env["crm.lifecycle.settings"]._get("fit_refit_days")
        given_up = set(self.env["crm.lifecycle.batch"]._batch_given_up(JOB))
        due = self.env["res.company"]
        for company in self.env["res.company"].sudo().search([], order="id"):
            fit = self._active_fit(company)
            if company.id not in given_up and (
                not fit or fit.date <= today - timedelta(days=days)
            ):
                due |= company
        return due

    @api.model
    def _run_step(self):
        """One unit of the weekly job: fit one company due for it and score
        all its prospects and customers. Returns the companies still due."""
        today = fields.Date.context_today(self)
        Batch = self.env["crm.lifecycle.batch"]
        due = self._companies_due(today)
        result = BatchResult()
        if due:
            company = due[0]
            result = Batch._run_batch(
                company.ids,
                functools.partial(self._fit_and_score, company, today),
                "Fit score",
                noun="company",
                logger=_logger,
                job=JOB,
            )
            self.env.invalidate_all()
            due = self._companies_due(today)
        return Batch._batch_report(
            "Fit score", result, len(due), logger=_logger, cron=CRON
        )

    @api.model
    def _fit_and_score(self, company, today, _ids=None):
        self._fit_company(company, today)
        self._score_partners(company)

    @api.model
    def _run_all(self):
        """Refit and rescore every company now (tests, benchmark, a
        manager's request)."""
        today = fields.Date.context_today(self)
        for company in self.env["res.company"].sudo().search([], order="id"):
            self._fit_and_score(company, today)
