from odoo import api, fields, models

USER_GROUP = "crm_lifecycle.group_crm_lifecycle_user"


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    # The company that ranks the customer is the engine's routing, not a
    # figure: it tells which company's figures the engine keeps up to date
    # (and empties when another company takes the customer over). Knowing
    # it tells another company who ranks its customer: administrators only.
    loyalty_company_id = fields.Many2one(
        "res.company",
        string="Loyalty Company",
        readonly=True,
        copy=False,
        groups="base.group_system",
        help="The company whose loyalty program and tiers rank this customer: "
        "its own company, else the company of its latest invoice.",
    )
    # The card of the current company's lifecycle program, read in that
    # company only: a user never gets the card, points or history of a
    # company it cannot switch to, whichever company ranks the customer.
    loyalty_card_id = fields.Many2one(
        "loyalty.card",
        string="Loyalty Card",
        compute="_compute_loyalty_card",
        groups=USER_GROUP,
    )
    loyalty_points = fields.Float(
        compute="_compute_loyalty_card",
        digits=(16, 2),
        groups=USER_GROUP,
        help="Balance of the customer's card in the company's lifecycle "
        "loyalty program.",
    )
    loyalty_history_ids = fields.Many2many(
        "loyalty.history",
        string="Loyalty History",
        compute="_compute_loyalty_card",
        groups=USER_GROUP,
    )
    # The tier figures are per company, as the payment and RFM figures are: a
    # partner shared by two companies is a different customer of each, and
    # each company ranks it on its own tiers. Company-dependent fields, set
    # by the loyalty engine only. Not tracked: the chatter of a shared
    # partner is read by every company's users. Not indexed, as the other
    # company-dependent figures (see res_partner_payment.py).
    loyalty_tier_id = fields.Many2one(
        "crm.lifecycle.loyalty.tier",
        string="Loyalty Tier",
        company_dependent=True,
        index=False,
        readonly=True,
        copy=False,
        ondelete="set null",
        groups=USER_GROUP,
    )
    loyalty_tier_color = fields.Integer(
        related="loyalty_tier_id.color", groups=USER_GROUP
    )
    loyalty_tier_since = fields.Date(
        string="In Tier Since",
        company_dependent=True,
        index=False,
        readonly=True,
        copy=False,
        groups=USER_GROUP,
    )
    loyalty_tier_review_date = fields.Date(
        string="Next Tier Review",
        company_dependent=True,
        index=False,
        readonly=True,
        copy=False,
        groups=USER_GROUP,
        help="From this day plus the grace period, a customer that no longer "
        "qualifies for its tier goes down.",
    )
    loyalty_next_tier_id = fields.Many2one(
        "crm.lifecycle.loyalty.tier",
        string="Next Tier",
        company_dependent=True,
        index=False,
        readonly=True,
        copy=False,
        groups=USER_GROUP,
    )
    loyalty_next_tier_missing = fields.Float(
        string="Missing for Next Tier",
        company_dependent=True,
        index=False,
        readonly=True,
        copy=False,
        digits=(16, 2),
        groups=USER_GROUP,
        help="Points to earn, or amount to pay, within 12 months to reach "
        "the next tier.",
    )
    loyalty_next_tier_basis = fields.Selection(
        related="loyalty_next_tier_id.basis",
        string="Next Tier Basis",
        groups=USER_GROUP,
    )
    loyalty_previous_pricelist_id = fields.Many2one(
        "product.pricelist",
        string="Pricelist before Tier",
        company_dependent=True,
        index=False,
        readonly=True,
        copy=False,
        groups=USER_GROUP,
        help="Technical: the pricelist given back when the customer leaves "
        "the tiers with a pricelist.",
    )
    loyalty_pricelist_applied = fields.Boolean(
        company_dependent=True,
        index=False,
        readonly=True,
        copy=False,
        groups=USER_GROUP,
    )

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

    @api.depends("commercial_partner_id")
    @api.depends_context("company")
    def _compute_loyalty_card(self):
        # self.env.company is checked against the user's companies (not in
        # sudo mode, hence no compute_sudo): the card is read as superuser
        # (a salesperson has no rights on loyalty programs) but only in it.
        company = self.env.company
        program = company.sudo().lifecycle_loyalty_program_id
        Card = self.env["loyalty.card"].sudo()
        cards = Card
        if program:
            cards = Card.search(
                [
                    ("program_id", "=", program.id),
                    ("partner_id", "in", self.commercial_partner_id.ids),
                ],
                order="id",
            )
        card_by_partner = {}
        for card in cards:
            card_by_partner.setdefault(card.partner_id.id, card)
        for partner in self:
            card = card_by_partner.get(partner.commercial_partner_id.id, Card)
            partner.loyalty_card_id = card.id
            partner.loyalty_points = card.points
            partner.loyalty_history_ids = card.history_ids.ids

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

    def _lifecycle_pass_loyalty(self):
        """The loyalty pass of the pipeline (res_partner_pipeline.py): settle
        the loyalty points of the partners' invoices and move them between
        tiers, set-based, when an event may have moved money."""
        self.env["crm.lifecycle.loyalty.engine"].sudo()._recompute(
            self.commercial_partner_id.sudo()
        )
