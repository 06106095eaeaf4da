"""The SQL floor of the complaint figures on the customers: one UPDATE from
one aggregate over the cases per customer and company, writing exactly what
the module's complaint pass writes (``res_partner_complaint``
``_complaint_read_figures``): company-dependent figures, each company's key
of the jsonb set from the cases of that company, no key where the value is
the field's fallback (0, false, empty), as Odoo's flush writes them."""

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


# column: its value in the jsonb, NULL where it is the field's fallback.
VALUES = {
    "complaint_count": "to_jsonb(NULLIF(g.count, 0))",
    "complaint_open_count": "to_jsonb(NULLIF(g.open_count, 0))",
    "complaint_avg_resolution_hours": "to_jsonb(NULLIF(g.avg_resolution, 0))",
    "complaint_last_date": "to_jsonb(to_char(g.last_date, 'YYYY-MM-DD HH24:MI:SS'))",
    "complaint_churn_signal": "to_jsonb(NULLIF(g.signal, FALSE))",
}


def floor_complaints(cr):
    """The complaint figures of every customer with a case, in every
    company, in one statement; returns the number of customers written."""
    aggregates = SQL(", ").join(
        SQL(
            "jsonb_object_agg(g.company_id::text, %(value)s)"
            " FILTER (WHERE %(value)s IS NOT NULL) AS %(col)s",
            value=SQL(VALUES[name]),
            col=SQL.identifier(name),
        )
        for name in COMPLAINT_FIGURES
    )
    # Every company's key is rewritten: the company keys dropped from the
    # current value, then the new values merged in.
    assignments = SQL(", ").join(
        SQL(
            "%(col)s = NULLIF((COALESCE(p.%(col)s, '{}'::jsonb) - f.company_keys)"
            " || COALESCE(f.%(col)s, '{}'::jsonb), '{}'::jsonb)",
            col=SQL.identifier(name),
        )
        for name in COMPLAINT_FIGURES
    )
    cr.execute(
        SQL(
            """
            UPDATE res_partner p
               SET %(assignments)s
              FROM (
                  SELECT g.id,
                         (SELECT ARRAY_AGG(id::text) FROM res_company) AS company_keys,
                         %(aggregates)s
                    FROM (
                        SELECT c.commercial_partner_id AS id,
                               c.company_id,
                               COUNT(*) AS count,
                               COUNT(*) FILTER (WHERE NOT COALESCE(c.is_closed, FALSE))
                                   AS open_count,
                               COALESCE(ROUND((AVG(c.resolution_hours)
                                   FILTER (WHERE c.date_closed IS NOT NULL))::numeric,
                                   1), 0) AS avg_resolution,
                               MAX(c.date_open) AS last_date,
                               BOOL_OR(NOT COALESCE(c.is_closed, FALSE)
                                       OR (c.sla_breached AND c.sla_breach_date
                                           >= (now() AT TIME ZONE 'UTC')
                                              - make_interval(days => %(days)s)))
                                   AS signal
                          FROM crm_lifecycle_complaint c
                         WHERE c.active
                         GROUP BY c.commercial_partner_id, c.company_id
                    ) g
                   GROUP BY g.id
              ) f
             WHERE p.id = f.id
            """,
            assignments=assignments,
            aggregates=aggregates,
            days=_signal_days(cr),
        )
    )
    return cr.rowcount
