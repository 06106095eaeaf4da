import ast

from lxml import etree

from odoo.tests import TransactionCase, tagged

# (model, view type, view xmlid or None for the default, xpath of the field
# node, widget, currency field): dates of rebuilt history as dates, shares
# of 0 to 1 as percentages, money with the company currency.
DISPLAY = [
    (
        "crm.lifecycle.phase.history",
        "list",
        "crm_lifecycle.crm_lifecycle_phase_history_view_list",
        "//field[@name='date_start']",
        "date",
        None,
    ),
    (
        "crm.lifecycle.phase.history",
        "list",
        "crm_lifecycle.crm_lifecycle_phase_history_view_list",
        "//field[@name='date_end']",
        "date",
        None,
    ),
    (
        "res.partner",
        "form",
        "base.view_partner_form",
        "//field[@name='lifecycle_history_ids']//field[@name='date_start']",
        "date",
        None,
    ),
    (
        "res.partner",
        "form",
        "base.view_partner_form",
        "//field[@name='lifecycle_history_ids']//field[@name='date_end']",
        "date",
        None,
    ),
    (
        "res.partner",
        "form",
        "base.view_partner_form",
        "//field[@name='lifecycle_phase_since']",
        "date",
        None,
    ),
    (
        "res.partner",
        "form",
        "base.view_partner_form",
        "//field[@name='churn_probability']",
        "percentage",
        None,
    ),
    (
        "res.partner",
        "form",
        "base.view_partner_form",
        "//field[@name='clv_predicted']",
        "monetary",
        "currency_id",
    ),
    (
        "res.partner",
        "form",
        "base.view_partner_form",
        "//field[@name='clv_historical']",
        "monetary",
        "currency_id",
    ),
    (
        "res.partner",
        "form",
        "base.view_partner_form",
        "//field[@name='payment_overdue_amount']",
        "monetary",
        "payment_currency_id",
    ),
    (
        "res.partner",
        "form",
        "base.view_partner_form",
        "//field[@name='loyalty_next_tier_missing'][@widget]",
        "monetary",
        "currency_id",
    ),
    (
        "res.partner",
        "list",
        "base.view_partner_tree",
        "//field[@name='churn_probability']",
        "percentage",
        None,
    ),
    (
        "res.partner",
        "list",
        "base.view_partner_tree",
        "//field[@name='clv_predicted']",
        "monetary",
        "currency_id",
    ),
    (
        "res.partner",
        "list",
        "base.view_partner_tree",
        "//field[@name='payment_overdue_amount']",
        "monetary",
        "payment_currency_id",
    ),
    (
        "res.partner",
        "pivot",
        "crm_lifecycle.res_partner_view_pivot_crm_lifecycle_segments",
        "//field[@name='churn_probability']",
        "percentage",
        None,
    ),
    (
        "crm.lifecycle.action.item",
        "list",
        "crm_lifecycle.crm_lifecycle_action_item_view_list",
        "//field[@name='churn_probability']",
        "percentage",
        None,
    ),
    (
        "crm.lifecycle.action.item",
        "list",
        "crm_lifecycle.crm_lifecycle_action_item_view_list",
        "//field[@name='clv_predicted']",
        "monetary",
        None,
    ),
]


@tagged("post_install", "-at_install")
class TestDisplayWidgets(TransactionCase):
    """The views as a user with every lifecycle and accounting right gets
    them: history dates as dates, probabilities as percentages, amounts in
    the company currency (whose field is in the view)."""

    def test_dates_percentages_and_money(self):
        env = self.env(user=self.env.ref("base.user_admin"))
        for model, view_type, xmlid, xpath, widget, currency in DISPLAY:
            with self.subTest(model=model, view=xmlid, field=xpath):
                view_id = self.env.ref(xmlid).id
                arch = env[model].get_views([(view_id, view_type)])["views"][view_type][
                    "arch"
                ]
                root = etree.fromstring(arch)
                nodes = root.xpath(xpath)
                self.assertTrue(nodes)
                for node in nodes:
                    self.assertEqual(node.get("widget"), widget)
                    if currency:
                        options = ast.literal_eval(node.get("options") or "{}")
                        self.assertEqual(options.get("currency_field"), currency)
                        self.assertTrue(root.xpath(f"//field[@name='{currency}']"))

    def test_on_time_ratio_shows_with_a_percent_sign(self):
        """The percentage widget multiplies by 100: the on-time ratio, 0 to
        100, is shown as it is, with a "%" after it."""
        env = self.env(user=self.env.ref("base.user_admin"))
        form = env["res.partner"].get_views([(False, "form")])["views"]["form"]
        root = etree.fromstring(form["arch"])
        ratio = root.xpath(
            "//page[@name='crm_lifecycle_payment']"
            "//field[@name='payment_on_time_ratio']"
        )
        self.assertEqual(len(ratio), 1)
        self.assertFalse(ratio[0].get("widget"))
        self.assertEqual(ratio[0].getnext().text, "%")
