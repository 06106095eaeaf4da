import logging
from dataclasses import dataclass, field
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .crm_lifecycle_phase_history import PHASE_RANK

_logger = logging.getLogger(__name__)

# The settings of the automatic rules (see crm_lifecycle_settings).
RULE_SETTINGS = (
    "extension_min_invoices",
    "extension_window_days",
    "extension_min_categories",
)


def purchase_sql(alias):
    """The condition that makes a move of ``alias`` a purchase for the
    phase rules: a posted customer invoice that no credit note reversed
    in full."""
    return SQL(
        """%(m)s.move_type = 'out_invoice'
           AND %(m)s.state = 'posted'
           AND %(m)s.payment_state IS DISTINCT FROM 'reversed'""",
        m=SQL.identifier(alias),
    )


@dataclass
class PartnerFacts:
    """What the rules need to know of one commercial partner."""

    partner_id: int
    excluded: bool = False
    invoices: int = 0
    recent_invoices: int = 0
    # Only read where it can decide the phase (see _read_facts).
    recent_categories: int = 0
    open_deals: int = 0
    first_purchase: object = None
    first_contact: object = None
    # Only read for partners without any history (see _read_backfill_dates).
    deal_dates: list = field(default_factory=list)
    invoice_dates: list = field(default_factory=list)


class CrmLifecycleEngine(models.AbstractModel):
    """The automatic lifecycle rules.

    Everything is read set-based for a batch of commercial partners, so that
    the events (a few partners) and the daily scheduled action (all of them,
    in batches) run the very same code and give the same answer. The
    history of a customer met for the first time is rebuilt from its dates
    in crm_lifecycle_engine_backfill.py.
    """

    _name = "crm.lifecycle.engine"
    _description = "Customer Lifecycle Rules"

    # ------------------------------------------------------------
    # Rules configuration
    # ------------------------------------------------------------

    @api.model
    def _get_rules(self):
        return self.env["crm.lifecycle.settings"]._get_many(RULE_SETTINGS)

    # ------------------------------------------------------------
    # Facts
    # ------------------------------------------------------------

    @api.model
    def _read_facts(self, partner_ids, rules):
        """Return {partner_id: PartnerFacts} in a fixed number of queries."""
        facts = {pid: PartnerFacts(pid) for pid in partner_ids}
        if not facts:
            return facts
        ids = list(facts)
        self.env["res.partner"]._lifecycle_flush_inputs()
        today = fields.Date.context_today(self)
        since = today - timedelta(days=rules["extension_window_days"])
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                SELECT m.commercial_partner_id,
                       COUNT(*),
                       COUNT(*) FILTER (WHERE m.invoice_date > %(since)s),
                       MIN(m.invoice_date)
                  FROM account_move m
                 WHERE m.commercial_partner_id = ANY(%(ids)s)
                   AND %(purchase)s
                 GROUP BY m.commercial_partner_id
                """,
                ids=ids,
                since=since,
                purchase=purchase_sql("m"),
            )
        )
        for pid, total, recent, first in cr.fetchall():
            fact = facts[pid]
            fact.invoices, fact.recent_invoices, fact.first_purchase = (
                total,
                recent,
                first,
            )
        # The categories only decide for a customer with recent purchases
        # that are too few to make it a repeat customer (_target_phase):
        # the lines of every recent invoice are the largest read of the
        # rules, and most customers never need them.
        min_invoices = rules["extension_min_invoices"]
        cross_sell_ids = [
            fact.partner_id
            for fact in facts.values()
            if fact.recent_invoices
            and not (min_invoices and fact.recent_invoices >= min_invoices)
        ]
        if rules["extension_min_categories"] and cross_sell_ids:
            cr.execute(
                SQL(
                    """
                    SELECT m.commercial_partner_id, COUNT(DISTINCT t.categ_id)
                      FROM account_move_line l
                      JOIN account_move m ON m.id = l.move_id
                      JOIN product_product p ON p.id = l.product_id
                      JOIN product_template t ON t.id = p.product_tmpl_id
                     WHERE m.commercial_partner_id = ANY(%(ids)s)
                       AND %(purchase)s
                       AND m.invoice_date > %(since)s
                       AND l.display_type = 'product'
                     GROUP BY m.commercial_partner_id
                    """,
                    ids=cross_sell_ids,
                    since=since,
                    purchase=purchase_sql("m"),
                )
            )
            for pid, categories in cr.fetchall():
                facts[pid].recent_categories = categories
        # Open deals: an opportunity that is not lost (won ones too: they are
        # about to buy), a quotation, or a confirmed order.
        cr.execute(
            SQL(
                """
                SELECT cp, SUM(n), MIN(first_date) FROM (
                    SELECT p.commercial_partner_id AS cp, COUNT(*) AS n,
                           MIN(l.create_date) AS first_date
                      FROM crm_lead l
                      JOIN res_partner p ON p.id = l.partner_id
                     WHERE p.commercial_partner_id = ANY(%(ids)s)
                       AND l.type = 'opportunity' AND l.active
                     GROUP BY p.commercial_partner_id
                    UNION ALL
                    SELECT p.commercial_partner_id, COUNT(*), MIN(o.create_date)
                      FROM sale_order o
                      JOIN res_partner p ON p.id = o.partner_id
                     WHERE p.commercial_partner_id = ANY(%(ids)s)
                       AND o.state IN ('draft', 'sent', 'sale')
                     GROUP BY p.commercial_partner_id
                ) deals
                GROUP BY cp
                """,
                ids=ids,
            )
        )
        for pid, count, _first in cr.fetchall():
            facts[pid].open_deals = int(count)
        self._read_exclusions(facts)
        self._read_first_contact(facts)
        return facts

    @api.model
    def _read_exclusions(self, facts):
        """The companies' own partners, internal users' partners, pure
        vendors (bought from, never sold to) and the contacts the complaint
        intake made for an unknown sender, until they deal with the company,
        have no phase."""
        self.env.cr.execute(
            SQL(
                """
        SELECT p.id
          FROM res_partner p
         WHERE p.id = ANY(%(ids)s)
           AND (
                EXISTS (SELECT 1 FROM res_company c
                         WHERE c.partner_id = p.id)
             OR EXISTS (SELECT 1 FROM res_users u
                          JOIN res_partner up ON up.id = u.partner_id
                         WHERE up.commercial_partner_id = p.id
                           AND u.active AND NOT u.share)
             OR (
                (COALESCE(p.supplier_rank, 0) > 0
                 OR EXISTS (SELECT 1 FROM account_move v
                             WHERE v.commercial_partner_id = p.id
                               AND v.move_type IN ('in_invoice', 'in_refund')))
                AND NOT EXISTS (SELECT 1 FROM account_move m
                                 WHERE m.commercial_partner_id = p.id
                                   AND m.move_type IN ('out_invoice', 'out_refund'))
                AND NOT EXISTS (SELECT 1 FROM sale_order o
                                  JOIN res_partner op ON op.id = o.partner_id
                                 WHERE op.commercial_partner_id = p.id)
                AND NOT EXISTS (SELECT 1 FROM crm_lead l
                                  JOIN res_partner lp ON lp.id = l.partner_id
                                 WHERE lp.commercial_partner_id = p.id)
             )
             OR (
                -- A complaint from an unknown address makes a contact, not
                -- a prospect: it takes an opportunity, an order or an
                -- invoice for that.
                COALESCE(p.lifecycle_complaint_intake, FALSE)
                AND NOT EXISTS (SELECT 1 FROM account_move m
                                 WHERE m.commercial_partner_id = p.id
                                   AND m.move_type IN ('out_invoice', 'out_refund'))
                AND NOT EXISTS (SELECT 1 FROM sale_order o
                                  JOIN res_partner op ON op.id = o.partner_id
                                 WHERE op.commercial_partner_id = p.id)
                AND NOT EXISTS (SELECT 1 FROM crm_lead l
                                  JOIN res_partner lp ON lp.id = l.partner_id
                                 WHERE lp.commercial_partner_id = p.id)
             )
           )
                """,
                ids=list(facts),
            )
        )
        for (pid,) in self.env.cr.fetchall():
            facts[pid].excluded = True

    @api.model
    def _read_first_contact(self, facts):
        """First contact: the partner's creation or its first opportunity,
        whichever came first."""
        self.env.cr.execute(
            SQL(
                """
                SELECT p.id, LEAST(p.create_date, MIN(l.create_date))
                  FROM res_partner p
                  LEFT JOIN res_partner c ON c.commercial_partner_id = p.id
                  LEFT JOIN crm_lead l ON l.partner_id = c.id
                 WHERE p.id = ANY(%(ids)s)
                 GROUP BY p.id
                """,
                ids=list(facts),
            )
        )
        for pid, first in self.env.cr.fetchall():
            facts[pid].first_contact = first

    # ------------------------------------------------------------
    # Rules
    # ------------------------------------------------------------

    @api.model
    def _target_phase(self, fact, rules):
        """The phase the facts call for, and why (a translated reason)."""
        if fact.excluded:
            return False, self.env._("Not a customer or prospect")
        min_invoices = rules["extension_min_invoices"]
        min_categories = rules["extension_min_categories"]
        if min_invoices and fact.recent_invoices >= min_invoices:
            return "extension", self.env._(
                "Repeat customer: %(count)s invoiced purchases in %(days)s days",
                count=fact.recent_invoices,
                days=rules["extension_window_days"],
            )
        if min_categories and fact.recent_categories >= min_categories:
            return "extension", self.env._(
                "Cross-sell: purchases in %(count)s product categories",
                count=fact.recent_categories,
            )
        if fact.invoices:
            return "retention", self.env._("Customer: posted invoice")
        if fact.open_deals:
            return "acquisition", self.env._("Open opportunity, quotation or order")
        return "selection", self.env._("Prospect: no opportunity, order or invoice")

    @api.model
    def _next_phase(self, current, target):
        """Automatic moves only go forward, except that a prospect whose deals
        were all lost returns to selection and an extension whose condition
        lapsed falls back to retention. A buyer never returns to selection or
        acquisition."""
        if not current or not target:
            return target
        if PHASE_RANK[target] >= PHASE_RANK[current]:
            return target
        if current == "acquisition":
            return target
        if current == "extension":
            return "retention"
        return current

    # ------------------------------------------------------------
    # Apply
    # ------------------------------------------------------------

    @api.model
    def _recompute(self, partners):
        """Recompute the phase of the given commercial partners and apply
        every change, grouped so that one write serves many partners."""
        partners = partners.filtered(lambda p: p.id == p.commercial_partner_id.id)
        if not partners:
            return 0
        rules = self._get_rules()
        facts = self._read_facts(partners.ids, rules)
        self._write_profile(partners, facts)
        fresh = partners - partners.browse(self._partners_with_history(partners.ids))
        fresh_ids = set(fresh.ids)
        self._read_backfill_dates({pid: facts[pid] for pid in fresh_ids})
        changes = {}
        for partner in partners:
            if partner.lifecycle_phase_locked:
                continue
            fact = facts[partner.id]
            target, reason = self._target_phase(fact, rules)
            current = partner.lifecycle_phase
            new = self._next_phase(current, target)
            if new == current and (partner.id not in fresh_ids or not new):
                continue
            changes.setdefault((new, reason), []).append(partner.id)
        Partner = self.env["res.partner"]
        backfill = []
        for (phase, reason), ids in changes.items():
            group = Partner.browse(ids)
            group_fresh = group & fresh
            if phase and group_fresh:
                backfill.append((group_fresh, phase, reason))
            rest = group - group_fresh if phase else group
            if rest:
                rest._lifecycle_set_phase(phase, reason)
        self._backfill(backfill, facts, rules)
        return sum(len(ids) for ids in changes.values())

    @api.model
    def _partners_with_history(self, partner_ids):
        self.env["crm.lifecycle.phase.history"].flush_model(["partner_id"])
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT partner_id FROM crm_lifecycle_phase_history"
                " WHERE partner_id = ANY(%s)",
                partner_ids,
            )
        )
        return [pid for (pid,) in self.env.cr.fetchall()]

    @api.model
    def _write_profile(self, partners, facts):
        """First contact and first purchase dates, only where they changed,
        for the whole batch at once (they are not tracked)."""
        changes = {}
        for partner in partners:
            fact = facts[partner.id]
            contact = fact.first_contact.date() if fact.first_contact else False
            purchase = fact.first_purchase or False
            if (
                partner.lifecycle_first_contact_date != contact
                or partner.lifecycle_first_purchase_date != purchase
            ):
                changes[partner.id] = {
                    "lifecycle_first_contact_date": contact,
                    "lifecycle_first_purchase_date": purchase,
                }
        self.env["res.partner"]._lifecycle_bulk_update(changes)
