from . import commission_plan
from . import commission_rule
from . import commission_rule_tier
from . import commission_line
from . import commission_compute
from . import crm_lead
from . import sale_order
from . import account_move
