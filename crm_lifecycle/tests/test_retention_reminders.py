from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common_retention import TODAY, CrmLifecycleRetentionCommon


def days_ago(days, today=TODAY):
    return today - timedelta(days=days)


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestRetentionReminders(CrmLifecycleRetentionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._population()
        cls.callback = cls.env.ref("crm_lifecycle.mail_activity_type_callback")
        cls.env["ir.config_parameter"].set_param("crm_lifecycle.reminder_email", True)

        def regular(name, last, salesperson=True):
            partner = cls._new_customer(
                name,
                email=f"{name.lower().replace(' ', '.')}@example.com",
                user_id=cls.sales_user.id if salesperson else False,
            )
            return partner, [
                (partner, days_ago(last + 30 * k), 200.0) for k in range(4)
            ]

        cls.overdue, overdue = regular("Overdue Buyer", 150)
        cls.recent, recent = regular("Recent Buyer", 10)
        cls.opted_out, opted_out = regular("Opted Out", 150)
        cls.unassigned, unassigned = regular("Nobody Assigned", 150, salesperson=False)
        cls.slightly_late, slightly_late = regular("Slightly Late", 40)
        cls._invoices(overdue + recent + opted_out + unassigned + slightly_late)
        cls.env["mail.blacklist"].create({"email": cls.opted_out.email})

    def _callbacks(self, partner):
        return (
            self.env["mail.activity"]
            .with_context(active_test=False)
            .search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "=", partner.id),
                    ("activity_type_id", "=", self.callback.id),
                ]
            )
        )

    def _reminder_mails(self, partner):
        return self.env["mail.mail"].search(
            [("model", "=", "res.partner"), ("res_id", "=", partner.id)]
        )

    def test_overdue_customer_gets_one_callback_and_one_mail(self):
        self._run()
        overdue = self.overdue.with_company(self.env.company)
        self.assertEqual(overdue.retention_purchase_interval, 30.0)
        self.assertGreater(overdue.churn_probability, 0.5)
        activity = self._callbacks(overdue)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.sales_user)
        self.assertEqual(activity.summary, "Time to call back")
        self.assertIn(
            "usually buys every 30 days; the last purchase was 150 days ago",
            str(activity.note),
        )
        self.assertEqual(overdue.retention_reminder_date, days_ago(150))
        mail = self._reminder_mails(overdue)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, overdue)
        # 40 days after the last purchase is not 1.5 x 30 days yet; a
        # customer without salesperson has nobody to call.
        for partner in (self.recent, self.slightly_late, self.unassigned):
            self.assertFalse(self._callbacks(partner), partner.name)
            self.assertFalse(self._reminder_mails(partner), partner.name)

    def test_no_reminder_below_the_churn_threshold(self):
        self.env["ir.config_parameter"].set_param(
            "crm_lifecycle.reminder_churn_threshold", 0.99
        )
        self._run()
        self.assertLess(
            self.overdue.with_company(self.env.company).churn_probability, 0.99
        )
        self.assertFalse(self._callbacks(self.overdue))
        self.assertFalse(self._reminder_mails(self.overdue))
        self.assertFalse(
            self.overdue.with_company(self.env.company).retention_reminder_date
        )

    def test_opted_out_customer_gets_no_mail(self):
        self._run()
        self.assertTrue(self.opted_out.is_blacklisted)
        self.assertEqual(len(self._callbacks(self.opted_out)), 1)
        self.assertFalse(self._reminder_mails(self.opted_out))

    def test_reminder_is_sent_once_per_purchase_cycle(self):
        self._run()
        self._run()
        self.assertEqual(len(self._callbacks(self.overdue)), 1)
        self._callbacks(self.overdue).action_feedback(feedback="Left a message")
        with freeze_time(TODAY + timedelta(days=7)):
            self._run()
        # Done, but the customer has not bought since: no new reminder.
        self.assertFalse(self._callbacks(self.overdue).filtered("active"))
        self.assertEqual(len(self._reminder_mails(self.overdue)), 1)
        # It buys again, then falls silent for long: a new cycle, a new call.
        self._invoices([(self.overdue, TODAY + timedelta(days=8), 200.0)])
        with freeze_time(TODAY + timedelta(days=200)):
            self._run()
            self.assertEqual(len(self._callbacks(self.overdue).filtered("active")), 1)
            self.assertEqual(
                self.overdue.with_company(self.env.company).retention_reminder_date,
                TODAY + timedelta(days=8),
            )
        self.assertEqual(len(self._reminder_mails(self.overdue)), 2)

    def test_open_callback_blocks_a_new_one_even_after_a_purchase(self):
        self._run()
        self._invoices([(self.overdue, TODAY + timedelta(days=1), 200.0)])
        with freeze_time(TODAY + timedelta(days=200)):
            self._run()
        self.assertEqual(len(self._callbacks(self.overdue)), 1)
