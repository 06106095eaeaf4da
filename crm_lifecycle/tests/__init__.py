from . import test_lifecycle_rules
from . import test_lifecycle_manual
from . import test_lifecycle_cron
from . import test_lifecycle_funnel
from . import test_lifecycle_security
from . import test_lifecycle_tour
from . import test_clv_estimators
from . import test_retention_rfm
