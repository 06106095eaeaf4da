import contextvars

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .crm_lifecycle_phase_history import PHASES
from .crm_lifecycle_settings import REASON_MAX_LENGTH, check_length
from .engine_path import engine_writes, in_engine
from .res_partner_pipeline import PHASE_ONLY

LIFECYCLE_SYNCED_FIELDS = {
    "lifecycle_phase",
    "lifecycle_phase_since",
    "lifecycle_phase_locked",
}
# The phase fields a manager may set by hand, with a reason.
MANUAL_PHASE_FIELDS = ("lifecycle_phase", "lifecycle_phase_locked")
# Set by _lifecycle_write while it writes the contacts itself, so that
# Odoo's sync, partner by partner, does not write them again. Server code
# only: a context key would let a client leave the contacts out of sync.
_CONTACTS_WRITTEN = contextvars.ContextVar(
    "crm_lifecycle_contacts_written", default=False
)


class ResPartner(models.Model):
    _name = "res.partner"
    _inherit = ["res.partner", "crm.lifecycle.engine.fields.mixin"]

    lifecycle_phase = fields.Selection(
        PHASES,
        index=True,
        tracking=True,
        copy=False,
        help="Selection: a prospect to qualify. Acquisition: an open opportunity, "
        "quotation or order. Retention: a customer with a posted invoice. "
        "Extension: a repeat or cross-sell customer. Held on the company and "
        "shown on its contacts.",
        groups="base.group_user",
    )
    lifecycle_phase_locked = fields.Boolean(
        string="Phase Locked",
        tracking=True,
        copy=False,
        help="Set by hand by a manager: the automatic rules leave it alone "
        "until it is unlocked.",
        groups="base.group_user",
    )
    lifecycle_phase_since = fields.Datetime(
        string="In Phase Since", copy=False, groups="base.group_user"
    )
    lifecycle_phase_days = fields.Integer(
        string="Days in Phase",
        compute="_compute_lifecycle_phase_days",
        groups="base.group_user",
    )
    lifecycle_history_ids = fields.One2many(
        "crm.lifecycle.phase.history",
        "partner_id",
        string="Phase History",
        groups="base.group_user",
    )
    lifecycle_first_contact_date = fields.Date(
        string="First Contact",
        copy=False,
        readonly=True,
        groups="base.group_user",
    )
    lifecycle_first_purchase_date = fields.Date(
        string="First Purchase",
        copy=False,
        readonly=True,
        groups="base.group_user",
    )
    lifecycle_days_to_first_purchase = fields.Integer(
        string="Days to First Purchase",
        compute="_compute_lifecycle_days_to_first_purchase",
        store=True,
        aggregator="avg",
        groups="base.group_user",
    )
    lifecycle_recompute_date = fields.Date(
        copy=False,
        readonly=True,
        help="Technical: the day the scheduled action last recomputed it.",
        groups="base.group_user",
    )
    contact_preference = fields.Selection(
        [
            ("email", "E-mail"),
            ("phone", "Phone"),
            ("sms", "SMS"),
            ("social", "Social Media"),
        ],
        string="Preferred Channel",
        help="How the customer prefers to be contacted.",
        groups="base.group_user",
    )
    social_linkedin = fields.Char(string="LinkedIn", groups="base.group_user")
    social_facebook = fields.Char(string="Facebook", groups="base.group_user")
    social_instagram = fields.Char(string="Instagram", groups="base.group_user")
    social_x = fields.Char(string="X (Twitter)", groups="base.group_user")

    # ------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------

    @api.depends("lifecycle_phase_since")
    def _compute_lifecycle_phase_days(self):
        now = fields.Datetime.now()
        for partner in self:
            since = partner.lifecycle_phase_since
            partner.lifecycle_phase_days = (now - since).days if since else 0

    @api.depends("lifecycle_first_contact_date", "lifecycle_first_purchase_date")
    def _compute_lifecycle_days_to_first_purchase(self):
        for partner in self:
            first, bought = (
                partner.lifecycle_first_contact_date,
                partner.lifecycle_first_purchase_date,
            )
            partner.lifecycle_days_to_first_purchase = (
                max((bought - first).days, 0) if first and bought else 0
            )

    # ------------------------------------------------------------
    # Commercial fields: the phase lives on the commercial partner
    # ------------------------------------------------------------

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + sorted(LIFECYCLE_SYNCED_FIELDS)

    def _commercial_sync_to_children(self, fields_to_sync=None):
        if fields_to_sync is not None and not fields_to_sync:
            # Odoo calls this after any write on a company with contacts,
            # even one that changed no commercial field: it would then read
            # and write (nothing) on the contacts of each company in turn,
            # a query per company of every tier move or figure written.
            return True
        lifecycle_only = (
            fields_to_sync and set(fields_to_sync) <= LIFECYCLE_SYNCED_FIELDS
        )
        if lifecycle_only and _CONTACTS_WRITTEN.get():
            # _lifecycle_write writes all the contacts in one go.
            return True
        partner = self
        if lifecycle_only:
            # The change is tracked once, on the commercial partner.
            partner = partner.with_context(mail_notrack=True)
        # The contacts get copies of their company's phase and figures.
        with engine_writes():
            return super(ResPartner, partner)._commercial_sync_to_children(
                fields_to_sync
            )

    def _commercial_sync_from_company(self):
        # A new contact gets copies of its company's phase and figures.
        with engine_writes():
            return super()._commercial_sync_from_company()

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model
    def _lifecycle_engine_fields(self):
        """The stored fields this module derives on a partner: only the
        module writes them (engine_fields_mixin.py). Each feature adds its
        own."""
        return super()._lifecycle_engine_fields() | {
            "lifecycle_phase_since",
            "lifecycle_first_contact_date",
            "lifecycle_first_purchase_date",
            "lifecycle_days_to_first_purchase",
            "lifecycle_recompute_date",
        }

    @api.model
    def _lifecycle_guarded_defaults(self):
        # The phase set by hand is checked as a value too (manual path).
        return super()._lifecycle_guarded_defaults() | set(MANUAL_PHASE_FIELDS)

    @api.model_create_multi
    def create(self, vals_list):
        vals_list = [dict(vals) for vals in vals_list]
        model = self._lifecycle_defaults_as_values(vals_list)
        for vals in vals_list:
            model._lifecycle_check_engine_fields(vals)
        manual = []
        for vals in vals_list:
            if in_engine():
                manual.append(None)
            elif vals.get("lifecycle_phase") or vals.get("lifecycle_phase_locked"):
                model._lifecycle_check_manual(vals)
                manual.append(
                    (
                        vals.pop("lifecycle_phase", False),
                        vals.pop("lifecycle_phase_locked", True),
                    )
                )
            else:
                # Empty: what a new partner has anyway.
                for name in MANUAL_PHASE_FIELDS:
                    vals.pop(name, None)
                manual.append(None)
        partners = super(ResPartner, model).create(vals_list)
        reason = (self.env.context.get("lifecycle_phase_reason") or "").strip()
        for partner, setting in zip(partners, manual, strict=False):
            if setting and setting[0]:
                partner._lifecycle_set_phase(
                    setting[0], reason, manual=True, lock=setting[1]
                )
        # A new partner has no invoice yet: its phase is all there is.
        partners._lifecycle_mark_pending(passes=PHASE_ONLY)
        return partners

    def write(self, vals):
        self._lifecycle_check_engine_fields(vals)
        if set(MANUAL_PHASE_FIELDS) & vals.keys() and not in_engine():
            return self._lifecycle_write_manual(vals)
        return super().write(vals)

    def _lifecycle_check_manual(self, vals):
        """A phase set from outside the rules (form, import, XML-RPC) must be
        a known phase, come from a manager and carry a reason."""
        phase = vals.get("lifecycle_phase")
        if phase and phase not in dict(PHASES):
            raise ValidationError(
                self.env._(
                    "Unknown lifecycle phase %(phase)r. Use one of: %(phases)s.",
                    phase=phase,
                    phases=", ".join(dict(PHASES)),
                )
            )
        if not self.env.is_superuser() and not self.env.user.has_group(
            "crm_lifecycle.group_crm_lifecycle_manager"
        ):
            raise AccessError(
                self.env._("Only lifecycle managers can set a phase by hand.")
            )
        if not (self.env.context.get("lifecycle_phase_reason") or "").strip():
            raise UserError(
                self.env._(
                    "A manual phase change needs a reason: use the "
                    '"Set Phase" button and explain the change.'
                )
            )
        # Also where no history row is written (a lock alone): the reason
        # goes to the chatter.
        check_length(
            self.env["crm.lifecycle.phase.history"],
            "reason",
            self.env.context["lifecycle_phase_reason"].strip(),
            REASON_MAX_LENGTH,
        )

    def _lifecycle_write_manual(self, vals):
        self._lifecycle_check_manual(vals)
        vals = dict(vals)
        phase = vals.pop("lifecycle_phase", None)
        locked = vals.pop("lifecycle_phase_locked", None)
        reason = self.env.context["lifecycle_phase_reason"].strip()
        result = super().write(vals) if vals else True
        partners = self.commercial_partner_id
        if phase is not None:
            partners._lifecycle_set_phase(
                phase, reason, manual=True, lock=True if locked is None else locked
            )
        elif locked is not None:
            partners._lifecycle_write({"lifecycle_phase_locked": locked}, reason)
            if not locked:
                partners._lifecycle_recompute()
        return result

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_lifecycle_set_phase(self):
        """Open the wizard that sets the phase by hand, with a reason."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Set Lifecycle Phase"),
            "res_model": "crm.lifecycle.phase.set",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_partner_ids": self.commercial_partner_id.ids,
                "default_phase": self[:1].commercial_partner_id.lifecycle_phase,
            },
        }

    def action_lifecycle_unlock(self):
        """Hand the phase back to the automatic rules."""
        partners = self.commercial_partner_id.filtered("lifecycle_phase_locked")
        if not partners:
            return True
        partners.with_context(
            lifecycle_phase_reason=self.env._("Unlocked: automatic rules apply again")
        ).write({"lifecycle_phase_locked": False})
        return True

    def action_view_lifecycle_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_lifecycle.crm_lifecycle_phase_history_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"search_default_group_by_phase": 0}
        return action

    # ------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------

    def _lifecycle_set_phase(self, phase, reason, manual=False, lock=None):
        """Move these commercial partners to ``phase`` (False: out of the
        lifecycle), closing their open history row and opening a new one."""
        now = fields.Datetime.now()
        History = self.env["crm.lifecycle.phase.history"].sudo()
        open_rows = History.search(
            [("partner_id", "in", self.ids), ("date_end", "=", False)]
        )
        open_rows.write({"date_end": now})
        open_rows.flush_recordset(["date_end"])
        if phase:
            History.create(
                [
                    {
                        "partner_id": partner.id,
                        "phase": phase,
                        "date_start": now,
                        "reason": reason,
                        "manual": manual,
                        "user_id": manual and self.env.uid,
                    }
                    for partner in self
                ]
            )
        vals = {"lifecycle_phase": phase, "lifecycle_phase_since": phase and now}
        if lock is not None:
            vals["lifecycle_phase_locked"] = lock
        self._lifecycle_write(vals, reason)

    def _lifecycle_write(self, vals, reason):
        """Write lifecycle fields on these commercial partners, the reason in
        their chatter, and the same values on all their contacts in one more
        write (Odoo's own sync goes partner by partner)."""
        self._track_set_log_message(reason)
        token = _CONTACTS_WRITTEN.set(True)
        try:
            with engine_writes():
                self.write(vals)
                synced = {
                    key: vals[key] for key in vals.keys() & LIFECYCLE_SYNCED_FIELDS
                }
                contacts = self.search(
                    [
                        ("commercial_partner_id", "in", self.ids),
                        ("id", "not in", self.ids),
                    ]
                )
                if synced and contacts:
                    contacts.with_context(mail_notrack=True).write(synced)
        finally:
            _CONTACTS_WRITTEN.reset(token)

    def _lifecycle_pass_phase(self):
        """The phase pass of the pipeline (res_partner_pipeline.py): the
        rules of crm.lifecycle.engine, set-based; returns how many partners
        changed phase."""
        return (
            self.env["crm.lifecycle.engine"]
            .sudo()
            ._recompute(self.commercial_partner_id.sudo())
        )
