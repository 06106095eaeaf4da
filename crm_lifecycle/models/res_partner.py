import contextvars

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.sql import create_index, make_index_name

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
# The company-dependent figures the partner list filters on by value (its
# search filters, the benchmark's list page): each has an index per
# company, see _lifecycle_create_filter_indexes.
FILTERED_COMPANY_FIELDS = ("rfm_segment", "payment_grade", "payment_trend")
# The partner fields the set-based reads of the recompute look at.
PARTNER_INPUT_FIELDS = [
    "active",
    "commercial_partner_id",
    "company_id",
    "create_date",
    "parent_id",
    "supplier_rank",
    "user_id",
]
# Where today's scan of each daily job got to, per database and job: a hint
# that spares each batch a walk over the partners already done (the whole
# table by the last batch). A worker without it, or a partner left behind
# it, falls back to a scan from the start (see _lifecycle_next_batch).
_SCAN_HINTS = {}
# Set by _lifecycle_write while it writes the contacts itself, so that
# Odoo's sync, partner by partner, does not write them again. Server code
# only: a context key would let a client leave the contacts out of sync.
_CONTACTS_WRITTEN = contextvars.ContextVar(
    "crm_lifecycle_contacts_written", default=False
)


def _converted(values_by_id, name, convert, records):
    """The value of ``name`` of each partner of ``values_by_id`` (missing:
    False) through ``convert(value, records)`` (a field's conversion
    method), called once per distinct value (grades, phases, dates, the
    many zeros): 0.1 ms a partner otherwise, over a dozen fields."""
    converted = {}
    result = []
    for values in values_by_id.values():
        value = values.get(name, False)
        key = (type(value), value)
        if key not in converted:
            converted[key] = convert(value, records)
        result.append(converted[key])
    return result


class ResPartner(models.Model):
    _inherit = "res.partner"

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

    def init(self):
        res = super().init()
        # The daily jobs take their next batch of commercial partners in id
        # order (_lifecycle_next_batch). PostgreSQL cannot estimate how many
        # rows have id = commercial_partner_id, guesses a few hundred, and
        # then reads the whole table and sorts it for every batch (0.5 to
        # 1 s each at 100,000 customers, JIT compilation included). This
        # index hands it the commercial partners in order: a few ms a batch.
        create_index(
            self.env.cr,
            "crm_lifecycle_res_partner_commercial_idx",
            self._table,
            ["id"],
            where="active AND id = commercial_partner_id",
        )
        self._lifecycle_create_filter_indexes(
            self.env["res.company"].with_context(active_test=False).search([])
        )
        return res

    @api.model
    def _lifecycle_create_filter_indexes(self, companies):
        """One index per company on each figure of FILTERED_COMPANY_FIELDS.

        A company-dependent field is one jsonb column for all companies, and
        Odoo filters it on the current company's key: the expression
        ``(("res_partner"."payment_grade"->'1')->>0)::varchar``. No index on
        the column can serve that, so the list filtered on grade D read the
        whole partner table (557 ms at 100,000 customers when it was not in
        memory). An index on that very expression, made from Odoo's own
        ``_field_to_sql`` so that it stays the one the search uses, serves
        it; partial, it holds only the customers with a value in that
        company. These figures change seldom (a segment, a grade, a trend),
        so the daily jobs' rewrites of other figures stay in-place updates.
        A new company gets its indexes when it is created (res.company)."""
        for company in companies:
            partners = self.sudo().with_company(company)
            for name in FILTERED_COMPANY_FIELDS:
                value = self.env.cr.mogrify(
                    partners._field_to_sql(self._table, name, flush=False)
                ).decode()
                create_index(
                    self.env.cr,
                    make_index_name(self._table, f"crm_lifecycle_{name}_{company.id}"),
                    self._table,
                    [f"({value})"],
                    where=f"{value} IS NOT NULL",
                )

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
        module writes them (see _lifecycle_check_engine_fields). Each
        feature adds its own."""
        return {
            "lifecycle_phase_since",
            "lifecycle_first_contact_date",
            "lifecycle_first_purchase_date",
            "lifecycle_days_to_first_purchase",
            "lifecycle_recompute_date",
        }

    def _lifecycle_check_engine_fields(self, names):
        """Refuse a value of a derived figure from outside the module: a
        forged figure (a tier, a grade, a recompute date in the future)
        would otherwise stand until the module next changes it, or for
        good."""
        forged = set(names) & self._lifecycle_engine_fields()
        if not forged or in_engine() or self.env.su:
            return
        labels = sorted(
            self._fields[name]._description_string(self.env) for name in forged
        )
        raise AccessError(
            self.env._(
                "These figures are computed by Customer Lifecycle and cannot "
                "be set by hand: %(fields)s.",
                fields=", ".join(labels),
            )
        )

    @api.model
    def _lifecycle_defaults_as_values(self, vals_list):
        """Move the context's defaults of the phase and of the derived
        figures into ``vals_list``, and return this model without them: a
        default is a value the client sends, and is checked as one."""
        guarded = {*MANUAL_PHASE_FIELDS, *self._lifecycle_engine_fields()}
        context = dict(self.env.context)
        defaults = {
            key[len("default_") :]: context.pop(key)
            for key in list(context)
            if key.startswith("default_") and key[len("default_") :] in guarded
        }
        if not defaults:
            return self
        for vals in vals_list:
            for name, value in defaults.items():
                vals.setdefault(name, value)
        # Without them: a phase popped from the values for the manual path
        # must not come back as a default.
        return self.with_env(self.env(context=context))

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

    @api.model
    def _lifecycle_flush_inputs(self):
        """Flush what the set-based reads of the recompute may see: every
        pending change but the figures set by _lifecycle_bulk_update, which
        are written once, with the rest of the batch, at its end."""
        for model_name in {
            field.model_name for field in self.env.cache.get_dirty_fields()
        }:
            if model_name == self._name:
                # Written by then unless something else changed on a partner.
                self.flush_model(PARTNER_INPUT_FIELDS)
            else:
                self.env[model_name].flush_model()

    @api.model
    def _lifecycle_bulk_update(
        self, values_by_id, company=None, contacts=False, fnames=None
    ):
        """Set figures the module derives (nobody tracks or edits them) on
        many partners, each with its own values, as Odoo's own Field.write
        does (dirty values in the cache, dependents marked), without
        write()'s per-record tracking, commercial sync and overrides: the
        ORM then flushes them, with whatever else changed on the same rows,
        in one UPDATE per batch of rows.

        :param values_by_id: {partner_id: {field name: value}}
        :param company: for company-dependent fields, the company whose value
            is set
        :param contacts: also set the values on the partners' contacts
        :param fnames: the fields set (default: the keys of the first
            partner's values); a missing value is set empty
        """
        if not values_by_id:
            return
        names = sorted(fnames or next(iter(values_by_id.values())))
        if contacts:
            self.env.cr.execute(
                SQL(
                    "SELECT id, commercial_partner_id FROM res_partner"
                    " WHERE commercial_partner_id = ANY(%s)"
                    " AND id != commercial_partner_id",
                    list(values_by_id),
                )
            )
            values_by_id = dict(values_by_id)
            for contact_id, commercial_id in self.env.cr.fetchall():
                values_by_id[contact_id] = values_by_id[commercial_id]
        records = self.browse(list(values_by_id))
        if company:
            records = records.with_company(company)
        for name in names:
            field = self._fields[name]
            cache_values = _converted(
                values_by_id, name, field.convert_to_cache, records
            )
            self.env.cache.update(records, field, cache_values, dirty=True)
        records.modified(names)

    @api.model
    def _lifecycle_write_company_figures(self, values_by_id, company, fnames):
        """Write company-dependent figures the module derives (nobody tracks
        or edits them) on many partners, each with its own values, in ONE
        UPDATE: each column gets the company's key set, or removed where
        the value is the field's fallback, as the ORM's flush writes it.

        The flush merges each jsonb column of each row in a subquery of its
        own, after converting each value to JSON in Python: the retention
        job's 12 columns took 46 s for 100,000 customers that way, 24 s so
        (the UPDATE itself 16.9 s, then 5.4 s). For a batch of a daily job
        whose rows take no other write: the values pending in the cache for
        these fields and partners are written first, and the cache of the
        rows is dropped.

        :param values_by_id: {partner_id: {field name: value}}
        :param fnames: the fields set; a missing value is set empty
        """
        if not values_by_id:
            return
        records = self.browse(list(values_by_id)).with_company(company)
        records.flush_recordset(list(fnames))
        key = str(company.id)
        assignments, arrays, columns = [], [], []
        for name in fnames:
            field = self._fields[name]
            assert field.company_dependent and field.store
            # The company's fallback, as the ORM reads it (_field_to_sql).
            fallback = field.convert_to_column(
                field.convert_to_write(
                    field.get_company_dependent_fallback(records), records
                ),
                records,
            )
            column_type = SQL(field._column_type[1])
            column = _converted(values_by_id, name, field.convert_to_column, records)
            arrays.append(SQL("%s::%s[]", column, column_type))
            columns.append(SQL.identifier(name))
            current = SQL("COALESCE(p.%s, '{}'::jsonb)", SQL.identifier(name))
            new = SQL.identifier("v", name)
            assignments.append(
                SQL(
                    """%(column)s = NULLIF(CASE
                        WHEN %(new)s IS NULL OR %(new)s = %(fallback)s::%(type)s
                        THEN %(current)s - %(key)s
                        ELSE %(current)s || jsonb_build_object(%(key)s, %(new)s)
                    END, '{}'::jsonb)""",
                    column=SQL.identifier(name),
                    new=new,
                    fallback=fallback,
                    type=column_type,
                    current=current,
                    key=key,
                )
            )
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner p
                   SET %(assignments)s, write_uid = %(uid)s, write_date = %(now)s
                  FROM unnest(%(ids)s::int[], %(arrays)s) AS v(id, %(columns)s)
                 WHERE p.id = v.id
                """,
                assignments=SQL(", ").join(assignments),
                uid=self.env.uid,
                now=self.env.cr.now(),
                ids=list(values_by_id),
                arrays=SQL(", ").join(arrays),
                columns=SQL(", ").join(columns),
            )
        )
        records.invalidate_recordset([*fnames, "write_uid", "write_date"])
        records.modified(list(fnames))

    @api.model
    def _lifecycle_without_jit(self):
        """Turn PostgreSQL's JIT compilation off until the end of this
        transaction: one batch of a daily job. Its queries read a few
        thousand rows by index, but at 100,000 customers their estimated
        cost passes ``jit_above_cost``, and each then spent 0.1 to 0.7 s
        compiling, more than the compiled code saved: the full recompute at
        100,000 customers took 243 s without, 343 s with it. Other
        transactions are left as the server is configured."""
        self.env.cr.execute("SET LOCAL jit = off")

    @api.model
    def _lifecycle_next_batch(self, job, query, limit):
        """The ids of the next ``limit`` partners of ``query`` (a SELECT of
        ``p.id`` from ``res_partner p`` with a WHERE clause, the partners a
        daily job has still to do), in id order, from where the job's
        previous batch of the day stopped; from the start once nothing is
        left after it, so that no partner is left behind. Returns the ids,
        and whether more may remain (all is done once a scan from the start
        comes back short)."""
        today = fields.Date.context_today(self)
        key = (self.env.cr.dbname, job)
        day, after = _SCAN_HINTS.get(key, (today, 0))
        after = after if day == today else 0
        ids, start = [], 0
        for start in (after, 0) if after else (0,):
            self.env.cr.execute(
                SQL("%s AND p.id > %s ORDER BY p.id LIMIT %s", query, start, limit)
            )
            ids = [pid for (pid,) in self.env.cr.fetchall()]
            if ids:
                break
        _SCAN_HINTS[key] = (today, ids[-1] if ids else 0)
        return ids, bool(start or len(ids) == limit)

    @api.model
    def _lifecycle_forget_scan(self, job):
        """The next batch of ``job`` starts from the first partner."""
        _SCAN_HINTS.pop((self.env.cr.dbname, job), None)

    def _lifecycle_pass_phase(self):
        """The phase pass of the pipeline (res_partner_pipeline.py): the
        rules of crm.lifecycle.engine, set-based; returns how many partners
        changed phase."""
        return (
            self.env["crm.lifecycle.engine"]
            .sudo()
            ._recompute(self.commercial_partner_id.sudo())
        )
