"""Reference computations the benchmark sets the module against: the SQL
floor (the same inputs read and outputs written by the fewest statements) and
the naive peer (a few ORM queries per partner, as a typical module would)."""

import time

from odoo.tools import SQL

from . import floor_complaints, floor_fit, floor_loyalty, floor_outputs, naive

# The module's default rules (2 invoices or 2 categories in 365 days make an
# extension), on the bench customers, written as the module writes them:
# phase, since, first contact and purchase dates and the day's mark on the
# partners and their contacts in one UPDATE, and the history rebuilt from
# the records' dates (a row per phase reached, a phase entered and left the
# same instant dropped) in one INSERT.
FLOOR_SQL = """
WITH inv AS (
    SELECT commercial_partner_id AS id, COUNT(*) AS total,
           COUNT(*) FILTER (WHERE invoice_date > CURRENT_DATE - 365) AS recent,
           MIN(invoice_date) AS first_date,
           -- the first day 2 invoices fell within 365 days, else the last
           COALESCE(MIN(invoice_date) FILTER (WHERE invoice_date - previous < 365),
                    MAX(invoice_date)) AS extension_date
      FROM (SELECT commercial_partner_id, invoice_date,
                   LAG(invoice_date) OVER (PARTITION BY commercial_partner_id
                                           ORDER BY invoice_date) AS previous
              FROM account_move
             WHERE move_type = 'out_invoice' AND state = 'posted'
               AND payment_state IS DISTINCT FROM 'reversed') m
     GROUP BY commercial_partner_id
), cat AS (
    SELECT m.commercial_partner_id AS id, COUNT(DISTINCT t.categ_id) AS n
      FROM account_move_line l
      JOIN account_move m ON m.id = l.move_id
      JOIN product_product pp ON pp.id = l.product_id
      JOIN product_template t ON t.id = pp.product_tmpl_id
     WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
       AND m.payment_state IS DISTINCT FROM 'reversed'
       AND m.invoice_date > CURRENT_DATE - 365 AND l.display_type = 'product'
     GROUP BY m.commercial_partner_id
), deal AS (
    SELECT cp AS id, SUM(n) FILTER (WHERE open) AS n, MIN(first_date) AS first_date,
           MIN(lead_date) AS lead_date
      FROM (
          SELECT rp.commercial_partner_id AS cp, l.type = 'opportunity' AND l.active
                 AS open, COUNT(*) AS n,
                 MIN(l.create_date) FILTER (WHERE l.type = 'opportunity') AS first_date,
                 MIN(l.create_date) AS lead_date
            FROM crm_lead l JOIN res_partner rp ON rp.id = l.partner_id
           GROUP BY 1, 2
          UNION ALL
          SELECT rp.commercial_partner_id, o.state IN ('draft', 'sent', 'sale'),
                 COUNT(*), MIN(o.create_date), NULL
            FROM sale_order o JOIN res_partner rp ON rp.id = o.partner_id
           GROUP BY 1, 2) d
     GROUP BY cp
), facts AS (
    SELECT p.id,
           CASE WHEN COALESCE(inv.recent, 0) >= 2 OR COALESCE(cat.n, 0) >= 2
                     THEN 'extension'
                WHEN inv.total > 0 THEN 'retention'
                WHEN deal.n > 0 THEN 'acquisition'
                ELSE 'selection' END AS phase,
           LEAST(p.create_date, deal.lead_date) AS first_contact,
           deal.first_date AS first_deal,
           inv.first_date AS first_invoice,
           inv.extension_date
      FROM res_partner p
      LEFT JOIN inv ON inv.id = p.id
      LEFT JOIN cat ON cat.id = p.id
      LEFT JOIN deal ON deal.id = p.id
     WHERE p.active AND p.id = p.commercial_partner_id
       AND NOT EXISTS (SELECT 1 FROM res_company c WHERE c.partner_id = p.id)
       AND NOT EXISTS (SELECT 1 FROM res_users u
                        WHERE u.partner_id = p.id AND NOT u.share)
), steps AS (
    -- each phase reached, at its date, never before the one before it
    SELECT id, phase, step, rank,
           MAX(start) OVER (PARTITION BY id ORDER BY rank) AS start
      FROM (
          SELECT f.id, f.phase, s.step, s.rank,
                 -- LEAST ignores a NULL: a phase without a date stays NULL
                 -- "now" as the module's: the clock when the rows are
                 -- written (not when the transaction began), to the second,
                 -- as the starts
                 CASE WHEN s.step = f.phase OR s.start IS NOT NULL
                      THEN LEAST(COALESCE(date_trunc('second', s.start), n.now),
                                 n.now) END AS start
            FROM facts f
           CROSS JOIN (SELECT date_trunc('second', clock_timestamp()
                                         AT TIME ZONE 'UTC') AS now) n
           CROSS JOIN LATERAL (VALUES
                ('selection', 1, COALESCE(f.first_contact, n.now)),
                ('acquisition', 2, f.first_deal),
                ('retention', 3, f.first_invoice::timestamp),
                ('extension', 4, CASE WHEN f.first_invoice IS NOT NULL
                                      THEN f.extension_date::timestamp END)
           ) AS s(step, rank, start)
           WHERE s.rank <= CASE f.phase WHEN 'selection' THEN 1
                                        WHEN 'acquisition' THEN 2
                                        WHEN 'retention' THEN 3 ELSE 4 END
      ) candidates
     WHERE start IS NOT NULL
), kept AS (
    SELECT *, LEAD(start) OVER (PARTITION BY id ORDER BY rank) AS next_start
      FROM steps
), history AS (
    SELECT id, phase, step, start,
           LEAD(start) OVER (PARTITION BY id ORDER BY rank) AS date_end
      FROM kept
     WHERE next_start IS NULL OR next_start <> start
), upd AS (
    UPDATE res_partner p
       SET lifecycle_phase = f.phase,
           lifecycle_phase_since = h.start,
           lifecycle_first_contact_date = f.first_contact::date,
           lifecycle_first_purchase_date = f.first_invoice,
           lifecycle_days_to_first_purchase = COALESCE(
               GREATEST(f.first_invoice - f.first_contact::date, 0), 0),
           lifecycle_recompute_date = CURRENT_DATE
      FROM facts f
      JOIN history h ON h.id = f.id AND h.date_end IS NULL
     WHERE p.commercial_partner_id = f.id
)
INSERT INTO crm_lifecycle_phase_history
       (partner_id, company_id, salesperson_id, country_id, phase, date_start,
        date_end, is_current, reason, create_uid, write_uid, create_date,
        write_date)
SELECT h.id, p.company_id, p.user_id, p.country_id, h.step, h.start, h.date_end,
       h.date_end IS NULL, 'floor', 1, 1, now(), now()
  FROM history h
  JOIN res_partner p ON p.id = h.id
"""


def reset_outputs(env):
    """Every output of the module's daily jobs back to "never computed"."""
    cr = env.cr
    env.flush_all()
    cr.execute("DELETE FROM crm_lifecycle_phase_history")
    cr.execute(
        "UPDATE res_partner SET lifecycle_phase = NULL, lifecycle_phase_since = NULL,"
        " lifecycle_recompute_date = NULL, lifecycle_first_contact_date = NULL,"
        " lifecycle_first_purchase_date = NULL, lifecycle_days_to_first_purchase = 0"
    )
    floor_outputs.reset_payment_outputs(cr)
    floor_loyalty.reset_loyalty_outputs(cr)
    floor_outputs.reset_retention_outputs(cr)
    floor_complaints.reset_complaint_outputs(cr)
    floor_fit.reset_fit_outputs(cr)
    env.invalidate_all()


def reset_outputs_complaints(env):
    """The customers' complaint figures back to "never computed"."""
    env.flush_all()
    floor_complaints.reset_complaint_outputs(env.cr)
    env.invalidate_all()


def floor_phases(cr):
    """Every phase and history row of the bench customers, in one statement."""
    cr.execute(FLOOR_SQL)


def floor_recompute(env):
    """Every output of the daily jobs by the fewest statements; returns the
    seconds of each part."""
    parts = {}
    for name, run in (
        ("phases", lambda: floor_phases(env.cr)),
        ("payment", lambda: floor_outputs.floor_payment(env.cr)),
        ("loyalty", lambda: floor_loyalty.floor_loyalty(env.cr)),
        ("retention", lambda: floor_outputs.floor_retention(env)),
        ("complaints", lambda: floor_complaints.floor_complaints(env.cr)),
        ("fit", lambda: floor_fit.floor_fit(env)),
    ):
        started = time.perf_counter()
        run()
        parts[name] = time.perf_counter() - started
    return parts


def naive_recompute(env, partners):
    """Every output of the daily jobs the way a module without set-based
    reads would get them, one partner at a time (see naive.py)."""
    naive.recompute(env, partners)


# The fields of a row of the list of customers to act on, as its list view
# reads them.
ACTION_LIST_SPEC = {
    name: {}
    for name in (
        "partner_id",
        "reason",
        "summary",
        "date",
        "amount",
        "clv_predicted",
        "rfm_segment",
        "churn_probability",
        "user_id",
        "assignee_id",
        "currency_id",
        "activity_id",
        "complaint_id",
    )
}


def action_list_pages(env, repeat=5):
    """The first page (80 rows, most valuable customers first) of the list of
    customers to act on, with its count, as the web client asks for it: the
    manager's whole list and the user's own. Returns {label: {"ms": best
    time, "count": rows, "reasons": {reason: rows}}}."""
    Item = env["crm.lifecycle.action.item"]
    uid = env.uid
    pages = {
        "all": [],
        "mine": ["|", ("user_id", "=", uid), ("assignee_id", "=", uid)],
    }
    result = {}
    for label, domain in pages.items():
        timings = []
        for _ in range(repeat):
            env.invalidate_all()
            started = time.perf_counter()
            page = Item.web_search_read(
                domain, ACTION_LIST_SPEC, limit=80, count_limit=None
            )
            timings.append(time.perf_counter() - started)
        groups = Item.read_group(domain, ["reason"], ["reason"])
        result[label] = {
            "ms": min(timings) * 1000,
            "count": page["length"],
            "reasons": {group["reason"]: group["reason_count"] for group in groups},
        }
    return result


def measure_fit(env):
    """The fit score of every prospect and customer: each company's model
    fitted on its customers' traits and lifetime values, then every partner
    scored and written, set-based. Returns the seconds and what was made."""
    started = time.perf_counter()
    env["res.partner"]._lifecycle_fit_all()
    env.flush_all()
    seconds = time.perf_counter() - started
    model = env["crm.lifecycle.fit"]._active_fit(env.company)
    Partner = env["res.partner"]
    method = Partner._lifecycle_company_value_sql(
        "p", "lifecycle_fit_method", env.company
    )
    env.cr.execute(
        SQL("SELECT COUNT(*) FROM res_partner p WHERE %s IS NOT NULL", method)
    )
    return {
        "seconds": seconds,
        "scored": env.cr.fetchone()[0],
        "method": model.method,
        "sample": model.sample_size,
        "best": model.best_count,
        "auc": model.auc if model.auc_measured else None,
    }


def suggestions(env):
    """The cross-sell suggestions of every customer of every company
    rewritten to the end, as the daily job does, then their hit rate
    measured against the best sellers: the seconds of each and what they
    made."""
    cr = env.cr
    env.flush_all()
    started = time.perf_counter()
    env["res.partner"]._suggestion_recompute_all()
    env.flush_all()
    seconds = time.perf_counter() - started
    cr.execute(
        "SELECT COUNT(*), COUNT(DISTINCT partner_id),"
        " COUNT(*) FILTER (WHERE method = 'cooccurrence')"
        " FROM crm_lifecycle_suggestion"
    )
    rows, customers, cooccurrence = cr.fetchone()
    started = time.perf_counter()
    evaluation = env["crm.lifecycle.suggestion.engine"]._evaluate_company(env.company)
    evaluation_seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows": rows,
        "customers": customers,
        "cooccurrence_rows": cooccurrence,
        "evaluation_seconds": evaluation_seconds,
        "sample": evaluation.sample,
        "hit_rate": evaluation.hit_rate,
        "baseline_hit_rate": evaluation.baseline_hit_rate,
    }
