from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from ..models.crm_lifecycle_complaint import CLOCK_FIELDS
from ..models.engine_path import engine_writes
from .common_complaint import FRIDAY, CrmLifecycleComplaintCommon

COMPLAINT_MODELS = (
    "crm.lifecycle.complaint",
    "crm.lifecycle.complaint.report",
)


@tagged("post_install", "-at_install")
@freeze_time(FRIDAY)
class TestComplaintSecurity(CrmLifecycleComplaintCommon):
    """Salespeople work the cases of their customers, lifecycle managers
    all, each company its own; employees without the lifecycle groups and
    portal users see none through the back-end."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_sales_user = new_test_user(
            cls.env,
            login="lc_complaint_other",
            groups="sales_team.group_sale_salesman",
            company_ids=[Command.set(cls.env.company.ids)],
        )
        cls.other_customer = cls._new_customer("Hellas Foods")
        cls.other_customer.user_id = cls.other_sales_user
        cls.employee = new_test_user(
            cls.env, login="lc_complaint_employee", groups="base.group_user"
        )

    def _scope(self):
        return [
            (
                "commercial_partner_id",
                "in",
                (self.customer | self.other_customer).ids,
            )
        ]

    def test_salespeople_see_their_customers_cases_and_managers_all(self):
        mine = self._case()
        theirs = self._case(partner_id=self.other_customer.id, category_id=False)
        self.env.flush_all()
        for model in COMPLAINT_MODELS:
            Model = self.env[model]
            self.assertEqual(
                len(Model.with_user(self.sales_user).search(self._scope())), 1, model
            )
            self.assertEqual(
                len(Model.with_user(self.manager).search(self._scope())), 2, model
            )
        with self.assertRaises(AccessError):
            theirs.with_user(self.sales_user).read(["subject"])
        # A case the salesperson owns, of someone else's customer, is theirs.
        theirs.user_id = self.sales_user
        self.assertEqual(
            theirs.with_user(self.sales_user).subject, "Fabric arrived torn"
        )
        mine.with_user(self.sales_user).write({"priority": "2"})
        with self.assertRaises(AccessError):
            mine.with_user(self.sales_user).unlink()

    def test_employees_without_the_groups_and_portal_users_see_nothing(self):
        self._case()
        for model in COMPLAINT_MODELS:
            with self.assertRaises(AccessError, msg=model):
                self.env[model].with_user(self.employee).search([])
        # The portal shows a customer its own cases (the portal's rules); in
        # the back-end a portal user reads no one else's.
        for model in COMPLAINT_MODELS:
            try:
                found = (
                    self.env[model].with_user(self.portal_user).search(self._scope())
                )
            except AccessError:
                found = self.env[model]
            self.assertFalse(found, model)

    def test_only_managers_configure_stages_and_categories(self):
        for model in (
            "crm.lifecycle.complaint.stage",
            "crm.lifecycle.complaint.category",
        ):
            with self.assertRaises(AccessError):
                self.env[model].with_user(self.sales_user).create({"name": "Mine"})
            self.env[model].with_user(self.manager).create({"name": "Ours"})

    def test_cases_are_isolated_by_company(self):
        company_2 = self.env["res.company"].create({"name": "Complaints Two"})
        elsewhere = self._case(company_id=company_2.id, category_id=False)
        self.manager.company_ids = [Command.link(company_2.id)]
        cases = self.env["crm.lifecycle.complaint"].with_user(self.manager)
        self.assertNotIn(
            elsewhere,
            cases.with_context(allowed_company_ids=self.env.company.ids).search(
                self._scope()
            ),
        )
        self.assertIn(
            elsewhere,
            cases.with_context(allowed_company_ids=company_2.ids).search(self._scope()),
        )
        with self.assertRaises(AccessError):
            elsewhere.with_user(self.sales_user).read(["subject"])

    def test_figures_on_the_customer_cannot_be_forged(self):
        with self.assertRaises(AccessError):
            self.customer.with_user(self.manager).write({"complaint_count": 0})
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.manager).create(
                {"name": "Forged", "lifecycle_complaint_intake": True}
            )

    def test_the_clock_is_refused_as_a_value_and_as_a_default(self):
        """The case's clock has the customer's figures' guard
        (crm.lifecycle.engine.fields.mixin): every field of it, from a
        manager too."""
        case = self._case()
        samples = {"datetime": FRIDAY, "float": 1.0, "integer": 1, "boolean": True}
        Complaint = self.env["crm.lifecycle.complaint"].with_user(self.manager)
        for name in sorted(CLOCK_FIELDS):
            value = samples[Complaint._fields[name].type]
            with self.subTest(field=name):
                with self._refused(AccessError, "computed by Customer Lifecycle"):
                    case.with_user(self.manager).write({name: value})
                with self._refused(AccessError, "computed by Customer Lifecycle"):
                    Complaint.with_context(**{f"default_{name}": value}).create(
                        {"partner_id": self.contact.id, "subject": "Forged clock"}
                    )
        self.assertFalse(Complaint.search([("subject", "=", "Forged clock")]))
        self.assertEqual(case.reopen_count, 0)
        # The module's own code (never a context key) writes it.
        with engine_writes():
            case.with_user(self.manager).write({"reopen_count": 2})
        self.assertEqual(case.reopen_count, 2)


@tagged("post_install", "-at_install")
@freeze_time(FRIDAY)
class TestComplaintBadInput(CrmLifecycleComplaintCommon):
    """Bad input: a clear, translated error and nothing changed."""

    def test_closing_without_a_resolution_is_refused(self):
        case = self._case()
        with self._refused(ValidationError, "resolved before closing"):
            case.stage_id = self.stage_resolved
        self.assertEqual(case.stage_id, self.stage_new)
        with self.assertRaises(ValidationError):
            self._close(case, resolution="   ")

    def test_a_closing_date_before_the_opening_is_refused(self):
        case = self._case()
        self._close(case)
        with self._refused(ValidationError, "closed before it was opened"):
            case.write({"date_closed": "2024-06-01 10:00:00"})
        self.assertEqual(str(case.date_closed), "2024-06-07 15:00:00")

    def test_a_category_target_of_zero_is_refused(self):
        for field in ("response_target_hours", "resolution_target_hours"):
            with self._refused(ValidationError, "more than 0 hours"):
                self.category.write({field: 0})
        self.assertEqual(self.category.response_target_hours, 4.0)

    def test_an_unknown_stage_is_refused(self):
        case = self._case()
        with self._refused(UserError, "does not exist"):
            case.write({"stage_id": 999999})
        with self._refused(UserError, "does not exist"):
            self._case(stage_id=999999)
        self.assertEqual(case.stage_id, self.stage_new)

    def test_portal_case_refuses_another_customers_order_and_invoice(self):
        other = self._new_customer("Not Mine")
        order = self._quotation(other)
        invoice = self._invoice(other)
        Complaint = self.env["crm.lifecycle.complaint"]
        before = Complaint.search_count([])
        with self._refused(UserError, "not one of yours"):
            Complaint._portal_create(
                self.contact, {"subject": "Late", "sale_order_id": order.id}
            )
        with self._refused(UserError, "not one of yours"):
            Complaint._portal_create(
                self.contact, {"subject": "Late", "invoice_id": invoice.id}
            )
        with self._refused(UserError, "not one of yours"):
            Complaint._portal_create(
                self.contact, {"subject": "Late", "invoice_id": "1; DROP"}
            )
        with self._refused(UserError, "subject"):
            Complaint._portal_create(self.contact, {"subject": " "})
        self.assertEqual(Complaint.search_count([]), before)
        own = self._invoice(self.customer)
        case = Complaint._portal_create(
            self.contact, {"subject": "Late", "invoice_id": str(own.id)}
        )
        self.assertEqual(
            (case.source, case.invoice_id, case.partner_id),
            ("portal", own, self.contact),
        )
        self.assertEqual(case.access_url, f"/my/complaints/{case.id}")
