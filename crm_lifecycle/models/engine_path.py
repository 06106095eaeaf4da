"""The module's own write path.

The context of a call is client input: anyone may send any key over RPC,
``default_*`` keys included. What only the module may do (set a phase
without a manager's reason, write a figure it derives, hold back an event)
is therefore allowed inside these blocks, which only server code can open,
and never by a context key.
"""

import contextlib
import contextvars

_ENGINE = contextvars.ContextVar("crm_lifecycle_engine", default=False)
_EVENTS_HELD = contextvars.ContextVar("crm_lifecycle_events_held", default=False)


@contextlib.contextmanager
def engine_writes():
    """Within this block, the module writes what it derives: phases moved by
    the rules, figures computed from the invoices, the contacts' copies."""
    token = _ENGINE.set(True)
    try:
        yield
    finally:
        _ENGINE.reset(token)


def in_engine():
    """Whether the current code runs inside :func:`engine_writes`."""
    return _ENGINE.get()


@contextlib.contextmanager
def events_held():
    """Within this block, records made or changed queue no recompute: for
    data generated in bulk (the benchmark's) that recomputes everything
    after."""
    token = _EVENTS_HELD.set(True)
    try:
        yield
    finally:
        _EVENTS_HELD.reset(token)


def events_are_held():
    """Whether the current code runs inside :func:`events_held`."""
    return _EVENTS_HELD.get()
