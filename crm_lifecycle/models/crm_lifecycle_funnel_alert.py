"""The funnel inflow alert: each week, per company, the customers who
entered Selection and Acquisition and those converted into Retention during
the last complete week, against the trailing average and the same week a
year before. A drop that last year did not have tells the lifecycle
managers, once per company and week."""

import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

LABEL = "Funnel inflow alert"
CRON = "crm_lifecycle.ir_cron_crm_lifecycle_funnel_alert"
# The phases whose entries are watched: new prospects (Selection), new
# opportunities (Acquisition) and first purchases (Retention).
METRICS = ("selection", "acquisition", "retention")
# The trailing average is taken over this many weeks before the week.
TRAILING_WEEKS = 8
# "The same week a year before": 52 weeks earlier, the same weekdays.
YEAR_WEEKS = 52
# A drop is seasonal when the same week a year before fell below the
# threshold share of its own trailing average too, to a share at most this
# many percentage points above this year's.
SEASONAL_TOLERANCE = 15.0
# Companies checked per call of the job.
COMPANIES_PER_CALL = 50

STATUSES = [
    ("drop", "Drop"),
    ("seasonal", "Seasonal Drop"),
    ("small", "Below Minimum"),
    ("normal", "Normal"),
]


def last_complete_week(now):
    """The Monday starting the last complete ISO week before ``now`` (a
    datetime in UTC, as the module stores its dates)."""
    today = now.date()
    return today - timedelta(days=today.weekday() + 7)


def metric_status(count, average, last_year, last_year_average, share, min_count):
    """How one metric's week compares (see :data:`STATUSES`).

    :param count: the entries of the week
    :param average: the weekly average of the trailing weeks
    :param last_year: the entries of the same week a year before
    :param last_year_average: the weekly average of its trailing weeks
    :param share: the threshold, a percentage of the average
    :param min_count: the least trailing average watched
    """
    if not average or average < min_count:
        return "small"
    ratio = 100.0 * count / average
    if ratio >= share:
        return "normal"
    if last_year_average and last_year_average >= min_count:
        last_year_ratio = 100.0 * last_year / last_year_average
        if last_year_ratio < share and last_year_ratio <= ratio + SEASONAL_TOLERANCE:
            return "seasonal"
    return "drop"


def metric_figures(counts, week, share, min_count):
    """The figures of one metric for ``week`` from ``counts`` ({Monday:
    entries}): the values of the alert's fields, by suffix."""

    def count(start):
        return counts.get(start, 0)

    def average(start):
        return (
            sum(count(start - timedelta(weeks=n)) for n in range(1, TRAILING_WEEKS + 1))
            / TRAILING_WEEKS
        )

    year_before = week - timedelta(weeks=YEAR_WEEKS)
    figures = {
        "count": count(week),
        "average": average(week),
        "last_year_count": count(year_before),
        "last_year_average": average(year_before),
    }
    figures["share"] = (
        100.0 * figures["count"] / figures["average"] if figures["average"] else 0.0
    )
    figures["last_year_share"] = (
        100.0 * figures["last_year_count"] / figures["last_year_average"]
        if figures["last_year_average"]
        else 0.0
    )
    figures["status"] = metric_status(
        figures["count"],
        figures["average"],
        figures["last_year_count"],
        figures["last_year_average"],
        share,
        min_count,
    )
    return figures


class CrmLifecycleFunnelAlert(models.Model):
    """One company's funnel inflow in one week, checked by the weekly job:
    the figures, whether they dropped, and who was told."""

    _name = "crm.lifecycle.funnel.alert"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Customer Lifecycle Funnel Inflow Alert"
    _order = "week_start desc, company_id"
    _rec_name = "week"
    # Managers only read the alerts; they may still comment and close their
    # activity on them.
    _mail_post_access = "read"

    company_id = fields.Many2one(
        "res.company", required=True, index=True, ondelete="cascade", readonly=True
    )
    week_start = fields.Date(
        string="Week Starting", required=True, index=True, readonly=True
    )
    week = fields.Char(
        compute="_compute_week", store=True, help="The ISO week, e.g. 2026-W48."
    )
    state = fields.Selection(
        [("alert", "Alert"), ("quiet", "No Alert")],
        required=True,
        readonly=True,
        help="Alert: a phase's inflow fell below the threshold share of its "
        "trailing average, and last year's same week did not.",
    )
    threshold_share = fields.Float(
        string="Threshold (%)", digits=(16, 1), readonly=True
    )
    min_count = fields.Integer(string="Minimum Weekly Entries", readonly=True)
    user_ids = fields.Many2many(
        "res.users",
        string="Managers Notified",
        readonly=True,
        copy=False,
    )

    # Selection -------------------------------------------------------------
    selection_count = fields.Integer(string="Selection: Entries", readonly=True)
    selection_average = fields.Float(
        string="Selection: 8-Week Average", digits=(16, 1), readonly=True
    )
    selection_share = fields.Float(
        string="Selection: % of Average", digits=(16, 1), readonly=True
    )
    selection_last_year_count = fields.Integer(
        string="Selection: Entries a Year Before", readonly=True
    )
    selection_last_year_average = fields.Float(
        string="Selection: Average a Year Before", digits=(16, 1), readonly=True
    )
    selection_last_year_share = fields.Float(
        string="Selection: % of Average a Year Before", digits=(16, 1), readonly=True
    )
    selection_status = fields.Selection(
        STATUSES, string="Selection: Status", readonly=True
    )

    # Acquisition -----------------------------------------------------------
    acquisition_count = fields.Integer(string="Acquisition: Entries", readonly=True)
    acquisition_average = fields.Float(
        string="Acquisition: 8-Week Average", digits=(16, 1), readonly=True
    )
    acquisition_share = fields.Float(
        string="Acquisition: % of Average", digits=(16, 1), readonly=True
    )
    acquisition_last_year_count = fields.Integer(
        string="Acquisition: Entries a Year Before", readonly=True
    )
    acquisition_last_year_average = fields.Float(
        string="Acquisition: Average a Year Before", digits=(16, 1), readonly=True
    )
    acquisition_last_year_share = fields.Float(
        string="Acquisition: % of Average a Year Before",
        digits=(16, 1),
        readonly=True,
    )
    acquisition_status = fields.Selection(
        STATUSES, string="Acquisition: Status", readonly=True
    )

    # Retention (conversions) -----------------------------------------------
    retention_count = fields.Integer(string="Conversions", readonly=True)
    retention_average = fields.Float(
        string="Conversions: 8-Week Average", digits=(16, 1), readonly=True
    )
    retention_share = fields.Float(
        string="Conversions: % of Average", digits=(16, 1), readonly=True
    )
    retention_last_year_count = fields.Integer(
        string="Conversions a Year Before", readonly=True
    )
    retention_last_year_average = fields.Float(
        string="Conversions: Average a Year Before", digits=(16, 1), readonly=True
    )
    retention_last_year_share = fields.Float(
        string="Conversions: % of Average a Year Before",
        digits=(16, 1),
        readonly=True,
    )
    retention_status = fields.Selection(
        STATUSES, string="Conversions: Status", readonly=True
    )

    _sql_constraints = [
        (
            "company_week_unique",
            "UNIQUE (company_id, week_start)",
            "A company's funnel inflow is checked once a week.",
        ),
    ]

    @api.depends("week_start")
    def _compute_week(self):
        for alert in self:
            if alert.week_start:
                year, week, _day = alert.week_start.isocalendar()
                alert.week = f"{year}-W{week:02d}"
            else:
                alert.week = False

    # ------------------------------------------------------------
    # The weekly job
    # ------------------------------------------------------------

    @api.model
    def _cron_funnel_alert(self):
        """Weekly: check the last complete week of every company not yet
        checked for it, through the module's batch runner (a company that
        fails is logged and checked again on the next call).

        Idempotent: a company has one row per week, alert or not, and the
        managers are told when the row is made. Returns 1 while companies
        remain."""
        if not self.env["crm.lifecycle.settings"]._get("funnel_alert"):
            return 0
        week = last_complete_week(fields.Datetime.now())
        self.env.flush_all()
        ids = self._funnel_alert_candidates(week, COMPANIES_PER_CALL + 1)
        more = len(ids) > COMPANIES_PER_CALL
        ids = ids[:COMPANIES_PER_CALL]
        Batch = self.env["crm.lifecycle.batch"]
        result = Batch._run_batch(
            ids,
            lambda company_ids: self.sudo()._funnel_alert_check(company_ids, week),
            LABEL,
            noun="company",
            logger=_logger,
        )
        return Batch._batch_report(
            LABEL, result, 1 if more else 0, logger=_logger, cron=CRON
        )

    @api.model
    def _funnel_alert_candidates(self, week, limit):
        """The ids of the companies without a row for ``week``."""
        self.env.cr.execute(
            SQL(
                """
                SELECT c.id FROM res_company c
                 WHERE c.active
                   AND NOT EXISTS (
                        SELECT 1 FROM crm_lifecycle_funnel_alert a
                         WHERE a.company_id = c.id AND a.week_start = %(week)s)
                 ORDER BY c.id
                 LIMIT %(limit)s
                """,
                week=week,
                limit=limit,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _funnel_weekly_counts(self, company_ids, week):
        """{company id: {phase: {Monday: customers who entered the phase that
        week}}} for the weeks the check of ``week`` reads, in one query.

        A customer of no company (shared by all) counts for every company,
        as every company sees it; a customer who entered a phase twice in a
        week counts once."""
        year_before = week - timedelta(weeks=YEAR_WEEKS)
        ranges = [
            (start - timedelta(weeks=TRAILING_WEEKS), start + timedelta(weeks=1))
            for start in (year_before, week)
        ]
        self.env.cr.execute(
            SQL(
                """
                SELECT c.id, h.phase,
                       date_trunc('week', h.date_start)::date AS week,
                       COUNT(DISTINCT h.partner_id)
                  FROM crm_lifecycle_phase_history h
                  JOIN res_company c
                    ON c.id = ANY(%(companies)s)
                   AND (h.company_id = c.id OR h.company_id IS NULL)
                 WHERE h.phase IN %(phases)s
                   AND ((h.date_start >= %(start0)s AND h.date_start < %(end0)s)
                        OR (h.date_start >= %(start1)s AND h.date_start < %(end1)s))
                 GROUP BY 1, 2, 3
                """,
                companies=list(company_ids),
                phases=METRICS,
                start0=ranges[0][0],
                end0=ranges[0][1],
                start1=ranges[1][0],
                end1=ranges[1][1],
            )
        )
        counts = {
            company_id: {phase: {} for phase in METRICS} for company_id in company_ids
        }
        for company_id, phase, start, count in self.env.cr.fetchall():
            counts[company_id][phase][start] = count
        return counts

    @api.model
    def _funnel_alert_values(self, company_ids, week):
        """The values of the rows of ``company_ids`` for ``week``."""
        settings = self.env["crm.lifecycle.settings"]._get_many(
            ["funnel_alert_share", "funnel_alert_min_count"]
        )
        share = settings["funnel_alert_share"]
        min_count = settings["funnel_alert_min_count"]
        counts = self._funnel_weekly_counts(company_ids, week)
        vals_list = []
        for company_id in company_ids:
            values = {
                "company_id": company_id,
                "week_start": week,
                "threshold_share": share,
                "min_count": min_count,
            }
            for metric in METRICS:
                figures = metric_figures(
                    counts[company_id][metric], week, share, min_count
                )
                values.update(
                    {f"{metric}_{name}": value for name, value in figures.items()}
                )
            values["state"] = (
                "alert"
                if any(values[f"{metric}_status"] == "drop" for metric in METRICS)
                else "quiet"
            )
            vals_list.append(values)
        return vals_list

    @api.model
    def _funnel_alert_check(self, company_ids, week):
        """Check ``week`` for ``company_ids``: one row per company, and the
        managers told of each alert."""
        alerts = self.with_context(
            mail_create_nolog=True, mail_create_nosubscribe=True
        ).create(self._funnel_alert_values(company_ids, week))
        for alert in alerts.filtered(lambda a: a.state == "alert"):
            alert._funnel_alert_notify()
        return alerts

    @api.model
    def _funnel_alert_managers(self, company):
        """The lifecycle managers of ``company``: active internal users of
        the manager group allowed in it."""
        group = self.env.ref("crm_lifecycle.group_crm_lifecycle_manager")
        return self.env["res.users"].search(
            [
                ("groups_id", "in", group.ids),
                ("company_ids", "in", company.ids),
                ("share", "=", False),
            ]
        )

    def _funnel_alert_notify(self):
        """One to-do for each manager of the company and one e-mail to them
        all, with the figures."""
        self.ensure_one()
        managers = self._funnel_alert_managers(self.company_id)
        self.user_ids = [Command.set(managers.ids)]
        if not managers:
            _logger.info(
                "%s: company %s has no lifecycle manager to tell",
                LABEL,
                self.company_id.id,
            )
            return
        today = fields.Date.context_today(self)
        for manager in managers:
            # In the manager's language.
            alert = self.with_context(lang=manager.lang)
            alert.activity_schedule(
                act_type_xmlid="mail.mail_activity_data_todo",
                date_deadline=today,
                summary=alert.env._("Funnel inflow dropped"),
                note=alert._funnel_alert_note(),
                user_id=manager.id,
            )
        recipients = managers.partner_id.filtered("email")
        template = self.env.ref(
            "crm_lifecycle.mail_template_funnel_alert", raise_if_not_found=False
        )
        if template and recipients:
            template.send_mail(
                self.id,
                email_values={"recipient_ids": [Command.set(recipients.ids)]},
            )

    def _funnel_alert_note(self):
        self.ensure_one()
        lines = []
        labels = {
            "selection": self.env._("New prospects (Selection)"),
            "acquisition": self.env._("New opportunities (Acquisition)"),
            "retention": self.env._("Conversions (Retention)"),
        }
        for metric in METRICS:
            if self[f"{metric}_status"] != "drop":
                continue
            # The figures first: the terms' extractor evaluates every string
            # of a call to _(), and an f-string there cannot be evaluated.
            count = self[f"{metric}_count"]
            share = round(self[f"{metric}_share"])
            average = round(self[f"{metric}_average"], 1)
            lines.append(
                self.env._(
                    "%(metric)s: %(count)s in the week of %(week)s, %(share)s %% "
                    "of the 8-week average of %(average)s.",
                    metric=labels[metric],
                    count=count,
                    week=self.week,
                    share=share,
                    average=average,
                )
            )
        return Markup("").join(Markup("<p>%s</p>") % line for line in lines)

    @api.model
    def _funnel_alert_run_all(self):
        """Run the weekly job to its end in this transaction (tests, the
        benchmark); a company that keeps failing does not hold it forever."""
        calls = self.env["res.company"].sudo().search_count([]) // COMPANIES_PER_CALL
        for _call in range(calls + 2):
            if not self._cron_funnel_alert():
                break
