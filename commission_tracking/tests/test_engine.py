"""Example-based tests of the pure-Python commission engine (plain pytest, no Odoo needed)."""

import ast
import datetime
import json
import pathlib
from dataclasses import replace
from decimal import Decimal

import pytest

from .. import engine as engine_package
from ..engine import (
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
    compute_period,
    core,
    cumulative,
    deal_base,
    explain,
    explain_skipped,
    reconcile,
    round_amount,
    unit_rate,
)

D = Decimal
VND = D("1")
USD = D("0.01")
TIERS = (Tier(0, 3), Tier(100_000_000, 5), Tier(500_000_000, 7))


def day(n):
    return datetime.date(2025, 3, n)


def fmt(value):
    """Thousands separators, like the worked example of the spec."""
    return f"{D(value):,}"


def line(revenue=0, margin=0, quantity=0, product=1, categ=10):
    return DealLine(product, categ, revenue, margin, quantity)


def deal(key, revenue, date=1, **kwargs):
    return Deal(key, day(date), (line(revenue=revenue),), label=f"Deal {key}", **kwargs)


def rule(key=1, base="revenue", rate_type="percent", rate=0, tier_mode="flat", tiers=(), **kw):
    return Rule(key, base, rate_type, rate, tier_mode, tiers, **kw)


def marginal(key=1, **kw):
    return rule(key, tier_mode="marginal", tiers=TIERS, **kw)


def retroactive(key=2, **kw):
    return rule(key, tier_mode="retroactive", tiers=TIERS, **kw)


def amounts(result):
    return [(item.deal_key, item.rule_key, item.amount) for item in result.lines]


def explained(result_line):
    return explain(result_line.steps, money=fmt, number=fmt).splitlines()


# ---------------------------------------------------------------------------------------------
# Worked example of the spec
# ---------------------------------------------------------------------------------------------


def test_worked_example_marginal():
    result = compute_period([marginal()], [deal("A", 600_000_000)], rounding=VND)
    assert result.total == D(30_000_000)
    assert result.uncapped_total == D(30_000_000)
    (only,) = result.lines
    assert only.base == D(600_000_000)
    assert only.amount == only.uncapped_amount == D(30_000_000)
    assert only.rate == D("5.0000")  # effective rate 30,000,000 / 600,000,000
    assert only.cumulative_before == 0
    text = explained(only)
    assert text[0] == "Base: revenue of the order lines 600,000,000"
    assert "Tier 0 → 100,000,000 at 3 %: 3,000,000" in text
    assert "Tier 100,000,000 → 500,000,000 at 5 %: 20,000,000" in text
    assert "Tier 500,000,000 → 600,000,000 at 7 %: 7,000,000" in text
    slices = [step for step in only.steps if step.code == "tier_slice"]
    assert [D(step.params["amount"]) for step in slices] == [3_000_000, 20_000_000, 7_000_000]


def test_worked_example_retroactive():
    result = compute_period([retroactive()], [deal("A", 600_000_000)], rounding=VND)
    assert result.total == D(42_000_000)
    (only,) = result.lines
    assert only.rate == D(7)
    assert "Whole period base 600,000,000 at the highest tier reached (7 %)" in explained(only)


def test_worked_example_both_rules_in_one_plan():
    result = compute_period([marginal(1), retroactive(2)], [deal("A", 600_000_000)], rounding=VND)
    assert amounts(result) == [("A", 1, D(30_000_000)), ("A", 2, D(42_000_000))]
    assert result.total == D(72_000_000)


def test_worked_example_split_into_deals_marginal():
    deals = [deal("C", 150_000_000, 20), deal("A", 200_000_000, 2), deal("B", 250_000_000, 10)]
    result = compute_period([marginal()], deals, rounding=VND)
    assert result.total == D(30_000_000)
    # A: 100M at 3 % + 100M at 5 %; B: 250M at 5 %; C: 50M at 5 % + 100M at 7 %
    assert amounts(result) == [
        ("A", 1, D(8_000_000)),
        ("B", 1, D(12_500_000)),
        ("C", 1, D(9_500_000)),
    ]
    assert [item.cumulative_before for item in result.lines] == [0, 200_000_000, 450_000_000]
    assert "Tier 450,000,000 → 500,000,000 at 5 %: 2,500,000" in explained(result.lines[2])


def test_worked_example_split_into_deals_retroactive_re_rates_earlier_deals():
    first = deal("A", 200_000_000, 2)
    alone = compute_period([retroactive()], [first], rounding=VND)
    assert amounts(alone) == [("A", 2, D(10_000_000))]  # 200M reaches only the 5 % tier
    deals = [first, deal("B", 250_000_000, 10), deal("C", 150_000_000, 20)]
    result = compute_period([retroactive()], deals, rounding=VND)
    assert result.total == D(42_000_000)
    assert amounts(result) == [
        ("A", 2, D(14_000_000)),
        ("B", 2, D(17_500_000)),
        ("C", 2, D(10_500_000)),
    ]
    assert all(item.rate == 7 for item in result.lines)


def test_deals_are_ordered_by_date_then_key():
    deals = [deal(10, 1, 5), deal(9, 1, 5), deal("x", 1, 1)]
    result = compute_period([rule(rate=10)], deals)
    # same date: str(9) > str(10), so 10 comes first
    assert [item.deal_key for item in result.lines] == ["x", 10, 9]


# ---------------------------------------------------------------------------------------------
# Cumulative function
# ---------------------------------------------------------------------------------------------


def test_cumulative_flat_and_unit_rates():
    assert cumulative(rule(rate=3), 1000) == 30
    assert cumulative(rule(rate_type="fixed", rate=2), 7) == 14
    assert unit_rate("percent", 3) == D("0.03")
    assert unit_rate("fixed", "2.5") == D("2.5")


def test_cumulative_marginal():
    r = marginal()
    assert cumulative(r, 0) == 0
    assert cumulative(r, 100_000_000) == 3_000_000
    assert cumulative(r, 500_000_000) == 23_000_000
    assert cumulative(r, 600_000_000) == 30_000_000
    assert cumulative(r, -1000) == -30  # below 0: rate of the tier starting at 0


def test_cumulative_marginal_first_tier_above_zero_and_no_zero_tier():
    r = rule(tier_mode="marginal", tiers=[(1000, 10), (100, 5)])  # any order
    assert r.tiers == (Tier(100, 5), Tier(1000, 10))
    assert cumulative(r, 50) == 0
    assert cumulative(r, 200) == 5
    assert cumulative(r, 1100) == 45 + 10
    assert cumulative(r, -500) == 0


def test_segments_built_once_per_rule_and_invisible_to_equality():
    r = marginal()
    twin = marginal()
    first = core.segments(r)
    assert core.segments(r) is first  # kept with the rule
    assert [segment.kind for segment in first] == ["negative", "tier", "tier", "tier"]
    assert r == twin and hash(r) == hash(twin)  # the cache is not a field
    assert replace(r, tiers=(Tier(0, 1),)).tiers == (Tier(0, 1),)
    assert [s.tier for s in core.segments(replace(r, tiers=(Tier(0, 1),)))] == [
        Tier(0, 1),
        Tier(0, 1),
    ]  # a changed copy gets its own segments
    assert cumulative(r, 600_000_000) == 30_000_000


def test_cumulative_retroactive():
    r = retroactive()
    assert cumulative(r, 99_999_999) == D("2999999.97")
    assert cumulative(r, 100_000_000) == 5_000_000
    assert cumulative(r, 600_000_000) == 42_000_000
    assert cumulative(r, -100) == -3
    above = rule(tier_mode="retroactive", tiers=[(100, 5)])
    assert cumulative(above, 99) == 0
    assert cumulative(above, -99) == 0


def test_rules_without_tiers_pay_nothing():
    for mode in ("marginal", "retroactive"):
        empty = rule(tier_mode=mode)
        assert cumulative(empty, 1000) == 0
        result = compute_period([empty], [deal("A", 1000)])
        assert result.total == 0
        assert "The rule has no tiers: no commission" in explained(result.lines[0])


# ---------------------------------------------------------------------------------------------
# Bases and filters
# ---------------------------------------------------------------------------------------------

MIXED = Deal(
    "M",
    day(1),
    (
        DealLine(1, 10, 100, 30, 2),
        DealLine(2, 20, 200, -50, 3),
        DealLine(None, 10, 400, 40, 5),
    ),
)


def test_revenue_margin_quantity_without_filter():
    assert deal_base(rule(base="revenue"), MIXED) == 700
    assert deal_base(rule(base="margin"), MIXED) == 20
    assert deal_base(rule(base="quantity"), MIXED) == 10


def test_product_and_category_filters():
    assert deal_base(rule(product_ids={1}), MIXED) == 100
    assert deal_base(rule(product_ids={1, 2}), MIXED) == 300
    # a line without product fails any active filter, even a category one
    assert deal_base(rule(categ_ids={10}), MIXED) == 100
    assert deal_base(rule(product_ids={2}, categ_ids={10}), MIXED) == 0
    assert deal_base(rule(base="margin", product_ids={2}), MIXED) == -50
    assert deal_base(rule(base="quantity", categ_ids={20}), MIXED) == 3


def test_filtered_revenue_is_explained_as_matching_lines():
    result = compute_period([rule(rate=10, product_ids=[1])], [MIXED])
    assert explained(result.lines[0])[0] == "Base: revenue of matching order lines 100"


def test_deal_base():
    assert deal_base(rule(base="deal"), MIXED) == 1
    assert deal_base(rule(base="deal", product_ids={2}), MIXED) == 1
    assert deal_base(rule(base="deal", product_ids={3}), MIXED) == 0
    assert deal_base(rule(base="deal"), Deal("E", day(1))) == 1
    assert deal_base(rule(base="deal", categ_ids={10}), Deal("E", day(1))) == 0


def test_referral_base_ignores_filters():
    assert deal_base(rule(base="referral"), MIXED) == 1
    assert deal_base(rule(base="referral", product_ids={99}), Deal("R", day(1))) == 1


def test_fixed_rates_per_deal_referral_and_unit():
    per_deal = rule(1, base="deal", rate_type="fixed", rate=500_000)
    per_referral = rule(2, base="referral", rate_type="fixed", rate=200_000)
    per_unit = rule(3, base="quantity", rate_type="fixed", rate=1000)
    result = compute_period([per_deal, per_referral, per_unit], [MIXED], rounding=VND)
    assert amounts(result) == [("M", 1, D(500_000)), ("M", 2, D(200_000)), ("M", 3, D(10_000))]
    assert explained(result.lines[0])[-1] == "1 at 500,000 per deal: 500,000"
    assert explained(result.lines[1])[-1] == "1 at 200,000 per referral: 200,000"
    assert explained(result.lines[2])[-1] == "10 at 1,000 per unit: 10,000"


def test_fallback_revenue_without_lines():
    lead = Deal("L", day(1), fallback_revenue=250.5, label="Lead")
    assert deal_base(rule(), lead) == D("250.5")
    result = compute_period([rule(rate=10)], [lead])
    (only,) = result.lines
    assert only.amount == D("25.05")
    assert only.steps[0].code == "base_fallback"
    assert "expected revenue" in explained(only)[0]


def test_fallback_ignored_when_the_deal_has_lines():
    with_lines = Deal("L", day(1), (line(revenue=100),), fallback_revenue=999)
    assert deal_base(rule(), with_lines) == 100


def test_fallback_with_filter_is_skipped():
    lead = Deal("L", day(1), fallback_revenue=250, label="Lead")
    found = deal_base(rule(key=7, product_ids={1}), lead)
    assert isinstance(found, Skipped)
    assert (found.deal_key, found.rule_key, found.code) == ("L", 7, "filter_without_lines")
    assert explain_skipped(found, money=fmt) == (
        "The product/category filter cannot apply without order lines: "
        "expected revenue 250 not counted"
    )


def test_no_lines_and_no_fallback_gives_zero_revenue():
    assert deal_base(rule(), Deal("L", day(1))) == 0


def test_margin_and_quantity_without_lines_are_skipped():
    lead = Deal("L", day(1), fallback_revenue=1000)
    margin_rule = rule(1, base="margin", rate=10)
    quantity_rule = rule(2, base="quantity", rate_type="fixed", rate=1)
    result = compute_period([margin_rule, quantity_rule], [lead])
    assert result.lines == ()
    assert [(s.deal_key, s.rule_key, s.code) for s in result.skipped] == [
        ("L", 1, "no_lines_margin"),
        ("L", 2, "no_lines_quantity"),
    ]
    assert explain_skipped(result.skipped[0]) == "No sales order, margin unknown"
    assert explain_skipped(result.skipped[1]) == "No sales order, quantity unknown"
    json.dumps([s.params for s in result.skipped])


def test_zero_base_gives_neither_line_nor_skipped():
    result = compute_period([rule(rate=10, product_ids={3})], [MIXED, deal("Z", 0)])
    assert result == PeriodResult((), (), D(0), D(0))


def test_zero_amount_with_non_zero_base_is_returned_and_explained():
    below = rule(tier_mode="retroactive", tiers=[(1000, 5)])
    result = compute_period([below], [deal("A", 10)])
    (only,) = result.lines
    assert only.amount == 0
    assert (
        explained(only)[2] == "Whole period base 10 is below the first tier (1,000): no commission"
    )


# ---------------------------------------------------------------------------------------------
# Negative bases
# ---------------------------------------------------------------------------------------------


def test_negative_margin_flat():
    loss = Deal("N", day(1), (line(revenue=100, margin=-5_000_000),))
    result = compute_period([rule(base="margin", rate=10)], [loss], rounding=VND)
    assert amounts(result) == [("N", 1, D(-500_000))]
    assert result.total == D(-500_000)


def test_negative_margin_marginal_and_retroactive():
    deals = [
        Deal("A", day(1), (line(margin=200_000_000),)),
        Deal("B", day(2), (line(margin=-300_000_000),)),
    ]
    tiered = marginal(base="margin")
    result = compute_period([tiered], deals, rounding=VND)
    # A: 100M at 3 % + 100M at 5 % = 8M; period base -100M at 3 % = -3M, so B = -11M
    assert amounts(result) == [("A", 1, D(8_000_000)), ("B", 1, D(-11_000_000))]
    text = explained(result.lines[1])
    assert "Tier 200,000,000 → 100,000,000 at 5 %: -5,000,000" in text
    assert "Tier 100,000,000 → 0 at 3 %: -3,000,000" in text
    assert "Below zero 0 → -100,000,000 at the rate of the tier from 0 (3 %): -3,000,000" in text
    retro = compute_period([retroactive(base="margin")], deals, rounding=VND)
    assert amounts(retro) == [("A", 2, D(6_000_000)), ("B", 2, D(-9_000_000))]
    assert retro.total == D(-3_000_000)
    assert "Negative period base -100,000,000 at the rate of the tier from 0 (3 %)" in explained(
        retro.lines[0]
    )


# ---------------------------------------------------------------------------------------------
# Cap
# ---------------------------------------------------------------------------------------------

CAP_DEALS = [deal("A", 300_000_000, 1), deal("B", 200_000_000, 2), deal("C", 100_000_000, 3)]


def test_cap_reduces_the_line_that_reaches_it_and_zeroes_the_next():
    result = compute_period([rule(rate=10)], CAP_DEALS, cap=45_000_000, rounding=VND)
    assert amounts(result) == [("A", 1, D(30_000_000)), ("B", 1, D(15_000_000)), ("C", 1, D(0))]
    assert [item.uncapped_amount for item in result.lines] == [30_000_000, 20_000_000, 10_000_000]
    assert result.total == D(45_000_000)
    assert result.uncapped_total == D(60_000_000)
    assert [step.code for step in result.lines[0].steps] == ["base_revenue", "flat"]
    assert result.lines[1].steps[-1].code == "cap"
    assert explained(result.lines[1])[-1] == (
        "Capped at 45,000,000 per period: reduced from 20,000,000 to 15,000,000"
    )
    assert explained(result.lines[2])[-1] == (
        "Capped at 45,000,000 per period: reduced from 10,000,000 to 0"
    )


def test_cap_spec_example_sentence():
    result = compute_period([retroactive()], [deal("A", 600_000_000)], cap=50_000_000, rounding=VND)
    assert result.total == D(42_000_000)  # not reached
    plan = [marginal(1), retroactive(2)]
    result = compute_period(plan, [deal("A", 600_000_000)], cap=50_000_000, rounding=VND)
    assert amounts(result) == [("A", 1, D(30_000_000)), ("A", 2, D(20_000_000))]
    assert explained(result.lines[1])[-1] == (
        "Capped at 50,000,000 per period: reduced from 42,000,000 to 20,000,000"
    )


def test_cap_walks_rules_in_plan_order_within_a_deal():
    plan = [rule(1, rate=10), rule(2, rate=5)]
    result = compute_period(plan, [deal("A", 1000)], cap=120)
    assert amounts(result) == [("A", 1, D(100)), ("A", 2, D(20))]


def test_cap_zero_means_no_cap():
    result = compute_period([rule(rate=10)], CAP_DEALS, cap=0, rounding=VND)
    assert result.total == result.uncapped_total == D(60_000_000)
    assert all(step.code != "cap" for item in result.lines for step in item.steps)


def test_negative_lines_free_room_under_the_cap():
    deals = [
        Deal("A", day(1), (line(margin=1000),)),
        Deal("B", day(2), (line(margin=-400),)),
        Deal("C", day(3), (line(margin=1000),)),
    ]
    result = compute_period([rule(base="margin", rate=10)], deals, cap=150)
    assert amounts(result) == [("A", 1, D(100)), ("B", 1, D(-40)), ("C", 1, D(90))]
    assert result.total == D(150)
    assert result.uncapped_total == D(160)


def test_invalid_cap_and_rounding():
    with pytest.raises(ValueError):
        compute_period([rule()], [], cap=-1)
    with pytest.raises(ValueError):
        compute_period([rule()], [], rounding=0)


# ---------------------------------------------------------------------------------------------
# Rounding
# ---------------------------------------------------------------------------------------------


def test_round_amount_half_away_from_zero():
    assert round_amount(D("0.005"), USD) == D("0.01")
    assert round_amount(D("-0.005"), USD) == D("-0.01")
    assert round_amount(D("2.5"), VND) == D("3")
    assert round_amount(D("-2.5"), VND) == D("-3")
    assert round_amount(D("1.02"), D("0.05")) == D("1.00")
    assert round_amount(D("1.03"), D("0.05")) == D("1.05")
    assert str(round_amount(D("-0.004"), USD)) == "0.00"


def test_rounding_vnd_lines_add_up_exactly():
    deals = [deal(k, 1_234_567 + 3 * k, k) for k in range(1, 8)]
    result = compute_period([rule(rate=D("3.3")), marginal(2)], deals, rounding=VND)
    for key in (1, 2):
        lines = [item for item in result.lines if item.rule_key == key]
        period_base = sum(item.base for item in lines)
        chosen = rule(rate=D("3.3")) if key == 1 else marginal(2)
        assert sum(item.amount for item in lines) == round_amount(
            cumulative(chosen, period_base), VND
        )
        assert all(item.amount == item.amount.to_integral_value() for item in lines)
    assert sum(item.amount for item in result.lines) == result.total


def test_rounding_cents_is_cumulative_and_explained():
    deals = [deal(k, D("0.05"), k) for k in range(1, 4)]
    result = compute_period([rule(rate=10)], deals, rounding=USD)
    # F = 0.005, 0.010, 0.015 → R = 0.01, 0.01, 0.02
    assert [item.amount for item in result.lines] == [D("0.01"), D("0.00"), D("0.01")]
    assert result.total == D("0.02") == round_amount(D("0.015"), USD)
    text = explained(result.lines[0])
    assert text[-1].startswith("Rounded to the currency: 0.005 → 0.01")
    assert [step.code for step in result.lines[1].steps][-1] == "rounding"


# ---------------------------------------------------------------------------------------------
# Inputs, validation, purity
# ---------------------------------------------------------------------------------------------


def test_inputs_are_converted_to_decimal():
    item = DealLine(False, None, 0.1, "0.2", 3)
    assert item.product_id is None
    assert (item.revenue, item.margin, item.quantity) == (D("0.1"), D("0.2"), D(3))
    assert isinstance(Tier(0, 1.5).rate, Decimal)
    r = Rule(1, "revenue", "percent", 2.5, product_ids=[1, 2])
    assert r.rate == D("2.5") and r.product_ids == frozenset({1, 2})
    assert Deal(1, day(1), [item]).lines == (item,)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"base": "profit"},
        {"rate_type": "ratio"},
        {"tier_mode": "stepped"},
        {"tier_mode": "marginal", "tiers": [(0, 1), (0, 2)]},
        {"tier_mode": "marginal", "tiers": [(-1, 1)]},
        {"rate": float("nan")},
    ],
)
def test_invalid_rules_are_rejected(kwargs):
    values = {"key": 1, "base": "revenue", "rate_type": "percent", "rate": 1, **kwargs}
    with pytest.raises(ValueError):
        Rule(**values)


def test_duplicate_keys_are_rejected():
    with pytest.raises(ValueError):
        compute_period([rule(1), rule(1)], [])
    with pytest.raises(ValueError):
        compute_period([rule()], [deal("A", 1), deal("A", 2)])


def test_same_input_same_output():
    plan = [marginal(1), retroactive(2), rule(3, base="deal", rate_type="fixed", rate=7)]
    deals = [deal("A", 123_456_789, 3), deal("B", 987_654_321, 1)]
    assert compute_period(plan, deals, cap=100_000_000) == compute_period(
        plan, list(reversed(deals)), cap=100_000_000
    )


def test_step_params_are_json_serialisable():
    plan = [marginal(1), retroactive(2), rule(3, rate=10), rule(4, base="margin", rate=1)]
    deals = [deal("A", 300_000_000, 1), deal("B", 400_000_000, 2), Deal("C", day(3))]
    result = compute_period(plan, deals, cap=40_000_000, rounding=VND)
    for item in result.lines:
        json.dumps([(step.code, step.params) for step in item.steps])
    json.dumps([skip.params for skip in result.skipped])


def test_every_sentence_goes_through_the_translator():
    plan = [marginal(1), retroactive(2), rule(3, base="deal", rate_type="fixed", rate=5)]
    deals = [deal("A", 50_000_000, 1), deal("B", 600_000_000, 2)]
    result = compute_period(plan, deals, cap=40_000_000, rounding=VND)
    correction = reconcile(result.lines, [Existing(1, "A", 1, "paid", 1)]).creates[0][0]
    seen = []

    def translate(source):
        seen.append(source)
        return "«" + source + "»"

    for item in [*result.lines, correction]:
        text = explain(item.steps, _=translate, money=fmt, number=fmt)
        for sentence in text.splitlines():
            assert sentence.startswith("«") and sentence.endswith("»"), sentence
    assert any("%(" in source for source in seen)


def test_explanation_sources_are_literal_translatable_strings():
    """Odoo's exporter extracts ``_("literal")``: no f-strings, variables or concatenation."""
    source_file = pathlib.Path(engine_package.__file__).parent / "explain.py"
    tree = ast.parse(source_file.read_text(encoding="utf-8"))
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_"
    ]
    assert len(calls) > 20
    for call in calls:
        assert len(call.args) == 1 and not call.keywords
        assert isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)


def test_engine_imports_only_the_standard_library():
    allowed = {"dataclasses", "decimal", "datetime", "typing", "collections"}
    engine_dir = pathlib.Path(engine_package.__file__).parent
    for path in engine_dir.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                assert {alias.name.split(".")[0] for alias in node.names} <= allowed, path
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                assert node.module.split(".")[0] in allowed, path


def test_unknown_codes_are_still_rendered():
    assert explain([Step("mystery", {"b": "2", "a": "1"})]) == "mystery: a=1, b=2"
    assert explain_skipped(Skipped(1, 2, "other", {})) == "other: "


# ---------------------------------------------------------------------------------------------
# Reconciliation
# ---------------------------------------------------------------------------------------------


def result_line(deal_key="A", rule_key=1, amount=100):
    amount = D(amount)
    return LineResult(deal_key, rule_key, D(1000), D(10), amount, amount, D(0), (Step("x", {}),))


def test_reconcile_new_lines_are_created_without_origin():
    new = result_line()
    assert reconcile([new], []) == Reconciliation(creates=((new, D(100), None),))


def test_reconcile_zero_result_without_existing_line_creates_nothing():
    assert reconcile([result_line(amount=0)], []) == Reconciliation()
    assert not reconcile([result_line(amount=0)], [])


def test_reconcile_unchanged_is_empty():
    new = result_line()
    assert reconcile([new], [Existing(5, "A", 1, "pending", 100)]) == Reconciliation()
    assert reconcile([new], [Existing(5, "A", 1, "approved", 100)]) == Reconciliation()
    assert reconcile([new], [Existing(5, "A", 1, "paid", D("100.00"))]) == Reconciliation()


def test_reconcile_pending_line_is_updated_and_duplicates_cancelled():
    new = result_line(amount=150)
    existing = [
        Existing(9, "A", 1, "pending", 20),
        Existing(4, "A", 1, "pending", 100),
        Existing(7, "A", 1, "pending", 30),
    ]
    assert reconcile([new], existing) == Reconciliation(updates=((4, new),), cancels=(7, 9))


def test_reconcile_pending_line_with_right_amount_is_kept_while_others_cancelled():
    existing = [Existing(4, "A", 1, "pending", 100), Existing(7, "A", 1, "pending", 30)]
    assert reconcile([result_line()], existing) == Reconciliation(cancels=(7,))


def test_reconcile_settled_line_gets_a_correction_with_origin():
    new = result_line(amount=150)
    existing = [Existing(3, "A", 1, "paid", 60), Existing(8, "A", 1, "approved", 40)]
    recon = reconcile([new], existing)
    assert recon.updates == () and recon.cancels == ()
    ((created, amount, origin),) = recon.creates
    assert (amount, origin) == (D(50), 8)
    assert created.amount == D(50)
    assert created.steps[0] == Step(
        "correction", {"target": "150", "settled": "100", "delta": "50"}
    )
    assert created.steps[1:] == new.steps
    assert explain(created.steps[:1], money=fmt) == (
        "Correction: new amount 150, already approved or paid 100, difference 50"
    )


def test_reconcile_pending_line_next_to_settled_carries_the_difference():
    new = result_line(amount=150)
    existing = [Existing(3, "A", 1, "paid", 100), Existing(8, "A", 1, "pending", 10)]
    ((line_id, updated),) = reconcile([new], existing).updates
    assert line_id == 8
    assert updated.amount == D(50)
    assert updated.steps[0].code == "correction"


def test_reconcile_settled_line_matching_target_cancels_pending():
    existing = [Existing(3, "A", 1, "paid", 100), Existing(8, "A", 1, "pending", 10)]
    assert reconcile([result_line()], existing) == Reconciliation(cancels=(8,))


def test_reconcile_removed_deal_cancels_pending_and_corrects_settled():
    kept = result_line("B", 1, 70)
    existing = [
        Existing(1, "A", 1, "pending", 100),  # deal A no longer in the period (rule 1)
        Existing(2, "A", 2, "paid", 40),  # ... and rule 2 had already been paid
        Existing(3, "A", 2, "approved", 5),
        Existing(4, "B", 1, "pending", 70),
    ]
    recon = reconcile([kept], existing)
    assert recon.cancels == (1,)
    assert recon.updates == ()
    ((created, amount, origin),) = recon.creates
    assert (created.deal_key, created.rule_key, amount, origin) == ("A", 2, D(-45), 3)
    assert [step.code for step in created.steps] == ["correction", "removed"]
    assert created.base == 0
    assert explain(created.steps, money=fmt).splitlines()[1] == (
        "The deal no longer earns a commission under this rule"
    )


def test_reconcile_removed_deal_with_pending_and_settled_lines():
    existing = [Existing(2, "A", 1, "paid", 40), Existing(5, "A", 1, "pending", 7)]
    ((line_id, updated),) = reconcile([], existing).updates
    assert line_id == 5 and updated.amount == D(-40)


def test_reconcile_rounding_of_float_amounts_and_stored_results():
    new = result_line(amount="0.30")
    stored = Existing(5, "A", 1, "pending", 0.1 + 0.2)
    assert reconcile([new], [stored]) != Reconciliation()
    assert reconcile([new], [stored], rounding=USD) == Reconciliation()
    old_explanation = replace(new, steps=(Step("y", {}),))
    stale = Existing(5, "A", 1, "pending", D("0.30"), old_explanation)
    assert reconcile([new], [stale]).updates == ((5, new),)
    fresh = Existing(5, "A", 1, "pending", D("0.30"), new)
    assert reconcile([new], [fresh]) == Reconciliation()


def test_reconcile_rejects_bad_input():
    with pytest.raises(ValueError):
        Existing(1, "A", 1, "cancelled", 1)
    with pytest.raises(ValueError):
        reconcile([], [Existing(1, "A", 1, "paid", 1), Existing(1, "B", 1, "paid", 1)])
    with pytest.raises(ValueError):
        reconcile([result_line(), result_line()], [])


def test_reconcile_a_recomputed_period_end_to_end():
    plan = [retroactive()]
    first = compute_period(plan, [deal("A", 200_000_000, 1)], rounding=VND)
    recon = reconcile(first.lines, [])
    ((created, amount, origin),) = recon.creates
    assert (amount, origin) == (D(10_000_000), None)
    stored = [Existing(1, "A", 2, "paid", amount, created)]
    deals = [deal("A", 200_000_000, 1), deal("B", 400_000_000, 2)]
    second = compute_period(plan, deals, rounding=VND)
    recon = reconcile(second.lines, stored)
    assert [(r.deal_key, a, o) for r, a, o in recon.creates] == [
        ("A", D(4_000_000), 1),  # re-rated from 5 % to 7 %
        ("B", D(28_000_000), None),
    ]


# ---------------------------------------------------------------------------------------------
# Split credit, team scope, agreed rates, sources
# ---------------------------------------------------------------------------------------------


def test_split_share_scales_every_base_and_is_explained():
    result = compute_period(
        [rule(rate=5), rule(2, base="deal", rate_type="fixed", rate=100_000)],
        [deal("a", 10_000_000, share="0.6")],
        rounding=D(1),
    )
    assert amounts(result) == [("a", 1, D(300_000)), ("a", 2, D(60_000))]
    assert explained(result.lines[0])[:2] == [
        "Base: revenue of the order lines 6,000,000",
        "Credit split: 60 % of the deal's base 10,000,000",
    ]


def test_split_shares_reach_tiers_on_the_shared_base():
    tiered = rule(tier_mode="retroactive", tiers=((0, 2), (50_000_000, 4)))
    full = compute_period([tiered], [deal("a", 100_000_000, share=1)], rounding=D(1))
    share = compute_period([tiered], [deal("a", 100_000_000, share="0.4")], rounding=D(1))
    assert full.total == D(4_000_000)
    assert share.total == D(800_000)  # 40,000,000 stays below the 4 % tier


def test_bad_share_scope_or_rate_is_refused():
    with pytest.raises(ValueError):
        deal("a", 1, share=0)
    with pytest.raises(ValueError):
        deal("a", 1, share="1.5")
    with pytest.raises(ValueError):
        deal("a", 1, scope="other")
    with pytest.raises(ValueError):
        deal("a", 1, rate=-1)
    with pytest.raises(ValueError):
        rule(scope="other")


def test_rules_apply_to_deals_of_their_scope_only():
    own, team = rule(1, rate=5), rule(2, rate=1, scope="team")
    result = compute_period(
        [own, team],
        [deal("mine", 10_000_000), deal("member", 20_000_000, scope="team")],
        rounding=D(1),
    )
    assert sorted(amounts(result)) == [("member", 2, D(200_000)), ("mine", 1, D(500_000))]


def test_agreed_rate_replaces_flat_percentage_rates_only():
    rules = [
        rule(1, rate=10),
        rule(2, base="quantity", rate_type="fixed", rate=1_000),
        rule(3, tier_mode="retroactive", tiers=((0, 2),)),
    ]
    result = compute_period(
        rules,
        [
            Deal("a", day(1), (line(revenue=1_000_000, quantity=2),), rate=15),
            Deal("b", day(2), (line(revenue=1_000_000, quantity=1),)),
        ],
        rounding=D(1),
    )
    assert amounts(result) == [
        ("a", 1, D(150_000)),
        ("a", 2, D(2_000)),
        ("a", 3, D(20_000)),
        ("b", 1, D(100_000)),
        ("b", 2, D(1_000)),
        ("b", 3, D(20_000)),
    ]
    assert explained(result.lines[0])[-1] == "1,000,000 at the agreed rate 15 %: 150,000"


def test_agreed_rates_keep_rounded_lines_summing_to_the_rounded_total():
    deals = [
        Deal(key, day(1), (line(revenue=333),), rate=rate)
        for key, rate in (("a", "1.5"), ("b", None), ("c", "2.5"))
    ]
    result = compute_period([rule(rate=1)], deals, rounding=D(1))
    raw = D(333) * (D("0.015") + D("0.01") + D("0.025"))
    assert result.total == round_amount(raw, D(1))


def test_invoice_and_payment_sources_are_explained():
    invoice = compute_period([rule(rate=10)], [deal("i", 1_000, source="invoice")])
    payment = compute_period([rule(rate=10)], [deal("p", 1_000, source="payment")])
    assert explained(invoice.lines[0])[0] == "Base: revenue of the invoice line 1,000"
    assert explained(payment.lines[0])[0] == "Base: revenue paid by this payment 1,000"
