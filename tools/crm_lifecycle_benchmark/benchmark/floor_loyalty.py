"""The SQL floor of the loyalty outputs: what the module's recompute writes
for the loyalty points and tiers of every customer, by the fewest SQL
statements (aggregate reads, one bulk write per output table), and the reset
that puts those outputs back to before the module's first recompute.

The floor reproduces, for every active commercial partner:

* the points of each customer invoice and credit note of the companies with
  a lifecycle loyalty program (the paid part of the untaxed or taxed amount,
  times the company's rate), the difference with what the invoice already
  gave (the sum of its history lines) written as one history line;
* the cards of the customers that get points and have none (created), the
  new card balances;
* the partner's loyalty company, and in that company (company-dependent
  fields) its tier, tier dates, next tier and what is missing to reach it,
  on points or amount tiers.

It assumes the state ``reset_loyalty_outputs`` leaves: no partner in a tier
yet, so every partner gets the tier it qualifies for (the review dates and
grace periods of partners already in a tier are not reproduced). Left out,
because the benchmark's configuration does not trigger them: earning product
categories (``NotImplementedError`` if a company has some), tier pricelists
and tier e-mails, the chatter (tracking of the card balance and of the
tier), and the points expiry (its own scheduled action, not part of the
recompute). Like the ORM's flush, the updates of cards and partners set
``write_uid`` (the superuser, as the benchmark runs) and ``write_date``.

Rounding follows the module's: the points are computed in double precision,
as Python does, and rounded with ``odoo.tools.float_round``'s half-up rule
(see ``round2``), so that the floor and the module agree to the cent.
"""

from dateutil.relativedelta import relativedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.tools import SQL

from odoo.addons.crm_lifecycle.models.crm_lifecycle_loyalty_engine import (
    awarded_points_sql,
    history_description_sql,
    invoice_points_sql,
    money_received_sql,
    round2,
)

BASELINE_PARAM = "crm_lifecycle.bench_loyalty_baseline"


def history_description(cr, move_type, delta, name):
    """SQL for the module's description of a history line, in the
    superuser's language (the benchmark's: English)."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    templates = env["crm.lifecycle.loyalty.engine"]._history_templates()
    return history_description_sql(templates, move_type, delta, name)


def read_baseline(cr):
    """The last card and history ids the benchmark data made itself (its
    customers that were already members); everything after them is output
    of a recompute. (0, 0) without benchmark data."""
    cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [BASELINE_PARAM])
    row = cr.fetchone()
    if not row:
        return 0, 0
    card_id, history_id = (int(part) for part in row[0].split(","))
    return card_id, history_id


def reset_loyalty_outputs(cr):
    """Put the loyalty outputs back to before the module's first recompute:
    the history lines and cards it created are deleted (so what each
    invoice gave is what the benchmark's own history says), the balance of
    every card is what that history gives, and no partner has a loyalty
    company, tier or next tier.

    Statements: four (two deletes, two bulk updates). Tier pricelists are
    not given back (the benchmark's tiers have none), and the chatter the
    module's recompute may have posted (tracking of the tier and of the card
    balance, unless tracking is disabled) is left in place: neither is read
    by a recompute."""
    card_max, history_max = read_baseline(cr)
    programs = SQL(
        "SELECT lifecycle_loyalty_program_id FROM res_company"
        " WHERE lifecycle_loyalty_program_id IS NOT NULL"
    )
    cr.execute(
        SQL(
            """
            DELETE FROM loyalty_history h
             USING loyalty_card c
             WHERE c.id = h.card_id AND c.program_id IN (%s)
               AND h.lifecycle_kind IS NOT NULL AND h.id > %s
            """,
            programs,
            history_max,
        )
    )
    cr.execute(
        SQL(
            "DELETE FROM loyalty_card WHERE program_id IN (%s) AND id > %s",
            programs,
            card_max,
        )
    )
    cr.execute(
        SQL(
            """
            UPDATE loyalty_card c SET points = COALESCE(b.points, 0)
              FROM (
                  SELECT c2.id, %s AS points
                    FROM loyalty_card c2
                    LEFT JOIN loyalty_history h ON h.card_id = c2.id
                   WHERE c2.program_id IN (%s)
                   GROUP BY c2.id
              ) b
             WHERE c.id = b.id
            """,
            round2(SQL("SUM(COALESCE(h.issued, 0) - COALESCE(h.used, 0))")),
            programs,
        )
    )
    cr.execute(
        """
        UPDATE res_partner
           SET loyalty_company_id = NULL, loyalty_tier_id = NULL,
               loyalty_tier_since = NULL, loyalty_tier_review_date = NULL,
               loyalty_next_tier_id = NULL, loyalty_next_tier_missing = NULL
         WHERE loyalty_company_id IS NOT NULL OR loyalty_tier_id IS NOT NULL
            OR loyalty_next_tier_id IS NOT NULL
            OR loyalty_next_tier_missing IS NOT NULL
            OR loyalty_tier_since IS NOT NULL
            OR loyalty_tier_review_date IS NOT NULL
        """
    )


def company_value(column, value):
    """SQL for the new jsonb of the company-dependent ``column`` of ``p``
    with ``value`` set for the company ``r.company_id`` (removed where NULL,
    the fields' fallback), as the ORM's flush writes it."""
    return SQL(
        """NULLIF((COALESCE(p.%(column)s, '{}'::jsonb) - r.company_id::text)
               || CASE WHEN %(value)s IS NULL THEN '{}'::jsonb
                       ELSE jsonb_build_object(r.company_id::text, %(value)s)
                  END, '{}'::jsonb)""",
        column=SQL.identifier(column),
        value=value,
    )


def floor_loyalty(cr, today=None):
    """The loyalty outputs of the module's recompute for every customer, in
    the fewest statements: one aggregate read of the invoice points (into a
    temporary table), then one write per output table (card balances,
    new cards, history lines, partner tiers).

    Statements: two checks of the configuration, the read of the invoice
    points into a temporary table (and its drop), then one write per output:
    card balances (existing cards), new cards (with their balance), history
    lines, and one statement that reads the partners'
    companies, points (and amounts, for amount tiers only) and writes their
    tier fields.

    ``today``: the module's day (its user's ``context_today``); the UTC date
    by default."""
    today = today or fields.Date.today()
    cr.execute(
        "SELECT 1 FROM res_company_lifecycle_loyalty_category_rel r"
        " JOIN res_company c ON c.id = r.company_id"
        " WHERE c.lifecycle_loyalty_program_id IS NOT NULL LIMIT 1"
    )
    if cr.fetchone():
        raise NotImplementedError("earning product categories")
    _settle_points(cr, today)
    _update_tiers(cr, today)


def _settle_points(cr, today):
    cr.execute("DROP TABLE IF EXISTS floor_loyalty_move")
    base = SQL(
        "CASE WHEN c.lifecycle_loyalty_points_basis = 'taxed'"
        " THEN m.amount_total_signed ELSE m.amount_untaxed_signed END::float8"
    )
    target = invoice_points_sql(base)
    cr.execute(
        SQL(
            """
            CREATE TEMP TABLE floor_loyalty_move AS
            SELECT * FROM (
                SELECT move_id, partner_id, program_id, move_type, name,
                       %(delta)s AS delta
                  FROM (
                      SELECT m.id AS move_id, m.commercial_partner_id AS partner_id,
                             c.lifecycle_loyalty_program_id AS program_id,
                             m.move_type, m.name,
                             %(target)s AS target,
                             COALESCE(given.points, 0)::float8 AS awarded
                        FROM account_move m
                        LEFT JOIN (%(given)s) given ON given.move_id = m.id
                        JOIN res_company c ON c.id = m.company_id
                        JOIN res_partner p ON p.id = m.commercial_partner_id
                       WHERE c.lifecycle_loyalty_program_id IS NOT NULL
                         AND p.active
                         AND m.move_type IN ('out_invoice', 'out_refund')
                         AND (m.state = 'posted'
                              OR COALESCE(given.points, 0) != 0)
                  ) moves
            ) deltas
             WHERE delta != 0
            """,
            given=awarded_points_sql(SQL("TRUE")),
            target=target,
            delta=round2(SQL("target - awarded")),
        )
    )
    # The card each (program, partner) gets its points on: its first active
    # card, as the module's search finds it.
    first_card = SQL(
        """
        SELECT DISTINCT ON (program_id, partner_id) id, program_id, partner_id
          FROM loyalty_card
         WHERE active
         ORDER BY program_id, partner_id, id
        """
    )
    cr.execute(
        SQL(
            """
            UPDATE loyalty_card c
               SET points = %(points)s, write_uid = 1,
                   write_date = now() AT TIME ZONE 'UTC'
              FROM (
                  SELECT card.id, SUM(f.delta) AS delta
                    FROM floor_loyalty_move f
                    JOIN (%(first_card)s) card
                      ON card.program_id = f.program_id
                     AND card.partner_id = f.partner_id
                   GROUP BY card.id
              ) d
             WHERE c.id = d.id
            """,
            points=round2(SQL("COALESCE(c.points, 0) + d.delta")),
            first_card=first_card,
        )
    )
    cr.execute(
        SQL(
            """
            INSERT INTO loyalty_card
                   (program_id, company_id, partner_id, code, active, points,
                    create_uid, write_uid, create_date, write_date)
            SELECT f.program_id, prog.company_id, f.partner_id,
                   '044' || substr(md5(random()::text || f.partner_id), 1, 11),
                   true, %(points)s, 1, 1, now() AT TIME ZONE 'UTC',
                   now() AT TIME ZONE 'UTC'
              FROM floor_loyalty_move f
              JOIN loyalty_program prog ON prog.id = f.program_id
             WHERE NOT EXISTS (
                    SELECT 1 FROM loyalty_card c
                     WHERE c.active AND c.program_id = f.program_id
                       AND c.partner_id = f.partner_id)
             GROUP BY f.program_id, prog.company_id, f.partner_id
            """,
            points=round2(SQL("SUM(f.delta)")),
        )
    )
    cr.execute(
        SQL(
            """
            INSERT INTO loyalty_history
                   (card_id, description, issued, used, order_model, order_id,
                    lifecycle_kind, lifecycle_date, create_uid, write_uid,
                    create_date, write_date)
            SELECT card.id, %(description)s,
                   GREATEST(f.delta, 0), GREATEST(-f.delta, 0),
                   'account.move', f.move_id,
                   CASE WHEN f.delta > 0 THEN 'earn' ELSE 'take_back' END,
                   %(today)s, 1, 1, now() AT TIME ZONE 'UTC',
                   now() AT TIME ZONE 'UTC'
              FROM floor_loyalty_move f
              JOIN (%(first_card)s) card
                ON card.program_id = f.program_id AND card.partner_id = f.partner_id
            """,
            description=history_description(
                cr, SQL("f.move_type"), SQL("f.delta"), SQL("f.name")
            ),
            today=today,
            first_card=first_card,
        )
    )
    cr.execute("DROP TABLE floor_loyalty_move")


def _update_tiers(cr, today):
    since = today - relativedelta(months=12)
    cr.execute(
        "SELECT 1 FROM crm_lifecycle_loyalty_tier"
        " WHERE active AND basis = 'amount' LIMIT 1"
    )
    if cr.fetchone():
        # Money received in the last 12 months on customer invoices, net of
        # refunds (the engine's ``_read_tier_values``).
        amounts = SQL(
            "SELECT partner_id, company_id, SUM(amount) AS amount"
            " FROM (%s) received GROUP BY 1, 2",
            money_received_sql(since, SQL("TRUE")),
        )
    else:
        amounts = SQL(
            "SELECT NULL::int AS partner_id, NULL::int AS company_id,"
            " 0::float8 AS amount WHERE false"
        )
    tier_rank = SQL("(t.sequence, t.threshold, t.id)")
    cr.execute(
        SQL(
            """
            WITH partner AS (
                SELECT p.id,
                       COALESCE(p.company_id, last.company_id, (
                           SELECT res_id FROM ir_model_data
                            WHERE module = 'base' AND name = 'main_company'))
                           AS company_id
                  FROM res_partner p
                  LEFT JOIN (
                      SELECT DISTINCT ON (m.commercial_partner_id)
                             m.commercial_partner_id, m.company_id
                        FROM account_move m
                       WHERE m.move_type IN ('out_invoice', 'out_refund')
                         AND m.state = 'posted'
                       ORDER BY m.commercial_partner_id,
                                m.invoice_date DESC NULLS LAST, m.id DESC
                  ) last ON last.commercial_partner_id = p.id
                 WHERE p.active AND p.id = p.commercial_partner_id
            ), points AS (
                SELECT c.partner_id, c.program_id,
                       SUM(COALESCE(h.issued, 0) - COALESCE(h.used, 0)) AS points
                  FROM loyalty_history h
                  JOIN loyalty_card c ON c.id = h.card_id
                 WHERE h.lifecycle_kind IN ('earn', 'take_back')
                   AND h.lifecycle_date > %(since)s
                 GROUP BY c.partner_id, c.program_id
            ), amounts AS (%(amounts)s
            ), val AS (
                SELECT pa.id, pa.company_id,
                       COALESCE(co.lifecycle_loyalty_review_months, 0) AS months,
                       COALESCE(pt.points, 0)::float8 AS points,
                       COALESCE(am.amount, 0)::float8 AS amount
                  FROM partner pa
                  LEFT JOIN res_company co ON co.id = pa.company_id
                  LEFT JOIN points pt
                    ON pt.partner_id = pa.id
                   AND pt.program_id = co.lifecycle_loyalty_program_id
                  LEFT JOIN amounts am
                    ON am.partner_id = pa.id AND am.company_id = pa.company_id
            ), tier AS (
                SELECT id, company_id, sequence, threshold::float8 AS threshold,
                       basis
                  FROM crm_lifecycle_loyalty_tier
                 WHERE active
            ), ranked AS (
                SELECT v.id, v.company_id, v.months, reached.id AS tier_id,
                       nxt.id AS next_id,
                       GREATEST(nxt.threshold - CASE nxt.basis
                           WHEN 'amount' THEN v.amount ELSE v.points END, 0)
                           AS missing
                  FROM val v
                  LEFT JOIN LATERAL (
                      SELECT t.* FROM tier t
                       WHERE t.company_id = v.company_id
                         AND CASE t.basis WHEN 'amount' THEN v.amount
                                          ELSE v.points END > 0
                         AND CASE t.basis WHEN 'amount' THEN v.amount
                                          ELSE v.points END >= t.threshold
                       ORDER BY t.sequence DESC, t.threshold DESC, t.id DESC
                       LIMIT 1
                  ) reached ON true
                  LEFT JOIN LATERAL (
                      SELECT t.* FROM tier t
                       WHERE t.company_id = v.company_id
                         AND (reached.id IS NULL
                              OR %(rank)s > (reached.sequence, reached.threshold,
                                             reached.id))
                       ORDER BY t.sequence, t.threshold, t.id
                       LIMIT 1
                  ) nxt ON true
            )
            UPDATE res_partner p
               SET loyalty_company_id = r.company_id,
                   loyalty_tier_id = %(tier)s,
                   loyalty_tier_since = %(since_date)s,
                   loyalty_tier_review_date = %(review)s,
                   loyalty_next_tier_id = %(next)s,
                   loyalty_next_tier_missing = %(missing)s,
                   write_uid = 1, write_date = now() AT TIME ZONE 'UTC'
              FROM ranked r
             WHERE p.id = r.id
            """,
            since=since,
            amounts=amounts,
            rank=tier_rank,
            tier=company_value("loyalty_tier_id", SQL("r.tier_id")),
            since_date=company_value(
                "loyalty_tier_since",
                SQL(
                    "CASE WHEN r.tier_id IS NOT NULL THEN %(today)s::date END",
                    today=today,
                ),
            ),
            review=company_value(
                "loyalty_tier_review_date",
                SQL(
                    """CASE WHEN r.tier_id IS NOT NULL
                       THEN (%(today)s::date + make_interval(
                                 months => COALESCE(NULLIF(r.months, 0), 12)))::date
                       END""",
                    today=today,
                ),
            ),
            next=company_value("loyalty_next_tier_id", SQL("r.next_id")),
            missing=company_value(
                "loyalty_next_tier_missing",
                SQL("NULLIF(%s, 0)", round2(SQL("r.missing"))),
            ),
        )
    )
