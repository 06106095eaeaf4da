from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL, float_round

from .crm_lifecycle_loyalty_engine import POINTS_DIGITS


class CrmLifecycleLoyaltyEngineExpiry(models.AbstractModel):
    """Expiry: the points earned more than the company's expiry months ago
    and not used since, and the warning of the points about to expire."""

    _inherit = "crm.lifecycle.loyalty.engine"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------
    # Expiry
    # ------------------------------------------------------------

    @api.model
    def _expire_points(self, cards):
        """Expire, oldest first, the points earned more than the company's
        expiry months ago and not used since; warn the customer of the
        points about to expire, once per batch of points."""
        companies = {
            company.lifecycle_loyalty_program_id: company
            for company in self._get_program_companies()
        }
        cards = cards.filtered(
            lambda c: companies.get(c.program_id)
            and companies[c.program_id].lifecycle_loyalty_expiry_months > 0
        )
        if not cards:
            return
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT h.card_id, COALESCE(h.lifecycle_date, h.create_date::date),
                       SUM(COALESCE(h.issued, 0)), SUM(COALESCE(h.used, 0))
                  FROM loyalty_history h
                 WHERE h.card_id = ANY(%s)
                 GROUP BY 1, 2
                 ORDER BY 1, 2
                """,
                cards.ids,
            )
        )
        lots = defaultdict(list)
        consumed = defaultdict(float)
        for card_id, day, issued, used in self.env.cr.fetchall():
            if issued > 0:
                lots[card_id].append((day, issued))
            consumed[card_id] += used
        today = fields.Date.context_today(self)
        lines = []
        for card in cards:
            company = companies[card.program_id]
            vals = self._expire_card(
                card, company, lots[card.id], consumed[card.id], today
            )
            if vals:
                lines.append(vals)
        expired = self._write_expiries(cards, lines)
        # After the expiry, so that a warning tells the balance left.
        for card in cards:
            company = companies[card.program_id]
            warning_days = company.lifecycle_loyalty_expiry_warning_days
            if not warning_days:
                continue
            months = relativedelta(months=company.lifecycle_loyalty_expiry_months)
            self._warn_card(
                card,
                lots[card.id],
                consumed[card.id] + expired.get(card.id, 0.0),
                today + timedelta(days=warning_days) - months,
                months,
            )

    @api.model
    def _expire_card(self, card, company, lots, consumed, today):
        """The values of the history line that expires the points of
        ``card`` earned up to the company's expiry months ago (``lots``:
        [(day, points earned)], oldest first) and not ``consumed`` since;
        an empty dict when none expire."""
        months = relativedelta(months=company.lifecycle_loyalty_expiry_months)
        limit = today - months
        old = sum(issued for day, issued in lots if day <= limit)
        expired = float_round(
            min(max(old - consumed, 0.0), card.points), precision_digits=POINTS_DIGITS
        )
        if expired <= 0:
            return {}
        return {
            "card_id": card.id,
            "description": self.env._(
                "Points earned until %(date)s expired",
                date=fields.Date.to_string(limit),
            ),
            "used": expired,
            "lifecycle_kind": "expiry",
            "lifecycle_date": today,
        }

    @api.model
    def _write_expiries(self, cards, vals_list):
        """Write the expiry lines ``vals_list`` (see _expire_card) in one
        ``create()`` and take their points off the cards, one ``write()``
        per new balance (it is tracked). Returns {card_id: points expired}."""
        expired = {vals["card_id"]: vals["used"] for vals in vals_list}
        if not vals_list:
            return expired
        self.env["loyalty.history"].sudo().create(vals_list)
        new_balances = defaultdict(list)
        for card in cards.filtered(lambda c: c.id in expired):
            points = float_round(
                card.points - expired[card.id], precision_digits=POINTS_DIGITS
            )
            new_balances[points].append(card.id)
        for points, card_ids in new_balances.items():
            cards.browse(card_ids).write({"points": points})
        return expired

    @api.model
    def _warn_card(self, card, lots, consumed, warn_limit, months):
        """Warn of the points earned on or before ``warn_limit`` (they expire
        within the warning period), unless a warning already covered them."""
        warned = card.lifecycle_expiry_warned_until
        if warned and warned >= warn_limit:
            return
        upcoming = max(sum(i for d, i in lots if d <= warn_limit) - consumed, 0.0)
        already = (
            max(sum(i for d, i in lots if d <= warned) - consumed, 0.0)
            if warned
            else 0.0
        )
        upcoming = min(upcoming, card.points)
        vals = {"lifecycle_expiry_warned_until": warn_limit}
        if float_round(upcoming - already, precision_digits=POINTS_DIGITS) > 0:
            cumulated, first = 0.0, None
            for day, issued in lots:
                cumulated += issued
                if cumulated > consumed and (not warned or day > warned):
                    first = day
                    break
            vals.update(
                lifecycle_expiring_points=float_round(
                    upcoming, precision_digits=POINTS_DIGITS
                ),
                lifecycle_expiring_date=(first or warn_limit) + months,
            )
            card.write(vals)
            template = self.env.ref(
                "crm_lifecycle.mail_template_loyalty_points_expiring",
                raise_if_not_found=False,
            )
            if template and card.partner_id.email:
                card.message_post_with_source(template, subtype_xmlid="mail.mt_comment")
        else:
            card.write(vals)
