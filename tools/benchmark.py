"""crm_lifecycle benchmark: build a database at a given scale, then measure
the daily recompute against the SQL floor and a naive per-partner peer, the
overhead the module adds to posting and paying an invoice, one filtered
page of the partner list, and the weekly funnel inflow alert.

Run it through ``tools/bench`` (which prepares Odoo and PostgreSQL). The
data builder, the floor and the naive peer are the benchmark add-on's
(``tools/crm_lifecycle_benchmark``, see its README for the method); each
database gets that add-on beside the module.
"""

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from contextlib import nullcontext

import odoo
from odoo import api
from odoo.tools import config


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
        data.build(env, args.customers, args.invoices)
        problems = data.check_consistency(cr)
    _vacuum(registry)
    print(json.dumps({"consistency": problems or "ok"}))
    return 1 if problems else 0


# ------------------------------------------------------------------
# Measures, each in its own process so that peak memory is its own
# ------------------------------------------------------------------


def _vacuum(registry):
    """What autovacuum does to a live database between two days: dead rows
    reclaimed, statistics for the planner, hint bits set. Each step of the
    benchmark rewrites every customer (the reset, the recompute); without
    it, a server with autovacuum off measures ever larger tables, each
    measure slower than the last for no change of the code."""
    with registry.cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute("VACUUM ANALYZE")


def _reset_outputs(env):
    """Every output of the daily jobs back to "never computed", so that the
    module and the floor both write all of them; then vacuumed."""
    measures.reset_outputs(env)
    env.cr.commit()
    env.invalidate_all()
    _vacuum(env.registry)


def _daily_jobs(env):
    """What the module's scheduled actions do in a day, run to the end:
    phases, payment figures and loyalty (one job), then RFM, churn and
    lifetime value (the other). Returns the seconds of each."""
    started = time.perf_counter()
    env["res.partner"]._lifecycle_recompute_all()
    env.cr.commit()
    lifecycle = time.perf_counter() - started
    started = time.perf_counter()
    env["res.partner"]._retention_recompute_all()
    env.cr.commit()
    return lifecycle, time.perf_counter() - started


def cmd_recompute(args):
    """The module's daily jobs run to the end on outputs never computed, so
    that every output of every customer is written (with the chatter silent,
    as the installation runs them); then again, as on a day without news."""
    registry = connect(args.db)
    with registry.cursor() as cr:
        env = env_of(cr)
        _reset_outputs(env)
        queries = _queries()
        lifecycle, retention = _daily_jobs(env(context={"tracking_disable": True}))
        queries = _queries() - queries
        cr.execute("SELECT COUNT(*) FROM res_partner WHERE lifecycle_phase IS NOT NULL")
        phased = cr.fetchone()[0]
        # The warm run: what a day without news costs, after the night's
        # autovacuum.
        cr.commit()
        env.invalidate_all()
        _vacuum(registry)
        warm = sum(_daily_jobs(env))
    print(
        json.dumps(
            {
                "seconds": lifecycle + retention,
                "lifecycle_seconds": lifecycle,
                "retention_seconds": retention,
                "queries": queries,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                / 1024,
                "partners_with_phase": phased,
                "warm_seconds": warm,
            }
        )
    )


def cmd_floor(args):
    """The same inputs read and outputs written by the fewest statements."""
    registry = connect(args.db)
    with registry.cursor() as cr:
        env = env_of(cr)
        _reset_outputs(env)
        started = time.perf_counter()
        queries = _queries()
        parts = measures.floor_recompute(env)
        cr.commit()
        elapsed = time.perf_counter() - started
        queries = _queries() - queries
    print(json.dumps({"seconds": elapsed, "queries": queries, "parts": parts}))


def cmd_naive(args):
    """What a typical module does: a few ORM queries per partner."""
    registry = connect(args.db)
    with registry.cursor() as cr:
        env = env_of(cr, {"tracking_disable": True})
        Partner = env["res.partner"]
        partners = Partner.search(
            [("name", "=like", "Bench Customer %")], limit=args.sample, order="id"
        )
        total = Partner.search_count([("name", "=like", "Bench Customer %")])
        queries, started = _queries(), time.perf_counter()
        measures.naive_recompute(env, partners)
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
    module's event hooks; and of the queued job that settles what the
    payment changed, out of the payment's transaction."""
    registry = connect(args.db)
    _vacuum(registry)
    result = {}
    with registry.cursor() as cr:
        env = env_of(cr, {"tracking_disable": True})
        partner_ids = (
            env["res.partner"]
            .search(
                [("name", "=like", "Bench Customer %")],
                limit=args.count * 2,
                order="id",
            )
            .ids
        )
        product = env["product.product"].search(
            [("name", "=", "Bench Product")], limit=1
        )
        # Whether the module's events are held back.
        modes = {"with_hooks": False, "without_hooks": True}
        samples = {label: {"post": [], "pay": []} for label in modes}
        settled = []
        for index in range(args.count):
            # Alternate the modes, and which goes first, so that caches and
            # the database's own warm-up favour neither.
            order = list(modes) if index % 2 else list(reversed(list(modes)))
            for offset, label in enumerate(order):
                held = engine_path.events_held() if modes[label] else nullcontext()
                with held:
                    invoice = env["account.move"].create(
                        {
                            "move_type": "out_invoice",
                            "partner_id": partner_ids[index * 2 + offset],
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
                    samples[label]["post"].append(time.perf_counter() - started)
                    wizard = (
                        env["account.payment.register"]
                        .with_context(
                            active_model="account.move", active_ids=invoice.ids
                        )
                        .create({})
                    )
                    started = time.perf_counter()
                    wizard._create_payments()
                    cr.flush()
                    samples[label]["pay"].append(time.perf_counter() - started)
                    if label == "with_hooks":
                        # What the payment queued (figures, points, tier), as
                        # the job it triggers settles it in its own transaction.
                        started = time.perf_counter()
                        env["crm.lifecycle.refresh"]._refresh_all()
                        cr.flush()
                        settled.append(time.perf_counter() - started)
        for label, figures in samples.items():
            result[label] = {
                "post_ms": _median_ms(figures["post"]),
                "pay_ms": _median_ms(figures["pay"]),
            }
        result["settled_ms"] = _median_ms(settled)
        cr.rollback()
    result["post_overhead_ms"] = (
        result["with_hooks"]["post_ms"] - result["without_hooks"]["post_ms"]
    )
    result["pay_overhead_ms"] = (
        result["with_hooks"]["pay_ms"] - result["without_hooks"]["pay_ms"]
    )
    print(json.dumps(result))


def cmd_fit(args):
    """The fit score for all customers: each company's model fitted on its
    customers (after the daily jobs wrote their lifetime values) and every
    prospect and customer scored."""
    registry = connect(args.db)
    _vacuum(registry)
    with registry.cursor() as cr:
        env = env_of(cr)
        queries = _queries()
        result = measures.measure_fit(env)
        result["queries"] = _queries() - queries
        cr.commit()
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def cmd_listpage(args):
    """One page of the partner list, filtered, with its count, as the web
    client asks for it, after the night's autovacuum."""
    registry = connect(args.db)
    _vacuum(registry)
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


def cmd_actionlist(args):
    """The list of customers to act on, first page with its count, as the
    administrator (a lifecycle manager, with record rules) sees it: every
    customer's, and the administrator's own."""
    registry = connect(args.db)
    _vacuum(registry)
    with registry.cursor() as cr:
        env = api.Environment(cr, 2, {})  # the administrator, with record rules
        result = measures.action_list_pages(env)
    print(json.dumps(result))


COMPLAINT_MAIL = """From: {email}
To: bench-gateway@nowhere.example.com
Subject: Bench complaint {n}
Message-ID: <bench-complaint-{n}-{label}@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

The parcel of my last order arrived damaged.
"""


def _best_ms(run, repeat=5):
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return min(timings) * 1000


def cmd_complaints(args):
    """The complaint cases (made once, if the database has none yet): the
    customers' complaint figures pass and the SLA job run to the end, the
    backlog pages, and an e-mail that opens a case beside one that opens an
    opportunity through the same mail gateway. Everything it changes is
    rolled back."""
    registry = connect(args.db)
    with registry.cursor() as cr:
        data.normalize_emails(cr)
        made = data.build_complaints(env_of(cr))
        cr.commit()
    if made:
        _vacuum(registry)
    result = {"cases_made": made}
    with registry.cursor() as cr:
        env = env_of(cr, {"tracking_disable": True})
        cr.execute("SELECT COUNT(*) FROM crm_lifecycle_complaint")
        result["cases"] = cr.fetchone()[0]
        Partner = env["res.partner"]
        cr.execute(
            "SELECT DISTINCT commercial_partner_id FROM res_partner"
            " WHERE active AND id = commercial_partner_id ORDER BY 1"
        )
        ids = [row[0] for row in cr.fetchall()]
        measures.reset_outputs_complaints(env)
        batch = env["crm.lifecycle.settings"]._get("cron_batch_size")
        started = time.perf_counter()
        for index in range(0, len(ids), batch):
            Partner.browse(ids[index : index + batch])._lifecycle_recompute(
                frozenset({"complaint"})
            )
            env.flush_all()
            env.invalidate_all()
        result["pass_seconds"] = time.perf_counter() - started
        Complaint = env["crm.lifecycle.complaint"]
        started = time.perf_counter()
        queries = _queries()
        while Complaint._cron_escalate():
            pass
        env.flush_all()
        result["sla_seconds"] = time.perf_counter() - started
        result["sla_queries"] = _queries() - queries
        cr.execute(
            "SELECT COUNT(*) FROM mail_activity WHERE res_model ="
            " 'crm.lifecycle.complaint'"
        )
        result["sla_escalated"] = cr.fetchone()[0]
        cr.rollback()
    _vacuum(registry)
    with registry.cursor() as cr:
        env = api.Environment(cr, 2, {})  # the administrator, with record rules
        Complaint = env["crm.lifecycle.complaint"]
        open_cases = [("is_closed", "=", False)]
        spec = {
            name: {}
            for name in (
                "priority",
                "name",
                "subject",
                "commercial_partner_id",
                "category_id",
                "user_id",
                "stage_id",
                "date_open",
                "sla_deadline",
                "is_closed",
                "sla_breached",
                "activity_exception_decoration",
            )
        }

        def list_page():
            env.invalidate_all()
            Complaint.web_search_read(open_cases, spec, limit=80, count_limit=None)

        def kanban():
            env.invalidate_all()
            groups = Complaint.web_read_group(
                open_cases, ["stage_id"], ["stage_id"], lazy=True
            )
            for group in groups["groups"]:
                Complaint.web_search_read(group["__domain"], spec, limit=40)

        def analysis():
            env.invalidate_all()
            env["crm.lifecycle.complaint.report"].read_group(
                [],
                ["case_count:sum", "breach_rate:avg", "resolution_hours:avg"],
                ["category_id", "date_open:month"],
                lazy=False,
            )

        def service_levels():
            env.invalidate_all()
            env["crm.lifecycle.complaint.sla.report"].web_search_read(
                [], {"month": {}, "response_median": {}, "resolution_p90": {}}, limit=80
            )

        result["backlog_list_ms"] = _best_ms(list_page)
        result["backlog_kanban_ms"] = _best_ms(kanban)
        result["analysis_ms"] = _best_ms(analysis)
        result["service_levels_ms"] = _best_ms(service_levels)
    with registry.cursor() as cr:
        env = env_of(cr, {"tracking_disable": True})
        cr.execute(
            "SELECT email FROM res_partner WHERE name LIKE 'Bench Customer %%'"
            " AND email IS NOT NULL ORDER BY id LIMIT %s",
            [args.count * 2],
        )
        emails = [row[0] for row in cr.fetchall()]
        samples = {"crm.lifecycle.complaint": [], "crm.lead": []}
        for n, email in enumerate(emails):
            # Interleaved, so that caches favour neither.
            for model in samples if n % 2 else reversed(list(samples)):
                raw = COMPLAINT_MAIL.format(email=email, n=n, label=model)
                started = time.perf_counter()
                env["mail.thread"].message_process(model, raw)
                cr.flush()
                samples[model].append(time.perf_counter() - started)
        cr.rollback()
        result["email_case_ms"] = _median_ms(samples["crm.lifecycle.complaint"])
        result["email_lead_ms"] = _median_ms(samples["crm.lead"])
    print(json.dumps(result))


def cmd_funnel(args):
    """The weekly funnel inflow alert on a phase history spread over the
    61 weeks it reads (one entry per customer and watched phase, planted
    for the measure): the job for every company, its queries and peak
    memory. Everything it changes is rolled back."""
    registry = connect(args.db)
    with registry.cursor() as cr:
        env = env_of(cr, {"tracking_disable": True})
        entries = funnel.plant_history(env)
        cr.execute("ANALYZE crm_lifecycle_phase_history")
        queries = _queries()
        result = funnel.run_weekly_job(env)
        result["queries"] = _queries() - queries
        result["entries"] = entries
        cr.execute("SELECT COUNT(*) FROM crm_lifecycle_phase_history")
        result["history_rows"] = cr.fetchone()[0]
        result["peak_rss_mb"] = (
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        )
        cr.rollback()
    print(json.dumps(result))


def cmd_suggestions(args):
    """The cross-sell suggestions of all customers (the bench catalogue of
    2,000 products made once, if the database has none yet), with the
    process's peak memory, and their hit rate against the best sellers.
    What it writes is rolled back."""
    registry = connect(args.db)
    with registry.cursor() as cr:
        made = data.build_products(env_of(cr))
        cr.commit()
    if made:
        _vacuum(registry)
    with registry.cursor() as cr:
        env = env_of(cr)
        cr.execute("SELECT COUNT(*) FROM product_product WHERE active")
        products = cr.fetchone()[0]
        queries = _queries()
        result = measures.suggestions(env)
        result["queries"] = _queries() - queries
        result["products"] = products
        result["products_made"] = made
        result["peak_rss_mb"] = (
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        )
        cr.rollback()
    print(json.dumps(result))


# ------------------------------------------------------------------
# Orchestration
# ------------------------------------------------------------------


def run_child(args, command, extra=()):
    child = subprocess.run(
        [
            sys.executable,
            __file__,
            command,
            "--db",
            args.db_for,
            *extra,
            *args.odoo_args,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in child.stdout.splitlines() if line.startswith("{")]
    if child.returncode or not lines:
        sys.stderr.write(child.stderr[-4000:])
        raise SystemExit(f"benchmark step {command} failed")
    return json.loads(lines[-1])


SCALES = "10000:100000,100000:1000000"
MODULE = "crm_lifecycle"
BENCHMARK_MODULE = "crm_lifecycle_benchmark"


def _db_exists(db):
    from odoo.service import db as db_service

    return db in db_service.list_dbs(force=True)


def cmd_run(args):
    """Build (once) and measure every scale; print a table, write JSON."""
    results = []
    for scale in args.scales.split(","):
        customers, invoices = (int(x) for x in scale.split(":"))
        args.db_for = f"crm_lifecycle_bench_{customers}_{invoices}"
        row = {"customers": customers, "invoices": invoices, "db": args.db_for}
        fresh = args.rebuild or not _db_exists(args.db_for)
        if fresh and _db_exists(args.db_for):
            from odoo.service import db as db_service

            db_service.exp_drop(args.db_for)
        # A new database gets both add-ons; an existing one the latest code of
        # both, and the benchmark add-on if it was built before there was one
        # (Odoo installs what -i names and is uninstalled, then upgrades what
        # -u names and is installed).
        if fresh:
            modules = ["-i", f"{MODULE},{BENCHMARK_MODULE}"]
        else:
            modules = ["-i", BENCHMARK_MODULE, "-u", f"{MODULE},{BENCHMARK_MODULE}"]
        subprocess.run(
            [
                sys.executable,
                args.odoo_bin,
                *args.odoo_args,
                "-d",
                args.db_for,
                *modules,
                "--without-demo",
                "all",
                "--stop-after-init",
                "--log-level",
                "warn",
            ],
            check=True,
        )
        if fresh:
            started = time.perf_counter()
            build = run_child(
                args,
                "build",
                ["--customers", str(customers), "--invoices", str(invoices)],
            )
            row["build_seconds"] = time.perf_counter() - started
            row["consistency"] = build["consistency"]
        # The complaint cases first (made once), so that the floor and the
        # recompute count them.
        row["complaints"] = run_child(args, "complaints", ["--count", str(args.count)])
        # The floor first, so that the module's own outputs are left in
        # place for the list page and whoever looks next.
        row["floor"] = run_child(args, "floor")
        row["recompute"] = run_child(args, "recompute")
        # After the recompute: the fit learns from its lifetime values.
        row["fit"] = run_child(args, "fit")
        row["naive"] = run_child(args, "naive", ["--sample", str(args.sample)])
        row["events"] = run_child(args, "events", ["--count", str(args.count)])
        row["list_page"] = run_child(args, "listpage")
        row["funnel"] = run_child(args, "funnel")
        row["action_list"] = run_child(args, "actionlist")
        row["suggestions"] = run_child(args, "suggestions")
        results.append(row)
        print(format_row(row), flush=True)
    if len(results) > 1:
        growth = (
            results[-1]["recompute"]["seconds"] / results[0]["recompute"]["seconds"]
        )
        print(f"recompute time growth, smallest to largest scale: {growth:.1f}x")
        results.append({"recompute_growth": growth})
    with open(args.json, "w", encoding="utf-8") as out:
        json.dump(results, out, indent=2)
    print(f"figures written to {args.json}")


def format_row(row):
    rec, floor, naive = row["recompute"], row["floor"], row["naive"]
    ev, page = row["events"], row["list_page"]
    lines = [
        f"== {row['customers']:,} customers / {row['invoices']:,} invoices",
        f"full recompute   {rec['seconds']:9.2f} s  {rec['queries']:>9,} queries"
        f"  peak {rec['peak_rss_mb']:.0f} MB"
        f"  (a day without news: {rec['warm_seconds']:.2f} s)",
        f"  lifecycle job  {rec['lifecycle_seconds']:9.2f} s"
        f"  (phases, payment figures, loyalty)",
        f"  retention job  {rec['retention_seconds']:9.2f} s"
        f"  (RFM, churn, lifetime value)",
        f"SQL floor        {floor['seconds']:9.2f} s  {floor['queries']:>9,} queries"
        f"  module/floor {rec['seconds'] / floor['seconds']:.2f}x",
        "  " + ", ".join(f"{k} {v:.2f} s" for k, v in floor["parts"].items()),
        f"naive peer       {naive['seconds']:9.2f} s"
        f"  (sample {naive['sample']}: {naive['sample_seconds']:.2f} s)"
        f"  naive/module {naive['seconds'] / rec['seconds']:.1f}x",
        f"event overhead   post {ev['post_overhead_ms']:+.1f} ms"
        f"  pay {ev['pay_overhead_ms']:+.1f} ms"
        f"  (the job it queues: {ev['settled_ms']:.1f} ms, after the payment)",
    ]
    for label, figures in page.items():
        lines.append(
            f"partner list     {label:<14} {figures['ms']:7.1f} ms"
            f"  count {figures['count']:,}"
        )
    for label, figures in row.get("action_list", {}).items():
        lines.append(
            f"customers to act on ({label:<4}) {figures['ms']:7.1f} ms"
            f"  count {figures['count']:,}"
        )
    fit = row.get("fit")
    if fit:
        auc = f"{fit['auc']:.3f}" if fit["auc"] is not None else "not measured"
        lines.append(
            f"fit score        {fit['seconds']:9.2f} s  {fit['queries']:>9,} queries"
            f"  peak {fit['peak_rss_mb']:.0f} MB  {fit['scored']:,} scored"
            f"  ({fit['method']}: {fit['best']:,} best of {fit['sample']:,},"
            f" held-out AUC {auc})"
        )
    comp = row.get("complaints")
    if comp:
        lines += [
            f"complaints       {comp['cases']:,} cases"
            f"  figures pass {comp['pass_seconds']:.2f} s"
            f"  SLA job {comp['sla_seconds']:.2f} s"
            f" ({comp['sla_escalated']:,} escalated, {comp['sla_queries']:,} queries)",
            f"  backlog list {comp['backlog_list_ms']:.1f} ms"
            f"  kanban {comp['backlog_kanban_ms']:.1f} ms"
            f"  analysis {comp['analysis_ms']:.1f} ms"
            f"  service levels {comp['service_levels_ms']:.1f} ms",
            f"  e-mail to a case {comp['email_case_ms']:.1f} ms"
            f"  (to an opportunity: {comp['email_lead_ms']:.1f} ms)",
        ]
    funnel_alert = row.get("funnel")
    if funnel_alert:
        lines.append(
            f"funnel alert     {funnel_alert['seconds']:9.2f} s"
            f"  {funnel_alert['queries']:>9,} queries"
            f"  peak {funnel_alert['peak_rss_mb']:.0f} MB"
            f"  ({funnel_alert['history_rows']:,} history rows,"
            f" {funnel_alert['alerts']} of {funnel_alert['companies']}"
            " companies alerted)"
        )
    sug = row.get("suggestions")
    if sug:
        lines += [
            f"suggestions      {sug['seconds']:9.2f} s  {sug['queries']:>9,} queries"
            f"  peak {sug['peak_rss_mb']:.0f} MB"
            f"  ({sug['rows']:,} for {sug['customers']:,} customers,"
            f" {sug['products']:,} products)",
            f"  hit rate at 5  {sug['hit_rate']:.1%}"
            f"  best sellers {sug['baseline_hit_rate']:.1%}"
            f"  (sample {sug['sample']:,}, {sug['evaluation_seconds']:.2f} s)",
        ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command")
    parser.add_argument("--db")
    parser.add_argument("--customers", type=int)
    parser.add_argument("--invoices", type=int)
    parser.add_argument("--sample", type=int, default=1000)
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--scales", default=SCALES)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--json", default="bench-results/benchmark.json")
    parser.add_argument("--odoo-bin", dest="odoo_bin")
    args, odoo_args = parser.parse_known_args()
    config.parse_config(odoo_args)
    odoo.modules.module.initialize_sys_path()
    global data, engine_path, funnel, measures  # noqa: PLW0603 (needs the addons path first)
    from odoo.addons.crm_lifecycle.models import engine_path
    from odoo.addons.crm_lifecycle_benchmark.benchmark import data, funnel, measures

    args.odoo_args = odoo_args
    commands = {
        "build": cmd_build,
        "recompute": cmd_recompute,
        "floor": cmd_floor,
        "naive": cmd_naive,
        "events": cmd_events,
        "listpage": cmd_listpage,
        "actionlist": cmd_actionlist,
        "complaints": cmd_complaints,
        "funnel": cmd_funnel,
        "fit": cmd_fit,
        "suggestions": cmd_suggestions,
        "run": cmd_run,
    }
    return commands[args.command](args) or 0


if __name__ == "__main__":
    sys.exit(main())
