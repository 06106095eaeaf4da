import os

import polib

from odoo.exceptions import UserError
from odoo.modules.module import get_module_path
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools.translate import TranslationModuleReader

LANGUAGES = ("tr", "el", "fa")


def _i18n_path(filename):
    return os.path.join(get_module_path("crm_lifecycle"), "i18n", filename)


@tagged("post_install", "-at_install")
class TestI18nFiles(TransactionCase):
    """The shipped template and translations keep up with the module."""

    def _pot_msgids(self):
        pot = polib.pofile(_i18n_path("crm_lifecycle.pot"))
        return {entry.msgid for entry in pot if not entry.obsolete}

    def test_pot_holds_every_term_of_the_module(self):
        reader = TranslationModuleReader(self.env.cr, modules=["crm_lifecycle"])
        module_terms = {source for _module, _type, _name, _id, source, *_ in reader}
        self.assertGreater(len(module_terms), 400)
        shipped = self._pot_msgids()
        new, gone = sorted(module_terms - shipped), sorted(shipped - module_terms)
        self.assertFalse(
            new or gone,
            "crm_lifecycle.pot is out of date: run tools/i18n.\n"
            f"Not in the .pot ({len(new)}): {[term[:80] for term in new]}\n"
            f"No longer in the module ({len(gone)}): {[term[:80] for term in gone]}",
        )

    def test_every_term_is_translated_in_turkish_greek_and_persian(self):
        pot_msgids = self._pot_msgids()
        for lang in LANGUAGES:
            with self.subTest(lang=lang):
                po = polib.pofile(_i18n_path(f"{lang}.po"))
                translated = {
                    entry.msgid
                    for entry in po
                    if not entry.obsolete and entry.translated()
                }
                fuzzy = sorted(entry.msgid[:80] for entry in po if entry.fuzzy)
                missing = sorted(term[:80] for term in pot_msgids - translated)
                self.assertFalse(
                    missing or fuzzy,
                    f"{lang}.po: {len(missing)} terms missing, {len(fuzzy)} fuzzy: "
                    "run tools/i18n and translate them.\n"
                    f"Missing: {missing}\nFuzzy: {fuzzy}",
                )
                self.assertEqual(po.metadata.get("Language"), lang)


@tagged("post_install", "-at_install")
class TestI18nLabels(TransactionCase):
    """Loaded into Odoo, the translations reach the labels users read."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in ("tr_TR", "el_GR", "fa_IR"):
            cls.env["res.lang"]._activate_lang(code)
        cls.env["ir.module.module"]._load_module_terms(
            ["crm_lifecycle"], ["tr_TR", "el_GR", "fa_IR"], overwrite=True
        )

    def _selection_labels(self, model, field, lang):
        env = self.env(context=dict(self.env.context, lang=lang))
        return dict(env[model]._fields[field]._description_selection(env))

    def test_phase_labels_in_turkish(self):
        self.assertEqual(
            self._selection_labels("res.partner", "lifecycle_phase", "tr_TR"),
            {
                "selection": "Seçim",
                "acquisition": "Kazanım",
                "retention": "Elde Tutma",
                "extension": "Genişleme",
            },
        )

    def test_phase_labels_in_greek(self):
        self.assertEqual(
            self._selection_labels("res.partner", "lifecycle_phase", "el_GR"),
            {
                "selection": "Επιλογή",
                "acquisition": "Απόκτηση",
                "retention": "Διατήρηση",
                "extension": "Επέκταση",
            },
        )

    def test_nps_categories_and_installment_status_in_persian(self):
        nps = self._selection_labels(
            "crm.lifecycle.survey.response", "nps_category", "fa_IR"
        )
        self.assertEqual(
            [nps["promoter"], nps["passive"], nps["detractor"]],
            ["مروج", "خنثی", "منتقد"],
        )
        status = self._selection_labels(
            "crm.lifecycle.payment.installment", "status", "fa_IR"
        )
        self.assertEqual(status["overdue"], "معوق")

    def test_loyalty_tier_names_and_error_messages_are_translated(self):
        gold = self.env.ref("crm_lifecycle.crm_lifecycle_loyalty_tier_gold")
        self.assertEqual(gold.with_context(lang="tr_TR").name, "Altın")
        self.assertEqual(gold.with_context(lang="el_GR").name, "Χρυσό")
        self.assertEqual(gold.with_context(lang="fa_IR").name, "طلایی")

    def test_user_error_is_raised_in_the_users_language(self):
        partner = self.env["res.partner"].create({"name": "Ege Makina"})
        wizard = (
            self.env["crm.lifecycle.phase.set"]
            .with_context(lang="tr_TR")
            .create({"partner_ids": partner.ids, "phase": "retention", "reason": " "})
        )
        with self.assertRaisesRegex(UserError, "^Gerekçe zorunludur: aşamanın neden"):
            wizard.action_apply()
        self.assertFalse(partner.lifecycle_phase_locked)

    def test_points_expiry_mail_in_turkish_uses_turkish_number_format(self):
        template = self.env.ref("crm_lifecycle.mail_template_loyalty_points_expiring")
        partner = self.env["res.partner"].create(
            {"name": "Ege Makina", "lang": "tr_TR", "email": "ege@example.com"}
        )
        program = self.env["loyalty.program"].create(
            {"name": "Sadakat", "program_type": "loyalty"}
        )
        card = self.env["loyalty.card"].create(
            {"program_id": program.id, "partner_id": partner.id, "points": 1250.5}
        )
        body = template._render_field("body_html", card.ids, compute_lang=True)[card.id]
        self.assertIn("Sayın", body)
        self.assertIn("1.250,5", body)
        self.assertNotIn("1250.5", body)


@tagged("post_install", "-at_install")
class TestI18nPersianTour(HttpCase):
    """A Persian user sees the customer form and the funnel right-to-left."""

    def setUp(self):
        super().setUp()
        self.env["res.lang"]._activate_lang("fa_IR")
        self.env["ir.module.module"]._load_module_terms(
            ["crm_lifecycle"], ["fa_IR"], overwrite=True
        )
        new_test_user(
            self.env,
            login="lc_fa_manager",
            lang="fa_IR",
            groups="sales_team.group_sale_manager,base.group_partner_manager,"
            "account.group_account_invoice",
        )
        self.customer = self.env["res.partner"].create(
            {"name": "بازرگانی پارس", "is_company": True}
        )
        self.env["crm.lead"].create(
            {"name": "Fleet", "type": "opportunity", "partner_id": self.customer.id}
        )
        self.env.cr.flush()

    def test_partner_form_is_right_to_left_and_in_persian(self):
        self.assertEqual(self.customer.lifecycle_phase, "acquisition")
        self.start_tour(
            f"/odoo/res.partner/{self.customer.id}",
            "crm_lifecycle_rtl_partner_tour",
            login="lc_fa_manager",
        )

    def test_funnel_is_right_to_left_and_in_persian(self):
        self.start_tour(
            "/odoo/action-crm_lifecycle.crm_lifecycle_funnel_summary_action",
            "crm_lifecycle_rtl_funnel_tour",
            login="lc_fa_manager",
        )
