from . import test_brief_case_salesperson
