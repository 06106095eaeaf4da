from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL, format_date, formatLang

from ..models.res_partner_retention import RFM_SEGMENTS

ACTION_REASONS = [
    ("callback", "Time to call back"),
    ("detractor", "Detractor follow-up"),
    ("installment", "Overdue installment"),
    ("churn", "Churn risk rising"),
    ("loyalty", "Loyalty points expiring"),
    ("complaint", "Open complaint"),
]

# The segments whose rising churn probability calls for a call.
VALUABLE_SEGMENTS = ("champions", "loyal")

# The row ids: the id of the thing to act on times 8 plus the reason's
# number, so that a row keeps its id between two reads of the list.
REASON_NUMBERS = {
    "callback": 1,
    "detractor": 2,
    "installment": 3,
    "churn": 4,
    "loyalty": 5,
    "complaint": 6,
    "detractor_case": 7,
}


class CrmLifecycleActionItem(models.Model):
    """The customers a salesperson should act on today, one row per reason:
    a call-back reminder due, a detractor to follow up, installments
    overdue for longer than Settings say, a Champion or Loyal customer whose
    churn probability rose above the call-back threshold since last week,
    loyalty points about to expire, an open complaint. The most valuable
    customers first (predicted lifetime value).

    A query built at each read (``_table_query``) in the user's current
    company, with the user's today: the company's figures of each customer
    are read as Odoo's own search reads them."""

    _name = "crm.lifecycle.action.item"
    _description = "Customer to Act On"
    _auto = False
    _order = "clv_predicted desc nulls last, partner_id, date, id"
    _rec_name = "partner_id"
    _depends = {
        "mail.activity": [
            "res_model",
            "res_id",
            "active",
            "activity_type_id",
            "date_deadline",
            "user_id",
        ],
        "crm.lifecycle.complaint": [
            "active",
            "is_closed",
            "company_id",
            "commercial_partner_id",
            "user_id",
            "date_open",
            "survey_response_id",
        ],
        "account.move": ["move_type", "commercial_partner_id"],
        "account.move.line": [
            "move_id",
            "company_id",
            "parent_state",
            "display_type",
            "reconciled",
            "amount_residual",
            "date_maturity",
        ],
        "loyalty.card": [
            "program_id",
            "partner_id",
            "points",
            "lifecycle_expiring_points",
            "lifecycle_expiring_date",
        ],
        "res.partner": [
            "active",
            "company_id",
            "commercial_partner_id",
            "user_id",
            "rfm_segment",
            "churn_probability",
            "churn_probability_previous",
            "clv_predicted",
        ],
    }

    reason = fields.Selection(ACTION_REASONS, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        readonly=True,
        help="The customer's salesperson.",
    )
    assignee_id = fields.Many2one(
        "res.users",
        string="Assigned To",
        readonly=True,
        help="Who the activity or the complaint is assigned to, when not the "
        "salesperson.",
    )
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    date = fields.Date(
        readonly=True,
        help="The activity's deadline, the due date of the oldest overdue "
        "installment, the day the loyalty points expire or the day the "
        "complaint was opened.",
    )
    days_overdue = fields.Integer(readonly=True)
    item_count = fields.Integer(string="Installments", readonly=True)
    amount = fields.Monetary(string="Overdue Amount", readonly=True)
    points = fields.Float(string="Expiring Points", readonly=True, digits=(16, 2))
    churn_probability = fields.Float(readonly=True, digits=(16, 4))
    churn_probability_previous = fields.Float(
        string="Churn Probability a Week Before", readonly=True, digits=(16, 4)
    )
    clv_predicted = fields.Monetary(string="Predicted CLV", readonly=True)
    rfm_segment = fields.Selection(RFM_SEGMENTS, string="RFM Segment", readonly=True)
    activity_id = fields.Many2one("mail.activity", readonly=True)
    complaint_id = fields.Many2one("crm.lifecycle.complaint", readonly=True)
    card_id = fields.Many2one("loyalty.card", string="Loyalty Card", readonly=True)
    summary = fields.Char(string="Why", compute="_compute_summary")

    @property
    def _table_query(self):
        company = self.env.company
        today = fields.Date.context_today(self)
        settings = self.env["crm.lifecycle.settings"]._get_many(
            ["action_overdue_days", "reminder_churn_threshold"]
        )
        Partner = self.env["res.partner"]

        def figure(name):
            return Partner._lifecycle_company_value_sql("p", name, company)

        def ref_id(xmlid):
            record = self.env.ref(xmlid, raise_if_not_found=False)
            return record.id if record else None

        # Every branch gives the same columns, in this order.
        columns = SQL(
            "id, reason, partner_id, assignee_id, date, days_overdue, item_count,"
            " amount, points, activity_id, complaint_id, card_id"
        )
        return SQL(
            """
            WITH items (%(columns)s) AS (
                SELECT a.id * 8 + CASE WHEN a.activity_type_id = %(callback)s
                                       THEN %(n_callback)s ELSE %(n_detractor)s END,
                       CASE WHEN a.activity_type_id = %(callback)s
                            THEN 'callback' ELSE 'detractor' END,
                       c.commercial_partner_id, a.user_id, a.date_deadline,
                       NULL::int, NULL::int, NULL::numeric, NULL::float8,
                       a.id, NULL::int, NULL::int
                  FROM mail_activity a
                  JOIN res_partner c ON c.id = a.res_id
                 WHERE a.res_model = 'res.partner'
                   AND a.active
                   AND ((a.activity_type_id = %(callback)s
                         AND a.date_deadline <= %(today)s)
                        OR a.activity_type_id = %(detractor)s)
              UNION ALL
                SELECT k.id * 8 + CASE WHEN k.survey_response_id IS NULL
                                       THEN %(n_complaint)s
                                       ELSE %(n_detractor_case)s END,
                       CASE WHEN k.survey_response_id IS NULL
                            THEN 'complaint' ELSE 'detractor' END,
                       k.commercial_partner_id, k.user_id,
                       (k.date_open AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date,
                       NULL::int, NULL::int, NULL::numeric, NULL::float8,
                       NULL::int, k.id, NULL::int
                  FROM crm_lifecycle_complaint k
                 WHERE k.active
                   AND NOT k.is_closed
                   AND k.company_id = %(company)s
              UNION ALL
                SELECT m.commercial_partner_id * 8 + %(n_installment)s,
                       'installment', m.commercial_partner_id, NULL::int,
                       MIN(l.date_maturity),
                       %(today)s::date - MIN(l.date_maturity), COUNT(*)::int,
                       SUM(l.amount_residual), NULL::float8,
                       NULL::int, NULL::int, NULL::int
                  FROM account_move_line l
                  JOIN account_move m ON m.id = l.move_id
                 WHERE l.company_id = %(company)s
                   AND l.parent_state = 'posted'
                   AND l.display_type = 'payment_term'
                   AND l.reconciled IS NOT TRUE
                   AND l.amount_residual > 0
                   AND l.date_maturity < %(overdue_limit)s
                   AND m.move_type = 'out_invoice'
                 GROUP BY m.commercial_partner_id
              UNION ALL
                SELECT p.id * 8 + %(n_churn)s, 'churn', p.id, NULL::int,
                       NULL::date, NULL::int, NULL::int, NULL::numeric,
                       NULL::float8, NULL::int, NULL::int, NULL::int
                  FROM res_partner p
                 WHERE %(segment)s IN %(segments)s
                   AND %(churn)s > %(threshold)s
                   AND %(previous)s <= %(threshold)s
              UNION ALL
                SELECT lc.id * 8 + %(n_loyalty)s, 'loyalty',
                       h.commercial_partner_id, NULL::int,
                       lc.lifecycle_expiring_date, NULL::int, NULL::int,
                       NULL::numeric, lc.lifecycle_expiring_points,
                       NULL::int, NULL::int, lc.id
                  FROM loyalty_card lc
                  JOIN res_partner h ON h.id = lc.partner_id
                 WHERE lc.program_id = %(program)s
                   AND lc.points > 0
                   AND lc.lifecycle_expiring_points > 0
                   AND lc.lifecycle_expiring_date >= %(today)s
            )
            SELECT i.id, i.reason, i.partner_id, i.assignee_id, i.date,
                   i.days_overdue, i.item_count, i.amount, i.points,
                   i.activity_id, i.complaint_id, i.card_id,
                   p.user_id, %(company)s AS company_id,
                   %(currency)s AS currency_id,
                   %(clv)s AS clv_predicted, %(segment)s AS rfm_segment,
                   %(churn)s AS churn_probability,
                   %(previous)s AS churn_probability_previous
              FROM items i
              JOIN res_partner p ON p.id = i.partner_id
             WHERE p.active
               AND (p.company_id IS NULL OR p.company_id = %(company)s)
            """,
            columns=columns,
            callback=ref_id("crm_lifecycle.mail_activity_type_callback"),
            detractor=ref_id("crm_lifecycle.mail_activity_type_detractor"),
            today=today,
            tz=self.env.context.get("tz") or self.env.user.tz or "UTC",
            company=company.id,
            currency=company.currency_id.id,
            overdue_limit=today - timedelta(days=settings["action_overdue_days"]),
            segment=figure("rfm_segment"),
            segments=VALUABLE_SEGMENTS,
            churn=figure("churn_probability"),
            previous=figure("churn_probability_previous"),
            clv=figure("clv_predicted"),
            threshold=settings["reminder_churn_threshold"],
            program=company.sudo().lifecycle_loyalty_program_id.id or None,
            **{f"n_{key}": number for key, number in REASON_NUMBERS.items()},
        )

    @api.depends(
        "reason",
        "date",
        "days_overdue",
        "item_count",
        "points",
        "churn_probability",
        "churn_probability_previous",
    )
    def _compute_summary(self):
        env = self.env
        for item in self:
            date = item.date and format_date(env, item.date)
            if item.reason == "callback":
                summary = env._("Call back: the customer is late to buy again.")
            elif item.reason == "detractor" and item.complaint_id:
                summary = env._(
                    "Unhappy with us in the satisfaction survey: case %(case)s.",
                    case=item.complaint_id.sudo().name,
                )
            elif item.reason == "detractor":
                summary = env._("Unhappy with us in the satisfaction survey.")
            elif item.reason == "installment":
                summary = env._(
                    "%(count)s installment(s) unpaid, the oldest %(days)s days "
                    "past due.",
                    count=item.item_count,
                    days=item.days_overdue,
                )
            elif item.reason == "churn":
                summary = env._(
                    "Churn probability up from %(previous)s %% to %(current)s %%.",
                    previous=round(item.churn_probability_previous * 100),
                    current=round(item.churn_probability * 100),
                )
            elif item.reason == "loyalty":
                summary = env._(
                    "%(points)s points expire on %(date)s.",
                    points=formatLang(
                        env, item.points, digits=0 if item.points.is_integer() else 2
                    ),
                    date=date,
                )
            elif item.reason == "complaint":
                summary = env._(
                    "Complaint %(case)s is open.", case=item.complaint_id.sudo().name
                )
            else:
                summary = False
            item.summary = summary

    def action_open(self):
        """Open what the row asks to act on: the activity, the complaint,
        the overdue installments or the customer."""
        self.ensure_one()
        self.check_access("read")
        if self.activity_id:
            return {
                "type": "ir.actions.act_window",
                "name": self.activity_id.display_name,
                "res_model": "mail.activity",
                "res_id": self.activity_id.id,
                "views": [
                    (self.env.ref("mail.mail_activity_view_form_popup").id, "form")
                ],
                "target": "new",
            }
        if self.complaint_id:
            return {
                "type": "ir.actions.act_window",
                "res_model": "crm.lifecycle.complaint",
                "res_id": self.complaint_id.id,
                "views": [(False, "form")],
            }
        Installment = self.env["crm.lifecycle.payment.installment"]
        if self.reason == "installment" and Installment.has_access("read"):
            action = self.env["ir.actions.act_window"]._for_xml_id(
                "crm_lifecycle.crm_lifecycle_payment_installment_action"
            )
            action.update(
                domain=[
                    ("partner_id", "=", self.partner_id.id),
                    ("company_id", "=", self.company_id.id),
                    ("status", "=", "overdue"),
                ],
                context={},
            )
            return action
        return {
            "type": "ir.actions.act_window",
            "res_model": "res.partner",
            "res_id": self.partner_id.id,
            "views": [(False, "form")],
        }
