from . import test_engine
from . import test_engine_properties
from . import test_plan_constraints
from . import test_statement
from . import test_translations
from . import test_won_commission
from . import test_statement_export
