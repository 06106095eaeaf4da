from . import controllers
from . import models
from . import wizard
from . import report

from odoo.tools import SQL
from odoo.tools.sql import escape_psql


def post_init_hook(env):
    """Give every existing customer its phase and a history rebuilt from the
    dates of its opportunities, orders and invoices."""
    # The history rows tell the story: no chatter message per customer.
    env["res.partner"].with_context(tracking_disable=True)._lifecycle_recompute_all(
        batch_size=5000
    )


def uninstall_hook(env):
    """Remove what Odoo does not remove with the module's data: the indexes
    it created on other modules' tables, its settings, its reminders'
    activity types in use, the tags that mirrored the RFM segments, and the
    complaint cases that hold on to their stages."""
    _uninstall_drop_complaints(env)
    _uninstall_drop_indexes(env)
    _uninstall_release_activity_type(env)
    # The segment marker goes with its column: left behind, the tags would
    # no longer follow any segment, and a new install would make a second
    # set of them.
    env["res.partner.category"].with_context(active_test=False).search(
        [("rfm_segment", "!=", False)]
    ).unlink()
    env["ir.config_parameter"].sudo().search(
        [("key", "=like", escape_psql("crm_lifecycle.") + "%")]
    ).unlink()


def _uninstall_drop_complaints(env):
    # A case keeps its stage (ondelete restrict): the stages, data of the
    # module, could not go while cases exist. The cases go with their table
    # anyway; their messages, followers and activities go with their model.
    env.cr.execute("DELETE FROM crm_lifecycle_complaint")


def _uninstall_drop_indexes(env):
    # By name, not by a list: one filter index per company and figure
    # (res_partner._lifecycle_create_filter_indexes), companies come and go.
    # The module's own tables go whole, with their indexes and constraints.
    env.cr.execute(
        SQL(
            """
            SELECT i.indexname
              FROM pg_indexes i
             WHERE i.schemaname = current_schema()
               AND i.indexname LIKE %s
               AND i.tablename NOT LIKE %s
               AND NOT EXISTS (
                    SELECT 1 FROM pg_constraint c
                     WHERE c.conindid = (quote_ident(i.indexname))::regclass)
            """,
            "%" + escape_psql("crm_lifecycle_") + "%",
            escape_psql("crm_lifecycle_") + "%",
        )
    )
    names = [name for (name,) in env.cr.fetchall()]
    # Named as Odoo would name it, should loyalty ever index the field.
    if not env["loyalty.history"]._fields["card_id"].index:
        names.append("loyalty_history__card_id_index")
    for name in names:
        env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))


def _uninstall_release_activity_type(env):
    # Activities and activity plans keep their type with ondelete='restrict':
    # Odoo could not delete "Time to call back" or "Detractor follow-up"
    # while an activity used it and logged an error. An open reminder or
    # follow-up is a salesperson's to-do and a plan is a user's: both stay,
    # as a call.
    replacement = env.ref(
        "mail.mail_activity_data_call", raise_if_not_found=False
    ) or env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
    for xmlid in (
        "crm_lifecycle.mail_activity_type_callback",
        "crm_lifecycle.mail_activity_type_detractor",
    ):
        activity_type = env.ref(xmlid, raise_if_not_found=False)
        if not activity_type:
            continue
        for model in ("mail.activity", "mail.activity.plan.template"):
            records = (
                env[model]
                .with_context(active_test=False)
                .search([("activity_type_id", "=", activity_type.id)])
            )
            if records and replacement:
                records.write({"activity_type_id": replacement.id})
            else:
                records.unlink()
