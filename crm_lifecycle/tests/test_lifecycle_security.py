from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import CrmLifecycleCommon


@tagged("post_install", "-at_install")
class TestLifecycleSecurity(CrmLifecycleCommon):
    def test_sales_user_reads_phase_and_history_but_cannot_edit_history(self):
        self._opportunity(self.customer)
        self._flush_events()
        customer = self.customer.with_user(self.sales_user)
        self.assertEqual(customer.lifecycle_phase, "acquisition")
        history = customer.lifecycle_history_ids
        self.assertEqual(len(history), 2)
        with self.assertRaises(AccessError):
            history[0].write({"reason": "rewrite the past"})
        with self.assertRaises(AccessError):
            history.unlink()
        with self.assertRaises(AccessError):
            self.env["crm.lifecycle.phase.history"].with_user(self.sales_user).create(
                {"partner_id": self.customer.id, "phase": "extension"}
            )
        summary = self.env["crm.lifecycle.funnel.summary"].with_user(self.sales_user)
        self.assertTrue(summary.search([]))

    def test_manager_cannot_forge_history_either(self):
        with self.assertRaises(AccessError):
            self.env["crm.lifecycle.phase.history"].with_user(self.manager).create(
                {"partner_id": self.customer.id, "phase": "extension"}
            )

    def test_portal_and_public_see_nothing(self):
        public = self.env.ref("base.public_user").sudo()
        for user in (self.portal_user, public):
            for model in (
                "crm.lifecycle.phase.history",
                "crm.lifecycle.funnel.report",
                "crm.lifecycle.funnel.summary",
                "crm.lifecycle.phase.set",
            ):
                with self.assertRaises(
                    AccessError, msg=f"{user.sudo().login} on {model}"
                ):
                    self.env[model].with_user(user).search([])

    def test_portal_user_cannot_read_its_own_phase(self):
        partner = self.portal_user.partner_id
        self.assertEqual(partner.sudo().lifecycle_phase, "selection")
        with self.assertRaises(AccessError):
            partner.with_user(self.portal_user).read(["lifecycle_phase"])
        with self.assertRaises(AccessError):
            partner.with_user(self.portal_user).read(["lifecycle_history_ids"])
        # Portal users still read their own details.
        self.assertEqual(
            partner.with_user(self.portal_user).read(["name"])[0]["name"],
            partner.sudo().name,
        )

    def test_history_is_isolated_by_company(self):
        other_company = self.env["res.company"].create({"name": "Hellas Foods SA"})
        other_user = new_test_user(
            self.env,
            login="lc_other_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=other_company.id,
            company_ids=[Command.set(other_company.ids)],
        )
        ours = self._new_customer("Ours Only", company_id=self.env.company.id)
        theirs = self._new_customer("Theirs Only", company_id=other_company.id)
        self._flush_events()
        History = self.env["crm.lifecycle.phase.history"]
        self.assertEqual(
            History.with_user(other_user)
            .search([("partner_id", "in", (ours | theirs).ids)])
            .partner_id,
            theirs,
        )
        self.assertEqual(
            History.with_user(self.sales_user)
            .search([("partner_id", "in", (ours | theirs).ids)])
            .partner_id,
            ours,
        )
        funnel = self.env["crm.lifecycle.funnel.report"].with_user(other_user)
        self.assertEqual(
            funnel.search([("partner_id", "in", (ours | theirs).ids)]).partner_id,
            theirs,
        )
