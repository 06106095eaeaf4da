import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_round

from .bulk import insert_rows
from .crm_lifecycle_loyalty_engine import (
    POINTS_DIGITS,
    awarded_points_sql,
    history_description_sql,
    invoice_points_sql,
    round2,
)

_logger = logging.getLogger(__name__)

CARD_CODE_ATTEMPTS = 3


class CrmLifecycleLoyaltyEnginePoints(models.AbstractModel):
    """Points on payment: what each invoice is worth now against what its
    history lines say it gave, credited to the customer's card."""

    _inherit = "crm.lifecycle.loyalty.engine"

    # ------------------------------------------------------------
    # Points on payment
    # ------------------------------------------------------------

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
