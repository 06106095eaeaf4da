from odoo import Command

from .common import CrmLifecycleCommon


class CrmLifecycleFitCommon(CrmLifecycleCommon):
    """Two industries and helpers that give partners a phase and a lifetime
    value the way the module's own jobs write them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.banking, cls.retail = cls.env["res.partner.industry"].create(
            [{"name": "Fit Banking"}, {"name": "Fit Retail"}]
        )
        cls.Fit = cls.env["crm.lifecycle.fit"]

    @classmethod
    def _partners(cls, count, prefix, phase, countries=None, **values):
        countries = countries or cls.env["res.country"]
        partners = cls.env["res.partner"].create(
            [
                {
                    "name": f"{prefix} {index}",
                    "is_company": True,
                    "country_id": countries[index % len(countries)].id
                    if countries
                    else False,
                    **values,
                }
                for index in range(count)
            ]
        )
        # The events of their creation first (the phase pass, the fit score
        # queued), then the phase they are given here.
        cls.env.cr.flush()
        cls._set_phase(partners, phase)
        return partners

    @classmethod
    def _set_phase(cls, partners, phase):
        # As the phase pass writes it (the rules would need deals and
        # invoices for each): straight in the table.
        cls.env.flush_all()
        cls.env.cr.execute(
            "UPDATE res_partner SET lifecycle_phase = %s WHERE id = ANY(%s)",
            [phase, partners.ids],
        )
        partners.invalidate_recordset(["lifecycle_phase"])

    @classmethod
    def _set_values(cls, values_by_partner, company=None):
        """Historical lifetime values, as the retention scoring writes them."""
        cls.env["res.partner"]._lifecycle_write_company_figures(
            {
                partner.id: {"clv_historical": value}
                for partner, value in values_by_partner.items()
            },
            company or cls.env.company,
            ["clv_historical"],
        )

    @classmethod
    def _customer_base(cls, company=None):
        """200 customers: the 40 best are all in banking; of the 160 others,
        20 are in banking and 140 in retail. Countries alternate over both."""
        countries = cls.env.ref("base.tr") | cls.env.ref("base.gr")
        best = cls._partners(
            40, "Best", "retention", countries, industry_id=cls.banking.id
        )
        banking = cls._partners(
            20, "Banking", "retention", countries, industry_id=cls.banking.id
        )
        retail = cls._partners(
            140, "Retail", "retention", countries, industry_id=cls.retail.id
        )
        values = {partner: 5000.0 + index for index, partner in enumerate(best)}
        values.update(
            {partner: 50.0 + index for index, partner in enumerate(banking | retail)}
        )
        cls._set_values(values, company)
        return best, banking, retail

    def _score(self, partner, company=None):
        partner = partner.with_company(company or self.env.company)
        partner.invalidate_recordset()
        return (
            partner.lifecycle_fit_score,
            partner.lifecycle_fit_method,
            partner.lifecycle_fit_reasons or "",
        )

    def _criterion(self, trait_type, value, weight, company=None):
        vals = {
            "trait_type": trait_type,
            "weight": weight,
            "company_id": (company or self.env.company).id,
        }
        if trait_type == "company_type":
            vals["company_type"] = value
        else:
            vals["value_ref"] = f"{value._name},{value.id}"
        return self.env["crm.lifecycle.fit.criterion"].create(vals)

    @classmethod
    def _other_company_user(cls, login, company, groups):
        from odoo.tests import new_test_user

        return new_test_user(
            cls.env,
            login=login,
            groups=groups,
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )
