from odoo import api, fields, models
from odoo.tools import SQL

# Where today's scan of each daily job got to, per database and job: a hint
# that spares each batch a walk over the partners already done (the whole
# table by the last batch). A worker without it, or a partner left behind
# it, falls back to a scan from the start (see _lifecycle_next_batch).
_SCAN_HINTS = {}


class ResPartner(models.Model):
    """How the daily jobs walk the partners, one batch per call."""

    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    @api.model
    def _lifecycle_without_jit(self):
        """Turn PostgreSQL's JIT compilation off until the end of this
        transaction: one batch of a daily job. Its queries read a few
        thousand rows by index, but on a large database their estimated
        cost passes ``jit_above_cost``, and each then spends longer
        compiling than the compiled code saves: the full recompute is
        slower by a third with it. Other transactions are left as the
        server is configured."""
        self.env.cr.execute("SET LOCAL jit = off")

    @api.model
    def _lifecycle_next_batch(self, job, query, limit):
        """The ids of the next ``limit`` partners of ``query`` (a SELECT of
        ``p.id`` from ``res_partner p`` with a WHERE clause, the partners a
        daily job has still to do), in id order, from where the job's
        previous batch of the day stopped; from the start once nothing is
        left after it, so that no partner is left behind. Returns the ids,
        and whether more may remain (all is done once a scan from the start
        comes back short)."""
        today = fields.Date.context_today(self)
        key = (self.env.cr.dbname, job)
        day, after = _SCAN_HINTS.get(key, (today, 0))
        after = after if day == today else 0
        ids, start = [], 0
        for start in (after, 0) if after else (0,):
            self.env.cr.execute(
                SQL("%s AND p.id > %s ORDER BY p.id LIMIT %s", query, start, limit)
            )
            ids = [pid for (pid,) in self.env.cr.fetchall()]
            if ids:
                break
        _SCAN_HINTS[key] = (today, ids[-1] if ids else 0)
        return ids, bool(start or len(ids) == limit)

    @api.model
    def _lifecycle_forget_scan(self, job):
        """The next batch of ``job`` starts from the first partner."""
        _SCAN_HINTS.pop((self.env.cr.dbname, job), None)
