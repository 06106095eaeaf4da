import json
from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import CrmLifecycleCommon

# A Monday.
TODAY = date(2026, 3, 16)

FIGURES = (
    "clv_predicted",
    "rfm_segment",
    "churn_probability",
    "churn_probability_previous",
)


class ActionItemsCommon(CrmLifecycleCommon):
    """Four customers, one case per reason, each beside a case that must
    not show:

    - Delta (the manager's, predicted CLV 20,000): a Loyal customer whose
      churn probability rose from 45 % to 55 % (threshold 50 %), and a
      complaint owned by the salesperson;
    - Alfa (CLV 9,000): a call-back due yesterday, a Champion from 30 % to
      70 %, a closed complaint, an invoice 10 days overdue;
    - Beta (CLV 4,000): a call-back due in three days, a Loyal customer
      already above the threshold last week, an open complaint, loyalty
      points expiring in 20 days, others expired yesterday;
    - Gama (no CLV): a detractor to follow up, an At Risk customer from
      10 % to 90 %, an invoice 45 days overdue.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.callback = cls.env.ref("crm_lifecycle.mail_activity_type_callback")
        cls.detractor = cls.env.ref("crm_lifecycle.mail_activity_type_detractor")
        cls.delta = cls._new_customer("Delta Lojistik", user_id=cls.manager.id)
        cls.alfa = cls._new_customer("Alfa Gıda", user_id=cls.sales_user.id)
        cls.beta = cls._new_customer("Beta Yapı", user_id=cls.sales_user.id)
        cls.gama = cls._new_customer("Gama Tekstil", user_id=cls.sales_user.id)
        cls.customers = cls.delta | cls.alfa | cls.beta | cls.gama
        cls.env["res.partner"]._lifecycle_write_company_figures(
            {
                cls.delta.id: dict(
                    zip(FIGURES, (20000.0, "loyal", 0.55, 0.45), strict=True)
                ),
                cls.alfa.id: dict(
                    zip(FIGURES, (9000.0, "champions", 0.7, 0.3), strict=True)
                ),
                cls.beta.id: dict(
                    zip(FIGURES, (4000.0, "loyal", 0.8, 0.6), strict=True)
                ),
                cls.gama.id: dict(
                    zip(FIGURES, (None, "at_risk", 0.9, 0.1), strict=True)
                ),
            },
            cls.company,
            FIGURES,
        )
        Activity = cls.env["mail.activity"]
        model_id = cls.env["ir.model"]._get_id("res.partner")
        cls.alfa_callback, _beta_callback, cls.gama_followup = Activity.create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": partner.id,
                    "activity_type_id": activity_type.id,
                    "user_id": cls.sales_user.id,
                    "date_deadline": deadline,
                }
                for partner, activity_type, deadline in (
                    (cls.alfa, cls.callback, TODAY - timedelta(days=1)),
                    (cls.beta, cls.callback, TODAY + timedelta(days=3)),
                    (cls.gama, cls.detractor, TODAY + timedelta(days=1)),
                )
            ]
        )
        Complaint = cls.env["crm.lifecycle.complaint"]
        cls.beta_case = Complaint.create(
            {"partner_id": cls.beta.id, "subject": "Late delivery"}
        )
        cls.delta_case = Complaint.create(
            {
                "partner_id": cls.delta.id,
                "subject": "Wrong pallets",
                "user_id": cls.sales_user.id,
            }
        )
        cls.resolved = cls.env.ref(
            "crm_lifecycle.crm_lifecycle_complaint_stage_resolved"
        )
        closed = Complaint.create({"partner_id": cls.alfa.id, "subject": "Old"})
        closed.write({"resolution": "Refunded.", "stage_id": cls.resolved.id})
        cls.alfa_invoice = cls._invoice_on(cls.alfa, TODAY - timedelta(days=10))
        cls.gama_invoice = cls._invoice_on(cls.gama, TODAY - timedelta(days=45))
        program = cls.env["loyalty.program"].create(
            {
                "name": "Lifecycle Points",
                "program_type": "loyalty",
                "company_id": cls.company.id,
                "rule_ids": [],
                "communication_plan_ids": [],
            }
        )
        cls.company.lifecycle_loyalty_program_id = program
        cls.beta_card, _expired = cls.env["loyalty.card"].create(
            [
                {
                    "program_id": program.id,
                    "partner_id": cls.beta.id,
                    "points": 300.0,
                    "lifecycle_expiring_points": 120.0,
                    "lifecycle_expiring_date": TODAY + timedelta(days=20),
                },
                {
                    "program_id": program.id,
                    "partner_id": cls.alfa.id,
                    "points": 80.0,
                    "lifecycle_expiring_points": 80.0,
                    "lifecycle_expiring_date": TODAY - timedelta(days=1),
                },
            ]
        )

    @classmethod
    def _invoice_on(cls, partner, day):
        """An invoice due on its date, unpaid."""
        move = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": day,
                "date": day,
                "invoice_payment_term_id": cls.env.ref(
                    "account.account_payment_term_immediate"
                ).id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": cls.product_hw.id,
                            "price_unit": 100.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        move.action_post()
        return move


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestActionItems(ActionItemsCommon):
    def _items(self, user=None, company=None):
        Item = self.env["crm.lifecycle.action.item"]
        if user:
            Item = Item.with_user(user)
        if company:
            Item = Item.with_company(company)
        return Item.search([("partner_id", "in", self.customers.ids)])

    def _rows(self, items):
        return [(item.partner_id.name, item.reason) for item in items]

    def test_each_reason_on_its_case_most_valuable_first(self):
        items = self._items(self.sales_user)
        self.assertEqual(
            self._rows(items),
            [
                ("Delta Lojistik", "complaint"),
                ("Alfa Gıda", "callback"),
                ("Alfa Gıda", "churn"),
                ("Beta Yapı", "complaint"),
                ("Beta Yapı", "loyalty"),
                ("Gama Tekstil", "installment"),
                ("Gama Tekstil", "detractor"),
            ],
        )
        by_reason = {(item.partner_id, item.reason): item for item in items}
        callback = by_reason[self.alfa, "callback"]
        self.assertEqual(callback.activity_id, self.alfa_callback)
        self.assertEqual(callback.date, TODAY - timedelta(days=1))
        self.assertEqual(callback.clv_predicted, 9000.0)
        self.assertEqual(callback.currency_id, self.company.currency_id)
        churn = by_reason[self.alfa, "churn"]
        self.assertAlmostEqual(churn.churn_probability, 0.7)
        self.assertAlmostEqual(churn.churn_probability_previous, 0.3)
        self.assertIn("30 % to 70 %", churn.summary)
        self.assertEqual(churn.rfm_segment, "champions")
        self.assertEqual(
            by_reason[self.gama, "detractor"].activity_id, self.gama_followup
        )
        installment = by_reason[self.gama, "installment"]
        self.assertEqual(installment.days_overdue, 45)
        self.assertEqual(installment.item_count, 1)
        self.assertEqual(installment.amount, self.gama_invoice.amount_residual)
        self.assertIn("45 days", installment.summary)
        loyalty = by_reason[self.beta, "loyalty"]
        self.assertEqual(loyalty.card_id, self.beta_card)
        self.assertEqual(loyalty.points, 120.0)
        self.assertEqual(loyalty.date, TODAY + timedelta(days=20))
        self.assertEqual(by_reason[self.beta, "complaint"].complaint_id, self.beta_case)
        delta_case = by_reason[self.delta, "complaint"]
        self.assertEqual(delta_case.complaint_id, self.delta_case)
        self.assertEqual(delta_case.assignee_id, self.sales_user)
        self.assertEqual(delta_case.user_id, self.manager)

    def test_a_case_done_leaves_the_list(self):
        self.alfa_callback.action_done()
        self.beta_case.write({"resolution": "Delivered.", "stage_id": self.resolved.id})
        self.gama_invoice.button_draft()
        rows = self._rows(self._items(self.sales_user))
        self.assertNotIn(("Alfa Gıda", "callback"), rows)
        self.assertNotIn(("Beta Yapı", "complaint"), rows)
        self.assertNotIn(("Gama Tekstil", "installment"), rows)
        self.assertIn(("Alfa Gıda", "churn"), rows)

    def test_overdue_days_follow_the_setting(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_lifecycle.action_overdue_days", 5
        )
        rows = self._rows(self._items(self.sales_user))
        self.assertIn(("Alfa Gıda", "installment"), rows)
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_lifecycle.action_overdue_days", 60
        )
        rows = self._rows(self._items(self.sales_user))
        self.assertNotIn(("Gama Tekstil", "installment"), rows)

    def test_churn_threshold_is_the_call_back_threshold(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "crm_lifecycle.reminder_churn_threshold", 0.75
        )
        rows = self._rows(self._items(self.manager))
        self.assertIn(("Beta Yapı", "churn"), rows)
        self.assertNotIn(("Alfa Gıda", "churn"), rows)
        self.assertNotIn(("Delta Lojistik", "churn"), rows)

    def test_manager_sees_every_salesperson_and_filters(self):
        items = self._items(self.manager)
        self.assertIn(("Delta Lojistik", "churn"), self._rows(items))
        self.assertEqual(len(items), 8)
        mine = items.search(
            [("id", "in", items.ids), ("user_id", "=", self.sales_user.id)]
        )
        self.assertEqual(mine.partner_id, self.alfa | self.beta | self.gama)

    def test_other_company_and_portal_see_nothing(self):
        other = self.env["res.company"].create({"name": "Act On Two"})
        self.manager.company_ids = [Command.link(other.id)]
        case = (
            self.env["crm.lifecycle.complaint"]
            .with_company(other)
            .create({"partner_id": self.alfa.id, "subject": "Other company"})
        )
        self.assertNotIn(case, self._items(self.sales_user).complaint_id)
        self.assertNotIn(case, self._items(self.manager).complaint_id)
        in_other = self._items(self.manager, company=other)
        # Activities belong to no company: they show in both.
        self.assertEqual(
            self._rows(in_other),
            [
                ("Alfa Gıda", "callback"),
                ("Alfa Gıda", "complaint"),
                ("Gama Tekstil", "detractor"),
            ],
        )
        self.assertEqual(in_other.complaint_id, case)
        with self.assertRaises(AccessError):
            self._items(self.portal_user)
        outsider = new_test_user(
            self.env, login="lc_outsider", groups="sales_team.group_sale_salesman"
        )
        self.assertFalse(self._items(outsider))

    def test_each_row_opens_what_to_act_on(self):
        items = self._items(self.sales_user)
        by_reason = {(item.partner_id, item.reason): item for item in items}
        action = by_reason[self.alfa, "callback"].action_open()
        self.assertEqual(
            (action["res_model"], action["res_id"]),
            ("mail.activity", self.alfa_callback.id),
        )
        action = by_reason[self.beta, "complaint"].action_open()
        self.assertEqual(
            (action["res_model"], action["res_id"]),
            ("crm.lifecycle.complaint", self.beta_case.id),
        )
        action = by_reason[self.beta, "loyalty"].action_open()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("res.partner", self.beta.id)
        )
        # Without access to the payment history, the customer.
        action = by_reason[self.gama, "installment"].action_open()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("res.partner", self.gama.id)
        )
        self.sales_user.groups_id = [
            Command.link(self.env.ref("account.group_account_invoice").id)
        ]
        action = by_reason[self.gama, "installment"].with_user(self.sales_user)
        action = action.action_open()
        self.assertEqual(action["res_model"], "crm.lifecycle.payment.installment")
        installments = self.env[action["res_model"]].search(action["domain"])
        self.assertEqual(installments.move_id, self.gama_invoice)

    def test_previous_churn_is_kept_once_a_week(self):
        Retention = self.env["crm.lifecycle.retention"]
        Partner = self.env["res.partner"]
        names = ["churn_probability", "churn_probability_previous"]
        names.append("churn_previous_date")

        def score(day, churn):
            values = {self.gama.id: {"churn_probability": churn}}
            Retention._keep_previous_churn(self.company, values, day)
            Partner._lifecycle_write_company_figures(values, self.company, names)
            self.env.invalidate_all()
            gama = self.gama.with_company(self.company)
            return gama.churn_probability_previous, gama.churn_previous_date

        # First scoring: the probability of before is kept.
        self.assertEqual(score(TODAY, 0.95), (0.9, TODAY))
        # During the week, what was kept stays.
        self.assertEqual(score(TODAY + timedelta(days=6), 0.97), (0.9, TODAY))
        # A week later, last scoring's probability is kept.
        later = TODAY + timedelta(days=7)
        self.assertEqual(score(later, 0.2), (0.97, later))


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestActionItemsRpc(ActionItemsCommon, HttpCase):
    """The list as the web client reads it: a salesperson gets theirs only,
    whatever the client sends; a portal user nothing."""

    def _search(self, login, domain, context=None):
        self.authenticate(login, login)
        payload = {
            "id": 0,
            "jsonrpc": "2.0",
            "method": "call",
            "params": {
                "model": "crm.lifecycle.action.item",
                "method": "web_search_read",
                "args": [domain],
                "kwargs": {
                    "specification": {"partner_id": {}, "reason": {}},
                    "context": context or {},
                },
            },
        }
        response = self.url_open(
            "/web/dataset/call_kw",
            json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        response.raise_for_status()
        return response.json()

    def test_salesperson_reads_only_theirs_portal_nothing(self):
        answer = self._search(
            "lc_salesman",
            [("partner_id", "in", self.customers.ids)],
            context={"active_test": False, "search_default_my_customers": 0},
        )
        partners = {row["partner_id"] for row in answer["result"]["records"]}
        self.assertEqual(partners, set(self.customers.ids))
        reasons = {
            (row["partner_id"], row["reason"]) for row in answer["result"]["records"]
        }
        self.assertNotIn((self.delta.id, "churn"), reasons)
        answer = self._search("lc_portal", [])
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")
