"""Immutable input and output records of the commission engine.

Every record is a frozen dataclass. Numeric inputs may be given as ``int``, ``float``, ``str`` or
``Decimal``; they are converted to ``Decimal`` on construction (floats through ``str`` so that
``0.1`` becomes ``Decimal('0.1')``). Collections are converted to tuples / frozensets so that the
records stay immutable.
"""

import datetime
from collections.abc import Hashable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

BASES = ("revenue", "margin", "quantity", "deal", "referral")
RATE_TYPES = ("percent", "fixed")
TIER_MODES = ("flat", "marginal", "retroactive")
STATES = ("pending", "approved", "paid")
SETTLED_STATES = ("approved", "paid")
SKIP_CODES = ("no_lines_margin", "no_lines_quantity", "filter_without_lines")
# A rule applies to the deals of its own scope: "own" deals of the beneficiary, or "team" deals
# of the members of the teams the beneficiary leads (team override).
SCOPES = ("own", "team")
# What a deal's lines are: order lines, invoice lines, or invoice lines paid by one payment.
SOURCES = ("order", "invoice", "payment")

ZERO = Decimal(0)


def to_decimal(value, name="value"):
    """Convert ``value`` (int, float, str or Decimal) to a finite ``Decimal``.

    Floats are converted through ``str`` (``0.1`` → ``Decimal('0.1')``). Booleans, ``None``
    and non-finite values are rejected.
    """
    if type(value) is Decimal and value.is_finite():
        return value  # the usual case, first
    if isinstance(value, bool) or value is None:
        raise TypeError(f"{name} must be a number, got {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(str(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation as exc:
            raise ValueError(f"{name} is not a number: {value!r}") from exc
    else:
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"{name} must be finite, got {value!r}")
    return result


def _set(obj, name, value):
    object.__setattr__(obj, name, value)


def _optional_id(value):
    # Odoo returns False for an empty many2one id: treat it as "no value".
    return None if value is False else value


@dataclass(frozen=True)
class Tier:
    """One tier: from ``threshold`` (inclusive) of the accumulated period base, ``rate`` applies."""

    threshold: Decimal
    rate: Decimal

    def __post_init__(self):
        _set(self, "threshold", to_decimal(self.threshold, "Tier.threshold"))
        _set(self, "rate", to_decimal(self.rate, "Tier.rate"))
        if self.threshold < 0:
            raise ValueError(f"Tier.threshold must be >= 0, got {self.threshold}")


@dataclass(frozen=True)
class Rule:
    """One commission rule of a plan.

    ``tiers`` may be given in any order (as ``Tier`` objects or ``(threshold, rate)`` pairs);
    they are stored sorted by threshold. Two tiers with the same threshold are rejected.
    """

    key: Hashable
    base: str
    rate_type: str
    rate: Decimal
    tier_mode: str = "flat"
    tiers: tuple[Tier, ...] = ()
    product_ids: frozenset = frozenset()
    categ_ids: frozenset = frozenset()
    name: str = ""
    scope: str = "own"

    def __post_init__(self):
        if self.scope not in SCOPES:
            raise ValueError(f"Rule.scope must be one of {SCOPES}, got {self.scope!r}")
        if self.base not in BASES:
            raise ValueError(f"Rule.base must be one of {BASES}, got {self.base!r}")
        if self.rate_type not in RATE_TYPES:
            raise ValueError(f"Rule.rate_type must be one of {RATE_TYPES}, got {self.rate_type!r}")
        if self.tier_mode not in TIER_MODES:
            raise ValueError(f"Rule.tier_mode must be one of {TIER_MODES}, got {self.tier_mode!r}")
        _set(self, "rate", to_decimal(self.rate, "Rule.rate"))
        tiers = tuple(t if isinstance(t, Tier) else Tier(*t) for t in self.tiers or ())
        tiers = tuple(sorted(tiers, key=lambda t: t.threshold))
        for previous, current in zip(tiers, tiers[1:], strict=False):
            if previous.threshold == current.threshold:
                raise ValueError(f"Rule {self.key!r}: two tiers start at {current.threshold}")
        _set(self, "tiers", tiers)
        _set(self, "product_ids", frozenset(self.product_ids or ()))
        _set(self, "categ_ids", frozenset(self.categ_ids or ()))
        _set(self, "name", self.name or "")

    @property
    def has_filter(self):
        """True when the rule restricts lines by product or category (ignored for referrals)."""
        return self.base != "referral" and bool(self.product_ids or self.categ_ids)


@dataclass(frozen=True)
class DealLine:
    """One sales order line (or invoice line), amounts in the plan currency."""

    product_id: int | None
    categ_id: int | None
    revenue: Decimal
    margin: Decimal
    quantity: Decimal

    def __post_init__(self):
        _set(self, "product_id", _optional_id(self.product_id))
        _set(self, "categ_id", _optional_id(self.categ_id))
        _set(self, "revenue", to_decimal(self.revenue, "DealLine.revenue"))
        _set(self, "margin", to_decimal(self.margin, "DealLine.margin"))
        _set(self, "quantity", to_decimal(self.quantity, "DealLine.quantity"))


@dataclass(frozen=True)
class Deal:
    """One deal: a won opportunity, a confirmed order, an invoice line, a payment or a referred
    customer.

    ``share`` is the beneficiary's share of the deal's credit (a split deal: ``0.6``); every base
    is multiplied by it. ``scope`` is matched with ``Rule.scope``. ``source`` names what the lines
    are (for the explanation only). ``rate``, when set, is a rate agreed for this deal: it
    replaces the rate of the flat percentage rules.
    """

    key: Hashable
    date: datetime.date
    lines: tuple[DealLine, ...] = ()
    fallback_revenue: Decimal | None = None
    label: str = ""
    share: Decimal = Decimal(1)
    scope: str = "own"
    source: str = "order"
    rate: Decimal | None = None

    def __post_init__(self):
        _set(self, "lines", tuple(self.lines or ()))
        if self.rate is not None:
            _set(self, "rate", to_decimal(self.rate, "Deal.rate"))
            if self.rate < 0:
                raise ValueError(f"Deal.rate must be >= 0, got {self.rate}")
        _set(self, "share", to_decimal(self.share, "Deal.share"))
        if not 0 < self.share <= 1:
            raise ValueError(f"Deal.share must be in ]0, 1], got {self.share}")
        if self.scope not in SCOPES:
            raise ValueError(f"Deal.scope must be one of {SCOPES}, got {self.scope!r}")
        if self.source not in SOURCES:
            raise ValueError(f"Deal.source must be one of {SOURCES}, got {self.source!r}")
        if self.fallback_revenue is not None:
            _set(
                self,
                "fallback_revenue",
                to_decimal(self.fallback_revenue, "Deal.fallback_revenue"),
            )
        _set(self, "label", self.label or "")


@dataclass(frozen=True)
class Step:
    """One step of a structured explanation; ``params`` holds JSON-serialisable values only."""

    code: str
    params: dict = field(default_factory=dict)

    def __post_init__(self):
        _set(self, "params", dict(self.params or {}))


@dataclass(frozen=True)
class Skipped:
    """A (deal, rule) pair for which the rule's base cannot be computed."""

    deal_key: Hashable
    rule_key: Hashable
    code: str
    params: dict = field(default_factory=dict)

    def __post_init__(self):
        _set(self, "params", dict(self.params or {}))


@dataclass(frozen=True)
class LineResult:
    """The commission of one deal under one rule."""

    deal_key: Hashable
    rule_key: Hashable
    base: Decimal
    rate: Decimal
    amount: Decimal
    uncapped_amount: Decimal
    cumulative_before: Decimal
    steps: tuple[Step, ...]

    def __post_init__(self):
        for name in ("base", "rate", "amount", "uncapped_amount", "cumulative_before"):
            _set(self, name, to_decimal(getattr(self, name), f"LineResult.{name}"))
        _set(self, "steps", tuple(self.steps or ()))


@dataclass(frozen=True)
class PeriodResult:
    """All commission lines of one beneficiary, one plan and one period."""

    lines: tuple[LineResult, ...]
    skipped: tuple[Skipped, ...]
    total: Decimal
    uncapped_total: Decimal


@dataclass(frozen=True)
class Existing:
    """A commission line already stored (cancelled lines are not passed).

    ``result`` is an optional extension of the contract: the ``LineResult`` the line was last
    written from. When given, a pending line is also updated when its result changed (e.g. a new
    explanation) although its amount did not; when ``None`` only the amount is compared.
    """

    id: int
    deal_key: Hashable
    rule_key: Hashable
    state: str
    amount: Decimal
    result: LineResult | None = None

    def __post_init__(self):
        if self.state not in STATES:
            raise ValueError(f"Existing.state must be one of {STATES}, got {self.state!r}")
        _set(self, "amount", to_decimal(self.amount, "Existing.amount"))


@dataclass(frozen=True)
class Reconciliation:
    """What to write so that the stored lines match a new computation."""

    updates: tuple[tuple[int, LineResult], ...] = ()
    creates: tuple[tuple[LineResult, Decimal, int | None], ...] = ()
    cancels: tuple[int, ...] = ()

    def __bool__(self):
        return bool(self.updates or self.creates or self.cancels)
