import math
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.crm_lifecycle.models.crm_lifecycle_fit import FIT_COLUMNS
from odoo.addons.crm_lifecycle_benchmark.benchmark import floor_fit, floor_outputs

from .common_benchmark import BenchmarkCommon

PAYMENT_FIELDS = floor_outputs.PAYMENT_COLUMNS
RETENTION_FIELDS = floor_outputs.RETENTION_COLUMNS
FIT_FIELDS = (
    "date",
    "customer_count",
    "repeat_customer_count",
    "state",
    "message",
    "rfm_thresholds",
    "penalizer",
    "bgnbd_r",
    "bgnbd_alpha",
    "bgnbd_a",
    "bgnbd_b",
    "bgnbd_log_likelihood",
    "spend_fitted",
    "gg_p",
    "gg_q",
    "gg_gamma",
    "gg_log_likelihood",
)


@tagged("post_install", "-at_install")
class TestBenchmarkFloor(BenchmarkCommon):
    """The SQL floors of the payment figures and of the retention analytics
    write exactly what the module writes, so that the benchmark sets the
    module against an honest floor."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._second_company()
        cls.env.flush_all()
        cls.partners = cls.env["res.partner"].search([], order="id")
        cls.partners = cls.partners.filtered(lambda p: p.commercial_partner_id == p)
        cls.companies = cls.env["res.company"].search([], order="id")

    @classmethod
    def _second_company(cls):
        """A second company where a few bench customers buy too: too few
        for the CLV model, some paid late, some overdue, so that every
        per-company path (jsonb keys, fits, scores) is exercised."""
        company = cls.env["res.company"].create({"name": "Floor Company 2"})
        cls.env["account.chart.template"].try_loading(
            "generic_coa", company=company, install_demo=False
        )
        customers = cls.env["res.partner"].search(
            [("name", "=like", "Bench Customer %")], order="id", limit=4
        )
        today = fields.Date.context_today(cls.env["res.partner"])
        env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        invoices = (
            env["account.move"]
            .with_company(company)
            .create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "invoice_date": today - timedelta(days=days),
                        "date": today - timedelta(days=days),
                        "invoice_date_due": today - timedelta(days=days - 30),
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": "Floor service",
                                    "quantity": 1.0,
                                    "price_unit": 100.0 + 37.5 * index,
                                    "tax_ids": [Command.clear()],
                                }
                            )
                        ],
                    }
                    for index, (partner, days) in enumerate(
                        (partner, days)
                        for partner in customers
                        for days in (20, 90, 200, 450)
                    )
                ]
            )
        )
        invoices.action_post()
        # Paid: on time, late, and before the last 12 months.
        for invoice, late in zip(
            invoices[1::2], (0, 25, 10, 60, 5, 40, 0, 90), strict=True
        ):
            env["account.payment.register"].with_company(company).with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create(
                {"payment_date": invoice.invoice_date_due + timedelta(days=late)}
            )._create_payments()

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def _values(self, fnames):
        """{(partner_id, company_id): {field: value}}, read with the ORM."""
        self.env.flush_all()
        self.env.invalidate_all()
        result = {}
        for company in self.companies:
            for partner in self.partners.with_company(company):
                result[partner.id, company.id] = {
                    fname: partner[fname] for fname in fnames
                }
        return result

    def _raw(self, fnames):
        """{partner_id: {column: stored jsonb}}, as stored."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT id, %s FROM res_partner WHERE id = ANY(%s)",
                SQL(", ").join(SQL.identifier(fname) for fname in fnames),
                self.partners.ids,
            )
        )
        return {
            row[0]: dict(zip(fnames, row[1:], strict=True))
            for row in self.env.cr.fetchall()
        }

    def _assert_close(self, expected, actual, where):
        """Equal values; floats to 1e-9 relative (both sides do the same
        arithmetic, the floor partly in SQL and numpy)."""
        if isinstance(expected, dict) and isinstance(actual, dict):
            self.assertEqual(set(expected), set(actual), where)
            for key, value in expected.items():
                self._assert_close(value, actual[key], f"{where}/{key}")
        elif isinstance(expected, list) and isinstance(actual, list):
            self.assertEqual(len(expected), len(actual), where)
            for index, value in enumerate(expected):
                self._assert_close(value, actual[index], f"{where}[{index}]")
        elif isinstance(expected, float) or isinstance(actual, float):
            self.assertIsInstance(actual, int | float, where)
            self.assertTrue(
                math.isclose(expected, actual, rel_tol=1e-9, abs_tol=1e-12),
                f"{where}: {expected!r} != {actual!r}",
            )
        else:
            self.assertEqual(expected, actual, where)

    def _assert_same_values(self, expected, actual, digits):
        self.assertEqual(set(expected), set(actual))
        for key, values in expected.items():
            for fname, value in values.items():
                got = actual[key][fname]
                where = f"{fname} of partner {key[0]} in company {key[1]}"
                if fname in digits:
                    self.assertAlmostEqual(value, got, places=digits[fname], msg=where)
                else:
                    self.assertEqual(value, got, where)

    def _fits(self):
        self.env.invalidate_all()
        fits = self.env["crm.lifecycle.clv.fit"].search([], order="company_id, id")
        return {
            fit.company_id.id: {fname: fit[fname] for fname in FIT_FIELDS}
            for fit in fits
        }

    # ------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------

    def test_payment_floor_writes_what_the_module_writes(self):
        Partner = self.env["res.partner"].with_context(tracking_disable=True)
        # Thresholds of Settings, not the defaults: both sides must read them.
        params = self.env["ir.config_parameter"].sudo()
        params.set_param("crm_lifecycle.payment_grade_b_ratio", "80")
        params.set_param("crm_lifecycle.payment_grade_e_days", "60")
        floor_outputs.reset_payment_outputs(self.env.cr)
        self.env.invalidate_all()
        Partner._lifecycle_recompute_all()
        by_module = self._values(PAYMENT_FIELDS)
        raw_module = self._raw(PAYMENT_FIELDS)
        graded = [v for v in by_module.values() if v["payment_grade"]]
        self.assertGreater(len(graded), 10)
        self.assertGreater(len({v["payment_grade"] for v in graded}), 2)
        self.assertTrue(any(v["payment_trend"] for v in graded))
        self.assertTrue(any(v["payment_overdue_amount"] for v in graded))
        self.assertTrue(any(v["payment_avg_days_to_pay"] for v in graded))
        self.assertTrue(
            any(
                key[1] != self.env.company.id
                for key, v in by_module.items()
                if v["payment_grade"]
            )
        )

        floor_outputs.reset_payment_outputs(self.env.cr)
        self.env.invalidate_all()
        self.assertFalse(
            any(any(raw.values()) for raw in self._raw(PAYMENT_FIELDS).values())
        )
        self.assertFalse(
            any(any(v.values()) for v in self._values(PAYMENT_FIELDS).values())
        )

        written = floor_outputs.floor_payment(self.env.cr, today=self.today)
        touched = {key[0] for key, values in by_module.items() if any(values.values())}
        self.assertEqual(written, len(touched))
        self._assert_same_values(
            by_module,
            self._values(PAYMENT_FIELDS),
            {
                "payment_on_time_ratio": 1,
                "payment_avg_days_late": 1,
                "payment_avg_days_to_pay": 1,
                "payment_overdue_amount": 2,
            },
        )
        # The very same jsonb, Odoo's shape: no key for a fallback value.
        self._assert_close(raw_module, self._raw(PAYMENT_FIELDS), "payment jsonb")
        # Nothing changed: a second floor writes nothing, as the module.
        self.assertEqual(floor_outputs.floor_payment(self.env.cr, today=self.today), 0)

    def test_retention_floor_writes_what_the_module_writes(self):
        floor_outputs.reset_retention_outputs(self.env.cr)
        self.env.invalidate_all()
        self.env["crm.lifecycle.retention"]._run_all()
        by_module = self._values(RETENTION_FIELDS)
        raw_module = self._raw(RETENTION_FIELDS)
        fits_module = self._fits()
        self.assertEqual(set(fits_module), set(self.companies.ids))
        fit = fits_module[self.env.company.id]
        self.assertEqual(fit["state"], "ok", fit["message"])
        self.assertEqual(
            {fit["state"] for fit in fits_module.values()}, {"ok", "insufficient"}
        )
        scored = [v for v in by_module.values() if v["rfm_segment"]]
        self.assertGreater(len(scored), 20)
        self.assertGreater(len({v["rfm_segment"] for v in scored}), 3)
        self.assertTrue(
            all(
                v["clv_scored"] == (key[1] == self.env.company.id)
                for key, v in by_module.items()
                if v["rfm_segment"]
            )
        )
        self.assertTrue(all(v["retention_score_date"] == self.today for v in scored))
        self.assertFalse(
            self.env["mail.activity"].search_count(
                [
                    ("res_model", "=", "res.partner"),
                    (
                        "activity_type_id",
                        "=",
                        self.env.ref("crm_lifecycle.mail_activity_type_callback").id,
                    ),
                ]
            ),
            "bench customers have no salesperson: no reminder",
        )

        floor_outputs.reset_retention_outputs(self.env.cr)
        self.env.invalidate_all()
        self.assertFalse(self._fits())
        self.assertFalse(
            any(any(raw.values()) for raw in self._raw(RETENTION_FIELDS).values())
        )
        self.assertFalse(
            any(any(v.values()) for v in self._values(RETENTION_FIELDS).values())
        )

        written = floor_outputs.floor_retention(self.env, today=self.today)
        self.assertEqual(
            sum(written.values()),
            len(scored)
            + sum(
                1
                for v in by_module.values()
                if v["retention_score_date"] and not v["rfm_segment"]
            ),
        )
        self._assert_same_values(
            by_module,
            self._values(RETENTION_FIELDS),
            {
                "churn_probability": 4,
                "expected_purchases_365": 2,
                "clv_predicted": 2,
                "clv_historical": 2,
                "retention_purchase_interval": 1,
            },
        )
        self._assert_close(raw_module, self._raw(RETENTION_FIELDS), "retention jsonb")
        self._assert_close(fits_module, self._fits(), "clv fit")

    def _fit_setup(self):
        """Traits on the bench customers (industries, tags), a fitted model
        in the main company and manual criteria in the second one, so that
        both ways of scoring, with reasons, are exercised."""
        industries = self.env["res.partner.industry"].create(
            [{"name": "Floor Industry A"}, {"name": "Floor Industry B"}]
        )
        tag = self.env["res.partner.category"].create({"name": "Floor Tag"})
        customers = self.env["res.partner"].search(
            [("name", "=like", "Bench Customer %")], order="id"
        )
        for index, partner in enumerate(customers):
            vals = {"industry_id": industries[index % 3].id} if index % 3 < 2 else {}
            if index % 4 == 0:
                vals["category_id"] = [Command.link(tag.id)]
            if index % 5 == 0:
                vals["is_company"] = True
            if vals:
                partner.write(vals)
        main, second = self.companies[0], self.companies[1]
        self.env["crm.lifecycle.fit.model"].create(
            {
                "company_id": main.id,
                "date": self.today,
                "method": "model",
                "intercept": -0.4,
                "coefficients": {
                    f"industry:{industries[0].id}": 1.25,
                    f"industry:{industries[1].id}": -0.5,
                    f"tag:{tag.id}": 0.75,
                    "company_type:company": 0.3,
                    "company_type:person": -0.2,
                },
            }
        )
        self.env["crm.lifecycle.fit.criterion"].with_company(second).create(
            [
                {
                    "company_id": second.id,
                    "trait_type": "industry",
                    "value_ref": f"res.partner.industry,{industries[1].id}",
                    "weight": 60,
                },
                {
                    "company_id": second.id,
                    "trait_type": "tag",
                    "value_ref": f"res.partner.category,{tag.id}",
                    "weight": 40,
                },
                {
                    "company_id": second.id,
                    "trait_type": "company_type",
                    "company_type": "company",
                    "weight": 20,
                },
            ]
        )

    def test_fit_floor_writes_what_the_module_writes(self):
        self._fit_setup()
        Partner = self.env["res.partner"].with_context(tracking_disable=True)
        floor_fit.reset_fit_outputs(self.env.cr)
        self.env.invalidate_all()
        # The daily job: the fit pass scores with the active model or the
        # criteria, after the phase pass.
        Partner._lifecycle_recompute_all()
        by_module = self._values(FIT_COLUMNS)
        raw_module = self._raw(FIT_COLUMNS)
        scored = {key: v for key, v in by_module.items() if v["lifecycle_fit_method"]}
        methods = {
            company_id: {
                v["lifecycle_fit_method"]
                for key, v in scored.items()
                if key[1] == company_id
            }
            for company_id in self.companies.ids
        }
        self.assertEqual(methods[self.companies[0].id], {"model"})
        self.assertEqual(methods[self.companies[1].id], {"criteria"})
        self.assertGreater(len(scored), 40)
        self.assertGreater(len({v["lifecycle_fit_score"] for v in scored.values()}), 3)
        self.assertTrue(any(v["lifecycle_fit_reason_keys"] for v in scored.values()))
        self.assertTrue(
            any("," in (v["lifecycle_fit_reason_keys"] or "") for v in scored.values())
        )

        floor_fit.reset_fit_outputs(self.env.cr)
        self.env.invalidate_all()
        self.assertFalse(
            any(any(raw.values()) for raw in self._raw(FIT_COLUMNS).values())
        )
        self.assertFalse(
            any(v["lifecycle_fit_method"] for v in self._values(FIT_COLUMNS).values())
        )

        written = floor_fit.floor_fit(self.env)
        self.assertEqual(sum(written.values()), len(scored))
        self._assert_same_values(by_module, self._values(FIT_COLUMNS), {})
        # The very same jsonb, Odoo's shape: no key for a fallback value.
        self._assert_close(raw_module, self._raw(FIT_COLUMNS), "fit jsonb")
