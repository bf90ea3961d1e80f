"""Bases, cumulative tier functions and the allocation of a period's commission to its deals."""

from dataclasses import dataclass, replace
from decimal import (
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)

from .data import (
    ZERO,
    Deal,
    LineResult,
    PeriodResult,
    Rule,
    Skipped,
    Step,
    to_decimal,
)

ONE = Decimal(1)
HUNDRED = Decimal(100)
RATE_QUANTUM = Decimal("0.0001")

# Enough digits for any realistic amount (and for hypothesis' less realistic ones) so that sums
# and differences are exact and the lines of a period add up to its total to the last digit.
_CONTEXT = Context(
    prec=60,
    rounding=ROUND_HALF_EVEN,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)


def engine_context():
    """A ``decimal`` context manager with the engine's precision (60 significant digits)."""
    return localcontext(_CONTEXT)


def fmt(value):
    """Plain string of a Decimal for step params: no exponent, no trailing zeros (``'3'``)."""
    if value == 0:
        return "0"
    return format(value.normalize(_CONTEXT), "f")


def unit_rate(rate_type, rate):
    """Multiplier of one base unit: ``rate / 100`` for percent rules, ``rate`` for fixed ones."""
    rate = to_decimal(rate, "rate")
    with engine_context():
        return rate / HUNDRED if rate_type == "percent" else rate


def check_rounding(rounding):
    """Validate and convert a currency rounding (must be > 0)."""
    rounding = to_decimal(rounding, "rounding")
    if rounding <= 0:
        raise ValueError(f"rounding must be > 0, got {rounding}")
    return rounding


def round_amount(value, rounding):
    """``R(x)``: nearest multiple of ``rounding``, halves away from zero (like ``float_round``)."""
    value = to_decimal(value)
    rounding = check_rounding(rounding)
    # the engine's context passed to each operation (cheaper than entering it each time);
    # "+ ZERO" turns a negative zero (-0.4 rounded) into a plain zero.
    units = _CONTEXT.divide(value, rounding).to_integral_value(ROUND_HALF_UP, _CONTEXT)
    return _CONTEXT.add(_CONTEXT.multiply(units, rounding), ZERO)


def floor_amount(value, rounding):
    """Largest multiple of ``rounding`` that is <= ``value``."""
    with engine_context():
        return (value / rounding).to_integral_value(ROUND_FLOOR) * rounding


# ---------------------------------------------------------------------------------------------
# Base of one deal for one rule
# ---------------------------------------------------------------------------------------------


def line_matches(rule, line):
    """True when the line passes the rule's product and category filters."""
    if not rule.has_filter:
        return True
    if line.product_id is None:
        return False
    if rule.product_ids and line.product_id not in rule.product_ids:
        return False
    if rule.categ_ids and line.categ_id not in rule.categ_ids:
        return False
    return True


def _skipped(rule, deal, code, **params):
    params.update(label=deal.label, rule=rule.name, base_type=rule.base)
    return Skipped(deal.key, rule.key, code, params)


def _summed_base(rule, deal, attribute):
    matching = [line for line in deal.lines if line_matches(rule, line)]
    base = sum((getattr(line, attribute) for line in matching), ZERO)
    params = {
        "base_type": rule.base,
        "base": fmt(base),
        "lines": len(matching),
        "filtered": rule.has_filter,
    }
    return base, Step(f"base_{rule.base}", params)


def base_with_step(rule, deal):
    """Base of ``deal`` for ``rule`` with the Step explaining it, or a ``Skipped``.

    A split deal's base is the beneficiary's share of the whole deal's base.
    """
    if not isinstance(rule, Rule) or not isinstance(deal, Deal):
        raise TypeError("base_with_step expects a Rule and a Deal")
    with engine_context():
        found = _full_base_with_step(rule, deal)
        if isinstance(found, Skipped):
            return found
        base, step = found
        params = dict(step.params)
        if deal.source != "order":
            params["source"] = deal.source
        if deal.share != ONE:
            params.update(full_base=fmt(base), share=fmt(deal.share * 100))
            base = base * deal.share
            params["base"] = fmt(base)
        return base, Step(step.code, params)


def _full_base_with_step(rule, deal):
    with engine_context():
        if rule.base == "referral":
            return ONE, Step("base_referral", {"base_type": "referral", "base": "1"})
        if rule.base == "deal":
            hit = not rule.has_filter or any(line_matches(rule, line) for line in deal.lines)
            base = ONE if hit else ZERO
            params = {"base_type": "deal", "base": fmt(base), "filtered": rule.has_filter}
            return base, Step("base_deal", params)
        if not deal.lines:
            if rule.base == "margin":
                return _skipped(rule, deal, "no_lines_margin")
            if rule.base == "quantity":
                return _skipped(rule, deal, "no_lines_quantity")
            if deal.fallback_revenue is not None:
                if rule.has_filter:
                    return _skipped(
                        rule,
                        deal,
                        "filter_without_lines",
                        fallback_revenue=fmt(deal.fallback_revenue),
                    )
                base = deal.fallback_revenue
                params = {"base_type": "revenue", "base": fmt(base)}
                return base, Step("base_fallback", params)
        return _summed_base(rule, deal, rule.base)


def deal_base(rule, deal):
    """Base of ``deal`` for ``rule`` in rule units (``Decimal``), or a ``Skipped``."""
    result = base_with_step(rule, deal)
    if isinstance(result, Skipped):
        return result
    return result[0]


# ---------------------------------------------------------------------------------------------
# Cumulative function F of a rule
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A piece of the real line on which the marginal F is linear.

    ``start`` / ``end`` are ``None`` for -infinity / +infinity. ``kind`` is ``'negative'`` (below
    0), ``'below'`` (between 0 and the first threshold), ``'none'`` (the rule has no tier) or
    ``'tier'``. ``tier`` is the tier whose rate applies (``None`` → the slope is 0).
    """

    start: Decimal | None
    end: Decimal | None
    kind: str
    tier: object = None


def zero_tier(rule):
    """The tier whose threshold is 0, or ``None``."""
    if rule.tiers and rule.tiers[0].threshold == 0:
        return rule.tiers[0]
    return None


def tier_reached(rule, x):
    """The tier whose rate rates ``x`` retroactively: highest threshold <= x; for x < 0 the tier
    starting at 0; ``None`` when there is none."""
    if x < 0:
        return zero_tier(rule)
    reached = None
    for tier in rule.tiers:
        if tier.threshold <= x:
            reached = tier
        else:
            break
    return reached


def segments(rule):
    """The segments of the marginal cumulative function of ``rule``, in increasing order.

    Built once per rule (a rule is immutable; a period asks for them three times per deal):
    kept in the rule's ``__dict__``, outside its fields (equality and hash ignore it)."""
    cached = rule.__dict__.get("_segments")
    if cached is None:
        cached = _segments(rule)
        object.__setattr__(rule, "_segments", cached)
    return cached


def _segments(rule):
    result = [Segment(None, ZERO, "negative", zero_tier(rule))]
    tiers = rule.tiers
    if not tiers:
        result.append(Segment(ZERO, None, "none"))
        return tuple(result)
    if tiers[0].threshold > 0:
        result.append(Segment(ZERO, tiers[0].threshold, "below"))
    for index, tier in enumerate(tiers):
        end = tiers[index + 1].threshold if index + 1 < len(tiers) else None
        result.append(Segment(tier.threshold, end, "tier", tier))
    return tuple(result)


@dataclass(frozen=True)
class Slice:
    """The part of a move from ``start`` to ``end`` (either direction) that lies in ``segment``."""

    segment: Segment
    start: Decimal
    end: Decimal
    amount: Decimal


def marginal_slices(rule, start, end):
    """Slices of the move of the accumulated base from ``start`` to ``end`` (marginal tiers).

    The slices are in the direction of the move; their amounts add up to ``F(end) - F(start)``.
    """
    if start == end:
        return ()
    low, high = min(start, end), max(start, end)
    result = []
    with engine_context():
        for segment in segments(rule):
            lower = low if segment.start is None else max(low, segment.start)
            upper = high if segment.end is None else min(high, segment.end)
            if lower >= upper:
                continue
            slope = unit_rate(rule.rate_type, segment.tier.rate) if segment.tier else ZERO
            if end < start:
                lower, upper = upper, lower
            result.append(Slice(segment, lower, upper, (upper - lower) * slope))
    if end < start:
        result.reverse()
    return tuple(result)


def cumulative(rule, x):
    """``F(x)``: the unrounded commission of an accumulated period base ``x`` (rule units)."""
    x = to_decimal(x, "x")
    with engine_context():
        if rule.tier_mode == "flat":
            return x * unit_rate(rule.rate_type, rule.rate)
        if rule.tier_mode == "retroactive":
            tier = tier_reached(rule, x)
            return x * unit_rate(rule.rate_type, tier.rate) if tier else ZERO
        return sum((piece.amount for piece in marginal_slices(rule, ZERO, x)), ZERO)


# ---------------------------------------------------------------------------------------------
# Allocation of a period
# ---------------------------------------------------------------------------------------------


def agreed_rate(rule, deal):
    """The rate agreed for this deal (a partner's rate for a customer or category), which
    replaces the rate of flat percentage rules; ``None`` when the rule's own rate applies."""
    if deal.rate is None or rule.rate_type != "percent" or rule.tier_mode != "flat":
        return None
    return deal.rate


def _rate_params(rule, rate):
    return {"base_type": rule.base, "rate_type": rule.rate_type, "rate": fmt(rate)}


def _cumulative_step(rule, before, after):
    return Step(
        "cumulative",
        {"base_type": rule.base, "before": fmt(before), "after": fmt(after)},
    )


def _slice_step(rule, piece):
    segment = piece.segment
    params = {
        "base_type": rule.base,
        "rate_type": rule.rate_type,
        "from": fmt(piece.start),
        "to": fmt(piece.end),
        "amount": fmt(piece.amount),
    }
    if segment.kind == "tier":
        params["threshold"] = fmt(segment.tier.threshold)
        params["rate"] = fmt(segment.tier.rate)
        return Step("tier_slice", params)
    if segment.kind == "negative":
        params["rate"] = fmt(segment.tier.rate if segment.tier else ZERO)
        params["has_zero_tier"] = segment.tier is not None
        return Step("negative_slice", params)
    if segment.kind == "below":
        params["threshold"] = fmt(segment.end)
        return Step("below_first_tier", params)
    return Step("no_tiers", params)


def _retro_rate_step(rule, total, tier):
    params = {"base_type": rule.base, "rate_type": rule.rate_type, "total": fmt(total)}
    if not rule.tiers:
        return Step("no_tiers", params)
    if total < 0:
        params["has_zero_tier"] = tier is not None
        params["rate"] = fmt(tier.rate if tier else ZERO)
        return Step("retro_negative", params)
    if tier is None:
        params["threshold"] = fmt(rule.tiers[0].threshold)
        return Step("retro_no_tier", params)
    params["threshold"] = fmt(tier.threshold)
    params["rate"] = fmt(tier.rate)
    return Step("retro_rate", params)


def _effective_rate(rule, amount, base):
    rate = amount / base
    if rule.rate_type == "percent":
        rate *= HUNDRED
    return rate.quantize(RATE_QUANTUM, ROUND_HALF_UP)


def _rule_lines(rule, entries, rounding):
    """Lines of one rule. ``entries``: ``(position, deal, base, base_step)`` in deal order."""
    total = sum((entry[2] for entry in entries), ZERO)
    retro_tier = tier_reached(rule, total)
    if rule.tier_mode == "flat":
        unit = unit_rate(rule.rate_type, rule.rate)
    elif rule.tier_mode == "retroactive":
        unit = unit_rate(rule.rate_type, retro_tier.rate) if retro_tier else ZERO
    lines = {}
    before = ZERO
    raw_before = ZERO  # flat rules: running total of the unrounded amounts
    rounded_before = None  # marginal rules: R(F(before)), the previous deal's R(F(after))
    for position, deal, base, base_step in entries:
        after = before + base
        steps = [base_step]
        if rule.tier_mode == "marginal":
            steps.append(_cumulative_step(rule, before, after))
            pieces = marginal_slices(rule, before, after)
            steps.extend(_slice_step(rule, piece) for piece in pieces)
            raw = sum((piece.amount for piece in pieces), ZERO)
            if rounded_before is None:
                rounded_before = round_amount(cumulative(rule, before), rounding)
            rounded_after = round_amount(cumulative(rule, after), rounding)
            amount = rounded_after - rounded_before
            rounded_before = rounded_after
            rate = _effective_rate(rule, amount, base)
        else:
            agreed = agreed_rate(rule, deal) is not None
            raw = base * (unit_rate(rule.rate_type, deal.rate) if agreed else unit)
            amount = round_amount(raw_before + raw, rounding) - round_amount(raw_before, rounding)
            raw_before += raw
            if rule.tier_mode == "flat":
                rate = deal.rate if agreed else rule.rate
                code = "flat_agreed" if agreed else "flat"
            else:
                rate = retro_tier.rate if retro_tier else ZERO
                code = "retro_deal"
                steps.append(_cumulative_step(rule, before, after))
                steps.append(_retro_rate_step(rule, total, retro_tier))
            params = {**_rate_params(rule, rate), "base": fmt(base), "amount": fmt(raw)}
            steps.append(Step(code, params))
        if raw != amount:
            steps.append(Step("rounding", {"raw": fmt(raw), "amount": fmt(amount)}))
        lines[position] = LineResult(
            deal_key=deal.key,
            rule_key=rule.key,
            base=base,
            rate=rate,
            amount=amount,
            uncapped_amount=amount,
            cumulative_before=before,
            steps=tuple(steps),
        )
        before = after
    return lines


def _apply_cap(lines, cap, rounding):
    """Walk the lines in order and reduce the ones that would push the running total over cap."""
    if cap <= 0:
        return lines
    limit = floor_amount(cap, rounding)
    running = ZERO
    result = []
    for line in lines:
        if line.amount > 0:
            room = max(limit - running, ZERO)
            if line.amount > room:
                step = Step(
                    "cap",
                    {
                        "cap": fmt(cap),
                        "uncapped": fmt(line.uncapped_amount),
                        "amount": fmt(room),
                        "before": fmt(running),
                    },
                )
                line = replace(line, amount=room, steps=line.steps + (step,))
        running += line.amount
        result.append(line)
    return result


def _check_unique(items, what):
    seen = set()
    for item in items:
        if item.key in seen:
            raise ValueError(f"duplicate {what} key {item.key!r}")
        seen.add(item.key)


def compute_period(rules, deals, *, cap=Decimal(0), rounding=Decimal("0.01")):
    """Commission lines of one beneficiary, one plan and one period.

    :param rules: the plan's rules (their order is the order of lines within a deal)
    :param deals: the deals of the period, in any order
    :param cap: maximum total of the period, ``0`` for no cap
    :param rounding: currency rounding, e.g. ``Decimal('1')`` for VND
    """
    rules = tuple(rules)
    deals = tuple(deals)
    cap = to_decimal(cap, "cap")
    rounding = check_rounding(rounding)
    if cap < 0:
        raise ValueError(f"cap must be >= 0 (0 = no cap), got {cap}")
    _check_unique(rules, "rule")
    _check_unique(deals, "deal")
    with engine_context():
        ordered = sorted(deals, key=lambda deal: (deal.date, str(deal.key)))
        skipped = []
        entries = {index: [] for index in range(len(rules))}
        for deal_index, deal in enumerate(ordered):
            for rule_index, rule in enumerate(rules):
                if rule.scope != deal.scope:
                    continue
                found = base_with_step(rule, deal)
                if isinstance(found, Skipped):
                    skipped.append(found)
                elif found[0] != 0:
                    entries[rule_index].append(((deal_index, rule_index), deal, *found))
        computed = {}
        for rule_index, rule in enumerate(rules):
            computed.update(_rule_lines(rule, entries[rule_index], rounding))
        uncapped = [computed[position] for position in sorted(computed)]
        lines = _apply_cap(uncapped, cap, rounding)
        return PeriodResult(
            lines=tuple(lines),
            skipped=tuple(skipped),
            total=sum((line.amount for line in lines), ZERO),
            uncapped_total=sum((line.uncapped_amount for line in lines), ZERO),
        )
