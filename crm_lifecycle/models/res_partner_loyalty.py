from odoo import api, fields, models

from .res_partner import ALL_PASSES, PASS_LOYALTY


class ResPartner(models.Model):
    _inherit = "res.partner"

    loyalty_company_id = fields.Many2one(
        "res.company",
        string="Loyalty Company",
        readonly=True,
        copy=False,
        help="The company whose loyalty program and tiers rank this customer: "
        "its own company, else the company of its latest invoice.",
    )
    loyalty_card_id = fields.Many2one(
        "loyalty.card",
        string="Loyalty Card",
        compute="_compute_loyalty_card",
        compute_sudo=True,
    )
    loyalty_points = fields.Float(
        string="Loyalty Points",
        compute="_compute_loyalty_card",
        compute_sudo=True,
        digits=(16, 2),
        help="Balance of the customer's card in the company's lifecycle "
        "loyalty program.",
    )
    loyalty_history_ids = fields.Many2many(
        "loyalty.history",
        string="Loyalty History",
        compute="_compute_loyalty_card",
        compute_sudo=True,
    )
    loyalty_tier_id = fields.Many2one(
        "crm.lifecycle.loyalty.tier",
        string="Loyalty Tier",
        readonly=True,
        copy=False,
        index="btree_not_null",
        tracking=True,
        ondelete="set null",
    )
    loyalty_tier_color = fields.Integer(related="loyalty_tier_id.color")
    loyalty_tier_since = fields.Date(string="In Tier Since", readonly=True, copy=False)
    loyalty_tier_review_date = fields.Date(
        string="Next Tier Review",
        readonly=True,
        copy=False,
        help="From this day plus the grace period, a customer that no longer "
        "qualifies for its tier goes down.",
    )
    loyalty_next_tier_id = fields.Many2one(
        "crm.lifecycle.loyalty.tier",
        string="Next Tier",
        readonly=True,
        copy=False,
    )
    loyalty_next_tier_missing = fields.Float(
        string="Missing for Next Tier",
        readonly=True,
        copy=False,
        digits=(16, 2),
        help="Points to earn, or amount to pay, within 12 months to reach "
        "the next tier.",
    )
    loyalty_next_tier_basis = fields.Selection(
        related="loyalty_next_tier_id.basis", string="Next Tier Basis"
    )
    loyalty_previous_pricelist_id = fields.Many2one(
        "product.pricelist",
        string="Pricelist before Tier",
        readonly=True,
        copy=False,
        help="Technical: the pricelist given back when the customer leaves "
        "the tiers with a pricelist.",
    )
    loyalty_pricelist_applied = fields.Boolean(readonly=True, copy=False)

    @api.model
    def _lifecycle_engine_fields(self):
        return super()._lifecycle_engine_fields() | {
            "loyalty_company_id",
            "loyalty_tier_id",
            "loyalty_tier_since",
            "loyalty_tier_review_date",
            "loyalty_next_tier_id",
            "loyalty_next_tier_missing",
            "loyalty_previous_pricelist_id",
            "loyalty_pricelist_applied",
        }

    # ------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------

    @api.depends("loyalty_company_id", "company_id", "commercial_partner_id")
    @api.depends_context("company")
    def _compute_loyalty_card(self):
        companies = self.mapped(
            lambda p: p.commercial_partner_id.loyalty_company_id
            or p.company_id
            or self.env.company
        )
        programs = companies.lifecycle_loyalty_program_id
        cards = self.env["loyalty.card"].search(
            [
                ("program_id", "in", programs.ids),
                ("partner_id", "in", self.commercial_partner_id.ids),
            ],
            order="id",
        )
        card_by_key = {}
        for card in cards:
            card_by_key.setdefault((card.program_id.id, card.partner_id.id), card)
        for partner in self:
            commercial = partner.commercial_partner_id
            company = (
                commercial.loyalty_company_id or partner.company_id or self.env.company
            )
            card = card_by_key.get(
                (company.lifecycle_loyalty_program_id.id, commercial.id),
                cards.browse(),
            )
            partner.loyalty_card_id = card
            partner.loyalty_points = card.points
            partner.loyalty_history_ids = card.history_ids

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_view_loyalty_history(self):
        """Open the history of the customer's lifecycle loyalty card."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_lifecycle.loyalty_history_action_lifecycle"
        )
        action["domain"] = [("card_id", "=", self.loyalty_card_id.id)]
        return action

    # ------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------

    def _lifecycle_recompute(self, passes=ALL_PASSES):
        """Also settle the loyalty points of the partners' invoices and move
        them between tiers, in the same set-based pass, when the event may
        have moved money."""
        result = super()._lifecycle_recompute(passes)
        if PASS_LOYALTY in passes:
            self.env["crm.lifecycle.loyalty.engine"].sudo()._recompute(
                self.commercial_partner_id.sudo()
            )
        return result
