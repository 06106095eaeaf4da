from unittest.mock import patch

from odoo import Command, fields
from odoo.tests import tagged

from odoo.addons.crm_lifecycle.models.engine_path import events_held

from .common import flush_events
from .common_loyalty import LoyaltyCommon


@tagged("post_install", "-at_install")
class TestLoyaltyPoints(LoyaltyCommon):
    def _history(self, card=None):
        return (card or self._card()).history_ids.sorted("id")

    def _paid_quietly(self, amount, partner=None):
        """An invoice of ``amount`` posted and paid, its events held: the
        engine has not seen it yet."""
        with events_held():
            invoice = self._invoice(amount, partner=partner)
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({})._create_payments()
            self.env.flush_all()
        return invoice

    def _commit_mail(self):
        """What a commit does for the chatter: tracking is written then (and
        a record made in the transaction is tracked from the next one)."""
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.env["loyalty.card"].invalidate_model(["message_ids"])

    def test_paid_invoice_credits_card_with_history_line(self):
        invoice = self._invoice(250.0)
        flush_events(self.env)
        self.assertFalse(self._card(), "an unpaid invoice earns nothing")

        self._pay(invoice)

        card = self._card()
        self.assertEqual(card.points, 250.0)
        self.assertEqual(self.customer.loyalty_points, 250.0)
        self.assertEqual(invoice.lifecycle_loyalty_points, 250.0)
        line = self._history(card)
        self.assertEqual(len(line), 1)
        self.assertEqual(line.issued, 250.0)
        self.assertEqual(line.used, 0.0)
        self.assertEqual(
            (line.order_model, line.order_id), ("account.move", invoice.id)
        )
        self.assertIn(invoice.name, line.description)
        self.assertEqual(line.lifecycle_kind, "earn")

    def test_cards_and_history_lines_are_made_through_create(self):
        """A module that extends the card's or the history line's create()
        (sale_loyalty, pos_loyalty, ...) sees every card and line the
        engine makes: one create() with the list for the batch; the new
        cards are silent in the chatter, as when Odoo makes cards in bulk;
        a new balance of an existing card is tracked."""
        other = self.env["res.partner"].create(
            {"name": "Other Customer", "company_id": False}
        )
        invoices = self._paid_quietly(100.0) + self._paid_quietly(200.0)
        invoices += self._paid_quietly(300.0, partner=other)
        self.assertFalse(self._card(), "no recompute while the events are held")
        partners = self.customer + other
        Engine = self.env["crm.lifecycle.loyalty.engine"].sudo()
        with self.spy_create("loyalty.card", "loyalty.history") as calls:
            Engine._recompute(partners)
        self._commit_mail()
        self.assertEqual(len(calls["loyalty.card"]), 1)
        self.assertEqual(
            sorted(
                (vals["partner_id"], vals["points"])
                for vals in calls["loyalty.card"][0]
            ),
            sorted([(self.customer.id, 300.0), (other.id, 300.0)]),
        )
        self.assertEqual(len(calls["loyalty.history"]), 1)
        self.assertEqual(
            sorted(
                (vals["order_id"], vals["issued"])
                for vals in calls["loyalty.history"][0]
            ),
            sorted(zip(invoices.ids, [100.0, 200.0, 300.0], strict=True)),
        )
        card = self._card()
        self.assertEqual(card.points, 300.0)
        self.assertEqual(len(card.history_ids), 2)
        self.assertFalse((card + self._card(other)).message_ids)

        self._paid_quietly(50.0)
        with self.spy_create("loyalty.card", "loyalty.history") as calls:
            Engine._recompute(self.customer)
        self._commit_mail()
        self.assertEqual(calls["loyalty.card"], [], "the card exists")
        self.assertEqual(len(calls["loyalty.history"]), 1)
        self.assertEqual(card.points, 350.0)
        tracked = card.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "points"
        )
        self.assertEqual(
            (tracked.old_value_float, tracked.new_value_float), (300.0, 350.0)
        )

    def test_card_code_already_taken_draws_a_new_one(self):
        """Odoo's random card codes can meet an existing one at scale: the
        card is made with a new code, the batch goes on."""
        taken = self.env["loyalty.card"].create(
            {"program_id": self.program.id, "partner_id": self.env.user.partner_id.id}
        )
        Card = type(self.env["loyalty.card"])
        codes = iter([taken.code])
        original = Card._generate_code

        def generate(card):
            return next(codes, None) or original(card)

        invoice = self._invoice(250.0)
        with patch.object(Card, "_generate_code", generate):
            self._pay(invoice)
        card = self._card()
        self.assertEqual(card.points, 250.0)
        self.assertNotEqual(card.code, taken.code)

    def test_new_card_is_made_whole_and_sends_the_programs_mails(self):
        """The card made on the first payment has its company and balance
        from the start, and the program's communication plan sends what
        Odoo would: the creation mail and the milestone reached."""
        templates = self.env["mail.template"].create(
            [
                {
                    "name": name,
                    "model_id": self.env["ir.model"]._get_id("loyalty.card"),
                    "subject": name,
                    "email_to": "{{ object.partner_id.email }}",
                }
                for name in ("Welcome card", "Hundred points")
            ]
        )
        self.program.communication_plan_ids = [
            Command.create({"trigger": "create", "mail_template_id": templates[0].id}),
            Command.create(
                {
                    "trigger": "points_reach",
                    "points": 100.0,
                    "mail_template_id": templates[1].id,
                }
            ),
        ]
        self.customer.email = "customer@example.com"
        self._pay(self._invoice(250.0))
        card = self._card()
        self.assertEqual(card.company_id, self.company)
        self.assertEqual(card.points, 250.0)
        self.assertTrue(card.code)
        mails = self.env["mail.mail"].search(
            [("model", "=", "loyalty.card"), ("res_id", "=", card.id)]
        )
        self.assertEqual(
            sorted(mails.mapped("subject")), ["Hundred points", "Welcome card"]
        )

    def test_new_card_through_create_when_another_module_adds_a_default(self):
        """A field another module gives the card, with a default, is filled
        as create() fills it: the cards are then made through create()."""
        field = self.env["loyalty.card"]._fields["lifecycle_expiry_check_date"]
        with patch.object(
            field, "default", lambda card: fields.Date.to_date("2020-01-01")
        ):
            self._pay(self._invoice(250.0))
        card = self._card()
        self.assertEqual(card.points, 250.0)
        self.assertEqual(card.company_id, self.company)
        self.assertEqual(
            card.lifecycle_expiry_check_date, fields.Date.to_date("2020-01-01")
        )

    def test_partial_payments_earn_in_proportion_and_once(self):
        invoice = self._invoice(400.0)
        self._pay(invoice, amount=100.0)
        self.assertEqual(self._card().points, 100.0)
        self._pay(invoice, amount=200.0)
        self.assertEqual(self._card().points, 300.0)
        self._pay(invoice, amount=100.0)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(self._card().points, 400.0)
        self.assertEqual(self._history().mapped("issued"), [100.0, 200.0, 100.0])

    def test_taxed_basis_and_categories(self):
        tax = self.env["account.tax"].create(
            {"name": "Tax 20", "amount": 20.0, "company_id": self.company.id}
        )
        category = self.env["product.category"].create({"name": "Earning"})
        subcategory = self.env["product.category"].create(
            {"name": "Earning child", "parent_id": category.id}
        )
        earning = self.env["product.product"].create(
            {"name": "Earning product", "categ_id": subcategory.id, "lst_price": 300.0}
        )
        other = self.env["product.product"].create(
            {"name": "Other product", "lst_price": 700.0}
        )
        self.company.write(
            {
                "lifecycle_loyalty_points_basis": "taxed",
                "lifecycle_loyalty_points_rate": 0.5,
                "lifecycle_loyalty_category_ids": [Command.set(category.ids)],
            }
        )
        invoice = self.init_invoice(
            "out_invoice",
            partner=self.customer,
            products=earning + other,
            taxes=[tax],
        )
        invoice.action_post()
        self.assertEqual(invoice.amount_total, 1200.0)
        self._pay(invoice)
        # 0.5 point per unit on the earning line only, taxes included.
        self.assertEqual(self._card().points, 0.5 * 360.0)

    def test_foreign_currency_invoice_earns_on_company_currency(self):
        eur = self.setup_other_currency("EUR", rates=[("2010-01-01", 2.0)])
        invoice = self._invoice(300.0, currency=eur)
        self.assertEqual(invoice.amount_total_signed, 150.0)
        self._pay(invoice, amount=150.0, currency_id=eur.id)
        self.assertEqual(self._card().points, 75.0)
        self._pay(invoice, amount=150.0, currency_id=eur.id)
        self.assertEqual(self._card().points, 150.0)

    def test_cron_rerun_and_reconcile_again_never_award_twice(self):
        invoice = self._invoice(300.0)
        payment = self._pay(invoice)
        self.assertEqual(self._card().points, 300.0)

        self.env["res.partner"]._lifecycle_recompute_all()
        self.env["res.partner"]._lifecycle_recompute_all()
        self._recompute()
        self.assertEqual(self._card().points, 300.0)
        self.assertEqual(len(self._history()), 1)

        self._unreconcile(payment)
        self.assertEqual(self._card().points, 0.0)
        (payment.move_id.line_ids | invoice.line_ids).filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        ).reconcile()
        self.env.cr.flush()
        self.env["res.partner"]._lifecycle_recompute_all()
        self.assertEqual(self._card().points, 300.0)
        self.assertEqual(self._history().mapped("issued"), [300.0, 0.0, 300.0])
        self.assertEqual(self._history().mapped("used"), [0.0, 300.0, 0.0])

    def test_unreconcile_takes_points_back(self):
        invoice = self._invoice(200.0)
        payment = self._pay(invoice)
        self._unreconcile(payment)
        card = self._card()
        self.assertEqual(card.points, 0.0)
        self.assertEqual(invoice.lifecycle_loyalty_points, 0.0)
        take_back = self._history(card)[-1]
        self.assertEqual(take_back.used, 200.0)
        self.assertEqual(take_back.lifecycle_kind, "take_back")
        self.assertIn(invoice.name, take_back.description)

    def test_credit_note_refunded_takes_points_back(self):
        invoice = self._invoice(500.0)
        self._pay(invoice)
        self.assertEqual(self._card().points, 500.0)

        refund = self._invoice(200.0, move_type="out_refund")
        flush_events(self.env)
        self.assertEqual(self._card().points, 500.0, "nothing refunded yet")
        self._pay(refund)
        self.assertEqual(self._card().points, 300.0)
        self.assertEqual(refund.lifecycle_loyalty_points, -200.0)
        line = self._history()[-1]
        self.assertEqual((line.order_model, line.order_id), ("account.move", refund.id))
        self.assertEqual(line.used, 200.0)
        self.assertIn(refund.name, line.description)

    def test_credit_note_on_unpaid_invoice_nets_to_zero(self):
        invoice = self._invoice(300.0)
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "cancel"})
        )
        reversal.refund_moves()
        refund = invoice.reversal_move_ids
        # Posting the credit note of an unpaid invoice reconciles them.
        refund.action_post()
        flush_events(self.env)
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertEqual(self._card().points, 0.0)
        self.assertEqual(invoice.lifecycle_loyalty_points, 300.0)
        self.assertEqual(refund.lifecycle_loyalty_points, -300.0)

    def test_no_program_no_points(self):
        self.company.lifecycle_loyalty_program_id = False
        self._pay(self._invoice(300.0))
        self.assertFalse(self._card())
        self.assertEqual(self.customer.loyalty_points, 0.0)

    def test_events_run_only_the_passes_they_need(self):
        """Posting moves no money: the invoice's partner gets its phase and
        payment figures, not a loyalty pass; a payment moves money, not the
        phase; a paid invoice put back to draft gets every pass; an order
        only its phase."""
        calls = []

        def spy(name, original):
            # engine._recompute(partners), partners._payment_recompute()
            def recompute(model, *partners):
                calls.append((name, (partners[0] if partners else model).ids))
                return original(model, *partners)

            return recompute

        def passes():
            flush_events(self.env)
            ran = sorted(calls)
            calls.clear()
            return ran

        Engine = self.registry["crm.lifecycle.engine"]
        Loyalty = self.registry["crm.lifecycle.loyalty.engine"]
        Partner = self.registry["res.partner"]
        spies = (
            patch.object(Engine, "_recompute", spy("phase", Engine._recompute)),
            patch.object(Loyalty, "_recompute", spy("loyalty", Loyalty._recompute)),
            patch.object(
                Partner,
                "_payment_recompute",
                spy("payment", Partner._payment_recompute),
            ),
        )
        ids = self.customer.ids
        # Whatever an earlier test left pending is not this test's business.
        flush_events(self.env)
        with spies[0], spies[1], spies[2]:
            invoice = self._invoice(300.0)
            self.assertEqual(passes(), [("payment", ids), ("phase", ids)])
            self.assertEqual(self.customer.lifecycle_phase, "retention")

            self._pay(invoice)
            self.assertEqual(passes(), [("loyalty", ids), ("payment", ids)])
            self.assertEqual(self._card().points, 300.0)

            invoice.button_draft()
            self.assertEqual(
                passes(), [("loyalty", ids), ("payment", ids), ("phase", ids)]
            )
            self.assertEqual(self._card().points, 0.0)

            self.env["sale.order"].create({"partner_id": self.customer.id})
            self.assertEqual(passes(), [("phase", ids)])
