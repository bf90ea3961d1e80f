from . import commission_analysis_export
from . import commission_dashboard
from . import commission_simulator
