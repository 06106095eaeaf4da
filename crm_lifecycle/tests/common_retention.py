from datetime import date, timedelta

import numpy as np

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
    def _population_specs(cls, partners, seed, today=TODAY):
        """A purchase history drawn, with a fixed seed, from the BG/NBD and
        Gamma-Gamma processes: each customer buys at a gamma-distributed
        rate (mean one purchase per 30 days), drops out after each purchase
        with a beta-distributed probability, first bought 60 to 500 days ago
        and buys at most 6 times."""
        rng = np.random.default_rng(seed)
        specs = []
        for partner in partners:
            rate = rng.gamma(2.0, 1 / 60.0)
            dropout = rng.beta(1.0, 4.0)
            scale = 1 / rng.gamma(4.0, 1 / 500.0)
            age = int(rng.integers(60, 500))
            day = 0.0
            for _purchase in range(6):
                if day > age:
                    break
                amount = round(float(rng.gamma(6.0, scale / 6.0)) + 10, 2)
                specs.append((partner, today - timedelta(days=age - int(day)), amount))
                if rng.random() < dropout:
                    break
                day += rng.exponential(1 / rate)
        return specs

    @classmethod
    def _population(cls, size=40, seed=7, prefix="Customer", company=None):
        """Customers and their posted invoices; with the default seed plain
        maximum likelihood converges and 33 of the 40 bought again."""
        partners = cls.env["res.partner"].create(
            [
                {"name": f"{prefix} {index:02d}", "is_company": True}
                for index in range(size)
            ]
        )
        specs = cls._population_specs(partners, seed)
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
