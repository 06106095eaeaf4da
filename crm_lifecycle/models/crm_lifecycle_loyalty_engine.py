import logging
from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_round

from .bulk import insert_rows
from .engine_path import engine_writes

_logger = logging.getLogger(__name__)

POINTS_DIGITS = 2
CARD_CODE_ATTEMPTS = 3
# What moving a partner to another tier writes through the ORM (tracked);
# the other tier figures are written in bulk.
TIER_MOVE_FIELDS = {"loyalty_tier_id", "loyalty_tier_since"}


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
    back) the difference with what is paid now. The events (a reconciliation, a
    posted or cancelled invoice) and the daily scheduled action run the same
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
    # Points on payment
    # ------------------------------------------------------------

    @api.model
    def _get_program_companies(self):
        return (
            self.env["res.company"]
            .sudo()
            .search([("lifecycle_loyalty_program_id", "!=", False)])
        )

    @api.model
    def _settle_points(self, partners):
        companies = self._get_program_companies()
        if not companies:
            return
        deltas = self._read_point_deltas(partners.ids, companies)
        if deltas:
            self._credit_points(deltas)

    @api.model
    def _read_point_deltas(self, partner_ids, companies):
        """Return [(move_id, partner_id, program_id, delta, description)]:
        the customer invoices and credit notes of these partners whose
        points changed, with the points to credit (negative: to take back)
        and the text of their history line (read here, where the invoice's
        name is at hand).

        One query, computed where the rows are (see invoice_points_sql): the
        base is the untaxed or taxed amount in company currency, or the part
        of it in the earning categories when the company has some; what an
        invoice gave is the sum of its history lines. A day without news
        returns nothing.
        """
        self.env["res.partner"]._lifecycle_flush_inputs()
        by_category = companies.filtered("lifecycle_loyalty_category_ids")
        # The lines of the earning categories, for the companies that have
        # some: PostgreSQL would read every invoice's lines otherwise, even
        # with no company to use them.
        categories = SQL(
            """
            LEFT JOIN LATERAL (
                  SELECT SUM(-l.balance) AS untaxed,
                         SUM(-l.balance * CASE
                                 WHEN l.price_subtotal != 0
                                 THEN l.price_total / l.price_subtotal
                                 ELSE 1 END) AS taxed
                    FROM account_move_line l
                    JOIN product_product pp ON pp.id = l.product_id
                    JOIN product_template pt ON pt.id = pp.product_tmpl_id
                    JOIN product_category pc ON pc.id = pt.categ_id
                   WHERE l.move_id = m.id
                     AND l.display_type = 'product'
                     AND EXISTS (
                          SELECT 1
                            FROM res_company_lifecycle_loyalty_category_rel r
                            JOIN product_category ec ON ec.id = r.category_id
                           WHERE r.company_id = m.company_id
                             AND pc.parent_path LIKE ec.parent_path || %(any)s)
                 ) cat ON m.company_id = ANY(%(by_category)s)
            """,
            any="%",
            by_category=by_category.ids,
        )
        if not by_category:
            categories = SQL(
                "CROSS JOIN (SELECT NULL::numeric AS untaxed,"
                " NULL::numeric AS taxed) cat"
            )
        taxed = SQL("c.lifecycle_loyalty_points_basis = 'taxed'")
        base = SQL(
            """
            CASE WHEN m.company_id = ANY(%(by_category)s)
                 THEN COALESCE(CASE WHEN %(taxed)s THEN cat.taxed
                                    ELSE cat.untaxed END, 0)
                 WHEN %(taxed)s THEN m.amount_total_signed
                 ELSE m.amount_untaxed_signed END::float8
            """,
            by_category=by_category.ids,
            taxed=taxed,
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT move_id, partner_id, program_id, delta,
                       %(description)s
                  FROM (
                      SELECT m.id AS move_id, m.commercial_partner_id AS partner_id,
                             c.lifecycle_loyalty_program_id AS program_id,
                             %(delta)s AS delta, m.move_type, m.name
                        FROM account_move m
                        JOIN res_company c ON c.id = m.company_id
                        LEFT JOIN (%(given)s) given ON given.move_id = m.id
                        %(categories)s
                       WHERE m.commercial_partner_id = ANY(%(partner_ids)s)
                         AND m.company_id = ANY(%(company_ids)s)
                         AND m.move_type IN ('out_invoice', 'out_refund')
                         AND (m.state = 'posted' OR COALESCE(given.points, 0) != 0)
                  ) moves
                 WHERE delta != 0
                """,
                delta=round2(
                    SQL(
                        "%s - COALESCE(given.points, 0)::float8",
                        invoice_points_sql(base),
                    )
                ),
                given=awarded_points_sql(
                    SQL("card.partner_id = ANY(%s)", list(partner_ids))
                ),
                description=history_description_sql(
                    self._history_templates(),
                    SQL("moves.move_type"),
                    SQL("moves.delta"),
                    SQL("moves.name"),
                ),
                categories=categories,
                partner_ids=list(partner_ids),
                company_ids=companies.ids,
            )
        )
        return self.env.cr.fetchall()

    @api.model
    def _get_cards(self, balances):
        """Return {(program_id, partner_id): loyalty.card} for the keys of
        ``balances``, and the cards created: the missing ones, made with
        the balance given (the points they earn now), so that a new card is
        written once."""
        Card = self.env["loyalty.card"].sudo()
        program_ids = {program_id for program_id, _pid in balances}
        partner_ids = {partner_id for _prog, partner_id in balances}
        cards = {}
        for card in Card.search(
            [
                ("program_id", "in", list(program_ids)),
                ("partner_id", "in", list(partner_ids)),
            ],
            order="id",
        ):
            cards.setdefault((card.program_id.id, card.partner_id.id), card)
        missing = sorted(pair for pair in balances if pair not in cards)
        created = Card
        if missing:
            codes = self._free_card_codes(len(missing))
            vals_list = [
                {
                    "program_id": program_id,
                    "partner_id": partner_id,
                    "points": balances[program_id, partner_id],
                    "code": code,
                }
                for (program_id, partner_id), code in zip(missing, codes, strict=True)
            ]
            created = self._create_cards(vals_list)
            cards.update(zip(missing, created, strict=True))
            # What writing the points would have sent: the mail of a
            # milestone of the program's communication plan.
            created._send_points_reach_communication(
                {card: {"old": 0.0, "new": card.points} for card in created}
            )
        return cards, created

    @api.model
    def _create_cards(self, vals_list):
        """Make these loyalty cards (program, partner, points, code; one per
        program and partner), in the order given, as ``create()`` would, in
        one INSERT: the daily job makes one per customer on its first run,
        and ``create()`` spent 0.2 ms of Python on each (its defaults), then
        an UPDATE for the stored company. The communication plan's creation
        mail is sent as ``create()`` sends it; no "card created" note is
        logged in each new card's chatter. Through ``create()`` after all
        when another module gave the card a stored field to compute, a
        default or a required one."""
        Card = self.env["loyalty.card"].sudo()
        given = {"program_id", "partner_id", "points", "code", "company_id", "active"}
        unknown = [
            name
            for name, field in Card._fields.items()
            if field.store
            and name not in given
            and (field.compute or field.required or field.default)
            and not field.automatic
        ]
        if unknown:
            return Card.create(vals_list)
        programs = (
            self.env["loyalty.program"]
            .sudo()
            .browse({vals["program_id"] for vals in vals_list})
        )
        company = {program.id: program.company_id.id for program in programs}
        rows = insert_rows(
            Card,
            [
                dict(vals, company_id=company[vals["program_id"]], active=True)
                for vals in vals_list
            ],
            returning=("program_id", "partner_id", "id"),
        )
        ids = {
            (program_id, partner_id): card_id
            for program_id, partner_id, card_id in rows
        }
        created = Card.browse(
            ids[vals["program_id"], vals["partner_id"]] for vals in vals_list
        )
        created._send_creation_communication()
        return created

    @api.model
    def _free_card_codes(self, count):
        """``count`` new card codes drawn by Odoo, none already taken.

        Odoo draws card codes at random from a space small enough that,
        among tens of thousands of cards, a new code sometimes meets an old
        one: the whole batch then failed. Codes that are taken are drawn
        again, a few times. Checked before the cards are made rather than
        by catching the refused INSERT, whose savepoint would write every
        pending change of the batch first (each partner row twice a day).
        """
        Card = self.env["loyalty.card"].sudo()
        codes = set()
        for _attempt in range(CARD_CODE_ATTEMPTS):
            drawn = {Card._generate_code() for _i in range(count - len(codes))}
            # Taken by a card, or by a program's rule (Odoo's constraint).
            self.env.cr.execute(
                SQL(
                    """
                    SELECT code FROM loyalty_card WHERE code = ANY(%(codes)s)
                     UNION
                    SELECT code FROM loyalty_rule
                     WHERE mode = 'with_code' AND code = ANY(%(codes)s)
                    """,
                    codes=list(drawn),
                )
            )
            codes |= drawn - {code for (code,) in self.env.cr.fetchall()}
            if len(codes) == count:
                return sorted(codes)
            _logger.info("Loyalty card codes taken, drawing new codes")
        raise UserError(
            self.env._(
                "Could not draw %(count)s unused loyalty card codes.", count=count
            )
        )

    @api.model
    def _credit_points(self, deltas):
        """Write one history line per invoice whose points changed (what
        each invoice has given is the sum of its lines), in one INSERT; the
        cards missing are made with their balance, the others get their new
        balance through the ORM (the balance is tracked on the card).

        :param deltas: [(move_id, partner_id, program_id, delta, description)]
        """
        balances = defaultdict(float)
        for _m, partner_id, program_id, delta, _text in deltas:
            balances[program_id, partner_id] += delta
        cards, created = self._get_cards(
            {
                pair: float_round(points, precision_digits=POINTS_DIGITS)
                for pair, points in balances.items()
            }
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO loyalty_history
                       (card_id, description, issued, used, order_model, order_id,
                        lifecycle_kind, lifecycle_date,
                        create_uid, create_date, write_uid, write_date)
                SELECT v.card_id, v.description,
                       GREATEST(v.delta, 0), GREATEST(-v.delta, 0),
                       'account.move', v.move_id,
                       CASE WHEN v.delta > 0 THEN 'earn' ELSE 'take_back' END,
                       %(today)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(moves)s::int[], %(cards)s::int[],
                              %(deltas)s::float8[], %(descriptions)s::text[])
                       AS v(move_id, card_id, delta, description)
                """,
                today=fields.Date.context_today(self),
                uid=self.env.uid,
                now=self.env.cr.now(),
                moves=[move_id for move_id, _p, _prog, _d, _t in deltas],
                cards=[
                    cards[program_id, partner_id].id
                    for _m, partner_id, program_id, _d, _t in deltas
                ],
                deltas=[delta for _m, _p, _prog, delta, _t in deltas],
                descriptions=[text for _m, _p, _prog, _d, text in deltas],
            )
        )
        self.env["loyalty.history"].invalidate_model()
        self.env["loyalty.card"].invalidate_model(["history_ids"])
        self.env["account.move"].invalidate_model(["lifecycle_loyalty_points"])
        created_ids = set(created.ids)
        for pair, delta in balances.items():
            card = cards[pair]
            if card.id not in created_ids:
                card.points = float_round(
                    card.points + delta, precision_digits=POINTS_DIGITS
                )

    @api.model
    def _history_templates(self):
        """The text around the invoice's name in each kind of history line
        (see history_description_sql), in the user's language."""
        _ = self.env._
        marker = "\x01"
        texts = {
            "earn": _("Points earned by paying %(invoice)s", invoice=marker),
            "unpaid": _(
                "Points taken back: %(invoice)s is no longer paid", invoice=marker
            ),
            "refund": _("Points taken back by credit note %(invoice)s", invoice=marker),
            "unrefund": _(
                "Points given back: credit note %(invoice)s is no longer settled",
                invoice=marker,
            ),
        }
        return {kind: text.partition(marker)[::2] for kind, text in texts.items()}

    # ------------------------------------------------------------
    # Tiers
    # ------------------------------------------------------------

    @api.model
    def _read_loyalty_companies(self, partners):
        """The company whose program and tiers rank each partner: its own
        company, else the company of its latest customer invoice, else the
        main company."""
        self.env.cr.execute(
            SQL(
                """
                SELECT p.id, COALESCE(p.company_id, last.company_id)
                  FROM res_partner p
                  LEFT JOIN (
                      SELECT DISTINCT ON (m.commercial_partner_id)
                             m.commercial_partner_id, m.company_id
                        FROM account_move m
                       WHERE m.commercial_partner_id = ANY(%(ids)s)
                         AND m.move_type IN ('out_invoice', 'out_refund')
                         AND m.state = 'posted'
                       ORDER BY m.commercial_partner_id,
                                m.invoice_date DESC NULLS LAST, m.id DESC
                  ) last ON last.commercial_partner_id = p.id
                 WHERE p.id = ANY(%(ids)s)
                """,
                ids=partners.ids,
            )
        )
        rows = self.env.cr.fetchall()
        default = self.env.ref("base.main_company", raise_if_not_found=False)
        default_id = default.id if default else False
        return {pid: company_id or default_id for pid, company_id in rows}

    @api.model
    def _read_tier_values(self, company_by_partner, programs, amount_companies):
        """Return {partner_id: {'points': x, 'amount': y}} over the last 12
        months, in two queries: points earned (net of take-backs) on the
        lifecycle card, and money received on customer invoices (net of
        money refunded on credit notes; invoices settled by credit notes
        bring no new money), read only for the partners of
        ``amount_companies`` (the companies with tiers on amounts; the
        others' amounts are left at 0: no tier reads them)."""
        since = fields.Date.context_today(self) - relativedelta(months=12)
        values = defaultdict(lambda: {"points": 0.0, "amount": 0.0})
        partner_ids = list(company_by_partner)
        company_ids = [company_by_partner[pid] for pid in partner_ids]
        program_ids = [programs.get(cid, 0) for cid in company_ids]
        self.env.cr.execute(
            SQL(
                """
                SELECT c.partner_id, SUM(COALESCE(h.issued, 0) - COALESCE(h.used, 0))
                  FROM loyalty_history h
                  JOIN loyalty_card c ON c.id = h.card_id
                 WHERE c.partner_id = ANY(%(partners)s)
                   AND (c.partner_id, c.program_id) IN (
                        SELECT * FROM unnest(%(partners)s::int[], %(programs)s::int[]))
                   AND h.lifecycle_kind IN ('earn', 'take_back')
                   AND h.lifecycle_date > %(since)s
                 GROUP BY c.partner_id
                """,
                partners=partner_ids,
                programs=program_ids,
                since=since,
            )
        )
        for pid, points in self.env.cr.fetchall():
            values[pid]["points"] = points or 0.0
        partner_ids = [
            pid for pid in partner_ids if company_by_partner[pid] in amount_companies
        ]
        if not partner_ids:
            return values
        company_ids = [company_by_partner[pid] for pid in partner_ids]
        self.env.cr.execute(
            SQL(
                """
                SELECT partner_id, SUM(amount)
                  FROM (%(received)s) received
                 GROUP BY partner_id
                """,
                # = ANY first: the planner then reads the partners' invoices
                # by index instead of hashing all of them.
                received=money_received_sql(
                    since,
                    SQL(
                        """inv.commercial_partner_id = ANY(%(partners)s)
                       AND (inv.commercial_partner_id, inv.company_id) IN (
                        SELECT * FROM unnest(%(partners)s::int[],
                                             %(companies)s::int[]))""",
                        partners=partner_ids,
                        companies=company_ids,
                    ),
                ),
            )
        )
        for pid, amount in self.env.cr.fetchall():
            values[pid]["amount"] = amount or 0.0
        return values

    @api.model
    def _tier_rank(self, tier):
        return (tier.sequence, tier.threshold, tier.id)

    @api.model
    def _tier_ladders(self, tiers):
        """{company_id: [(tier_id, basis, threshold)]}: each company's tiers
        from the lowest rank to the highest, as plain values, since every
        partner of a batch is ranked on them."""
        ladders = defaultdict(list)
        for tier in tiers.sorted(self._tier_rank):
            ladders[tier.company_id.id].append((tier.id, tier.basis, tier.threshold))
        return ladders

    @api.model
    def _update_tiers(self, partners):
        """Move partners up a tier as soon as they qualify; down only once
        their review date and its grace period have passed."""
        Tier = self.env["crm.lifecycle.loyalty.tier"].sudo()
        if not (
            Tier.search_count([], limit=1)
            or self._get_program_companies()
            or partners.loyalty_company_id
        ):
            # Loyalty not configured: nothing to rank, nothing to write.
            return
        company_by_partner = self._read_loyalty_companies(partners)
        tiers = Tier.search(
            [("company_id", "in", list(set(company_by_partner.values())))]
        )
        companies = (
            self.env["res.company"].sudo().browse(set(company_by_partner.values()))
        )
        programs = {
            company.id: company.lifecycle_loyalty_program_id.id
            for company in companies
            if company.lifecycle_loyalty_program_id
        }
        values = self._read_tier_values(
            company_by_partner,
            programs,
            {tier.company_id.id for tier in tiers if tier.basis == "amount"},
        )
        today = fields.Date.context_today(self)
        ladders = self._tier_ladders(tiers)
        previous = {partner.id: partner.loyalty_company_id.id for partner in partners}
        # {company_id: {partner_id: (ladder, values, mail)}}: each partner is
        # ranked in the company that ranks it; the figures of the company
        # that ranked it before, if another, are emptied (an empty ladder)
        # rather than left to go stale, its tier's pricelist given back.
        jobs = defaultdict(dict)
        for partner in partners:
            company_id = company_by_partner.get(partner.id)
            jobs[company_id][partner.id] = (
                ladders[company_id],
                values[partner.id],
                True,
            )
            old = previous[partner.id]
            if old and old != company_id:
                jobs[old][partner.id] = ([], {"points": 0.0, "amount": 0.0}, False)
        self.env["res.partner"]._lifecycle_bulk_update(
            {
                pid: {"loyalty_company_id": company_id}
                for pid, company_id in company_by_partner.items()
                if previous.get(pid) != company_id
            }
        )
        companies = self.env["res.company"].sudo().browse(list(jobs))
        for company in companies:
            self._update_company_tiers(
                partners.with_company(company), company, jobs[company.id], today
            )

    @api.model
    def _update_company_tiers(self, partners, company, jobs, today):
        """Write the tier figures of ``company`` (company-dependent fields)
        of the partners of ``jobs`` ({partner_id: (ladder, values, mail)},
        see _update_tiers): the figures in bulk, the tier moves in one
        write per move."""
        Tier = self.env["crm.lifecycle.loyalty.tier"].sudo()
        figures, moves, mailed = {}, defaultdict(list), set()
        for partner in partners.browse(list(jobs)):
            ladder, value, mail = jobs[partner.id]
            vals = self._tier_vals(partner, company, ladder, value, today)
            changed = {
                name: value
                for name, value in vals.items()
                if self._current_value(partner, name) != value
            }
            if changed.keys() - TIER_MOVE_FIELDS:
                figures[partner.id] = {
                    name: vals[name] for name in vals.keys() - TIER_MOVE_FIELDS
                }
            if "loyalty_tier_id" not in changed:
                continue
            move = {name: changed[name] for name in changed.keys() & TIER_MOVE_FIELDS}
            move.update(
                self._pricelist_vals(
                    partner,
                    company,
                    partner.loyalty_tier_id,
                    Tier.browse(move["loyalty_tier_id"]),
                )
            )
            moves[tuple(sorted(move.items()))].append(partner.id)
            if mail:
                mailed.add(partner.id)
        Partner = self.env["res.partner"]
        Partner._lifecycle_bulk_update(figures, company=company)
        for move, ids in moves.items():
            moved = partners.browse(ids)
            with engine_writes():
                moved.write(dict(move))
            if company.lifecycle_loyalty_tier_mail:
                for partner in moved.filtered(lambda p: p.id in mailed):
                    self._send_tier_mail(partner)

    @api.model
    def _current_value(self, record, name):
        value = record[name]
        return value.id if isinstance(value, models.BaseModel) else value

    @api.model
    def _tier_vals(self, partner, company, ladder, value, today):
        """The tier figures of one partner ranked on its company's ``ladder``
        (see _tier_ladders) with its ``value`` (points and amount)."""
        # Positions on the ladder stand for ranks; -1 for no tier.
        positions = {tier_id: index for index, (tier_id, _b, _t) in enumerate(ladder)}
        qualified = -1
        for index, (_tier_id, basis, threshold) in enumerate(ladder):
            if value[basis] > 0 and value[basis] >= threshold:
                qualified = index
        months = relativedelta(months=company.lifecycle_loyalty_review_months or 12)
        review = partner.loyalty_tier_review_date
        current = positions.get(partner.loyalty_tier_id.id)
        if current is None:
            # No tier yet, or one of another company or archived.
            new = qualified
        elif qualified > current:
            new = qualified
        elif not review:
            new = current
            review = today + months
        elif qualified < current:
            new = current
            grace = timedelta(days=company.lifecycle_loyalty_grace_days)
            if today >= review + grace:
                new = qualified
        else:
            new = current
            while review <= today:
                review += months
        if new != current:
            since, review = (today, today + months) if new >= 0 else (False, False)
        else:
            since = partner.loyalty_tier_since
        next_id, missing = False, 0.0
        if new + 1 < len(ladder):
            next_id, basis, threshold = ladder[new + 1]
            missing = max(threshold - value[basis], 0.0)
        return {
            "loyalty_tier_id": ladder[new][0] if new >= 0 else False,
            "loyalty_tier_since": since,
            "loyalty_tier_review_date": review if new >= 0 else False,
            "loyalty_next_tier_id": next_id,
            "loyalty_next_tier_missing": float_round(missing, precision_digits=2),
        }

    @api.model
    def _pricelist_vals(self, partner, company, old_tier, new_tier):
        """Give the new tier's pricelist to the customer and its contacts,
        or give them back the pricelist they had before their tier."""
        old_pricelist, new_pricelist = old_tier.pricelist_id, new_tier.pricelist_id
        if old_pricelist == new_pricelist:
            return {}
        contacts = (
            self.env["res.partner"]
            .sudo()
            .with_company(company)
            .with_context(active_test=False)
            .search([("commercial_partner_id", "=", partner.id)])
        )
        current = partner.with_company(company).specific_property_product_pricelist
        vals = {}
        if new_pricelist:
            if not partner.loyalty_pricelist_applied:
                vals = {
                    "loyalty_previous_pricelist_id": current.id,
                    "loyalty_pricelist_applied": True,
                }
            contacts.write({"specific_property_product_pricelist": new_pricelist.id})
        elif partner.loyalty_pricelist_applied:
            # A pricelist set by hand since the tier gave its own one stays.
            if current == old_pricelist:
                contacts.write(
                    {
                        "specific_property_product_pricelist": (
                            partner.loyalty_previous_pricelist_id.id
                        )
                    }
                )
            vals = {
                "loyalty_previous_pricelist_id": False,
                "loyalty_pricelist_applied": False,
            }
        return vals

    @api.model
    def _send_tier_mail(self, partner):
        if not partner.email:
            return
        # In the partner's environment: the tier figures it renders are those
        # of the company that ranks the partner (company-dependent fields).
        template = partner.env.ref(
            "crm_lifecycle.mail_template_loyalty_tier_changed", raise_if_not_found=False
        )
        if template:
            partner.message_post_with_source(template, subtype_xmlid="mail.mt_comment")

    # ------------------------------------------------------------
    # Expiry
    # ------------------------------------------------------------

    @api.model
    def _expire_points(self, cards):
        """Expire, oldest first, the points earned more than the company's
        expiry months ago and not used since; warn the customer of the
        points about to expire, once per batch of points."""
        companies = {
            company.lifecycle_loyalty_program_id: company
            for company in self._get_program_companies()
        }
        cards = cards.filtered(
            lambda c: companies.get(c.program_id)
            and companies[c.program_id].lifecycle_loyalty_expiry_months > 0
        )
        if not cards:
            return
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT h.card_id, COALESCE(h.lifecycle_date, h.create_date::date),
                       SUM(COALESCE(h.issued, 0)), SUM(COALESCE(h.used, 0))
                  FROM loyalty_history h
                 WHERE h.card_id = ANY(%s)
                 GROUP BY 1, 2
                 ORDER BY 1, 2
                """,
                cards.ids,
            )
        )
        lots = defaultdict(list)
        consumed = defaultdict(float)
        for card_id, day, issued, used in self.env.cr.fetchall():
            if issued > 0:
                lots[card_id].append((day, issued))
            consumed[card_id] += used
        today = fields.Date.context_today(self)
        for card in cards:
            company = companies[card.program_id]
            self._expire_card(card, company, lots[card.id], consumed[card.id], today)

    @api.model
    def _expire_card(self, card, company, lots, consumed, today):
        months = relativedelta(months=company.lifecycle_loyalty_expiry_months)
        limit = today - months
        old = sum(issued for day, issued in lots if day <= limit)
        expired = float_round(
            min(max(old - consumed, 0.0), card.points), precision_digits=POINTS_DIGITS
        )
        if expired > 0:
            self.env["loyalty.history"].sudo().create(
                {
                    "card_id": card.id,
                    "description": self.env._(
                        "Points earned until %(date)s expired",
                        date=fields.Date.to_string(limit),
                    ),
                    "used": expired,
                    "lifecycle_kind": "expiry",
                    "lifecycle_date": today,
                }
            )
            card.points = float_round(
                card.points - expired, precision_digits=POINTS_DIGITS
            )
            consumed += expired
        warning_days = company.lifecycle_loyalty_expiry_warning_days
        if warning_days:
            self._warn_card(
                card,
                lots,
                consumed,
                today + timedelta(days=warning_days) - months,
                months,
            )

    @api.model
    def _warn_card(self, card, lots, consumed, warn_limit, months):
        """Warn of the points earned on or before ``warn_limit`` (they expire
        within the warning period), unless a warning already covered them."""
        warned = card.lifecycle_expiry_warned_until
        if warned and warned >= warn_limit:
            return
        upcoming = max(sum(i for d, i in lots if d <= warn_limit) - consumed, 0.0)
        already = (
            max(sum(i for d, i in lots if d <= warned) - consumed, 0.0)
            if warned
            else 0.0
        )
        upcoming = min(upcoming, card.points)
        vals = {"lifecycle_expiry_warned_until": warn_limit}
        if float_round(upcoming - already, precision_digits=POINTS_DIGITS) > 0:
            cumulated, first = 0.0, None
            for day, issued in lots:
                cumulated += issued
                if cumulated > consumed and (not warned or day > warned):
                    first = day
                    break
            vals.update(
                lifecycle_expiring_points=float_round(
                    upcoming, precision_digits=POINTS_DIGITS
                ),
                lifecycle_expiring_date=(first or warn_limit) + months,
            )
            card.write(vals)
            template = self.env.ref(
                "crm_lifecycle.mail_template_loyalty_points_expiring",
                raise_if_not_found=False,
            )
            if template and card.partner_id.email:
                card.message_post_with_source(template, subtype_xmlid="mail.mt_comment")
        else:
            card.write(vals)
