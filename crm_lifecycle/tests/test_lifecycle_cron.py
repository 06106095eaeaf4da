from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged

from odoo.addons.crm_lifecycle.models.crm_lifecycle_batch import MAX_DAILY_TRIES
from odoo.addons.crm_lifecycle.models.crm_lifecycle_engine import CrmLifecycleEngine

from .common import CrmLifecycleCommon


@tagged("post_install", "-at_install")
class TestLifecycleCron(CrmLifecycleCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partners = cls.env["res.partner"]
        for index in range(7):
            cls.partners |= cls._new_customer(f"Cron Customer {index}")
        cls.env.cr.flush()

    def _to_do_again(self, partners):
        """These partners not yet recomputed today, as if their batch had
        not run."""
        self.env.cr.execute(
            "UPDATE res_partner SET lifecycle_recompute_date = NULL WHERE id = ANY(%s)",
            [partners.ids],
        )
        self.env["res.partner"].invalidate_model()

    def _build_mixed_book(self):
        """Seven customers, every phase, made through the events."""
        p = self.partners
        self._opportunity(p[1])
        self._quotation(p[2])
        self._invoice(p[3])
        self._invoice(p[4])
        self._invoice(p[4])
        self._invoice(p[5], products=[self.product_hw, self.product_srv])
        lost = self._opportunity(p[6])
        self._flush_events()
        lost.action_set_lost()
        self._flush_events()
        return {partner.id: partner.lifecycle_phase for partner in p}

    def test_event_path_and_cron_path_agree(self):
        by_events = self._build_mixed_book()
        self.assertEqual(
            list(by_events.values()),
            [
                "selection",
                "acquisition",
                "acquisition",
                "retention",
                "extension",
                "extension",
                "selection",
            ],
        )
        # Forget everything the events did, then let the cron rebuild it.
        self.env.flush_all()
        self.env.cr.execute(
            "DELETE FROM crm_lifecycle_phase_history WHERE partner_id = ANY(%s)",
            [self.partners.ids],
        )
        self.env.cr.execute(
            "UPDATE res_partner SET lifecycle_phase = NULL WHERE id = ANY(%s)",
            [self.partners.ids],
        )
        self.env.invalidate_all()
        self.env["res.partner"]._lifecycle_recompute_all(batch_size=3)
        self.assertEqual(
            {partner.id: partner.lifecycle_phase for partner in self.partners},
            by_events,
        )

    def test_cron_is_idempotent(self):
        self._build_mixed_book()
        History = self.env["crm.lifecycle.phase.history"]
        rows = History.search_count([])
        messages = self.env["mail.message"].search_count([])
        self.env["res.partner"]._lifecycle_recompute_all(batch_size=2)
        self.env["res.partner"]._lifecycle_recompute_all(batch_size=50)
        self.assertEqual(History.search_count([]), rows)
        self.assertEqual(self.env["mail.message"].search_count([]), messages)

    def test_cron_works_in_batches_with_progress(self):
        Partner = self.env["res.partner"]
        Partner._lifecycle_recompute_all()
        self._to_do_again(self.partners)
        remaining = []
        with patch.object(
            type(self.env["ir.cron"]), "_notify_progress", autospec=True
        ) as progress:
            while True:
                left = Partner._cron_lifecycle_recompute(batch_size=3)
                remaining.append(left)
                if not left:
                    break
        # Three batches, each saying more may remain, then a scan from the
        # start that finds nobody left behind.
        self.assertEqual(remaining, [1, 1, 1, 0])
        self.assertEqual(
            [call.kwargs["done"] for call in progress.call_args_list], [3, 3, 1, 0]
        )
        # Done today: a second run has nothing left to do.
        self.assertEqual(Partner._cron_lifecycle_recompute(batch_size=3), 0)

    def test_batches_run_without_jit(self):
        cr = self.env.cr
        for job in (
            self.env["res.partner"]._cron_lifecycle_recompute,
            self.env["crm.lifecycle.retention"]._run_step,
        ):
            cr.execute("SET LOCAL jit = on")
            job()
            cr.execute("SHOW jit")
            self.assertEqual(cr.fetchone()[0], "off", job)

    def test_no_partner_left_behind_the_scan(self):
        """Each batch starts where the previous one stopped; a partner left
        behind (its batch rolled back, say) is still done before the job
        says it is finished."""
        Partner = self.env["res.partner"]
        Partner._lifecycle_recompute_all()
        self._to_do_again(self.partners)
        self.assertEqual(Partner._cron_lifecycle_recompute(batch_size=3), 1)
        first = self.partners.sorted("id")[0]
        self.assertTrue(first.lifecycle_recompute_date)
        self._to_do_again(first)
        while Partner._cron_lifecycle_recompute(batch_size=3):
            pass
        self.partners.invalidate_recordset()
        self.assertEqual(
            set(self.partners.mapped("lifecycle_recompute_date")),
            {fields.Date.context_today(Partner)},
        )

    def test_cron_survives_one_broken_record(self):
        self.env.flush_all()
        self.env.cr.execute(
            "DELETE FROM crm_lifecycle_phase_history WHERE partner_id = ANY(%s)",
            [self.partners.ids],
        )
        self.env.cr.execute(
            "UPDATE res_partner SET lifecycle_phase = NULL WHERE id = ANY(%s)",
            [self.partners.ids],
        )
        self.env.invalidate_all()
        broken = self.partners[2]
        original = CrmLifecycleEngine._target_phase

        def target_phase(engine, fact, rules):
            if fact.partner_id == broken.id:
                raise ValueError("corrupt record")
            return original(engine, fact, rules)

        with (
            patch.object(CrmLifecycleEngine, "_target_phase", target_phase),
            self.assertLogs(
                "odoo.addons.crm_lifecycle.models.res_partner_pipeline", level="ERROR"
            ) as logs,
        ):
            self.env["res.partner"]._lifecycle_recompute_all(batch_size=3)
        self.assertFalse(broken.lifecycle_phase)
        self.assertEqual(
            set((self.partners - broken).mapped("lifecycle_phase")), {"selection"}
        )
        self.assertTrue(any(str(broken.id) in line for line in logs.output))

    def _broken_target_phase(self, broken, calls=None):
        original = CrmLifecycleEngine._target_phase

        def target_phase(engine, fact, rules):
            if fact.partner_id == broken.id:
                if calls is not None:
                    calls.append(fact.partner_id)
                raise ValueError("corrupt record")
            return original(engine, fact, rules)

        return patch.object(CrmLifecycleEngine, "_target_phase", target_phase)

    def test_failed_partner_is_not_marked_done_and_is_retried(self):
        """A partner whose recompute failed is not counted as recomputed
        today (it was, and stayed wrong until the next night): the next
        run of the day takes it up again."""
        Partner = self.env["res.partner"]
        Batch = self.env["crm.lifecycle.batch"]
        self.addCleanup(Batch._batch_forget_failures, "lifecycle")
        Partner._lifecycle_recompute_all()
        self._to_do_again(self.partners)
        broken = self.partners[2]
        today = fields.Date.context_today(Partner)
        with (
            self._broken_target_phase(broken),
            self.assertLogs(
                "odoo.addons.crm_lifecycle.models.res_partner_pipeline", level="ERROR"
            ),
        ):
            while Partner._cron_lifecycle_recompute(batch_size=3):
                pass
        self.partners.invalidate_recordset()
        self.assertFalse(broken.lifecycle_recompute_date)
        self.assertEqual(
            set((self.partners - broken).mapped("lifecycle_recompute_date")),
            {today},
        )
        # Mended: the next call of the day recomputes it.
        self.assertEqual(Partner._cron_lifecycle_recompute(batch_size=3), 0)
        broken.invalidate_recordset()
        self.assertEqual(broken.lifecycle_recompute_date, today)

    def test_partner_failing_all_day_cannot_keep_the_job_going(self):
        Partner = self.env["res.partner"]
        Batch = self.env["crm.lifecycle.batch"]
        self.addCleanup(Batch._batch_forget_failures, "lifecycle")
        broken = self.partners[2]
        calls = []
        with (
            self._broken_target_phase(broken, calls),
            self.assertLogs(
                "odoo.addons.crm_lifecycle.models.res_partner_pipeline", level="ERROR"
            ),
        ):
            # One partner a batch: each scan from the start would find it.
            Partner._lifecycle_recompute_all(batch_size=1)
            self.assertEqual(len(calls), MAX_DAILY_TRIES)
            self.assertEqual(Batch._batch_given_up("lifecycle"), [broken.id])
            self.assertEqual(Partner._cron_lifecycle_recompute(batch_size=1), 0)
        self.assertEqual(len(calls), MAX_DAILY_TRIES, "left for tomorrow")
