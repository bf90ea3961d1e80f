from . import test_analysis_xlsx
from . import test_commission_analysis
from . import test_forecast_dashboard
from . import test_report_translations
from . import test_scheduled_reports
from . import test_simulator
from . import test_statement_pdf
from . import test_statement_xlsx
