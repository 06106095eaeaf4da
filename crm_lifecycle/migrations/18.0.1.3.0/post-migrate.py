"""The customers' complaint figures, dropped by pre-migrate.py, computed
again per company by the complaint pass, set-based, for the customers that
have cases (the others have none to show), a batch of customers at a time."""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    cr.execute(
        "SELECT DISTINCT commercial_partner_id FROM crm_lifecycle_complaint"
        " WHERE commercial_partner_id IS NOT NULL ORDER BY 1"
    )
    ids = [row[0] for row in cr.fetchall()]
    batch = env["crm.lifecycle.settings"]._get("cron_batch_size")
    Partner = env["res.partner"]
    for start in range(0, len(ids), batch):
        Partner.browse(ids[start : start + batch])._lifecycle_pass_complaint()
        env.flush_all()
        env.invalidate_all()
    _logger.info("Complaint figures recomputed per company for %s customers", len(ids))
