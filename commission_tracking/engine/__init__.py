"""Pure-Python commission engine (no Odoo import): see SPEC.md for the contract.

Importable both as ``odoo.addons.commission_tracking.engine`` and stand-alone.
"""

from .core import (
    compute_period,
    cumulative,
    deal_base,
    round_amount,
    unit_rate,
)
from .data import (
    BASES,
    RATE_TYPES,
    SCOPES,
    SKIP_CODES,
    SOURCES,
    STATES,
    TIER_MODES,
    Deal,
    DealLine,
    Existing,
    LineResult,
    PeriodResult,
    Reconciliation,
    Rule,
    Skipped,
    Step,
    Tier,
    to_decimal,
)
from .explain import STEP_CODES, explain, explain_skipped
from .reconcile import reconcile

__all__ = [
    "BASES",
    "RATE_TYPES",
    "SCOPES",
    "SKIP_CODES",
    "SOURCES",
    "STATES",
    "STEP_CODES",
    "TIER_MODES",
    "Deal",
    "DealLine",
    "Existing",
    "LineResult",
    "PeriodResult",
    "Reconciliation",
    "Rule",
    "Skipped",
    "Step",
    "Tier",
    "compute_period",
    "cumulative",
    "deal_base",
    "explain",
    "explain_skipped",
    "reconcile",
    "round_amount",
    "to_decimal",
    "unit_rate",
]
