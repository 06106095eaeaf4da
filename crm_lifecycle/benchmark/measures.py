"""Reference computations the benchmark sets the module against: the SQL
floor (the same inputs read and outputs written by the fewest statements) and
the naive peer (a few ORM queries per partner, as a typical module would)."""

from datetime import timedelta

from odoo import fields

FLOOR_SQL = """
WITH facts AS (
    SELECT p.id,
           COALESCE(inv.total, 0) AS invoices,
           COALESCE(inv.recent, 0) AS recent,
           COALESCE(cat.n, 0) AS categories,
           COALESCE(deal.n, 0) AS deals
      FROM res_partner p
      LEFT JOIN (
          SELECT commercial_partner_id AS id, COUNT(*) AS total,
                 COUNT(*) FILTER (WHERE invoice_date > CURRENT_DATE - 365) AS recent
            FROM account_move
           WHERE move_type = 'out_invoice' AND state = 'posted'
             AND payment_state IS DISTINCT FROM 'reversed'
           GROUP BY commercial_partner_id) inv ON inv.id = p.id
      LEFT JOIN (
          SELECT m.commercial_partner_id AS id, COUNT(DISTINCT t.categ_id) AS n
            FROM account_move_line l
            JOIN account_move m ON m.id = l.move_id
            JOIN product_product pp ON pp.id = l.product_id
            JOIN product_template t ON t.id = pp.product_tmpl_id
           WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
             AND m.payment_state IS DISTINCT FROM 'reversed'
             AND m.invoice_date > CURRENT_DATE - 365 AND l.display_type = 'product'
           GROUP BY m.commercial_partner_id) cat ON cat.id = p.id
      LEFT JOIN (
          SELECT cp AS id, SUM(n) AS n FROM (
              SELECT rp.commercial_partner_id AS cp, COUNT(*) AS n
                FROM crm_lead l JOIN res_partner rp ON rp.id = l.partner_id
               WHERE l.type = 'opportunity' AND l.active
               GROUP BY rp.commercial_partner_id
              UNION ALL
              SELECT rp.commercial_partner_id, COUNT(*)
                FROM sale_order o JOIN res_partner rp ON rp.id = o.partner_id
               WHERE o.state IN ('draft', 'sent', 'sale')
               GROUP BY rp.commercial_partner_id) d
           GROUP BY cp) deal ON deal.id = p.id
     WHERE p.active AND p.id = p.commercial_partner_id
       AND NOT EXISTS (SELECT 1 FROM res_company c WHERE c.partner_id = p.id)
       AND NOT EXISTS (SELECT 1 FROM res_users u
                        WHERE u.partner_id = p.id AND NOT u.share)
), phases AS (
    SELECT id, CASE WHEN recent >= 2 OR categories >= 2 THEN 'extension'
                    WHEN invoices > 0 THEN 'retention'
                    WHEN deals > 0 THEN 'acquisition'
                    ELSE 'selection' END AS phase
      FROM facts
), upd AS (
    UPDATE res_partner p SET lifecycle_phase = ph.phase,
                             lifecycle_phase_since = now() AT TIME ZONE 'UTC'
      FROM phases ph WHERE p.id = ph.id OR p.commercial_partner_id = ph.id
)
INSERT INTO crm_lifecycle_phase_history
       (partner_id, phase, date_start, is_current, create_uid, write_uid,
        create_date, write_date)
SELECT id, phase, now() AT TIME ZONE 'UTC', true, 1, 1, now(), now() FROM phases
"""


def floor_recompute(cr):
    """Every phase and history row of the bench customers, in one statement."""
    cr.execute(FLOOR_SQL)


def naive_recompute(env, partners):
    """The phases the way a module without set-based reads would get them."""
    since = fields.Date.today() - timedelta(days=365)
    for partner in partners.with_env(env):
        invoices = env["account.move"].search(
            [
                ("commercial_partner_id", "=", partner.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "!=", "reversed"),
            ]
        )
        recent = invoices.filtered(lambda m, since=since: m.invoice_date > since)
        categories = recent.invoice_line_ids.product_id.categ_id
        deals = env["crm.lead"].search_count(
            [("partner_id", "child_of", partner.id), ("type", "=", "opportunity")]
        ) + env["sale.order"].search_count(
            [
                ("partner_id", "child_of", partner.id),
                ("state", "in", ("draft", "sent", "sale")),
            ]
        )
        if len(recent) >= 2 or len(categories) >= 2:
            phase = "extension"
        elif invoices:
            phase = "retention"
        elif deals:
            phase = "acquisition"
        else:
            phase = "selection"
        partner.write({"lifecycle_phase": phase})
        History = env["crm.lifecycle.phase.history"]
        History.search(
            [("partner_id", "=", partner.id), ("date_end", "=", False)]
        ).write({"date_end": fields.Datetime.now()})
        History.flush_model()
        History.create({"partner_id": partner.id, "phase": phase})
        env.flush_all()
        env.invalidate_all()
