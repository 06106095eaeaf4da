from odoo import api, fields, models

from .crm_lifecycle_retention import SCORE_COLUMNS

RFM_SEGMENTS = [
    ("champions", "Champions"),
    ("loyal", "Loyal"),
    ("potential_loyalist", "Potential Loyalist"),
    ("new", "New"),
    ("promising", "Promising"),
    ("need_attention", "Need Attention"),
    ("about_to_sleep", "About to Sleep"),
    ("at_risk", "At Risk"),
    ("cant_lose", "Can't Lose Them"),
    ("hibernating", "Hibernating"),
    ("lost", "Lost"),
]

# Upper bound (exclusive) of each age band, in years.
AGE_BANDS = [
    ("under_25", "Under 25", 25),
    ("25_34", "25-34", 35),
    ("35_44", "35-44", 45),
    ("45_54", "45-54", 55),
    ("55_64", "55-64", 65),
    ("65_plus", "65 and over", None),
]

USER_GROUP = "crm_lifecycle.group_crm_lifecycle_user"

# Written by the retention analytics only (in SQL), never by hand.
RETENTION_SCORE_FIELDS = {
    *SCORE_COLUMNS,
    "churn_probability_previous",
    "churn_previous_date",
    "retention_reminder_date",
    "retention_score_date",
}


def age_band(birthdate, today):
    """The age band of someone born on ``birthdate``, on ``today``."""
    if not birthdate or birthdate > today:
        return False
    age = (
        today.year
        - birthdate.year
        - ((today.month, today.day) < (birthdate.month, birthdate.day))
    )
    for key, _label, upper in AGE_BANDS:
        if upper is None or age < upper:
            return key
    return False


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    # Scores are per company (a partner shared by two companies is a
    # different customer of each): company-dependent fields, written by
    # the retention scheduled action only. Not indexed: nothing searches a
    # whole jsonb column, and 13 indexes would slow every partner write.
    rfm_recency_score = fields.Integer(
        string="Recency Score",
        company_dependent=True,
        index=False,
        readonly=True,
        groups=USER_GROUP,
        help="1 to 5: quintile of the last purchase date among the company's "
        "customers (5: most recent).",
    )
    rfm_frequency_score = fields.Integer(
        string="Frequency Score",
        company_dependent=True,
        index=False,
        readonly=True,
        groups=USER_GROUP,
        help="1 to 5: quintile of the number of purchase days in the RFM window.",
    )
    rfm_monetary_score = fields.Integer(
        string="Monetary Score",
        company_dependent=True,
        index=False,
        readonly=True,
        groups=USER_GROUP,
        help="1 to 5: quintile of the net invoiced amount in the RFM window.",
    )
    # Not indexed by Odoo either (see payment_grade): its index of the rows
    # with a value cannot serve a filter on one segment. An index per
    # company on the segment does (_lifecycle_create_filter_indexes).
    rfm_segment = fields.Selection(
        RFM_SEGMENTS,
        string="RFM Segment",
        company_dependent=True,
        index=False,
        readonly=True,
        groups=USER_GROUP,
    )
    churn_probability = fields.Float(
        company_dependent=True,
        index=False,
        readonly=True,
        groups=USER_GROUP,
        aggregator="avg",
        digits=(16, 4),
        help="1 - P(alive) under the company's BG/NBD model.",
    )
    churn_probability_previous = fields.Float(
        string="Churn Probability a Week Before",
        company_dependent=True,
        index=False,
        readonly=True,
        groups=USER_GROUP,
        digits=(16, 4),
        help="The churn probability as it was when last kept, once a week, by "
        "the retention scheduled action: a rise above the call-back threshold "
        "since then puts a Champion or Loyal customer on the salesperson's "
        "list of customers to act on.",
    )
    churn_previous_date = fields.Date(
        string="Previous Churn Probability Kept On",
        company_dependent=True,
        index=False,
        readonly=True,
        groups=USER_GROUP,
        help="Technical: the day the previous churn probability was kept.",
    )
    expected_purchases_365 = fields.Float(
        string="Expected Purchases (365 days)",
        company_dependent=True,
        index=False,
        readonly=True,
        groups=USER_GROUP,
        digits=(16, 2),
    )
    clv_predicted = fields.Float(
        string="Predicted CLV",
        company_dependent=True,
        index=False,
        readonly=True,
        groups=USER_GROUP,
        digits=(16, 2),
        help="Discounted value of the purchases expected over the horizon set "
        "in Settings, in company currency.",
    )
    clv_historical = fields.Float(
        string="Historical CLV",
        company_dependent=True,
        index=False,
        readonly=True,
        groups=USER_GROUP,
        digits=(16, 2),
        help="Net invoiced untaxed amount to date (credit notes deducted), in "
        "company currency.",
    )
    clv_scored = fields.Boolean(
        string="Has CLV Scores",
        company_dependent=True,
        index=False,
        readonly=True,
        groups=USER_GROUP,
        help="Technical: the company's model could be fitted and scored this "
        "customer.",
    )
    retention_last_purchase_date = fields.Date(
        string="Last Purchase",
        company_dependent=True,
        index=False,
        readonly=True,
        groups=USER_GROUP,
    )
    retention_purchase_interval = fields.Float(
        string="Usual Purchase Interval (days)",
        company_dependent=True,
        index=False,
        readonly=True,
        groups=USER_GROUP,
        digits=(16, 1),
        help="Mean number of days between two purchase days.",
    )
    retention_reminder_date = fields.Date(
        string="Reminded for Purchase of",
        company_dependent=True,
        index=False,
        readonly=True,
        groups=USER_GROUP,
        help="Technical: the last purchase date a call-back reminder was "
        "created for (one reminder per purchase cycle).",
    )
    retention_score_date = fields.Date(
        company_dependent=True,
        index=False,
        readonly=True,
        groups=USER_GROUP,
        help="Technical: the day the retention scheduled action last scored "
        "this customer.",
    )
    # Demographics: optional, on individuals.
    birthdate = fields.Date(groups=USER_GROUP)
    age_band = fields.Selection(
        [(key, label) for key, label, _upper in AGE_BANDS],
        compute="_compute_age_band",
        store=True,
        groups=USER_GROUP,
        help="Recomputed every day by the retention scheduled action.",
    )
    gender = fields.Selection(
        [("female", "Female"), ("male", "Male"), ("other", "Other")],
        groups=USER_GROUP,
    )
    income_band = fields.Selection(
        [
            ("low", "Low"),
            ("lower_middle", "Lower Middle"),
            ("upper_middle", "Upper Middle"),
            ("high", "High"),
        ],
        groups=USER_GROUP,
    )
    education_level = fields.Selection(
        [
            ("primary", "Primary"),
            ("secondary", "Secondary"),
            ("vocational", "Vocational"),
            ("bachelor", "Bachelor"),
            ("master", "Master"),
            ("doctorate", "Doctorate"),
        ],
        groups=USER_GROUP,
    )

    # ------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------

    @api.depends("birthdate")
    def _compute_age_band(self):
        today = fields.Date.context_today(self)
        for partner in self:
            partner.age_band = age_band(partner.birthdate, today)

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model
    def _lifecycle_engine_fields(self):
        return (
            super()._lifecycle_engine_fields() | RETENTION_SCORE_FIELDS | {"age_band"}
        )

    # ------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------

    @api.model
    def _cron_retention_recompute(self, batch_size=None):
        """Daily: fit each company's CLV models, then score its customers
        (RFM, churn, CLV) one batch per call and remind salespeople of the
        customers overdue for a purchase.

        Resumable (a customer is marked once scored today, a company once
        fitted today), idempotent (one reminder per purchase cycle); a
        failing batch is retried one customer at a time and a bad customer
        is logged and skipped. Returns the number of steps still to do."""
        return self.env["crm.lifecycle.retention"].sudo()._run_step(batch_size)

    @api.model
    def _retention_recompute_all(self, batch_size=None):
        """Refit and rescore every company to the end in this transaction,
        even if done today (tests, benchmark, a manager's request)."""
        return self.env["crm.lifecycle.retention"].sudo()._run_all(batch_size)

    @api.model
    def _retention_refresh_age_bands(self):
        """Recompute the age band of the partners whose birthday moved them
        to another band since it was last computed."""
        today = fields.Date.context_today(self)
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT id, birthdate, age_band FROM res_partner"
            " WHERE birthdate IS NOT NULL OR age_band IS NOT NULL"
        )
        stale = [
            pid
            for pid, birthdate, band in self.env.cr.fetchall()
            if age_band(birthdate, today) != (band or False)
        ]
        if stale:
            partners = self.sudo().browse(stale)
            # Compute from the birthdates just read, not from a stale cache.
            partners.invalidate_recordset(["birthdate"])
            self.env.add_to_compute(self._fields["age_band"], partners)
            partners.flush_recordset(["age_band"])
        return len(stale)
