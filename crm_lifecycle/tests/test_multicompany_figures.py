from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common_loyalty import LoyaltyCommon

LOYALTY_FIELDS = [
    "loyalty_tier_id",
    "loyalty_tier_since",
    "loyalty_tier_review_date",
    "loyalty_next_tier_id",
    "loyalty_next_tier_missing",
    "loyalty_points",
    "loyalty_card_id",
    "loyalty_history_ids",
]
SURVEY_FIELDS = [
    "nps_last_score",
    "nps_category",
    "csat_last_score",
    "survey_last_date",
]
# What a partner without any figure in the current company reads.
EMPTY = {
    "loyalty_tier_id": False,
    "loyalty_tier_since": False,
    "loyalty_tier_review_date": False,
    "loyalty_next_tier_id": False,
    "loyalty_next_tier_missing": 0.0,
    "loyalty_points": 0.0,
    "loyalty_card_id": False,
    "loyalty_history_ids": [],
    "nps_last_score": 0,
    "nps_category": False,
    "csat_last_score": 0.0,
    "survey_last_date": False,
}


@tagged("post_install", "-at_install")
class TestMultiCompanyFigures(LoyaltyCommon, HttpCase):
    """Over RPC, as the web client and any script call the server: the
    loyalty and satisfaction figures of a partner shared by two companies
    are each company's own, portal users read none of them, and the
    salesperson's view of the scores is the same on the partner and in the
    answers and the NPS analysis."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.setup_other_company(name="Lifecycle Company Two")["company"]
        # Every right in company 2, no access to company 1.
        cls.user_2 = new_test_user(
            cls.env,
            login="lc_mc_manager_2",
            groups="sales_team.group_sale_manager",
            company_id=cls.company_2.id,
            company_ids=[Command.set(cls.company_2.ids)],
        )
        cls.salesman = new_test_user(
            cls.env,
            login="lc_mc_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.portal = new_test_user(
            cls.env,
            login="lc_mc_portal",
            groups="base.group_portal",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.survey = cls.env.ref("crm_lifecycle.survey_survey_customer_satisfaction")
        cls.q_nps = cls.env.ref(
            "crm_lifecycle.survey_question_customer_satisfaction_nps"
        )
        cls.q_csat = cls.env.ref(
            "crm_lifecycle.survey_question_customer_satisfaction_csat"
        )
        # Shared by both companies, someone else's customer.
        cls.customer.write({"company_id": False, "user_id": cls.env.uid})

    def setUp(self):
        super().setUp()
        # Company 1's loyalty (Gold, 1,200 points) and scores (9, CSAT 4).
        self._pay(self._invoice(1200.0))
        self._answer(self.customer, nps=9, csat=4)
        self.env.flush_all()
        in_company_1 = self.customer.with_company(self.company)
        self.assertEqual(in_company_1.loyalty_tier_id, self.tier_gold)
        self.assertEqual(in_company_1.loyalty_points, 1200.0)
        self.assertEqual(in_company_1.nps_category, "promoter")

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def _answer(self, partner, nps, csat):
        user_input = self.survey.sudo()._create_answer(
            partner=partner, check_attempts=False
        )
        user_input._save_lines(self.q_nps, str(nps))
        user_input._save_lines(self.q_csat, str(csat))
        user_input._mark_done()

    def _call(self, user, model, method, args, kwargs=None, company=None):
        """``model.method(*args, **kwargs)`` over /web/dataset/call_kw as
        ``user``, in ``company`` (default: the user's)."""
        self.authenticate(user.login, user.login)
        context = {"allowed_company_ids": [(company or user.company_id).id]}
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": model,
                "method": method,
                "args": args,
                "kwargs": dict(kwargs or {}, context=context),
            },
        )

    def _read(self, user, fnames, partner=None):
        partner = partner or self.customer
        return self._call(user, "res.partner", "read", [partner.ids, fnames])[0]

    # ------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------

    def test_company_2_user_reads_company_2_figures_of_a_shared_partner(self):
        fnames = LOYALTY_FIELDS + SURVEY_FIELDS
        values = self._read(self.user_2, fnames)
        self.assertEqual({name: values[name] for name in fnames}, EMPTY)
        [values] = self._call(
            self.user_2,
            "res.partner",
            "search_read",
            [[("id", "=", self.customer.id)], fnames],
        )
        self.assertEqual({name: values[name] for name in fnames}, EMPTY)
        [values] = self._call(
            self.user_2,
            "res.partner",
            "web_read",
            [self.customer.ids],
            {"specification": {name: {} for name in fnames}},
        )
        self.assertEqual({name: values[name] for name in fnames}, EMPTY)
        # The salesperson of company 1 reads company 1's.
        values = self._read(self.salesman, fnames)
        self.assertEqual(values["loyalty_tier_id"][0], self.tier_gold.id)
        self.assertEqual(values["loyalty_points"], 1200.0)
        self.assertEqual(values["loyalty_card_id"][0], self._card().id)
        self.assertEqual(values["loyalty_history_ids"], self._card().history_ids.ids)
        self.assertEqual(values["nps_category"], "promoter")
        self.assertEqual(values["csat_last_score"], 4.0)
        # The company comes from the client: one the user does not belong
        # to is refused, not served.
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException) as caught:
            self._call(
                self.user_2,
                "res.partner",
                "read",
                [self.customer.ids, ["loyalty_points", "nps_category"]],
                company=self.company,
            )
        self.assertIn("AccessError", str(caught.exception))

    def test_company_2_user_cannot_search_by_company_1_tier(self):
        for domain in (
            [("loyalty_tier_id", "=", self.tier_gold.id)],
            [("loyalty_tier_id", "!=", False)],
            [("nps_category", "=", "promoter")],
        ):
            found = self._call(self.user_2, "res.partner", "search", [domain])
            self.assertNotIn(self.customer.id, found, domain)
        found = self._call(
            self.salesman,
            "res.partner",
            "search",
            [[("loyalty_tier_id", "=", self.tier_gold.id)]],
        )
        self.assertEqual(found, self.customer.ids)

    def test_portal_user_reads_none_of_the_figures_of_its_own_partner(self):
        partner = self.portal.partner_id
        self._answer(partner, nps=3, csat=2)
        self.env.flush_all()
        self.assertEqual(partner.with_company(self.company).nps_category, "detractor")
        # What the portal shows of its own partner stays readable.
        self.assertEqual(
            self._read(self.portal, ["name"], partner=partner)["name"], partner.name
        )
        for fname in [*SURVEY_FIELDS, *LOYALTY_FIELDS, "survey_response_count"]:
            with (
                mute_logger("odoo.http"),
                self.assertRaises(JsonRpcException, msg=fname) as caught,
            ):
                self._read(self.portal, [fname], partner=partner)
            self.assertIn("AccessError", str(caught.exception), fname)

    def test_salesman_reads_the_same_scores_on_partner_and_in_the_reports(self):
        """Restricted to its own documents, the salesperson reads the score
        of a customer that is not its own on the partner, and so the same
        answer in the answers and the NPS analysis; the company-2 user
        reads neither."""
        scope = [("commercial_partner_id", "=", self.customer.id)]
        values = self._read(self.salesman, ["nps_last_score", "nps_category"])
        self.assertEqual(
            (values["nps_last_score"], values["nps_category"]), (9, "promoter")
        )
        responses = self._call(
            self.salesman,
            "crm.lifecycle.survey.response",
            "search_read",
            [scope, ["nps_score", "nps_category", "csat_score"]],
        )
        self.assertEqual(
            [(r["nps_score"], r["nps_category"], r["csat_score"]) for r in responses],
            [(9, "promoter", 4.0)],
        )
        report = self._call(
            self.salesman,
            "crm.lifecycle.nps.report",
            "search_read",
            [scope, ["nps_category"]],
        )
        self.assertEqual([r["nps_category"] for r in report], ["promoter"])
        count = self._read(self.salesman, ["survey_response_count"])
        self.assertEqual(count["survey_response_count"], 1)

        values = self._read(self.user_2, ["nps_last_score", "nps_category"])
        self.assertEqual((values["nps_last_score"], values["nps_category"]), (0, False))
        for model in ("crm.lifecycle.survey.response", "crm.lifecycle.nps.report"):
            self.assertEqual(
                self._call(self.user_2, model, "search_read", [scope, ["id"]]), []
            )
