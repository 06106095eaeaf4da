import json

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .test_trust_rpc import RpcRefused

MODEL = "crm.lifecycle.funnel.alert"


@tagged("post_install", "-at_install")
class TestFunnelAlertRpc(HttpCase):
    """What a client can do with the funnel alerts over JSON-RPC: a manager
    reads its companies' alerts and nothing else; nobody makes, changes or
    sends one; sales and portal users read none."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a, cls.company_b = cls.env["res.company"].create(
            [{"name": "Funnel RPC A"}, {"name": "Funnel RPC B"}]
        )
        cls.alert = cls.env[MODEL].create(
            {
                "company_id": cls.company_a.id,
                "week_start": "2025-03-03",
                "state": "alert",
                "selection_count": 8,
            }
        )
        cls.users = {}
        for login, groups, company in (
            ("funnel_rpc_manager", "sales_team.group_sale_manager", cls.company_a),
            ("funnel_rpc_other", "sales_team.group_sale_manager", cls.company_b),
            ("funnel_rpc_sales", "sales_team.group_sale_salesman", cls.company_a),
            ("funnel_rpc_portal", "base.group_portal", cls.company_a),
        ):
            cls.users[login] = new_test_user(
                cls.env,
                login=login,
                groups=groups,
                company_id=company.id,
                company_ids=[Command.set(company.ids)],
            )

    def _call(self, login, method, args, context=None, **kwargs):
        if getattr(self, "_login", None) != login:
            self.authenticate(login, login)
            self._login = login
        payload = {
            "id": 0,
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "model": MODEL,
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

    def _assert_refused(self, login, method, args, **kwargs):
        with self.assertRaises(RpcRefused) as caught:
            self._call(login, method, args, **kwargs)
        self.assertEqual(caught.exception.name, "odoo.exceptions.AccessError")

    def test_manager_reads_its_companies_alerts_only(self):
        rows = self._call(
            "funnel_rpc_manager", "search_read", [[]], fields=["selection_count"]
        )
        self.assertEqual(rows, [{"id": self.alert.id, "selection_count": 8}])
        self.assertEqual(
            self._call("funnel_rpc_other", "search_read", [[]], fields=["week"]), []
        )
        self._assert_refused("funnel_rpc_other", "read", [self.alert.ids, ["week"]])

    def test_nobody_makes_changes_or_sends_an_alert(self):
        context = {"default_state": "alert", "default_company_id": self.company_a.id}
        self._assert_refused(
            "funnel_rpc_manager",
            "create",
            [{"company_id": self.company_a.id, "week_start": "2025-03-10"}],
            context=context,
        )
        self._assert_refused(
            "funnel_rpc_manager",
            "write",
            [self.alert.ids, {"selection_count": 20, "state": "quiet"}],
        )
        self._assert_refused("funnel_rpc_manager", "unlink", [self.alert.ids])
        for method in ("_cron_funnel_alert", "_funnel_alert_notify"):
            self._assert_refused("funnel_rpc_manager", method, [self.alert.ids])
        self.assertEqual(self.env[MODEL].search_count([]), 1)
        self.assertEqual((self.alert.state, self.alert.selection_count), ("alert", 8))
        self.assertFalse(
            self.env["mail.mail"].search([("model", "=", MODEL)]),
        )

    def test_sales_and_portal_users_read_nothing(self):
        for login in ("funnel_rpc_sales", "funnel_rpc_portal"):
            self._assert_refused(login, "search_read", [[]], fields=["week"])
            self._assert_refused(login, "read", [self.alert.ids, ["week"]])
