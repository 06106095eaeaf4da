import re
from unittest.mock import patch

from odoo import Command
from odoo.http import Request
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from odoo.addons.portal.controllers.portal import CustomerPortal

from .common import CrmLifecycleCommon


class CrmLifecycleComplaintPortalCommon(CrmLifecycleCommon):
    """Two customers: Anadolu, with a contact who follows her own cases and
    one who follows the company's, and Boreas, with its own contact."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Stage = cls.env["crm.lifecycle.complaint.stage"]
        cls.stage_new = Stage.create({"name": "Portal New", "sequence": 1})
        cls.stage_waiting = Stage.create(
            {"name": "Portal Waiting", "sequence": 2, "is_waiting": True}
        )
        cls.stage_solved = Stage.create(
            {"name": "Portal Solved", "sequence": 3, "is_closed": True}
        )
        cls.boreas = cls._new_customer("Boreas Gıda")
        cls.ayse = cls._portal_contact("lc_portal_ayse", "Ayşe Demir", cls.customer)
        cls.mehmet = cls._portal_contact(
            "lc_portal_mehmet", "Mehmet Kaya", cls.customer
        )
        cls.mehmet.partner_id.lifecycle_complaint_company_access = True
        cls.zeynep = cls._portal_contact("lc_portal_zeynep", "Zeynep Ak", cls.boreas)
        cls.colleague = cls.env["res.partner"].create(
            {"name": "Can Yıldız", "parent_id": cls.customer.id}
        )
        cls.case_ayse = cls._case(cls.ayse.partner_id, "Torn packaging")
        cls.case_colleague = cls._case(cls.colleague, "Late delivery")
        cls.case_company = cls._case(cls.customer, "Wrong invoice address")
        cls.case_boreas = cls._case(cls.zeynep.partner_id, "Broken sensor")

    @classmethod
    def _portal_contact(cls, login, name, company):
        user = new_test_user(
            cls.env,
            login=login,
            groups="base.group_portal",
            name=name,
            password=login,
        )
        user.partner_id.parent_id = company
        return user

    @classmethod
    def _case(cls, partner, subject, stage=None, **values):
        return cls.env["crm.lifecycle.complaint"].create(
            {
                "partner_id": partner.id,
                "subject": subject,
                "stage_id": (stage or cls.stage_new).id,
                **values,
            }
        )

    def url_open(self, *args, **kwargs):
        # The request sees the database, not this environment's cache: what
        # the test wrote goes first, what the request wrote is read afresh.
        self.env.flush_all()
        response = super().url_open(*args, **kwargs)
        self.env.invalidate_all()
        return response

    def _visible_subjects(self, user):
        return set(
            self.env["crm.lifecycle.complaint"]
            .with_user(user)
            .search([])
            .mapped("subject")
        )

    def _post_form(self, **fields):
        return self.url_open(
            "/my/complaints/new",
            data={"csrf_token": Request.csrf_token(self), **fields},
        )

    def _portal_cases(self):
        return self.env["crm.lifecycle.complaint"].search([("source", "=", "portal")])


@tagged("post_install", "-at_install")
class TestComplaintPortalAccess(CrmLifecycleComplaintPortalCommon, HttpCase):
    def test_contact_lists_her_own_cases_and_nobody_elses(self):
        self.authenticate("lc_portal_ayse", "lc_portal_ayse")
        page = self.url_open("/my/complaints")
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.case_ayse.name, page.text)
        self.assertIn("Torn packaging", page.text)
        for other in (self.case_colleague, self.case_company, self.case_boreas):
            self.assertNotIn(other.subject, page.text)
        self.assertEqual(self._visible_subjects(self.ayse), {"Torn packaging"})

    def test_company_contact_with_the_flag_lists_the_company_cases_only(self):
        self.authenticate("lc_portal_mehmet", "lc_portal_mehmet")
        page = self.url_open("/my/complaints")
        for case in (self.case_ayse, self.case_colleague, self.case_company):
            self.assertIn(case.subject, page.text)
        self.assertNotIn("Broken sensor", page.text)
        self.assertEqual(
            self._visible_subjects(self.mehmet),
            {"Torn packaging", "Late delivery", "Wrong invoice address"},
        )

    def test_flag_on_the_company_does_not_open_it_to_every_contact(self):
        self.customer.lifecycle_complaint_company_access = True
        self.assertEqual(self._visible_subjects(self.ayse), {"Torn packaging"})

    def test_taking_the_flag_away_closes_the_company_cases_at_once(self):
        self.assertEqual(len(self._visible_subjects(self.mehmet)), 3)
        self.mehmet.partner_id.lifecycle_complaint_company_access = False
        self.assertEqual(self._visible_subjects(self.mehmet), set())
        self.authenticate("lc_portal_mehmet", "lc_portal_mehmet")
        response = self.url_open(self.case_ayse.access_url)
        self.assertNotIn("Torn packaging", response.text)

    def test_opening_another_customers_case_by_url_sends_back_to_the_portal(self):
        self.authenticate("lc_portal_ayse", "lc_portal_ayse")
        for case in (self.case_boreas, self.case_colleague):
            response = self.url_open(case.access_url)
            self.assertTrue(response.url.endswith("/my"), response.url)
            self.assertNotIn(case.subject, response.text)
        response = self.url_open("/my/complaints/%d" % (self.case_boreas.id + 10000))
        self.assertTrue(response.url.endswith("/my"), response.url)

    def test_contact_opens_her_case_with_its_conversation(self):
        self.case_ayse.message_post(
            body="We are sending a new box.",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        token = self.case_ayse._portal_ensure_token()
        self.authenticate("lc_portal_ayse", "lc_portal_ayse")
        page = self.url_open(self.case_ayse.access_url)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Torn packaging", page.text)
        self.assertIn("Portal New", page.text)
        self.assertIn("o_portal_chatter", page.text)
        self.assertIn(f'data-token="{token}"', page.text)

    def test_company_contact_opens_a_colleagues_case(self):
        self.authenticate("lc_portal_mehmet", "lc_portal_mehmet")
        page = self.url_open(self.case_colleague.access_url)
        self.assertFalse(page.url.endswith("/my"))
        self.assertIn("Late delivery", page.text)

    def test_contact_replies_on_her_case_and_not_on_another(self):
        token = self.case_ayse._portal_ensure_token()
        # A case without a token makes Odoo's check fail with a TypeError
        # rather than refuse: the other case has one, as any case mailed or
        # shown in the portal does.
        self.case_boreas._portal_ensure_token()
        self.authenticate("lc_portal_ayse", "lc_portal_ayse")
        self.make_jsonrpc_request(
            "/mail/message/post",
            {
                "thread_model": "crm.lifecycle.complaint",
                "thread_id": self.case_ayse.id,
                "post_data": {"body": "The second box is torn too."},
                "token": token,
            },
        )
        reply = self.case_ayse.message_ids.filtered(
            lambda m: "second box" in (m.body or "")
        )
        self.assertEqual(reply.author_id, self.ayse.partner_id)
        self.assertFalse(self.case_ayse.date_first_response)
        # Her case's token opens no other case, and no token no case.
        for params in ({"token": token}, {}):
            with self.assertRaises(JsonRpcException):
                self.make_jsonrpc_request(
                    "/mail/message/post",
                    {
                        "thread_model": "crm.lifecycle.complaint",
                        "thread_id": self.case_boreas.id,
                        "post_data": {"body": "Hello neighbours"},
                        **params,
                    },
                )
        self.assertFalse(
            self.case_boreas.message_ids.filtered(
                lambda m: "neighbours" in (m.body or "")
            )
        )

    def test_portal_home_counts_the_cases_the_contact_sees(self):
        self.authenticate("lc_portal_mehmet", "lc_portal_mehmet")
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["complaint_count"]}
        )
        self.assertEqual(counters["complaint_count"], 3)
        self.authenticate("lc_portal_zeynep", "lc_portal_zeynep")
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["complaint_count"]}
        )
        self.assertEqual(counters["complaint_count"], 1)
        home = self.url_open("/my/home")
        self.assertIn('href="/my/complaints"', home.text)

    def test_list_pages_and_sorts_by_date_and_by_stage(self):
        self.case_colleague.stage_id = self.stage_waiting
        self.case_ayse.date_open = "2026-01-05 09:00:00"
        self.case_colleague.date_open = "2026-01-06 09:00:00"
        self.case_company.date_open = "2026-01-07 09:00:00"
        self.authenticate("lc_portal_mehmet", "lc_portal_mehmet")

        def subjects(url):
            text = self.url_open(url).text
            found = re.findall(
                r"(Torn packaging|Late delivery|Wrong invoice address)", text
            )
            return list(dict.fromkeys(found))

        with patch.object(CustomerPortal, "_items_per_page", 2):
            self.assertEqual(
                subjects("/my/complaints"),
                ["Wrong invoice address", "Late delivery"],
            )
            self.assertEqual(subjects("/my/complaints/page/2"), ["Torn packaging"])
            self.assertEqual(
                subjects("/my/complaints?sortby=stage"),
                ["Wrong invoice address", "Torn packaging"],
            )
            self.assertEqual(
                subjects("/my/complaints/page/2?sortby=stage"), ["Late delivery"]
            )
        # A sort the portal does not know is the default one, not an error.
        response = self.url_open("/my/complaints?sortby=partner_id")
        self.assertEqual(response.status_code, 200)

    def test_portal_user_reads_nothing_else_of_the_module(self):
        models = self.env["ir.model"].search([("model", "=like", "crm.lifecycle.%")])
        self.assertIn("crm.lifecycle.complaint", models.mapped("model"))
        for model in models.mapped("model"):
            Model = self.env[model].with_user(self.ayse)
            for operation in ("read", "write", "create", "unlink"):
                allowed = model == "crm.lifecycle.complaint" and operation == "read"
                with self.subTest(model=model, operation=operation):
                    self.assertEqual(Model.has_access(operation), allowed)


@tagged("post_install", "-at_install")
class TestComplaintPortalForm(CrmLifecycleComplaintPortalCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order_anadolu = cls._confirmed_order(cls.customer)
        cls.order_boreas = cls._confirmed_order(cls.boreas)
        cls.invoice_anadolu = cls._posted_invoice(cls.customer)
        cls.invoice_boreas = cls._posted_invoice(cls.boreas)

    @classmethod
    def _confirmed_order(cls, partner):
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "order_line": [
                    Command.create(
                        {"product_id": cls.product_hw.id, "product_uom_qty": 1}
                    )
                ],
            }
        )
        order.action_confirm()
        return order

    @classmethod
    def _posted_invoice(cls, partner):
        return cls.init_invoice(
            "out_invoice", partner=partner, products=[cls.product_hw], post=True
        )

    def test_form_offers_the_customers_own_orders_and_invoices_only(self):
        self.authenticate("lc_portal_ayse", "lc_portal_ayse")
        page = self.url_open("/my/complaints/new")
        self.assertEqual(page.status_code, 200)
        self.assertIn('name="csrf_token"', page.text)
        self.assertIn(self.order_anadolu.name, page.text)
        self.assertIn(self.invoice_anadolu.name, page.text)
        self.assertNotIn(self.order_boreas.name, page.text)
        self.assertNotIn(self.invoice_boreas.name, page.text)

    def test_contact_submits_a_case_on_her_order_and_invoice(self):
        self.authenticate("lc_portal_ayse", "lc_portal_ayse")
        response = self._post_form(
            subject="Sensor arrived broken",
            description="The casing is cracked.\nSecond line.",
            sale_order_id=str(self.order_anadolu.id),
            invoice_id=str(self.invoice_anadolu.id),
            # Fields the form does not have are not taken from the post.
            partner_id=str(self.zeynep.partner_id.id),
            user_id=str(self.sales_user.id),
            stage_id=str(self.stage_solved.id),
        )
        case = self._portal_cases()
        self.assertEqual(len(case), 1)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.url.endswith(case.access_url), response.url)
        self.assertEqual(case.partner_id, self.ayse.partner_id)
        self.assertEqual(case.commercial_partner_id, self.customer)
        self.assertEqual(case.subject, "Sensor arrived broken")
        self.assertIn("The casing is cracked.", case.description)
        self.assertEqual(case.sale_order_id, self.order_anadolu)
        self.assertEqual(case.invoice_id, self.invoice_anadolu)
        self.assertNotEqual(case.user_id, self.sales_user)
        self.assertFalse(case.is_closed)
        self.assertEqual(
            self._visible_subjects(self.ayse),
            {"Torn packaging", "Sensor arrived broken"},
        )
        self.assertNotIn("Sensor arrived broken", self._visible_subjects(self.zeynep))

    def test_another_customers_order_is_refused_and_nothing_is_made(self):
        self.authenticate("lc_portal_ayse", "lc_portal_ayse")
        for fields, message in (
            (
                {"sale_order_id": str(self.order_boreas.id)},
                "This order is not one of yours.",
            ),
            (
                {"invoice_id": str(self.invoice_boreas.id)},
                "This invoice is not one of yours.",
            ),
            ({"sale_order_id": "not-a-number"}, "This order is not one of yours."),
            (
                {"invoice_id": "99999999999999999999"},
                "This invoice is not one of yours.",
            ),
            ({"invoice_id": "-3"}, "This invoice is not one of yours."),
            (
                {"sale_order_id": str(self.order_boreas.id + 10000)},
                "This order is not one of yours.",
            ),
        ):
            with self.subTest(**fields):
                response = self._post_form(subject="Where is my order?", **fields)
                self.assertEqual(response.status_code, 200)
                self.assertIn("o_complaint_portal_error", response.text)
                self.assertIn(message, response.text)
                # The form comes back with what the customer typed.
                self.assertIn('value="Where is my order?"', response.text)
        self.assertFalse(self._portal_cases())

    def test_a_case_needs_a_subject_of_bounded_length(self):
        self.authenticate("lc_portal_ayse", "lc_portal_ayse")
        for subject, message in (
            ("   ", "Give your complaint a subject."),
            ("x" * 201, "The subject is too long: at most 200 characters."),
        ):
            response = self._post_form(subject=subject, description="Details")
            self.assertIn(message, response.text)
        response = self._post_form(subject="Too long", description="y" * 10001)
        self.assertIn(
            "The description is too long: at most 10000 characters.", response.text
        )
        self.assertFalse(self._portal_cases())

    def test_a_post_without_the_form_token_makes_nothing(self):
        self.authenticate("lc_portal_ayse", "lc_portal_ayse")
        with self.assertLogs("odoo.http", "WARNING"):
            response = self.url_open(
                "/my/complaints/new", data={"subject": "Forged from elsewhere"}
            )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self._portal_cases())

    def test_the_public_is_sent_to_log_in(self):
        response = self.url_open("/my/complaints/new")
        self.assertIn("/web/login", response.url)
        response = self.url_open(self.case_ayse.access_url)
        self.assertNotIn("Torn packaging", response.text)
