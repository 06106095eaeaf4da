from odoo import api, fields, models

from .res_partner_pipeline import PASS_LOYALTY, PASS_PAYMENT, PASS_PHASE

# What an invoice, a credit note or a payment can change on its customer:
# not its complaint figures.
INVOICE_PASSES = frozenset({PASS_PHASE, PASS_PAYMENT, PASS_LOYALTY})


class AccountMove(models.Model):
    _inherit = "account.move"  # pylint: disable=consider-merging-classes-inherited

    payment_warning = fields.Char(compute="_compute_payment_warning")

    @api.depends("partner_id", "company_id", "state", "move_type")
    def _compute_payment_warning(self):
        for move in self:
            move.payment_warning = (
                move.move_type == "out_invoice" and move.state == "draft"
            ) and move.partner_id._payment_warning_message(
                move.company_id or self.env.company
            )

    def write(self, vals):
        # Posting, resetting to draft and cancelling all write the state.
        touched = {"state", "partner_id"} & vals.keys()
        before = self._lifecycle_customer_partners() if touched else None
        result = super().write(vals)
        if touched:
            # Posting moves no money: loyalty points and tiers stay (they
            # move on payment, or when a paid invoice is cancelled).
            posting = vals.get("state") == "posted" and "partner_id" not in vals
            (before | self._lifecycle_customer_partners())._lifecycle_mark_pending(
                frozenset({PASS_PHASE, PASS_PAYMENT}) if posting else INVOICE_PASSES
            )
        return result

    def _lifecycle_customer_partners(self):
        return self.filtered(
            lambda move: move.move_type in ("out_invoice", "out_refund")
        ).commercial_partner_id


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    # A reconciliation changes payment_state (paid, reversed by a credit
    # note), which Odoo computes without calling write().

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        partials._lifecycle_partners()._lifecycle_mark_pending(
            partials._lifecycle_passes()
        )
        return partials

    def unlink(self):
        partners, passes = self._lifecycle_partners(), self._lifecycle_passes()
        result = super().unlink()
        partners._lifecycle_mark_pending(passes)
        return result

    def _lifecycle_passes(self):
        """A payment moves money, not the phase; a credit note matched with
        an invoice may reverse it, which takes it out of the phase rules."""
        customer_documents = ("out_invoice", "out_refund")
        for partial in self:
            if (
                partial.debit_move_id.move_id.move_type in customer_documents
                and partial.credit_move_id.move_id.move_type in customer_documents
            ):
                return INVOICE_PASSES
        return frozenset({PASS_PAYMENT, PASS_LOYALTY})

    def _lifecycle_partners(self):
        lines = self.debit_move_id | self.credit_move_id
        return lines.filtered(
            lambda line: line.move_id.move_type in ("out_invoice", "out_refund")
        ).move_id.commercial_partner_id
