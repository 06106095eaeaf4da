import random
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .engine_path import events_held

DEMO_COUNTRIES = [
    ("tr", ["İstanbul", "Ankara", "İzmir", "Bursa"]),
    ("gr", ["Αθήνα", "Θεσσαλονίκη", "Πάτρα"]),
    ("ir", ["تهران", "اصفهان", "شیراز"]),
    ("de", ["Berlin", "Hamburg"]),
    ("fr", ["Lyon", "Paris"]),
]
DEMO_NAMES = [
    "Anadolu Tekstil",
    "Boğaziçi Lojistik",
    "Ege Gıda",
    "Karadeniz Enerji",
    "Marmara Yapı",
    "Toros Makine",
    "Kapadokya Turizm",
    "Akdeniz Tarım",
    "Olympus Trading",
    "Aegean Shipping",
    "Parthenon Consulting",
    "Hellas Foods",
    "Κρήτη Ελαιόλαδο",
    "Αθηνά Λογισμικό",
    "Delphi Analytics",
    "Pars Petrochem",
    "Zagros Steel",
    "Caspian Caviar",
    "Persepolis Carpets",
    "Alborz Pharma",
    "Kavir Solar",
    "Rhein Maschinenbau",
    "Elbe Logistik",
    "Lumière Optique",
    "Rhône Vins",
    "Ayşe Yılmaz",
    "Mehmet Demir",
    "Elif Kaya",
    "Νίκος Παπαδόπουλος",
    "Μαρία Γεωργίου",
    "Γιώργος Νικολάου",
    "مریم احمدی",
    "علی رضایی",
    "سارا محمدی",
    "Zeynep Çelik",
    "Can Öztürk",
    "Dimitra Kosta",
    "Reza Karimi",
    "Hans Becker",
    "Claire Dubois",
    "Istanbul Bilişim",
    "Thessaloniki Ports",
    "Tabriz Textiles",
    "Bosphorus Bakery",
    "Aeolos Wind",
    "Shiraz Gardens",
    "İzmir Kahve",
    "Santorini Resorts",
    "Isfahan Tiles",
    "Ankara Medikal",
]


class CrmLifecycleDemo(models.AbstractModel):
    """Realistic demo data: about fifty customers in every phase with two
    years of opportunities, orders and invoices, so that the funnel shows
    something true on first start."""

    _name = "crm.lifecycle.demo"
    _description = "Customer Lifecycle Demo Data"

    @api.model
    def _create_demo_data(self, customers=50, seed=42):
        rng = random.Random(seed)
        env = self.with_context(tracking_disable=True, mail_notrack=True).env
        # Generated records queue no recompute: all are recomputed at the end,
        # at once.
        with events_held():
            partners = self._demo_records(env, customers, rng)
        self._demo_survey_answers(env, partners, rng)
        return partners

    @api.model
    def _demo_records(self, env, customers, rng):
        today = fields.Date.context_today(self)
        products = self._demo_products(env)
        users = env.ref("base.user_admin")
        users |= env.ref("base.user_demo", raise_if_not_found=False) or users
        backdate = {"res_partner": {}, "crm_lead": {}, "sale_order": {}}
        partners = env["res.partner"]
        profiles = ["selection"] * 9 + ["acquisition"] * 10 + ["retention"] * 14
        profiles += ["extension"] * 14 + ["lost"] * 3
        for index in range(customers):
            code, cities = DEMO_COUNTRIES[index % len(DEMO_COUNTRIES)]
            name = DEMO_NAMES[index % len(DEMO_NAMES)]
            is_company = index < 25 or index >= 40
            partner = env["res.partner"].create(
                {
                    "name": name,
                    "is_company": is_company,
                    "country_id": env.ref(f"base.{code}").id,
                    "city": rng.choice(cities),
                    "email": f"demo{index}@example.com",
                    "user_id": users[index % len(users)].id,
                    "contact_preference": rng.choice(
                        ["email", "phone", "sms", "social"]
                    ),
                }
            )
            partners |= partner
            first_contact = today - timedelta(days=rng.randint(200, 730))
            backdate["res_partner"][partner.id] = first_contact
            profile = profiles[index % len(profiles)]
            if profile == "selection":
                continue
            deal_date = first_contact + timedelta(days=rng.randint(5, 90))
            lead = env["crm.lead"].create(
                {
                    "name": f"{name}: {rng.choice(products).name}",
                    "type": "opportunity",
                    "partner_id": partner.id,
                    "user_id": partner.user_id.id,
                    "expected_revenue": rng.randint(5, 80) * 500,
                }
            )
            backdate["crm_lead"][lead.id] = deal_date
            if profile == "lost":
                lead.action_set_lost()
                continue
            if profile == "acquisition":
                order = self._demo_order(env, partner, products, rng)
                backdate["sale_order"][order.id] = deal_date + timedelta(days=3)
                continue
            lead.action_set_won()
            purchases = 1 if profile == "retention" else rng.randint(2, 5)
            first_buy = deal_date + timedelta(days=rng.randint(7, 60))
            for purchase in range(purchases):
                step = 0 if not purchase else rng.randint(30, 120)
                first_buy = min(first_buy + timedelta(days=step), today)
                invoice = self._demo_invoice(env, partner, products, rng, first_buy)
                self._demo_payment(env, invoice, rng, today)
        for table, dates in backdate.items():
            for record_id, date in dates.items():
                self.env.cr.execute(
                    SQL(
                        "UPDATE %s SET create_date = %s WHERE id = %s",
                        SQL.identifier(table),
                        fields.Datetime.to_datetime(date),
                        record_id,
                    )
                )
        self.env.invalidate_all()
        self._demo_loyalty_program(env)
        env["res.partner"]._lifecycle_recompute_all()
        env["res.partner"]._retention_recompute_all()
        return partners

    @api.model
    def _demo_products(self, env):
        categories = env["product.category"].create(
            [{"name": "Lifecycle Demo Hardware"}, {"name": "Lifecycle Demo Services"}]
        )
        return env["product.product"].create(
            [
                {
                    "name": "Industrial Sensor",
                    "categ_id": categories[0].id,
                    "list_price": 450,
                },
                {
                    "name": "Control Unit",
                    "categ_id": categories[0].id,
                    "list_price": 1200,
                },
                {
                    "name": "Maintenance Contract",
                    "categ_id": categories[1].id,
                    "list_price": 900,
                    "type": "service",
                },
                {
                    "name": "On-site Training",
                    "categ_id": categories[1].id,
                    "list_price": 600,
                    "type": "service",
                },
            ]
        )

    @api.model
    def _demo_order(self, env, partner, products, rng):
        product = rng.choice(products)
        return env["sale.order"].create(
            {
                "partner_id": partner.id,
                "user_id": partner.user_id.id,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "product_uom_qty": rng.randint(1, 10),
                        },
                    )
                ],
            }
        )

    @api.model
    def _demo_invoice(self, env, partner, products, rng, date):
        # Most customers stay in one category; a few buy across both.
        chosen = (
            rng.sample(products[:2], 1)
            if rng.random() < 0.7
            else rng.sample(products, 2)
        )
        invoice = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": date,
                "invoice_user_id": partner.user_id.id,
                "invoice_payment_term_id": self.env.ref(
                    "account.account_payment_term_30days"
                ).id,
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "quantity": rng.randint(1, 8),
                            "price_unit": product.list_price,
                        },
                    )
                    for product in chosen
                ],
            }
        )
        invoice.action_post()
        return invoice

    @api.model
    def _demo_payment(self, env, invoice, rng, today):
        """Most customers pay on time, some late, a few half, some not yet."""
        due = invoice.invoice_date_due
        fate = rng.random()
        if fate < 0.55:
            paid_on, ratio = due - timedelta(days=rng.randint(0, 10)), 1.0
        elif fate < 0.75:
            paid_on, ratio = due + timedelta(days=rng.randint(5, 60)), 1.0
        elif fate < 0.85:
            paid_on, ratio = due + timedelta(days=rng.randint(0, 20)), 0.5
        else:
            return
        if paid_on > today:
            return
        env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create(
            {
                "payment_date": paid_on,
                "amount": invoice.amount_residual * ratio,
                "payment_difference_handling": "open",
            }
        )._create_payments()

    @api.model
    def _demo_loyalty_program(self, env):
        """The company's lifecycle loyalty program: a point per 10 paid, a 5 %
        discount for 100 points."""
        program = env["loyalty.program"].create(
            {
                "name": "Customer Lifecycle Rewards",
                "program_type": "loyalty",
                "applies_on": "both",
                "trigger": "auto",
                "rule_ids": [(5, 0, 0)],
                "reward_ids": [
                    (5, 0, 0),
                    (
                        0,
                        0,
                        {
                            "reward_type": "discount",
                            "discount": 5,
                            "discount_mode": "percent",
                            "required_points": 100,
                        },
                    ),
                ],
            }
        )
        env.company.write(
            {
                "lifecycle_loyalty_program_id": program.id,
                "lifecycle_loyalty_points_rate": 0.1,
            }
        )

    @api.model
    def _demo_survey_answers(self, env, partners, rng):
        """Satisfaction answers from the customers who bought."""
        survey = self.env.ref("crm_lifecycle.survey_survey_customer_satisfaction")
        env["ir.config_parameter"].sudo().set_param(
            "crm_lifecycle.survey_id", survey.id
        )
        questions = {
            kind: survey.question_ids.filtered(
                lambda q, kind=kind: q.crm_lifecycle_kind == kind
            )
            for kind in ("nps", "csat", "comment")
        }
        comments = [
            "Fast delivery, thank you.",
            "The invoice was wrong twice.",
            "Good product, support could answer faster.",
            "We will order again next quarter.",
        ]
        buyers = partners.filtered("lifecycle_first_purchase_date")
        for partner in buyers[: max(len(buyers) * 2 // 3, 1)]:
            user_input = survey.sudo()._create_answer(
                partner=partner, check_attempts=False
            )
            nps = rng.choice([10, 10, 9, 9, 9, 8, 8, 7, 6, 5, 3])
            user_input._save_lines(questions["nps"], str(nps))
            user_input._save_lines(questions["csat"], str(min(5, max(1, nps // 2))))
            user_input._save_lines(questions["comment"], rng.choice(comments))
            user_input._mark_done()
