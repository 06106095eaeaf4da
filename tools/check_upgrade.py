"""Upgrade check of tools/test: an upgrade from the previous release keeps
every figure the module stored.

Run through odoo_script (tools/env.sh): Odoo's options, then ``--`` and one
of

    demo-data                        the demo customers of the installed
                                     release (Odoo's own demo data would take
                                     minutes more)
    layout-before, layout-after      the complaint figures in plain columns
                                     before, per company after
    snapshot OUT                     every stored figure, as JSON
    compare BEFORE AFTER UPGRADE_LOG prints the check lines tools/test counts

Figures: the module's stored columns on other modules' tables (res_partner,
account_move, ...), every row of the module's own tables, the loyalty cards
and their history, the module's settings. Write dates are left out: a
rewrite with the same value is no change of figure.
"""

import json
import os
import re
import sys

sys.path.insert(0, os.environ["ODOO_PATH"])

import odoo  # noqa: E402
from odoo import SUPERUSER_ID, api  # noqa: E402
from odoo.modules.module import get_manifest  # noqa: E402
from odoo.modules.registry import Registry  # noqa: E402
from odoo.tools import SQL, convert_file  # noqa: E402

MODULE = "crm_lifecycle"
SKIPPED_COLUMNS = {"write_date", "write_uid"}
LOG_ERROR = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")
# What 18.0.1.2.0 kept in plain columns and 18.0.1.3.0 keeps per company
# (migrations/18.0.1.3.0): the customer's complaint figures.
PER_COMPANY_COLUMNS = (
    "complaint_count",
    "complaint_open_count",
    "complaint_avg_resolution_hours",
    "complaint_last_date",
    "complaint_churn_signal",
)


def _column_types(cr, names):
    """The data type of each of these res_partner columns (None: none)."""
    cr.execute(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_name = 'res_partner' AND column_name = ANY(%s)",
        [list(names)],
    )
    types = dict(cr.fetchall())
    return {name: types.get(name) for name in names}


def check(name, problem=None):
    if problem:
        print(f"crm_lifecycle check: FAIL {name}: {problem}")
    else:
        print(f"crm_lifecycle check: PASS {name}")


def columns_of(cr, table):
    cr.execute(
        SQL(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = %s",
            table,
        )
    )
    return {name for (name,) in cr.fetchall()} - SKIPPED_COLUMNS


def figure_tables(cr):
    """{table: [columns]}: what the snapshot reads."""
    tables = {}
    cr.execute(
        SQL(
            """
            SELECT m.model, f.name
              FROM ir_model_fields f
              JOIN ir_model m ON m.id = f.model_id
              JOIN ir_model_data d ON d.model = 'ir.model.fields'
                                  AND d.res_id = f.id AND d.module = %s
             WHERE f.store AND f.ttype NOT IN ('one2many', 'many2many')
               AND NOT m.transient
            """,
            MODULE,
        )
    )
    module_fields = cr.fetchall()
    # Tables only: the reports' views compute from the tables, with now().
    cr.execute(
        SQL("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    )
    real = {name for (name,) in cr.fetchall()}
    for model, field in module_fields:
        table = model.replace(".", "_")
        if table in real and field in columns_of(cr, table):
            tables.setdefault(table, set()).add(field)
    # Its models' tables: not wizards' or relations'.
    cr.execute(
        SQL(
            """
            SELECT t.tablename
              FROM pg_tables t
              JOIN ir_model m ON replace(m.model, '.', '_') = t.tablename
             WHERE t.schemaname = current_schema() AND t.tablename LIKE %s
               AND NOT m.transient
            """,
            MODULE + r"\_%",
        )
    )
    own = [name for (name,) in cr.fetchall()]
    for table in [*own, "loyalty_card", "loyalty_history"]:
        tables[table] = columns_of(cr, table)
    return {table: sorted(columns | {"id"}) for table, columns in tables.items()}


def snapshot(cr):
    figures = {}
    for table, columns in figure_tables(cr).items():
        cr.execute(
            SQL(
                "SELECT %s FROM %s ORDER BY id",
                SQL(", ").join(SQL.identifier(column) for column in columns),
                SQL.identifier(table),
            )
        )
        key = columns.index("id")
        figures[table] = {
            str(row[key]): dict(zip(columns, row, strict=True)) for row in cr.fetchall()
        }
    cr.execute(
        SQL(
            "SELECT key, value FROM ir_config_parameter WHERE key LIKE %s",
            MODULE.replace("_", r"\_") + ".%",
        )
    )
    figures["ir_config_parameter"] = dict(cr.fetchall())
    return figures


def _empty(value):
    return value in (None, False, 0, "", {}, [])


def same_figure(old, new):
    """Whether ``new`` keeps the figure ``old``: the same value, or a plain
    column that became company-dependent (a jsonb of one key per company)
    holding the value under the key of the company it belongs to."""
    if old == new:
        return True
    if isinstance(new, dict) and not isinstance(old, dict):
        values = list(new.values())
        if _empty(old):
            return all(_empty(value) for value in values)
        return len(values) == 1 and values[0] == old
    return _empty(old) and _empty(new)


def compare(before, after):
    """The differences, at most a few per table."""
    problems = []
    for table, rows in before.items():
        if table not in after:
            problems.append(f"{table}: gone")
            continue
        diffs = []
        for key, row in rows.items():
            new = after[table].get(key)
            if new is None:
                diffs.append(f"{key} gone")
                continue
            if not isinstance(row, dict):
                if not same_figure(row, new):
                    diffs.append(f"{key}: {row!r} -> {new!r}")
                continue
            diffs += [
                f"{key}.{column}: {value!r} -> {new.get(column, '<no column>')!r}"
                for column, value in row.items()
                if not same_figure(value, new.get(column, "<no column>"))
            ]
        diffs += [f"{key} added" for key in after[table].keys() - rows.keys()]
        if diffs:
            problems.append(f"{table}: {len(diffs)} change(s), " + "; ".join(diffs[:3]))
    return problems


def load_demo_data(env):
    """The demo customers of the release installed: made by its generator
    model in the releases that have one, else loaded from its manifest's
    demo files."""
    if "crm.lifecycle.demo" in env:
        env["crm.lifecycle.demo"]._create_demo_data()
        return
    # As an installation with demo data loads them: before the registry is
    # ready, the only time the superuser may write the creation dates that
    # date the first contacts and deals.
    env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM ir_model_data")
    (last_data_id,) = env.cr.fetchone()
    idref = {}
    env.registry.ready = False
    try:
        for filename in get_manifest(MODULE)["demo"]:
            convert_file(
                env, MODULE, filename, idref, mode="init", noupdate=True, kind="demo"
            )
    finally:
        env.registry.ready = True
    # Without their xml ids they are what the checks stand for, a customer's
    # own records: the uninstall check then expects none of the module's
    # records left, where posted invoices of its demo could not be deleted.
    env["ir.model.data"].search(
        [("module", "=", MODULE), ("id", ">", last_data_id)]
    ).unlink()


def count_figures(figures):
    partner = figures.get("res_partner", {})
    return sum(
        1
        for row in partner.values()
        if row.get("lifecycle_phase") and row.get("payment_grade")
    )


def main(args):
    command = args[0]
    if command == "compare":
        with open(args[1], encoding="utf-8") as file:
            before = json.load(file)
        with open(args[2], encoding="utf-8") as file:
            after = json.load(file)
        if not count_figures(before):
            check("upgrade keeps every figure", "no customer with figures before")
        else:
            problems = compare(before, after)
            check("upgrade keeps every figure", " | ".join(problems))
        with open(args[3], encoding="utf-8", errors="replace") as log:
            errors = [line.strip() for line in log if LOG_ERROR.search(line)]
        check(
            "upgrade logs no error",
            errors and f"{len(errors)} ERROR line(s), first: {errors[0][:300]}",
        )
        return 0
    if command == "demo-data":
        registry = Registry(odoo.tools.config["db_name"])
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            load_demo_data(env)
        return 0
    with odoo.sql_db.db_connect(odoo.tools.config["db_name"]).cursor() as cr:
        if command == "layout-before":
            plain = _column_types(cr, PER_COMPANY_COLUMNS)
            check(
                "the previous release keeps the complaint figures in plain columns",
                set(plain.values()) & {"jsonb", None}
                and f"found {plain}: not the release this check is for",
            )
        elif command == "snapshot":
            with open(args[1], "w", encoding="utf-8") as file:
                json.dump(snapshot(cr), file, default=str, sort_keys=True)
        elif command == "layout-after":
            after = _column_types(cr, PER_COMPANY_COLUMNS)
            cr.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = 'res_partner' AND column_name LIKE %s",
                ["complaint%moved%"],
            )
            moved = [name for (name,) in cr.fetchall()]
            wrong = {name: kind for name, kind in after.items() if kind != "jsonb"}
            check(
                "upgrade keeps the complaint figures per company, no column left aside",
                (wrong or moved) and f"not per company: {wrong}, set aside: {moved}",
            )
        else:
            raise SystemExit(f"unknown command {command}")
    return 0


if __name__ == "__main__":
    split = sys.argv.index("--")
    odoo.tools.config.parse_config(sys.argv[1:split])
    sys.exit(main(sys.argv[split + 1 :]))
