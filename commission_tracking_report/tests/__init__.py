from . import test_report_translations
from . import test_statement_xlsx
