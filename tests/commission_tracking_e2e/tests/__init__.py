from . import test_brief_case_salesperson
from . import test_tour_won
