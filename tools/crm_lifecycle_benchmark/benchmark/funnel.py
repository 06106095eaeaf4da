"""The funnel inflow alert at scale: a phase history spread over the 61
weeks the weekly job reads, then the job run for every company.

The bench customers' history, rebuilt by the daily jobs from their records'
dates, mostly starts on the build day; the weekly job needs entries week by
week. ``plant_history`` adds, for every bench customer, one closed entry
into Selection, Acquisition and Retention in one of the 61 weeks, spread
evenly and deterministically, with half of the new prospects of the last
complete week missing, so that the alert fires at any scale where the
weekly average reaches the minimum count."""

import time

from odoo import fields

from odoo.addons.crm_lifecycle.models.crm_lifecycle_funnel_alert import (
    METRICS,
    TRAILING_WEEKS,
    YEAR_WEEKS,
    last_complete_week,
)

WEEKS = YEAR_WEEKS + TRAILING_WEEKS + 1

PLANT_SQL = """
INSERT INTO crm_lifecycle_phase_history
       (partner_id, company_id, salesperson_id, country_id, phase, date_start,
        date_end, is_current, manual, reason, create_uid, write_uid,
        create_date, write_date)
SELECT p.id, p.company_id, p.user_id, p.country_id, m.phase,
       e.start, e.start + interval '1 hour', FALSE, FALSE, 'bench funnel',
       1, 1, now(), now()
  FROM res_partner p
 CROSS JOIN (SELECT * FROM unnest(%(phases)s::varchar[])
             WITH ORDINALITY AS m(phase, rank)) m
 CROSS JOIN LATERAL (
        SELECT mod(p.id::bigint * 7919 + m.rank::int * 13, %(weeks)s) AS weeks_back
       ) w
 CROSS JOIN LATERAL (
        SELECT %(week)s::timestamp + interval '2 days 10 hours'
               - w.weeks_back * interval '7 days' AS start
       ) e
 WHERE p.name LIKE 'Bench Customer %%'
   AND p.id = p.commercial_partner_id
   AND NOT (m.phase = 'selection' AND w.weeks_back = 0 AND mod(p.id, 2) = 0)
"""


def plant_history(env):
    """Plant the weekly entries; returns how many."""
    week = last_complete_week(fields.Datetime.now())
    env.flush_all()
    env.cr.execute(PLANT_SQL, {"phases": list(METRICS), "weeks": WEEKS, "week": week})
    return env.cr.rowcount


def run_weekly_job(env):
    """The weekly job for every company, from no alert of the week on;
    returns its seconds and the alerts it raised."""
    Alert = env["crm.lifecycle.funnel.alert"]
    week = last_complete_week(fields.Datetime.now())
    env.flush_all()
    env.cr.execute(
        "DELETE FROM crm_lifecycle_funnel_alert WHERE week_start = %s", [week]
    )
    env.invalidate_all()
    started = time.perf_counter()
    Alert._funnel_alert_run_all()
    env.flush_all()
    seconds = time.perf_counter() - started
    alerts = Alert.search([("week_start", "=", week)])
    return {
        "seconds": seconds,
        "companies": len(alerts),
        "alerts": len(alerts.filtered(lambda a: a.state == "alert")),
    }
