"""Cross-sell suggestions: item-to-item co-occurrence on customer purchases.

Plain functions on numpy arrays and scipy.sparse matrices, with no database
and no Odoo import, so that they can be tested and reused on their own.

The input is the customer-product incidence: a sparse 0/1 matrix with a row
per customer and a column per product, 1 where the customer bought the
product in the window. From it:

* the item-item similarity is the cosine of two products' customer columns,
  ``|A and B| / sqrt(|A| |B|)``: two products bought by the same customers
  are close whatever their size, and a best-seller bought by everyone is
  not close to everything (its large count divides);
* a customer's score of a product is the sum of its similarities to the
  products the customer bought (item-based collaborative filtering,
  Sarwar et al. 2001; Linden, Smith & York 2003), with the product that
  contributes most as the reason ("who bought X also bought Y");
* the popularity of a product is the number of customers who bought it,
  the baseline and the fallback of a customer without purchases;
* the hit rate at k holds out each customer's last purchase and counts the
  customers for whom one of its new products is among the k suggestions
  made from what they had bought before.

Memory is bounded: the incidence and the similarity are sparse (at most
products x products entries for the similarity, whatever the number of
customers), and scores are made for one block of customers at a time.
"""

from dataclasses import dataclass

import numpy as np
from scipy import sparse

__all__ = [
    "TOP_K",
    "Suggestions",
    "incidence",
    "item_similarity",
    "popularity",
    "prepare",
    "recommend",
    "recommend_popular",
    "hit_rate",
]

# Suggestions kept per customer.
TOP_K = 5

# Customers scored together: their dense score block is BLOCK x products
# floats (16 MB at 2,000 products).
BLOCK = 1000

# Largest similarity kept dense for scoring (entries).
DENSE_LIMIT = 3000 * 3000

# Method codes of a suggestion.
COOCCURRENCE = 0
POPULAR = 1


@dataclass
class Suggestions:
    """The top-k suggestions of a block of customers: ``items``, ``scores``,
    ``because`` (the bought product behind a co-occurrence suggestion, -1
    otherwise) and ``method`` (COOCCURRENCE or POPULAR), each an array of
    shape (customers, k); an empty slot has item -1."""

    items: np.ndarray
    scores: np.ndarray
    because: np.ndarray
    method: np.ndarray


def incidence(rows, cols, shape):
    """The 0/1 customer x product CSR matrix with a 1 at each (row, col)
    pair; repeated pairs count once."""
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    matrix = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float64), (rows, cols)), shape=shape
    )
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def popularity(matrix):
    """The number of customers (rows) who bought each product (column)."""
    return np.asarray(matrix.sum(axis=0)).ravel()


def item_similarity(matrix):
    """The cosine similarity of the products' customer columns of the 0/1
    ``matrix``, as a sparse CSR products x products matrix with an empty
    diagonal: entry (i, j) is ``|i and j| / sqrt(|i| |j|)``."""
    matrix = sparse.csr_matrix(matrix, dtype=np.float64)
    if not matrix.shape[1]:
        return sparse.csr_matrix((0, 0), dtype=np.float64)
    cooccurrence = (matrix.T @ matrix).tocsr()
    counts = cooccurrence.diagonal()
    cooccurrence.setdiag(0)
    cooccurrence.eliminate_zeros()
    norms = np.sqrt(counts)
    norms[norms == 0] = 1.0
    inverse = sparse.diags(1.0 / norms)
    return (inverse @ cooccurrence @ inverse).tocsr()


def prepare(similarity):
    """The similarity in the form scoring is fastest with: a dense array
    when it holds at most DENSE_LIMIT entries (2,000 products: 32 MB),
    otherwise CSR with sorted indices."""
    n_rows, n_cols = similarity.shape
    if n_rows * n_cols <= DENSE_LIMIT:
        return similarity.toarray()
    similarity = sparse.csr_matrix(similarity)
    similarity.sort_indices()
    return similarity


def _top_k(scores, k):
    """The column indices of the k highest finite scores of each row, best
    first (ties: lowest index first), and their scores; -1 / 0 where a row
    has fewer than k finite positive scores."""
    n_rows, n_cols = scores.shape
    k_eff = min(k, n_cols)
    items = np.full((n_rows, k), -1, dtype=np.int64)
    values = np.zeros((n_rows, k), dtype=np.float64)
    if not n_rows or not k_eff:
        return items, values
    # The k best of each row, then sorted: score descending, then column
    # ascending (among equal scores at the k-th place, the partition's
    # choice is deterministic but not necessarily the lowest column).
    if k_eff < n_cols:
        candidates = np.argpartition(-scores, k_eff - 1, axis=1)[:, :k_eff]
    else:
        candidates = np.tile(np.arange(n_cols), (n_rows, 1))
    candidate_scores = np.take_along_axis(scores, candidates, axis=1)
    rank = np.lexsort((candidates, -candidate_scores), axis=1)
    order = np.take_along_axis(candidates, rank, axis=1)
    picked = np.take_along_axis(scores, order, axis=1)
    valid = np.isfinite(picked) & (picked > 0)
    items[:, :k_eff] = np.where(valid, order, -1)
    values[:, :k_eff] = np.where(valid, picked, 0.0)
    return items, values


def _because(history, similarity, users, items):
    """For each (user, item) pair, the product the user bought that is the
    most similar to the item (-1 if none)."""
    result = np.full(len(users), -1, dtype=np.int64)
    if not len(users):
        return result
    starts = history.indptr[users]
    ends = history.indptr[users + 1]
    lengths = ends - starts
    pair = np.repeat(np.arange(len(users)), lengths)
    if not len(pair):
        return result
    offsets = np.arange(len(pair)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    bought = history.indices[np.repeat(starts, lengths) + offsets]
    sims = np.asarray(similarity[bought, items[pair]]).ravel()
    # Best similarity per pair: sort by (pair, -sim) and take the first.
    order = np.lexsort((-sims, pair))
    first = np.ones(len(order), dtype=bool)
    first[1:] = pair[order][1:] != pair[order][:-1]
    chosen = order[first]
    positive = sims[chosen] > 0
    result[pair[chosen][positive]] = bought[chosen][positive]
    return result


def recommend(history, similarity, excluded=None, allowed=None, fallback=None, k=TOP_K):
    """The top-``k`` products of each customer of ``history`` (a 0/1 CSR
    block, customers x products) by co-occurrence, completed from
    ``fallback`` (product scores, e.g. popularity) where co-occurrence has
    fewer than k.

    :param similarity: the item-item similarity (``item_similarity``)
    :param excluded: a sparse matrix of the block's shape, non-zero where a
        product must not be suggested to the customer (returned, credited,
        complained about); what the customer bought is always excluded
    :param allowed: a boolean array per product, False for a product never
        suggested (archived, not for sale)
    :param fallback: a score per product for the completion, or None
    :return: :class:`Suggestions`
    """
    history = sparse.csr_matrix(history)
    n_rows, n_cols = history.shape
    scores = history @ similarity
    if sparse.issparse(scores):
        scores = scores.toarray()
    scores = np.asarray(scores, dtype=np.float64)
    blocked = history.toarray() > 0
    if excluded is not None:
        blocked |= sparse.csr_matrix(excluded).toarray() != 0
    if allowed is not None:
        blocked |= ~np.asarray(allowed, dtype=bool)[np.newaxis, :]
    scores[blocked] = -np.inf
    items, values = _top_k(scores, k)
    method = np.full((n_rows, k), COOCCURRENCE, dtype=np.int8)
    users, slots = np.nonzero(items >= 0)
    because = np.full((n_rows, k), -1, dtype=np.int64)
    because[users, slots] = _because(history, similarity, users, items[users, slots])
    if fallback is not None:
        _complete(items, values, method, blocked, fallback, k)
    return Suggestions(items, values, because, method)


def _complete(items, values, method, blocked, fallback, k):
    """Fill the empty slots of ``items`` (always the last ones of a row)
    with the best ``fallback`` products not blocked nor already there."""
    short = np.nonzero(items[:, -1] < 0)[0]
    if not len(short):
        return
    fill = np.tile(np.asarray(fallback, dtype=np.float64), (len(short), 1))
    fill[blocked[short]] = -np.inf
    taken = items[short]
    rows, slots = np.nonzero(taken >= 0)
    fill[rows, taken[rows, slots]] = -np.inf
    fill_items, fill_values = _top_k(fill, k)
    filled = (taken >= 0).sum(axis=1)
    # Slot s of a row with f suggestions takes its fallback number s - f.
    slot = np.arange(k)[np.newaxis, :]
    source = slot - filled[:, np.newaxis]
    free = source >= 0
    source = np.where(free, source, 0)
    extra = np.take_along_axis(fill_items, source, axis=1)
    extra_values = np.take_along_axis(fill_values, source, axis=1)
    use = free & (extra >= 0)
    block_items, block_values = items[short], values[short]
    block_method = method[short]
    block_items[use] = extra[use]
    block_values[use] = extra_values[use]
    block_method[use] = POPULAR
    items[short], values[short], method[short] = (
        block_items,
        block_values,
        block_method,
    )


def recommend_popular(scores, excluded, allowed=None, k=TOP_K):
    """The top-``k`` products of ``scores`` (one row of product scores per
    customer, or one row for all) not ``excluded`` for each customer (a
    sparse or dense customers x products mask)."""
    excluded = sparse.csr_matrix(excluded)
    n_rows, n_cols = excluded.shape
    block = np.broadcast_to(
        np.asarray(scores, dtype=np.float64).reshape(-1, n_cols), (n_rows, n_cols)
    ).copy()
    blocked = excluded.toarray() != 0
    if allowed is not None:
        blocked |= ~np.asarray(allowed, dtype=bool)[np.newaxis, :]
    block[blocked] = -np.inf
    items, values = _top_k(block, k)
    return Suggestions(
        items,
        values,
        np.full((n_rows, k), -1, dtype=np.int64),
        np.full((n_rows, k), POPULAR, dtype=np.int8),
    )


def hit_rate(before, last, allowed=None, k=TOP_K, block=BLOCK):
    """The hit rate at ``k`` of the co-occurrence recommender and of the
    popularity baseline, with each customer's last purchase held out.

    :param before: 0/1 CSR customers x products: what each customer bought
        before its last purchase (the model learns from this alone)
    :param last: 0/1 CSR of the same shape: what it bought in its last
        purchase
    :return: (sample, hits, baseline hits): the customers with a purchase
        before and a new product in the last one, those of them with a new
        product among the recommender's k suggestions, and among the k most
        popular products they had not bought
    """
    before = sparse.csr_matrix(before)
    last = sparse.csr_matrix(last)
    new = (last - last.multiply(before)).tocsr()
    new.eliminate_zeros()
    has_before = np.diff(before.indptr) > 0
    has_new = np.diff(new.indptr) > 0
    sample = np.nonzero(has_before & has_new)[0]
    similarity = prepare(item_similarity(before))
    counts = popularity(before)
    hits = baseline = 0
    for start in range(0, len(sample), block):
        rows = sample[start : start + block]
        history = before[rows]
        target = new[rows].toarray() > 0
        for suggestions, tally in (
            (recommend(history, similarity, allowed=allowed, fallback=counts, k=k), 0),
            (recommend_popular(counts, history, allowed=allowed, k=k), 1),
        ):
            items = suggestions.items
            valid = items >= 0
            got = np.zeros(items.shape, dtype=bool)
            row_idx = np.nonzero(valid)[0]
            got[valid] = target[row_idx, items[valid]]
            found = int(got.any(axis=1).sum())
            if tally:
                baseline += found
            else:
                hits += found
    return len(sample), hits, baseline
