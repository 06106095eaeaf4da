from datetime import date, timedelta

from odoo import Command

from .common import CrmLifecycleCommon

# The day the suggestion tests are frozen at.
TODAY = date(2025, 6, 30)


def ago(days, today=TODAY):
    return today - timedelta(days=days)


class CrmLifecycleSuggestionCommon(CrmLifecycleCommon):
    """Products and a planted purchase pattern with a known answer.

    - "pair" customers buy the best seller P with A, then B: twelve of them
      stop there, twelve go on to buy F;
    - "other" customers buy P with C, then D;
    - "crowd" customers buy P with the five products E1 to E5 in one go,
      then P again: E1 to E5 are the best sellers after P, never bought
      with A or B.

    So B follows A; the five best sellers a pair customer has not bought
    are E1 to E5.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        names = ["P", "A", "B", "C", "D", "F", "E1", "E2", "E3", "E4", "E5"]
        cls.products = {
            name: cls._create_product(name=f"Gadget {name}", lst_price=10.0)
            for name in names
        }
        cls.p = cls.products

    @classmethod
    def _customers(cls, prefix, count, **values):
        return cls.env["res.partner"].create(
            [
                {"name": f"{prefix} {index:02d}", "is_company": True, **values}
                for index in range(count)
            ]
        )

    @classmethod
    def _post(cls, specs, company=None, move_type="out_invoice"):
        """One posted untaxed invoice per (partner, day, [product names])."""
        company = company or cls.env.company
        if not specs:
            return cls.env["account.move"]
        moves = (
            cls.env["account.move"]
            .with_company(company)
            .create(
                [
                    {
                        "move_type": move_type,
                        "partner_id": partner.id,
                        "invoice_date": day,
                        "date": day,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "product_id": cls.p[name].id,
                                    "price_unit": 10.0,
                                    "tax_ids": [Command.clear()],
                                }
                            )
                            for name in names
                        ],
                    }
                    for partner, day, names in specs
                ]
            )
        )
        moves.action_post()
        return moves

    @classmethod
    def _plant(cls, company=None, prefix="", today=TODAY):
        """The planted pattern, days before ``today``; returns the customers
        by group."""

        def ago(days):
            return today - timedelta(days=days)

        pair_stop = cls._customers(f"{prefix}Pair Stop", 12)
        pair_on = cls._customers(f"{prefix}Pair On", 12)
        other = cls._customers(f"{prefix}Other", 12)
        crowd = cls._customers(f"{prefix}Crowd", 20)
        specs = []
        for partner in pair_stop:
            specs += [(partner, ago(90), ["P", "A"]), (partner, ago(60), ["B"])]
        for partner in pair_on:
            specs += [
                (partner, ago(90), ["P", "A"]),
                (partner, ago(60), ["B"]),
                (partner, ago(30), ["F"]),
            ]
        for partner in other:
            specs += [(partner, ago(90), ["P", "C"]), (partner, ago(60), ["D"])]
        for partner in crowd:
            specs += [
                (partner, ago(80), ["P", "E1", "E2", "E3", "E4", "E5"]),
                (partner, ago(40), ["P"]),
            ]
        cls._post(specs, company=company)
        return {
            "pair_stop": pair_stop,
            "pair_on": pair_on,
            "other": other,
            "crowd": crowd,
        }

    def _run(self):
        self.env.flush_all()
        self.env["res.partner"]._suggestion_recompute_all()

    def _suggested(self, partner, company=None):
        """[(product name, method)] of the customer's suggestions by rank."""
        company = company or self.env.company
        names = {product.id: name for name, product in self.p.items()}
        suggestions = self.env["crm.lifecycle.suggestion"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", company.id)],
            order="rank",
        )
        return [
            (names.get(s.product_id.id, s.product_id.name), s.method)
            for s in suggestions
        ]
