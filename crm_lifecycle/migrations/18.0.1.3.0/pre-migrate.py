"""The customer's complaint figures become company-dependent (one jsonb
column, a key per company): each company reads the figures of the cases it
answers.

The plain columns summed every company's cases: no value in them belongs to
one company, so they are dropped before the ORM updates the table (it would
cast them to jsonb as they are), and post-migrate.py computes the figures
again, per company, from the cases.
"""

import logging

from odoo.tools import SQL
from odoo.tools.sql import drop_depending_views, drop_index

_logger = logging.getLogger(__name__)

COMPLAINT_COLUMNS = (
    "complaint_count",
    "complaint_open_count",
    "complaint_avg_resolution_hours",
    "complaint_last_date",
    "complaint_churn_signal",
)


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        SQL(
            """
            SELECT column_name FROM information_schema.columns
             WHERE table_name = 'res_partner' AND column_name = ANY(%s)
               AND udt_name != 'jsonb'
            """,
            list(COMPLAINT_COLUMNS),
        )
    )
    plain = sorted(name for (name,) in cr.fetchall())
    for name in plain:
        drop_index(cr, f"res_partner__{name}_index", "res_partner")
        drop_depending_views(cr, "res_partner", name)
        cr.execute(SQL("ALTER TABLE res_partner DROP COLUMN %s", SQL.identifier(name)))
    if plain:
        _logger.info(
            "Complaint figures dropped, to be recomputed per company: %s", plain
        )
