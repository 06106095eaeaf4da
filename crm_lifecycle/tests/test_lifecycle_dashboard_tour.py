from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestLifecycleDashboardTour(HttpCase):
    def test_manager_opens_the_lifecycle_dashboard(self):
        new_test_user(
            self.env,
            login="lc_tour_dashboard_manager",
            groups="crm_lifecycle.group_crm_lifecycle_manager,"
            "account.group_account_invoice",
            company_id=self.env.company.id,
            company_ids=[Command.set(self.env.company.ids)],
        )
        # Customers with a phase history: the dashboard shows live data,
        # not its sample.
        partners = self.env["res.partner"].create(
            [
                {"name": name, "is_company": True}
                for name in ("Kestrel Marine", "Lykia Tours", "Pera Cafe")
            ]
        )
        for partner, phase in zip(
            partners, ("selection", "acquisition", "retention"), strict=True
        ):
            partner._lifecycle_set_phase(phase, "Dashboard tour")
        # The reports read the database: the phases written, not cached.
        self.env.flush_all()
        dashboard = self.env.ref("crm_lifecycle.spreadsheet_dashboard_crm_lifecycle")
        self.assertFalse(dashboard._dashboard_is_empty())
        # The tour reads the dashboard's Customers figure: these three.
        summary = self.env["crm.lifecycle.funnel.summary"].search([])
        self.assertEqual(sum(summary.mapped("customer_count")), 3)
        self.start_tour(
            "/odoo/action-spreadsheet_dashboard.ir_actions_dashboard_action",
            "crm_lifecycle_dashboard_tour",
            login="lc_tour_dashboard_manager",
        )
