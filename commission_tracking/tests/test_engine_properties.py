"""Property-based tests (hypothesis) of the pure-Python commission engine."""

import datetime
import json
from collections import defaultdict
from dataclasses import replace
from decimal import ROUND_FLOOR, Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ..engine import (
    BASES,
    TIER_MODES,
    Deal,
    DealLine,
    Existing,
    Reconciliation,
    Rule,
    Skipped,
    Tier,
    compute_period,
    cumulative,
    deal_base,
    explain,
    explain_skipped,
    reconcile,
    round_amount,
)

SETTINGS = settings(max_examples=100, deadline=None, database=None)
FEW = settings(max_examples=50, deadline=None, database=None)

ROUNDINGS = st.sampled_from([Decimal("1"), Decimal("0.01"), Decimal("0.05"), Decimal("1000")])
PRODUCTS = st.sampled_from([None, 1, 2, 3])
CATEGORIES = st.sampled_from([None, 10, 20])
IDS = st.frozensets(st.sampled_from([1, 2, 3]), max_size=2)
CATEG_IDS = st.frozensets(st.sampled_from([10, 20]), max_size=1)


def money(min_value=0, max_value=10**9, places=2):
    """Decimals with ``places`` decimals (built from integers: much faster than st.decimals)."""
    scale = 10**places
    return st.integers(min_value * scale, max_value * scale).map(
        lambda n: Decimal(n).scaleb(-places)
    )


RATES = money(0, 20)


@st.composite
def tiers(draw, non_decreasing=False):
    thresholds = draw(st.lists(st.integers(0, 2 * 10**9), unique=True, max_size=4))
    if draw(st.booleans()):
        thresholds = sorted({0, *thresholds})
    rates = draw(st.lists(RATES, min_size=len(thresholds), max_size=len(thresholds)))
    if non_decreasing:
        thresholds, rates = sorted(thresholds), sorted(rates)
    return tuple(Tier(t, r) for t, r in zip(thresholds, rates, strict=True))


@st.composite
def rules(draw, key, bases=BASES, modes=TIER_MODES):
    return Rule(
        key=key,
        base=draw(st.sampled_from(bases)),
        rate_type=draw(st.sampled_from(["percent", "fixed"])),
        rate=draw(RATES),
        tier_mode=draw(st.sampled_from(modes)),
        tiers=draw(tiers()),
        product_ids=draw(IDS),
        categ_ids=draw(CATEG_IDS),
        name=f"Rule {key}",
    )


@st.composite
def plans(draw, bases=BASES, modes=TIER_MODES):
    size = draw(st.integers(1, 3))
    return [draw(rules(key, bases, modes)) for key in range(1, size + 1)]


@st.composite
def deal_lines(draw, non_negative=False):
    return DealLine(
        product_id=draw(PRODUCTS),
        categ_id=draw(CATEGORIES),
        revenue=draw(money()),
        margin=draw(money(0 if non_negative else -(10**9))),
        quantity=draw(money(0, 1000, 0)),
    )


@st.composite
def deal_lists(draw, non_negative=False, min_size=0):
    size = draw(st.integers(min_size, 6))
    deals = []
    for key in range(size):
        lines = draw(st.lists(deal_lines(non_negative), max_size=3))
        fallback = draw(st.none() | money())
        date = datetime.date(2025, 3, draw(st.integers(1, 5)))
        deals.append(Deal(key, date, tuple(lines), fallback, f"Deal {key}"))
    return deals


def by_rule(result):
    totals = defaultdict(Decimal)
    for line in result.lines:
        totals[line.rule_key] += line.amount
    return dict(totals)


def floor_to(value, rounding):
    return (value / rounding).to_integral_value(ROUND_FLOOR) * rounding


def apply(existing, recon, next_id=1000):
    """What the Odoo side does with a Reconciliation (new lines are pending)."""
    stored = {line.id: line for line in existing}
    touched = set(recon.cancels) | {line_id for line_id, _result in recon.updates}
    assert len(touched) == len(recon.cancels) + len(recon.updates)
    for line_id in touched:
        assert stored[line_id].state == "pending"
    for line_id in recon.cancels:
        del stored[line_id]
    for line_id, result in recon.updates:
        stored[line_id] = replace(stored[line_id], amount=result.amount, result=result)
    for result, amount, origin in recon.creates:
        assert amount == result.amount != 0
        assert origin is None or stored[origin].state in ("approved", "paid")
        stored[next_id] = Existing(
            next_id, result.deal_key, result.rule_key, "pending", amount, result
        )
        next_id += 1
    return list(stored.values())


def stored_by_key(existing):
    sums = defaultdict(Decimal)
    for line in existing:
        sums[(line.deal_key, line.rule_key)] += line.amount
    return {key: value for key, value in sums.items() if value != 0}


def targets(result):
    return {(line.deal_key, line.rule_key): line.amount for line in result.lines if line.amount}


# ---------------------------------------------------------------------------------------------


@SETTINGS
@given(plans(), deal_lists(), ROUNDINGS, st.sampled_from([0, 0, 1, 50, 10**6]))
def test_sum_of_lines_is_the_total_exactly(plan, deals, rounding, cap):
    result = compute_period(plan, deals, cap=Decimal(cap), rounding=rounding)
    assert sum((line.amount for line in result.lines), Decimal(0)) == result.total
    assert sum((line.uncapped_amount for line in result.lines), Decimal(0)) == result.uncapped_total
    per_rule_base = defaultdict(Decimal)
    per_rule_uncapped = defaultdict(Decimal)
    for line in result.lines:
        per_rule_base[line.rule_key] += line.base
        per_rule_uncapped[line.rule_key] += line.uncapped_amount
        assert line.base != 0
        assert line.amount % rounding == 0
        assert deal_base(plan[line.rule_key - 1], deals[line.deal_key]) == line.base
    for rule in plan:
        expected = round_amount(cumulative(rule, per_rule_base[rule.key]), rounding)
        assert per_rule_uncapped[rule.key] == expected
    if not cap:
        assert result.total == result.uncapped_total


@SETTINGS
@given(plans(), deal_lists(), ROUNDINGS, st.sampled_from([0, 100, 10**7]))
def test_same_input_same_output_and_explanations_render(plan, deals, rounding, cap):
    result = compute_period(plan, deals, cap=cap, rounding=rounding)
    assert result == compute_period(plan, list(deals), cap=cap, rounding=rounding)
    for line in result.lines:
        json.dumps([(step.code, step.params) for step in line.steps])
        assert len(explain(line.steps).splitlines()) == len(line.steps)
    for skipped in result.skipped:
        assert isinstance(skipped, Skipped)
        json.dumps(skipped.params)
        assert explain_skipped(skipped)


@SETTINGS
@given(plans(), deal_lists(), ROUNDINGS, st.data())
def test_order_and_dates_do_not_change_totals(plan, deals, rounding, data):
    result = compute_period(plan, deals, rounding=rounding)
    shuffled = data.draw(st.permutations(deals))
    dates = data.draw(st.permutations([deal.date for deal in deals]))
    redated = [replace(deal, date=date) for deal, date in zip(shuffled, dates, strict=True)]
    other = compute_period(plan, redated, rounding=rounding)
    assert other.total == result.total
    assert by_rule(other) == by_rule(result)


@SETTINGS
@given(plans(), deal_lists(non_negative=True), ROUNDINGS, money(1, 10**8), st.data())
def test_capped_total_does_not_depend_on_order_with_non_negative_bases(
    plan, deals, rounding, cap, data
):
    result = compute_period(plan, deals, cap=cap, rounding=rounding)
    shuffled = data.draw(st.permutations(deals))
    assert compute_period(plan, shuffled, cap=cap, rounding=rounding).total == result.total


@SETTINGS
@given(
    st.sampled_from(["revenue", "margin", "quantity"]),
    st.sampled_from(["percent", "fixed"]),
    tiers(non_decreasing=True),
    deal_lists(non_negative=True),
    ROUNDINGS,
    money(0, 3 * 10**9),
)
def test_marginal_never_exceeds_retroactive(base, rate_type, rule_tiers, deals, rounding, x):
    marginal = Rule(1, base, rate_type, 0, "marginal", rule_tiers)
    retroactive = Rule(2, base, rate_type, 0, "retroactive", rule_tiers)
    assert cumulative(marginal, x) <= cumulative(retroactive, x)
    result = compute_period([marginal, retroactive], deals, rounding=rounding)
    totals = by_rule(result)
    assert totals.get(1, 0) <= totals.get(2, 0)


@SETTINGS
@given(plans(), deal_lists(non_negative=True), ROUNDINGS, money(0, 10**8))
def test_cap_is_respected(plan, deals, rounding, cap):
    result = compute_period(plan, deals, cap=cap, rounding=rounding)
    assert all(line.uncapped_amount >= 0 for line in result.lines)
    if cap > 0:
        assert result.total <= cap
        assert result.total == min(result.uncapped_total, floor_to(cap, rounding))
        for line in result.lines:
            assert 0 <= line.amount <= line.uncapped_amount
            capped = any(step.code == "cap" for step in line.steps)
            assert capped == (line.amount != line.uncapped_amount)
    else:
        assert result.total == result.uncapped_total


@SETTINGS
@given(plans(), deal_lists(), ROUNDINGS, money(1, 10**8))
def test_cap_is_respected_even_with_negative_lines(plan, deals, rounding, cap):
    result = compute_period(plan, deals, cap=cap, rounding=rounding)
    running = Decimal(0)
    for line in result.lines:
        running += line.amount
        assert running <= cap
        assert line.amount <= max(line.uncapped_amount, Decimal(0))


@st.composite
def split_cases(draw):
    deals = draw(deal_lists(min_size=1))
    index = draw(st.integers(0, len(deals) - 1))
    original = deals[index]
    fraction = draw(money(0, 1))
    first, second = [], []
    for line in original.lines:
        part = replace(
            line,
            revenue=(line.revenue * fraction).quantize(Decimal("0.01")),
            margin=(line.margin * fraction).quantize(Decimal("0.01")),
            quantity=(line.quantity * fraction).quantize(Decimal("1")),
        )
        rest = replace(
            line,
            revenue=line.revenue - part.revenue,
            margin=line.margin - part.margin,
            quantity=line.quantity - part.quantity,
        )
        first.append(part)
        second.append(rest)
    fallback = original.fallback_revenue
    fallback_part = None if fallback is None else (fallback * fraction).quantize(Decimal("0.01"))
    day = datetime.timedelta(days=draw(st.integers(0, 3)))
    halves = [
        replace(original, lines=tuple(first), fallback_revenue=fallback_part),
        Deal(
            "split",
            original.date + day,
            tuple(second),
            None if fallback is None else fallback - fallback_part,
        ),
    ]
    return deals, deals[:index] + halves + deals[index + 1 :]


@SETTINGS
@given(
    plans(bases=("revenue", "margin", "quantity"), modes=("flat", "marginal", "retroactive")),
    split_cases(),
    ROUNDINGS,
)
def test_splitting_a_deal_in_two_keeps_the_total(plan, case, rounding):
    whole, split = case
    before = compute_period(plan, whole, rounding=rounding)
    after = compute_period(plan, split, rounding=rounding)
    assert after.total == before.total
    assert by_rule(after) == by_rule(before)


@SETTINGS
@given(plans(), deal_lists(), ROUNDINGS, st.sampled_from([0, 10**6]))
def test_reconcile_of_own_output_is_empty(plan, deals, rounding, cap):
    result = compute_period(plan, deals, cap=cap, rounding=rounding)
    first = reconcile(result.lines, [])
    assert first.updates == () and first.cancels == ()
    stored = apply([], first)
    assert stored_by_key(stored) == targets(result)
    assert reconcile(result.lines, stored) == Reconciliation()
    without_results = [replace(line, result=None) for line in stored]
    assert reconcile(result.lines, without_results, rounding=rounding) == Reconciliation()


@st.composite
def existing_lines(draw, keys):
    lines = []
    for line_id in draw(st.lists(st.integers(1, 999), unique=True, max_size=8)):
        key = draw(st.sampled_from(keys))
        state = draw(st.sampled_from(["pending", "approved", "paid"]))
        amount = draw(money(-(10**6), 10**6))
        lines.append(Existing(line_id, key[0], key[1], state, amount))
    return lines


@FEW
@given(plans(), deal_lists(), ROUNDINGS, st.data())
def test_reconcile_converges_from_any_stored_lines(plan, deals, rounding, data):
    result = compute_period(plan, deals, rounding=rounding)
    keys = [(line.deal_key, line.rule_key) for line in result.lines] + [("gone", 1), ("gone", 2)]
    existing = data.draw(existing_lines(keys))
    recon = reconcile(result.lines, existing)
    stored = apply(existing, recon)
    assert stored_by_key(stored) == targets(result)
    assert reconcile(result.lines, stored) == Reconciliation()
    # settle everything, recompute the same period: nothing to do either
    settled = [replace(line, state="approved") for line in stored]
    assert reconcile(result.lines, settled) == Reconciliation()
