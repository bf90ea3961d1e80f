from . import commission_statement_generate
from . import commission_statement_reject
from . import commission_adjustment
from . import commission_statement_export
from . import commission_plan_archive
from . import commission_pit_year_export
