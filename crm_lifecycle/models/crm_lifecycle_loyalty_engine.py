"""The loyalty engine: points earned by paying invoices and tiers on top of
Odoo's loyalty programs. The model is split by job: points
(crm_lifecycle_loyalty_engine_points.py), tiers (..._tiers.py) and expiry
(..._expiry.py); this file holds the entry point and the SQL the parts
share with each other and with the invoices' awarded points."""

from odoo import api, models
from odoo.tools import SQL

POINTS_DIGITS = 2


def money_received_sql(since, where):
    """Rows (partner_id, company_id, amount): money received since
    ``since`` on the customer invoices matching ``where`` (``inv``),
    negative for money refunded on credit notes; an invoice settled by
    a credit note brings no new money."""
    return SQL(
        """
        SELECT inv.commercial_partner_id AS partner_id, inv.company_id,
               CASE WHEN inv.move_type = 'out_invoice'
                    THEN apr.amount ELSE -apr.amount END AS amount
          FROM account_partial_reconcile apr
          JOIN account_move_line il
            ON il.id IN (apr.debit_move_id, apr.credit_move_id)
          JOIN account_move inv ON inv.id = il.move_id
          JOIN account_move_line ol
            ON ol.id = CASE WHEN il.id = apr.debit_move_id
                            THEN apr.credit_move_id
                            ELSE apr.debit_move_id END
          JOIN account_move other ON other.id = ol.move_id
         WHERE %(where)s
           AND inv.move_type IN ('out_invoice', 'out_refund')
           AND inv.state = 'posted'
           AND other.move_type NOT IN ('out_invoice', 'out_refund')
           AND apr.max_date > %(since)s
        """,
        where=where,
        since=since,
    )


def awarded_points_sql(where):
    """Rows (move_id, points): the points each customer invoice or credit
    note has given so far, read from the history lines the module wrote for
    it that match ``where`` (on ``h``, the line, and ``card``, its card).
    The history is the one record of what an invoice gave: a settlement
    credits (or takes back) only the difference with what is paid now."""
    return SQL(
        """
        SELECT h.order_id AS move_id,
               SUM(COALESCE(h.issued, 0) - COALESCE(h.used, 0)) AS points
          FROM loyalty_history h
          JOIN loyalty_card card ON card.id = h.card_id
         WHERE %s
           AND h.order_model = 'account.move'
           AND h.lifecycle_kind IN ('earn', 'take_back')
         GROUP BY h.order_id
        """,
        where,
    )


def round2(expr):
    """SQL for ``float_round(expr, precision_digits=2)`` on a double: the
    value in cents nudged away from zero by ``2**-50`` of itself (the
    epsilon ``float_round`` adds against representation errors), then
    rounded to the nearest integer."""
    return SQL(
        "(round((%s)::float8 * 100.0::float8 * (1.0::float8 + 2.0::float8 ^ -50))"
        " / 100.0::float8)",
        expr,
    )


def invoice_points_sql(base):
    """SQL for the points a customer invoice or credit note ``m`` of the
    company ``c`` is worth now: the company's rate times ``base`` (a double)
    times the part of it that is paid (from the residual: a part paid,
    several payments, a foreign currency), rounded to the cent; nothing
    unless posted."""
    paid_ratio = SQL(
        "LEAST(GREATEST((m.amount_total::float8 - m.amount_residual::float8)"
        " / m.amount_total::float8, 0), 1)"
    )
    return SQL(
        "CASE WHEN m.state = 'posted' AND m.amount_total != 0 THEN %s ELSE 0 END",
        round2(
            SQL(
                "COALESCE(c.lifecycle_loyalty_points_rate, 0)::float8 * %s * %s",
                base,
                paid_ratio,
            )
        ),
    )


def history_description_sql(templates, move_type, delta, name):
    """SQL for the description of a history line: ``templates`` maps
    ``earn``, ``unpaid`` (an invoice no longer paid), ``refund`` (a credit
    note settled) and ``unrefund`` (no longer settled) to the text before
    and after the invoice's name."""
    cases = [
        (SQL("%s = 'out_invoice' AND %s > 0", move_type, delta), "earn"),
        (SQL("%s = 'out_invoice'", move_type), "unpaid"),
        (SQL("%s < 0", delta), "refund"),
    ]
    whens = SQL(" ").join(
        SQL(
            "WHEN %s THEN %s || %s || %s",
            cond,
            templates[key][0],
            name,
            templates[key][1],
        )
        for cond, key in cases
    )
    before, after = templates["unrefund"]
    return SQL("CASE %s ELSE %s || %s || %s END", whens, before, name, after)


class CrmLifecycleLoyaltyEngine(models.AbstractModel):
    """Loyalty points and tiers on top of Odoo's loyalty programs.

    Points are credited to the customer's card of the company's lifecycle
    program when its invoices are paid; the history lines of an invoice say
    how many points it gave, so a settlement only ever credits (or takes
    back) the difference with what is paid now. The events (a reconciliation,
    a posted or cancelled invoice) and the daily scheduled action run the same
    set-based code on a batch of commercial partners.
    """

    _name = "crm.lifecycle.loyalty.engine"
    _description = "Customer Lifecycle Loyalty Rules"

    # ------------------------------------------------------------
    # Entry point
    # ------------------------------------------------------------

    @api.model
    def _recompute(self, partners):
        """Settle the points of these commercial partners' invoices, then
        move them between tiers."""
        partners = partners.filtered(lambda p: p.id == p.commercial_partner_id.id)
        if not partners:
            return
        self._settle_points(partners)
        self._update_tiers(partners)

    # ------------------------------------------------------------
    # Configuration
    # ------------------------------------------------------------

    @api.model
    def _get_program_companies(self):
        """The companies with a lifecycle loyalty program."""
        return (
            self.env["res.company"]
            .sudo()
            .search([("lifecycle_loyalty_program_id", "!=", False)])
        )
