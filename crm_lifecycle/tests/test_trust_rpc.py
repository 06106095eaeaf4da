import json
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import CrmLifecycleCommon

# A value for each figure the module derives, unlike what a new customer has.
FORGED_FIGURES = {
    "payment_grade": "A",
    "payment_on_time_ratio": 100.0,
    "nps_last_score": 10,
    "nps_category": "promoter",
    "csat_last_score": 5.0,
    "loyalty_next_tier_missing": 1.0,
    "loyalty_tier_since": "2020-01-01",
    "lifecycle_phase_since": "2020-01-01 00:00:00",
    "lifecycle_first_purchase_date": "2020-01-01",
    "lifecycle_recompute_date": "2099-01-01",
    "complaint_count": 3,
    "complaint_churn_signal": True,
    "churn_probability_previous": 0.9,
}


class RpcRefused(Exception):
    """An error answered by ``/web/dataset/call_kw``: its class and text."""

    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


@tagged("post_install", "-at_install")
class TestTrustRpc(CrmLifecycleCommon, HttpCase):
    """What a client sends over JSON-RPC (values, context keys, defaults)
    cannot set a phase without the manual checks and a history row, hold
    back a recompute, leave contacts out of sync, or forge a figure the
    module derives."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contact = cls.env["res.partner"].create(
            {"name": "Deniz Arslan", "parent_id": cls.customer.id}
        )
        cls.gold = cls.env.ref("crm_lifecycle.crm_lifecycle_loyalty_tier_gold")
        cls.env.cr.flush()

    def _call(self, login, model, method, args, context=None, **kwargs):
        """``model.method(*args, **kwargs)`` as ``login`` over
        ``/web/dataset/call_kw``, with ``context`` as the client's."""
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
        return caught.exception

    def _state(self, partner):
        return (
            partner.lifecycle_phase,
            partner.lifecycle_phase_locked,
            len(self._history(partner.commercial_partner_id)),
        )

    def test_engine_context_key_does_not_skip_the_manual_checks(self):
        before = self._state(self.customer)
        self.assertEqual(before[:2], ("selection", False))
        context = {"crm_lifecycle_engine": True, "crm_lifecycle_children_synced": True}
        self._assert_refused(
            "AccessError",
            "lc_salesman",
            "res.partner",
            "write",
            [self.customer.ids, {"lifecycle_phase": "extension"}],
            context=context,
        )
        self.assertEqual(self._state(self.customer), before)
        self.assertEqual(self._state(self.contact)[:2], before[:2])
        self._assert_refused(
            "AccessError",
            "lc_salesman",
            "res.partner",
            "create",
            [{"name": "Forged Extension", "lifecycle_phase": "extension"}],
            context=context,
        )
        self.assertFalse(
            self.env["res.partner"].search([("name", "=", "Forged Extension")])
        )

    def test_default_phase_on_create_is_checked_as_a_value(self):
        context = {
            "default_lifecycle_phase": "extension",
            "default_lifecycle_phase_locked": True,
        }
        self._assert_refused(
            "AccessError",
            "lc_salesman",
            "res.partner",
            "create",
            [{"name": "Defaulted Extension", "is_company": True}],
            context=context,
        )
        self._assert_refused(
            "AccessError",
            "lc_salesman",
            "res.partner",
            "web_save",
            [[], {"name": "Defaulted Extension", "is_company": True}],
            context=context,
            specification={"lifecycle_phase": {}},
        )
        self.assertFalse(
            self.env["res.partner"].search([("name", "=", "Defaulted Extension")])
        )
        # A manager without a reason neither; with one, a manual change.
        self._assert_refused(
            "UserError",
            "lc_manager",
            "res.partner",
            "create",
            [{"name": "Defaulted Extension", "is_company": True}],
            context=context,
        )
        (record,) = self._call(
            "lc_manager",
            "res.partner",
            "web_save",
            [[], {"name": "Defaulted Extension", "is_company": True}],
            context={**context, "lifecycle_phase_reason": "Signed at the fair"},
            specification={"lifecycle_phase": {}},
        )
        partner = self.env["res.partner"].browse(record["id"])
        self.assertEqual(self._state(partner), ("extension", True, 1))
        row = self._history(partner)
        self.assertEqual(
            (row.phase, row.manual, row.reason, row.user_id),
            ("extension", True, "Signed at the fair", self.manager),
        )

    def test_no_event_context_key_does_not_hold_back_the_phase(self):
        prospect = self._new_customer("Ege Lojistik")
        self._flush_events()
        self.assertEqual(prospect.lifecycle_phase, "selection")
        self._call(
            "lc_salesman",
            "crm.lead",
            "create",
            [{"name": "Ege deal", "type": "opportunity", "partner_id": prospect.id}],
            context={"crm_lifecycle_no_event": True},
        )
        self._flush_events()
        self.assertEqual(prospect.lifecycle_phase, "acquisition")

    def test_figures_cannot_be_written_over_rpc(self):
        for name, value in FORGED_FIGURES.items():
            with self.subTest(field=name):
                before = self.customer[name]
                refused = self._assert_refused(
                    "AccessError",
                    "lc_salesman",
                    "res.partner",
                    "write",
                    [self.customer.ids, {name: value}],
                    context={"crm_lifecycle_engine": True},
                )
                label = self.customer._fields[name].string
                self.assertIn("computed by Customer Lifecycle", refused.message)
                self.assertIn(label, refused.message)
                self.assertEqual(self.customer[name], before)
        # A tier the customer never earned, neither written nor defaulted.
        self._assert_refused(
            "AccessError",
            "lc_salesman",
            "res.partner",
            "write",
            [self.customer.ids, {"loyalty_tier_id": self.gold.id}],
        )
        self.assertFalse(self.customer.loyalty_tier_id)
        self._assert_refused(
            "AccessError",
            "lc_salesman",
            "res.partner",
            "create",
            [{"name": "Forged Gold"}],
            context={"default_loyalty_tier_id": self.gold.id},
        )
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Forged Gold")]))

    def test_complaint_clock_cannot_be_written_over_rpc(self):
        salesman = self.env["res.users"].search([("login", "=", "lc_salesman")])
        case = self.env["crm.lifecycle.complaint"].create(
            {
                "partner_id": self.customer.id,
                "subject": "Late delivery",
                "user_id": salesman.id,
            }
        )
        self.env.cr.flush()
        for name, value in (("sla_breached", True), ("response_hours", 0.5)):
            with self.subTest(field=name):
                before = case[name]
                refused = self._assert_refused(
                    "AccessError",
                    "lc_salesman",
                    "crm.lifecycle.complaint",
                    "write",
                    [case.ids, {name: value}],
                )
                self.assertIn("computed by Customer Lifecycle", refused.message)
                self.assertEqual(case[name], before)
        refused = self._assert_refused(
            "AccessError",
            "lc_salesman",
            "crm.lifecycle.complaint",
            "create",
            [{"partner_id": self.customer.id, "subject": "Forged clock"}],
            context={"default_reopen_count": 7, "default_user_id": salesman.id},
        )
        self.assertIn("computed by Customer Lifecycle", refused.message)
        self.assertFalse(
            self.env["crm.lifecycle.complaint"].search(
                [("subject", "=", "Forged clock")]
            )
        )

    def test_manager_sets_phase_through_the_wizard(self):
        wizard_id = self._call(
            "lc_manager",
            "crm.lifecycle.phase.set",
            "create",
            [{"phase": "retention", "reason": "Migrated from the old CRM"}],
            context={"active_model": "res.partner", "active_ids": self.customer.ids},
        )
        self._call(
            "lc_manager", "crm.lifecycle.phase.set", "action_apply", [[wizard_id]]
        )
        self.assertEqual(self._state(self.customer), ("retention", True, 2))
        row = self._history(self.customer)[-1]
        self.assertEqual(
            (row.phase, row.manual, row.reason, row.user_id),
            ("retention", True, "Migrated from the old CRM", self.manager),
        )
        self.assertEqual(self._state(self.contact)[:2], ("retention", True))

    def test_contacts_follow_their_company_whatever_the_context(self):
        context = {
            "lifecycle_phase_reason": "Key account",
            "crm_lifecycle_children_synced": True,
        }
        self._call(
            "lc_manager",
            "res.partner",
            "write",
            [self.customer.ids, {"lifecycle_phase": "acquisition"}],
            context=context,
        )
        self.assertEqual(self._state(self.contact)[:2], ("acquisition", True))
        self._call(
            "lc_manager",
            "res.partner",
            "write",
            [self.customer.ids, {"lifecycle_phase_locked": False}],
            context=context,
        )
        self._flush_events()
        self.assertFalse(self.customer.lifecycle_phase_locked)
        self.assertEqual(self._state(self.contact)[:2], self._state(self.customer)[:2])
        self._call(
            "lc_manager",
            "res.partner",
            "write",
            [self.customer.ids, {"lifecycle_phase_locked": True}],
            context=context,
        )
        self.assertTrue(self.customer.lifecycle_phase_locked)
        self.assertTrue(self.contact.lifecycle_phase_locked)


@tagged("post_install", "-at_install")
class TestForgedRecomputeDate(CrmLifecycleCommon):
    """A recompute date in the future would make the daily job skip the
    customer for good: nobody but the job sets it."""

    def test_future_recompute_date_cannot_be_set(self):
        Partner = self.env["res.partner"].with_user(self.sales_user)
        future = fields.Date.today() + timedelta(days=3650)
        with self.assertRaisesRegex(AccessError, "computed by Customer Lifecycle"):
            self.customer.with_user(self.sales_user).write(
                {"lifecycle_recompute_date": future}
            )
        with self.assertRaises(AccessError):
            Partner.create({"name": "Forged Date", "lifecycle_recompute_date": future})
        with self.assertRaises(AccessError):
            Partner.with_context(default_lifecycle_recompute_date=future).create(
                {"name": "Forged Date"}
            )
        self.assertNotEqual(self.customer.lifecycle_recompute_date, future)
        # The daily job still takes the customer up, and its invoice.
        self._invoice(self.customer)
        self.env["res.partner"]._lifecycle_recompute_all()
        self.assertEqual(self.customer.lifecycle_phase, "retention")
        self.assertEqual(self.customer.lifecycle_recompute_date, fields.Date.today())
