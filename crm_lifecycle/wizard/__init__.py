from . import crm_lifecycle_phase_set
