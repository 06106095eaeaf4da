"""Benchmark data for crm_lifecycle, made in bulk by SQL from a few records
the ORM made for real (Odoo creates about 60 invoices a second; a million
would take hours).

Every bulk row is a copy of an ORM-made template row with a few columns
overridden, so that all the columns Odoo fills (journal, accounts, currency,
sequence prefix...) are real.  ``check_consistency`` verifies what Odoo
itself would expect of the result: balanced moves, partial reconciliations
that match the residuals, and a ``payment_state`` that agrees with them.
"""

import logging
import time
from datetime import timedelta

from odoo import Command, fields
from odoo.tools import SQL

from odoo.addons.crm_lifecycle.models.engine_path import events_held

from .floor_loyalty import BASELINE_PARAM, history_description, round2

_logger = logging.getLogger("crm_lifecycle.bench")

SEED = 0.42


def _columns(cr, table):
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = %s AND column_name <> 'id'"
        " ORDER BY ordinal_position",
        [table],
    )
    return [name for (name,) in cr.fetchall()]


def clone(cr, table, template_id, source, overrides):
    """Copy row ``template_id`` of ``table`` once per row of ``source`` (an
    SQL query aliased ``s`` that yields at least ``new_id``), with the given
    columns overridden by SQL expressions over ``t`` (template) and ``s``."""
    columns = _columns(cr, table)
    select = [SQL(overrides.get(col, f"t.{col}")) for col in columns]
    cr.execute(
        SQL(
            "INSERT INTO %s (id, %s) SELECT s.new_id, %s FROM %s t, (%s) s"
            " WHERE t.id = %s",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(col) for col in columns),
            SQL(", ").join(select),
            SQL.identifier(table),
            source,
            template_id,
        )
    )
    return cr.rowcount


def _next_id(cr, table):
    cr.execute(SQL("SELECT COALESCE(MAX(id), 0) + 1 FROM %s", SQL.identifier(table)))
    return cr.fetchone()[0]


def _full_reconciles(cr, source):
    """One account_full_reconcile per row ``n`` of ``source``, with ids
    ``base + n``; returns the base."""
    base = _next_id(cr, "account_full_reconcile")
    cr.execute(
        SQL(
            "INSERT INTO account_full_reconcile"
            " (id, create_uid, write_uid, create_date, write_date)"
            " SELECT %s + s.n, 1, 1, now(), now() FROM (%s) s",
            base,
            source,
        )
    )
    return base


def _reset_accounting_sequences(cr):
    for table in (
        "account_move",
        "account_move_line",
        "account_full_reconcile",
        "account_partial_reconcile",
    ):
        _reset_sequence(cr, table)


def _reset_sequence(cr, table):
    cr.execute(
        SQL(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'),"
            " (SELECT COALESCE(MAX(id), 1) FROM %s))",
            table,
            SQL.identifier(table),
        )
    )


class Templates:
    """The records the ORM makes for real, then copied in bulk."""

    @events_held()
    def __init__(self, env):
        self.env = env
        ctx = {"tracking_disable": True}
        env = env(context=dict(env.context, **ctx))
        company = env.company
        self.product = env["product.product"].create(
            {"name": "Bench Product", "list_price": 100.0, "taxes_id": False}
        )
        self.partner = env["res.partner"].create(
            {"name": "Bench Template Customer", "is_company": True}
        )
        self.contact = env["res.partner"].create(
            {"name": "Bench Template Contact", "parent_id": self.partner.id}
        )
        self.invoice = self._invoice(env, "2024-01-01")
        self.refund = self.invoice._reverse_moves(
            [{"invoice_date": self.invoice.invoice_date}], cancel=False
        )
        self.refund.action_post()
        paid = self._invoice(env, "2024-01-01")
        env["account.payment.register"].with_context(
            active_model="account.move", active_ids=paid.ids
        ).create({"payment_date": "2024-01-10"})._create_payments()
        receivable = paid.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        partial = receivable.matched_credit_ids
        self.partial = partial
        self.payment_line = partial.credit_move_id
        self.payment_move = self.payment_line.move_id
        self.payment_counterpart = (self.payment_move.line_ids - self.payment_line)[:1]
        self.full_reconcile = receivable.full_reconcile_id
        self.lead = env["crm.lead"].create(
            {
                "name": "Bench Opportunity",
                "type": "opportunity",
                "partner_id": self.partner.id,
            }
        )
        self.order = env["sale.order"].create(
            {
                "partner_id": self.partner.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.product.id, "product_uom_qty": 1}
                    )
                ],
            }
        )
        self.company = company
        env.flush_all()

    def _invoice(self, env, date):
        invoice = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.partner.id,
                "invoice_date": date,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product.id,
                            "price_unit": 100.0,
                            "tax_ids": [],
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        return invoice

    def line(self, move, kind):
        if kind == "receivable":
            return move.line_ids.filtered(
                lambda line: line.account_id.account_type == "asset_receivable"
            )
        return move.line_ids.filtered(lambda line: line.display_type == "product")


def build(env, customers, invoices):
    """Fill the database with ``customers`` customers (half of them
    companies with a contact) and ``invoices`` posted customer invoices with
    their payments, credit notes, opportunities and orders."""
    cr = env.cr
    started = time.time()
    tpl = Templates(env)
    cr.execute("SELECT setseed(%s)", [SEED])
    today = fields.Date.context_today(env["res.partner"])

    # Customers and contacts -------------------------------------------------
    base = _next_id(cr, "res_partner")
    cr.execute(
        """
        CREATE TEMP TABLE bench_customer ON COMMIT DROP AS
        SELECT %(base)s + n AS new_id, n,
               %(base)s + %(count)s + n AS contact_id,
               mod(n, 2) = 0 AS has_contact,
               (random() * 1.5)::float AS activity
          FROM generate_series(0, %(count)s - 1) n
        """,
        {"base": base, "count": customers},
    )
    clone(
        cr,
        "res_partner",
        tpl.partner.id,
        SQL("SELECT * FROM bench_customer"),
        {
            "name": "'Bench Customer ' || s.n",
            "complete_name": "'Bench Customer ' || s.n",
            "commercial_partner_id": "s.new_id",
            "email": "'bench' || s.n || '@example.com'",
            # As Odoo computes it: the mail gateway finds a sender by it.
            "email_normalized": "'bench' || s.n || '@example.com'",
            "create_date": "now() - ((mod(s.n, 900)) || ' days')::interval",
            "lifecycle_phase": "NULL",
            "lifecycle_phase_since": "NULL",
        },
    )
    clone(
        cr,
        "res_partner",
        tpl.contact.id,
        SQL(
            "SELECT contact_id AS new_id, new_id AS parent, n FROM bench_customer"
            " WHERE has_contact"
        ),
        {
            "name": "'Bench Contact ' || s.n",
            "complete_name": "'Bench Customer ' || s.n || ', Bench Contact ' || s.n",
            "parent_id": "s.parent",
            "commercial_partner_id": "s.parent",
            "lifecycle_phase": "NULL",
            "lifecycle_phase_since": "NULL",
        },
    )
    _reset_sequence(cr, "res_partner")

    # Invoices: one move, a product line, one or two receivable installments --
    move_base = _next_id(cr, "account_move")
    cr.execute(
        """
        CREATE TEMP TABLE bench_invoice ON COMMIT DROP AS
        SELECT %(move_base)s + g.i AS new_id, g.i,
               c.new_id AS partner_id,
               %(today)s::date - (random() * 730)::int AS invoice_date,
               round((50 + random() * 950)::numeric, 2) AS amount,
               random() < 0.1 AS split,
               random() AS fate,
               random() AS delay
          FROM (
              -- Some customers buy much more often than others.
              SELECT i, floor(%(customers)s * power(random(), 1.3))::int AS n
                FROM generate_series(0, %(count)s - 1) i
               OFFSET 0
          ) g
          JOIN bench_customer c ON c.n = g.n
        """,
        {
            "move_base": move_base,
            "count": invoices,
            "customers": customers,
            "today": today,
        },
    )
    clone(
        cr,
        "account_move",
        tpl.invoice.id,
        SQL("SELECT * FROM bench_invoice"),
        {
            "name": "'BENCH/INV/' || s.i",
            "sequence_number": "s.i + 1",
            "sequence_prefix": "'BENCH/INV/'",
            "partner_id": "s.partner_id",
            "commercial_partner_id": "s.partner_id",
            "date": "s.invoice_date",
            "invoice_date": "s.invoice_date",
            "invoice_date_due": "s.invoice_date + 30",
            "amount_untaxed": "s.amount",
            "amount_total": "s.amount",
            "amount_residual": "s.amount",
            "amount_untaxed_signed": "s.amount",
            "amount_untaxed_in_currency_signed": "s.amount",
            "amount_total_signed": "s.amount",
            "amount_total_in_currency_signed": "s.amount",
            "amount_residual_signed": "s.amount",
            "invoice_partner_display_name": "'Bench Customer'",
            "access_token": "NULL",
            "inalterable_hash": "NULL",
            "secure_sequence_number": "NULL",
        },
    )
    line_base = _next_id(cr, "account_move_line")
    cr.execute(
        """
        CREATE TEMP TABLE bench_installment ON COMMIT DROP AS
        SELECT %(line_base)s + row_number() OVER (ORDER BY i.new_id, k) AS new_id,
               i.new_id AS move_id, i.partner_id, i.invoice_date, i.fate, i.delay,
               k AS installment,
               CASE WHEN NOT i.split THEN i.amount
                    WHEN k = 1 THEN round(i.amount * 0.3, 2)
                    ELSE i.amount - round(i.amount * 0.3, 2) END AS amount,
               i.invoice_date + CASE WHEN i.split AND k = 2 THEN 60 ELSE 30 END
                   AS due
          FROM bench_invoice i
          CROSS JOIN generate_series(1, 2) k
         WHERE k = 1 OR i.split
        """,
        {"line_base": line_base},
    )
    receivable = tpl.line(tpl.invoice, "receivable")
    line_overrides = {
        "move_name": f"'BENCH/INV/' || (s.move_id - {move_base})",
        "partner_id": "s.partner_id",
        "date": "s.invoice_date",
        "invoice_date": "s.invoice_date",
        "matching_number": "NULL",
        "full_reconcile_id": "NULL",
        "reconciled": "false",
    }
    clone(
        cr,
        "account_move_line",
        receivable.id,
        SQL("SELECT * FROM bench_installment"),
        dict(
            line_overrides,
            move_id="s.move_id",
            date_maturity="s.due",
            debit="s.amount",
            credit="0",
            balance="s.amount",
            amount_currency="s.amount",
            amount_residual="s.amount",
            amount_residual_currency="s.amount",
            price_unit="-s.amount",
            price_subtotal="-s.amount",
            price_total="-s.amount",
        ),
    )
    product_base = _next_id(cr, "account_move_line")
    clone(
        cr,
        "account_move_line",
        tpl.line(tpl.invoice, "product").id,
        SQL(
            "SELECT %s + row_number() OVER (ORDER BY new_id) AS new_id,"
            " new_id AS move_id, partner_id, invoice_date, amount"
            " FROM bench_invoice",
            product_base,
        ),
        dict(
            line_overrides,
            move_id="s.move_id",
            debit="0",
            credit="s.amount",
            balance="-s.amount",
            amount_currency="-s.amount",
            price_unit="s.amount",
            price_subtotal="s.amount",
            price_total="s.amount",
        ),
    )
    _reset_sequence(cr, "account_move")

    # Payments: 60 % on time, 15 % late, 5 % half paid, 20 % open; reversed
    # invoices (2 %) are settled by a credit note instead. -----------------
    cr.execute(
        """
        CREATE TEMP TABLE bench_payment ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY inst.new_id) AS n,
               inst.new_id AS invoice_line_id, inst.move_id AS invoice_id,
               inst.partner_id,
               CASE WHEN inst.fate < 0.80 THEN inst.amount
                    ELSE round(inst.amount / 2, 2) END AS amount,
               CASE WHEN inst.fate < 0.60
                    THEN inst.due - (inst.delay * 20)::int
                    ELSE inst.due + (inst.delay * 60)::int END AS paid_on,
               inst.fate < 0.80 AS is_full
          FROM bench_installment inst
         WHERE inst.fate < 0.85
        """
    )
    cr.execute("UPDATE bench_payment SET paid_on = LEAST(paid_on, %s)", [today])
    pay_move_base = _next_id(cr, "account_move")
    cr.execute("SELECT COUNT(*) FROM bench_payment")
    payments = cr.fetchone()[0]
    clone(
        cr,
        "account_move",
        tpl.payment_move.id,
        SQL(
            "SELECT %s + n AS new_id, n, partner_id, paid_on, amount"
            " FROM bench_payment",
            pay_move_base,
        ),
        {
            "name": "'BENCH/PAY/' || s.n",
            "sequence_number": "s.n",
            "sequence_prefix": "'BENCH/PAY/'",
            "partner_id": "s.partner_id",
            "commercial_partner_id": "s.partner_id",
            "date": "s.paid_on",
            "amount_total": "s.amount",
            "amount_total_signed": "s.amount",
            "amount_total_in_currency_signed": "s.amount",
            "origin_payment_id": "NULL",
            "access_token": "NULL",
            "inalterable_hash": "NULL",
            "secure_sequence_number": "NULL",
        },
    )
    pay_line_base = _next_id(cr, "account_move_line")
    pay_overrides = {
        "move_id": f"{pay_move_base} + s.n",
        "move_name": "'BENCH/PAY/' || s.n",
        "partner_id": "s.partner_id",
        "date": "s.paid_on",
        "date_maturity": "s.paid_on",
        "payment_id": "NULL",
        "matching_number": "NULL",
        "full_reconcile_id": "NULL",
    }
    clone(
        cr,
        "account_move_line",
        tpl.payment_line.id,
        SQL("SELECT %s + n AS new_id, * FROM bench_payment", pay_line_base),
        dict(
            pay_overrides,
            debit="0",
            credit="s.amount",
            balance="-s.amount",
            amount_currency="-s.amount",
            amount_residual="0",
            amount_residual_currency="0",
            reconciled="true",
        ),
    )
    clone(
        cr,
        "account_move_line",
        tpl.payment_counterpart.id,
        SQL(
            "SELECT %s + n AS new_id, * FROM bench_payment",
            pay_line_base + payments,
        ),
        dict(
            pay_overrides,
            debit="s.amount",
            credit="0",
            balance="s.amount",
            amount_currency="s.amount",
        ),
    )
    full_base = _full_reconciles(cr, SQL("SELECT n FROM bench_payment WHERE is_full"))
    partial_base = _next_id(cr, "account_partial_reconcile")
    clone(
        cr,
        "account_partial_reconcile",
        tpl.partial.id,
        SQL(
            "SELECT %s + n AS new_id, * FROM bench_payment",
            partial_base,
        ),
        {
            "debit_move_id": "s.invoice_line_id",
            "credit_move_id": f"{pay_line_base} + s.n",
            "full_reconcile_id": f"CASE WHEN s.is_full THEN {full_base} + s.n END",
            "max_date": "s.paid_on",
            "amount": "s.amount",
            "debit_amount_currency": "s.amount",
            "credit_amount_currency": "s.amount",
        },
    )
    cr.execute(
        """
        UPDATE account_move_line l
           SET amount_residual = l.debit - p.amount,
               amount_residual_currency = l.debit - p.amount,
               reconciled = p.is_full,
               full_reconcile_id = CASE WHEN p.is_full THEN %(full)s + p.n END,
               matching_number = CASE WHEN p.is_full THEN 'B' || p.n ELSE 'P' || p.n END
          FROM bench_payment p
         WHERE l.id = p.invoice_line_id
        """,
        {"full": full_base},
    )
    cr.execute(
        """
        UPDATE account_move_line l
           SET full_reconcile_id = CASE WHEN p.is_full THEN %(full)s + p.n END,
               matching_number = CASE WHEN p.is_full THEN 'B' || p.n ELSE 'P' || p.n END
          FROM bench_payment p
         WHERE l.id = %(base)s + p.n
        """,
        {"full": full_base, "base": pay_line_base},
    )
    _reset_accounting_sequences(cr)
    _reverse_some(cr, tpl, today)
    _settle_invoice_states(cr, move_base, pay_move_base)
    _deals(cr, tpl, customers)
    program = _loyalty_program(env, tpl)
    _loyalty_members(env, tpl, program, today)
    _survey_answers(env, tpl, customers)
    build_complaints(env)
    env.invalidate_all()
    _logger.info(
        "built %s customers, %s invoices in %.1fs",
        customers,
        invoices,
        time.time() - started,
    )


def _reverse_some(cr, tpl, today):
    """2 % of the open invoices are cancelled by a credit note reconciled
    with them: Odoo marks such an invoice 'reversed'."""
    cr.execute(
        """
        CREATE TEMP TABLE bench_reversal ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY i.new_id) AS n, i.new_id AS invoice_id,
               i.partner_id, i.invoice_date, i.amount, inst.new_id AS line_id
          FROM bench_invoice i
          JOIN bench_installment inst ON inst.move_id = i.new_id
         WHERE NOT i.split AND i.fate >= 0.85 AND i.delay < 0.13
        """
    )
    move_base = _next_id(cr, "account_move")
    clone(
        cr,
        "account_move",
        tpl.refund.id,
        SQL("SELECT %s + n AS new_id, * FROM bench_reversal", move_base),
        {
            "name": "'BENCH/RINV/' || s.n",
            "sequence_number": "s.n",
            "sequence_prefix": "'BENCH/RINV/'",
            "partner_id": "s.partner_id",
            "commercial_partner_id": "s.partner_id",
            "reversed_entry_id": "s.invoice_id",
            "date": "s.invoice_date",
            "invoice_date": "s.invoice_date",
            "invoice_date_due": "s.invoice_date",
            "amount_untaxed": "s.amount",
            "amount_total": "s.amount",
            "amount_residual": "0",
            "amount_untaxed_signed": "-s.amount",
            "amount_untaxed_in_currency_signed": "-s.amount",
            "amount_total_signed": "-s.amount",
            "amount_total_in_currency_signed": "-s.amount",
            "amount_residual_signed": "0",
            "payment_state": "'paid'",
            "access_token": "NULL",
            "inalterable_hash": "NULL",
            "secure_sequence_number": "NULL",
        },
    )
    line_base = _next_id(cr, "account_move_line")
    refund_overrides = {
        "move_id": f"{move_base} + s.n",
        "move_name": "'BENCH/RINV/' || s.n",
        "partner_id": "s.partner_id",
        "date": "s.invoice_date",
        "invoice_date": "s.invoice_date",
        "matching_number": "'R' || s.n",
        "full_reconcile_id": "NULL",
    }
    cr.execute("SELECT COUNT(*) FROM bench_reversal")
    count = cr.fetchone()[0]
    clone(
        cr,
        "account_move_line",
        tpl.line(tpl.refund, "receivable").id,
        SQL("SELECT %s + n AS new_id, * FROM bench_reversal", line_base),
        dict(
            refund_overrides,
            date_maturity="s.invoice_date",
            debit="0",
            credit="s.amount",
            balance="-s.amount",
            amount_currency="-s.amount",
            amount_residual="0",
            amount_residual_currency="0",
            price_unit="s.amount",
            price_subtotal="s.amount",
            price_total="s.amount",
            reconciled="true",
        ),
    )
    clone(
        cr,
        "account_move_line",
        tpl.line(tpl.refund, "product").id,
        SQL("SELECT %s + n AS new_id, * FROM bench_reversal", line_base + count),
        dict(
            refund_overrides,
            debit="s.amount",
            credit="0",
            balance="s.amount",
            amount_currency="s.amount",
            price_unit="s.amount",
            price_subtotal="s.amount",
            price_total="s.amount",
        ),
    )
    full_base = _full_reconciles(cr, SQL("SELECT n FROM bench_reversal"))
    partial_base = _next_id(cr, "account_partial_reconcile")
    clone(
        cr,
        "account_partial_reconcile",
        tpl.partial.id,
        SQL("SELECT %s + n AS new_id, * FROM bench_reversal", partial_base),
        {
            "debit_move_id": "s.line_id",
            "credit_move_id": f"{line_base} + s.n",
            "full_reconcile_id": f"{full_base} + s.n",
            "max_date": "s.invoice_date",
            "amount": "s.amount",
            "debit_amount_currency": "s.amount",
            "credit_amount_currency": "s.amount",
        },
    )
    cr.execute(
        """
        UPDATE account_move_line l
           SET amount_residual = 0, amount_residual_currency = 0,
               reconciled = true, full_reconcile_id = %(full)s + r.n,
               matching_number = 'R' || r.n
          FROM bench_reversal r
         WHERE l.id = r.line_id OR l.id = %(base)s + r.n
        """,
        {"full": full_base, "base": line_base},
    )
    _reset_accounting_sequences(cr)


def _settle_invoice_states(cr, first_invoice, first_payment):
    """amount_residual and payment_state of the bulk invoices, from their
    receivable lines, the way Odoo computes them."""
    cr.execute(
        """
        UPDATE account_move m
           SET amount_residual = r.residual,
               amount_residual_signed = r.residual,
               payment_state = CASE
                   WHEN r.reversed THEN 'reversed'
                   WHEN r.residual = 0 THEN 'paid'
                   WHEN r.residual < m.amount_total THEN 'partial'
                   ELSE 'not_paid' END
          FROM (
              SELECT l.move_id, SUM(l.amount_residual) AS residual,
                     BOOL_OR(l.matching_number LIKE 'R%%') AS reversed
                FROM account_move_line l
                JOIN account_account a ON a.id = l.account_id
               WHERE l.move_id >= %s AND l.move_id < %s
                 AND a.account_type = 'asset_receivable'
               GROUP BY l.move_id
          ) r
         WHERE m.id = r.move_id
        """,
        [first_invoice, first_payment],
    )


def _deals(cr, tpl, customers):
    """Opportunities for 30 % of the customers (a third of them lost) and
    quotations or orders for 20 %."""
    base = _next_id(cr, "crm_lead")
    clone(
        cr,
        "crm_lead",
        tpl.lead.id,
        SQL(
            "SELECT %s + n AS new_id, n, new_id AS partner_id FROM bench_customer"
            " WHERE mod(n, 10) < 3",
            base,
        ),
        {
            "name": "'Bench Deal ' || s.n",
            "partner_id": "s.partner_id",
            "active": "mod(s.n, 10) <> 0",
            "probability": "CASE WHEN mod(s.n, 10) = 0 THEN 0 ELSE t.probability END",
            "create_date": "now() - ((mod(s.n, 700)) || ' days')::interval",
        },
    )
    _reset_sequence(cr, "crm_lead")
    base = _next_id(cr, "sale_order")
    clone(
        cr,
        "sale_order",
        tpl.order.id,
        SQL(
            "SELECT %s + n AS new_id, n, new_id AS partner_id FROM bench_customer"
            " WHERE mod(n, 10) IN (3, 4)",
            base,
        ),
        {
            "name": "'BENCH/SO/' || s.n",
            "partner_id": "s.partner_id",
            "partner_invoice_id": "s.partner_id",
            "partner_shipping_id": "s.partner_id",
            "state": "CASE WHEN mod(s.n, 10) = 3 THEN 'draft' ELSE 'sale' END",
            "access_token": "NULL",
            "create_date": "now() - ((mod(s.n, 600)) || ' days')::interval",
        },
    )
    _reset_sequence(cr, "sale_order")


# Loyalty: the company's program, its tiers and the customers that were
# already members -----------------------------------------------------------

LOYALTY_RATE = 0.1
LOYALTY_EXPIRY_MONTHS = 24
# (name, sequence, threshold in points earned over 12 months): with a point
# per 10 paid and invoices of 50 to 1,000 (about 45 points each once paid),
# three or four invoices a year make a Bronze customer, ten a Gold one. At
# 6 to 10 invoices per customer, from a quarter to a tenth of the customers
# stay below Bronze and a tenth to a third reach Gold.
LOYALTY_TIERS = [("Bronze", 10, 150.0), ("Silver", 20, 300.0), ("Gold", 30, 450.0)]
# The customers whose number ends in 7, 8 or 9 (30 %) were members before
# the module's first recompute.
MEMBER_SQL = "mod(c.n, 10) >= 7"
MEMBER_SETTLED_DAYS = 30


@events_held()
def _loyalty_program(env, tpl):
    """The company's lifecycle loyalty program as a business sets it up: a
    point per 10 paid (untaxed), points expiring after 24 months, and the
    shipped tiers cut down to Bronze, Silver and Gold with thresholds that
    split the bench customers (the others are archived)."""
    ctx = {"tracking_disable": True}
    env = env(context=dict(env.context, **ctx))
    company = tpl.company.with_env(env)
    program = env["loyalty.program"].create(
        {
            "name": "Bench Lifecycle Points",
            "program_type": "loyalty",
            "company_id": company.id,
            "rule_ids": [],
            "communication_plan_ids": [],
        }
    )
    company.write(
        {
            "lifecycle_loyalty_program_id": program.id,
            "lifecycle_loyalty_points_rate": LOYALTY_RATE,
            "lifecycle_loyalty_points_basis": "untaxed",
            "lifecycle_loyalty_expiry_months": LOYALTY_EXPIRY_MONTHS,
            "lifecycle_loyalty_tier_mail": False,
        }
    )
    Tier = env["crm.lifecycle.loyalty.tier"].with_context(active_test=False)
    Tier.search([("company_id", "=", company.id)]).write({"active": False})
    # Ascending, so that every write agrees with the tiers already active.
    for name, sequence, threshold in LOYALTY_TIERS:
        values = {
            "name": name,
            "sequence": sequence,
            "threshold": threshold,
            "basis": "points",
            "company_id": company.id,
            "pricelist_id": False,
            "active": True,
        }
        shipped = env.ref(
            f"crm_lifecycle.crm_lifecycle_loyalty_tier_{name.lower()}",
            raise_if_not_found=False,
        )
        if shipped and shipped.company_id == company:
            shipped.write(values)
        else:
            Tier.create(values)
    return program


@events_held()
def _loyalty_members(env, tpl, program, today):
    """30 % of the customers were members before the module's first
    recompute: their invoices settled more than 30 days ago already gave
    their points, on a card whose history is dated when they were earned
    and says what each of those invoices gave, so that the recompute only
    awards what was paid since, and nothing twice.

    The template rows are the module's own: the engine settles the template
    customer's invoices. The last card and history ids made here are kept
    (``floor_loyalty.BASELINE_PARAM``): what comes after them is output."""
    cr = env.cr
    ctx = {"tracking_disable": True}
    env = env(context=dict(env.context, **ctx))
    engine = env["crm.lifecycle.loyalty.engine"].sudo()
    engine._settle_points(tpl.partner.with_env(env))
    env.flush_all()
    card = env["loyalty.card"].search(
        [("program_id", "=", program.id), ("partner_id", "=", tpl.partner.id)],
        limit=1,
    )
    history = card.history_ids[:1]
    if not history:
        return
    ratio = SQL(
        "LEAST(GREATEST((m.amount_total::float8 - m.amount_residual::float8)"
        " / m.amount_total::float8, 0), 1)"
    )
    cr.execute(
        SQL(
            """
            CREATE TEMP TABLE bench_loyalty_move ON COMMIT DROP AS
            SELECT m.id AS move_id, m.commercial_partner_id AS partner_id,
                   m.move_type, m.name, settled.day,
                   %(points)s AS points
              FROM account_move m
              JOIN bench_customer c ON c.new_id = m.commercial_partner_id
              JOIN (
                  SELECT move_id, MAX(day) AS day FROM (
                      SELECT l.move_id, MAX(apr.max_date) AS day
                        FROM account_partial_reconcile apr
                        JOIN account_move_line l ON l.id = apr.debit_move_id
                       GROUP BY l.move_id
                      UNION ALL
                      SELECT l.move_id, MAX(apr.max_date)
                        FROM account_partial_reconcile apr
                        JOIN account_move_line l ON l.id = apr.credit_move_id
                       GROUP BY l.move_id) d
                   GROUP BY move_id
              ) settled ON settled.move_id = m.id
             WHERE %(member)s
               AND m.move_type IN ('out_invoice', 'out_refund')
               AND m.state = 'posted' AND m.amount_total != 0
               AND settled.day <= %(until)s
            """,
            points=round2(
                SQL(
                    "%s::float8 * m.amount_untaxed_signed::float8 * %s",
                    LOYALTY_RATE,
                    ratio,
                )
            ),
            member=SQL(MEMBER_SQL),
            until=today - timedelta(days=MEMBER_SETTLED_DAYS),
        )
    )
    cr.execute("DELETE FROM bench_loyalty_move WHERE points = 0")
    cr.execute(
        """
        CREATE TEMP TABLE bench_loyalty_card ON COMMIT DROP AS
        SELECT %(base)s + row_number() OVER (ORDER BY partner_id) AS new_id,
               partner_id, points, since
          FROM (SELECT partner_id, SUM(points) AS points, MIN(day) AS since
                  FROM bench_loyalty_move GROUP BY partner_id) p
        """,
        {"base": _next_id(cr, "loyalty_card") - 1},
    )
    clone(
        cr,
        "loyalty_card",
        card.id,
        SQL(
            "SELECT new_id, partner_id, %s AS points, since FROM bench_loyalty_card",
            round2(SQL("points")),
        ),
        {
            "partner_id": "s.partner_id",
            "points": "s.points",
            "code": "'044' || substr(md5(random()::text || s.new_id), 1, 11)",
            "create_date": "s.since",
            "write_date": "s.since",
        },
    )
    clone(
        cr,
        "loyalty_history",
        history.id,
        SQL(
            """
            SELECT %s + row_number() OVER (ORDER BY bc.new_id, m.day, m.move_id)
                       AS new_id,
                   bc.new_id AS card_id, m.*, %s AS description
              FROM bench_loyalty_move m
              JOIN bench_loyalty_card bc ON bc.partner_id = m.partner_id
            """,
            _next_id(cr, "loyalty_history") - 1,
            history_description(cr, SQL("m.move_type"), SQL("m.points"), SQL("m.name")),
        ),
        {
            "card_id": "s.card_id",
            "description": "s.description",
            "issued": "GREATEST(s.points, 0)",
            "used": "GREATEST(-s.points, 0)",
            "order_model": "'account.move'",
            "order_id": "s.move_id",
            "lifecycle_kind": "CASE WHEN s.points > 0 THEN 'earn' ELSE 'take_back' END",
            "lifecycle_date": "s.day",
            "create_date": "s.day",
            "write_date": "s.day",
        },
    )
    _reset_sequence(cr, "loyalty_card")
    _reset_sequence(cr, "loyalty_history")
    cr.execute("SELECT MAX(id) FROM loyalty_card")
    card_max = cr.fetchone()[0]
    cr.execute("SELECT MAX(id) FROM loyalty_history")
    history_max = cr.fetchone()[0]
    env["ir.config_parameter"].sudo().set_param(
        BASELINE_PARAM, f"{card_max},{history_max}"
    )
    env.invalidate_all()


# Satisfaction survey answers ------------------------------------------------

SURVEY_TEMPLATES = [
    # (share of the answers, NPS range, CSAT range, comment)
    (0.5, (9, 10), (4, 5), "Fast delivery, thank you."),
    (0.3, (7, 8), (3, 4), "Good product, support could answer faster."),
    (0.2, (0, 6), (1, 3), "The invoice was wrong twice."),
]
SURVEY_SHARE = 0.2


@events_held()
def _survey_answers(env, tpl, customers):
    """20 % of the customers answered the module's satisfaction survey once,
    at some time over the last year: half promoters, a fifth detractors.

    A promoter, a passive and a detractor answer for real (the ORM records
    the survey answer, its lines and the module's response); the others are
    copies of them with their own scores and dates: survey answers (done),
    their lines, their questions, the module's responses, and the latest
    scores on the customers and their contacts."""
    cr = env.cr
    survey = env.ref(
        "crm_lifecycle.survey_survey_customer_satisfaction", raise_if_not_found=False
    )
    if not survey:
        return
    ctx = {"tracking_disable": True}
    env = env(context=dict(env.context, **ctx))
    survey = survey.with_env(env).sudo()
    env["ir.config_parameter"].sudo().set_param("crm_lifecycle.survey_id", survey.id)
    questions = {q.crm_lifecycle_kind: q for q in survey.question_ids}
    templates = []
    for _share, nps, csat, comment in SURVEY_TEMPLATES:
        user_input = survey._create_answer(partner=tpl.partner, check_attempts=False)
        user_input._save_lines(questions["nps"], str(nps[1]))
        user_input._save_lines(questions["csat"], str(csat[1]))
        user_input._save_lines(questions["comment"], comment)
        user_input._mark_done()
        templates.append(user_input)
    env.flush_all()
    responses = env["crm.lifecycle.survey.response"].search(
        [("user_input_id", "in", [ui.id for ui in templates])]
    )
    cr.execute(
        """
        CREATE TEMP TABLE bench_survey ON COMMIT DROP AS
        SELECT %(base)s + row_number() OVER (ORDER BY c.n) AS new_id,
               c.n, c.new_id AS partner_id, random() AS pick,
               now() AT TIME ZONE 'UTC'
                   - (random() * 365 * 86400 || ' seconds')::interval AS answered,
               random() AS nps_draw, random() AS csat_draw
          FROM bench_customer c
         WHERE c.n IN (SELECT n FROM bench_customer ORDER BY random()
                        LIMIT round(%(count)s * %(share)s))
        """,
        {
            "base": _next_id(cr, "survey_user_input") - 1,
            "count": customers,
            "share": SURVEY_SHARE,
        },
    )
    low = 0.0
    for index, (share, nps, csat, _comment) in enumerate(SURVEY_TEMPLATES):
        # The last template takes what is left (no gap by rounding).
        high = low + share if index < len(SURVEY_TEMPLATES) - 1 else 2.0
        rows = SQL(
            """
            SELECT new_id, partner_id, answered, n,
                   %s + floor(nps_draw * %s)::int AS nps,
                   %s + floor(csat_draw * %s)::int AS csat
              FROM bench_survey WHERE pick >= %s AND pick < %s
            """,
            nps[0],
            nps[1] - nps[0] + 1,
            csat[0],
            csat[1] - csat[0] + 1,
            low,
            high,
        )
        low = high
        user_input = templates[index]
        response = responses.filtered(lambda r, ui=user_input: r.user_input_id == ui)
        _clone_survey_answers(cr, user_input, response, rows, questions)
    for table in (
        "survey_user_input",
        "survey_user_input_line",
        "crm_lifecycle_survey_response",
    ):
        _reset_sequence(cr, table)
    # The latest scores on the customers, in the company of the response
    # (company-dependent fields), as the module's responses set them.
    figures = {
        "nps_last_score": SQL("r.nps_score"),
        "nps_category": SQL("r.nps_category"),
        "csat_last_score": SQL("NULLIF(r.csat_score, 0)"),
        "survey_last_date": SQL("to_jsonb(r.date)"),
    }
    cr.execute(
        SQL(
            """
            UPDATE res_partner p
               SET %(assignments)s
              FROM (
                  SELECT r.commercial_partner_id, %(aggregates)s
                    FROM (
                        SELECT DISTINCT ON (r.commercial_partner_id, r.company_id) r.*
                          FROM crm_lifecycle_survey_response r
                          JOIN bench_survey s
                            ON s.partner_id = r.commercial_partner_id
                         ORDER BY r.commercial_partner_id, r.company_id,
                                  r.date DESC, r.id DESC
                    ) r
                   GROUP BY r.commercial_partner_id
              ) r
             WHERE p.id = r.commercial_partner_id
            """,
            assignments=SQL(", ").join(
                SQL(
                    "%(column)s = NULLIF(COALESCE(p.%(column)s, '{}'::jsonb)"
                    " || COALESCE(r.%(column)s, '{}'::jsonb), '{}'::jsonb)",
                    column=SQL.identifier(name),
                )
                for name in figures
            ),
            aggregates=SQL(", ").join(
                SQL(
                    "jsonb_object_agg(r.company_id::text, %(value)s)"
                    " FILTER (WHERE %(value)s IS NOT NULL) AS %(column)s",
                    column=SQL.identifier(name),
                    value=value,
                )
                for name, value in figures.items()
            ),
        )
    )
    env.invalidate_all()


def _clone_survey_answers(cr, user_input, response, rows, questions):
    """Copies of one ORM-made answer (and its lines, questions and module
    response) for the ``rows`` (new_id, partner_id, answered, n, nps, csat)."""
    clone(
        cr,
        "survey_user_input",
        user_input.id,
        rows,
        {
            "partner_id": "s.partner_id",
            "email": "'bench' || s.n || '@example.com'",
            "access_token": "md5(random()::text || s.new_id)",
            "invite_token": "NULL",
            "state": "'done'",
            "start_datetime": "s.answered - interval '4 minutes'",
            "end_datetime": "s.answered",
            "create_date": "s.answered - interval '4 minutes'",
            "write_date": "s.answered",
        },
    )
    values = {
        questions["nps"]: "s.nps",
        questions["csat"]: "s.csat",
    }
    for line in user_input.user_input_line_ids:
        clone(
            cr,
            "survey_user_input_line",
            line.id,
            SQL(
                "SELECT %s + row_number() OVER (ORDER BY new_id) AS new_id,"
                " new_id AS user_input_id, answered, nps, csat FROM (%s) x",
                _next_id(cr, "survey_user_input_line") - 1,
                rows,
            ),
            {
                "user_input_id": "s.user_input_id",
                "value_scale": values.get(line.question_id, "t.value_scale"),
                "create_date": "s.answered",
                "write_date": "s.answered",
            },
        )
    cr.execute(
        SQL(
            """
            INSERT INTO survey_question_survey_user_input_rel
                   (survey_user_input_id, survey_question_id)
            SELECT s.new_id, r.survey_question_id
              FROM (%s) s, survey_question_survey_user_input_rel r
             WHERE r.survey_user_input_id = %s
            """,
            rows,
            user_input.id,
        )
    )
    clone(
        cr,
        "crm_lifecycle_survey_response",
        response.id,
        SQL(
            "SELECT %s + row_number() OVER (ORDER BY new_id) AS new_id,"
            " new_id AS user_input_id, partner_id, answered, nps, csat FROM (%s) x",
            _next_id(cr, "crm_lifecycle_survey_response") - 1,
            rows,
        ),
        {
            "user_input_id": "s.user_input_id",
            "partner_id": "s.partner_id",
            "commercial_partner_id": "s.partner_id",
            "date": "s.answered",
            "nps_score": "s.nps",
            "nps_category": "CASE WHEN s.nps >= 9 THEN 'promoter'"
            " WHEN s.nps >= 7 THEN 'passive' ELSE 'detractor' END",
            "csat_score": "s.csat",
            "create_date": "s.answered",
            "write_date": "s.answered",
        },
    )


# Complaints ---------------------------------------------------------------

# (share of the cases, template): the rest of the cases are closed.
COMPLAINT_OPEN_SHARE = 0.1
COMPLAINT_WAITING_SHARE = 0.05
# Of the open cases past their deadline, the share the hourly job has not
# escalated yet (the others were, in earlier runs).
COMPLAINT_UNESCALATED_SHARE = 0.01


# The catalogue of the cross-sell measure: 2,000 products in families of
# ten; a customer buys mostly in the family its id points to, and one line
# in five is one of the 50 best sellers.
BENCH_PRODUCTS = 2000
PRODUCT_FAMILY = 10
BEST_SELLERS = 50


def build_products(env, count=BENCH_PRODUCTS):
    """``count`` products for sale, copies of the bench product, and the
    product lines of the bench invoices and credit notes spread over them
    (made once: returns the number of products made, 0 when they exist).

    A line's product is one of the 50 best sellers for one line in five,
    otherwise one of the ten products of its customer's family (the
    customer's id modulo the number of families), both picked by the line's
    id: the suggestions have a structure to find and best sellers to
    resist, and every other figure (amounts, dates, categories) is the
    same."""
    cr = env.cr
    env.flush_all()
    cr.execute(
        "SELECT COUNT(*) FROM product_product WHERE default_code LIKE 'BENCH-P-%%'"
    )
    if cr.fetchone()[0]:
        return 0
    product = env["product.product"].search([("name", "=", "Bench Product")], limit=1)
    template_base = _next_id(cr, "product_template")
    clone(
        cr,
        "product_template",
        product.product_tmpl_id.id,
        SQL(
            "SELECT %s + n AS new_id, n FROM generate_series(0, %s) n",
            template_base,
            count - 1,
        ),
        {"name": "jsonb_build_object('en_US', 'Bench Product ' || (s.n + 1))"},
    )
    product_base = _next_id(cr, "product_product")
    clone(
        cr,
        "product_product",
        product.id,
        SQL(
            "SELECT %s + n AS new_id, %s + n AS template_id, n"
            " FROM generate_series(0, %s) n",
            product_base,
            template_base,
            count - 1,
        ),
        {
            "product_tmpl_id": "s.template_id",
            "default_code": "'BENCH-P-' || (s.n + 1)",
        },
    )
    _reset_sequence(cr, "product_template")
    _reset_sequence(cr, "product_product")
    families = max(count // PRODUCT_FAMILY, 1)
    cr.execute(
        SQL(
            """
            UPDATE account_move_line l
               SET product_id = %(base)s + CASE
                       WHEN MOD(l.id, 5) = 0 THEN MOD(l.id / 5, %(best)s)
                       ELSE MOD(m.commercial_partner_id, %(families)s) * %(family)s
                            + MOD(l.id * 7, %(family)s)
                   END
              FROM account_move m
             WHERE m.id = l.move_id
               AND l.product_id = %(product)s
               AND l.display_type = 'product'
            """,
            base=product_base,
            best=min(BEST_SELLERS, count),
            families=families,
            family=min(PRODUCT_FAMILY, count),
            product=product.id,
        )
    )
    env.invalidate_all()
    return count


@events_held()
def normalize_emails(cr):
    """The normalized e-mail of the bench customers, as Odoo computes it, in
    a database built before the builder wrote it: the mail gateway finds a
    known sender by it (the e-mail intake measure). Returns the rows set."""
    cr.execute(
        """
        UPDATE res_partner SET email_normalized = lower(email)
         WHERE email LIKE 'bench%%@example.com' AND email_normalized IS NULL
        """
    )
    return cr.rowcount


def build_complaints(env):
    """Two complaint cases per bench customer on average (0 to 4), opened
    over the last two years: 85 % closed (some late, some reopened), 5 %
    waiting on the customer, 10 % open, most of these past their deadline
    and already escalated. Three cases are made by the ORM (open, waiting,
    closed), the others are copies of them. Does nothing if the bench
    cases exist (a database built before there were complaints gets them
    on its next run)."""
    cr = env.cr
    cr.execute("SELECT 1 FROM crm_lifecycle_complaint WHERE name LIKE 'BENCH/CASE/%'")
    if cr.fetchone():
        return 0
    env = env(context=dict(env.context, tracking_disable=True))
    template_partner = env["res.partner"].search(
        [("name", "=", "Bench Template Customer")], limit=1
    )
    category = env["crm.lifecycle.complaint.category"].create(
        {
            "name": "Bench complaints",
            "response_target_hours": 8.0,
            "resolution_target_hours": 40.0,
        }
    )
    Complaint = env["crm.lifecycle.complaint"].sudo()
    values = {
        "partner_id": template_partner.id,
        "subject": "Bench complaint",
        "category_id": category.id,
        "source": "email",
        "user_id": env.ref("base.user_admin").id,
    }
    templates = {
        "open": Complaint.create(dict(values)),
        "waiting": Complaint.create(
            dict(
                values,
                stage_id=env.ref(
                    "crm_lifecycle.crm_lifecycle_complaint_stage_waiting"
                ).id,
            )
        ),
        "closed": Complaint.create(
            dict(
                values,
                resolution="Replaced.",
                stage_id=env.ref(
                    "crm_lifecycle.crm_lifecycle_complaint_stage_resolved"
                ).id,
            )
        ),
    }
    env.flush_all()
    cr.execute(
        """
        CREATE TEMP TABLE bench_complaint ON COMMIT DROP AS
        SELECT %(base)s + row_number() OVER (ORDER BY c.n, k) AS new_id,
               c.id AS partner_id, c.n, k, random() AS pick,
               (now() AT TIME ZONE 'UTC')
                   - (random() * 730 * 86400 || ' seconds')::interval AS opened,
               random() * 12 AS response_hours,
               1 + random() * 60 AS resolution_hours,
               random() AS draw
          FROM (SELECT id,
                       substring(name from 'Bench Customer ([0-9]+)')::int AS n
                  FROM res_partner
                 WHERE name LIKE 'Bench Customer %%'
                   AND id = commercial_partner_id) c,
               generate_series(1, mod(c.n * 7, 5)) k
        """,
        {"base": _next_id(cr, "crm_lifecycle_complaint") - 1},
    )
    common = {
        "name": "'BENCH/CASE/' || s.new_id",
        "partner_id": "s.partner_id",
        "commercial_partner_id": "s.partner_id",
        "email_from": "NULL",
        "access_token": "NULL",
        "date_open": "s.opened",
        "stage_date": "s.opened",
        "create_date": "s.opened",
        "write_date": "s.opened",
        "escalated_deadline": "NULL",
    }
    open_deadline = "s.opened + interval '2 days'"
    overrides = {
        "open": {
            "date_first_response": "CASE WHEN s.draw < 0.5 THEN NULL"
            " ELSE s.opened + interval '3 hours' END",
            "response_hours": "CASE WHEN s.draw < 0.5 THEN 0 ELSE s.response_hours END",
            "sla_deadline": open_deadline,
            "sla_breached": f"{open_deadline} < now() AT TIME ZONE 'UTC'",
            "sla_breach_date": f"CASE WHEN {open_deadline} < now() AT TIME ZONE 'UTC'"
            f" THEN {open_deadline} END",
            "escalated_deadline": f"CASE WHEN {open_deadline} < now() AT TIME ZONE"
            f" 'UTC' AND s.draw >= {COMPLAINT_UNESCALATED_SHARE} THEN {open_deadline}"
            " END",
        },
        "waiting": {
            "date_first_response": "s.opened + interval '3 hours'",
            "response_hours": "s.response_hours",
            "sla_deadline": "NULL",
            "counted_hours": "s.response_hours",
        },
        "closed": {
            "date_first_response": "s.opened + interval '3 hours'",
            "response_hours": "s.response_hours",
            "date_closed": "s.opened + (s.resolution_hours / 8 || ' days')::interval",
            "resolution_hours": "s.resolution_hours",
            "counted_hours": "s.resolution_hours",
            "reopen_count": "CASE WHEN s.draw < 0.05 THEN 1 ELSE 0 END",
            "sla_deadline": "NULL",
            "sla_breached": "s.resolution_hours > 40",
            "sla_breach_date": "CASE WHEN s.resolution_hours > 40"
            " THEN s.opened + interval '5 days' END",
        },
    }
    bounds = {
        "open": (0.0, COMPLAINT_OPEN_SHARE),
        "waiting": (
            COMPLAINT_OPEN_SHARE,
            COMPLAINT_OPEN_SHARE + COMPLAINT_WAITING_SHARE,
        ),
        "closed": (COMPLAINT_OPEN_SHARE + COMPLAINT_WAITING_SHARE, 2.0),
    }
    made = 0
    for kind, template in templates.items():
        low, high = bounds[kind]
        made += clone(
            cr,
            "crm_lifecycle_complaint",
            template.id,
            SQL(
                "SELECT * FROM bench_complaint WHERE pick >= %s AND pick < %s",
                low,
                high,
            ),
            {**common, **overrides[kind]},
        )
    _reset_sequence(cr, "crm_lifecycle_complaint")
    cr.execute("DROP TABLE bench_complaint")
    env.invalidate_all()
    return made


def check_consistency(cr):
    """What Odoo expects of its accounting data; returns a list of problems
    (empty when all holds)."""
    checks = {
        "unbalanced moves": """
            SELECT COUNT(*) FROM (
                SELECT move_id FROM account_move_line GROUP BY move_id
                HAVING ABS(SUM(debit) - SUM(credit)) > 0.001) x""",
        "debit/credit/balance disagree": """
            SELECT COUNT(*) FROM account_move_line
             WHERE ABS(debit - credit - balance) > 0.001""",
        "receivable residual not matching its partials": """
            SELECT COUNT(*) FROM account_move_line l
              JOIN account_account a ON a.id = l.account_id
              LEFT JOIN (SELECT debit_move_id AS id, SUM(amount) AS amount
                           FROM account_partial_reconcile GROUP BY debit_move_id) p
                ON p.id = l.id
             WHERE a.account_type = 'asset_receivable' AND l.debit > 0
               AND ABS(l.debit - COALESCE(p.amount, 0) - l.amount_residual) > 0.001""",
        "reconciled flag disagrees with residual": """
            SELECT COUNT(*) FROM account_move_line l
              JOIN account_account a ON a.id = l.account_id
             WHERE a.account_type = 'asset_receivable' AND l.parent_state = 'posted'
               AND l.reconciled <> (l.amount_residual = 0)""",
        "payment_state disagrees with residuals": """
            SELECT COUNT(*) FROM account_move m
             WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
               AND NOT (
                   (m.payment_state IN ('paid', 'reversed', 'in_payment')
                        AND m.amount_residual = 0)
                OR (m.payment_state = 'partial' AND m.amount_residual > 0
                        AND m.amount_residual < m.amount_total)
                OR (m.payment_state = 'not_paid'
                        AND m.amount_residual = m.amount_total))""",
        "invoice residual not the sum of its installments": """
            SELECT COUNT(*) FROM account_move m
              JOIN (SELECT l.move_id, SUM(l.amount_residual) AS residual
                      FROM account_move_line l
                      JOIN account_account a ON a.id = l.account_id
                     WHERE a.account_type = 'asset_receivable'
                     GROUP BY l.move_id) r ON r.move_id = m.id
             WHERE m.move_type = 'out_invoice'
               AND ABS(r.residual - m.amount_residual) > 0.001""",
    }
    problems = []
    for label, query in checks.items():
        cr.execute(query)
        count = cr.fetchone()[0]
        if count:
            problems.append(f"{label}: {count}")
    return problems
