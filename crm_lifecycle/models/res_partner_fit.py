import logging

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib import fit as fitlib
from .crm_lifecycle_fit import FIT_COLUMNS
from .crm_lifecycle_fit_criterion import TRAIT_MODELS
from .crm_lifecycle_fit_model import FIT_METHODS
from .engine_path import in_engine
from .res_partner_pipeline import FIT_ONLY

_logger = logging.getLogger(__name__)

USER_GROUP = "crm_lifecycle.group_crm_lifecycle_user"
# The partner fields a trait of the fit score is read from: a change
# queues the partner's score.
FIT_TRAIT_FIELDS = {
    "industry_id",
    "country_id",
    "state_id",
    "is_company",
    "company_type",
    "user_id",
    "category_id",
}
# Written by the fit score only (in SQL), never by hand.
FIT_SCORE_FIELDS = set(FIT_COLUMNS)


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    # Per company (each company learns from its own best customers), written
    # by the fit score's pass and weekly job only.
    lifecycle_fit_score = fields.Integer(
        string="Fit Score",
        company_dependent=True,
        index=False,
        readonly=True,
        groups=USER_GROUP,
        aggregator="avg",
        help="0 to 100: how much this prospect or customer looks like the "
        "company's best customers (top fifth by historical plus predicted "
        "lifetime value).",
    )
    lifecycle_fit_method = fields.Selection(
        FIT_METHODS,
        string="Fit Score Method",
        company_dependent=True,
        index=False,
        readonly=True,
        groups=USER_GROUP,
        help="How the fit score was made: learned from the company's best "
        "customers, or from the criteria the managers set while there are "
        "too few of them.",
    )
    lifecycle_fit_reason_keys = fields.Char(
        company_dependent=True,
        index=False,
        readonly=True,
        groups=USER_GROUP,
        help="Technical: the traits that weigh most in the fit score.",
    )
    lifecycle_fit_reasons = fields.Text(
        string="Fit Reasons",
        compute="_compute_lifecycle_fit_reasons",
        groups=USER_GROUP,
        help="The three traits of this partner that weigh most in its fit score.",
    )

    @api.depends("lifecycle_fit_reason_keys")
    @api.depends_context("company", "lang")
    def _compute_lifecycle_fit_reasons(self):
        keys = {
            partner.id: [
                key
                for key in (partner.lifecycle_fit_reason_keys or "").split(",")
                if key
            ]
            for partner in self
        }
        labels = self._lifecycle_fit_labels(
            {key for row in keys.values() for key in row}
        )
        for partner in self:
            partner.lifecycle_fit_reasons = (
                "; ".join(labels.get(key, key) for key in keys[partner.id]) or False
            )

    @api.model
    def _lifecycle_fit_labels(self, keys):
        """{token: "Trait: value"} in the user's language."""
        env = self.env(su=True)
        type_labels = dict(
            self.env["crm.lifecycle.fit.criterion"]
            ._fields["trait_type"]
            ._description_selection(self.env)
        )
        kind_labels = dict(
            self.env["crm.lifecycle.fit.criterion"]
            ._fields["company_type"]
            ._description_selection(self.env)
        )
        ids_by_type = {}
        for key in keys:
            trait_type, value = fitlib.split_token(key)
            if trait_type in TRAIT_MODELS and value.isdigit():
                ids_by_type.setdefault(trait_type, set()).add(int(value))
        names = {}
        for trait_type, ids in ids_by_type.items():
            model = TRAIT_MODELS[trait_type]
            if model not in env:
                continue
            for record in env[model].browse(sorted(ids)).exists():
                names[f"{trait_type}:{record.id}"] = record.display_name
        labels = {}
        for key in keys:
            trait_type, value = fitlib.split_token(key)
            if trait_type == "company_type":
                name = kind_labels.get(value, value)
            else:
                name = names.get(key, value)
            labels[key] = f"{type_labels.get(trait_type, trait_type)}: {name}"
        return labels

    @api.model
    def _lifecycle_engine_fields(self):
        return super()._lifecycle_engine_fields() | FIT_SCORE_FIELDS

    def _order_field_to_sql(self, alias, field_name, direction, nulls, query):
        # A score of 0 is stored as no value (the field's fallback), which
        # PostgreSQL sorts before every score in a descending order: an
        # unscored partner ranks as 0, last in "best fit first".
        if field_name == "lifecycle_fit_score" and not nulls.code:
            descending = direction.code.upper() == "DESC"
            nulls = SQL("NULLS LAST" if descending else "NULLS FIRST")
        return super()._order_field_to_sql(alias, field_name, direction, nulls, query)

    # ------------------------------------------------------------
    # Events: a new prospect, a trait changed
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        partners._lifecycle_fit_mark_pending()
        return partners

    def write(self, vals):
        result = super().write(vals)
        if FIT_TRAIT_FIELDS & vals.keys() and not in_engine():
            self._lifecycle_fit_mark_pending()
        return result

    def _lifecycle_fit_mark_pending(self):
        """Queue the fit score of these partners: never fails the user's
        transaction (the daily job scores them anyway)."""
        try:
            self._lifecycle_mark_pending(passes=FIT_ONLY)
        except Exception:
            _logger.exception(
                "The fit score of partners %s could not be queued", self.ids
            )

    # ------------------------------------------------------------
    # Pipeline pass
    # ------------------------------------------------------------

    def _lifecycle_pass_fit(self):
        """The fit pass of the pipeline (res_partner_pipeline.py): the
        score of these partners in each company, set-based."""
        partners = self.commercial_partner_id
        if not partners:
            return
        Fit = self.env["crm.lifecycle.fit"].sudo()
        for company in self.env["res.company"].sudo().search([], order="id"):
            Fit._score_partners(company, partners.ids)

    @api.model
    def _cron_lifecycle_fit(self):
        """Refit the fit score of each company whose model is older than the
        refit interval (a week by default), one company per call, and
        rescore its prospects and customers. Returns the companies still to
        do."""
        return self.env["crm.lifecycle.fit"].sudo()._run_step()

    @api.model
    def _lifecycle_fit_all(self):
        """Refit and rescore every company now, in this transaction."""
        return self.env["crm.lifecycle.fit"].sudo()._run_all()
