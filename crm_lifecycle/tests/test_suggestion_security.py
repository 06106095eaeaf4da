import json

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, freeze_time, tagged

from .common_suggestion import TODAY, CrmLifecycleSuggestionCommon, ago


class RpcRefused(Exception):
    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.name = name


@tagged("post_install", "-at_install")
class TestSuggestionSecurity(CrmLifecycleSuggestionCommon, HttpCase):
    """A salesperson sees the suggestions of its customers, a manager every
    customer's, in their companies only; the portal nothing; nobody but the
    job writes them, over RPC included; the measures are the managers'."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time(TODAY):
            cls._plant()
            cls.mine = cls._new_customer("Tau Pumps", user_id=cls.sales_user.id)
            cls.theirs = cls._new_customer("Upsilon Valves", user_id=cls.manager.id)
            cls._post(
                [(cls.mine, ago(20), ["P", "A"]), (cls.theirs, ago(20), ["P", "A"])]
            )
            cls.company_2 = cls.setup_other_company(name="Suggestion Company 2")[
                "company"
            ]
            cls.env.user.company_ids |= cls.company_2
            cls.abroad = cls._plant(company=cls.company_2, prefix="Abroad ")
            cls.sales_user.company_ids |= cls.company_2
            cls.env.flush_all()
            cls.env["res.partner"]._suggestion_recompute_all()
        cls.env.cr.flush()

    def _visible(self, user, companies=None):
        Suggestion = self.env["crm.lifecycle.suggestion"].with_user(user)
        if companies:
            Suggestion = Suggestion.with_context(allowed_company_ids=companies.ids)
        return Suggestion.search([])

    def _call(self, login, model, method, args, context=None, **kwargs):
        if getattr(self, "_login", None) != login:
            self.authenticate(login, login)
            self._login = login
        payload = {
            "id": 0,
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "model": model,
                "method": method,
                "args": args,
                "kwargs": {**kwargs, "context": context or {}},
            },
        }
        response = self.url_open(
            "/web/dataset/call_kw",
            json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        response.raise_for_status()
        answer = response.json()
        self.env.invalidate_all()
        if "error" in answer:
            data = answer["error"]["data"]
            raise RpcRefused(data["name"], data["message"])
        return answer["result"]

    def _assert_refused(self, exception, *call, **kwargs):
        with self.assertRaises(RpcRefused) as caught:
            self._call(*call, **kwargs)
        self.assertEqual(caught.exception.name, f"odoo.exceptions.{exception}")

    def test_salesperson_sees_its_customers_only(self):
        visible = self._visible(self.sales_user, self.env.company)
        self.assertTrue(visible)
        self.assertEqual(visible.partner_id, self.mine)
        self.assertEqual(len(visible), 5)
        self.assertFalse(
            self.mine.with_user(self.sales_user).lifecycle_suggestion_ids - visible
        )

    def test_manager_sees_all_customers_of_its_companies(self):
        visible = self._visible(self.manager)
        self.assertIn(self.mine, visible.partner_id)
        self.assertIn(self.theirs, visible.partner_id)
        self.assertEqual(visible.company_id, self.env.company)
        everything = self.env["crm.lifecycle.suggestion"].search([])
        self.assertIn(self.company_2, everything.company_id, "company 2 has its own")
        abroad = self.abroad["pair_stop"][0]
        self.assertFalse(
            self.env["crm.lifecycle.suggestion"]
            .with_user(self.manager)
            .search([("partner_id", "=", abroad.id)])
        )

    def test_multi_company_isolated(self):
        """Company 2's suggestions are its own customers' and products',
        and visible only with company 2 allowed."""
        Suggestion = self.env["crm.lifecycle.suggestion"]
        own = Suggestion.search([("company_id", "=", self.company_2.id)])
        self.assertTrue(own)
        self.assertLessEqual(
            own.partner_id,
            self.abroad["pair_stop"]
            | self.abroad["pair_on"]
            | self.abroad["other"]
            | self.abroad["crowd"],
        )
        self.abroad["pair_stop"][0].user_id = self.sales_user
        self.assertFalse(
            self._visible(self.sales_user, self.env.company).filtered(
                lambda s: s.company_id == self.company_2
            )
        )
        both = self._visible(self.sales_user, self.env.company | self.company_2)
        self.assertIn(self.company_2, both.company_id)

    def test_portal_sees_nothing(self):
        for model in (
            "crm.lifecycle.suggestion",
            "crm.lifecycle.suggestion.evaluation",
        ):
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.portal_user).search([])

    def test_nobody_writes_suggestions(self):
        suggestion = self._visible(self.sales_user, self.env.company)[0]
        before = (suggestion.rank, suggestion.product_id)
        vals = {
            "partner_id": self.mine.id,
            "company_id": self.env.company.id,
            "product_id": self.p["E1"].id,
            "method": "popular",
        }
        for user in (self.sales_user, self.manager):
            Suggestion = self.env["crm.lifecycle.suggestion"].with_user(user)
            with self.assertRaises(AccessError):
                Suggestion.create(vals)
            with self.assertRaises(AccessError):
                suggestion.with_user(user).write({"rank": 9})
            with self.assertRaises(AccessError):
                suggestion.with_user(user).unlink()
        self._assert_refused(
            "AccessError",
            "lc_salesman",
            "crm.lifecycle.suggestion",
            "create",
            [vals],
        )
        self._assert_refused(
            "AccessError",
            "lc_manager",
            "crm.lifecycle.suggestion",
            "write",
            [suggestion.ids, {"product_id": self.p["E1"].id}],
        )
        self.assertEqual((suggestion.rank, suggestion.product_id), before)
        self.assertFalse(
            self.env["crm.lifecycle.suggestion"].search(
                [
                    ("partner_id", "=", self.mine.id),
                    ("product_id", "=", self.p["E1"].id),
                    ("method", "=", "popular"),
                ]
            )
        )

    def test_suggestion_date_is_the_jobs(self):
        self._assert_refused(
            "AccessError",
            "lc_salesman",
            "res.partner",
            "write",
            [self.mine.ids, {"lifecycle_suggestion_date": "2099-01-01"}],
        )
        self._assert_refused(
            "AccessError",
            "lc_salesman",
            "res.partner",
            "create",
            [{"name": "Forged", "is_company": True}],
            context={"default_lifecycle_suggestion_date": "2099-01-01"},
        )
        self.assertEqual(
            self.mine.with_company(self.env.company).lifecycle_suggestion_date, TODAY
        )
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Forged")]))

    def test_add_refused_over_rpc_on_someone_elses_quotation(self):
        """A salesperson cannot add a line to a quotation it may not edit,
        nor a suggestion it may not read, whatever the context says."""
        order = (
            self.env["sale.order"]
            .with_user(self.manager)
            .create(
                {
                    "partner_id": self.mine.id,
                    "user_id": self.manager.id,
                    "order_line": [Command.create({"product_id": self.p["P"].id})],
                }
            )
        )
        lines = order.order_line
        suggestion = self._visible(self.sales_user, self.env.company)[0]
        self._assert_refused(
            "AccessError",
            "lc_salesman",
            "crm.lifecycle.suggestion",
            "action_add_to_order",
            [suggestion.ids],
            context={"lifecycle_order_id": order.id},
        )
        theirs = self.env["crm.lifecycle.suggestion"].search(
            [("partner_id", "=", self.theirs.id)], limit=1
        )
        self._assert_refused(
            "AccessError",
            "lc_salesman",
            "crm.lifecycle.suggestion",
            "action_add_to_order",
            [theirs.ids],
            context={"lifecycle_order_id": order.id},
        )
        self.assertEqual(order.order_line, lines)

    def test_evaluation_is_the_managers(self):
        Evaluation = self.env["crm.lifecycle.suggestion.evaluation"]
        with self.assertRaises(AccessError):
            Evaluation.with_user(self.sales_user).action_evaluate()
        self._assert_refused(
            "AccessError",
            "lc_salesman",
            "crm.lifecycle.suggestion.evaluation",
            "action_evaluate",
            [],
        )
        self.assertFalse(Evaluation.search([]))
        # The figures themselves are tested on frozen days (test_suggestions).
        self._call(
            "lc_manager", "crm.lifecycle.suggestion.evaluation", "action_evaluate", []
        )
        rows = Evaluation.with_user(self.manager).search([])
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows.company_id, self.env.company)
        with self.assertRaises(AccessError):
            Evaluation.with_user(self.sales_user).search([])
        with self.assertRaises(AccessError):
            rows.with_user(self.manager).write({"hit_rate": 1.0})
