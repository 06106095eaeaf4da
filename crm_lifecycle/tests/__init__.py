from . import test_loyalty_points
from . import test_loyalty_expiry
from . import test_loyalty_tiers
from . import test_loyalty_security
from . import test_loyalty_tour
