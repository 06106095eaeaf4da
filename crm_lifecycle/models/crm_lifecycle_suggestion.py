from odoo import api, fields, models
from odoo.exceptions import UserError

from .res_partner_retention import RFM_SEGMENTS

METHODS = [
    ("cooccurrence", "Bought Together"),
    ("segment", "Segment Best Seller"),
    ("popular", "Best Seller"),
]


class CrmLifecycleSuggestion(models.Model):
    """A product suggested to a customer of a company, up to five per
    customer and company, rewritten by the scheduled action
    (crm.lifecycle.suggestion.engine): nobody else writes them."""

    _name = "crm.lifecycle.suggestion"
    _description = "Cross-sell Suggestion"
    _order = "company_id, partner_id, rank, id"
    _rec_name = "product_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        readonly=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, ondelete="cascade", readonly=True
    )
    product_id = fields.Many2one(
        "product.product", required=True, ondelete="cascade", readonly=True
    )
    rank = fields.Integer(readonly=True, help="1 is the best suggestion.")
    score = fields.Float(
        readonly=True,
        digits=(16, 4),
        help="Bought together: the sum of the product's similarities (cosine "
        "of the customers who bought both) to the products the customer "
        "bought. Best seller: the share of customers who bought it.",
    )
    method = fields.Selection(METHODS, required=True, readonly=True)
    because_product_id = fields.Many2one(
        "product.product",
        string="Because of",
        ondelete="set null",
        readonly=True,
        help="The product the customer bought that is bought most often "
        "with the suggested one.",
    )
    segment = fields.Selection(RFM_SEGMENTS, string="RFM Segment", readonly=True)
    date = fields.Date(string="Computed On", readonly=True)
    reason = fields.Char(compute="_compute_reason")
    salesperson_id = fields.Many2one(related="partner_id.user_id", string="Salesperson")

    @api.depends("method", "product_id", "because_product_id", "segment")
    def _compute_reason(self):
        _ = self.env._
        segments = dict(self._fields["segment"]._description_selection(self.env))
        for suggestion in self:
            if suggestion.method == "cooccurrence" and suggestion.because_product_id:
                suggestion.reason = _(
                    "Customers who bought %(bought)s also bought %(product)s",
                    bought=suggestion.because_product_id.display_name,
                    product=suggestion.product_id.display_name,
                )
            elif suggestion.method == "segment" and suggestion.segment:
                suggestion.reason = _(
                    "A best seller among %(segment)s customers",
                    segment=segments.get(suggestion.segment, suggestion.segment),
                )
            else:
                suggestion.reason = _("A best seller of the company")

    def action_add_to_order(self):
        """Add the suggested product to the quotation the button was
        clicked on (``lifecycle_order_id`` in the context, the form's
        record): a new order line made through the ORM as the user, on a
        quotation in draft or sent that the user may change, of this
        suggestion's customer and company."""
        self.ensure_one()
        _ = self.env._
        self.check_access("read")
        order_id = self.env.context.get("lifecycle_order_id")
        if not isinstance(order_id, int) or isinstance(order_id, bool):
            raise UserError(_("Open the quotation to add a suggested product to it."))
        order = self.env["sale.order"].browse(order_id).exists()
        if not order:
            raise UserError(_("This quotation does not exist anymore."))
        order.check_access("write")
        if order.state not in ("draft", "sent"):
            raise UserError(
                _(
                    "Suggested products can only be added to a quotation, not "
                    "to %(order)s.",
                    order=order.display_name,
                )
            )
        if (
            self.partner_id != order.partner_id.commercial_partner_id
            or self.company_id != order.company_id
        ):
            raise UserError(
                _(
                    "This suggestion is for %(customer)s, not for the customer of "
                    "%(order)s.",
                    customer=self.partner_id.display_name,
                    order=order.display_name,
                )
            )
        product = self.product_id
        if not (product.active and product.sale_ok):
            raise UserError(
                _("%(product)s cannot be sold anymore.", product=product.display_name)
            )
        if product in order.order_line.product_id:
            raise UserError(
                _(
                    "%(product)s is already on %(order)s.",
                    product=product.display_name,
                    order=order.display_name,
                )
            )
        self.env["sale.order.line"].create(
            {"order_id": order.id, "product_id": product.id}
        )
        return True
