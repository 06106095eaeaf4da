from odoo import api, fields, models
from odoo.tools import SQL

INSTALLMENT_STATUSES = [
    ("open", "Open, Not Yet Due"),
    ("overdue", "Overdue"),
    ("paid_on_time", "Paid on Time"),
    ("paid_late", "Paid Late"),
]


class CrmLifecyclePaymentInstallment(models.Model):
    """One row per receivable installment of a posted customer invoice: due
    date, date fully paid, days late and status.

    Not a database view but a query (``_table_query``) built at each read, so
    that "today" (open overdue installments, days late) is the user's today,
    passed as a parameter: it follows the user's time zone and frozen dates
    in tests, where a view's CURRENT_DATE would not."""

    _name = "crm.lifecycle.payment.installment"
    _description = "Customer Payment Installment"
    _auto = False
    _order = "date_due desc, id desc"
    _rec_name = "move_id"
    _depends = {
        "account.move": [
            "state",
            "move_type",
            "payment_state",
            "commercial_partner_id",
            "invoice_date",
        ],
        "account.move.line": [
            "move_id",
            "account_id",
            "company_id",
            "company_currency_id",
            "currency_id",
            "balance",
            "amount_currency",
            "amount_residual",
            "date_maturity",
            "date",
            "display_type",
        ],
        "account.partial.reconcile": [
            "debit_move_id",
            "credit_move_id",
            "amount",
            "debit_amount_currency",
            "exchange_move_id",
        ],
        "account.account": ["account_type"],
    }

    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(
        "res.currency", string="Company Currency", readonly=True
    )
    invoice_currency_id = fields.Many2one(
        "res.currency", string="Invoice Currency", readonly=True
    )
    amount_currency = fields.Monetary(
        string="Amount in Invoice Currency",
        currency_field="invoice_currency_id",
        readonly=True,
        aggregator=None,
        help="The installment less the credit notes reconciled with it, in "
        "the invoice currency.",
    )
    invoice_date = fields.Date(readonly=True)
    date_due = fields.Date(string="Due Date", readonly=True)
    date_paid = fields.Date(
        string="Paid On",
        readonly=True,
        help="The date of the last payment that settled the installment.",
    )
    days_late = fields.Integer(
        readonly=True,
        aggregator="max",
        help="Paid: payment date minus due date. Open: today minus due date.",
    )
    status = fields.Selection(INSTALLMENT_STATUSES, readonly=True)
    amount = fields.Monetary(
        readonly=True,
        help="The installment less the credit notes reconciled with it: what "
        "the customer owed.",
    )
    amount_credited = fields.Monetary(
        string="Credited",
        readonly=True,
        help="The part of the installment cancelled by credit notes: not money "
        "received, it lowers the amount owed.",
    )
    amount_residual = fields.Monetary(string="Amount Due", readonly=True)
    amount_paid = fields.Monetary(
        readonly=True, help="The money received for the installment."
    )
    amount_paid_on_time = fields.Monetary(
        readonly=True, help="The part of the amount paid by the due date."
    )
    amount_overdue = fields.Monetary(readonly=True)

    def init(self):
        # Every batch read of this module (payment figures, lifecycle rules
        # and exclusions, loyalty, retention) looks up a batch of customers'
        # moves by commercial partner and type: account_move has no index
        # for that. It carries every column those reads take from the move,
        # so that they read the index alone (an index-only scan), not the
        # table, where one customer's invoices lie on pages all over it.
        # State, payment state and invoice date are in Odoo's own indexes
        # already: posting or paying an invoice (which moves its residual)
        # rewrites its index entries anyway; only editing a draft's amounts
        # rewrites an entry it would not otherwise.
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS crm_lifecycle_account_move_commercial_idx
                ON account_move (commercial_partner_id, move_type)
                INCLUDE (id, state, payment_state, invoice_date, company_id,
                         amount_untaxed_signed, amount_total_signed,
                         amount_total, amount_residual, reversed_entry_id, name)
            """
        )
        # The installments of those moves, from an index that carries every
        # column _base_query reads of them: the lines table is the largest
        # of the database, and a batch would otherwise read its rows on
        # pages all over it; the index holds one line in four. The
        # installment of a customer invoice is its line on the receivable
        # account, which Odoo requires to be its due-date line (display
        # type 'payment_term').
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS crm_lifecycle_account_move_line_installment_idx
                ON account_move_line (move_id)
                INCLUDE (id, account_id, company_id, company_currency_id,
                         currency_id, amount_currency, date_maturity, balance,
                         amount_residual)
             WHERE display_type = 'payment_term' AND balance > 0
            """
        )

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT i.*,
                   CASE WHEN i.is_paid THEN GREATEST(i.last_payment - i.date_due, 0)
                        ELSE GREATEST(%(today)s - i.date_due, 0)
                           END AS days_late,
                   CASE WHEN i.is_paid AND i.last_payment <= i.date_due
                        THEN 'paid_on_time'
                        WHEN i.is_paid THEN 'paid_late'
                        WHEN i.date_due < %(today)s THEN 'overdue'
                        ELSE 'open' END AS status,
                   CASE WHEN NOT i.is_paid AND i.date_due < %(today)s
                        THEN i.amount_residual ELSE 0 END AS amount_overdue
              FROM (%(base)s) i
            """,
            today=self._today(),
            base=self._base_query(),
        )

    @api.model
    def _base_query(self, partner_ids=None):
        """The installments and what their reconciliations say, without
        anything that depends on today, of all customers or of those of
        ``partner_ids``. ``amount`` is what the customer owed, the
        installment less its credit notes; ``amount_paid`` and the rest
        count money received only. ``amount_days_late`` and
        ``amount_days_to_pay`` are amount x days sums, for averages
        weighted by amount."""
        # The installments: the due-date lines of the invoices, with the
        # columns read below, all in their covering index (init). A batch's
        # are looked up move by move (LATERAL, kept from being flattened
        # into a join by OFFSET 0). Joined, the planner scans the whole
        # index and hashes it with the batch's moves: cheaper by its
        # estimates, but then a batch costs in proportion to every
        # customer's installments, as the index grows with the customers
        # and the batch does not.
        installments = SQL(
            """
            SELECT l.id, l.move_id, l.account_id, l.company_id,
                   l.company_currency_id, l.currency_id, l.amount_currency,
                   l.date_maturity, l.balance, l.amount_residual
              FROM account_move_line l
             WHERE l.display_type = 'payment_term'
               AND l.balance > 0
            """
        )
        if partner_ids is None:
            lines = SQL("(%s) l JOIN account_move m ON m.id = l.move_id", installments)
        else:
            lines = SQL(
                """
                account_move m
                CROSS JOIN LATERAL (%s AND l.move_id = m.id OFFSET 0) l
                """,
                installments,
            )
        # An installment cancelled in full by credit notes is a reversal:
        # out of the figures as a reversed invoice is.
        return SQL(
            """
            SELECT l.id,
                   l.move_id,
                   m.commercial_partner_id AS partner_id,
                   l.company_id,
                   l.company_currency_id AS currency_id,
                   l.currency_id AS invoice_currency_id,
                   l.amount_currency - COALESCE(p.credited_currency, 0)
                       AS amount_currency,
                   m.invoice_date,
                   COALESCE(l.date_maturity, m.invoice_date) AS date_due,
                   l.balance - COALESCE(p.credited, 0) AS amount,
                   COALESCE(p.credited, 0) AS amount_credited,
                   l.amount_residual,
                   l.balance - l.amount_residual - COALESCE(p.credited, 0)
                       AS amount_paid,
                   COALESCE(p.paid_on_time, 0) AS amount_paid_on_time,
                   COALESCE(p.amount_days_late, 0) AS amount_days_late,
                   COALESCE(p.amount_days_to_pay, 0) AS amount_days_to_pay,
                   l.amount_residual = 0 AS is_paid,
                   COALESCE(p.last_payment, COALESCE(l.date_maturity, m.invoice_date))
                       AS last_payment,
                   CASE WHEN l.amount_residual = 0 THEN p.last_payment END AS date_paid
              FROM %(lines)s
              JOIN account_account a ON a.id = l.account_id
              LEFT JOIN LATERAL (
                    SELECT SUM(r.amount) FILTER (WHERE r.is_credit) AS credited,
                           SUM(r.amount_currency) FILTER (WHERE r.is_credit)
                               AS credited_currency,
                           SUM(r.amount) FILTER (
                               WHERE NOT r.is_credit AND r.paid_on
                                   <= COALESCE(l.date_maturity, m.invoice_date)
                           ) AS paid_on_time,
                           SUM(r.amount * GREATEST(
                               r.paid_on - COALESCE(l.date_maturity, m.invoice_date), 0
                           )) FILTER (WHERE NOT r.is_credit) AS amount_days_late,
                           SUM(r.amount * GREATEST(r.paid_on - m.invoice_date, 0))
                               FILTER (WHERE NOT r.is_credit) AS amount_days_to_pay,
                           MAX(r.paid_on) FILTER (WHERE NOT r.is_credit)
                               AS last_payment
                      FROM (%(partials)s) r
              ) p ON TRUE
             WHERE a.account_type = 'asset_receivable'
               AND m.move_type = 'out_invoice'
               AND m.state = 'posted'
               AND m.payment_state <> 'reversed'
               AND l.balance > COALESCE(p.credited, 0)
               AND %(partners)s
            """,
            lines=lines,
            partials=self._partials_query(),
            partners=SQL("TRUE")
            if partner_ids is None
            else SQL("m.commercial_partner_id = ANY(%s)", list(partner_ids)),
        )

    @api.model
    def _partials_query(self):
        """The reconciliations of the installment ``l``: each with its
        amount, whether a credit note made it (``is_credit``: it lowers what
        the customer owed, it is no money received) and the day the money
        was paid, the date of the counterpart line: the payment's own date
        even for an advance, reconciled only once the invoice came.

        An exchange difference (an invoice in another currency settled at
        another rate) adjusts the reconciliation it comes from: it is a
        credit note's or a payment's as that one is, and takes its date
        rather than the exchange journal's (often the end of the month).
        Finding it means looking up the reconciliations whose exchange move
        holds the counterpart line; a database without any exchange
        difference (one currency) skips that: the EXISTS, which depends on
        nothing outside it, is evaluated once per query.

        Each reconciliation costs a read of its counterpart line (its date,
        its move) by primary key; the move's type is read only for a
        counterpart that is an invoice's or credit note's due-date line,
        never for a payment's."""
        return SQL(
            """
            SELECT r.amount,
                   r.debit_amount_currency AS amount_currency,
                   COALESCE(x.is_credit, %(is_credit)s) AS is_credit,
                   COALESCE(x.paid_on, c.date) AS paid_on
              FROM account_partial_reconcile r
              JOIN account_move_line c ON c.id = r.credit_move_id
              LEFT JOIN LATERAL (
                    SELECT bool_or(%(origin_is_credit)s) AS is_credit,
                           MAX(oc.date) AS paid_on
                      FROM account_partial_reconcile o
                      JOIN account_move_line oc ON oc.id = o.credit_move_id
                     WHERE o.exchange_move_id = c.move_id
                       AND EXISTS (SELECT FROM account_partial_reconcile e
                                    WHERE e.exchange_move_id IS NOT NULL)
              ) x ON TRUE
             WHERE r.debit_move_id = l.id
            """,
            is_credit=self._is_credit_note_sql(SQL("c")),
            origin_is_credit=self._is_credit_note_sql(SQL("oc")),
        )

    @api.model
    def _is_credit_note_sql(self, line):
        """Whether the move line ``line`` (an alias) is a customer credit
        note's. A credit note's receivable line is its due-date line (display
        type 'payment_term', as Odoo sets on invoice-type moves only): the
        CASE reads the move only then, a payment's line never needs it."""
        return SQL(
            """CASE WHEN %(line)s.display_type = 'payment_term'
                    THEN EXISTS (SELECT FROM account_move cm
                                  WHERE cm.id = %(line)s.move_id
                                    AND cm.move_type = 'out_refund')
                    ELSE FALSE END""",
            line=line,
        )

    @api.model
    def _today(self):
        return fields.Date.context_today(self)
