"""SQL floor of the fit score (``floor_fit``): what the daily ``fit`` pass of
the pipeline (``res.partner._lifecycle_pass_fit``) writes, by the fewest
statements.

The pass scores each company's prospects and customers with the company's
active fitted model, else with its manual criteria (none: no score); it does
not fit (the weekly job does). The floor reads the active model of every
company in one query and the criteria of every company in another, then per
company the traits of its prospects and customers in one query (the
module's own ``_fit_traits``: the same inputs read), scores them with the
pure functions of ``lib/fit.py`` (numeric work both must do), and writes the
score, method and reasons of every scored partner in ONE UPDATE, in the
jsonb shape of the module's ``_lifecycle_write_company_figures`` (the
company's key set, or removed where the value is the field's fallback: 0
for the score, NULL for the method and the reasons), with write_uid and
write_date set.

Left out, with the reason: a partner of the batch that is no longer scored
loses its score in the module; the benchmark resets every fit output first
(``reset_fit_outputs``), so there is none to clear.
"""

from odoo import SUPERUSER_ID
from odoo.tools import SQL

from odoo.addons.crm_lifecycle.lib import fit as fitlib
from odoo.addons.crm_lifecycle.models.crm_lifecycle_fit import FIT_COLUMNS
from odoo.addons.crm_lifecycle.models.crm_lifecycle_fit_criterion import TRAIT_MODELS

from .floor_outputs import _reset_columns


def reset_fit_outputs(cr):
    """Empty the fit score, method and reasons of every partner in every
    company (the fitted models, made by the weekly job, stay)."""
    _reset_columns(cr, FIT_COLUMNS)


def _active_models(cr):
    """{company_id: (method, intercept, coefficients)} of each company's
    active fit model (the latest), in one query."""
    cr.execute(
        """
        SELECT DISTINCT ON (company_id) company_id, method, intercept, coefficients
          FROM crm_lifecycle_fit_model
         WHERE active
         ORDER BY company_id, id DESC
        """
    )
    return {row[0]: row[1:] for row in cr.fetchall()}


def _criteria(cr):
    """{company_id: {token: weight}} of the active manual criteria, in one
    query: the largest weight of a token, as ``_criteria_weights``."""
    cr.execute(
        """
        SELECT company_id, trait_type, company_type,
               split_part(value_ref, ',', 2), weight
          FROM crm_lifecycle_fit_criterion
         WHERE active
        """
    )
    weights = {}
    for company_id, trait_type, company_type, ref_id, weight in cr.fetchall():
        if trait_type == "company_type":
            key = company_type and f"company_type:{company_type}"
        elif trait_type in TRAIT_MODELS and ref_id and ref_id.isdigit():
            key = f"{trait_type}:{int(ref_id)}"
        else:
            key = None
        if key:
            company = weights.setdefault(company_id, {})
            company[key] = max(company.get(key, 0), weight or 0)
    return weights


def _scores(model, weights, traits):
    """(ids, scores, methods, reason keys) of the partners of ``traits``:
    by the fitted model, else by the criteria, else none."""
    ids = list(traits)
    rows = [traits[pid] for pid in ids]
    if model and model[0] == "model" and model[2]:
        scores, reasons = fitlib.score_model(model[1] or 0.0, model[2], rows)
        method = "model"
    elif weights:
        scores, reasons = fitlib.score_criteria(weights, rows)
        method = "criteria"
    else:
        return [], [], [], []
    return (
        ids,
        scores,
        [method] * len(ids),
        [",".join(keys) or None for keys in reasons],
    )


def _write_fit(cr, company_id, ids, scores, methods, reasons):
    """One UPDATE of res_partner: the company's fit figures of ``ids``."""
    key = str(company_id)

    def merged(name, value, empty):
        current = SQL("COALESCE(p.%s, '{}'::jsonb)", SQL.identifier(name))
        return SQL(
            """%(column)s = NULLIF(CASE WHEN %(empty)s THEN %(current)s - %(key)s
                    ELSE %(current)s || jsonb_build_object(%(key)s, %(value)s)
                END, '{}'::jsonb)""",
            column=SQL.identifier(name),
            empty=empty,
            current=current,
            key=key,
            value=value,
        )

    cr.execute(
        SQL(
            """
            UPDATE res_partner p
               SET %(set_score)s, %(set_method)s, %(set_reasons)s,
                   write_uid = %(uid)s, write_date = now() AT TIME ZONE 'UTC'
              FROM unnest(%(ids)s::int[], %(scores)s::int4[], %(methods)s::varchar[],
                          %(reasons)s::varchar[]) AS v(id, score, method, reasons)
             WHERE p.id = v.id
            """,
            set_score=merged(
                "lifecycle_fit_score",
                SQL("v.score"),
                SQL("v.score IS NULL OR v.score = 0"),
            ),
            set_method=merged(
                "lifecycle_fit_method", SQL("v.method"), SQL("v.method IS NULL")
            ),
            set_reasons=merged(
                "lifecycle_fit_reason_keys", SQL("v.reasons"), SQL("v.reasons IS NULL")
            ),
            uid=SUPERUSER_ID,
            ids=ids,
            scores=scores,
            methods=methods,
            reasons=reasons,
        )
    )
    return cr.rowcount


def floor_fit(env):
    """The fit score of every company's prospects and customers: the models
    and criteria read once, per company one traits read and one UPDATE.
    Returns {company_id: partners written}."""
    cr = env.cr
    models = _active_models(cr)
    criteria = _criteria(cr)
    Fit = env["crm.lifecycle.fit"].sudo()
    written = {}
    for company in env["res.company"].sudo().search([], order="id"):
        model = models.get(company.id)
        weights = criteria.get(company.id)
        if not (model and model[0] == "model" and model[2]) and not weights:
            # Nothing to score with: the module writes no score either.
            written[company.id] = 0
            continue
        ids, scores, methods, reasons = _scores(
            model, weights, Fit._fit_traits(company)
        )
        written[company.id] = (
            _write_fit(cr, company.id, ids, scores, methods, reasons) if ids else 0
        )
    env["res.partner"].invalidate_model(list(FIT_COLUMNS))
    return written
