from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .crm_lifecycle_settings import (
    TIER_NAME_MAX_LENGTH,
    TIER_THRESHOLD_BOUNDS,
    check_bounds,
    check_length,
    check_vals_bounds,
)

TIER_BASES = [
    ("points", "Points earned in the last 12 months"),
    ("amount", "Amount paid in the last 12 months"),
]


class CrmLifecycleLoyaltyTier(models.Model):
    _name = "crm.lifecycle.loyalty.tier"
    _description = "Customer Loyalty Tier"
    _order = "company_id, sequence, threshold, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(
        default=10, help="Tiers rank by sequence: a higher one is better."
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    basis = fields.Selection(
        TIER_BASES,
        string="Qualifying Basis",
        required=True,
        default="points",
    )
    threshold = fields.Float(
        required=True,
        digits=(16, 2),
        help="Points earned, or amount paid in the company currency, in the "
        "last 12 months to reach this tier.",
    )
    color = fields.Integer()
    benefits = fields.Html(translate=True, sanitize=True)
    pricelist_id = fields.Many2one(
        "product.pricelist",
        string="Pricelist",
        domain="[('company_id', 'in', [company_id, False])]",
        help="Customers in this tier get this pricelist; leaving the tier "
        "gives them back the pricelist they had.",
    )
    partner_ids = fields.One2many(
        "res.partner", "loyalty_tier_id", string="Customers", readonly=True
    )
    member_count = fields.Integer(string="Members", compute="_compute_member_count")

    # ------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------

    @api.constrains("name")
    def _check_name(self):
        for tier in self:
            check_length(tier, "name", tier.name, TIER_NAME_MAX_LENGTH)

    @api.constrains("threshold", "sequence", "basis", "company_id", "active")
    def _check_threshold(self):
        for tier in self:
            check_bounds(tier, "threshold", tier.threshold, *TIER_THRESHOLD_BOUNDS)
        siblings = self.search(
            [
                ("company_id", "in", self.company_id.ids),
                ("basis", "in", list(set(self.mapped("basis")))),
            ]
        )
        for tier in self.filtered("active"):
            for other in siblings:
                if other == tier or (other.company_id, other.basis) != (
                    tier.company_id,
                    tier.basis,
                ):
                    continue
                if other.threshold == tier.threshold:
                    raise ValidationError(
                        self.env._(
                            "The loyalty tiers %(tier)s and %(other)s overlap: "
                            "they have the same qualifying basis and the same "
                            "threshold.",
                            tier=tier.name,
                            other=other.name,
                        )
                    )
                if (other.sequence - tier.sequence) * (
                    other.threshold - tier.threshold
                ) < 0:
                    raise ValidationError(
                        self.env._(
                            "The loyalty tiers %(tier)s and %(other)s overlap: "
                            "a tier ranked higher (greater sequence) must "
                            "have a higher threshold.",
                            tier=tier.name,
                            other=other.name,
                        )
                    )

    # ------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------

    def _compute_member_count(self):
        # A partner's tier is a company-dependent figure: each tier's members
        # are counted in the tier's own company, which a user who reads the
        # tier belongs to (record rule).
        counts = {}
        for company in self.company_id:
            tiers = self.filtered(lambda t, c=company: t.company_id == c)
            counts.update(
                self.env["res.partner"]
                .with_company(company)
                ._read_group(
                    [("loyalty_tier_id", "in", tiers.ids)],
                    ["loyalty_tier_id"],
                    ["__count"],
                )
            )
        for tier in self:
            tier.member_count = counts.get(tier, 0)

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    # The threshold is checked before the ORM rounds it to cents, which
    # overflows on a number like 1e308.
    @api.model_create_multi
    def create(self, vals_list):
        check_vals_bounds(self, vals_list, {"threshold": TIER_THRESHOLD_BOUNDS})
        return super().create(vals_list)

    def write(self, vals):
        check_vals_bounds(self, [vals], {"threshold": TIER_THRESHOLD_BOUNDS})
        return super().write(vals)

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_view_members(self):
        """Open the customers in this tier."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_lifecycle.res_partner_action_loyalty_members"
        )
        action["domain"] = [("loyalty_tier_id", "=", self.id)]
        action["context"] = {}
        return action
