from . import commission_analysis
from . import commission_analysis_xlsx
from . import commission_compute
from . import commission_forecast
from . import commission_statement
from . import crm_team
from . import res_company
from . import res_config_settings
