"""The loyalty tier figures and the latest satisfaction scores of a partner
become company-dependent (one jsonb column, a key per company).

Before the ORM updates the table: Odoo would convert each column with a
plain cast (``col::jsonb``), which PostgreSQL refuses for integers, dates,
floats and words, and would not know which company a value belongs to.

* The tier figures move to the key of the partner's loyalty company (the
  company that ranked it), which the engine set with every figure.
* The scores are rebuilt, per company, from the responses (each belongs to
  a company), on the customers only: the contacts no longer carry copies.
"""

import logging

from odoo.tools import SQL
from odoo.tools.sql import (
    column_exists,
    drop_constraint,
    drop_depending_views,
    drop_index,
)

_logger = logging.getLogger(__name__)

# column: how its value is written in the jsonb, as the ORM writes it.
LOYALTY_COLUMNS = {
    "loyalty_tier_id": "%s",
    "loyalty_tier_since": "to_char(%s, 'YYYY-MM-DD')",
    "loyalty_tier_review_date": "to_char(%s, 'YYYY-MM-DD')",
    "loyalty_next_tier_id": "%s",
    "loyalty_next_tier_missing": "NULLIF(%s, 0)::float8",
    "loyalty_previous_pricelist_id": "%s",
    "loyalty_pricelist_applied": "NULLIF(%s, false)",
}
SURVEY_COLUMNS = {
    "nps_last_score": "r.nps_score",
    "nps_category": "r.nps_category",
    "csat_last_score": "NULLIF(r.csat_score, 0)::float8",
    "survey_last_date": "to_char(r.date, 'YYYY-MM-DD HH24:MI:SS')",
}


def _plain_columns(cr, names):
    """Those of ``names`` that are columns of res_partner and not jsonb yet."""
    cr.execute(
        SQL(
            """
            SELECT column_name FROM information_schema.columns
             WHERE table_name = 'res_partner' AND column_name = ANY(%s)
               AND udt_name != 'jsonb'
            """,
            list(names),
        )
    )
    return {name for (name,) in cr.fetchall()}


def _drop_foreign_keys(cr, name):
    """A jsonb column references nothing: the foreign key of a many2one
    would refuse the new type."""
    cr.execute(
        SQL(
            """
            SELECT c.conname
              FROM pg_constraint c
              JOIN pg_attribute a
                ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey)
             WHERE c.conrelid = 'res_partner'::regclass
               AND c.contype = 'f' AND a.attname = %s
            """,
            name,
        )
    )
    for (constraint,) in cr.fetchall():
        drop_constraint(cr, "res_partner", constraint)


def _to_jsonb(cr, name, using):
    drop_index(cr, f"res_partner__{name}_index", "res_partner")
    drop_depending_views(cr, "res_partner", name)
    _drop_foreign_keys(cr, name)
    cr.execute(
        SQL(
            "ALTER TABLE res_partner ALTER COLUMN %s DROP DEFAULT,"
            " ALTER COLUMN %s TYPE jsonb USING %s",
            SQL.identifier(name),
            SQL.identifier(name),
            using,
        )
    )


def migrate(cr, version):
    if not version:
        return
    loyalty = _plain_columns(cr, LOYALTY_COLUMNS)
    if loyalty:
        cr.execute(
            "SELECT res_id FROM ir_model_data"
            " WHERE module = 'base' AND name = 'main_company'"
        )
        row = cr.fetchone()
        main_company = row[0] if row else None
        has_company = column_exists(cr, "res_partner", "loyalty_company_id")
        key = SQL(
            "COALESCE(%s, company_id, %s)::text",
            SQL.identifier("loyalty_company_id") if has_company else SQL("NULL::int"),
            main_company,
        )
        for name in sorted(loyalty):
            value = SQL(LOYALTY_COLUMNS[name], SQL.identifier(name))
            _to_jsonb(
                cr,
                name,
                SQL(
                    "CASE WHEN %(value)s IS NOT NULL AND %(key)s IS NOT NULL"
                    " THEN jsonb_build_object(%(key)s, %(value)s) END",
                    value=value,
                    key=key,
                ),
            )
        _logger.info("Loyalty figures made company-dependent: %s", sorted(loyalty))
    survey = _plain_columns(cr, SURVEY_COLUMNS)
    if not survey:
        return
    for name in sorted(survey):
        _to_jsonb(cr, name, SQL("NULL::jsonb"))
    if not column_exists(cr, "crm_lifecycle_survey_response", "company_id"):
        return
    # The latest response of each customer in each company, and of those
    # the latest with an NPS answer and with a CSAT answer, as the
    # responses set them one by one.
    latest = {
        "survey_last_date": SQL("TRUE"),
        "nps_last_score": SQL("r.nps_category IS NOT NULL"),
        "nps_category": SQL("r.nps_category IS NOT NULL"),
        "csat_last_score": SQL("COALESCE(r.csat_score, 0) != 0"),
    }
    for name in sorted(survey):
        cr.execute(
            SQL(
                """
                UPDATE res_partner p
                   SET %(column)s = v.value
                  FROM (
                      SELECT commercial_partner_id,
                             jsonb_object_agg(company_id::text, value) AS value
                        FROM (
                            SELECT DISTINCT ON (r.commercial_partner_id, r.company_id)
                                   r.commercial_partner_id, r.company_id,
                                   to_jsonb(%(value)s) AS value
                              FROM crm_lifecycle_survey_response r
                             WHERE %(where)s
                             ORDER BY r.commercial_partner_id, r.company_id,
                                      r.date DESC, r.id DESC
                        ) last
                       WHERE value IS NOT NULL AND value != 'null'::jsonb
                       GROUP BY commercial_partner_id
                  ) v
                 WHERE p.id = v.commercial_partner_id
                """,
                column=SQL.identifier(name),
                value=SQL(SURVEY_COLUMNS[name]),
                where=latest[name],
            )
        )
    _logger.info("Satisfaction scores rebuilt per company: %s", sorted(survey))
