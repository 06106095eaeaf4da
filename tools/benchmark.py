"""crm_lifecycle benchmark: build a database at a given scale, then measure
the daily recompute against the SQL floor and a naive per-partner peer, the
overhead the module adds to posting and paying an invoice, and one filtered
page of the partner list.

Run it through ``tools/bench`` (which prepares Odoo and PostgreSQL); see the
README's Performance section.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import odoo
from odoo import api
from odoo.tools import SQL, config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_data  # noqa: E402


def connect(db):
    registry = odoo.modules.registry.Registry(db)
    return registry


def env_of(cr, context=None):
    return api.Environment(cr, odoo.SUPERUSER_ID, context or {})


def _queries():
    return odoo.sql_db.sql_counter


# ------------------------------------------------------------------
# Build
# ------------------------------------------------------------------


def cmd_build(args):
    registry = connect(args.db)
    with registry.cursor() as cr:
        env = env_of(cr)
        bench_data.build(env, args.customers, args.invoices)
        problems = bench_data.check_consistency(cr)
        cr.execute("ANALYZE")
    print(json.dumps({"consistency": problems or "ok"}))
    return 1 if problems else 0


# ------------------------------------------------------------------
# Measures, each in its own process so that peak memory is its own
# ------------------------------------------------------------------


def _reset_outputs(cr):
    cr.execute("DELETE FROM crm_lifecycle_phase_history")
    cr.execute(
        "UPDATE res_partner SET lifecycle_phase = NULL, lifecycle_phase_since = NULL,"
        " lifecycle_recompute_date = NULL, lifecycle_first_contact_date = NULL,"
        " lifecycle_first_purchase_date = NULL"
    )


def cmd_recompute(args):
    """The module's full daily recompute, from empty outputs."""
    registry = connect(args.db)
    with registry.cursor() as cr:
        _reset_outputs(cr)
        cr.commit()
        env = env_of(cr, {"tracking_disable": args.no_tracking})
        queries, started = _queries(), time.perf_counter()
        env["res.partner"]._lifecycle_recompute_all()
        env.flush_all()
        cr.commit()
        elapsed = time.perf_counter() - started
        queries = _queries() - queries
        cr.execute("SELECT COUNT(*) FROM res_partner WHERE lifecycle_phase IS NOT NULL")
        phased = cr.fetchone()[0]
        # The warm run: what a day without news costs.
        cr.execute("UPDATE res_partner SET lifecycle_recompute_date = NULL")
        cr.commit()
        warm_started = time.perf_counter()
        env["res.partner"]._lifecycle_recompute_all()
        cr.commit()
        warm = time.perf_counter() - warm_started
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "queries": queries,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "partners_with_phase": phased,
                "warm_seconds": warm,
            }
        )
    )


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
       AND p.name LIKE 'Bench Customer %%'
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


def cmd_floor(args):
    """The same inputs read and outputs written by the fewest statements."""
    registry = connect(args.db)
    with registry.cursor() as cr:
        _reset_outputs(cr)
        cr.commit()
        started = time.perf_counter()
        cr.execute(FLOOR_SQL)
        cr.commit()
        elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "queries": 1}))


def cmd_naive(args):
    """What a typical module does: a few ORM queries per partner."""
    registry = connect(args.db)
    with registry.cursor() as cr:
        env = env_of(cr, {"tracking_disable": True, "crm_lifecycle_engine": True})
        Partner = env["res.partner"]
        partners = Partner.search(
            [("name", "=like", "Bench Customer %")], limit=args.sample, order="id"
        )
        total = Partner.search_count([("name", "=like", "Bench Customer %")])
        since = odoo.fields.Date.today() - odoo.tools.relativedelta(days=365)
        queries, started = _queries(), time.perf_counter()
        for partner in partners:
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
            env["crm.lifecycle.phase.history"].create(
                {"partner_id": partner.id, "phase": phase}
            )
            env.flush_all()
            env.invalidate_all()
        elapsed = time.perf_counter() - started
        queries = _queries() - queries
        cr.rollback()
    print(
        json.dumps(
            {
                "sample": len(partners),
                "sample_seconds": elapsed,
                "seconds": elapsed * total / max(len(partners), 1),
                "queries": queries * total // max(len(partners), 1),
            }
        )
    )


def _median_ms(samples):
    return statistics.median(samples) * 1000 if samples else None


def cmd_events(args):
    """Median time to post, then to pay, one invoice with and without the
    module's event hooks."""
    registry = connect(args.db)
    result = {}
    with registry.cursor() as cr:
        env = env_of(cr, {"tracking_disable": True})
        partner_ids = env["res.partner"].search(
            [("name", "=like", "Bench Customer %")], limit=args.count * 2, order="id"
        ).ids
        product = env["product.product"].search([("name", "=", "Bench Product")], limit=1)
        for label, ctx in (("with_hooks", {}), ("without_hooks", {"crm_lifecycle_no_event": True})):
            post, pay = [], []
            e = env(context=dict(env.context, **ctx))
            for index in range(args.count):
                invoice = e["account.move"].create(
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner_ids[index * 2 + (label == "with_hooks")],
                        "invoice_line_ids": [
                            odoo.Command.create(
                                {"product_id": product.id, "price_unit": 100.0}
                            )
                        ],
                    }
                )
                cr.flush()
                started = time.perf_counter()
                invoice.action_post()
                cr.flush()
                post.append(time.perf_counter() - started)
                wizard = e["account.payment.register"].with_context(
                    active_model="account.move", active_ids=invoice.ids
                ).create({})
                started = time.perf_counter()
                wizard._create_payments()
                cr.flush()
                pay.append(time.perf_counter() - started)
            result[label] = {"post_ms": _median_ms(post), "pay_ms": _median_ms(pay)}
        cr.rollback()
    result["post_overhead_ms"] = (
        result["with_hooks"]["post_ms"] - result["without_hooks"]["post_ms"]
    )
    result["pay_overhead_ms"] = (
        result["with_hooks"]["pay_ms"] - result["without_hooks"]["pay_ms"]
    )
    print(json.dumps(result))


def cmd_listpage(args):
    """One page of the partner list, filtered, with its count, as the web
    client asks for it."""
    registry = connect(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, 2, {})  # the administrator, with record rules
        Partner = env["res.partner"]
        filters = {"phase": [("lifecycle_phase", "=", "retention")]}
        for field, value in (("rfm_segment", "at_risk"), ("payment_grade", "D")):
            if field in Partner._fields:
                filters[field] = [(field, "=", value)]
        spec = {
            name: {}
            for name in ("display_name", "email", "lifecycle_phase", "user_id")
            if name in Partner._fields
        }
        result = {}
        for label, domain in filters.items():
            timings = []
            for _ in range(5):
                env.invalidate_all()
                started = time.perf_counter()
                page = Partner.web_search_read(domain, spec, limit=80, count_limit=None)
                timings.append(time.perf_counter() - started)
            result[label] = {"ms": min(timings) * 1000, "count": page["length"]}
    print(json.dumps(result))


# ------------------------------------------------------------------
# Orchestration
# ------------------------------------------------------------------


def run_child(args, command, extra=()):
    child = subprocess.run(
        [sys.executable, __file__, command, "--db", args.db_for, *args.odoo_args, *extra],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in child.stdout.splitlines() if line.startswith("{")]
    if child.returncode or not lines:
        sys.stderr.write(child.stderr[-4000:])
        raise SystemExit(f"benchmark step {command} failed")
    return json.loads(lines[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command")
    parser.add_argument("--db")
    parser.add_argument("--customers", type=int)
    parser.add_argument("--invoices", type=int)
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--no-tracking", action="store_true")
    args, odoo_args = parser.parse_known_args()
    config.parse_config(odoo_args)
    args.odoo_args = odoo_args
    commands = {
        "build": cmd_build,
        "recompute": cmd_recompute,
        "floor": cmd_floor,
        "naive": cmd_naive,
        "events": cmd_events,
        "listpage": cmd_listpage,
    }
    return commands[args.command](args) or 0


if __name__ == "__main__":
    sys.exit(main())
