"""Uninstall check of tools/test: uninstalling crm_lifecycle from a database
(a copy: this cannot be undone) leaves nothing of it and logs no error.

Run through odoo_script (tools/env.sh) with Odoo's options (-d the copy).
Before uninstalling it adds what a database in use has and a fresh test
database has not: a second company (its filter indexes on res_partner), an
open "Time to call back" reminder, an activity plan using that type, the
RFM segment tags, a funnel inflow alert with a to-do and a message, and a
setting. Prints the check lines tools/test counts.
"""

import logging
import os
import sys

sys.path.insert(0, os.environ["ODOO_PATH"])

import odoo  # noqa: E402
from odoo import SUPERUSER_ID, api  # noqa: E402
from odoo.modules.registry import Registry  # noqa: E402
from odoo.tools import SQL  # noqa: E402

MODULE = "crm_lifecycle"
# Indexes of the module on other modules' tables: its own names, Odoo's
# names of its filter indexes (res_partner__crm_lifecycle_<field>_<company>),
# and the one on loyalty_history named as Odoo would name it.
OWN_TABLES = r"crm\_lifecycle\_%"
INDEX_QUERY = SQL(
    """
    SELECT tablename || '.' || indexname
      FROM pg_indexes
     WHERE schemaname = current_schema()
       AND tablename NOT LIKE %s
       AND (indexname LIKE %s OR indexname = 'loyalty_history__card_id_index')
     ORDER BY 1
    """,
    OWN_TABLES,
    r"%crm\_lifecycle%",
)
PARAMS_QUERY = SQL(
    "SELECT key FROM ir_config_parameter WHERE key LIKE %s", r"crm\_lifecycle.%"
)


class ErrorRecords(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages = []

    def emit(self, record):
        self.messages.append(f"{record.name}: {record.getMessage()}"[:300])


def check(name, problem=None):
    if problem:
        print(f"crm_lifecycle check: FAIL {name}: {problem}", flush=True)
    else:
        print(f"crm_lifecycle check: PASS {name}", flush=True)


def fetch(cr, query):
    cr.execute(query)
    return [row[0] for row in cr.fetchall()]


def module_columns(cr):
    """The module's stored columns on tables it does not own."""
    cr.execute(
        SQL(
            """
            SELECT c.table_name, c.column_name
              FROM ir_model_fields f
              JOIN ir_model m ON m.id = f.model_id
              JOIN ir_model_data d ON d.model = 'ir.model.fields'
                                  AND d.res_id = f.id AND d.module = %s
              JOIN information_schema.columns c
                ON c.table_schema = current_schema()
               AND c.table_name = replace(m.model, '.', '_')
               AND c.column_name = f.name
             WHERE c.table_name NOT LIKE %s
               AND NOT EXISTS (
                    SELECT 1 FROM ir_model_data o
                     WHERE o.model = 'ir.model.fields' AND o.res_id = f.id
                       AND o.module != %s)
            """,
            MODULE,
            OWN_TABLES,
            MODULE,
        )
    )
    return cr.fetchall()


def seed(env):
    env["res.company"].create({"name": "Uninstall check company"})
    partner = env["res.partner"].create({"name": "Uninstall check customer"})
    callback = env.ref("crm_lifecycle.mail_activity_type_callback")
    activity = env["mail.activity"].create(
        {
            "res_model_id": env["ir.model"]._get_id("res.partner"),
            "res_id": partner.id,
            "activity_type_id": callback.id,
            "user_id": env.ref("base.user_admin").id,
        }
    )
    detractor = env.ref("crm_lifecycle.mail_activity_type_detractor")
    followup = env["mail.activity"].create(
        {
            "res_model_id": env["ir.model"]._get_id("res.partner"),
            "res_id": partner.id,
            "activity_type_id": detractor.id,
            "user_id": env.ref("base.user_admin").id,
        }
    )
    plan = env["mail.activity.plan"].create(
        {
            "name": "Uninstall check plan",
            "res_model": "res.partner",
            "template_ids": [
                (0, 0, {"activity_type_id": callback.id, "summary": "Call back"})
            ],
        }
    )
    complaint = env["crm.lifecycle.complaint"].create(
        {"partner_id": partner.id, "subject": "Uninstall check complaint"}
    )
    complaint.message_post(body="Uninstall check answer", message_type="comment")
    tags = env["res.partner.category"]._rfm_segment_tags()
    alert = env["crm.lifecycle.funnel.alert"].create(
        {"company_id": env.company.id, "week_start": "2026-01-05", "state": "alert"}
    )
    alert.activity_schedule(
        "mail.mail_activity_data_todo", user_id=env.ref("base.user_admin").id
    )
    alert.message_post(body="Uninstall check alert", message_type="comment")
    env["ir.config_parameter"].set_param("crm_lifecycle.age_band_date", "2026-01-01")
    return (
        (activity | followup).ids,
        plan.template_ids.id,
        [tag.id for tag in tags.values()],
    )


def main():
    db = odoo.tools.config["db_name"]
    registry = Registry(db)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        activity_ids, template_id, tag_ids = seed(env)
        env.flush_all()
        indexes = fetch(cr, INDEX_QUERY)
        columns = module_columns(cr)
        params = fetch(cr, PARAMS_QUERY)
    # A check that finds nothing to remove proves nothing.
    empty = [
        what
        for what, found in (
            ("index", indexes),
            ("column", columns),
            ("setting", params),
        )
        if not found
    ]
    if empty:
        check("uninstall starts from the module's traces", "no " + ", ".join(empty))
        return

    errors = ErrorRecords()
    logging.getLogger().addHandler(errors)
    try:
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            module = env["ir.module.module"].search([("name", "=", MODULE)])
            module.button_immediate_uninstall()
    except Exception as error:  # noqa: BLE001 - reported as a failed check
        logging.getLogger(__name__).exception("uninstall failed")
        check("uninstall runs", repr(error))
    finally:
        logging.getLogger().removeHandler(errors)

    with Registry(db).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        left = fetch(cr, INDEX_QUERY)
        check(
            "uninstall drops every index it made on other tables",
            left and f"{len(left)} of {len(indexes)} left: {', '.join(left[:5])}",
        )
        left = fetch(cr, PARAMS_QUERY)
        check("uninstall deletes every setting", left and ", ".join(left))
        left = [
            f"{table}.{column}"
            for table, column in columns
            if fetch(
                cr,
                SQL(
                    "SELECT 1 FROM information_schema.columns WHERE"
                    " table_schema = current_schema() AND table_name = %s"
                    " AND column_name = %s",
                    table,
                    column,
                ),
            )
        ]
        left += fetch(
            cr,
            SQL(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                " AND tablename LIKE %s",
                OWN_TABLES,
            ),
        )
        check("uninstall drops the module's columns and tables", ", ".join(left[:8]))
        state = fetch(
            cr, SQL("SELECT state FROM ir_module_module WHERE name = %s", MODULE)
        )
        data = fetch(
            cr, SQL("SELECT count(*) FROM ir_model_data WHERE module = %s", MODULE)
        )
        check(
            "uninstall leaves no record of the module",
            (state != ["uninstalled"] or data != [0])
            and f"state {state}, {data} ir_model_data rows",
        )
        left = fetch(
            cr,
            SQL(
                "SELECT 'alias ' || alias_name FROM mail_alias WHERE alias_name = %s"
                " UNION ALL SELECT 'sequence ' || code FROM ir_sequence"
                " WHERE code = %s"
                " UNION ALL SELECT 'message ' || id FROM mail_message"
                " WHERE model = %s",
                "complaints",
                "crm.lifecycle.complaint",
                "crm.lifecycle.complaint",
            ),
        )
        check(
            "uninstall removes the complaints' alias, sequence and messages",
            ", ".join(left[:5]),
        )
        left = fetch(
            cr,
            SQL(
                "SELECT 'message ' || id FROM mail_message WHERE model = %s"
                " UNION ALL SELECT 'activity ' || id FROM mail_activity"
                " WHERE res_model = %s",
                "crm.lifecycle.funnel.alert",
                "crm.lifecycle.funnel.alert",
            ),
        )
        check(
            "uninstall removes the funnel alerts' messages and activities",
            ", ".join(left[:5]),
        )
        call = env.ref("mail.mail_activity_data_call")
        kept = [
            record
            for record in (
                *env["mail.activity"].browse(activity_ids).exists(),
                env["mail.activity.plan.template"].browse(template_id).exists(),
            )
            if record.activity_type_id == call
        ]
        tags = env["res.partner.category"].browse(tag_ids).exists()
        check(
            "uninstall keeps open reminders and plans as calls, drops RFM tags",
            (len(kept) != 3 or tags)
            and f"{len(kept)} of 3 kept as calls, {len(tags)} RFM tags left",
        )
    check(
        "uninstall logs no error",
        errors.messages
        and f"{len(errors.messages)} error(s), first: {errors.messages[0]}",
    )


if __name__ == "__main__":
    odoo.tools.config.parse_config(sys.argv[1:])
    main()
