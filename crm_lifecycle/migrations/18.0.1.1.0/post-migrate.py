"""Indexes that earlier versions created and that no version uses any more.

They were dropped by init() on every install and upgrade; a fresh install
has none of them, so only a database upgraded from an earlier version needs
this. After the models are loaded: the fields tell which indexes Odoo made.
"""

from odoo import SUPERUSER_ID, api
from odoo.tools.sql import drop_index, make_index_name

# Replaced by crm_lifecycle_account_move_commercial_idx.
LEGACY_MOVE_INDEXES = (
    "crm_lifecycle_account_move_customer_invoice_idx",
    "crm_lifecycle_account_move_partner_type_idx",
    "crm_lifecycle_account_move_partner_idx",
)


def migrate(cr, version):
    if not version:
        return
    for name in LEGACY_MOVE_INDEXES:
        drop_index(cr, name, "account_move")
    # Odoo indexes a company-dependent field unless told otherwise, and keeps
    # the index when the field stops asking for one: the payment figures that
    # no filter reads lost theirs in 18.0.1.0.0.
    partners = api.Environment(cr, SUPERUSER_ID, {})["res.partner"]
    for name, field in partners._fields.items():
        if (
            field._module == "crm_lifecycle"
            and field.company_dependent
            and not field.index
        ):
            drop_index(cr, make_index_name(partners._table, name), partners._table)
