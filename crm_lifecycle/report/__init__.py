from . import crm_lifecycle_funnel_report
from . import crm_lifecycle_funnel_summary
from . import crm_lifecycle_nps_report
from . import crm_lifecycle_survey_rate_report
from . import crm_lifecycle_churn_report
from . import crm_lifecycle_cohort_report
from . import crm_lifecycle_payment_history_report
