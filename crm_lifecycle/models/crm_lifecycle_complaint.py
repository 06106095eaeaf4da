from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .crm_lifecycle_complaint_hours import ComplaintClock
from .res_partner_pipeline import PASS_COMPLAINT

PRIORITIES = [("0", "Normal"), ("1", "Medium"), ("2", "High"), ("3", "Urgent")]
SOURCES = [
    ("email", "E-mail"),
    ("portal", "Portal"),
    ("survey", "Survey"),
    ("phone", "Phone"),
    ("manual", "Manual"),
]
# The case's clock, written only by the module (as superuser), guarded by
# crm.lifecycle.engine.fields.mixin: a view's readonly protects nothing from
# a client that sends a value or a default. The opening and closing dates
# stay a user's to correct (a case taken on the phone), within their
# constraint.
CLOCK_FIELDS = frozenset(
    {
        "date_first_response",
        "reopen_count",
        "response_hours",
        "resolution_hours",
        "sla_deadline",
        "sla_breached",
        "sla_breach_date",
        "stage_date",
        "counted_hours",
        "escalated_deadline",
    }
)
# The fields whose change moves the customer's complaint figures (kept per
# company of the case).
FIGURE_FIELDS = {
    "partner_id",
    "company_id",
    "stage_id",
    "resolution_hours",
    "date_open",
    "active",
}


class CrmLifecycleComplaint(models.Model):
    """A customer's complaint or service case: recorded, answered and
    resolved on time, on the company's working calendar."""

    _name = "crm.lifecycle.complaint"
    _description = "Complaint"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "portal.mixin",
        "crm.lifecycle.engine.fields.mixin",
    ]
    _order = "priority desc, date_open desc, id desc"
    _rec_names_search = ["name", "subject"]
    _primary_email = "email_from"

    # ------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------

    name = fields.Char(
        string="Number", required=True, readonly=True, copy=False, default="/"
    )
    active = fields.Boolean(default=True)
    subject = fields.Char(required=True, tracking=True)
    description = fields.Html()
    partner_id = fields.Many2one(
        "res.partner",
        string="Contact",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
    )
    commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id",
        string="Customer",
        store=True,
        index=True,
    )
    # The address the case came from (the mail gateway's loop detection
    # searches it), or the contact's at creation.
    email_from = fields.Char(string="E-mail")
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    category_id = fields.Many2one(
        "crm.lifecycle.complaint.category",
        string="Category",
        tracking=True,
        check_company=True,
    )
    priority = fields.Selection(PRIORITIES, default="0", index=True)
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        index=True,
        tracking=True,
        domain=[("share", "=", False)],
        default=lambda self: self._default_user(),
    )
    stage_id = fields.Many2one(
        "crm.lifecycle.complaint.stage",
        string="Stage",
        index=True,
        tracking=True,
        copy=False,
        ondelete="restrict",
        group_expand="_read_group_expand_stage_id",
        default=lambda self: self._default_stage(),
    )
    is_closed = fields.Boolean(related="stage_id.is_closed", store=True, index=True)
    sale_order_id = fields.Many2one(
        "sale.order", string="Sales Order", check_company=True, index="btree_not_null"
    )
    invoice_id = fields.Many2one(
        "account.move",
        string="Invoice",
        check_company=True,
        index="btree_not_null",
        domain=[("move_type", "in", ("out_invoice", "out_refund"))],
    )
    product_ids = fields.Many2many("product.product", string="Products")
    source = fields.Selection(SOURCES, default="manual", required=True)
    resolution = fields.Text(tracking=True, help="How the case was resolved.")
    date_open = fields.Datetime(
        string="Opened On", required=True, default=fields.Datetime.now, copy=False
    )
    date_first_response = fields.Datetime(
        string="First Response",
        readonly=True,
        copy=False,
        help="The first message an employee sent to the customer.",
    )
    date_closed = fields.Datetime(
        string="Closed On",
        readonly=True,
        copy=False,
        help="The first time the case was closed: a reopened case keeps it.",
    )
    reopen_count = fields.Integer(string="Reopened", readonly=True, copy=False)
    response_hours = fields.Float(
        string="Response Time (working hours)",
        readonly=True,
        copy=False,
        aggregator="avg",
    )
    resolution_hours = fields.Float(
        string="Resolution Time (working hours)",
        readonly=True,
        copy=False,
        aggregator="avg",
        help="Working hours the case was open, time waiting on the customer "
        "excluded, at its latest closing.",
    )
    sla_deadline = fields.Datetime(
        string="SLA Deadline",
        readonly=True,
        copy=False,
        index=True,
        help="When the next answer (the first response, then the resolution) "
        "is due. Empty while the case waits on the customer or is closed.",
    )
    sla_breached = fields.Boolean(
        string="SLA Breached", readonly=True, copy=False, index=True
    )
    sla_breach_date = fields.Datetime(string="Breached On", readonly=True, copy=False)
    survey_response_id = fields.Many2one(
        "crm.lifecycle.survey.response",
        string="Survey Answer",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The detractor answer that opened the case.",
    )
    # The clock: the working hours counted in the stages left so far, and
    # when the current stage was entered. Hours count only in stages that
    # neither wait on the customer nor close the case.
    stage_date = fields.Datetime(string="In Stage Since", readonly=True, copy=False)
    counted_hours = fields.Float(readonly=True, copy=False)
    # The deadline last escalated: once per case and deadline.
    escalated_deadline = fields.Datetime(readonly=True, copy=False)

    # ------------------------------------------------------------
    # Constraints, computes, defaults
    # ------------------------------------------------------------

    @api.constrains("date_open", "date_closed")
    def _check_dates(self):
        for complaint in self:
            if complaint.date_closed and complaint.date_closed < complaint.date_open:
                raise ValidationError(
                    self.env._(
                        "The case %(case)s cannot be closed before it was opened.",
                        case=complaint.name,
                    )
                )

    @api.constrains("stage_id", "resolution")
    def _check_resolution(self):
        for complaint in self:
            if (
                complaint.stage_id.is_closed
                and not (complaint.resolution or "").strip()
            ):
                raise ValidationError(
                    self.env._(
                        "Say how the case %(case)s was resolved before closing it.",
                        case=complaint.name,
                    )
                )

    def _compute_access_url(self):
        for complaint in self:
            complaint.access_url = f"/my/complaints/{complaint.id}"

    @api.model
    def _default_user(self):
        # A case made by a portal user (as superuser) has no owner but the
        # category's.
        return self.env.user if not self.env.user.share else False

    @api.model
    def _default_stage(self):
        return self.env["crm.lifecycle.complaint.stage"].search(
            [("is_closed", "=", False)], limit=1
        )

    @api.model
    def _read_group_expand_stage_id(self, stages, domain):
        return stages.search([], order=stages._order)

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model
    def _lifecycle_engine_fields(self):
        return super()._lifecycle_engine_fields() | CLOCK_FIELDS

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [dict(vals) for vals in vals_list]
        model = self._lifecycle_defaults_as_values(vals_list)
        for vals in vals_list:
            model._lifecycle_check_engine_fields(vals)
        now = fields.Datetime.now()
        categories = model.env["crm.lifecycle.complaint.category"]
        for vals in vals_list:
            model._check_stage_exists(vals)
            if vals.get("category_id") and not vals.get("user_id"):
                owner = categories.browse(vals["category_id"]).sudo().user_id
                if owner:
                    vals["user_id"] = owner.id
            if not vals.get("name") or vals["name"] == "/":
                vals["name"] = (
                    model.env["ir.sequence"]
                    .sudo()
                    .next_by_code("crm.lifecycle.complaint")
                    or "/"
                )
            vals.setdefault("stage_date", vals.get("date_open") or now)
            if not vals.get("email_from") and vals.get("partner_id"):
                vals["email_from"] = (
                    model.env["res.partner"].browse(vals["partner_id"]).sudo().email
                )
        complaints = super(CrmLifecycleComplaint, model).create(vals_list)
        for complaint in complaints:
            if complaint.stage_id.is_closed:
                complaint._clock_close(complaint.stage_date)
        complaints._clock_plan()
        for complaint in complaints:
            # The customer follows its case: the answers reach them.
            complaint.message_subscribe(partner_ids=complaint.partner_id.ids)
        complaints._complaint_mark_pending()
        return complaints

    def write(self, vals):
        self._lifecycle_check_engine_fields(vals)
        self._check_stage_exists(vals)
        partners = self.commercial_partner_id if FIGURE_FIELDS & vals.keys() else None
        if "stage_id" in vals:
            now = fields.Datetime.now()
            new_stage = self.env["crm.lifecycle.complaint.stage"].browse(
                vals["stage_id"]
            )
            moving = self.filtered(lambda c: c.stage_id != new_stage)
            reopened = moving.filtered(
                lambda c: c.stage_id.is_closed and not new_stage.is_closed
            )
            for complaint in moving:
                complaint._clock_leave_stage(now)
            result = super().write(vals)
            for complaint in reopened:
                complaint.sudo().reopen_count = complaint.reopen_count + 1
            for complaint in moving:
                complaint._clock_enter_stage(now)
            moving._clock_plan()
        else:
            result = super().write(vals)
            if {"category_id", "company_id", "date_open"} & vals.keys():
                self._clock_plan()
        if partners is not None:
            (partners | self.commercial_partner_id)._lifecycle_mark_pending(
                frozenset({PASS_COMPLAINT})
            )
        return result

    def unlink(self):
        partners = self.commercial_partner_id
        result = super().unlink()
        partners._lifecycle_mark_pending(frozenset({PASS_COMPLAINT}))
        return result

    def _check_stage_exists(self, vals):
        stage_id = vals.get("stage_id")
        if stage_id and not (
            self.env["crm.lifecycle.complaint.stage"].sudo().browse(stage_id).exists()
        ):
            raise UserError(
                self.env._(
                    "The complaint stage %(stage)s does not exist.", stage=stage_id
                )
            )

    def _complaint_mark_pending(self):
        self.commercial_partner_id._lifecycle_mark_pending(frozenset({PASS_COMPLAINT}))

    # ------------------------------------------------------------
    # The clock: working hours, waiting excluded
    # ------------------------------------------------------------

    def _clock(self):
        self.ensure_one()
        return ComplaintClock(self.sudo())

    def _clock_leave_stage(self, now):
        """Count the working hours of the stage the case leaves."""
        self.ensure_one()
        clock = self._clock()
        self.sudo().counted_hours = clock.counted_at(now)

    def _clock_enter_stage(self, now):
        self.ensure_one()
        self.sudo().stage_date = now
        if self.stage_id.is_closed:
            self._clock_close(now)

    def _clock_close(self, now):
        """A closing: the resolution time, the first closing date kept, a
        late closing breaches the SLA."""
        self.ensure_one()
        values = {"resolution_hours": self.counted_hours}
        if not self.date_closed:
            values["date_closed"] = now
        self._clock_breach(now, values)
        self.sudo().write(values)
        self._complaint_closed()

    def _complaint_closed(self):
        """After a closing: the satisfaction survey, when Settings say so
        (its throttles apply, and a case is surveyed once)."""
        if self.env["crm.lifecycle.settings"]._get("complaint_close_survey"):
            self.env[
                "crm.lifecycle.survey.invitation"
            ]._crm_lifecycle_invite_complaints(self)

    def _clock_breach(self, now, values):
        if self.sla_deadline and now > self.sla_deadline and not self.sla_breached:
            values["sla_breached"] = True
            values["sla_breach_date"] = self.sla_deadline

    def _clock_plan(self):
        """The next deadline of each case: the first response, then the
        resolution, planned on the company's calendar from when the current
        stage was entered; none while waiting on the customer or closed."""
        for complaint in self:
            deadline = complaint._clock().deadline()
            if complaint.sla_deadline != deadline:
                complaint.sudo().sla_deadline = deadline

    def _clock_first_response(self, when):
        self.ensure_one()
        values = {
            "date_first_response": when,
            "response_hours": self._clock().counted_at(when),
        }
        self._clock_breach(when, values)
        self.sudo().write(values)
        self._clock_plan()
