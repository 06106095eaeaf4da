"""The one batch runner of the module's scheduled jobs.

Every job has the same shape: take the next batch of records, do its work
in a savepoint, retry the records of a failed batch one by one, keep what
failed for a later try with a logged reason, report progress. The runner
does the savepoints, the retries, the logging and the report; the job
decides what a batch is and what "done" means for it (a queue row deleted,
a date set).
"""

import dataclasses
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

_logger = logging.getLogger(__name__)

# How many times a daily job tries a record that fails, per day and
# process, before it leaves it for the next day: enough for a record that
# conflicted with a user's transaction to go through on a later call, and
# a bound on the calls a broken record costs (see _batch_given_up).
MAX_DAILY_TRIES = 3
# A call that met a concurrent transaction asks its cron to run again this
# much later, in a new transaction: in the same snapshot it would fail
# again.
CONFLICT_RETRY_DELAY = timedelta(minutes=1)
# Records named in the summary line of a call; the others are in the lines
# logged record by record.
SUMMARY_LIMIT = 20
# {(database, job): (day, {record id: failures that day})}
_FAILURES = {}


class BatchFailed(Exception):
    """Raised at the end of a cron call in which every record failed, after
    its bookkeeping is committed: Odoo then records the call as failed."""


def is_conflict(error):
    """Whether ``error`` is (or was caused by) a lock or serialization
    conflict with a concurrent transaction, as Odoo's RPC layer classifies
    the errors it retries: the same work succeeds in a later transaction."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, PG_CONCURRENCY_EXCEPTIONS_TO_RETRY):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def reason_of(error):
    """A short text for the log and the queue: the error's class and
    message."""
    return f"{type(error).__name__}: {error}".strip()[:1000]


@dataclasses.dataclass
class BatchResult:
    """What a batch did: the ids done, and the ids that failed with their
    reason, split into the errors a later transaction may not meet
    (``conflicts``: a lock or serialization conflict) and the others
    (``failed``)."""

    done: list = dataclasses.field(default_factory=list)
    failed: dict = dataclasses.field(default_factory=dict)
    conflicts: dict = dataclasses.field(default_factory=dict)

    @property
    def unsettled(self):
        """{id: reason} of every record not done."""
        return {**self.failed, **self.conflicts}

    @property
    def all_failed(self):
        """Whether records were tried and none of them was done."""
        return bool(self.unsettled) and not self.done

    def update(self, other):
        self.done.extend(other.done)
        self.failed.update(other.failed)
        self.conflicts.update(other.conflicts)
        return self


class CrmLifecycleBatch(models.AbstractModel):
    """How a scheduled job of the module runs a batch and reports it.

    ``_run_batch`` does the work of a batch in a savepoint; if the batch
    fails, it is rolled back and its records are retried one by one, each
    in its own savepoint, so that one bad record costs only itself. A
    record that fails is logged with its reason and returned, not dropped:
    the job keeps it for a later try (a queue row is kept, a date left
    unset). Lock and serialization conflicts with a concurrent transaction
    (a user editing the partner the job writes) are told apart: they are
    retried in a later transaction, where they go through.

    ``_batch_report`` ends a call: the summary of what failed (ERROR), the
    progress for ``ir.cron``, and the honest signal of a call in which
    every record failed. Odoo 18 records a call as failed only when it
    raises before any progress was notified (``ir.cron._run_job``); a
    return, even with ``done=0``, reads as "fully done". Raising rolls the
    transaction back, and with it what the job keeps about the failures (a
    queue row's attempts), so that a broken record would fail forever and
    never reach its retry limit. Such a call, run by ``ir.cron`` (it gave
    the call a progress record), therefore commits its bookkeeping and then
    raises :class:`BatchFailed`: the cron's log shows the failure, its
    ``failure_count`` rises (Odoo deactivates a cron that keeps failing
    and tells the administrators) and the run stops; it is triggered again
    shortly if work remains. Outside a cron (installation, tests, a
    manager's request running a job to its end in one transaction) the
    call only logs, so that one bad record never fails the caller.
    """

    _name = "crm.lifecycle.batch"
    _description = "Customer Lifecycle Batch Runner"

    @api.model
    def _run_batch(self, ids, work, label, noun="record", logger=None, job=None):
        """Run ``work(ids)`` on the batch, then record by record if the
        batch fails.

        :param ids: the ids of the batch
        :param work: a function of a list of ids doing the batch's work;
            what it leaves pending is flushed in its savepoint
        :param label: the job's name in the log ("Lifecycle refresh")
        :param noun: what an id is, in the log ("partner")
        :param logger: the job's logger (default: the runner's)
        :param job: a daily job's key: its failures are counted, see
            :meth:`_batch_given_up`
        :return: a :class:`BatchResult`
        """
        logger = logger or _logger
        ids = list(ids)
        result = BatchResult()
        if not ids:
            return result
        self.env.flush_all()
        error = self._batch_attempt(ids, work)
        if error is None:
            result.done = ids
            return result
        if len(ids) > 1:
            logger.warning(
                "%s: a batch of %s failed (%s), retrying one by one",
                label,
                len(ids),
                reason_of(error),
            )
            errors = {
                record_id: self._batch_attempt([record_id], work) for record_id in ids
            }
        else:
            errors = {ids[0]: error}
        for record_id, error in errors.items():
            if error is None:
                result.done.append(record_id)
            elif is_conflict(error):
                result.conflicts[record_id] = reason_of(error)
                logger.warning(
                    "%s conflicted with a concurrent transaction for %s %s,"
                    " retried later: %s",
                    label,
                    noun,
                    record_id,
                    reason_of(error),
                )
            else:
                result.failed[record_id] = reason_of(error)
                logger.error(
                    "%s failed for %s %s: %s",
                    label,
                    noun,
                    record_id,
                    reason_of(error),
                    exc_info=error,
                )
        if job is not None:
            self._batch_count_failures(job, result.unsettled)
        return result

    @api.model
    def _batch_attempt(self, ids, work):
        """``work(ids)`` in a savepoint; the error, or None."""
        try:
            with self.env.cr.savepoint():
                work(ids)
                self.env.flush_all()
        except Exception as error:  # noqa: BLE001 (returned to the runner)
            # The savepoint's rollback cleared the cache and the pending
            # computations (cr.clear()); records read through another
            # environment of the transaction are dropped as well, so that
            # nothing of the rolled-back work is read back from memory.
            self.env.invalidate_all(flush=False)
            return error
        return None

    @api.model
    def _batch_report(self, label, result, remaining, logger=None, cron=None):
        """End a call of a job: log what failed, notify the progress, and
        signal a call in which every record failed (see the class).

        :param result: the call's :class:`BatchResult`
        :param remaining: what the job reports as remaining
        :param cron: the job's cron (xml id), triggered again shortly when
            records met a concurrent transaction, or when a failed call
            leaves work behind
        :return: ``remaining``
        """
        logger = logger or _logger
        unsettled = result.unsettled
        if result.failed:
            logger.error(
                "%s: %s of %s records failed: %s",
                label,
                len(result.failed),
                len(result.done) + len(unsettled),
                "; ".join(
                    f"{record_id}: {reason}"
                    for record_id, reason in list(result.failed.items())[:SUMMARY_LIMIT]
                ),
            )
        if result.conflicts:
            logger.warning(
                "%s: %s records met a concurrent transaction, retried later",
                label,
                len(result.conflicts),
            )
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        if cron and (result.conflicts or (result.all_failed and remaining)):
            record = self.env.ref(cron, raise_if_not_found=False)
            if record:
                record.sudo()._trigger(at=fields.Datetime.now() + CONFLICT_RETRY_DELAY)
        self.env["ir.cron"]._notify_progress(done=len(result.done), remaining=remaining)
        if result.all_failed and in_cron:
            # The job's bookkeeping of the failures must outlive the
            # failure this call reports (see the class docstring).
            self.env.cr.commit()  # pylint: disable=invalid-commit
            raise BatchFailed(
                f"{label}: every record of the call failed "
                f"({len(unsettled)}): "
                + "; ".join(
                    f"{record_id}: {reason}"
                    for record_id, reason in list(unsettled.items())[:SUMMARY_LIMIT]
                )
            )
        return remaining

    # ------------------------------------------------------------
    # Daily jobs: how often a record failed today
    # ------------------------------------------------------------

    @api.model
    def _batch_count_failures(self, job, ids):
        today = fields.Date.context_today(self)
        key = (self.env.cr.dbname, job)
        day, counts = _FAILURES.get(key, (today, {}))
        if day != today:
            counts = {}
        for record_id in ids:
            counts[record_id] = counts.get(record_id, 0) + 1
        _FAILURES[key] = (today, counts)

    @api.model
    def _batch_given_up(self, job):
        """The ids a daily job leaves for tomorrow: those that failed
        MAX_DAILY_TRIES times today in this process.

        A daily job marks a record done only once its work succeeded; a
        record that keeps failing would otherwise come back in every batch
        (the last scan of a run would never come back empty, and a job run
        to its end in one transaction would never end). Kept in memory: a
        restarted or another worker tries such a record again, a few times
        at most, which is what it would do for a passing conflict."""
        today = fields.Date.context_today(self)
        day, counts = _FAILURES.get((self.env.cr.dbname, job), (today, {}))
        if day != today:
            return []
        return sorted(
            record_id for record_id, count in counts.items() if count >= MAX_DAILY_TRIES
        )

    @api.model
    def _batch_forget_failures(self, job):
        """Try every record of ``job`` again (a run to the end on request)."""
        _FAILURES.pop((self.env.cr.dbname, job), None)
