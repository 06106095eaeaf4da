from odoo import api, models
from odoo.tools.sql import create_index, make_index_name

# The company-dependent figures the partner list filters on by value (its
# search filters, the benchmark's list page): each has an index per
# company, see _lifecycle_create_filter_indexes.
FILTERED_COMPANY_FIELDS = ("rfm_segment", "payment_grade", "payment_trend")


class ResPartner(models.Model):
    """The indexes the module's reads and filters on partners need."""

    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    def init(self):
        res = super().init()
        # The daily jobs take their next batch of commercial partners in id
        # order (_lifecycle_next_batch). PostgreSQL cannot estimate how many
        # rows have id = commercial_partner_id, guesses a few hundred, and
        # then reads the whole table and sorts it for every batch. This
        # index hands it the commercial partners in order.
        create_index(
            self.env.cr,
            "crm_lifecycle_res_partner_commercial_idx",
            self._table,
            ["id"],
            where="active AND id = commercial_partner_id",
        )
        self._lifecycle_create_filter_indexes(
            self.env["res.company"].with_context(active_test=False).search([])
        )
        return res

    @api.model
    def _lifecycle_create_filter_indexes(self, companies):
        """One index per company on each figure of FILTERED_COMPANY_FIELDS.

        A company-dependent field is one jsonb column for all companies, and
        Odoo filters it on the current company's key: the expression
        ``(("res_partner"."payment_grade"->'1')->>0)::varchar``. No index on
        the column can serve that, so a list filtered on grade D read the
        whole partner table. An index on that very expression, made from
        the expression Odoo's search uses (_lifecycle_company_value_sql),
        serves it; partial, it holds only the customers with a value in
        that company. These figures change seldom (a segment, a grade, a
        trend), so the daily jobs' rewrites of other figures stay in-place
        updates. A new company gets its indexes when it is created
        (res.company)."""
        for company in companies:
            for name in FILTERED_COMPANY_FIELDS:
                value = self.env.cr.mogrify(
                    self._lifecycle_company_value_sql(self._table, name, company)
                ).decode()
                create_index(
                    self.env.cr,
                    make_index_name(self._table, f"crm_lifecycle_{name}_{company.id}"),
                    self._table,
                    [f"({value})"],
                    where=f"{value} IS NOT NULL",
                )
