import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib import fit as fitlib
from .crm_lifecycle_settings import check_vals_bounds

# The model of the value of each trait type (company_type has none).
TRAIT_MODELS = {
    "industry": "res.partner.industry",
    "country": "res.country",
    "state": "res.country.state",
    "source": "utm.source",
    "medium": "utm.medium",
    "team": "crm.team",
    "tag": "res.partner.category",
    "category": "product.category",
}
TRAIT_TYPES = [
    ("industry", "Industry"),
    ("country", "Country"),
    ("state", "State"),
    ("company_type", "Company or Individual"),
    ("source", "Acquisition Source"),
    ("medium", "Acquisition Medium"),
    ("team", "Sales Team"),
    ("tag", "Tag"),
    ("category", "First Purchase Category"),
]
assert {key for key, _label in TRAIT_TYPES} == set(fitlib.TRAIT_TYPES)
COMPANY_TYPES = [("company", "Company"), ("person", "Individual")]
WEIGHT_BOUNDS = {"weight": (0, 100)}
REFERENCE = re.compile(r"^([a-z_][a-z0-9_.]*),(\d+)$")


class CrmLifecycleFitCriterion(models.Model):
    """A trait a manager says makes a good prospect, and its weight: what
    scores the partners of a company while it has too few best customers
    for a model to learn from."""

    _name = "crm.lifecycle.fit.criterion"
    _description = "Customer Lifecycle Fit Criterion"
    _order = "weight desc, id"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        ondelete="cascade",
        default=lambda self: self.env.company,
    )
    active = fields.Boolean(default=True)
    trait_type = fields.Selection(TRAIT_TYPES, string="Trait", required=True)
    value_ref = fields.Reference(
        selection=lambda self: self._selection_value_models(), string="Value"
    )
    company_type = fields.Selection(COMPANY_TYPES, string="Company or Individual")
    weight = fields.Integer(
        required=True,
        default=50,
        help="0 to 100: how much a partner with this trait looks like a good "
        "customer. A partner's score is the share of the criteria's total "
        "weight its traits meet.",
    )

    @api.model
    def _selection_value_models(self):
        return [
            (model, self.env[model]._description)
            for model in sorted(set(TRAIT_MODELS.values()))
            if model in self.env
        ]

    @api.depends("trait_type", "value_ref", "company_type")
    def _compute_display_name(self):
        labels = self.env["res.partner"]._lifecycle_fit_labels(
            [key for key in (rec._fit_token() for rec in self) if key]
        )
        for criterion in self:
            key = criterion._fit_token()
            criterion.display_name = labels.get(key) or dict(
                self._fields["trait_type"]._description_selection(self.env)
            ).get(criterion.trait_type, "")

    def _fit_token(self):
        """The trait token this criterion stands for, or None."""
        self.ensure_one()
        if self.trait_type == "company_type":
            return self.company_type and f"company_type:{self.company_type}"
        if self.trait_type in TRAIT_MODELS and self.value_ref:
            return f"{self.trait_type}:{self.value_ref.id}"
        return None

    # ------------------------------------------------------------
    # Checks: a clear error before anything is written
    # ------------------------------------------------------------

    @api.model
    def _fit_check_vals(self, vals):
        _ = self.env._
        trait_type = vals.get("trait_type")
        if "trait_type" in vals and trait_type not in fitlib.TRAIT_TYPES:
            raise ValidationError(
                _(
                    "Unknown trait %(trait)r. Use one of: %(traits)s.",
                    trait=trait_type,
                    traits=", ".join(fitlib.TRAIT_TYPES),
                )
            )
        company_type = vals.get("company_type")
        if company_type and company_type not in dict(COMPANY_TYPES):
            raise ValidationError(
                _(
                    "Unknown kind of partner %(value)r: use company or person.",
                    value=company_type,
                )
            )
        value = vals.get("value_ref")
        if value and not isinstance(value, models.BaseModel):
            match = REFERENCE.match(str(value))
            if (
                not match
                or match.group(1) not in set(TRAIT_MODELS.values())
                or match.group(1) not in self.env
                or not self.env[match.group(1)]
                .sudo()
                .browse(int(match.group(2)))
                .exists()
            ):
                raise ValidationError(
                    _("%(value)r is not a trait value.", value=str(value))
                )
        check_vals_bounds(self, [vals], WEIGHT_BOUNDS)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._fit_check_vals(vals)
        return super().create(vals_list)

    def write(self, vals):
        # Nothing to check on no record: Odoo's partner merge writes every
        # reference field of the records it found, none included.
        if self:
            self._fit_check_vals(vals)
        return super().write(vals)

    @api.constrains("trait_type", "value_ref", "company_type", "weight")
    def _check_trait(self):
        _ = self.env._
        for criterion in self:
            check_vals_bounds(criterion, [{"weight": criterion.weight}], WEIGHT_BOUNDS)
            if criterion.trait_type == "company_type":
                if not criterion.company_type:
                    raise ValidationError(
                        _("Choose Company or Individual for this criterion.")
                    )
                continue
            expected = TRAIT_MODELS.get(criterion.trait_type)
            if not criterion.value_ref or criterion.value_ref._name != expected:
                raise ValidationError(
                    _(
                        "The value of a %(trait)s criterion must be a %(model)s.",
                        trait=criterion.trait_type,
                        model=self.env[expected]._description
                        if expected in self.env
                        else expected,
                    )
                )
