from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmLifecycleComplaintCategory(models.Model):
    """What a complaint is about: who handles it by default and the service
    level it is held to, in working hours of the company's calendar."""

    _name = "crm.lifecycle.complaint.category"
    _description = "Complaint Category"
    _order = "name, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    user_id = fields.Many2one(
        "res.users",
        string="Default Owner",
        domain=[("share", "=", False)],
        help="The owner of a new case of this category.",
    )
    response_target_hours = fields.Float(
        string="Response Target (working hours)",
        default=8.0,
        help="First answer to the customer within this many working hours.",
    )
    resolution_target_hours = fields.Float(
        string="Resolution Target (working hours)",
        default=40.0,
        help="Resolved within this many working hours, time waiting on the "
        "customer excluded.",
    )
    company_id = fields.Many2one("res.company", string="Company", index=True)

    @api.constrains("response_target_hours", "resolution_target_hours")
    def _check_targets(self):
        for category in self:
            if (
                category.response_target_hours <= 0
                or category.resolution_target_hours <= 0
            ):
                raise ValidationError(
                    self.env._(
                        "The response and resolution targets of the complaint "
                        'category "%(category)s" must be more than 0 hours.',
                        category=category.name,
                    )
                )
