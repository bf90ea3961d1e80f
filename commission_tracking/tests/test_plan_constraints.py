import datetime

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import CommissionCommon


@tagged("post_install", "-at_install")
class TestPlanConstraints(CommissionCommon):
    """Bad plans are refused with a clear message, and nothing is written."""

    def _assert_refused(self, message, rules, **values):
        Plan = self.env["commission.plan"].with_context(active_test=False)
        plans_before = Plan.search_count([])
        rules_before = self.env["commission.rule"].search_count([])
        with self.assertRaisesRegex(ValidationError, message), self.env.cr.savepoint():
            self._create_plan(rules, **values)
        self.assertEqual(Plan.search_count([]), plans_before)
        self.assertEqual(self.env["commission.rule"].search_count([]), rules_before)

    def test_negative_rate(self):
        self._assert_refused("cannot be negative", [{"base": "revenue", "rate": -1}])

    def test_negative_tier_rate(self):
        self._assert_refused(
            "cannot be negative",
            [
                {
                    "base": "revenue",
                    "tier_mode": "marginal",
                    "tier_ids": self._tiers((0, 3), (10, -2)),
                }
            ],
        )

    def test_percent_over_100_needs_override(self):
        self._assert_refused("above 100 %", [{"base": "revenue", "rate": 120}])
        plan = self._create_plan([{"base": "revenue", "rate": 120, "allow_over_100": True}])
        self.assertEqual(plan.rule_ids.rate, 120)

    def test_fixed_amount_over_100_is_fine(self):
        plan = self._create_plan([{"base": "deal", "rate": 2_000_000}])
        self.assertEqual(plan.rule_ids.rate_type, "fixed")

    def test_tiers_strictly_increasing(self):
        self._assert_refused(
            "strictly increasing",
            [
                {
                    "base": "revenue",
                    "tier_mode": "marginal",
                    "tier_ids": self._tiers((0, 3), (500_000_000, 5), (100_000_000, 7)),
                }
            ],
        )
        self._assert_refused(
            "strictly increasing",
            [
                {
                    "base": "revenue",
                    "tier_mode": "retroactive",
                    "tier_ids": self._tiers((0, 3), (100, 5), (100, 7)),
                }
            ],
        )

    def test_tier_added_later_is_checked(self):
        plan = self._create_plan(
            [
                {
                    "base": "revenue",
                    "tier_mode": "marginal",
                    "tier_ids": self._tiers((0, 3), (100, 5)),
                }
            ]
        )
        with self.assertRaisesRegex(ValidationError, "strictly increasing"):
            with self.env.cr.savepoint():
                self.env["commission.rule.tier"].create(
                    {"rule_id": plan.rule_ids.id, "threshold": 50, "rate": 7, "sequence": 99}
                )
        self.assertEqual(len(plan.rule_ids.tier_ids), 2)

    def test_tiered_rule_without_tiers(self):
        self._assert_refused("has no tier", [{"base": "revenue", "tier_mode": "marginal"}])

    def test_active_plan_without_rules(self):
        self._assert_refused("has no rule", [])
        archived = self._create_plan([], active=False)
        self.assertFalse(archived.active)
        with self.assertRaisesRegex(ValidationError, "has no rule"), self.env.cr.savepoint():
            archived.active = True

    def test_end_before_start(self):
        self._assert_refused(
            "ends .* before it starts",
            [{"base": "revenue", "rate": 3}],
            date_from="2026-06-01",
            date_to="2026-05-31",
        )

    def test_rules_fit_the_beneficiary(self):
        self._assert_refused(
            "referrer plans pay per referred customer",
            [{"base": "revenue", "rate": 3}],
            beneficiary_type="referrer",
        )
        self._assert_refused(
            "team overrides pay team leaders",
            [{"base": "revenue", "rate": 3, "scope": "team"}],
            beneficiary_type="partner",
        )

    def test_clawback_only_for_invoice_plans(self):
        self._assert_refused(
            "posted invoices only", [{"base": "revenue", "rate": 3}], clawback_days=30
        )
        self._assert_refused(
            "cannot be negative",
            [{"base": "revenue", "rate": 3}],
            trigger="invoice",
            clawback_days=-1,
        )
        plan = self._create_plan(
            [{"base": "revenue", "rate": 3}], trigger="invoice", clawback_days=30
        )
        self.assertEqual(plan.clawback_days, 30)

    def test_rate_type_follows_base(self):
        self._assert_refused(
            "is paid as a",
            [{"base": "quantity", "rate_type": "percent", "rate": 3}],
        )
        plan = self._create_plan([{"base": "quantity", "rate": 50_000}])
        self.assertEqual(plan.rule_ids.rate_type, "fixed")

    def test_referral_rule_needs_referrer_plan(self):
        self._assert_refused("referrer plans", [{"base": "referral", "rate": 500_000}])

    def test_negative_cap(self):
        self._assert_refused(
            "cap cannot be negative", [{"base": "revenue", "rate": 3}], cap_amount=-5
        )

    def test_form_plan_summary(self):
        """The plan form gives a plain-language summary of a hybrid, tiered, capped plan."""
        with Form(self.env["commission.plan"]) as form:
            form.name = "Hoa hồng hỗn hợp"
            form.user_ids.add(self.salesperson)
            form.cap_amount = 50_000_000
            with form.rule_ids.new() as rule:
                rule.base = "revenue"
                rule.tier_mode = "marginal"
                with rule.tier_ids.new() as tier:
                    tier.threshold = 0
                    tier.rate = 3
                with rule.tier_ids.new() as tier:
                    tier.threshold = 100_000_000
                    tier.rate = 5
            with form.rule_ids.new() as rule:
                rule.base = "deal"
                self.assertEqual(rule.rate_type, "fixed")
                rule.rate = 1_000_000
        plan = form.record
        self.assertEqual(plan.currency_id, self.vnd)
        self.assertEqual(len(plan.rule_ids), 2)
        self.assertIn("Nguyễn Văn An", plan.summary)
        self.assertIn("marginal tiers", plan.summary)
        self.assertIn("from 100,000,000: 5.00 %", plan.summary)
        self.assertIn("Hybrid plan", plan.summary)
        self.assertIn("50,000,000", plan.summary)

    def test_period_bounds(self):
        plan = self._create_plan([{"base": "revenue", "rate": 3}], period="quarter")
        self.assertEqual(
            plan._get_period_bounds(datetime.date(2026, 8, 15)),
            (datetime.date(2026, 7, 1), datetime.date(2026, 9, 30)),
        )
        plan.period = "year"
        self.assertEqual(
            plan._get_period_bounds(datetime.date(2026, 2, 28)),
            (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)),
        )
        plan.period = "month"
        self.assertEqual(
            plan._get_period_bounds(datetime.date(2028, 2, 10)),
            (datetime.date(2028, 2, 1), datetime.date(2028, 2, 29)),
        )

    def test_plan_copy_keeps_rules_and_tiers(self):
        plan = self._create_plan(
            [
                {
                    "base": "revenue",
                    "tier_mode": "marginal",
                    "tier_ids": self._tiers((0, 3), (100, 5)),
                }
            ]
        )
        copy = plan.copy()
        self.assertEqual(copy.rule_ids.tier_ids.mapped("rate"), [3, 5])
        self.assertEqual(copy.user_ids, plan.user_ids)
