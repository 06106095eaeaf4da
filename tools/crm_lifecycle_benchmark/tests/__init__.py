from . import test_benchmark_smoke
from . import test_benchmark_floor
from . import test_benchmark_loyalty
from . import test_benchmark_payment
from . import test_benchmark_complaints
from . import test_benchmark_suggestions
