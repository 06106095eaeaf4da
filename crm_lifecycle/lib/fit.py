"""The fit score: how much a partner looks like a company's best customers.

Plain functions, without a database: each partner is a set of trait tokens
("industry:7", "country:224", "company_type:company", "tag:3"...); the best
customers are the top quintile of the customers' lifetime value; a logistic
regression on the one-hot traits (scikit-learn) learns which traits the
best customers share, with a held-out AUC to say how well it does. Without
enough best customers, hand-set criteria (trait: weight 0 to 100) score
instead.

A score is 0 to 100; its reasons are the partner's traits with the largest
positive contributions (coefficient times feature, the feature being 1).
"""

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

# The trait types a token may start with, in the order they are listed.
TRAIT_TYPES = (
    "industry",
    "country",
    "state",
    "company_type",
    "source",
    "medium",
    "team",
    "tag",
    "category",
)
# Below this many best customers, no model: hand-set criteria score.
MIN_BEST = 30
# The best customers: at or above this quantile of the lifetime value.
BEST_QUANTILE = 0.8
# The reasons kept per partner.
TOP_REASONS = 3
# Share of the sample held out to measure the model.
TEST_SIZE = 0.25


class InsufficientData(ValueError):
    """Too few best customers (or no other customers) to fit a model."""


@dataclass
class FitResult:
    """A fitted model: its intercept and {token: coefficient}, the held-out
    AUC (None when the held-out part has one class only), the sample."""

    intercept: float
    coefficients: dict = field(default_factory=dict)
    auc: float | None = None
    sample_size: int = 0
    best_count: int = 0


def token(trait_type, value):
    """The token of a trait: its type and its value (an id, or a key)."""
    if trait_type not in TRAIT_TYPES:
        raise ValueError(f"Unknown trait type {trait_type!r}")
    return f"{trait_type}:{value}"


def split_token(key):
    """(trait type, value) of a token."""
    trait_type, _sep, value = key.partition(":")
    return trait_type, value


def best_labels(values, quantile=BEST_QUANTILE):
    """Whether each lifetime value is among the best: positive and at or
    above the ``quantile`` of the positive values."""
    values = np.asarray(values, dtype=float)
    positive = values > 0
    if not positive.any():
        return np.zeros(len(values), dtype=bool)
    threshold = np.quantile(values[positive], quantile)
    return positive & (values >= threshold)


def encode(rows, vocabulary):
    """The one-hot matrix (CSR, rows x vocabulary, sorted column indices) of
    ``rows`` (iterables of tokens); a token out of the vocabulary is left
    out."""
    index = {key: column for column, key in enumerate(vocabulary)}
    lengths, indices = [], []
    for row in rows:
        columns = [index[key] for key in row if key in index]
        indices.extend(columns)
        lengths.append(len(columns))
    indptr = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    matrix = sparse.csr_matrix(
        (
            np.ones(len(indices), dtype=float),
            np.asarray(indices, dtype=np.int64),
            indptr,
        ),
        shape=(len(lengths), len(vocabulary)),
    )
    # A token listed twice in a row is still one trait.
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def fit(rows, labels, min_best=MIN_BEST, seed=0, regularization=1.0):
    """Fit the model on ``rows`` (iterables of tokens) and ``labels``
    (best customer or not).

    The AUC is measured on a stratified quarter held out of a first fit;
    the coefficients are those of a second fit on the whole sample. Both
    weigh the classes to balance them, so that 50 is the even score.

    :raise InsufficientData: fewer than ``min_best`` best customers, or no
        customer that is not one of them
    """
    labels = np.asarray(labels, dtype=bool)
    best = int(labels.sum())
    if best < min_best or best == len(labels):
        raise InsufficientData(
            f"{best} best customers of {len(labels)}: at least {min_best}, "
            "and other customers, are needed"
        )
    vocabulary = sorted({key for row in rows for key in row})
    matrix = encode(rows, vocabulary)
    target = labels.astype(int)

    def model():
        return LogisticRegression(
            C=regularization, class_weight="balanced", max_iter=1000
        )

    auc = None
    train, test = train_test_split(
        np.arange(len(target)),
        test_size=TEST_SIZE,
        stratify=target,
        random_state=seed,
    )
    if len(set(target[test])) == 2 and len(set(target[train])) == 2:
        held = model().fit(matrix[train], target[train])
        auc = float(roc_auc_score(target[test], held.predict_proba(matrix[test])[:, 1]))
    fitted = model().fit(matrix, target)
    coefficients = {
        key: float(coef)
        for key, coef in zip(vocabulary, fitted.coef_[0], strict=True)
        if abs(coef) > 1e-9
    }
    return FitResult(
        intercept=float(fitted.intercept_[0]),
        coefficients=coefficients,
        auc=auc,
        sample_size=len(target),
        best_count=best,
    )


def _top_reasons(matrix, weights, vocabulary, top):
    """For each row of the one-hot ``matrix``, the tokens of its ``top``
    largest positive weights, largest first (ties: by token), set-based."""
    reasons = [[] for _row in range(matrix.shape[0])]
    if not matrix.nnz:
        return reasons
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    contributions = weights[matrix.indices]
    # By row, then largest contribution, then column (the vocabulary is
    # sorted, so by token).
    order = np.lexsort((matrix.indices, -contributions, rows))
    rank = np.arange(len(order)) - matrix.indptr[rows[order]]
    kept = order[(rank < top) & (contributions[order] > 0)]
    for row, column in zip(
        rows[kept].tolist(), matrix.indices[kept].tolist(), strict=True
    ):
        reasons[row].append(vocabulary[column])
    return reasons


def score_model(intercept, coefficients, rows, top=TOP_REASONS):
    """Scores (0 to 100) and reasons (tokens) of ``rows`` under a fitted
    model: the probability of being a best customer, in percent."""
    vocabulary = sorted(coefficients)
    weights = np.asarray([coefficients[key] for key in vocabulary], dtype=float)
    if not rows:
        return [], []
    matrix = encode(rows, vocabulary)
    logits = matrix @ weights + intercept
    scores = np.rint(100.0 / (1.0 + np.exp(-np.clip(logits, -50, 50)))).astype(int)
    return scores.tolist(), _top_reasons(matrix, weights, vocabulary, top)


def score_criteria(weights, rows, top=TOP_REASONS):
    """Scores (0 to 100) and reasons of ``rows`` under hand-set criteria
    ({token: weight 0 to 100}): the share of the criteria's weight the
    partner's traits meet."""
    vocabulary = sorted(weights)
    values = np.asarray([max(weights[key], 0) for key in vocabulary], dtype=float)
    total = values.sum()
    if not rows:
        return [], []
    matrix = encode(rows, vocabulary)
    if not total:
        return [0] * matrix.shape[0], [[] for _row in range(matrix.shape[0])]
    scores = np.rint(100.0 * (matrix @ values) / total).astype(int)
    return scores.tolist(), _top_reasons(matrix, values, vocabulary, top)
