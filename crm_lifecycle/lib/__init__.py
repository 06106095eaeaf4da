"""Pure-Python helpers of crm_lifecycle: no database and no Odoo import."""
