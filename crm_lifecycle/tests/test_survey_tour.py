from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSurveyTour(HttpCase):
    def test_customer_answers_invitation_link_and_partner_gets_the_scores(self):
        salesperson = new_test_user(
            self.env,
            login="lc_survey_tour_sales",
            groups="sales_team.group_sale_salesman",
        )
        customer = self.env["res.partner"].create(
            {
                "name": "Boğaziçi Lojistik",
                "is_company": True,
                "email": "info@bogazici.example.com",
                "user_id": salesperson.id,
            }
        )
        survey = self.env.ref("crm_lifecycle.survey_survey_customer_satisfaction")
        user_input = survey._create_answer(partner=customer, check_attempts=False)
        self.assertFalse(customer.nps_category)
        # As the customer would from the e-mail: public, with the personal link.
        self.start_tour(user_input.get_start_url(), "crm_lifecycle_survey_tour")
        self.assertEqual(user_input.state, "done")
        self.assertEqual(customer.nps_last_score, 6)
        self.assertEqual(customer.nps_category, "detractor")
        self.assertEqual(customer.csat_last_score, 4.0)
        self.assertEqual(
            customer.survey_response_ids.comment, "Good products, slow delivery"
        )
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", customer.id)]
        )
        self.assertEqual(activity.user_id, salesperson)

    def test_a_link_without_its_personal_token_does_not_open_the_survey(self):
        survey = self.env.ref("crm_lifecycle.survey_survey_customer_satisfaction")
        response = self.url_open(survey.get_start_url())
        self.assertNotIn("recommend us to a friend", response.text)
