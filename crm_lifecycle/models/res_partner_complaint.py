from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.mail import parse_contact_from_email

from .engine_path import engine_writes

USER_GROUP = "crm_lifecycle.group_crm_lifecycle_user"
COMPLAINT_FIGURES = (
    "complaint_count",
    "complaint_open_count",
    "complaint_avg_resolution_hours",
    "complaint_last_date",
    "complaint_churn_signal",
)


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    lifecycle_complaint_company_access = fields.Boolean(
        string="Sees the company's complaints in the portal",
        copy=False,
        help="This contact sees every complaint of its company in the portal, "
        "not only its own.",
    )
    # Set on a contact made by the complaint e-mail intake for an unknown
    # address: such a contact is nobody's prospect until it deals with the
    # company (see the phase engine's exclusions).
    lifecycle_complaint_intake = fields.Boolean(
        string="Made from a Complaint E-mail", copy=False, readonly=True
    )
    # The figures, on the commercial partner, written by the complaint pass
    # only, per company: each company reads the figures of the cases it
    # answers (the case's company), never another's. Not indexed, as the
    # payment figures (res_partner_payment.py): the jsonb column of all
    # companies cannot serve a filter on one company's value.
    complaint_count = fields.Integer(
        string="Complaints",
        company_dependent=True,
        index=False,
        readonly=True,
        groups=USER_GROUP,
    )
    complaint_open_count = fields.Integer(
        string="Open Complaints",
        company_dependent=True,
        index=False,
        readonly=True,
        groups=USER_GROUP,
    )
    complaint_avg_resolution_hours = fields.Float(
        string="Average Resolution (working hours)",
        company_dependent=True,
        index=False,
        readonly=True,
        digits=(16, 1),
        groups=USER_GROUP,
    )
    complaint_last_date = fields.Datetime(
        string="Last Complaint",
        company_dependent=True,
        index=False,
        readonly=True,
        groups=USER_GROUP,
    )
    complaint_churn_signal = fields.Boolean(
        company_dependent=True,
        index=False,
        readonly=True,
        groups=USER_GROUP,
        help="An open complaint, or one that missed its deadline in the last "
        "days set in Settings, in the current company: a risk of losing the "
        "customer.",
    )
    complaint_ids = fields.One2many(
        "crm.lifecycle.complaint",
        "commercial_partner_id",
        string="Complaint Cases",
        groups=USER_GROUP,
    )
    complaint_case_count = fields.Integer(
        string="Number of Complaint Cases",
        compute="_compute_complaint_case_count",
        groups=USER_GROUP,
    )

    @api.model
    def _lifecycle_engine_fields(self):
        return (
            super()._lifecycle_engine_fields()
            | set(COMPLAINT_FIGURES)
            | {"lifecycle_complaint_intake"}
        )

    # ------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------

    @api.depends_context("uid", "allowed_company_ids")
    def _compute_complaint_case_count(self):
        # Live, unlike the figures: a case just made shows on the button.
        # Read with the user's record rules: only the cases they may open,
        # in the companies they work in.
        counts = dict(
            self.env["crm.lifecycle.complaint"]._read_group(
                [("commercial_partner_id", "in", self.commercial_partner_id.ids)],
                ["commercial_partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.complaint_case_count = counts.get(partner.commercial_partner_id, 0)

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_view_complaints(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_lifecycle.crm_lifecycle_complaint_action"
        )
        commercial = self.commercial_partner_id
        action["domain"] = [("commercial_partner_id", "=", commercial.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

    # ------------------------------------------------------------
    # The complaint pass
    # ------------------------------------------------------------

    def _lifecycle_pass_complaint(self):
        """The complaint pass of the pipeline (res_partner_pipeline.py): a
        case made, moved or closed, and the daily job (the churn signal
        moves with time), set the figures of the commercial partners in
        every company from one query, then one write per company, only
        where something changed."""
        partners = self.commercial_partner_id.sudo()
        partners = partners.filtered(lambda p: p.id == p.commercial_partner_id.id)
        if not partners:
            return
        figures = self._complaint_read_figures(partners.ids)
        empty = self._complaint_empty_figures()
        for company in self.env["res.company"].sudo().search([]):
            in_company = partners.with_company(company)
            in_company.fetch(list(COMPLAINT_FIGURES))
            changes = {}
            for partner in in_company:
                vals = figures.get((partner.id, company.id), empty)
                if any(partner[fname] != vals[fname] for fname in COMPLAINT_FIGURES):
                    changes[partner.id] = vals
            self._lifecycle_bulk_update(changes, company=company)

    @api.model
    def _complaint_empty_figures(self):
        """The figures of a customer without a case in a company."""
        return {
            "complaint_count": 0,
            "complaint_open_count": 0,
            "complaint_avg_resolution_hours": 0.0,
            "complaint_last_date": False,
            "complaint_churn_signal": False,
        }

    @api.model
    def _complaint_read_figures(self, partner_ids):
        """{(commercial partner id, company id): figures} of the cases of
        these customers, per company of the case."""
        days = self.env["crm.lifecycle.settings"]._get("complaint_signal_days")
        since = fields.Datetime.now() - timedelta(days=days)
        self.env["crm.lifecycle.complaint"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT c.commercial_partner_id,
                       c.company_id,
                       COUNT(*),
                       COUNT(*) FILTER (WHERE NOT COALESCE(c.is_closed, FALSE)),
                       AVG(c.resolution_hours) FILTER (WHERE c.date_closed IS NOT NULL),
                       MAX(c.date_open),
                       BOOL_OR(NOT COALESCE(c.is_closed, FALSE)
                               OR (c.sla_breached AND c.sla_breach_date >= %(since)s))
                  FROM crm_lifecycle_complaint c
                 WHERE c.commercial_partner_id = ANY(%(ids)s) AND c.active
                 GROUP BY c.commercial_partner_id, c.company_id
                """,
                ids=list(partner_ids),
                since=since,
            )
        )
        return {
            (pid, company_id): {
                "complaint_count": count,
                "complaint_open_count": open_count,
                "complaint_avg_resolution_hours": round(avg or 0.0, 1),
                "complaint_last_date": last,
                "complaint_churn_signal": bool(signal),
            }
            for pid, company_id, count, open_count, avg, last, signal in (
                self.env.cr.fetchall()
            )
        }

    # ------------------------------------------------------------
    # Intake
    # ------------------------------------------------------------

    @api.model
    def _complaint_partner_from_email(self, email):
        """The contact of an e-mail address; an unknown address gets one,
        flagged as made by the complaint intake."""
        name, normalized = parse_contact_from_email(email)
        partner = self.env["res.partner"]
        if normalized:
            partner = partner.search([("email_normalized", "=", normalized)], limit=1)
        if partner:
            return partner
        with engine_writes():
            return partner.create(
                {
                    "name": name or normalized or email,
                    "email": normalized or email,
                    "lifecycle_complaint_intake": True,
                }
            )
