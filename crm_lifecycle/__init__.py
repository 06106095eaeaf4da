from . import models
from . import wizard
from . import report


def post_init_hook(env):
    """Give every existing customer its phase and a history rebuilt from the
    dates of its opportunities, orders and invoices."""
    env["res.partner"]._lifecycle_recompute_all(batch_size=5000)
