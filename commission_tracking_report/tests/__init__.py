from . import test_report_translations
