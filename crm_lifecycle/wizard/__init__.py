from . import crm_lifecycle_phase_set
from . import crm_lifecycle_payment_report_wizard
from . import base_partner_merge_automatic_wizard
