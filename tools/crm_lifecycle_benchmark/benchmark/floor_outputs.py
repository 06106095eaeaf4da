"""SQL floors of the payment figures and of the retention analytics: the
same inputs read and the same outputs written as the module's daily work,
by the fewest statements (aggregate reads, one bulk write per output table),
so that the benchmark can tell what the module spends beyond the work itself.

Payment (``floor_payment``): the nine company-dependent payment figures of
every active commercial partner in every company, as
``res.partner._payment_recompute`` writes them, in ONE statement: the
installment ledger's own base query (``_base_query``: the same inputs the
module reads) aggregated per partner and company, grades and trend computed
in SQL from the thresholds of ir.config_parameter (the module's defaults
where unset or invalid), written by one UPDATE of res_partner in the jsonb
shape Odoo's ``_write_multi`` gives company-dependent columns (a company key
only where the value differs from the field's fallback: NULL for selections,
0 for numbers), and only in the rows whose value changes, as the module
writes only what changed. A threshold that is not a plain non-negative
decimal number falls back to its default (the module also accepts forms
such as ``1e2``, and logs a warning where the floor is silent).

Retention (``floor_retention``): what ``crm.lifecycle.retention._run_all``
writes for every company: per company one aggregate read of the RFM stats
ranked into quintiles, the same BG/NBD + Gamma-Gamma fit by lib.clv (numeric
work both must do), one INSERT of the crm.lifecycle.clv.fit row, the scores
computed vectorised with numpy, and one UPDATE of res_partner with every
customer's scores and scoring date (customers without purchases get their
scores cleared, as in the module), in the shape of the ORM flush the module
goes through: floats rounded to their field's digits, no key for a fallback
value, write_uid and write_date set (the payment UPDATE sets them too). The
stats read is the module's own
``_stats_sql`` ranked by its ``_quintile_sql`` (the module reads the stats a
second time per scoring batch and scores them from the fit's quintile
boundaries, which give back the same scores). Amounts are read as float8 and
subtracted as floats, as the module gets them from Odoo's cursor: the fit is
sensitive to the last bit of its inputs, and the floor must fit the very
same sample to write the same scores.

Left out of the retention floor, with the reason:

* call-back reminders (mail.activity): the module creates one only for an
  overdue customer *with a salesperson* (``user_id``); bench customers have
  none, so the module creates no activity there either;
* segment tags: off by default (``crm_lifecycle.rfm_segment_tags``);
* reminder e-mails: off by default (``crm_lifecycle.reminder_email``);
* the daily age-band refresh of ``_run_step``: demographics, not retention
  scores, and bench partners have no birthdate.
"""

from datetime import date, timedelta

import numpy as np
from dateutil.relativedelta import relativedelta
from psycopg2.extras import Json

from odoo import SUPERUSER_ID, api, fields
from odoo.tools import SQL, float_round
from odoo.tools.translate import get_translation

from odoo.addons.crm_lifecycle.lib import clv
from odoo.addons.crm_lifecycle.models.crm_lifecycle_retention import (
    RFM_DIMENSIONS,
    SCORE_COLUMNS,
    SEGMENT_GRID,
)
from odoo.addons.crm_lifecycle.models.crm_lifecycle_settings import PREFIX, SETTINGS
from odoo.addons.crm_lifecycle.models.res_partner_payment import PAYMENT_GRADE_SETTINGS

# The nine company-dependent payment columns of res_partner.
PAYMENT_COLUMNS = (
    "payment_grade",
    "payment_grade_previous",
    "payment_trend",
    "payment_on_time_ratio",
    "payment_avg_days_late",
    "payment_avg_days_to_pay",
    "payment_max_days_late",
    "payment_overdue_amount",
    "payment_overdue_count",
)
# The churn probability of last week, kept once a week by the scoring.
PREVIOUS_CHURN_COLUMNS = ("churn_probability_previous", "churn_previous_date")
RETENTION_COLUMNS = (*SCORE_COLUMNS, "retention_score_date", *PREVIOUS_CHURN_COLUMNS)
# The PostgreSQL type of the values a company-dependent field keeps in its
# jsonb, by field type.
VALUE_TYPES = {
    "integer": "int4",
    "float": "float8",
    "boolean": "bool",
    "selection": "varchar",
    "date": "date",
}


def _env(cr):
    return api.Environment(cr, SUPERUSER_ID, {})


# ------------------------------------------------------------------
# Payment figures
# ------------------------------------------------------------------


def reset_payment_outputs(cr):
    """Empty the payment figures of every partner in every company."""
    _reset_columns(cr, PAYMENT_COLUMNS)


def _reset_columns(cr, names):
    """NULL these columns of res_partner, in the rows that hold a value only
    (rewriting every row would bloat the table the measures then read)."""
    cr.execute(
        SQL(
            "UPDATE res_partner SET %s WHERE %s",
            SQL(", ").join(SQL("%s = NULL", SQL.identifier(name)) for name in names),
            SQL(" OR ").join(
                SQL("%s IS NOT NULL", SQL.identifier(name)) for name in names
            ),
        )
    )


def _threshold_sql(key, default):
    """The threshold ``key`` of ir.config_parameter as float8: its default
    when unset or not a non-negative number (as the module falls back)."""
    return SQL(
        """COALESCE((SELECT CASE WHEN value ~ '^\\s*[0-9]+(\\.[0-9]*)?\\s*$'
                              THEN value::float8 END
                       FROM ir_config_parameter WHERE key = %(key)s),
                    %(default)s::float8)""",
        key=key,
        default=default,
    )


def _grade_sql(prefix):
    """A to E (NULL without data) of one window's figures, in SQL, as
    ``_payment_grade`` from the thresholds ``t``."""
    return SQL(
        """CASE WHEN %(settled)s = 0 THEN NULL
                WHEN t.e_days <> 0 AND %(max_late)s > t.e_days THEN 'E'
                WHEN %(ratio)s >= t.a THEN 'A'
                WHEN %(ratio)s >= t.b THEN 'B'
                WHEN %(ratio)s >= t.c THEN 'C'
                WHEN %(ratio)s >= t.d THEN 'D'
                ELSE 'E' END""",
        settled=SQL.identifier(f"{prefix}_settled"),
        max_late=SQL.identifier(f"{prefix}_max_late"),
        ratio=SQL.identifier(f"{prefix}_ratio"),
    )


def payment_floor_sql(env, today=None):
    """The one statement of ``floor_payment``."""
    Installment = env["crm.lifecycle.payment.installment"]
    today = today or Installment._today()
    since = today - relativedelta(months=12)
    before = since - relativedelta(months=12)
    window_names = ("on_time", "settled", "days_late", "days_to_pay", "max_late")
    figure_names = (
        "partner_id",
        "company_id",
        *(f"c_{name}" for name in window_names),
        *(f"p_{name}" for name in window_names),
        "overdue_amount",
        "overdue_count",
    )
    # Values of each column, NULL where it is the field's fallback (0 or
    # empty), so that Odoo's jsonb shape results.
    values = {
        "payment_grade": SQL("to_jsonb(v.grade)"),
        "payment_grade_previous": SQL("to_jsonb(v.grade_previous)"),
        "payment_trend": SQL(
            """to_jsonb(CASE WHEN v.grade IS NULL OR v.grade_previous IS NULL
                             THEN NULL
                             WHEN v.grade = v.grade_previous THEN 'stable'
                             WHEN v.grade < v.grade_previous THEN 'improving'
                             ELSE 'worsening' END)"""
        ),
        "payment_on_time_ratio": SQL("to_jsonb(NULLIF(v.c_ratio, 0))"),
        "payment_avg_days_late": SQL(
            "to_jsonb(NULLIF(ROUND(CASE WHEN v.c_settled <> 0"
            " THEN v.c_days_late / v.c_settled ELSE 0 END, 1), 0))"
        ),
        "payment_avg_days_to_pay": SQL(
            "to_jsonb(NULLIF(ROUND(COALESCE(v.c_days_to_pay, 0), 1), 0))"
        ),
        "payment_max_days_late": SQL("to_jsonb(NULLIF(v.c_max_late, 0))"),
        "payment_overdue_amount": SQL(
            "to_jsonb(NULLIF(ROUND(v.overdue_amount, 2), 0))"
        ),
        "payment_overdue_count": SQL("to_jsonb(NULLIF(v.overdue_count, 0))"),
    }
    aggregates = SQL(", ").join(
        SQL(
            "jsonb_object_agg(v.company_id::text, %(value)s)"
            " FILTER (WHERE %(value)s IS NOT NULL) AS %(col)s",
            value=value,
            col=SQL.identifier(name),
        )
        for name, value in values.items()
    )

    # Every company's key is rewritten: the company keys are dropped from
    # the current value, then the new non-fallback values merged in.
    def merged(name):
        return SQL(
            "NULLIF((COALESCE(p.%(col)s, '{}'::jsonb) - n.company_keys)"
            " || COALESCE(n.%(col)s, '{}'::jsonb), '{}'::jsonb)",
            col=SQL.identifier(name),
        )

    assignments = SQL(", ").join(
        SQL("%s = %s", SQL.identifier(name), merged(name)) for name in PAYMENT_COLUMNS
    )
    changed = SQL(" OR ").join(
        SQL("p.%s IS DISTINCT FROM %s", SQL.identifier(name), merged(name))
        for name in PAYMENT_COLUMNS
    )
    # payment_grade_a_ratio -> a, ..., payment_grade_e_days -> e_days
    thresholds = {
        name.removeprefix("payment_grade_").removesuffix("_ratio"): (
            _threshold_sql(PREFIX + name, SETTINGS[name].default)
        )
        for name in PAYMENT_GRADE_SETTINGS
    }
    return SQL(
        """
        WITH t AS (
            SELECT %(a)s AS a, %(b)s AS b, %(c)s AS c, %(d)s AS d,
                   %(e_days)s AS e_days
        ), figures AS (
            SELECT f.*,
                   ROUND(CASE WHEN f.c_settled <> 0
                              THEN f.c_on_time * 100 / f.c_settled ELSE 0 END, 1)
                       AS c_ratio,
                   ROUND(CASE WHEN f.p_settled <> 0
                              THEN f.p_on_time * 100 / f.p_settled ELSE 0 END, 1)
                       AS p_ratio
              FROM (%(figures)s) f(%(figure_names)s)
        ), v AS (
            SELECT f.*, %(grade)s AS grade, %(grade_previous)s AS grade_previous
              FROM figures f, t
        ), n AS (
            SELECT cp.id,
                   (SELECT ARRAY_AGG(id::text) FROM res_company) AS company_keys,
                   %(aggregates)s
              FROM res_partner cp
              LEFT JOIN v ON v.partner_id = cp.id
             WHERE cp.active AND cp.id = cp.commercial_partner_id
             GROUP BY cp.id
        )
        UPDATE res_partner p SET %(assignments)s,
               write_uid = %(uid)s, write_date = now() AT TIME ZONE 'UTC'
          FROM n
         WHERE p.id = n.id AND (%(changed)s)
        """,
        **thresholds,
        figures=Installment._figures_sql(today, since, before),
        figure_names=SQL(", ").join(SQL.identifier(name) for name in figure_names),
        grade=_grade_sql("c"),
        grade_previous=_grade_sql("p"),
        aggregates=aggregates,
        assignments=assignments,
        changed=changed,
        uid=SUPERUSER_ID,
    )


def floor_payment(cr, today=None):
    """The payment figures of every commercial partner in every company, as
    ``_payment_recompute`` writes them, in one statement. Returns the
    number of partners written."""
    cr.execute(payment_floor_sql(_env(cr), today))
    return cr.rowcount


# ------------------------------------------------------------------
# Retention analytics
# ------------------------------------------------------------------


def reset_retention_outputs(cr):
    """Empty every retention score of every partner in every company, and
    the model fits."""
    _reset_columns(
        cr,
        [*RETENTION_COLUMNS, "retention_reminder_date"],
    )
    cr.execute("DELETE FROM crm_lifecycle_clv_fit")


def _read_company_stats(env, company, today, window_days):
    """The RFM stats of all the customers of ``company`` ranked into
    quintiles, in one aggregate query (the module's fit read): a dict of
    columns, each a list in partner order."""
    Retention = env["crm.lifecycle.retention"]
    names = (
        "partner_id",
        "frequency",
        "recency",
        "age",
        "positive_amount",
        "first_amount",
        "net_amount",
        "last_day",
        "window_frequency",
        "window_amount",
        "r_score",
        "f_score",
        "m_score",
    )
    env.cr.execute(
        SQL(
            """
            SELECT partner_id, frequency, recency, age,
                   positive_amount::float8, first_amount::float8,
                   net_amount::float8, last_day,
                   window_frequency, window_amount::float8,
                   r_score, f_score, m_score
              FROM (%s) ranked
             ORDER BY partner_id
            """,
            Retention._ranked_stats_sql(company, today, window_days),
        )
    )
    rows = env.cr.fetchall()
    return {name: [row[i] for row in rows] for i, name in enumerate(names)}


def _rfm_bounds(stats):
    """{column: [lowest value scoring 2, 3, 4, 5]}, as the module records
    them on the fit."""
    bounds = {}
    for key, column in RFM_DIMENSIONS:
        scores = np.array(stats[f"{key}_score"], dtype=int)
        values = stats[column]
        steps = []
        for score in range(2, 6):
            chosen = [
                value for value, ok in zip(values, scores >= score, strict=True) if ok
            ]
            if not chosen:
                steps.append(None)
                continue
            low = min(chosen)
            steps.append(low.isoformat() if isinstance(low, date) else float(low))
        bounds[column] = steps
    return bounds


def _module_text(env):
    """The messages in crm_lifecycle's own words and translations, in the
    environment's language: ``env._`` would look them up in this add-on,
    which translates nothing, and the floor must write what the module
    writes."""
    lang = env.lang or "en_US"

    def text(source, **kwargs):
        return get_translation("crm_lifecycle", lang, source, kwargs)

    return text


def _fit(env, frequency, recency, age, monetary, settings):
    """The fit values of the crm.lifecycle.clv.fit row, beyond the counts:
    BG/NBD by plain maximum likelihood, else with the L2 penalty of the
    settings; Gamma-Gamma on the repeat customers (lib.clv, as the module)."""
    _ = _module_text(env)
    repeat = int(np.count_nonzero(frequency))
    if len(frequency) < clv.MIN_CUSTOMERS:
        return {
            "message": _(
                "Only %(count)s customers have bought: at least %(min)s are "
                "needed to fit the churn and lifetime value model.",
                count=len(frequency),
                min=clv.MIN_CUSTOMERS,
            )
        }
    if not repeat or not age.max():
        return {
            "message": _(
                "No customer has bought on two different days yet: the churn "
                "model cannot be fitted."
            )
        }

    def usable(bg):
        alive = clv.bgnbd_probability_alive(bg, frequency, recency, age)
        expected = clv.bgnbd_expected_purchases(bg, 365, frequency, recency, age)
        return bool(np.all(np.isfinite(alive)) and np.all(np.isfinite(expected)))

    try:
        bg, penalizer = None, 0.0
        try:
            bg = clv.fit_bgnbd(frequency, recency, age)
            if not usable(bg):
                bg = None
        except RuntimeError:
            bg = None
        if bg is None:
            penalizer = settings["clv_penalizer"]
            if not penalizer:
                raise RuntimeError(
                    _("maximum likelihood did not converge on this sample")
                )
            bg = clv.fit_bgnbd(frequency, recency, age, penalizer=penalizer)
            if not usable(bg):
                raise RuntimeError(_("the fitted model predicts non-finite values"))
    except (ValueError, RuntimeError) as error:
        return {
            "message": _(
                "The churn model could not be fitted: %(error)s", error=str(error)
            )
        }
    vals = {
        "state": "ok",
        "penalizer": penalizer,
        "bgnbd_r": bg.r,
        "bgnbd_alpha": bg.alpha,
        "bgnbd_a": bg.a,
        "bgnbd_b": bg.b,
        "bgnbd_log_likelihood": bg.log_likelihood,
        "bg": bg,
    }
    if penalizer:
        vals["message"] = _(
            "Plain maximum likelihood did not converge on this sample: "
            "fitted with an L2 penalty of %(penalizer)s.",
            penalizer=penalizer,
        )
    spend = {}
    if repeat < clv.MIN_CUSTOMERS:
        spend["message"] = _(
            "Only %(count)s repeat customers: at least %(min)s are needed "
            "for the spend model, so the predicted lifetime value stays "
            "empty; churn and expected purchases are scored.",
            count=repeat,
            min=clv.MIN_CUSTOMERS,
        )
    else:
        try:
            gg = clv.fit_gamma_gamma(frequency, monetary)
        except (ValueError, RuntimeError) as error:
            spend["message"] = _(
                "The spend model could not be fitted: %(error)s", error=str(error)
            )
        else:
            if gg.q <= 1:
                spend["message"] = _(
                    "The spend model has no finite mean (q = %(q)s): the "
                    "predicted lifetime value stays empty.",
                    q=round(gg.q, 4),
                )
            else:
                spend = {
                    "spend_fitted": True,
                    "gg_p": gg.p,
                    "gg_q": gg.q,
                    "gg_gamma": gg.v,
                    "gg_log_likelihood": gg.log_likelihood,
                    "gg": gg,
                }
    if vals.get("message") and spend.get("message"):
        spend["message"] = f"{vals['message']}\n{spend['message']}"
    vals.update(spend)
    return vals


def _insert_fit(cr, vals):
    """One INSERT of the crm.lifecycle.clv.fit row."""
    vals = {key: value for key, value in vals.items() if key not in ("bg", "gg")}
    vals["rfm_thresholds"] = Json(vals["rfm_thresholds"])
    columns = list(vals)
    cr.execute(
        SQL(
            "INSERT INTO crm_lifecycle_clv_fit (%s, create_uid, write_uid,"
            " create_date, write_date)"
            " VALUES (%s, %s, %s, now() AT TIME ZONE 'UTC',"
            " now() AT TIME ZONE 'UTC')",
            SQL(", ").join(SQL.identifier(name) for name in columns),
            SQL(", ").join(SQL("%s", vals[name]) for name in columns),
            SUPERUSER_ID,
            SUPERUSER_ID,
        )
    )


def _finite(values):
    """Python floats, None where not finite."""
    values = np.asarray(values, dtype=float)
    return [float(v) if np.isfinite(v) else None for v in values]


# Segment of (recency score, FM score), indexed 1 to 5 each.
_SEGMENTS = np.full((6, 6), None, dtype=object)
for _r, _row in SEGMENT_GRID.items():
    _SEGMENTS[_r, 1:] = _row


def _summary_arrays(stats):
    """frequency, recency, T (days) and mean repeat-purchase value, as
    lib.clv defines them."""
    frequency = np.array(stats["frequency"], dtype=float)
    recency = np.array(stats["recency"], dtype=float)
    age = np.array(stats["age"], dtype=float)
    # Amounts as Odoo's cursor reads numeric (float8), subtracted as floats:
    # the fit is sensitive to the last bit of its inputs.
    repeat_amount = np.array(stats["positive_amount"], dtype=float) - np.array(
        stats["first_amount"], dtype=float
    )
    monetary = np.divide(
        repeat_amount,
        frequency,
        out=np.zeros(len(frequency)),
        where=frequency > 0,
    )
    return frequency, recency, age, monetary


def _scores(stats, arrays, fit, settings):
    """{column: list of values} of the company's customers, vectorised."""
    frequency, recency, age, monetary = arrays
    count = len(frequency)
    churn = expected = value = [None] * count
    bg = fit.get("bg")
    if bg and count:
        churn = _finite(1.0 - clv.bgnbd_probability_alive(bg, frequency, recency, age))
        expected = _finite(
            clv.bgnbd_expected_purchases(bg, 365, frequency, recency, age)
        )
        if fit.get("gg"):
            value = _finite(
                clv.customer_lifetime_value(
                    bg,
                    fit["gg"],
                    frequency,
                    recency,
                    age,
                    monetary,
                    horizon_months=settings["clv_horizon_months"],
                    monthly_discount_rate=settings["clv_monthly_discount_rate"],
                    time_unit_days=1,
                )
            )
    r = np.array(stats["r_score"], dtype=int)
    f = np.array(stats["f_score"], dtype=int)
    m = np.array(stats["m_score"], dtype=int)
    interval = np.divide(
        recency, frequency, out=np.full(count, np.nan), where=frequency > 0
    )
    return {
        "rfm_recency_score": r.tolist(),
        "rfm_frequency_score": f.tolist(),
        "rfm_monetary_score": m.tolist(),
        "rfm_segment": _SEGMENTS[r, (f + m + 1) // 2].tolist() if count else [],
        "churn_probability": churn,
        "expected_purchases_365": expected,
        "clv_predicted": value,
        "clv_historical": stats["net_amount"],
        "clv_scored": [value is not None for value in churn],
        "retention_last_purchase_date": stats["last_day"],
        "retention_purchase_interval": _finite(interval),
    }


# JSON value of each column type that Odoo leaves out of a company-dependent
# jsonb (the field's fallback without ir.default), and the SQL that turns an
# empty value into it, as the ORM converts None before writing.
_FALLBACKS = {
    "int4": ("0", "COALESCE(%s, 0)"),
    "float8": ("0", "COALESCE(%s, 0)"),
    "bool": ("false", "COALESCE(%s, false)"),
    "varchar": ("null", "%s"),
    "date": ("null", "%s"),
}


def _stored_scores(env, scores):
    """The scores as the ORM stores them: floats rounded to their field's
    digits (Float.convert_to_cache)."""
    fields_ = env["res.partner"]._fields
    stored = dict(scores)
    for name in SCORE_COLUMNS:
        field = fields_[name]
        digits = field.get_digits(env) if field.type == "float" else None
        if digits:
            stored[name] = [
                None
                if value is None
                else float_round(value, precision_digits=digits[1])
                for value in scores[name]
            ]
    return stored


def _company_value_sql(name, sql_type, key, value, company_keys):
    """The new jsonb of company-dependent column ``name``: the company's
    ``value`` merged in, then every key holding the fallback, or of no
    company, left out (NULL when none is left), as Odoo's ``_write_multi``."""
    fallback, empty = _FALLBACKS[sql_type]
    return SQL(
        """(SELECT jsonb_object_agg(d.key, d.value)
              FROM jsonb_each(COALESCE(p.%(col)s, '{}'::jsonb)
                              || jsonb_build_object(%(key)s, %(value)s)) d
             WHERE d.value <> %(fallback)s::jsonb
               AND d.key = ANY(%(company_keys)s))""",
        col=SQL.identifier(name),
        key=key,
        value=SQL(empty, value),
        fallback=fallback,
        company_keys=company_keys,
    )


def _write_scores(env, company, company_keys, partner_ids, scores, today):
    """One UPDATE of res_partner: the company's scores and scoring date of
    every customer to score, cleared for those without purchases (the
    module's todo set: a posted customer invoice or credit note in the
    company, or a segment to clear), in the jsonb shape of Odoo's flush."""
    cr = env.cr
    key = str(company.id)
    names = list(SCORE_COLUMNS)
    fields_ = env["res.partner"]._fields
    types = {name: VALUE_TYPES[fields_[name].type] for name in RETENTION_COLUMNS}
    scores = _stored_scores(env, scores)
    arrays = SQL(", ").join(
        SQL("%s::%s[]", list(scores[name]), SQL(types[name])) for name in names
    )
    assignments = SQL(", ").join(
        SQL(
            "%s = %s",
            SQL.identifier(name),
            _company_value_sql(
                name,
                types[name],
                key,
                SQL("s.%s", SQL.identifier(name)),
                company_keys,
            ),
        )
        for name in SCORE_COLUMNS
    )

    def old(name):
        return SQL("(p.%s ->> %s)::%s", SQL.identifier(name), key, SQL(types[name]))

    # The probability before this scoring, kept when what was kept is a
    # week old (_keep_previous_churn).
    due = SQL(
        "(%(kept)s IS NULL OR %(kept)s <= %(limit)s::date)",
        kept=old("churn_previous_date"),
        limit=today - timedelta(days=7),
    )
    previous = {
        "churn_probability_previous": SQL(
            "CASE WHEN %s THEN %s ELSE %s END",
            due,
            old("churn_probability"),
            old("churn_probability_previous"),
        ),
        "churn_previous_date": SQL(
            "CASE WHEN %s THEN %s::date ELSE %s END",
            due,
            today,
            old("churn_previous_date"),
        ),
    }
    assignments = SQL(", ").join(
        [
            assignments,
            *(
                SQL(
                    "%s = %s",
                    SQL.identifier(name),
                    _company_value_sql(name, types[name], key, value, company_keys),
                )
                for name, value in previous.items()
            ),
        ]
    )
    cr.execute(
        SQL(
            """
            WITH s AS (
                SELECT * FROM unnest(%(ids)s::int[], %(arrays)s)
                    AS s(partner_id, %(names)s)
            )
            UPDATE res_partner p SET %(assignments)s,
                   retention_score_date = %(score_date)s,
                   write_uid = %(uid)s, write_date = now() AT TIME ZONE 'UTC'
              FROM res_partner c
              LEFT JOIN s ON s.partner_id = c.id
             WHERE p.id = c.id
               AND c.active AND c.id = c.commercial_partner_id
               AND c.id IN (
                    SELECT m.commercial_partner_id FROM account_move m
                     WHERE m.company_id = %(company)s
                       AND m.state = 'posted'
                       AND m.move_type IN ('out_invoice', 'out_refund')
                    UNION
                    SELECT o.id FROM res_partner o
                     WHERE (o.rfm_segment ->> %(key)s) IS NOT NULL
               )
            """,
            ids=list(partner_ids),
            arrays=arrays,
            names=SQL(", ").join(SQL.identifier(name) for name in names),
            assignments=assignments,
            score_date=_company_value_sql(
                "retention_score_date",
                "date",
                key,
                SQL("%s::date", today),
                company_keys,
            ),
            uid=SUPERUSER_ID,
            key=key,
            company=company.id,
        )
    )
    return cr.rowcount


def floor_retention(env, today=None):
    """The retention outputs of ``crm.lifecycle.retention._run_all`` for
    every company: per company one stats read, the fit, one INSERT of the
    fit row and one UPDATE of the scores. Returns {company_id: partners
    written}."""
    env = env(su=True)
    Retention = env["crm.lifecycle.retention"]
    today = today or fields.Date.context_today(Retention)
    settings = Retention._get_settings()
    window_days = settings["rfm_window_days"]
    env.flush_all()
    written = {}
    companies = env["res.company"].search([], order="id")
    company_keys = [str(cid) for cid in companies.ids]
    for company in companies:
        stats = _read_company_stats(env, company, today, window_days)
        arrays = _summary_arrays(stats)
        frequency = arrays[0]
        fit = {
            "company_id": company.id,
            "date": today,
            "rfm_thresholds": _rfm_bounds(stats),
            "customer_count": len(frequency),
            "repeat_customer_count": int(np.count_nonzero(frequency)),
            "state": "insufficient",
        }
        fit.update(_fit(env, *arrays, settings))
        _insert_fit(env.cr, fit)
        scores = _scores(stats, arrays, fit, settings)
        written[company.id] = _write_scores(
            env, company, company_keys, stats["partner_id"], scores, today
        )
    env["res.partner"].invalidate_model(list(RETENTION_COLUMNS))
    env["crm.lifecycle.clv.fit"].invalidate_model()
    return written
