from odoo import fields
from odoo.tests import TransactionCase, tagged

from odoo.addons.crm_lifecycle_benchmark.benchmark import data


@tagged("post_install", "-at_install")
class BenchmarkCommon(TransactionCase):
    """The benchmark's data at a tiny scale: 40 customers, 240 invoices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        data.build(cls.env, customers=40, invoices=240)
        cls.customers = cls.env["res.partner"].search(
            [("name", "=like", "Bench Customer %")], order="id"
        )
        cls.today = fields.Date.context_today(cls.env["res.partner"])
