"""Customer-lifetime-value estimators: BG/NBD, Gamma-Gamma and discounted CLV.

Plain functions on numpy arrays, with no database and no Odoo import, so that
they can be tested and reused on their own.

* BG/NBD: Fader, Hardie & Lee (2005), "Counting your customers the easy way:
  an alternative to the Pareto/NBD model", Marketing Science 24(2).
* Gamma-Gamma: Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value
  curves for customer base analysis", Journal of Marketing Research 42(4).

The data definitions (frequency, recency, T, monetary value) and the
discounted CLV are those of the ``lifetimes`` package, so that figures can be
compared with it.
"""

import datetime
import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

__all__ = [
    "MIN_CUSTOMERS",
    "BGNBDParams",
    "GammaGammaParams",
    "TransactionSummary",
    "fit_bgnbd",
    "bgnbd_probability_alive",
    "bgnbd_expected_purchases",
    "fit_gamma_gamma",
    "gamma_gamma_expected_spend",
    "customer_lifetime_value",
    "summarise_transactions",
]

# Below this many customers the four (or three) parameters are not identified
# well enough for the estimates to mean anything.
MIN_CUSTOMERS = 30

# Days in a month for the CLV horizon, as the brief and lifetimes' daily
# frequency use.
DAYS_PER_MONTH = 30

# The optimiser works on log-parameters; bounding them keeps exp() finite
# when the data barely identify a parameter (all the tail of the likelihood
# beyond these bounds is numerically flat anyway). Beyond about e^15 the
# special functions lose so much precision that the likelihood turns into
# rounding noise: L-BFGS-B then stops on a spurious "optimum" with a gradient
# it cannot follow (seen with SciPy 1.17 when dropout is not identified and
# BG/NBD's a and b run away together).
_LOG_PARAM_BOUND = 15.0

# The optimiser works on data rescaled so that the largest T (or the mean
# spend) is of this order: the log-parameters all start at 0 (parameters 1),
# which is then a reasonable start whatever the time or currency unit.
_TIME_SCALE_TARGET = 10.0

_OPTIMIZER_OPTIONS = {"maxiter": 1000, "ftol": 1e-14, "gtol": 1e-9}


@dataclass(frozen=True)
class BGNBDParams:
    """Fitted BG/NBD parameters.

    ``r`` and ``alpha`` are the shape and rate of the gamma distribution of
    purchase rates (``alpha`` in the time unit of the data), ``a`` and ``b``
    those of the beta distribution of dropout probabilities; ``n`` is the
    number of customers fitted and ``log_likelihood`` the (unpenalised)
    log-likelihood at the estimate.
    """

    r: float
    alpha: float
    a: float
    b: float
    n: int
    log_likelihood: float


@dataclass(frozen=True)
class GammaGammaParams:
    """Fitted Gamma-Gamma spend parameters.

    ``p`` is the shape of the gamma distribution of one transaction's value,
    ``q`` and ``v`` (the paper's gamma) the shape and rate of the gamma
    distribution of its scale across customers; ``n`` is the number of
    customers with repeat purchases fitted and ``log_likelihood`` the
    log-likelihood at the estimate.
    """

    p: float
    q: float
    v: float
    n: int
    log_likelihood: float


@dataclass(frozen=True, eq=False)
class TransactionSummary:
    """Per-customer RFM summary, one position per customer in all arrays.

    ``customer_keys`` is sorted; ``frequency``, ``recency``, ``T`` and
    ``monetary_value`` are the lifetimes definitions (see
    :func:`summarise_transactions`).
    """

    customer_keys: tuple
    frequency: np.ndarray
    recency: np.ndarray
    T: np.ndarray
    monetary_value: np.ndarray


# --------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------


def _as_array(name, values):
    """Return ``values`` as a 1-D float array of finite numbers."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be numeric: {exc}") from None
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return array


def _check_same_length(**arrays):
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{name}={size}" for name, size in lengths.items())
        raise ValueError(f"mismatched lengths: {detail}")


def _check_frequency(frequency):
    frequency = _as_array("frequency", frequency)
    if np.any(frequency < 0):
        raise ValueError("frequency contains negative values")
    if np.any(frequency != np.round(frequency)):
        raise ValueError("frequency must hold whole numbers of repeat purchases")
    return frequency


def _check_rft(frequency, recency, T):
    """Validate and return frequency, recency and T as float arrays."""
    frequency = _check_frequency(frequency)
    recency = _as_array("recency", recency)
    T = _as_array("T", T)
    _check_same_length(frequency=frequency, recency=recency, T=T)
    if np.any(recency < 0):
        raise ValueError("recency contains negative values")
    if np.any(T < 0):
        raise ValueError("T contains negative values")
    if np.any(recency > T):
        raise ValueError("recency is larger than T for some customers")
    # Without repeat purchase the last purchase is the first one.
    if np.any(recency[frequency == 0] != 0):
        raise ValueError("recency must be 0 for customers with frequency 0")
    return frequency, recency, T


def _check_monetary(frequency, monetary_value):
    monetary_value = _as_array("monetary_value", monetary_value)
    _check_same_length(frequency=frequency, monetary_value=monetary_value)
    if np.any(monetary_value < 0):
        raise ValueError("monetary_value contains negative values")
    if np.any(monetary_value[frequency > 0] == 0):
        raise ValueError(
            "monetary_value must be positive for customers with frequency > 0"
        )
    return monetary_value


def _check_enough(n, what):
    if n < MIN_CUSTOMERS:
        raise ValueError(
            f"too few customers to fit the {what} model: {n}, "
            f"at least {MIN_CUSTOMERS} are needed"
        )


def _check_bgnbd_params(params):
    values = (params.r, params.alpha, params.a, params.b)
    if not all(math.isfinite(v) and v > 0 for v in values):
        raise ValueError(f"BG/NBD parameters must be positive and finite: {params}")


def _check_gamma_gamma_params(params):
    values = (params.p, params.q, params.v)
    if not all(math.isfinite(v) and v > 0 for v in values):
        raise ValueError(
            f"Gamma-Gamma parameters must be positive and finite: {params}"
        )
    # The population mean spend v * p / (q - 1) only exists for q > 1.
    if params.q <= 1:
        raise ValueError(
            f"Gamma-Gamma q must be larger than 1 for an expected spend: {params.q}"
        )


def _minimize(objective, start, args, model):
    bounds = [(-_LOG_PARAM_BOUND, _LOG_PARAM_BOUND)] * len(start)
    result = optimize.minimize(
        objective,
        np.asarray(start, dtype=float),
        args=args,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options=_OPTIMIZER_OPTIONS,
    )
    # L-BFGS-B stops "abnormally" when the line search can no longer improve
    # an objective already at the optimum within rounding: only a real
    # failure (large gradient left) is reported.
    if not result.success and not np.all(np.abs(result.jac) < 1e-5):
        raise RuntimeError(f"the {model} fit did not converge: {result.message}")
    return result.x


# --------------------------------------------------------------------------
# BG/NBD
# --------------------------------------------------------------------------


def _bgnbd_loglik(r, alpha, a, b, x, tx, T, gradient=False, x_groups=None):
    """Per-customer BG/NBD log-likelihood (eq. 6 of the paper).

    Returns the log-likelihoods and, when ``gradient`` is true, their
    derivatives with respect to r, alpha, a and b (one row per parameter).
    ``x_groups`` is ``np.unique(x, return_inverse=True)``, computed once by
    the caller that evaluates the likelihood many times.
    """
    x_unique, x_inverse = (
        np.unique(x, return_inverse=True) if x_groups is None else x_groups
    )

    def by_x(function, shift):
        # Special functions of (shift + x) dominate the cost; x takes few
        # distinct values, so they are evaluated once per value.
        return function(shift + x_unique)[x_inverse]

    repeat = x > 0
    # b + x - 1 is only used where x > 0; the safe value avoids log of a
    # negative number (and warnings) where x == 0.
    b_x_1 = b + np.where(repeat, x, 1.0) - 1.0
    log_alpha_T = np.log(alpha + T)
    log_alpha_tx = np.log(alpha + tx)
    # L = B(a, b+x)/B(a, b) * G(r+x) alpha^r / G(r)
    #     * [(alpha+T)^-(r+x) + [x>0] a/(b+x-1) (alpha+t_x)^-(r+x)]
    # The bracket is summed in log space: both terms underflow for large x.
    term_T = -(r + x) * log_alpha_T
    term_tx = np.where(
        repeat, np.log(a) - np.log(b_x_1) - (r + x) * log_alpha_tx, -np.inf
    )
    log_bracket = np.logaddexp(term_T, term_tx)
    gammaln_b_x = by_x(special.gammaln, b)
    gammaln_a_b_x = by_x(special.gammaln, a + b)
    loglik = (
        by_x(special.gammaln, r)
        - special.gammaln(r)
        + r * np.log(alpha)
        + special.gammaln(a)
        + gammaln_b_x
        - gammaln_a_b_x
        - special.betaln(a, b)
        + log_bracket
    )
    if not gradient:
        return loglik
    # Share of the bracket due to the "dropped out after the last purchase"
    # term (0 for customers without repeat purchase).
    share_tx = np.exp(term_tx - log_bracket)
    share_T = 1.0 - share_tx
    psi_a_b = special.digamma(a + b)
    psi_a_b_x = by_x(special.digamma, a + b)
    d_r = (
        by_x(special.digamma, r)
        - special.digamma(r)
        + np.log(alpha)
        - share_T * log_alpha_T
        - share_tx * log_alpha_tx
    )
    d_alpha = r / alpha - (r + x) * (share_T / (alpha + T) + share_tx / (alpha + tx))
    d_a = psi_a_b - psi_a_b_x + share_tx / a
    d_b = (
        by_x(special.digamma, b)
        - psi_a_b_x
        - special.digamma(b)
        + psi_a_b
        - share_tx / b_x_1
    )
    return loglik, np.vstack([d_r, d_alpha, d_a, d_b])


def _bgnbd_objective(log_params, x, tx, T, weights, penalizer, x_groups):
    """Mean negative log-likelihood (plus penalty) and its gradient in the
    log-parameters, as lifetimes' BetaGeoFitter minimises it."""
    params = np.exp(log_params)
    loglik, grad = _bgnbd_loglik(*params, x, tx, T, gradient=True, x_groups=x_groups)
    total = weights.sum()
    value = -(weights @ loglik) / total + penalizer * np.sum(params**2)
    # Chain rule for the log-parameters: d/d(log p) = p * d/dp.
    jac = -(grad @ weights) / total * params + 2.0 * penalizer * params**2
    return value, jac


def fit_bgnbd(frequency, recency, T, weights=None, penalizer=0.0):
    """Fit the BG/NBD model by maximum likelihood.

    :param frequency: number of repeat purchases of each customer (x).
    :param recency: time of the last purchase after the first one (t_x).
    :param T: time from the first purchase to the end of observation.
    :param weights: optional whole number of customers each row stands for
        (rows of identical customers can then be compressed); all 1 by default.
    :param penalizer: L2 penalty on the parameters added to the mean negative
        log-likelihood, as lifetimes' ``penalizer_coef`` (like it, on alpha in
        the time unit where the largest T is 10); 0 for plain ML.
    :return: :class:`BGNBDParams`, ``alpha`` in the time unit of the data.
    :raise ValueError: on invalid data or fewer than ``MIN_CUSTOMERS``
        customers.
    :raise RuntimeError: when the optimiser fails to converge.

    The fit is deterministic: it starts from fixed parameters, on data
    rescaled to a fixed range, and uses the analytic gradient.
    """
    x, tx, T = _check_rft(frequency, recency, T)
    if weights is None:
        weights = np.ones_like(x)
    else:
        weights = _as_array("weights", weights)
        _check_same_length(frequency=x, weights=weights)
        if np.any(weights < 0) or np.any(weights != np.round(weights)):
            raise ValueError("weights must be non-negative whole numbers")
    penalizer = float(penalizer)
    if not math.isfinite(penalizer) or penalizer < 0:
        raise ValueError(f"penalizer must be a non-negative number: {penalizer}")
    n = int(weights.sum())
    _check_enough(n, "BG/NBD")
    used = weights > 0
    if not np.any(x[used] > 0):
        raise ValueError("no customer has a repeat purchase: BG/NBD cannot be fitted")
    if T[used].max() <= 0:
        raise ValueError("T is 0 for every customer: BG/NBD cannot be fitted")
    x, tx, T, weights = x[used], tx[used], T[used], weights[used]

    # Work in a time unit where the longest T is 10: alpha scales with it
    # (and is scaled back) while r, a and b do not depend on the unit.
    scale = _TIME_SCALE_TARGET / T.max()
    log_params = _minimize(
        _bgnbd_objective,
        np.zeros(4),
        (
            x,
            tx * scale,
            T * scale,
            weights,
            penalizer,
            np.unique(x, return_inverse=True),
        ),
        "BG/NBD",
    )
    r, alpha, a, b = np.exp(log_params)
    alpha /= scale
    loglik = _bgnbd_loglik(r, alpha, a, b, x, tx, T)
    return BGNBDParams(
        r=float(r),
        alpha=float(alpha),
        a=float(a),
        b=float(b),
        n=n,
        log_likelihood=float(weights @ loglik),
    )


def _bgnbd_probability_alive(params, x, tx, T):
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    repeat = x > 0
    b_x_1 = b + np.where(repeat, x, 1.0) - 1.0
    # P(alive) = 1 / (1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)),
    # written as expit(-log(odds of having dropped out)) so that a large x
    # cannot overflow the power.
    log_odds_dead = (
        np.log(a) - np.log(b_x_1) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    )
    return np.where(repeat, special.expit(-log_odds_dead), 1.0)


def bgnbd_probability_alive(params, frequency, recency, T):
    """Probability that each customer is still active at the end of its
    observation (Fader, Hardie & Lee, "Computing P(alive) using the BG/NBD
    model").

    Under BG/NBD a customer can only drop out right after a purchase, so a
    customer with no repeat purchase (frequency 0) is alive with probability 1.

    :param params: :class:`BGNBDParams` from :func:`fit_bgnbd`.
    :return: 1-D array, one probability per customer.
    """
    _check_bgnbd_params(params)
    x, tx, T = _check_rft(frequency, recency, T)
    return _bgnbd_probability_alive(params, x, tx, T)


def _bgnbd_expected_purchases(params, t, x, tx, T):
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    h_a = r + x
    h_b = b + x
    h_c = a + b + x - 1.0
    z = t / (alpha + T + t)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        hyp = special.hyp2f1(h_a, h_b, h_c, z)
        # With x == 0 and a + b < 1, c = a + b - 1 is negative and 2F1 can
        # legitimately be negative: no logarithm for those (see below).
        log_hyp = np.log(np.where(hyp > 0, hyp, np.nan))
    # For large x hyp2f1 overflows; Euler's transformation
    # 2F1(a,b;c;z) = (1-z)^(c-a-b) 2F1(c-a,c-b;c;z) gives the same value with
    # a well-behaved series.
    if not np.all(np.isfinite(log_hyp) | (np.isfinite(hyp) & (hyp <= 0))):
        log_hyp_euler = np.log(special.hyp2f1(h_c - h_a, h_c - h_b, h_c, z)) + (
            h_c - h_a - h_b
        ) * np.log1p(-z)
        log_hyp = np.where(np.isfinite(log_hyp), log_hyp, log_hyp_euler)
    # Eq. 10: (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(...)]
    # divided by 1 + [x>0] a/(b+x-1) (...)^(r+x), that is times P(alive).
    # The formula has a removable singularity at a == 1 exactly.
    scale = h_a * (np.log(alpha + T) - np.log(alpha + T + t))
    bracket = -np.expm1(log_hyp + scale)
    non_positive = np.isfinite(hyp) & (hyp <= 0)
    if np.any(non_positive):
        bracket = np.where(non_positive, 1.0 - hyp * np.exp(scale), bracket)
    return h_c / (a - 1.0) * bracket * _bgnbd_probability_alive(params, x, tx, T)


def bgnbd_expected_purchases(params, t, frequency, recency, T):
    """Expected number of purchases of each customer in the next ``t`` time
    units, given its history (eq. 10 of the paper).

    :param params: :class:`BGNBDParams` from :func:`fit_bgnbd`.
    :param t: non-negative horizon in the time unit of the data: a number,
        or one per customer.
    :return: 1-D array, one expectation per customer.
    """
    _check_bgnbd_params(params)
    x, tx, T = _check_rft(frequency, recency, T)
    t = _as_array("t", t)
    if len(t) != 1:
        _check_same_length(frequency=x, t=t)
    if np.any(t < 0):
        raise ValueError("t contains negative values")
    return _bgnbd_expected_purchases(params, t, x, tx, T)


# --------------------------------------------------------------------------
# Gamma-Gamma
# --------------------------------------------------------------------------


def _gamma_gamma_loglik(p, q, v, x, m, gradient=False):
    """Per-customer log-likelihood of the mean spend m of x transactions
    under the Gamma-Gamma model (as lifetimes' GammaGammaFitter)."""
    px = p * x
    log_xm_v = np.log(x * m + v)
    gammaln_px_q = special.gammaln(px + q)
    loglik = (
        gammaln_px_q
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(v)
        + (px - 1.0) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_xm_v
    )
    if not gradient:
        return loglik
    psi_px_q = special.digamma(px + q)
    d_p = x * (psi_px_q - special.digamma(px) + np.log(m) + np.log(x) - log_xm_v)
    d_q = psi_px_q - special.digamma(q) + np.log(v) - log_xm_v
    d_v = q / v - (px + q) / (x * m + v)
    return loglik, np.vstack([d_p, d_q, d_v])


def _gamma_gamma_objective(log_params, x, m):
    params = np.exp(log_params)
    loglik, grad = _gamma_gamma_loglik(*params, x, m, gradient=True)
    return -loglik.mean(), -grad.mean(axis=1) * params


def fit_gamma_gamma(frequency, monetary_value):
    """Fit the Gamma-Gamma spend model by maximum likelihood.

    Only customers with repeat purchases (frequency > 0) carry information on
    spend; the others are ignored, so the whole customer base can be passed.

    :param frequency: number of repeat purchases of each customer.
    :param monetary_value: mean value of each customer's repeat purchases
        (positive where frequency > 0).
    :return: :class:`GammaGammaParams`, ``v`` in the currency of the data.
    :raise ValueError: on invalid data or fewer than ``MIN_CUSTOMERS``
        customers with frequency > 0.
    """
    x = _check_frequency(frequency)
    m = _check_monetary(x, monetary_value)
    repeat = x > 0
    x, m = x[repeat], m[repeat]
    _check_enough(len(x), "Gamma-Gamma (customers with frequency > 0)")
    # Spend in units of its mean: v scales with the currency, p and q don't.
    scale = 1.0 / m.mean()
    log_params = _minimize(
        _gamma_gamma_objective, np.zeros(3), (x, m * scale), "Gamma-Gamma"
    )
    p, q, v = np.exp(log_params)
    v /= scale
    loglik = _gamma_gamma_loglik(p, q, v, x, m)
    return GammaGammaParams(
        p=float(p),
        q=float(q),
        v=float(v),
        n=len(x),
        log_likelihood=float(loglik.sum()),
    )


def _gamma_gamma_expected_spend(params, x, m):
    p, q, v = params.p, params.q, params.v
    # E(M | x, m) = (q-1)/(px+q-1) * vp/(q-1) + px/(px+q-1) * m: a weighted
    # mean of the population mean and the customer's own mean.
    return (p * v + p * x * m) / (p * x + q - 1.0)


def gamma_gamma_expected_spend(params, frequency, monetary_value):
    """Expected value of each customer's future transactions.

    That is its observed mean spend shrunk towards the population mean, the
    more so the fewer repeat purchases it has; a customer with frequency 0
    gets the population mean ``p * v / (q - 1)``.

    :param params: :class:`GammaGammaParams` from :func:`fit_gamma_gamma`.
    :return: 1-D array, one expected spend per customer.
    """
    _check_gamma_gamma_params(params)
    x = _check_frequency(frequency)
    m = _check_monetary(x, monetary_value)
    return _gamma_gamma_expected_spend(params, x, m)


# --------------------------------------------------------------------------
# CLV
# --------------------------------------------------------------------------


def customer_lifetime_value(
    bg_params,
    gg_params,
    frequency,
    recency,
    T,
    monetary_value,
    horizon_months=12,
    monthly_discount_rate=0.01,
    time_unit_days=7,
):
    """Discounted customer lifetime value over ``horizon_months``.

    For each month m = 1..horizon_months (months of 30 days, converted to the
    time unit of the data), the BG/NBD expected purchases in that month times
    the Gamma-Gamma expected spend, discounted by
    ``(1 + monthly_discount_rate) ** m``; the lifetimes approach.

    :param time_unit_days: length in days of the time unit of recency and T
        (7 for weeks).
    :return: 1-D array, one value per customer, in the currency of
        ``monetary_value``.
    """
    _check_bgnbd_params(bg_params)
    _check_gamma_gamma_params(gg_params)
    x, tx, T = _check_rft(frequency, recency, T)
    m = _check_monetary(x, monetary_value)
    if (
        isinstance(horizon_months, bool)
        or not isinstance(horizon_months, int | np.integer)
        or horizon_months < 1
    ):
        raise ValueError(f"horizon_months must be a positive integer: {horizon_months}")
    rate = float(monthly_discount_rate)
    if not math.isfinite(rate) or rate < 0:
        raise ValueError(f"monthly_discount_rate must be >= 0: {monthly_discount_rate}")
    unit = float(time_unit_days)
    if not math.isfinite(unit) or unit <= 0:
        raise ValueError(f"time_unit_days must be positive: {time_unit_days}")

    units_per_month = DAYS_PER_MONTH / unit
    spend = _gamma_gamma_expected_spend(gg_params, x, m)
    value = np.zeros_like(x)
    # Expected purchases are cumulative in t: each month's purchases are the
    # difference between the expectations at its end and at its start.
    previous = np.zeros_like(x)
    for month in range(1, int(horizon_months) + 1):
        cumulative = _bgnbd_expected_purchases(
            bg_params, month * units_per_month, x, tx, T
        )
        value += spend * (cumulative - previous) / (1.0 + rate) ** month
        previous = cumulative
    return value


# --------------------------------------------------------------------------
# Transactions to RFM summary
# --------------------------------------------------------------------------


def _as_day(name, value):
    # datetime is a subclass of date: truncate it to its day, as lifetimes'
    # daily periods do.
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raise ValueError(f"{name} must be a date or datetime, got {value!r}")


def summarise_transactions(rows, observation_end, time_unit_days=7):
    """Turn transactions into the per-customer RFM summary the models need.

    Same definitions as ``lifetimes.utils.summary_data_from_transaction_data``
    with daily periods and ``freq_multiplier=time_unit_days``:

    * purchases on the same day count as one purchase of their summed amount;
      rows dated after ``observation_end`` are ignored;
    * ``frequency``: number of distinct purchase days minus one (repeat
      purchases);
    * ``recency``: last minus first purchase day, in time units;
    * ``T``: ``observation_end`` minus first purchase day, in time units;
    * ``monetary_value``: mean amount of the repeat purchase days (the first
      day excluded), 0 when frequency is 0.

    :param rows: iterable of ``(customer_key, date, amount)``; dates are
        ``datetime.date`` or ``datetime.datetime`` (truncated to the day),
        amounts non-negative numbers (net refunds out beforehand); customer
        keys hashable and mutually comparable (they are sorted).
    :param observation_end: date (or datetime) at which observation ends.
    :param time_unit_days: length in days of the time unit (7 for weeks).
    :return: :class:`TransactionSummary`, customers sorted by key.
    """
    end = _as_day("observation_end", observation_end)
    unit = float(time_unit_days)
    if not math.isfinite(unit) or unit <= 0:
        raise ValueError(f"time_unit_days must be positive: {time_unit_days}")

    # customer -> {day: summed amount}
    days_by_customer = {}
    for index, row in enumerate(rows):
        try:
            key, day, amount = row
        except (TypeError, ValueError):
            raise ValueError(
                f"row {index} is not a (customer_key, date, amount) tuple: {row!r}"
            ) from None
        day = _as_day(f"date of row {index}", day)
        if isinstance(amount, bool) or not isinstance(
            amount, int | float | np.integer | np.floating
        ):
            raise ValueError(f"amount of row {index} is not a number: {amount!r}")
        amount = float(amount)
        if not math.isfinite(amount) or amount < 0:
            raise ValueError(
                f"amount of row {index} must be a non-negative number: {amount!r}"
            )
        if day > end:
            continue
        days = days_by_customer.setdefault(key, {})
        days[day] = days.get(day, 0.0) + amount

    try:
        keys = sorted(days_by_customer)
    except TypeError:
        raise ValueError("customer keys must be mutually comparable") from None

    size = len(keys)
    frequency = np.zeros(size)
    recency = np.zeros(size)
    T = np.zeros(size)
    monetary_value = np.zeros(size)
    for position, key in enumerate(keys):
        days = days_by_customer[key]
        ordered = sorted(days)
        first, last = ordered[0], ordered[-1]
        frequency[position] = len(ordered) - 1
        recency[position] = (last - first).days / unit
        T[position] = (end - first).days / unit
        if len(ordered) > 1:
            monetary_value[position] = math.fsum(days[d] for d in ordered[1:]) / (
                len(ordered) - 1
            )
    return TransactionSummary(
        customer_keys=tuple(keys),
        frequency=frequency,
        recency=recency,
        T=T,
        monetary_value=monetary_value,
    )
