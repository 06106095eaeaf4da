"""The SQL floor of the complaint figures on the customers: one UPDATE from
one aggregate over the cases, writing exactly what the module's complaint
pass writes (``res_partner_complaint._complaint_read_figures``)."""

from odoo.tools import SQL

from odoo.addons.crm_lifecycle.models.crm_lifecycle_settings import PREFIX, SETTINGS
from odoo.addons.crm_lifecycle.models.res_partner_complaint import COMPLAINT_FIGURES


def reset_complaint_outputs(cr):
    """Empty the complaint figures of every partner (the rows that hold one
    only)."""
    cr.execute(
        SQL(
            "UPDATE res_partner SET %s WHERE %s",
            SQL(", ").join(
                SQL("%s = NULL", SQL.identifier(name)) for name in COMPLAINT_FIGURES
            ),
            SQL(" OR ").join(
                SQL("%s IS NOT NULL", SQL.identifier(name))
                for name in COMPLAINT_FIGURES
            ),
        )
    )


def _signal_days(cr):
    setting = SETTINGS["complaint_signal_days"]
    cr.execute(
        "SELECT value FROM ir_config_parameter WHERE key = %s",
        [PREFIX + "complaint_signal_days"],
    )
    row = cr.fetchone()
    try:
        days = int(row[0]) if row else setting.default
    except ValueError:
        days = setting.default
    if not setting.minimum <= days <= setting.maximum:
        days = setting.default
    return days


def floor_complaints(cr):
    """The complaint figures of every customer with a case, in one
    statement; returns the number of customers written."""
    cr.execute(
        SQL(
            """
            UPDATE res_partner p
               SET complaint_count = f.count,
                   complaint_open_count = f.open_count,
                   complaint_avg_resolution_hours = f.avg_resolution,
                   complaint_last_date = f.last_date,
                   complaint_churn_signal = f.signal
              FROM (
                  SELECT c.commercial_partner_id AS id,
                         COUNT(*) AS count,
                         COUNT(*) FILTER (WHERE NOT COALESCE(c.is_closed, FALSE))
                             AS open_count,
                         COALESCE(ROUND((AVG(c.resolution_hours)
                             FILTER (WHERE c.date_closed IS NOT NULL))::numeric, 1),
                             0) AS avg_resolution,
                         MAX(c.date_open) AS last_date,
                         BOOL_OR(NOT COALESCE(c.is_closed, FALSE)
                                 OR (c.sla_breached AND c.sla_breach_date
                                     >= (now() AT TIME ZONE 'UTC')
                                        - make_interval(days => %s)))
                             AS signal
                    FROM crm_lifecycle_complaint c
                   WHERE c.active
                   GROUP BY c.commercial_partner_id
              ) f
             WHERE p.id = f.id
            """,
            _signal_days(cr),
        )
    )
    return cr.rowcount
