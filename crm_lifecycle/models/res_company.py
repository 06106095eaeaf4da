from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .crm_lifecycle_settings import COMPANY_BOUNDS, check_bounds, check_vals_bounds


class ResCompany(models.Model):
    _inherit = "res.company"

    lifecycle_loyalty_program_id = fields.Many2one(
        "loyalty.program",
        string="Lifecycle Loyalty Program",
        domain="[('program_type', '=', 'loyalty'), "
        "('company_id', 'in', [id, False])]",
        help="The loyalty program whose cards receive the points customers "
        "earn by paying their invoices.",
    )
    lifecycle_loyalty_points_rate = fields.Float(
        string="Points per Currency Unit Paid",
        default=1.0,
        digits=(16, 4),
    )
    lifecycle_loyalty_points_basis = fields.Selection(
        [("untaxed", "Untaxed amount"), ("taxed", "Amount with taxes")],
        string="Points Basis",
        default="untaxed",
        required=True,
    )
    lifecycle_loyalty_category_ids = fields.Many2many(
        "product.category",
        "res_company_lifecycle_loyalty_category_rel",
        "company_id",
        "category_id",
        string="Earning Product Categories",
        help="Only invoice lines of these categories (and their "
        "subcategories) earn points. Empty: every line earns.",
    )
    lifecycle_loyalty_expiry_months = fields.Integer(
        string="Points Expire After (months)",
        default=0,
        help="0: points never expire.",
    )
    lifecycle_loyalty_expiry_warning_days = fields.Integer(
        string="Expiry Warning (days before)",
        default=30,
        help="The customer is e-mailed this many days before points expire. "
        "0: no warning.",
    )
    lifecycle_loyalty_review_months = fields.Integer(
        string="Tier Review Every (months)",
        default=12,
    )
    lifecycle_loyalty_grace_days = fields.Integer(
        string="Tier Grace Period (days)",
        default=30,
        help="Days after a review during which a customer that no longer "
        "qualifies keeps its tier and can requalify.",
    )
    lifecycle_loyalty_tier_mail = fields.Boolean(
        string="E-mail Tier Changes",
        help="E-mail the customer when its loyalty tier changes.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        check_vals_bounds(self, vals_list, COMPANY_BOUNDS)
        companies = super().create(vals_list)
        # Builds the partner list's filter indexes of the new companies: it
        # holds a write lock on res_partner for as long as it reads the
        # table, once per index: creating a company holds back partner
        # writes for a time that grows with the partners.
        self.env["res.partner"]._lifecycle_create_filter_indexes(companies)
        return companies

    def write(self, vals):
        check_vals_bounds(self, [vals], COMPANY_BOUNDS)
        return super().write(vals)

    # ------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------

    @api.constrains(*COMPANY_BOUNDS)
    def _check_lifecycle_loyalty_figures(self):
        for company in self:
            for fname, bounds in COMPANY_BOUNDS.items():
                check_bounds(company, fname, company[fname], *bounds)

    @api.constrains("lifecycle_loyalty_program_id")
    def _check_lifecycle_loyalty_program(self):
        for company in self:
            program = company.lifecycle_loyalty_program_id
            if not program:
                continue
            if program.program_type != "loyalty":
                raise ValidationError(
                    self.env._(
                        "The lifecycle loyalty program %(program)s must be a "
                        "program of type Loyalty Cards.",
                        program=program.display_name,
                    )
                )
            if program.company_id and program.company_id != company:
                raise ValidationError(
                    self.env._(
                        "The lifecycle loyalty program %(program)s belongs to "
                        "another company.",
                        program=program.display_name,
                    )
                )
            program.rule_ids._check_lifecycle_loyalty_program()
