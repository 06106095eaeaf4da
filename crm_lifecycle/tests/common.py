from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


def flush_events(env):
    """What a commit does with the events of the transaction (the phase at
    once, the money figures queued), then the queued job the commit
    triggers, run to the end as a cron worker would."""
    env.cr.flush()
    env["crm.lifecycle.refresh"]._refresh_all()


class CrmLifecycleCommon(AccountTestInvoicingCommon):
    """Own customers, products in two categories and one user per role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(
            "crm_lifecycle.extension_min_invoices", 2
        )
        cls.categ_hardware, cls.categ_services = cls.env["product.category"].create(
            [{"name": "Lifecycle Hardware"}, {"name": "Lifecycle Services"}]
        )
        cls.product_hw = cls._create_product(
            name="Sensor", lst_price=100.0, categ_id=cls.categ_hardware.id
        )
        cls.product_hw2 = cls._create_product(
            name="Controller", lst_price=300.0, categ_id=cls.categ_hardware.id
        )
        cls.product_srv = cls._create_product(
            name="Maintenance", lst_price=200.0, categ_id=cls.categ_services.id
        )
        cls.sales_user = new_test_user(
            cls.env,
            login="lc_salesman",
            groups="sales_team.group_sale_salesman",
            company_ids=[Command.set(cls.env.company.ids)],
        )
        cls.manager = new_test_user(
            cls.env,
            login="lc_manager",
            groups="sales_team.group_sale_manager",
            company_ids=[Command.set(cls.env.company.ids)],
        )
        cls.portal_user = new_test_user(
            cls.env, login="lc_portal", groups="base.group_portal"
        )
        cls.customer = cls._new_customer("Anadolu Tekstil")
        cls.env.cr.flush()

    @classmethod
    def _new_customer(cls, name, **values):
        return cls.env["res.partner"].create(
            {"name": name, "is_company": True, **values}
        )

    def _flush_events(self):
        """Run the end-of-transaction callbacks the events registered, and
        the queued job they trigger."""
        flush_events(self.env)

    def _opportunity(self, partner, **values):
        return self.env["crm.lead"].create(
            {
                "name": f"Deal {partner.name}",
                "type": "opportunity",
                "partner_id": partner.id,
                **values,
            }
        )

    def _quotation(self, partner, product=None):
        return self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": (product or self.product_hw).id,
                            "product_uom_qty": 1,
                        }
                    )
                ],
            }
        )

    def _invoice(self, partner, date=None, products=None, post=True):
        return self.init_invoice(
            "out_invoice",
            partner=partner,
            invoice_date=date or fields.Date.today(),
            products=products or [self.product_hw],
            post=post,
        )

    def _reverse(self, invoice):
        """A credit note that cancels the invoice (posted and reconciled)."""
        return invoice._reverse_moves(
            [{"invoice_date": invoice.invoice_date}], cancel=True
        )

    def _history(self, partner):
        return self.env["crm.lifecycle.phase.history"].search(
            [("partner_id", "=", partner.id)], order="date_start, id"
        )
