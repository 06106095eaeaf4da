from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import CrmLifecycleCommon


@tagged("post_install", "-at_install")
class TestLifecycleManual(CrmLifecycleCommon):
    def _set_phase(self, partner, phase, reason, user=None, lock=True):
        wizard = (
            self.env["crm.lifecycle.phase.set"]
            .with_user(user or self.manager)
            .with_context(
                active_model="res.partner",
                active_ids=partner.ids,
                tracking_disable=False,
                mail_notrack=False,
            )
            .create({"phase": phase, "reason": reason, "lock": lock})
        )
        wizard.action_apply()
        return wizard

    def test_manager_sets_phase_with_reason_and_lock(self):
        self._set_phase(self.customer, "extension", "Framework contract signed")
        self.assertEqual(self.customer.lifecycle_phase, "extension")
        self.assertTrue(self.customer.lifecycle_phase_locked)
        last = self._history(self.customer)[-1]
        self.assertEqual(
            (last.phase, last.reason, last.manual, last.user_id),
            ("extension", "Framework contract signed", True, self.manager),
        )
        self._flush_events()
        self.customer.invalidate_recordset()
        tracking = self.customer.message_ids.filtered(
            lambda m: "lifecycle_phase" in m.tracking_value_ids.field_id.mapped("name")
        )[:1]
        self.assertIn("Framework contract signed", tracking.body)

    def test_locked_phase_ignores_automation_until_unlocked(self):
        self._set_phase(self.customer, "acquisition", "Trade fair lead")
        self._invoice(self.customer)
        self._flush_events()
        self.env["res.partner"]._lifecycle_recompute_all()
        self.assertEqual(self.customer.lifecycle_phase, "acquisition")
        self.customer.with_user(self.manager).action_lifecycle_unlock()
        self._flush_events()
        self.assertFalse(self.customer.lifecycle_phase_locked)
        self.assertEqual(self.customer.lifecycle_phase, "retention")

    def test_manual_change_without_reason_is_refused(self):
        with self.assertRaisesRegex(UserError, "reason"):
            self._set_phase(self.customer, "retention", "   ")
        with self.assertRaisesRegex(UserError, "reason"):
            self.customer.with_user(self.manager).write(
                {"lifecycle_phase": "retention"}
            )
        self.assertEqual(self.customer.lifecycle_phase, "selection")
        self.assertEqual(len(self._history(self.customer)), 1)

    def test_unknown_phase_over_rpc_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "Unknown lifecycle phase"):
            self.customer.with_user(self.manager).with_context(
                lifecycle_phase_reason="API"
            ).write({"lifecycle_phase": "loyal"})
        self.assertEqual(self.customer.lifecycle_phase, "selection")

    def test_sales_user_cannot_set_phase(self):
        with self.assertRaises(AccessError):
            self.customer.with_user(self.sales_user).with_context(
                lifecycle_phase_reason="I think so"
            ).write({"lifecycle_phase": "extension"})
        with self.assertRaises(AccessError):
            self._set_phase(
                self.customer, "extension", "I think so", user=self.sales_user
            )
        self.assertEqual(self.customer.lifecycle_phase, "selection")

    def test_set_phase_on_contact_sets_its_company(self):
        contact = self.env["res.partner"].create(
            {"name": "Elif Kaya", "parent_id": self.customer.id}
        )
        self._set_phase(contact, "retention", "Migrated from old CRM")
        self.assertEqual(self.customer.lifecycle_phase, "retention")
        self.assertEqual(contact.lifecycle_phase, "retention")

    def test_negative_threshold_is_refused(self):
        Settings = self.env["res.config.settings"]
        with self.assertRaisesRegex(ValidationError, "between 0 and 1000"):
            Settings.create({"crm_lifecycle_extension_min_invoices": -1}).execute()
        with self.assertRaisesRegex(ValidationError, "between 1 and 3650"):
            Settings.create({"crm_lifecycle_extension_window_days": 0}).execute()
        self.assertEqual(
            self.env["crm.lifecycle.engine"]._get_rules()["extension_min_invoices"], 2
        )

    def test_garbage_parameter_falls_back_to_default(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_lifecycle.extension_min_invoices", "many"
        )
        self.assertEqual(
            self.env["crm.lifecycle.engine"]._get_rules()["extension_min_invoices"], 2
        )

    def test_merging_contacts_is_not_a_manual_phase_change(self):
        buyer = self._new_customer("Marmara Yapı")
        self._invoice(buyer)
        duplicate = self._new_customer("Marmara Yapi A.Ş.")
        self._opportunity(duplicate)
        self._flush_events()
        self.assertEqual(
            (buyer.lifecycle_phase, duplicate.lifecycle_phase),
            ("retention", "acquisition"),
        )
        wizard = self.env["base.partner.merge.automatic.wizard"].create({})
        wizard._merge((buyer | duplicate).ids, buyer)
        self._flush_events()
        self.assertFalse(duplicate.exists())
        self.assertEqual(buyer.lifecycle_phase, "retention")
        self.assertFalse(buyer.lifecycle_phase_locked)
        self.assertEqual(
            len(self._history(buyer).filtered(lambda h: not h.date_end)), 1
        )
