from . import test_payment_history
from . import test_payment_security
from . import test_payment_report
