import logging

from odoo import api, fields, models
from odoo.tools import float_compare, float_round
from odoo.tools.misc import formatLang

_logger = logging.getLogger(__name__)

PAYMENT_GRADES = [
    ("A", "A"),
    ("B", "B"),
    ("C", "C"),
    ("D", "D"),
    ("E", "E"),
]
PAYMENT_TRENDS = [
    ("improving", "Improving"),
    ("stable", "Stable"),
    ("worsening", "Worsening"),
]
# The settings of the payment grades (see crm_lifecycle_settings): the
# least on-time ratio (%) for grades A to D, and the delay (days) that makes
# any customer an E.
PAYMENT_GRADE_SETTINGS = (
    "payment_grade_a_ratio",
    "payment_grade_b_ratio",
    "payment_grade_c_ratio",
    "payment_grade_d_ratio",
    "payment_grade_e_days",
)
ACCOUNTING_GROUPS = "account.group_account_invoice,account.group_account_readonly"


class ResPartner(models.Model):
    """Credit payment history of a customer, per company.

    The figures are company-dependent fields: each company holds its own,
    from its own receivables and in its own currency, all stored in one jsonb
    column on the commercial partner and searchable in the current company.
    """

    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    # Odoo indexes a company-dependent field (its rows with a value) unless
    # told otherwise. None of these: such an index cannot serve a filter on
    # the value (grade D in the partner list), which reads one company's
    # key in the jsonb; the planner walked every partner with a value in
    # any company through it, to keep those of one grade. And each
    # index is written again with every new version of a partner row: with
    # none on the columns the retention job writes, PostgreSQL can update
    # the row in place (HOT) where its page has room, without touching any
    # of the table's 31 indexes. The grade and the trend, which the list
    # filters on and which change seldom, have an index per company on the
    # very expression Odoo filters (res_partner_indexes.py,
    # _lifecycle_create_filter_indexes).
    payment_grade = fields.Selection(
        PAYMENT_GRADES,
        company_dependent=True,
        index=False,
        readonly=True,
        groups="base.group_user",
        help="A (pays on time) to E (pays late or not at all), from the "
        "on-time ratio and the worst delay of the last 12 months, with the "
        "thresholds set in Settings.",
    )
    payment_on_time_ratio = fields.Float(
        string="Paid on Time (%)",
        company_dependent=True,
        index=False,
        readonly=True,
        digits=(16, 1),
        groups="base.group_user",
        help="Of the amount that fell due in the last 12 months (or was paid "
        "before falling due), the share paid by its due date. An overdue "
        "amount counts as not paid on time.",
    )
    payment_avg_days_late = fields.Float(
        string="Average Days Late",
        company_dependent=True,
        index=False,
        readonly=True,
        digits=(16, 1),
        groups=ACCOUNTING_GROUPS,
        help="Days late weighted by amount, last 12 months: an amount paid on "
        "time counts 0 days, an overdue amount counts the days until today.",
    )
    payment_max_days_late = fields.Integer(
        string="Worst Delay (days)",
        company_dependent=True,
        index=False,
        readonly=True,
        groups=ACCOUNTING_GROUPS,
        help="The longest delay of an installment due in the last 12 months.",
    )
    payment_avg_days_to_pay = fields.Float(
        string="Average Days to Pay",
        company_dependent=True,
        index=False,
        readonly=True,
        digits=(16, 1),
        groups=ACCOUNTING_GROUPS,
        help="From invoice date to payment, weighted by amount paid, last 12 "
        "months.",
    )
    payment_overdue_amount = fields.Float(
        string="Overdue Amount",
        company_dependent=True,
        index=False,
        readonly=True,
        digits="Account",
        groups=ACCOUNTING_GROUPS,
        help="What is overdue today, in the company currency.",
    )
    payment_overdue_count = fields.Integer(
        string="Overdue Installments",
        company_dependent=True,
        index=False,
        readonly=True,
        groups=ACCOUNTING_GROUPS,
    )
    payment_grade_previous = fields.Selection(
        PAYMENT_GRADES,
        string="Previous Payment Grade",
        company_dependent=True,
        index=False,
        readonly=True,
        groups=ACCOUNTING_GROUPS,
        help="The grade of the 12 months before the last 12 months.",
    )
    payment_trend = fields.Selection(
        PAYMENT_TRENDS,
        company_dependent=True,
        index=False,
        readonly=True,
        groups=ACCOUNTING_GROUPS,
        help="The grade of the last 12 months against the 12 months before.",
    )
    payment_currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_payment_currency_id",
        groups=ACCOUNTING_GROUPS,
    )
    payment_installment_count = fields.Integer(
        string="Installments",
        compute="_compute_payment_installment_count",
        groups=ACCOUNTING_GROUPS,
    )

    @api.model
    def _lifecycle_engine_fields(self):
        return super()._lifecycle_engine_fields() | {
            "payment_grade",
            "payment_on_time_ratio",
            "payment_avg_days_late",
            "payment_max_days_late",
            "payment_avg_days_to_pay",
            "payment_overdue_amount",
            "payment_overdue_count",
            "payment_grade_previous",
            "payment_trend",
        }

    # ------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------

    @api.depends_context("company")
    def _compute_payment_currency_id(self):
        self.payment_currency_id = self.env.company.currency_id

    @api.depends_context("company", "allowed_company_ids")
    def _compute_payment_installment_count(self):
        partners = self.commercial_partner_id
        counts = dict(
            self.env["crm.lifecycle.payment.installment"]._read_group(
                [("partner_id", "in", partners.ids)],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.payment_installment_count = counts.get(
                partner.commercial_partner_id, 0
            )

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_view_payment_installments(self):
        """Open the payment history of the customer: its installments."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_lifecycle.crm_lifecycle_payment_installment_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        return action

    def action_print_payment_history(self):
        """Open the wizard that prints the payment history for a period."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Customer Payment History"),
            "res_model": "crm.lifecycle.payment.report.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_ids": self.commercial_partner_id.ids},
        }

    # ------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------

    def _lifecycle_pass_payment(self):
        """The payment pass of the pipeline (res_partner_pipeline.py): the
        events that move money or invoices (invoice posted, payment
        reconciled or unreconciled) and the daily scheduled action refresh
        the payment figures of the partners, set-based."""
        self.commercial_partner_id.sudo()._payment_recompute()

    def _payment_recompute(self):
        """Recompute the payment figures of these commercial partners in
        every company: one query for all, then one write per company and set
        of values, only where something changed."""
        # Every company's figures, whoever triggers it: as superuser.
        partners = self.sudo().filtered(lambda p: p.id == p.commercial_partner_id.id)
        if not partners:
            return
        figures = self.env["crm.lifecycle.payment.installment"]._read_partner_figures(
            partners.ids
        )
        thresholds = self._payment_grade_thresholds()
        companies = self.env["res.company"].sudo().search([])
        for company in companies:
            self._payment_write_company(
                partners.with_company(company), company, figures, thresholds
            )

    def _payment_write_company(self, partners, company, figures, thresholds):
        """Only the partners whose figures changed, in one UPDATE: the
        figures are derived, never tracked nor edited."""
        fnames = list(self._payment_values(None, thresholds))
        partners.fetch(fnames)
        changes = {}
        for partner in partners:
            vals = self._payment_values(
                figures.get((partner.id, company.id)), thresholds
            )
            if any(partner[fname] != vals[fname] for fname in fnames):
                changes[partner.id] = vals
        self._lifecycle_bulk_update(changes, company=company)

    @api.model
    def _payment_values(self, figures, thresholds):
        """The field values of one partner in one company, from its figures
        (None: no receivable there)."""
        if not figures:
            figures = {"current": {}, "previous": {}}
        current, previous = figures["current"], figures["previous"]
        grade = self._payment_grade(current, thresholds)
        grade_previous = self._payment_grade(previous, thresholds)
        return {
            "payment_grade": grade,
            "payment_grade_previous": grade_previous,
            "payment_trend": self._payment_trend(grade, grade_previous),
            "payment_on_time_ratio": float_round(
                current.get("on_time_ratio", 0.0), precision_digits=1
            ),
            "payment_avg_days_late": float_round(
                current.get("avg_days_late", 0.0), precision_digits=1
            ),
            "payment_avg_days_to_pay": float_round(
                current.get("avg_days_to_pay", 0.0), precision_digits=1
            ),
            "payment_max_days_late": current.get("max_days_late", 0),
            "payment_overdue_amount": float_round(
                figures.get("overdue_amount", 0.0), precision_digits=2
            ),
            "payment_overdue_count": figures.get("overdue_count", 0),
        }

    @api.model
    def _payment_grade_thresholds(self):
        return self.env["crm.lifecycle.settings"]._get_many(PAYMENT_GRADE_SETTINGS)

    @api.model
    def _payment_grade(self, window, thresholds):
        """A to E from the figures of one window; False without any amount
        due or paid in it."""
        if not window.get("has_data"):
            return False
        if thresholds["payment_grade_e_days"] and (
            window["max_days_late"] > thresholds["payment_grade_e_days"]
        ):
            return "E"
        ratio = float_round(window["on_time_ratio"], precision_digits=1)
        for grade in ("a", "b", "c", "d"):
            if ratio >= thresholds[f"payment_grade_{grade}_ratio"]:
                return grade.upper()
        return "E"

    @api.model
    def _payment_trend(self, grade, grade_previous):
        if not grade or not grade_previous:
            return False
        if grade == grade_previous:
            return "stable"
        # "A" < "E": a smaller letter is a better grade.
        return "improving" if grade < grade_previous else "worsening"

    def _payment_warning_message(self, company):
        """The warning to show on a new quotation or invoice of this customer
        in ``company``, or False: graded E, or more overdue than the
        threshold. Off unless enabled in Settings."""
        settings = self.env["crm.lifecycle.settings"]
        if not self or not settings._get("payment_warning"):
            return False
        threshold = settings._get("payment_warning_overdue_amount")
        # Whoever writes the document, a salesperson too, gets the warning
        # but not the overdue amount, which only accountants may read.
        partner = self.commercial_partner_id.sudo().with_company(company)
        if partner.payment_grade == "E":
            return self.env._(
                "%(partner)s is graded E for payments: it pays late or not at "
                "all. Consider asking for an advance payment.",
                partner=partner.display_name,
            )
        currency = company.currency_id
        if (
            partner.payment_overdue_amount
            and float_compare(
                partner.payment_overdue_amount,
                threshold,
                precision_rounding=currency.rounding,
            )
            > 0
        ):
            return self.env._(
                "%(partner)s has overdue invoices for more than %(threshold)s.",
                partner=partner.display_name,
                threshold=formatLang(self.env, threshold, currency_obj=currency),
            )
        return False
