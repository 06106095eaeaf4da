from datetime import date, timedelta

from odoo import Command

from .common import CrmLifecycleCommon

# The day the retention tests are frozen at.
TODAY = date(2025, 6, 30)


class CrmLifecycleRetentionCommon(CrmLifecycleCommon):
    """Invoices in bulk and a population large enough to fit the models."""

    @classmethod
    def _invoices(cls, specs, company=None):
        """Post one untaxed invoice per (partner, date, amount), in one create."""
        company = company or cls.env.company
        moves = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "invoice_date": day,
                        "date": day,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "product_id": cls.product_hw.id,
                                    "price_unit": amount,
                                    "tax_ids": [Command.clear()],
                                }
                            )
                        ],
                    }
                    for partner, day, amount in specs
                ]
            )
        )
        moves.action_post()
        return moves

    @classmethod
    def _population_specs(cls, partners, today=TODAY):
        """A deterministic purchase history: customer i first buys 200 to
        395 days ago, then every 20 + 3 i days, 1 to 4 times in all (every
        eighth customer buys once), for 100 + 10 (i mod 7) + 5 k."""
        specs = []
        for index, partner in enumerate(partners):
            purchases = 1 if index % 8 == 0 else 2 + index % 3
            first = today - timedelta(days=200 + 5 * index)
            step = 20 + 3 * index
            for k in range(purchases):
                day = first + timedelta(days=step * k)
                if day <= today:
                    specs.append((partner, day, 100.0 + 10 * (index % 7) + 5 * k))
        return specs

    @classmethod
    def _population(cls, size=40, prefix="Customer", company=None):
        partners = cls.env["res.partner"].create(
            [{"name": f"{prefix} {index:02d}", "is_company": True} for index in range(size)]
        )
        specs = cls._population_specs(partners)
        cls._invoices(specs, company=company)
        return partners, specs

    def _run(self):
        self._flush_events()
        self.env["res.partner"]._retention_recompute_all()

    def _scores(self, partner, company=None):
        partner = partner.with_company(company or self.env.company)
        return (
            partner.rfm_recency_score,
            partner.rfm_frequency_score,
            partner.rfm_monetary_score,
            partner.rfm_segment,
        )
