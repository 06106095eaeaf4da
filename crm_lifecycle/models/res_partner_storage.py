"""How the module writes the figures it derives on partners, past write().

The daily jobs and the queued refresh set a dozen figures on thousands of
partners per batch, each partner its own values; write() would run, per
record, the tracking, the commercial sync and every override for figures
nobody edits or tracks. So this file, and only this file, leans on Odoo's
storage internals:

- the record cache (``env.cache.update`` with dirty values,
  ``env.cache.get_dirty_fields``), so that the ORM's own flush writes the
  figures with whatever else changed on the rows;
- the jsonb layout of a company-dependent column (one key per company id,
  as a string; no key where the value is the field's fallback; NULL when no
  key is left) and its conversions (``convert_to_column``,
  ``get_company_dependent_fallback``, ``_column_type``), to write one
  company's figures in one UPDATE;
- ``_field_to_sql``, the expression Odoo filters a company-dependent field
  on, which the filter indexes are made from.

tests/test_storage_helper.py writes through these methods and reads through
the ORM, and the reverse, and checks the raw columns: it fails if Odoo
stores any of it differently.
"""

from odoo import api, models
from odoo.tools import SQL

# The partner fields the set-based reads of the recompute look at.
PARTNER_INPUT_FIELDS = [
    "active",
    "commercial_partner_id",
    "company_id",
    "create_date",
    "parent_id",
    "supplier_rank",
    "user_id",
]


def _converted(values_by_id, name, convert, records):
    """The value of ``name`` of each partner of ``values_by_id`` (missing:
    False) through ``convert(value, records)`` (a field's conversion
    method), called once per distinct value (grades, phases, dates, the
    many zeros) rather than once per partner and field."""
    converted = {}
    result = []
    for values in values_by_id.values():
        value = values.get(name, False)
        key = (type(value), value)
        if key not in converted:
            converted[key] = convert(value, records)
        result.append(converted[key])
    return result


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _lifecycle_flush_inputs(self):
        """Flush what the set-based reads of the recompute may see: every
        pending change but the figures set by _lifecycle_bulk_update, which
        are written once, with the rest of the batch, at its end."""
        for model_name in {
            field.model_name for field in self.env.cache.get_dirty_fields()
        }:
            if model_name == self._name:
                # Written by then unless something else changed on a partner.
                self.flush_model(PARTNER_INPUT_FIELDS)
            else:
                self.env[model_name].flush_model()

    @api.model
    def _lifecycle_bulk_update(
        self, values_by_id, company=None, contacts=False, fnames=None
    ):
        """Set figures the module derives (nobody tracks or edits them) on
        many partners, each with its own values, as Odoo's own Field.write
        does (dirty values in the cache, dependents marked), without
        write()'s per-record tracking, commercial sync and overrides: the
        ORM then flushes them, with whatever else changed on the same rows,
        in one UPDATE per batch of rows.

        :param values_by_id: {partner_id: {field name: value}}
        :param company: for company-dependent fields, the company whose value
            is set
        :param contacts: also set the values on the partners' contacts
        :param fnames: the fields set (default: the keys of the first
            partner's values); a missing value is set empty
        """
        if not values_by_id:
            return
        names = sorted(fnames or next(iter(values_by_id.values())))
        if contacts:
            self.env.cr.execute(
                SQL(
                    "SELECT id, commercial_partner_id FROM res_partner"
                    " WHERE commercial_partner_id = ANY(%s)"
                    " AND id != commercial_partner_id",
                    list(values_by_id),
                )
            )
            values_by_id = dict(values_by_id)
            for contact_id, commercial_id in self.env.cr.fetchall():
                values_by_id[contact_id] = values_by_id[commercial_id]
        records = self.browse(list(values_by_id))
        if company:
            records = records.with_company(company)
        for name in names:
            field = self._fields[name]
            cache_values = _converted(
                values_by_id, name, field.convert_to_cache, records
            )
            self.env.cache.update(records, field, cache_values, dirty=True)
        records.modified(names)

    @api.model
    def _lifecycle_write_company_figures(self, values_by_id, company, fnames):
        """Write company-dependent figures the module derives (nobody tracks
        or edits them) on many partners, each with its own values, in ONE
        UPDATE: each column gets the company's key set, or removed where
        the value is the field's fallback, as the ORM's flush writes it.

        The flush merges each jsonb column of each row in a subquery of its
        own, after converting each value to JSON in Python; here each column
        is one typed array and one jsonb operation per row, which halves the
        retention job's write. For a batch of a daily job whose rows take no
        other write: the values pending in the cache for these fields and
        partners are written first, and the cache of the rows is dropped.

        :param values_by_id: {partner_id: {field name: value}}
        :param fnames: the fields set; a missing value is set empty
        """
        if not values_by_id:
            return
        records = self.browse(list(values_by_id)).with_company(company)
        records.flush_recordset(list(fnames))
        key = str(company.id)
        assignments, arrays, columns = [], [], []
        for name in fnames:
            field = self._fields[name]
            assert field.company_dependent and field.store
            # jsonb_build_object writes a timestamp as "2026-01-15T10:30:00",
            # the ORM as "2026-01-15 10:30:00": a datetime goes through
            # _lifecycle_bulk_update.
            assert field.type != "datetime", name
            # The company's fallback, as the ORM reads it (_field_to_sql).
            fallback = field.convert_to_column(
                field.convert_to_write(
                    field.get_company_dependent_fallback(records), records
                ),
                records,
            )
            column_type = SQL(field._column_type[1])
            column = _converted(values_by_id, name, field.convert_to_column, records)
            arrays.append(SQL("%s::%s[]", column, column_type))
            columns.append(SQL.identifier(name))
            current = SQL("COALESCE(p.%s, '{}'::jsonb)", SQL.identifier(name))
            new = SQL.identifier("v", name)
            assignments.append(
                SQL(
                    """%(column)s = NULLIF(CASE
                        WHEN %(new)s IS NULL OR %(new)s = %(fallback)s::%(type)s
                        THEN %(current)s - %(key)s
                        ELSE %(current)s || jsonb_build_object(%(key)s, %(new)s)
                    END, '{}'::jsonb)""",
                    column=SQL.identifier(name),
                    new=new,
                    fallback=fallback,
                    type=column_type,
                    current=current,
                    key=key,
                )
            )
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner p
                   SET %(assignments)s, write_uid = %(uid)s, write_date = %(now)s
                  FROM unnest(%(ids)s::int[], %(arrays)s) AS v(id, %(columns)s)
                 WHERE p.id = v.id
                """,
                assignments=SQL(", ").join(assignments),
                uid=self.env.uid,
                now=self.env.cr.now(),
                ids=list(values_by_id),
                arrays=SQL(", ").join(arrays),
                columns=SQL(", ").join(columns),
            )
        )
        records.invalidate_recordset([*fnames, "write_uid", "write_date"])
        records.modified(list(fnames))

    @api.model
    def _lifecycle_company_value_sql(self, alias, name, company):
        """The SQL expression of company-dependent field ``name`` of the
        partner row ``alias`` in ``company``: the very expression Odoo's
        search filters on (its current company's key of the jsonb, or the
        fallback), so that an index on it serves the search."""
        return self.sudo().with_company(company)._field_to_sql(alias, name, flush=False)
