from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL, float_round

from .crm_lifecycle_loyalty_engine import money_received_sql
from .engine_path import engine_writes

# What moving a partner to another tier writes through the ORM (tracked);
# the other tier figures are written in bulk.
TIER_MOVE_FIELDS = {"loyalty_tier_id", "loyalty_tier_since"}


class CrmLifecycleLoyaltyEngineTiers(models.AbstractModel):
    """Tiers: each customer ranked on its company's ladder by the points
    earned or the money paid in the last 12 months, its tier's pricelist
    and the mail of a tier move."""

    _inherit = "crm.lifecycle.loyalty.engine"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------
    # Tiers
    # ------------------------------------------------------------

    @api.model
    def _read_loyalty_companies(self, partners):
        """The company whose program and tiers rank each partner: its own
        company, else the company of its latest customer invoice, else the
        main company."""
        self.env.cr.execute(
            SQL(
                """
                SELECT p.id, COALESCE(p.company_id, last.company_id)
                  FROM res_partner p
                  LEFT JOIN (
                      SELECT DISTINCT ON (m.commercial_partner_id)
                             m.commercial_partner_id, m.company_id
                        FROM account_move m
                       WHERE m.commercial_partner_id = ANY(%(ids)s)
                         AND m.move_type IN ('out_invoice', 'out_refund')
                         AND m.state = 'posted'
                       ORDER BY m.commercial_partner_id,
                                m.invoice_date DESC NULLS LAST, m.id DESC
                  ) last ON last.commercial_partner_id = p.id
                 WHERE p.id = ANY(%(ids)s)
                """,
                ids=partners.ids,
            )
        )
        rows = self.env.cr.fetchall()
        default = self.env.ref("base.main_company", raise_if_not_found=False)
        default_id = default.id if default else False
        return {pid: company_id or default_id for pid, company_id in rows}

    @api.model
    def _read_tier_values(self, company_by_partner, programs, amount_companies):
        """Return {partner_id: {'points': x, 'amount': y}} over the last 12
        months, in two queries: points earned (net of take-backs) on the
        lifecycle card, and money received on customer invoices (net of
        money refunded on credit notes; invoices settled by credit notes
        bring no new money), read only for the partners of
        ``amount_companies`` (the companies with tiers on amounts; the
        others' amounts are left at 0: no tier reads them)."""
        since = fields.Date.context_today(self) - relativedelta(months=12)
        values = defaultdict(lambda: {"points": 0.0, "amount": 0.0})
        partner_ids = list(company_by_partner)
        company_ids = [company_by_partner[pid] for pid in partner_ids]
        program_ids = [programs.get(cid, 0) for cid in company_ids]
        self.env.cr.execute(
            SQL(
                """
                SELECT c.partner_id, SUM(COALESCE(h.issued, 0) - COALESCE(h.used, 0))
                  FROM loyalty_history h
                  JOIN loyalty_card c ON c.id = h.card_id
                 WHERE c.partner_id = ANY(%(partners)s)
                   AND (c.partner_id, c.program_id) IN (
                        SELECT * FROM unnest(%(partners)s::int[], %(programs)s::int[]))
                   AND h.lifecycle_kind IN ('earn', 'take_back')
                   AND h.lifecycle_date > %(since)s
                 GROUP BY c.partner_id
                """,
                partners=partner_ids,
                programs=program_ids,
                since=since,
            )
        )
        for pid, points in self.env.cr.fetchall():
            values[pid]["points"] = points or 0.0
        partner_ids = [
            pid for pid in partner_ids if company_by_partner[pid] in amount_companies
        ]
        if not partner_ids:
            return values
        company_ids = [company_by_partner[pid] for pid in partner_ids]
        self.env.cr.execute(
            SQL(
                """
                SELECT partner_id, SUM(amount)
                  FROM (%(received)s) received
                 GROUP BY partner_id
                """,
                # = ANY first: the planner then reads the partners' invoices
                # by index instead of hashing all of them.
                received=money_received_sql(
                    since,
                    SQL(
                        """inv.commercial_partner_id = ANY(%(partners)s)
                       AND (inv.commercial_partner_id, inv.company_id) IN (
                        SELECT * FROM unnest(%(partners)s::int[],
                                             %(companies)s::int[]))""",
                        partners=partner_ids,
                        companies=company_ids,
                    ),
                ),
            )
        )
        for pid, amount in self.env.cr.fetchall():
            values[pid]["amount"] = amount or 0.0
        return values

    @api.model
    def _tier_rank(self, tier):
        return (tier.sequence, tier.threshold, tier.id)

    @api.model
    def _tier_ladders(self, tiers):
        """{company_id: [(tier_id, basis, threshold)]}: each company's tiers
        from the lowest rank to the highest, as plain values, since every
        partner of a batch is ranked on them."""
        ladders = defaultdict(list)
        for tier in tiers.sorted(self._tier_rank):
            ladders[tier.company_id.id].append((tier.id, tier.basis, tier.threshold))
        return ladders

    @api.model
    def _update_tiers(self, partners):
        """Move partners up a tier as soon as they qualify; down only once
        their review date and its grace period have passed."""
        Tier = self.env["crm.lifecycle.loyalty.tier"].sudo()
        if not (
            Tier.search_count([], limit=1)
            or self._get_program_companies()
            or partners.loyalty_company_id
        ):
            # Loyalty not configured: nothing to rank, nothing to write.
            return
        company_by_partner = self._read_loyalty_companies(partners)
        tiers = Tier.search(
            [("company_id", "in", list(set(company_by_partner.values())))]
        )
        companies = (
            self.env["res.company"].sudo().browse(set(company_by_partner.values()))
        )
        programs = {
            company.id: company.lifecycle_loyalty_program_id.id
            for company in companies
            if company.lifecycle_loyalty_program_id
        }
        values = self._read_tier_values(
            company_by_partner,
            programs,
            {tier.company_id.id for tier in tiers if tier.basis == "amount"},
        )
        today = fields.Date.context_today(self)
        ladders = self._tier_ladders(tiers)
        previous = {partner.id: partner.loyalty_company_id.id for partner in partners}
        # {company_id: {partner_id: (ladder, values, mail)}}: each partner is
        # ranked in the company that ranks it; the figures of the company
        # that ranked it before, if another, are emptied (an empty ladder)
        # rather than left to go stale, its tier's pricelist given back.
        jobs = defaultdict(dict)
        for partner in partners:
            company_id = company_by_partner.get(partner.id)
            jobs[company_id][partner.id] = (
                ladders[company_id],
                values[partner.id],
                True,
            )
            old = previous[partner.id]
            if old and old != company_id:
                jobs[old][partner.id] = ([], {"points": 0.0, "amount": 0.0}, False)
        self.env["res.partner"]._lifecycle_bulk_update(
            {
                pid: {"loyalty_company_id": company_id}
                for pid, company_id in company_by_partner.items()
                if previous.get(pid) != company_id
            }
        )
        companies = self.env["res.company"].sudo().browse(list(jobs))
        for company in companies:
            self._update_company_tiers(
                partners.with_company(company), company, jobs[company.id], today
            )

    @api.model
    def _update_company_tiers(self, partners, company, jobs, today):
        """Write the tier figures of ``company`` (company-dependent fields)
        of the partners of ``jobs`` ({partner_id: (ladder, values, mail)},
        see _update_tiers): the figures in bulk, the tier moves in one
        write per move."""
        Tier = self.env["crm.lifecycle.loyalty.tier"].sudo()
        figures, moves, mailed = {}, defaultdict(list), set()
        for partner in partners.browse(list(jobs)):
            ladder, value, mail = jobs[partner.id]
            vals = self._tier_vals(partner, company, ladder, value, today)
            changed = {
                name: value
                for name, value in vals.items()
                if self._current_value(partner, name) != value
            }
            if changed.keys() - TIER_MOVE_FIELDS:
                figures[partner.id] = {
                    name: vals[name] for name in vals.keys() - TIER_MOVE_FIELDS
                }
            if "loyalty_tier_id" not in changed:
                continue
            move = {name: changed[name] for name in changed.keys() & TIER_MOVE_FIELDS}
            move.update(
                self._pricelist_vals(
                    partner,
                    company,
                    partner.loyalty_tier_id,
                    Tier.browse(move["loyalty_tier_id"]),
                )
            )
            moves[tuple(sorted(move.items()))].append(partner.id)
            if mail:
                mailed.add(partner.id)
        Partner = self.env["res.partner"]
        Partner._lifecycle_bulk_update(figures, company=company)
        for move, ids in moves.items():
            moved = partners.browse(ids)
            with engine_writes():
                moved.write(dict(move))
            if company.lifecycle_loyalty_tier_mail:
                for partner in moved.filtered(lambda p: p.id in mailed):
                    self._send_tier_mail(partner)

    @api.model
    def _current_value(self, record, name):
        value = record[name]
        return value.id if isinstance(value, models.BaseModel) else value

    @api.model
    def _tier_vals(self, partner, company, ladder, value, today):
        """The tier figures of one partner ranked on its company's ``ladder``
        (see _tier_ladders) with its ``value`` (points and amount)."""
        # Positions on the ladder stand for ranks; -1 for no tier.
        positions = {tier_id: index for index, (tier_id, _b, _t) in enumerate(ladder)}
        qualified = -1
        for index, (_tier_id, basis, threshold) in enumerate(ladder):
            if value[basis] > 0 and value[basis] >= threshold:
                qualified = index
        months = relativedelta(months=company.lifecycle_loyalty_review_months or 12)
        review = partner.loyalty_tier_review_date
        current = positions.get(partner.loyalty_tier_id.id)
        if current is None:
            # No tier yet, or one of another company or archived.
            new = qualified
        elif qualified > current:
            new = qualified
        elif not review:
            new = current
            review = today + months
        elif qualified < current:
            new = current
            grace = timedelta(days=company.lifecycle_loyalty_grace_days)
            if today >= review + grace:
                new = qualified
        else:
            new = current
            while review <= today:
                review += months
        if new != current:
            since, review = (today, today + months) if new >= 0 else (False, False)
        else:
            since = partner.loyalty_tier_since
        next_id, missing = False, 0.0
        if new + 1 < len(ladder):
            next_id, basis, threshold = ladder[new + 1]
            missing = max(threshold - value[basis], 0.0)
        return {
            "loyalty_tier_id": ladder[new][0] if new >= 0 else False,
            "loyalty_tier_since": since,
            "loyalty_tier_review_date": review if new >= 0 else False,
            "loyalty_next_tier_id": next_id,
            "loyalty_next_tier_missing": float_round(missing, precision_digits=2),
        }

    @api.model
    def _pricelist_vals(self, partner, company, old_tier, new_tier):
        """Give the new tier's pricelist to the customer and its contacts,
        or give them back the pricelist they had before their tier."""
        old_pricelist, new_pricelist = old_tier.pricelist_id, new_tier.pricelist_id
        if old_pricelist == new_pricelist:
            return {}
        contacts = (
            self.env["res.partner"]
            .sudo()
            .with_company(company)
            .with_context(active_test=False)
            .search([("commercial_partner_id", "=", partner.id)])
        )
        current = partner.with_company(company).specific_property_product_pricelist
        vals = {}
        if new_pricelist:
            if not partner.loyalty_pricelist_applied:
                vals = {
                    "loyalty_previous_pricelist_id": current.id,
                    "loyalty_pricelist_applied": True,
                }
            contacts.write({"specific_property_product_pricelist": new_pricelist.id})
        elif partner.loyalty_pricelist_applied:
            # A pricelist set by hand since the tier gave its own one stays.
            if current == old_pricelist:
                contacts.write(
                    {
                        "specific_property_product_pricelist": (
                            partner.loyalty_previous_pricelist_id.id
                        )
                    }
                )
            vals = {
                "loyalty_previous_pricelist_id": False,
                "loyalty_pricelist_applied": False,
            }
        return vals

    @api.model
    def _send_tier_mail(self, partner):
        if not partner.email:
            return
        # In the partner's environment: the tier figures it renders are those
        # of the company that ranks the partner (company-dependent fields).
        template = partner.env.ref(
            "crm_lifecycle.mail_template_loyalty_tier_changed", raise_if_not_found=False
        )
        if template:
            partner.message_post_with_source(template, subtype_xmlid="mail.mt_comment")
