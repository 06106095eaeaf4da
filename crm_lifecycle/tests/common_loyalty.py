from contextlib import ExitStack, contextmanager
from unittest.mock import patch

from odoo import Command, api, fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import flush_events


@tagged("post_install", "-at_install")
class LoyaltyCommon(AccountTestInvoicingCommon):
    """A company with a lifecycle loyalty program (1 point per unit of
    currency paid, untaxed), three tiers and a customer without any tax on
    its invoices, so that points are easy to read."""

    @classmethod
    def default_env_context(cls):
        # Tracking and mails are part of what is tested.
        return {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.program = cls._create_program(cls.company, "Lifecycle Points")
        cls.company.write(
            {
                "lifecycle_loyalty_program_id": cls.program.id,
                "lifecycle_loyalty_points_rate": 1.0,
                "lifecycle_loyalty_points_basis": "untaxed",
            }
        )
        cls.gold_pricelist = cls.env["product.pricelist"].create(
            {
                "name": "Gold customers",
                "company_id": cls.company.id,
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "3_global",
                            "compute_price": "percentage",
                            "percent_price": 10.0,
                        }
                    )
                ],
            }
        )
        Tier = cls.env["crm.lifecycle.loyalty.tier"]
        cls.tier_bronze = Tier.create(
            {
                "name": "Bronze",
                "sequence": 10,
                "threshold": 100,
                "company_id": cls.company.id,
            }
        )
        cls.tier_silver = Tier.create(
            {
                "name": "Silver",
                "sequence": 20,
                "threshold": 500,
                "company_id": cls.company.id,
            }
        )
        cls.tier_gold = Tier.create(
            {
                "name": "Gold",
                "sequence": 30,
                "threshold": 1000,
                "company_id": cls.company.id,
                "pricelist_id": cls.gold_pricelist.id,
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Loyal Customer",
                "email": "loyal.customer@example.com",
                "is_company": True,
                "company_id": False,
            }
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Loyalty Widget",
                "lst_price": 100.0,
                "taxes_id": [Command.clear()],
            }
        )

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    @classmethod
    def _create_program(cls, company, name):
        # No conditional rule: the points come from payments only.
        return cls.env["loyalty.program"].create(
            {
                "name": name,
                "program_type": "loyalty",
                "company_id": company.id,
                "rule_ids": [],
                "communication_plan_ids": [],
            }
        )

    def _invoice(
        self, amount, partner=None, move_type="out_invoice", taxes=(), **kwargs
    ):
        move = self.init_invoice(
            move_type,
            partner=partner or self.customer,
            invoice_date=fields.Date.to_date(kwargs.pop("invoice_date", None))
            or fields.Date.today(),
            amounts=[amount],
            taxes=list(taxes),
            **kwargs,
        )
        move.action_post()
        return move

    def _pay(self, moves, amount=None, date=None, **kwargs):
        vals = {"payment_date": date or fields.Date.today(), **kwargs}
        if amount is not None:
            vals["amount"] = amount
        payments = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=moves.ids)
            .create(vals)
            ._create_payments()
        )
        flush_events(self.env)
        return payments

    def _unreconcile(self, payments):
        payments.move_id.line_ids.remove_move_reconcile()
        flush_events(self.env)

    def _card(self, partner=None, program=None):
        return self.env["loyalty.card"].search(
            [
                ("partner_id", "=", (partner or self.customer).id),
                ("program_id", "=", (program or self.program).id),
            ]
        )

    @contextmanager
    def assertRefused(self, text):
        """A ValidationError naming ``text``, with the transaction rolled
        back to before the bad input (assertRaisesRegex does not)."""
        with self.assertRaises(ValidationError) as catcher:
            yield
        self.assertIn(text, str(catcher.exception))

    def _recompute(self, partners=None):
        (partners or self.customer)._lifecycle_recompute()
        self.env.cr.flush()

    @contextmanager
    def spy_create(self, *model_names):
        """Stand in for another module's ``create()`` override of these
        models (sale_loyalty's, pos_loyalty's, ...): yields {model name:
        [the list of values of each call]}."""
        calls = {name: [] for name in model_names}

        def spy(original):
            @api.model_create_multi
            def create(records, vals_list):
                calls[records._name].append([dict(vals) for vals in vals_list])
                return original(records, vals_list)

            return create

        with ExitStack() as stack:
            for name in model_names:
                model_class = type(self.env[name])
                stack.enter_context(
                    patch.object(model_class, "create", spy(model_class.create))
                )
            yield calls
