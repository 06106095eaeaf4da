import itertools
from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.crm_lifecycle.models.crm_lifecycle_retention import rfm_segment
from odoo.addons.crm_lifecycle.models.res_partner_retention import RFM_SEGMENTS

from .common_retention import TODAY, CrmLifecycleRetentionCommon


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestRetentionRfm(CrmLifecycleRetentionCommon):
    def _days(self, days):
        return TODAY - timedelta(days=days)

    def test_rfm_scores_are_quintiles_with_ties_sharing_a_score(self):
        a, b, c, d, e = (self._new_customer(name) for name in "ABCDE")
        self._invoices(
            [
                (a, self._days(10), 300.0),
                (a, self._days(60), 300.0),
                (a, self._days(90), 300.0),
                (b, self._days(10), 100.0),  # same last day as A
                (c, self._days(50), 200.0),
                (c, self._days(70), 200.0),
                (d, self._days(100), 100.0),  # same F and M as B
                (e, self._days(400), 500.0),  # outside the 365-day window
            ]
        )
        self._run()
        self.assertEqual(self._scores(a), (5, 5, 5, "champions"))
        self.assertEqual(self._scores(b), (5, 2, 2, "potential_loyalist"))
        self.assertEqual(self._scores(c), (3, 4, 4, "loyal"))
        self.assertEqual(self._scores(d), (2, 2, 2, "hibernating"))
        self.assertEqual(self._scores(e), (1, 1, 1, "lost"))
        self.assertEqual(e.with_company(self.env.company).clv_historical, 500.0)
        self.assertEqual(
            a.with_company(self.env.company).retention_last_purchase_date,
            self._days(10),
        )
        self.assertEqual(
            a.with_company(self.env.company).retention_purchase_interval, 40.0
        )

    def test_window_setting_changes_frequency_and_monetary(self):
        old, recent = self._new_customer("Old Loyal"), self._new_customer("Recent")
        self._invoices(
            [
                (old, self._days(200), 900.0),
                (old, self._days(150), 900.0),
                (old, self._days(20), 100.0),
                (recent, self._days(10), 300.0),
            ]
        )
        self._run()
        self.assertEqual(self._scores(old)[1:3], (5, 5))
        self.env["ir.config_parameter"].set_param("crm_lifecycle.rfm_window_days", 30)
        self._run()
        # In the last 30 days both bought once: tied frequency, and the
        # recent customer spent more.
        self.assertEqual(self._scores(old)[1:3], (3, 1))
        self.assertEqual(self._scores(recent)[1:3], (3, 5))

    def test_single_customer_sits_in_the_middle(self):
        self._invoices([(self.customer, self._days(5), 250.0)])
        self._run()
        self.assertEqual(self._scores(self.customer), (3, 3, 3, "need_attention"))

    def test_customer_without_purchase_has_no_scores(self):
        refunded = self._new_customer("Refunded")
        buyer = self._new_customer("Buyer")
        invoice = self._invoices(
            [(refunded, self._days(30), 400.0), (buyer, self._days(20), 100.0)]
        )[0]
        self._run()
        # Older but bigger: R1, F3 (tied), M5.
        self.assertEqual(self._scores(refunded), (1, 3, 5, "at_risk"))
        self._reverse(invoice)
        self._run()
        self.assertEqual(self._scores(refunded), (0, 0, 0, False))
        self.assertEqual(self._scores(self.customer), (0, 0, 0, False))
        self.assertEqual(self._scores(buyer), (3, 3, 3, "need_attention"))
        self.assertFalse(
            self.env["res.partner"].search(
                [
                    ("id", "in", (refunded | self.customer).ids),
                    ("rfm_segment", "!=", False),
                ]
            )
        )

    def test_credit_note_nets_the_invoice_it_reverses(self):
        invoice = self._invoices([(self.customer, self._days(40), 300.0)])
        self._invoices([(self.customer, self._days(10), 100.0)])
        refund = invoice._reverse_moves([{"invoice_date": self._days(5)}])
        refund.invoice_line_ids.price_unit = 120.0
        refund.action_post()
        self._run()
        customer = self.customer.with_company(self.env.company)
        self.assertAlmostEqual(customer.clv_historical, 280.0)
        # The partial credit note leaves two purchase days, 30 days apart.
        self.assertEqual(customer.retention_purchase_interval, 30.0)
        self.assertEqual(customer.retention_last_purchase_date, self._days(10))

    def test_segment_map_covers_every_score_with_the_eleven_segments(self):
        expected = {
            (5, 5, 5): "champions",
            (4, 4, 5): "loyal",
            (5, 2, 3): "potential_loyalist",
            (5, 1, 1): "new",
            (4, 1, 1): "promising",
            (3, 3, 3): "need_attention",
            (3, 1, 2): "about_to_sleep",
            (2, 3, 4): "at_risk",
            (1, 5, 5): "cant_lose",
            (2, 1, 1): "hibernating",
            (1, 1, 1): "lost",
        }
        for scores, segment in expected.items():
            self.assertEqual(rfm_segment(*scores), segment, scores)
        reached = {rfm_segment(*s) for s in itertools.product(range(1, 6), repeat=3)}
        self.assertEqual(reached, {key for key, _label in RFM_SEGMENTS})

    def test_segments_are_mirrored_as_tags_when_enabled(self):
        a, b = self._new_customer("Tagged A"), self._new_customer("Tagged B")
        self._invoices(
            [
                (a, self._days(5), 900.0),
                (a, self._days(50), 900.0),
                (b, self._days(300), 50.0),
            ]
        )
        self._run()
        self.assertFalse(
            self.env["res.partner.category"].search([("rfm_segment", "!=", False)])
        )
        self.env["ir.config_parameter"].set_param(
            "crm_lifecycle.rfm_segment_tags", True
        )
        self._run()
        self.assertEqual(a.category_id.mapped("rfm_segment"), ["champions"])
        self.assertEqual(b.category_id.mapped("rfm_segment"), ["lost"])
        self.assertEqual(a.category_id.name, "RFM: Champions")
        # B buys a lot again: its tag follows the segment.
        self._invoices([(b, self._days(1), 5000.0), (b, self._days(2), 5000.0)])
        self._run()
        self.assertEqual(b.category_id.mapped("rfm_segment"), ["champions"])
        self.assertEqual(a.category_id.mapped("rfm_segment"), ["lost"])

    def test_scores_written_in_one_update_as_the_orm_writes_them(self):
        """The scores a batch writes in one UPDATE leave the database as the
        ORM's write would: each company's key set, or removed where the
        value is the field's fallback, the other companies' keys kept."""
        Partner = self.env["res.partner"]
        other = self.env["res.company"].create({"name": "Other Company"})
        direct, orm = (self._new_customer(name) for name in ("Direct", "ORM"))
        fnames = [
            "rfm_segment",
            "rfm_recency_score",
            "churn_probability",
            "clv_scored",
            "retention_last_purchase_date",
        ]
        steps = [
            (other, ["at_risk", 2, 0.75, True, TODAY]),
            (self.env.company, ["champions", 5, 0.125, True, self._days(3)]),
            (self.env.company, [False, 0, 0.0, False, False]),
        ]
        for company, row in steps:
            values = dict(zip(fnames, row, strict=True))
            Partner._lifecycle_write_company_figures(
                {direct.id: values}, company, fnames
            )
            orm.with_company(company).sudo().write(values)
            self.env.flush_all()
            expected = orm.with_company(company).read(fnames)[0]
            del expected["id"]
            self.assertRecordValues(direct.with_company(company), [expected])
        self.env.cr.execute(
            "SELECT rfm_segment, rfm_recency_score, churn_probability, clv_scored,"
            " retention_last_purchase_date FROM res_partner WHERE id IN %s ORDER BY id",
            [(direct.id, orm.id)],
        )
        stored_direct, stored_orm = self.env.cr.fetchall()
        self.assertEqual(stored_direct, stored_orm)
        key = str(other.id)
        self.assertEqual(stored_direct[0], {key: "at_risk"})
        self.assertEqual(direct.with_company(other).rfm_segment, "at_risk")
        self.assertFalse(direct.rfm_segment)
