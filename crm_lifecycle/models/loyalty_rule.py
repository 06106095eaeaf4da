from odoo import api, models
from odoo.exceptions import ValidationError


class LoyaltyRule(models.Model):
    _inherit = "loyalty.rule"

    @api.constrains("program_id", "active")
    def _check_lifecycle_loyalty_program(self):
        """The lifecycle program earns on payment only: a conditional rule
        would also give points when an order is confirmed, paid or not."""
        rules = self.filtered("active")
        if not rules:
            return
        companies = (
            self.env["res.company"]
            .sudo()
            .search([("lifecycle_loyalty_program_id", "in", rules.program_id.ids)])
        )
        if companies:
            raise ValidationError(
                self.env._(
                    "The loyalty program %(program)s is the customer lifecycle "
                    "program of %(company)s: its customers earn points when "
                    "they pay their invoices, so it cannot have conditional "
                    "rules (they would also give points on confirmed orders). "
                    "Remove its rules or choose another program.",
                    program=companies[0].lifecycle_loyalty_program_id.display_name,
                    company=companies[0].display_name,
                )
            )
