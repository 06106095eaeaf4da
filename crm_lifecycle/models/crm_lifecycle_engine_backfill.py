from datetime import datetime, time, timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .bulk import insert_rows
from .crm_lifecycle_engine import purchase_sql
from .crm_lifecycle_phase_history import PHASE_RANK


class CrmLifecycleEngine(models.AbstractModel):
    """The history of a customer the rules meet for the first time
    (installation, first event), rebuilt from the dates of its deals and
    invoices, so that the funnel is true from the day the module is
    installed."""

    _inherit = "crm.lifecycle.engine"

    @api.model
    def _read_backfill_dates(self, facts):
        """Dates of deals and invoices, to rebuild the history of partners
        the module has never seen (installation, first event)."""
        if not facts:
            return
        ids = list(facts)
        self.env.cr.execute(
            SQL(
                """
                SELECT cp, ARRAY_AGG(d ORDER BY d) FROM (
                    SELECT p.commercial_partner_id AS cp, l.create_date AS d
                      FROM crm_lead l
                      JOIN res_partner p ON p.id = l.partner_id
                     WHERE p.commercial_partner_id = ANY(%(ids)s)
                       AND l.type = 'opportunity'
                    UNION ALL
                    SELECT p.commercial_partner_id, o.create_date
                      FROM sale_order o
                      JOIN res_partner p ON p.id = o.partner_id
                     WHERE p.commercial_partner_id = ANY(%(ids)s)
                ) deals
                GROUP BY cp
                """,
                ids=ids,
            )
        )
        for pid, dates in self.env.cr.fetchall():
            facts[pid].deal_dates = dates
        self.env.cr.execute(
            SQL(
                """
        SELECT m.commercial_partner_id,
               ARRAY_AGG(m.invoice_date ORDER BY m.invoice_date)
          FROM account_move m
         WHERE m.commercial_partner_id = ANY(%(ids)s)
           AND %(purchase)s
         GROUP BY m.commercial_partner_id
                """,
                ids=ids,
                purchase=purchase_sql("m"),
            )
        )
        for pid, dates in self.env.cr.fetchall():
            facts[pid].invoice_dates = dates

    @api.model
    def _backfill(self, groups, facts, rules):
        """Rebuild the history of partners seen for the first time from the
        dates of their deals and invoices, so that the funnel is true from
        the day the module is installed.

        :param groups: [(partners, phase, reason)], the phase each group of
            fresh partners is in now and why
        """
        if not groups:
            return
        now = fields.Datetime.now()
        rebuilt = self.env._("Rebuilt from the customer's records")
        vals_list, current = [], {}
        for partners, phase, reason in groups:
            for partner in partners:
                starts = self._backfill_starts(facts[partner.id], phase, rules, now)
                for index, (step, start) in enumerate(starts):
                    end = starts[index + 1][1] if index + 1 < len(starts) else False
                    vals_list.append(
                        {
                            "partner_id": partner.id,
                            "phase": step,
                            "date_start": start,
                            "date_end": end,
                            "reason": rebuilt if end else reason,
                            # What create() would compute.
                            "is_current": not end,
                            "company_id": partner.company_id.id,
                            "salesperson_id": partner.user_id.id,
                            "country_id": partner.country_id.id,
                        }
                    )
                current[partner.id] = {
                    "lifecycle_phase": phase,
                    "lifecycle_phase_since": starts[-1][1],
                }
        # A few rows per customer on the first run: one INSERT, not create().
        insert_rows(self.env["crm.lifecycle.phase.history"], vals_list)
        self.env["res.partner"].invalidate_model(["lifecycle_history_ids"])
        # A first phase is no news for the chatter (the history rows rebuilt
        # above tell the story): partners and contacts in one UPDATE.
        self.env["res.partner"]._lifecycle_bulk_update(current, contacts=True)

    @api.model
    def _backfill_starts(self, fact, phase, rules, now):
        """[(phase, start)] from selection up to ``phase``, in order."""

        def as_datetime(value):
            # To the second, as ``now`` and every datetime field: a record
            # made in the second the rules run in is not after them.
            if isinstance(value, datetime):
                return value.replace(microsecond=0)
            return datetime.combine(value, time.min)

        candidates = {"selection": fact.first_contact or now}
        if fact.deal_dates:
            candidates["acquisition"] = fact.deal_dates[0]
        if fact.invoice_dates:
            candidates["retention"] = fact.invoice_dates[0]
            candidates["extension"] = self._extension_start(fact, rules)
        steps = []
        last = None
        for step, rank in sorted(PHASE_RANK.items(), key=lambda item: item[1]):
            if rank > PHASE_RANK[phase]:
                break
            start = candidates.get(step)
            if step == phase and start is None:
                start = now
            if start is None:
                continue
            start = min(as_datetime(start), now)
            if last is not None and start < last:
                start = last
            if steps and start == steps[-1][1]:
                # Entered and left at once (an invoice without any deal
                # before it): keep only the later phase.
                steps.pop()
            steps.append((step, start))
            last = start
        return steps

    @api.model
    def _extension_start(self, fact, rules):
        """First day the repeat-purchase condition held, else the latest
        invoice (the cross-sell route has no better date)."""
        dates = fact.invoice_dates
        needed = rules["extension_min_invoices"]
        window = timedelta(days=rules["extension_window_days"])
        if needed:
            for index in range(needed - 1, len(dates)):
                if dates[index] - dates[index - needed + 1] < window:
                    return dates[index]
        return dates[-1]
