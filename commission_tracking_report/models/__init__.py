from . import commission_statement
