import logging
from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# The figures of the latest answer set on the customer, per company.
SURVEY_FIGURES = [
    "nps_last_score",
    "nps_category",
    "csat_last_score",
    "survey_last_date",
]
NPS_CATEGORIES = [
    ("promoter", "Promoter"),
    ("passive", "Passive"),
    ("detractor", "Detractor"),
]


def nps_category(score):
    """The NPS category of a 0-10 answer: 9-10 promoter, 7-8 passive,
    0-6 detractor."""
    if score >= 9:
        return "promoter"
    if score >= 7:
        return "passive"
    return "detractor"


class CrmLifecycleSurveyResponse(models.Model):
    """One completed satisfaction survey of a customer: the figures the
    lifecycle keeps from it, readable by the lifecycle users of its
    company, as the latest scores on the customer are."""

    _name = "crm.lifecycle.survey.response"
    _description = "Customer Satisfaction Response"
    _order = "date desc, id desc"
    _rec_name = "commercial_partner_id"

    user_input_id = fields.Many2one(
        "survey.user_input",
        string="Survey Answer",
        required=True,
        ondelete="cascade",
        readonly=True,
    )
    survey_id = fields.Many2one("survey.survey", readonly=True, ondelete="cascade")
    invitation_id = fields.Many2one(
        "crm.lifecycle.survey.invitation", readonly=True, ondelete="set null"
    )
    partner_id = fields.Many2one(
        "res.partner", string="Respondent", readonly=True, ondelete="cascade"
    )
    commercial_partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        readonly=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    salesperson_id = fields.Many2one(
        "res.users", string="Salesperson", index=True, readonly=True
    )
    date = fields.Datetime(
        string="Answered On", required=True, readonly=True, default=fields.Datetime.now
    )
    nps_score = fields.Integer(string="NPS Score", readonly=True, aggregator="avg")
    nps_category = fields.Selection(
        NPS_CATEGORIES,
        string="NPS Category",
        readonly=True,
        help="Empty when the NPS question was not answered.",
    )
    csat_score = fields.Float(
        string="CSAT Score", readonly=True, aggregator="avg", digits=(16, 1)
    )
    comment = fields.Text(readonly=True)

    _sql_constraints = [
        (
            "user_input_uniq",
            "UNIQUE(user_input_id)",
            "A survey answer is recorded once.",
        ),
        (
            "nps_score_range",
            "CHECK(nps_score IS NULL OR (nps_score >= 0 AND nps_score <= 10))",
            "An NPS score is between 0 and 10.",
        ),
    ]

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        # A score of 0 is an answer: the category, not the score, tells an
        # answered NPS question from a skipped one.
        for vals in vals_list:
            if vals.get("nps_score") is not None and "nps_category" not in vals:
                vals["nps_category"] = nps_category(vals["nps_score"])
        return super().create(vals_list)

    # ------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------

    def _crm_lifecycle_apply(self):
        """Carry new responses over to the customers: the latest scores on
        the customer, the invitation answered, a follow-up for a detractor
        and a tag for a promoter."""
        self._crm_lifecycle_update_partners()
        invitations = self.invitation_id
        invitations.write({"state": "answered", "answer_date": fields.Datetime.now()})
        self.filtered(
            lambda r: r.nps_category == "detractor"
        )._crm_lifecycle_schedule_followup()
        self.filtered(
            lambda r: r.nps_category == "promoter"
        )._crm_lifecycle_tag_promoters()

    def _crm_lifecycle_update_partners(self):
        """The latest scores of each customer in the company of each
        response (company-dependent figures): a company's answers never
        show in another company, nor move its figures."""
        Partner = self.env["res.partner"].sudo()
        latest = {}
        for response in self.sorted(lambda r: (r.date, r.id)):
            latest[response.company_id, response.commercial_partner_id.id] = response
        by_company = defaultdict(dict)
        for (company, partner_id), response in latest.items():
            by_company[company][partner_id] = response
        for company, responses in by_company.items():
            partners = Partner.browse(list(responses)).with_company(company)
            partners.fetch(SURVEY_FIGURES)
            values = {}
            for partner in partners:
                response = responses[partner.id]
                if (
                    partner.survey_last_date
                    and partner.survey_last_date > response.date
                ):
                    continue
                vals = {name: partner[name] for name in SURVEY_FIGURES}
                vals["survey_last_date"] = response.date
                if response.nps_category:
                    vals.update(
                        nps_last_score=response.nps_score,
                        nps_category=response.nps_category,
                    )
                if response.csat_score:
                    vals["csat_last_score"] = response.csat_score
                values[partner.id] = vals
            Partner._lifecycle_bulk_update(
                values, company=company, fnames=SURVEY_FIGURES
            )

    def _crm_lifecycle_schedule_followup(self):
        for response in self:
            user = response.salesperson_id or response.survey_id.user_id
            if not user:
                _logger.info(
                    "Detractor answer %s of partner %s: no salesperson to follow up",
                    response.id,
                    response.commercial_partner_id.id,
                )
                continue
            note = Markup("<p>%s</p>") % self.env._(
                "%(customer)s answered %(score)s out of 10 to the satisfaction survey.",
                customer=response.commercial_partner_id.display_name,
                score=response.nps_score,
            )
            if response.comment:
                note += Markup("<blockquote>%s</blockquote>") % escape(response.comment)
            response.commercial_partner_id.sudo().activity_schedule(
                act_type_xmlid="crm_lifecycle.mail_activity_type_detractor",
                date_deadline=response._crm_lifecycle_next_working_day(),
                summary=self.env._("Detractor: call the customer back"),
                note=note,
                user_id=user.id,
            )

    def _crm_lifecycle_next_working_day(self):
        """The first working day after the answer, by the company's working
        calendar (its leaves included) or, without one, Monday to Friday."""
        self.ensure_one()
        day = fields.Date.context_today(self, self.date) + timedelta(days=1)
        calendar = self.company_id.resource_calendar_id
        if calendar:
            start = pytz.timezone(calendar.tz or "UTC").localize(
                datetime.combine(day, time.min)
            )
            end = calendar.plan_days(1, start, compute_leaves=True)
            if end:
                return end.date()
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return day

    def _crm_lifecycle_tag_promoters(self):
        tag_id = self.env["crm.lifecycle.settings"]._get("survey_promoter_tag_id")
        tag = self.env["res.partner.category"].sudo().browse(tag_id).exists()
        if tag:
            self.commercial_partner_id.sudo().write({"category_id": [(4, tag.id)]})

    @api.model
    def _crm_lifecycle_nps_summary(self, date_from, date_to, domain=None):
        """The NPS and CSAT of the responses readable by the current user in
        [date_from, date_to), over the latest answer of each customer.

        NPS = % promoters - % detractors; every figure comes with the number
        of answers behind it (``nps_count``, ``csat_count``), and is None
        when there is none."""
        query = self._search(
            (domain or [])
            + [
                ("date", ">=", fields.Datetime.to_datetime(date_from)),
                ("date", "<", fields.Datetime.to_datetime(date_to)),
            ]
        )
        self.env.cr.execute(
            SQL(
                """
                WITH scoped AS (
                    SELECT r.* FROM crm_lifecycle_survey_response r
                     WHERE r.id IN (%(ids)s)
                ), nps AS (
                    SELECT DISTINCT ON (commercial_partner_id) nps_category
                      FROM scoped WHERE nps_category IS NOT NULL
                     ORDER BY commercial_partner_id, date DESC, id DESC
                ), csat AS (
                    SELECT DISTINCT ON (commercial_partner_id) csat_score
                      FROM scoped WHERE csat_score IS NOT NULL
                     ORDER BY commercial_partner_id, date DESC, id DESC
                )
                SELECT (SELECT COUNT(*) FROM nps),
                       (SELECT COUNT(*) FROM nps WHERE nps_category = 'promoter'),
                       (SELECT COUNT(*) FROM nps WHERE nps_category = 'passive'),
                       (SELECT COUNT(*) FROM nps WHERE nps_category = 'detractor'),
                       (SELECT COUNT(*) FROM csat),
                       (SELECT AVG(csat_score) FROM csat)
                """,
                ids=query.subselect(),
            )
        )
        count, promoters, passives, detractors, csat_count, csat = (
            self.env.cr.fetchone()
        )
        return {
            "nps": (100.0 * (promoters - detractors) / count) if count else None,
            "nps_count": count,
            "promoters": promoters,
            "passives": passives,
            "detractors": detractors,
            "csat": float(csat) if csat_count else None,
            "csat_count": csat_count,
        }
