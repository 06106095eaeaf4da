from datetime import date, datetime

from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL

from odoo.addons.crm_lifecycle.models.engine_path import engine_writes, events_held

# Company-dependent figures the jobs set through _lifecycle_bulk_update (the
# payment and loyalty passes, the survey answers): one of each field type.
CACHE_FIGURES = [
    "payment_grade",  # selection
    "payment_on_time_ratio",  # float
    "payment_max_days_late",  # integer
    "loyalty_tier_since",  # date
    "survey_last_date",  # datetime
    "loyalty_previous_pricelist_id",  # many2one
    "loyalty_pricelist_applied",  # boolean
]
# Company-dependent figures the retention job writes in one UPDATE
# (_lifecycle_write_company_figures): one of each field type it writes.
UPDATE_FIGURES = [
    "rfm_segment",  # selection
    "rfm_recency_score",  # integer
    "churn_probability",  # float
    "clv_scored",  # boolean
    "retention_last_purchase_date",  # date
]


@tagged("post_install", "-at_install")
class TestStorageHelper(TransactionCase):
    """The storage helper (res_partner_storage.py) writes past write() and
    leans on Odoo's storage internals: what it writes must read back through
    the ORM as the ORM's own write would, and leave the very same columns,
    a company-dependent jsonb keyed by str(company id) without the keys of
    fallback values. These tests fail if Odoo stores any of it otherwise."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Partner = cls.env["res.partner"]
        cls.company = cls.env.company
        cls.other = cls.env["res.company"].create({"name": "Storage Company"})
        cls.pricelist = cls.env["product.pricelist"].create(
            {"name": "Tier Prices", "company_id": False}
        )
        # No event: the pipeline must not write the rows under the test.
        with events_held():
            cls.direct, cls.orm = cls.Partner.create(
                [
                    {"name": "Written by the Helper", "is_company": True},
                    {"name": "Written by the ORM", "is_company": True},
                ]
            )
            cls.contact = cls.Partner.create(
                {"name": "Contact of the Helper", "parent_id": cls.direct.id}
            )
        cls.env.flush_all()

    def _raw(self, partner, fnames):
        """The columns of ``partner`` as PostgreSQL holds them."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM res_partner WHERE id = %s",
                SQL(", ").join(SQL.identifier(name) for name in fnames),
                partner.id,
            )
        )
        return dict(zip(fnames, self.env.cr.fetchone(), strict=True))

    def _read(self, partner, fnames, company):
        """``fnames`` of ``partner`` in ``company``, read from the database."""
        self.env.flush_all()
        self.env.invalidate_all()
        values = partner.with_company(company).read(fnames)[0]
        del values["id"]
        return values

    def _write_both_ways(self, write, fnames, steps):
        """Each step ``(company, values)`` written on ``direct`` by ``write``
        and on ``orm`` by write(): read back through the ORM and as stored,
        both the same after each step."""
        for company, row in steps:
            values = dict(zip(fnames, row, strict=True))
            with self.subTest(company=company.name, values=values):
                write({self.direct.id: values}, company)
                with engine_writes():
                    self.orm.with_company(company).write(values)
                for each in (self.company, self.other):
                    self.assertEqual(
                        self._read(self.direct, fnames, each),
                        self._read(self.orm, fnames, each),
                    )
                self.assertEqual(
                    self._raw(self.direct, fnames), self._raw(self.orm, fnames)
                )

    # ------------------------------------------------------------
    # _lifecycle_bulk_update: values in the cache, the ORM's flush
    # ------------------------------------------------------------

    def test_bulk_update_of_plain_fields_reads_and_stores_as_a_write(self):
        fnames = [
            "lifecycle_phase",
            "lifecycle_phase_since",
            "lifecycle_first_contact_date",
            "lifecycle_first_purchase_date",
            "loyalty_company_id",
        ]
        values = {
            "lifecycle_phase": "retention",
            "lifecycle_phase_since": datetime(2026, 2, 3, 9, 15, 30),
            "lifecycle_first_contact_date": date(2026, 1, 1),
            "lifecycle_first_purchase_date": date(2026, 1, 31),
            "loyalty_company_id": self.other.id,
        }
        before = self._raw(self.direct, fnames)
        self.Partner._lifecycle_bulk_update({self.direct.id: values})
        # In the cache, read by the ORM at once; in the table at the flush.
        self.assertRecordValues(self.direct, [values])
        self.env.cr.execute(
            "SELECT lifecycle_phase FROM res_partner WHERE id = %s", [self.direct.id]
        )
        self.assertEqual(self.env.cr.fetchone()[0], before["lifecycle_phase"])
        with engine_writes():
            self.orm.write(values)
        raw = self._raw(self.direct, [*fnames, "lifecycle_days_to_first_purchase"])
        self.assertEqual(
            raw,
            {
                "lifecycle_phase": "retention",
                "lifecycle_phase_since": datetime(2026, 2, 3, 9, 15, 30),
                "lifecycle_first_contact_date": date(2026, 1, 1),
                "lifecycle_first_purchase_date": date(2026, 1, 31),
                "loyalty_company_id": self.other.id,
                # A stored compute that depends on them is recomputed.
                "lifecycle_days_to_first_purchase": 30,
            },
        )
        self.assertEqual(
            raw, self._raw(self.orm, [*fnames, "lifecycle_days_to_first_purchase"])
        )
        self.assertEqual(
            self._read(self.direct, fnames, self.company),
            self._read(self.orm, fnames, self.company),
        )

    def test_bulk_update_with_contacts_gives_them_the_same_columns(self):
        fnames = ["lifecycle_phase", "lifecycle_phase_since"]
        values = {
            "lifecycle_phase": "acquisition",
            "lifecycle_phase_since": datetime(2026, 3, 1, 12, 0, 0),
        }
        self.Partner._lifecycle_bulk_update({self.direct.id: values}, contacts=True)
        self.assertEqual(self._raw(self.contact, fnames), values)
        self.assertEqual(self._raw(self.direct, fnames), values)
        self.assertEqual(self._read(self.contact, fnames, self.company), values)

    def test_bulk_update_of_company_figures_in_two_companies(self):
        # A fallback of its own in the other company: a value equal to it
        # is stored as no key, as the ORM stores it.
        self.env["ir.default"].set(
            "res.partner", "payment_max_days_late", 12, company_id=self.other.id
        )
        steps = [
            (
                self.other,
                [
                    "C",
                    87.5,
                    12,
                    date(2026, 1, 15),
                    datetime(2026, 1, 15, 10, 30),
                    self.pricelist.id,
                    True,
                ],
            ),
            (
                self.company,
                [
                    "A",
                    99.5,
                    3,
                    date(2025, 12, 1),
                    datetime(2025, 12, 1, 8, 0),
                    self.pricelist.id,
                    True,
                ],
            ),
        ]
        self._write_both_ways(self._bulk_update, CACHE_FIGURES, steps)
        this, other = str(self.company.id), str(self.other.id)
        self.assertEqual(
            self._raw(self.direct, CACHE_FIGURES),
            {
                "payment_grade": {other: "C", this: "A"},
                "payment_on_time_ratio": {other: 87.5, this: 99.5},
                "payment_max_days_late": {this: 3},
                "loyalty_tier_since": {other: "2026-01-15", this: "2025-12-01"},
                "survey_last_date": {
                    other: "2026-01-15 10:30:00",
                    this: "2025-12-01 08:00:00",
                },
                "loyalty_previous_pricelist_id": {
                    other: self.pricelist.id,
                    this: self.pricelist.id,
                },
                "loyalty_pricelist_applied": {other: True, this: True},
            },
        )
        # Back to the fallbacks in this company: its keys go, the other
        # company's stay; a column left without any key is NULL.
        self._write_both_ways(
            self._bulk_update,
            CACHE_FIGURES,
            [(self.company, [False, 0.0, 0, False, False, False, False])],
        )
        self.assertEqual(
            self._raw(self.direct, CACHE_FIGURES),
            {
                "payment_grade": {other: "C"},
                "payment_on_time_ratio": {other: 87.5},
                "payment_max_days_late": None,
                "loyalty_tier_since": {other: "2026-01-15"},
                "survey_last_date": {other: "2026-01-15 10:30:00"},
                "loyalty_previous_pricelist_id": {other: self.pricelist.id},
                "loyalty_pricelist_applied": {other: True},
            },
        )
        self.assertEqual(self.direct.with_company(self.other).payment_max_days_late, 12)
        self.assertEqual(
            self.direct.with_company(self.company).payment_max_days_late, 0
        )

    def _bulk_update(self, values_by_id, company):
        self.Partner._lifecycle_bulk_update(values_by_id, company=company)

    # ------------------------------------------------------------
    # _lifecycle_write_company_figures: one UPDATE of the jsonb
    # ------------------------------------------------------------

    def test_company_figures_update_in_two_companies(self):
        self.env["ir.default"].set(
            "res.partner", "rfm_recency_score", 3, company_id=self.company.id
        )
        steps = [
            (self.other, ["at_risk", 3, 0.75, True, date(2026, 1, 10)]),
            (self.company, ["champions", 3, 0.125, True, date(2026, 2, 20)]),
        ]
        self._write_both_ways(self._update, UPDATE_FIGURES, steps)
        this, other = str(self.company.id), str(self.other.id)
        self.assertEqual(
            self._raw(self.direct, UPDATE_FIGURES),
            {
                "rfm_segment": {other: "at_risk", this: "champions"},
                # 3 is this company's fallback: no key there.
                "rfm_recency_score": {other: 3},
                "churn_probability": {other: 0.75, this: 0.125},
                "clv_scored": {other: True, this: True},
                "retention_last_purchase_date": {
                    other: "2026-01-10",
                    this: "2026-02-20",
                },
            },
        )
        self._write_both_ways(
            self._update,
            UPDATE_FIGURES,
            [(self.other, [False, 0, 0.0, False, False])],
        )
        self.assertEqual(
            self._raw(self.direct, UPDATE_FIGURES),
            {
                "rfm_segment": {this: "champions"},
                "rfm_recency_score": None,
                "churn_probability": {this: 0.125},
                "clv_scored": {this: True},
                "retention_last_purchase_date": {this: "2026-02-20"},
            },
        )
        self.assertEqual(self.direct.with_company(self.company).rfm_recency_score, 3)
        self.assertEqual(self.direct.with_company(self.other).rfm_recency_score, 0)

    def _update(self, values_by_id, company):
        self.Partner._lifecycle_write_company_figures(
            values_by_id, company, UPDATE_FIGURES
        )

    def test_company_figures_update_keeps_what_the_orm_wrote_elsewhere(self):
        """Reverse: the ORM's write in one company, then the helper's in the
        other, and each company reads its own value."""
        with engine_writes():
            self.direct.with_company(self.other).write(
                {"rfm_segment": "lost", "payment_grade": "E"}
            )
        self.Partner._lifecycle_write_company_figures(
            {self.direct.id: {"rfm_segment": "promising"}},
            self.company,
            ["rfm_segment"],
        )
        self.Partner._lifecycle_bulk_update(
            {self.direct.id: {"payment_grade": "B"}}, company=self.company
        )
        this, other = str(self.company.id), str(self.other.id)
        self.assertEqual(
            self._raw(self.direct, ["rfm_segment", "payment_grade"]),
            {
                "rfm_segment": {other: "lost", this: "promising"},
                "payment_grade": {other: "E", this: "B"},
            },
        )
        self.assertEqual(
            self._read(self.direct, ["rfm_segment", "payment_grade"], self.other),
            {"rfm_segment": "lost", "payment_grade": "E"},
        )
        self.assertEqual(
            self._read(self.direct, ["rfm_segment", "payment_grade"], self.company),
            {"rfm_segment": "promising", "payment_grade": "B"},
        )

    def test_company_figures_update_refuses_a_datetime(self):
        """PostgreSQL's jsonb writes a timestamp with a T, the ORM with a
        space: a datetime goes through the cache instead."""
        with self.assertRaises(AssertionError):
            self.Partner._lifecycle_write_company_figures(
                {self.direct.id: {"survey_last_date": datetime(2026, 1, 1)}},
                self.company,
                ["survey_last_date"],
            )

    # ------------------------------------------------------------
    # Reading: the expression the filter indexes are made from
    # ------------------------------------------------------------

    def test_company_value_expression_reads_what_the_orm_wrote(self):
        self.env["ir.default"].set(
            "res.partner", "payment_grade", "B", company_id=self.other.id
        )
        with engine_writes():
            self.orm.with_company(self.company).write({"payment_grade": "D"})
        self.env.flush_all()
        for company, expected in ((self.company, "D"), (self.other, "B")):
            with self.subTest(company=company.name):
                expression = self.Partner._lifecycle_company_value_sql(
                    "res_partner", "payment_grade", company
                )
                self.assertIn(
                    f'"res_partner"."payment_grade"->\'{company.id}\'',
                    self.env.cr.mogrify(expression).decode(),
                )
                self.env.cr.execute(
                    SQL(
                        "SELECT %s FROM res_partner WHERE id = %s",
                        expression,
                        self.orm.id,
                    )
                )
                self.assertEqual(self.env.cr.fetchone()[0], expected)
                self.assertEqual(self.orm.with_company(company).payment_grade, expected)
                # The search filters on the very same expression.
                found = self.Partner.with_company(company).search(
                    [("payment_grade", "=", expected), ("id", "=", self.orm.id)]
                )
                self.assertEqual(found, self.orm)

    # ------------------------------------------------------------
    # The dirty cache
    # ------------------------------------------------------------

    def test_flush_inputs_leaves_the_figures_for_the_batch_end(self):
        """The recompute's reads flush every other pending change, not the
        figures set in the cache, which go with the batch's last flush."""
        self.Partner._lifecycle_bulk_update(
            {self.direct.id: {"lifecycle_first_contact_date": date(2026, 4, 1)}}
        )
        lead = self.env["crm.lead"].create({"name": "Pending Lead"})
        self.env.flush_all()
        lead.name = "Renamed Lead"
        self.Partner._lifecycle_bulk_update(
            {self.direct.id: {"lifecycle_first_contact_date": date(2026, 4, 2)}}
        )
        self.Partner._lifecycle_flush_inputs()
        self.env.cr.execute("SELECT name FROM crm_lead WHERE id = %s", [lead.id])
        self.assertEqual(self.env.cr.fetchone()[0], "Renamed Lead")
        self.env.cr.execute(
            "SELECT lifecycle_first_contact_date FROM res_partner WHERE id = %s",
            [self.direct.id],
        )
        self.assertEqual(self.env.cr.fetchone()[0], date(2026, 4, 1))
        self.assertEqual(
            self._raw(self.direct, ["lifecycle_first_contact_date"]),
            {"lifecycle_first_contact_date": date(2026, 4, 2)},
        )
