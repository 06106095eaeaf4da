from odoo.tests import TransactionCase, tagged

from odoo.addons.crm_lifecycle.benchmark import data, measures


@tagged("post_install", "-at_install")
class TestBenchmarkSmoke(TransactionCase):
    """The benchmark machinery at a tiny scale, so that it cannot rot: the
    bulk data passes Odoo's consistency expectations, and the module, the
    SQL floor and the naive peer agree on every phase."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        data.build(cls.env, customers=40, invoices=240)
        cls.customers = cls.env["res.partner"].search(
            [("name", "=like", "Bench Customer %")], order="id"
        )

    def _phases(self):
        self.env.invalidate_all()
        return dict(
            zip(
                self.customers.ids,
                self.customers.mapped("lifecycle_phase"),
                strict=False,
            )
        )

    def test_bulk_data_is_consistent(self):
        self.assertEqual(len(self.customers), 40)
        self.assertEqual(data.check_consistency(self.env.cr), [])
        invoices = self.env["account.move"].search(
            [("move_type", "=", "out_invoice"), ("name", "=like", "BENCH/INV/%")]
        )
        self.assertEqual(len(invoices), 240)
        states = set(invoices.mapped("payment_state"))
        self.assertTrue({"paid", "not_paid", "partial"} <= states, states)
        self.assertTrue(
            self.env["account.move"].search_count(
                [("move_type", "=", "out_refund"), ("name", "=like", "BENCH/RINV/%")]
            )
        )

    def test_module_floor_and_naive_peer_agree(self):
        Partner = self.env["res.partner"].with_context(tracking_disable=True)
        Partner._lifecycle_recompute_all()
        by_module = self._phases()
        self.assertTrue(all(by_module.values()))
        self.assertGreater(len(set(by_module.values())), 1)
        self.env.flush_all()
        self.env.cr.execute("DELETE FROM crm_lifecycle_phase_history")
        self.env.cr.execute("UPDATE res_partner SET lifecycle_phase = NULL")
        measures.floor_recompute(self.env.cr)
        self.assertEqual(self._phases(), by_module)
        self.env.cr.execute("DELETE FROM crm_lifecycle_phase_history")
        self.env.cr.execute("UPDATE res_partner SET lifecycle_phase = NULL")
        self.env.invalidate_all()
        measures.naive_recompute(
            self.env(context={"crm_lifecycle_engine": True, "tracking_disable": True}),
            self.customers,
        )
        self.assertEqual(self._phases(), by_module)
