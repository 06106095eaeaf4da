from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common_retention import CrmLifecycleRetentionCommon


@tagged("post_install", "-at_install")
class TestRetentionTour(CrmLifecycleRetentionCommon, HttpCase):
    def test_manager_drills_from_segment_dashboard_into_at_risk(self):
        new_test_user(
            self.env,
            login="lc_tour_retention_manager",
            groups="sales_team.group_sale_manager,base.group_partner_manager",
            company_id=self.env.company.id,
            company_ids=[Command.set(self.env.company.ids)],
        )
        today = fields.Date.today()

        def ago(days):
            return today - timedelta(days=days)

        at_risk, loyal, *occasional = self.env["res.partner"].create(
            [
                {"name": name, "is_company": True}
                for name in (
                    "Kestrel Marine",
                    "Lykia Tours",
                    "Pera Cafe",
                    "Quince Bakery",
                    "Sardes Wines",
                )
            ]
        )
        self._invoices(
            [
                (at_risk, ago(330), 500.0),
                (at_risk, ago(300), 500.0),
                (loyal, ago(40), 600.0),
                (loyal, ago(20), 600.0),
                (loyal, ago(5), 600.0),
            ]
            + [
                (partner, ago(10 + 5 * i), 100.0)
                for i, partner in enumerate(occasional)
            ]
        )
        self._run()
        self.assertEqual(self._scores(at_risk), (1, 4, 4, "at_risk"))
        self.start_tour(
            "/odoo/action-crm_lifecycle.res_partner_action_crm_lifecycle_segments",
            "crm_lifecycle_segment_tour",
            login="lc_tour_retention_manager",
        )
