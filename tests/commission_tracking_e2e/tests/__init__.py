from . import test_brief_case_salesperson
from . import test_tour_won
from . import test_external_api
from . import test_tour_approve_pay
from . import test_tour_plan_vietnamese
from . import test_tour_portal
from . import test_brief_cases_partner_referral
