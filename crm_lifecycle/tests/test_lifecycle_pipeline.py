import contextlib
from unittest.mock import patch

from odoo.tests import tagged

from odoo.addons.crm_lifecycle.models.res_partner_pipeline import (
    ALL_PASSES,
    LIFECYCLE_PASSES,
    PASS_COMPLAINT,
    PASS_FIT,
    PASS_LOYALTY,
    PASS_PAYMENT,
    PASS_PHASE,
    PHASE_ONLY,
)

from .common import CrmLifecycleCommon


@tagged("post_install", "-at_install")
class TestLifecyclePipeline(CrmLifecycleCommon):
    """A customer's recompute runs the passes of LIFECYCLE_PASSES that were
    asked for, in the listed order, and refuses a pass it does not know."""

    @contextlib.contextmanager
    def _recorded(self, phase_moves=0):
        """Each pass replaced by one that records its name and partners."""
        calls = []
        Partner = self.registry["res.partner"]

        def recorder(name):
            def run_pass(partners):
                calls.append((name, partners))
                return phase_moves if name == PASS_PHASE else None

            return run_pass

        with contextlib.ExitStack() as stack:
            for step in LIFECYCLE_PASSES:
                stack.enter_context(
                    patch.object(Partner, step.method, recorder(step.name))
                )
            yield calls

    def test_pipeline_lists_each_pass_once_with_its_method(self):
        names = [step.name for step in LIFECYCLE_PASSES]
        self.assertEqual(
            names, [PASS_PHASE, PASS_COMPLAINT, PASS_LOYALTY, PASS_PAYMENT, PASS_FIT]
        )
        self.assertEqual(frozenset(names), ALL_PASSES)
        Partner = self.env["res.partner"]
        for step in LIFECYCLE_PASSES:
            with self.subTest(step=step.name):
                self.assertEqual(step.method, f"_lifecycle_pass_{step.name}")
                self.assertTrue(callable(getattr(Partner, step.method, None)))
                self.assertTrue(step.computes)

    def test_recompute_runs_every_pass_in_the_listed_order(self):
        with self._recorded(phase_moves=1) as calls:
            moved = self.customer._lifecycle_recompute()
        self.assertEqual(
            [name for name, _partners in calls],
            [PASS_PHASE, PASS_COMPLAINT, PASS_LOYALTY, PASS_PAYMENT, PASS_FIT],
        )
        self.assertTrue(all(partners == self.customer for _name, partners in calls))
        self.assertEqual(moved, 1, "the phase pass's count")

    def test_recompute_runs_only_the_passes_asked_in_the_listed_order(self):
        cases = [
            # The order asked does not matter: the pipeline's does.
            ([PASS_PAYMENT, PASS_PHASE], [PASS_PHASE, PASS_PAYMENT]),
            ([PASS_PAYMENT, PASS_LOYALTY], [PASS_LOYALTY, PASS_PAYMENT]),
            (PHASE_ONLY, [PASS_PHASE]),
            ([], []),
        ]
        for asked, expected in cases:
            with self.subTest(asked=asked), self._recorded(phase_moves=2) as calls:
                moved = self.customer._lifecycle_recompute(frozenset(asked))
                self.assertEqual([name for name, _partners in calls], expected)
                self.assertEqual(moved, 2 if PASS_PHASE in asked else 0)

    def test_recompute_refuses_an_unknown_pass_before_running_any(self):
        with self._recorded() as calls:
            with self.assertRaisesRegex(ValueError, "cadences"):
                self.customer._lifecycle_recompute(frozenset({PASS_PHASE, "cadences"}))
            self.assertEqual(calls, [])

    def test_posted_invoice_runs_the_phase_at_once_and_queues_the_rest(self):
        """What the module docstring tells: posting marks the customer
        pending; at the end of the transaction the phase pass runs, the
        payment pass is queued, and the queued job runs it."""
        invoice = self.init_invoice(
            "out_invoice", partner=self.customer, amounts=[100.0], post=False
        )
        self.env.cr.flush()
        self.env["crm.lifecycle.refresh"]._refresh_all()
        with self._recorded() as calls:
            invoice.action_post()
            self.env.cr.flush()
            self.assertEqual([name for name, _partners in calls], [PASS_PHASE])
            queued = self.env["crm.lifecycle.refresh"].search(
                [("partner_id", "=", self.customer.id)]
            )
            self.assertEqual(queued.passes, PASS_PAYMENT)
            self.env["crm.lifecycle.refresh"]._refresh_all()
            self.assertEqual(
                [name for name, _partners in calls], [PASS_PHASE, PASS_PAYMENT]
            )
        self.assertFalse(
            self.env["crm.lifecycle.refresh"].search(
                [("partner_id", "=", self.customer.id)]
            )
        )
