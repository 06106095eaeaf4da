import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_round

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

    _inherit = "crm.lifecycle.loyalty.engine"  # pylint: disable=consider-merging-classes-inherited

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
        program and partner) through ``create()``, in one call for the
        list, so that every module that extends the card (sale_loyalty,
        pos_loyalty, ...) sees it made and ``create()`` sends the creation
        mail of the program's communication plan. The chatter stays silent,
        as Odoo keeps it when it makes cards in bulk: the daily job makes
        one card per customer on its first run, and a "card created" note,
        its author as a follower and a tracked balance for each of them
        would tell nobody anything. Returns the cards in the order given."""
        Card = self.env["loyalty.card"].sudo()
        created = Card.with_context(tracking_disable=True).create(vals_list)
        # Without the silence: a later write on these cards (a new balance)
        # is tracked as on any card.
        return Card.browse(created.ids)

    @api.model
    def _free_card_codes(self, count):
        """``count`` new card codes drawn by Odoo, none already taken.

        Odoo's ``_generate_code`` draws from 32 random bits: among tens of
        thousands of cards a new code meets an old one now and then (the
        birthday bound), and the unique constraint would then fail the
        whole batch. The codes are drawn by Odoo's own generator, checked,
        and those taken drawn again, a few times. Checked before
        ``create()`` rather than by catching its refused INSERT, whose
        savepoint would flush every pending change of the batch first.
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
        each invoice has given is the sum of its lines), through one
        ``create()`` for all of them; the cards missing are made with their
        balance, the others get their new balance through ``write()``.

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
        today = fields.Date.context_today(self)
        self.env["loyalty.history"].sudo().create(
            [
                {
                    "card_id": cards[program_id, partner_id].id,
                    "description": text,
                    "issued": max(delta, 0.0),
                    "used": max(-delta, 0.0),
                    "order_model": "account.move",
                    "order_id": move_id,
                    "lifecycle_kind": "earn" if delta > 0 else "take_back",
                    "lifecycle_date": today,
                }
                for move_id, partner_id, program_id, delta, text in deltas
            ]
        )
        # Not a stored field: read from the history by SQL, unknown to the
        # ORM's dependencies.
        self.env["account.move"].invalidate_model(["lifecycle_loyalty_points"])
        # The balance is tracked on the card: written through the ORM, one
        # write() per new balance rather than per card.
        created_ids = set(created.ids)
        new_balances = defaultdict(list)
        for pair, delta in balances.items():
            card = cards[pair]
            if card.id not in created_ids:
                points = float_round(
                    card.points + delta, precision_digits=POINTS_DIGITS
                )
                new_balances[points].append(card.id)
        Card = self.env["loyalty.card"].sudo()
        for points, card_ids in new_balances.items():
            Card.browse(card_ids).write({"points": points})

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
