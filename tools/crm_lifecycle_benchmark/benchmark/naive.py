"""The naive peer: every output of the daily jobs computed the way a typical
module would, one partner at a time through the ORM (a search or two per
partner and what its records lead to), with the module's own rules and
formulas so that only the way of reading and writing differs."""

from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tools import float_round

from odoo.addons.crm_lifecycle.lib import fit as fitlib
from odoo.addons.crm_lifecycle.models.crm_lifecycle_retention import RFM_DIMENSIONS
from odoo.addons.crm_lifecycle.models.crm_lifecycle_retention_scoring import (
    PREVIOUS_CHURN_DAYS,
)
from odoo.addons.crm_lifecycle.models.engine_path import engine_writes

INVOICE_DOMAIN = [
    ("move_type", "=", "out_invoice"),
    ("state", "=", "posted"),
    ("payment_state", "!=", "reversed"),
]


def recompute(env, partners):
    """Phase, payment figures, loyalty points and tier, RFM, churn and
    lifetime value (with last week's churn kept), complaint figures and fit
    score of each partner, one partner after the other."""
    company = env.company
    today = fields.Date.context_today(env["res.partner"])
    retention = env["crm.lifecycle.retention"].sudo()
    fit = retention._latest_fit(company, today)
    settings = retention._get_settings()
    thresholds = env["res.partner"]._payment_grade_thresholds()
    fit_scoring = fit_scorer(env, company)
    # The peer writes its outputs as the module's engine writes its own.
    with engine_writes():
        for partner in partners.with_env(env):
            invoices = env["account.move"].search(
                [("commercial_partner_id", "=", partner.id), *INVOICE_DOMAIN]
            )
            phase(env, partner, invoices, today)
            payment(env, partner, invoices, today, thresholds)
            loyalty(env, partner, company, today)
            if fit:
                scores(env, partner, invoices, fit, settings, today)
            complaints(env, partner)
            fit_score(env, partner, company, fit_scoring)
            env.flush_all()
            env.invalidate_all()


def complaints(env, partner):
    """The complaint figures from the partner's cases, read through the ORM,
    written in each company of its cases."""
    cases = env["crm.lifecycle.complaint"].search(
        [("commercial_partner_id", "=", partner.id)]
    )
    days = env["crm.lifecycle.settings"]._get("complaint_signal_days")
    since = fields.Datetime.now() - timedelta(days=days)
    for company in cases.company_id:
        mine = cases.filtered(lambda c, company=company: c.company_id == company)
        closed = mine.filtered("date_closed")
        partner.with_company(company).write(
            {
                "complaint_count": len(mine),
                "complaint_open_count": len(mine.filtered(lambda c: not c.is_closed)),
                "complaint_avg_resolution_hours": round(
                    sum(closed.mapped("resolution_hours")) / len(closed), 1
                )
                if closed
                else 0.0,
                "complaint_last_date": max(mine.mapped("date_open")),
                "complaint_churn_signal": any(
                    not c.is_closed or (c.sla_breached and c.sla_breach_date >= since)
                    for c in mine
                ),
            }
        )


def phase(env, partner, invoices, today):
    """The phase from the partner's invoices, deals and categories, and a
    history row when it changes."""
    since = today - timedelta(days=365)
    recent = invoices.filtered(lambda m: m.invoice_date > since)
    categories = recent.invoice_line_ids.product_id.categ_id
    deals = env["crm.lead"].search_count(
        [("partner_id", "child_of", partner.id), ("type", "=", "opportunity")]
    ) + env["sale.order"].search_count(
        [
            ("partner_id", "child_of", partner.id),
            ("state", "in", ("draft", "sent", "sale")),
        ]
    )
    if len(recent) >= 2 or len(categories) >= 2:
        new = "extension"
    elif invoices:
        new = "retention"
    elif deals:
        new = "acquisition"
    else:
        new = "selection"
    partner.write(
        {
            "lifecycle_phase": new,
            "lifecycle_first_purchase_date": min(invoices.mapped("invoice_date"))
            if invoices
            else False,
        }
    )
    History = env["crm.lifecycle.phase.history"]
    History.search([("partner_id", "=", partner.id), ("date_end", "=", False)]).write(
        {"date_end": fields.Datetime.now()}
    )
    # The open row closed in the database before the new one opens.
    History.flush_model()
    History.create({"partner_id": partner.id, "phase": new})


def payment(env, partner, invoices, today, thresholds):
    """Payment figures from each installment and its reconciliations."""
    since = today - relativedelta(months=12)
    before = since - relativedelta(months=12)
    sums = {
        window: defaultdict(float, max_days_late=0)
        for window in ("current", "previous")
    }
    overdue_amount, overdue_count = 0.0, 0
    for invoice in invoices:
        for line in invoice.line_ids.filtered(
            lambda aml: aml.account_type == "asset_receivable" and aml.balance > 0
        ):
            due = line.date_maturity or invoice.invoice_date
            paid = line.balance - line.amount_residual
            last = due
            window = sums.get(
                "current" if due > since else "previous" if due > before else ""
            )
            for partial in line.matched_credit_ids:
                if window is None:
                    break
                counterpart = _settled_by(env, partial)
                if counterpart.move_id.move_type == "out_refund":
                    # Lowers what was owed: neither paid, nor on time or late.
                    paid -= partial.amount
                    continue
                day = counterpart.date
                last = max(last, day)
                if day <= due:
                    window["on_time"] += partial.amount
                window["days_late"] += partial.amount * max((day - due).days, 0)
                window["days_to_pay"] += partial.amount * max(
                    (day - invoice.invoice_date).days, 0
                )
            overdue = (
                line.amount_residual if line.amount_residual and due < today else 0
            )
            if overdue:
                overdue_amount += overdue
                overdue_count += 1
            if window is None:
                continue
            late_until = last if not line.amount_residual else today
            window["paid"] += paid
            window["settled"] += paid + overdue
            window["days_late"] += overdue * max((late_until - due).days, 0)
            if paid or overdue:
                window["max_days_late"] = max(
                    window["max_days_late"], max((late_until - due).days, 0)
                )
    figures = {"overdue_amount": overdue_amount, "overdue_count": overdue_count}
    for name, window in sums.items():
        settled = window["settled"]
        figures[name] = {
            "on_time_ratio": window["on_time"] * 100.0 / settled if settled else 0.0,
            "avg_days_late": window["days_late"] / settled if settled else 0.0,
            "avg_days_to_pay": window["days_to_pay"] / window["paid"]
            if window["paid"]
            else 0.0,
            "max_days_late": window["max_days_late"],
            "has_data": bool(settled),
        }
    partner.write(env["res.partner"]._payment_values(figures, thresholds))


def _settled_by(env, partial):
    """The line that settled the invoice in ``partial``: its counterpart,
    or for an exchange difference the counterpart of the reconciliation
    it adjusts."""
    counterpart = partial.credit_move_id
    move = counterpart.move_id
    if move.journal_id == move.company_id.currency_exchange_journal_id:
        origin = env["account.partial.reconcile"].search(
            [("exchange_move_id", "=", move.id)], limit=1
        )
        if origin:
            return origin.credit_move_id
    return counterpart


def loyalty(env, partner, company, today):
    """Points of each paid invoice credited to the partner's card with a
    history line, then the tier from the points of the last 12 months."""
    program = company.lifecycle_loyalty_program_id
    if not program:
        return
    card = env["loyalty.card"].search(
        [("partner_id", "=", partner.id), ("program_id", "=", program.id)], limit=1
    )
    moves = env["account.move"].search(
        [
            ("commercial_partner_id", "=", partner.id),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("state", "=", "posted"),
        ]
    )
    for move in moves:
        target = invoice_points(
            company, move.amount_untaxed_signed, move.amount_total, move.amount_residual
        )
        delta = float_round(target - move.lifecycle_loyalty_points, 2)
        if not delta:
            continue
        if not card:
            card = env["loyalty.card"].create(
                {"partner_id": partner.id, "program_id": program.id, "points": 0}
            )
        env["loyalty.history"].create(
            {
                "card_id": card.id,
                "description": move.name,
                "issued": max(delta, 0.0),
                "used": max(-delta, 0.0),
                "order_model": "account.move",
                "order_id": move.id,
                "lifecycle_kind": "earn" if delta > 0 else "take_back",
            }
        )
        card.points += delta
    if not card:
        return
    since = today - relativedelta(months=12)
    earned = sum(
        line.issued - line.used
        for line in card.history_ids
        if line.lifecycle_kind in ("earn", "take_back") and line.lifecycle_date > since
    )
    tiers = env["crm.lifecycle.loyalty.tier"].search([("company_id", "=", company.id)])
    reached = tiers.filtered(lambda t: t.threshold <= earned).sorted("threshold")
    tier = reached[-1:] if reached else tiers.browse()
    if partner.loyalty_tier_id != tier:
        partner.write(
            {
                "loyalty_tier_id": tier.id,
                "loyalty_tier_since": today if tier else False,
                "loyalty_company_id": company.id,
            }
        )


def invoice_points(company, base, total, residual):
    """Points a posted invoice is worth for the part of it that is paid:
    the module's rule (its engine computes it in SQL), in Python."""
    if not total:
        return 0.0
    paid_ratio = min(max((total - residual) / total, 0.0), 1.0)
    return float_round(
        company.lifecycle_loyalty_points_rate * base * paid_ratio, precision_digits=2
    )


def scores(env, partner, invoices, fit, settings, today):
    """RFM scores against the day's boundaries, churn and lifetime value
    from the day's fit, for one customer."""
    retention = env["crm.lifecycle.retention"]
    if not invoices:
        return
    amounts = defaultdict(float)
    for invoice in invoices:
        amounts[invoice.invoice_date] += invoice.amount_untaxed_signed
    days = sorted(amounts)
    window = today - timedelta(days=settings["rfm_window_days"])
    recent = [day for day in days if day > window]
    row = {
        "partner_id": partner.id,
        "frequency": len(days) - 1,
        "recency": (days[-1] - days[0]).days,
        "age": (today - days[0]).days,
        "first_amount": amounts[days[0]],
        "positive_amount": sum(amounts.values()),
        "net_amount": sum(amounts.values()),
        "last_day": days[-1],
        "window_frequency": len(recent),
        "window_amount": sum(amounts[day] for day in recent),
    }
    bounds = fit.rfm_thresholds or {}
    for key, column in RFM_DIMENSIONS:
        row[f"{key}_score"] = retention._score_from_bounds(
            row[column], bounds.get(column)
        )
    values = retention._score_values(fit, [row], settings).get(partner.id)
    if values:
        # Last week's churn probability kept once a week, as the module's
        # scoring does (_keep_previous_churn).
        kept_on = partner.churn_previous_date
        if not kept_on or kept_on <= today - timedelta(days=PREVIOUS_CHURN_DAYS):
            values["churn_probability_previous"] = partner.churn_probability
            values["churn_previous_date"] = today
        values["retention_score_date"] = today
        partner.write(values)


def fit_scorer(env, company):
    """The function that scores one partner's traits in ``company`` with
    its active fitted model, else its manual criteria, read once: (score,
    method, reason tokens), or None when there is nothing to score with."""
    model = (
        env["crm.lifecycle.fit.model"]
        .sudo()
        .search([("company_id", "=", company.id)], order="id desc", limit=1)
    )
    if model.method == "model" and model.coefficients:

        def score_by_model(row):
            scores, reasons = fitlib.score_model(
                model.intercept, model.coefficients, [row]
            )
            return scores[0], "model", reasons[0]

        return score_by_model
    weights = {}
    for criterion in (
        env["crm.lifecycle.fit.criterion"]
        .sudo()
        .search([("company_id", "=", company.id)])
    ):
        key = criterion._fit_token()
        if key:
            weights[key] = max(weights.get(key, 0), criterion.weight)
    if not weights:
        return None

    def score_by_criteria(row):
        scores, reasons = fitlib.score_criteria(weights, [row])
        return scores[0], "criteria", reasons[0]

    return score_by_criteria


def fit_traits(env, partner, company):
    """The trait tokens of a prospect or customer of ``company``, read
    through the ORM (its fields, its first opportunity, the product
    categories of its first invoice), or None when it is none of them."""
    if (
        not partner.lifecycle_phase
        or partner.commercial_partner_id != partner
        or partner.company_id not in (company, company.browse())
    ):
        return None
    row = [f"company_type:{'company' if partner.is_company else 'person'}"]
    lead = (
        env["crm.lead"]
        .with_context(active_test=False)
        .search(
            [
                ("partner_id", "child_of", partner.id),
                ("type", "=", "opportunity"),
                ("company_id", "in", (False, company.id)),
            ],
            order="create_date, id",
            limit=1,
        )
    )
    for trait_type, record in (
        ("industry", partner.industry_id),
        ("country", partner.country_id),
        ("state", partner.state_id),
        ("team", partner.user_id.sale_team_id or lead.team_id),
        ("source", lead.source_id),
        ("medium", lead.medium_id),
    ):
        if record:
            row.append(f"{trait_type}:{record.id}")
    row.extend(
        f"tag:{tag.id}" for tag in partner.with_context(active_test=False).category_id
    )
    first = env["account.move"].search(
        [
            ("commercial_partner_id", "=", partner.id),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("company_id", "=", company.id),
        ],
        order="invoice_date, id",
        limit=1,
    )
    lines = first.invoice_line_ids.filtered(
        lambda line: line.display_type == "product" and line.product_id
    )
    row.extend(f"category:{categ.id}" for categ in lines.product_id.categ_id)
    return row


def fit_score(env, partner, company, scoring):
    """The fit score of one partner in ``company``: its traits read, scored
    and written (cleared when it is not a prospect or customer)."""
    row = fit_traits(env, partner, company) if scoring else None
    if row is None:
        values = {
            "lifecycle_fit_score": 0,
            "lifecycle_fit_method": False,
            "lifecycle_fit_reason_keys": False,
        }
    else:
        score, method, reasons = scoring(row)
        values = {
            "lifecycle_fit_score": score,
            "lifecycle_fit_method": method,
            "lifecycle_fit_reason_keys": ",".join(reasons) or False,
        }
    partner.with_company(company).write(values)
