import datetime
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import CommissionCommon

MARCH = datetime.date(2026, 3, 10)
TIERS = ((0, 3), (100_000_000, 5), (500_000_000, 7))


@tagged("post_install", "-at_install")
class TestWonCommission(CommissionCommon):
    """Winning an opportunity computes its commission lines through the shipped server action."""

    # ------------------------------------------------------------------
    # The brief's worked example
    # ------------------------------------------------------------------
    def test_worked_example_marginal(self):
        self._create_plan(
            [{"base": "revenue", "tier_mode": "marginal", "tier_ids": self._tiers(*TIERS)}]
        )
        lead = self._win(self._create_lead(revenue=600_000_000), MARCH)
        line = self._lines(lead)
        self.assertRecordValues(
            line,
            [
                {
                    "amount": 30_000_000,
                    "base_amount": 600_000_000,
                    "state": "pending",
                    "user_id": self.salesperson.id,
                    "partner_id": self.salesperson.partner_id.id,
                    "date": MARCH,
                    "period_start": datetime.date(2026, 3, 1),
                    "currency_id": self.vnd.id,
                    "company_id": self.company.id,
                }
            ],
        )
        self.assertEqual(lead.commission_total, 30_000_000)
        self.assertIn("3,000,000", line.explanation)
        self.assertIn("20,000,000", line.explanation)
        self.assertIn("7,000,000", line.explanation)

    def test_worked_example_retroactive(self):
        self._create_plan(
            [{"base": "revenue", "tier_mode": "retroactive", "tier_ids": self._tiers(*TIERS)}]
        )
        lead = self._win(self._create_lead(revenue=600_000_000), MARCH)
        line = self._lines(lead)
        self.assertEqual(line.amount, 42_000_000)
        self.assertEqual(line.rate, 7)
        self.assertIn("7", line.explanation)

    # ------------------------------------------------------------------
    # Bases
    # ------------------------------------------------------------------
    def test_revenue_from_confirmed_orders_untaxed(self):
        self._create_plan([{"base": "revenue", "rate": 5}])
        lead = self._create_lead(revenue=999_000_000)
        self._create_order(lead, [(self.product_license, 3, 10_000_000)])
        # a quotation that was never confirmed does not count
        self._create_order(lead, [(self.product_license, 50, 10_000_000)], confirm=False)
        self._win(lead, MARCH)
        line = self._lines(lead)
        self.assertRecordValues(line, [{"base_amount": 30_000_000, "amount": 1_500_000}])
        self.assertEqual(line.order_id, lead.order_ids.filtered(lambda o: o.state == "sale"))
        order = line.order_id
        self.assertEqual(order.commission_total, 1_500_000)
        self.assertEqual(order.commission_count, 1)

    def test_margin(self):
        self._create_plan([{"base": "margin", "rate": 10}])
        lead = self._create_lead()
        # margin = (10,000,000 - 6,000,000) * 2 + (5,000,000 - 1,000,000) * 1 = 12,000,000
        self._create_order(
            lead, [(self.product_license, 2, 10_000_000), (self.product_training, 1, 5_000_000)]
        )
        self._win(lead, MARCH)
        self.assertRecordValues(
            self._lines(lead), [{"base_amount": 12_000_000, "amount": 1_200_000}]
        )

    def test_margin_without_order_says_why(self):
        self._create_plan([{"base": "margin", "rate": 10}])
        lead = self._win(self._create_lead(revenue=100_000_000), MARCH)
        self.assertFalse(self._lines(lead))
        message = lead.message_ids.filtered(lambda m: "margin" in (m.body or "").lower())[:1]
        self.assertTrue(message, "the chatter must say why the margin rule produced nothing")
        self.assertIn("order", message.body.lower())

    def test_quantity_per_unit_with_category_filter(self):
        self._create_plan(
            [{"base": "quantity", "rate": 200_000, "product_categ_id": self.categ_software.id}]
        )
        lead = self._create_lead()
        self._create_order(
            lead, [(self.product_license, 4, 10_000_000), (self.product_training, 9, 5_000_000)]
        )
        self._win(lead, MARCH)
        self.assertRecordValues(self._lines(lead), [{"base_qty": 4, "amount": 800_000}])

    def test_deal_fixed_amount_without_order(self):
        self._create_plan([{"base": "deal", "rate": 1_500_000}])
        lead = self._win(self._create_lead(revenue=10_000_000), MARCH)
        self.assertRecordValues(self._lines(lead), [{"base_qty": 1, "amount": 1_500_000}])

    def test_product_filter(self):
        self._create_plan(
            [{"base": "revenue", "rate": 10, "product_ids": self.product_training.ids}]
        )
        lead = self._create_lead()
        self._create_order(
            lead, [(self.product_license, 1, 10_000_000), (self.product_training, 2, 5_000_000)]
        )
        self._win(lead, MARCH)
        self.assertRecordValues(
            self._lines(lead), [{"base_amount": 10_000_000, "amount": 1_000_000}]
        )

    def test_hybrid_plan_sums_rules(self):
        self._create_plan(
            [
                {"base": "revenue", "rate": 2, "name": "2 % doanh thu"},
                {"base": "deal", "rate": 500_000, "name": "Thưởng mỗi hợp đồng"},
            ]
        )
        lead = self._win(self._create_lead(revenue=50_000_000), MARCH)
        lines = self._lines(lead)
        self.assertEqual(sorted(lines.mapped("amount")), [500_000, 1_000_000])
        self.assertEqual(lead.commission_total, 1_500_000)

    def test_cap_reduces_the_line_that_reaches_it(self):
        self._create_plan([{"base": "revenue", "rate": 10}], cap_amount=15_000_000)
        first = self._win(self._create_lead("Deal 1", revenue=100_000_000), MARCH)
        second = self._win(
            self._create_lead("Deal 2", revenue=100_000_000), MARCH + datetime.timedelta(days=1)
        )
        self.assertEqual(self._lines(first).amount, 10_000_000)
        capped = self._lines(second)
        self.assertEqual(capped.amount, 5_000_000)
        self.assertIn("15,000,000", capped.explanation)
        self.assertIn("10,000,000", capped.explanation)

    def test_overlapping_plans_compute_independently(self):
        self._create_plan([{"base": "revenue", "rate": 3}], name="Cơ bản")
        self._create_plan(
            [{"base": "deal", "rate": 2_000_000}], name="Thưởng quý", period="quarter"
        )
        lead = self._win(self._create_lead(revenue=100_000_000), MARCH)
        lines = self._lines(lead)
        self.assertEqual(len(lines), 2)
        self.assertEqual(sorted(lines.mapped("amount")), [2_000_000, 3_000_000])
        quarterly = lines.filtered(lambda line: line.plan_id.period == "quarter")
        self.assertEqual(quarterly.period_start, datetime.date(2026, 1, 1))

    def test_plan_validity_dates(self):
        self._create_plan([{"base": "revenue", "rate": 3}], date_from="2026-04-01")
        lead = self._win(self._create_lead(revenue=100_000_000), MARCH)
        self.assertFalse(self._lines(lead))

    def test_no_plan_no_line(self):
        self._create_plan([{"base": "revenue", "rate": 3}], users=self.salesperson_2)
        lead = self._win(self._create_lead(revenue=100_000_000), MARCH)
        self.assertFalse(self.Line.search([("lead_id", "=", lead.id)]))
        self.assertEqual(lead.commission_total, 0)

    def test_day_won_in_salesperson_time_zone(self):
        """Won on 1 April at 02:00 in Ho Chi Minh City (31 March 19:00 UTC) counts in April."""
        self._create_plan([{"base": "revenue", "rate": 3}])
        lead = self._create_lead(revenue=100_000_000)
        lead.action_set_won()
        lead.date_closed = datetime.datetime(2026, 3, 31, 19, 0)
        line = self._lines(lead)
        self.assertEqual(line.date, datetime.date(2026, 4, 1))
        self.assertEqual(line.period_start, datetime.date(2026, 4, 1))

    # ------------------------------------------------------------------
    # Re-rating, idempotence, lost and reopened
    # ------------------------------------------------------------------
    def test_retroactive_rerating_with_approved_line(self):
        self._create_plan(
            [{"base": "revenue", "tier_mode": "retroactive", "tier_ids": self._tiers(*TIERS)}]
        )
        first = self._win(self._create_lead("Deal 1", revenue=60_000_000), MARCH)
        first_line = self._lines(first)
        self.assertEqual(first_line.amount, 1_800_000)  # 3 %
        first_line.with_user(self.manager).action_approve()

        second = self._win(
            self._create_lead("Deal 2", revenue=50_000_000), MARCH + datetime.timedelta(days=2)
        )
        third = self._win(
            self._create_lead("Deal 3", revenue=20_000_000), MARCH + datetime.timedelta(days=3)
        )
        # 130,000,000 in the month: every deal at 5 %
        self.assertEqual(first_line.amount, 1_800_000, "an approved line is never edited")
        self.assertEqual(first_line.state, "approved")
        correction = first_line.correction_ids
        self.assertRecordValues(
            correction, [{"amount": 1_200_000, "state": "pending", "is_correction": True}]
        )
        self.assertIn("1,800,000", correction.explanation)
        self.assertEqual(self._lines(second).amount, 2_500_000)
        self.assertEqual(self._lines(third).amount, 1_000_000)
        self.assertEqual(sum(self._lines(first).mapped("amount")), 3_000_000)

    def test_order_of_deals_does_not_change_period_total(self):
        plan = self._create_plan(
            [{"base": "revenue", "tier_mode": "marginal", "tier_ids": self._tiers(*TIERS)}]
        )
        revenues = [300_000_000, 150_000_000, 250_000_000]
        for day, revenue in zip((20, 5, 12), revenues, strict=True):
            self._win(self._create_lead(revenue=revenue), datetime.date(2026, 3, day))
        lines = self.Line.search([("plan_id", "=", plan.id), ("state", "!=", "cancel")])
        # 700,000,000: 3,000,000 + 20,000,000 + 14,000,000
        self.assertEqual(sum(lines.mapped("amount")), 37_000_000)

    def test_recompute_is_idempotent(self):
        self._create_plan(
            [{"base": "revenue", "tier_mode": "retroactive", "tier_ids": self._tiers(*TIERS)}]
        )
        leads = self._create_lead(revenue=80_000_000) | self._create_lead(revenue=70_000_000)
        for lead in leads:
            self._win(lead, MARCH)
        before = self.Line.search([("lead_id", "in", leads.ids)])
        snapshot = before.read(["amount", "state", "write_date"])
        leads.with_user(self.manager).action_compute_commissions()
        leads._commission_compute()
        after = self.Line.search([("lead_id", "in", leads.ids)])
        self.assertEqual(after, before)
        self.assertEqual(after.read(["amount", "state", "write_date"]), snapshot)

    def test_recompute_after_the_payee_changed(self):
        """The salesperson's period holds lines of two payees (the payee changed in the
        month): a recomputation still sees both and duplicates nothing."""
        self._create_plan([{"base": "revenue", "rate": 5}])
        agent = self.env["res.partner"].create({"name": "Đại lý An Phát", "is_company": True})
        first = self._win(self._create_lead(revenue=10_000_000), MARCH)
        self.salesperson.commission_payee_id = agent
        second = self._win(self._create_lead(revenue=20_000_000), MARCH)
        leads = first | second
        domain = [("lead_id", "in", leads.ids), ("state", "!=", "cancel")]
        lines = self.Line.search(domain, order="id")
        self.assertRecordValues(
            lines,
            [
                {"lead_id": first.id, "partner_id": self.salesperson.partner_id.id},
                {"lead_id": second.id, "partner_id": agent.id},
            ],
        )
        leads._commission_compute()
        self.assertEqual(self.Line.search(domain, order="id"), lines)
        self.assertEqual(lines.mapped("amount"), [500_000, 1_000_000])

    def test_deal_lines_built_once_for_plans_sharing_company_and_currency(self):
        """A deal counting in two plans of the company (in its currency) is turned into engine
        lines once; each plan applies its own rules to them."""
        five = self._create_plan([{"base": "revenue", "rate": 5}], name="Năm phần trăm")
        two = self._create_plan(
            [
                {
                    "base": "revenue",
                    "rate": 2,
                    "tier_mode": "retroactive",
                    "tier_ids": self._tiers((0, 2), (40_000_000, 4)),
                }
            ],
            name="Bậc lũy tiến",
        )
        Lead = type(self.env["crm.lead"])
        built = []
        original = Lead._commission_deal_parts

        def spy(lead, plan, *args, **kwargs):
            built.append(lead)
            return original(lead, plan, *args, **kwargs)

        lead = self._win(self._create_lead(revenue=50_000_000), MARCH)
        with patch.object(Lead, "_commission_deal_parts", spy):
            lead._commission_compute()
        self.assertEqual(built, [lead])
        self.assertEqual(
            {line.plan_id: line.amount for line in self._lines(lead)},
            {five: 2_500_000, two: 2_000_000},  # 5 %; 4 % from 40,000,000 (retroactive)
        )

    def test_lost_cancels_pending_and_corrects_approved(self):
        self._create_plan(
            [
                {"base": "revenue", "rate": 3},
                {"base": "deal", "rate": 1_000_000},
            ]
        )
        lead = self._win(self._create_lead(revenue=100_000_000), MARCH)
        lines = self._lines(lead)
        approved = lines.filtered(lambda line: line.rule_id.base == "deal")
        pending = lines - approved
        approved.action_approve()
        # Odoo requires a won opportunity to leave the Won stage before it is marked lost
        lead.stage_id = self.env["crm.stage"].search([("is_won", "=", False)], limit=1)
        lead.action_set_lost()
        self.assertEqual(lead.won_status, "lost")
        self.assertEqual(pending.state, "cancel")
        self.assertEqual(approved.state, "approved")
        self.assertRecordValues(
            approved.correction_ids, [{"amount": -1_000_000, "state": "pending"}]
        )
        self.assertEqual(lead.commission_total, 0)

    def test_reopened_opportunity_cancels_pending_lines(self):
        self._create_plan([{"base": "revenue", "rate": 3}])
        lead = self._win(self._create_lead(revenue=100_000_000), MARCH)
        line = self._lines(lead)
        self.assertEqual(line.state, "pending")
        stage = self.env["crm.stage"].search([("is_won", "=", False)], limit=1)
        lead.stage_id = stage  # dragged back in the kanban
        self.assertEqual(lead.won_status, "pending")
        self.assertEqual(line.state, "cancel")
        # won again: a fresh line, the cancelled one is left as history
        self._win(lead, MARCH)
        new_line = self._lines(lead)
        self.assertEqual(len(new_line), 1)
        self.assertNotEqual(new_line, line)
        self.assertEqual(new_line.amount, 3_000_000)

    def test_won_stage_drag_in_kanban(self):
        self._create_plan([{"base": "revenue", "rate": 3}])
        lead = self._create_lead(revenue=40_000_000)
        won_stage = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        lead.stage_id = won_stage
        self.assertEqual(lead.won_status, "won")
        self.assertEqual(self._lines(lead).amount, 1_200_000)

    def test_reassigned_opportunity_moves_commission(self):
        self._create_plan(
            [{"base": "revenue", "rate": 3}], users=self.salesperson | self.salesperson_2
        )
        lead = self._win(self._create_lead(revenue=100_000_000), MARCH)
        first = self._lines(lead)
        self.assertEqual(first.user_id, self.salesperson)
        lead.user_id = self.salesperson_2
        self.assertEqual(first.state, "cancel")
        self.assertRecordValues(
            self._lines(lead), [{"user_id": self.salesperson_2.id, "amount": 3_000_000}]
        )

    def test_automation_can_be_disabled_without_code(self):
        self._create_plan([{"base": "revenue", "rate": 3}])
        with Form(self.env["res.config.settings"]) as settings:
            self.assertTrue(settings.commission_compute_on_won, "on by default")
            settings.commission_compute_on_won = False
        self.assertFalse(self.company.commission_compute_on_won)
        lead = self._win(self._create_lead(revenue=100_000_000), MARCH)
        self.assertFalse(self._lines(lead))
        # computed on request instead, from the button or the list's Action menu
        action = self.env.ref("commission_tracking.action_server_compute_commissions")
        action.with_context(active_model="crm.lead", active_ids=lead.ids).run()
        self.assertEqual(self._lines(lead).amount, 3_000_000)
        # reassigning it does not recompute it either while the setting is off
        lead.user_id = self.salesperson_2
        self.assertEqual(self._lines(lead).user_id, self.salesperson)

    def test_server_action_is_shipped_and_bound(self):
        action = self.env.ref("commission_tracking.action_server_compute_commissions")
        self.assertEqual(action.binding_model_id.model, "crm.lead")
        automatic = self.env.ref("commission_tracking.action_server_compute_commissions_automation")
        self.assertEqual(automatic.model_id.model, "crm.lead")
        self.assertEqual(automatic.code.strip(), "records._commission_compute()")
        self.assertFalse(automatic.base_automation_id)

    def test_automatic_computation_runs_the_shipped_server_action(self):
        """The automatic computation is the shipped server action: an admin who edits its code
        in Settings > Technical changes what winning does."""
        self._create_plan([{"base": "revenue", "rate": 3}])
        automatic = self.env.ref("commission_tracking.action_server_compute_commissions_automation")
        automatic.code = "records.write({'description': 'seen by the server action'})"
        lead = self._win(self._create_lead(revenue=100_000_000), MARCH)
        self.assertEqual(str(lead.description), "<p>seen by the server action</p>")
        self.assertFalse(self._lines(lead))

    def test_only_changes_that_matter_compute(self):
        """Editing an open opportunity, or a won one's other fields, computes nothing; a won
        opportunity created as won is computed."""
        self._create_plan(
            [{"base": "revenue", "rate": 3}], users=self.salesperson | self.salesperson_2
        )
        lead = self._create_lead(revenue=100_000_000)
        with self._spy_computations() as calls:
            lead.write({"expected_revenue": 120_000_000, "name": "Bigger deal"})
            lead.user_id = self.salesperson_2  # open: nothing to compute
            self.assertEqual(calls, [])
            self._win(lead, MARCH)
            self.assertTrue(calls, "the win computes")
            calls.clear()
            lead.write({"name": "Renamed", "description": "notes"})
            self.assertEqual(calls, [], "no trigger field changed")
        self.assertEqual(self._lines(lead).amount, 3_600_000)
        won_stage = self.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        created = self.env["crm.lead"].create(
            {
                "name": "Won at once",
                "type": "opportunity",
                "user_id": self.salesperson.id,
                "expected_revenue": 10_000_000,
                "stage_id": won_stage.id,
            }
        )
        self.assertEqual(created.won_status, "won")
        self.assertEqual(self._lines(created).amount, 300_000)

    # ------------------------------------------------------------------
    # Notification, protection, access
    # ------------------------------------------------------------------
    def test_salesperson_is_notified(self):
        self._create_plan([{"base": "revenue", "rate": 3}])
        lead = self._win(self._create_lead(revenue=100_000_000), MARCH)
        messages = lead.message_ids.filtered(lambda m: self.salesperson.partner_id in m.partner_ids)
        self.assertTrue(messages)
        self.assertIn("3,000,000", messages[0].body)

    def test_settled_line_is_locked(self):
        self._create_plan([{"base": "revenue", "rate": 3}])
        line = self._lines(self._win(self._create_lead(revenue=100_000_000), MARCH))
        line.action_approve()
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            line.with_user(self.admin).write({"amount": 1})
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            line.with_user(self.admin).unlink()
        self.assertEqual(line.amount, 3_000_000)

    def test_salesperson_reads_only_own_lines(self):
        self._create_plan(
            [{"base": "revenue", "rate": 3}], users=self.salesperson | self.salesperson_2
        )
        mine = self._lines(self._win(self._create_lead(revenue=100_000_000), MARCH))
        theirs = self._lines(
            self._win(self._create_lead(revenue=200_000_000, user=self.salesperson_2), MARCH)
        )
        Line = self.Line.with_user(self.salesperson)
        self.assertEqual(Line.search([("state", "!=", "cancel")]), mine)
        self.assertEqual(mine.with_user(self.salesperson).explanation, mine.explanation)
        with self.assertRaises(AccessError):
            theirs.with_user(self.salesperson).read(["amount"])
        with self.assertRaises(AccessError):
            mine.with_user(self.salesperson).write({"amount": 9})
        with self.assertRaises(AccessError):
            mine.with_user(self.salesperson).action_approve()
        groups = Line.formatted_read_group([("state", "!=", "cancel")], [], ["amount:sum"])
        self.assertEqual(groups[0]["amount:sum"], 3_000_000)
        # the manager of the team sees both
        self.assertEqual(
            self.Line.with_user(self.manager).search([("state", "!=", "cancel")]), mine | theirs
        )

    def test_compute_refused_for_unreadable_opportunity(self):
        self._create_plan([{"base": "revenue", "rate": 3}], users=self.salesperson_2)
        lead = self._create_lead(revenue=100_000_000, user=self.salesperson_2)
        with self.assertRaises(AccessError):
            lead.with_user(self.salesperson)._commission_compute()

    # ------------------------------------------------------------------
    # Expected commission on open opportunities
    # ------------------------------------------------------------------
    def test_expected_commission_on_open_opportunity(self):
        self._create_plan(
            [{"base": "revenue", "tier_mode": "retroactive", "tier_ids": self._tiers(*TIERS)}]
        )
        won = self._create_lead("Đã thắng", revenue=80_000_000)
        won.action_set_won()  # today: 80,000,000 at 3 % = 2,400,000
        open_lead = self._create_lead("Đang mở", revenue=40_000_000)
        # winning it lifts the month to 120,000,000 at 5 %: 6,000,000 - 2,400,000
        self.assertEqual(open_lead.with_user(self.salesperson).commission_expected, 3_600_000)
        self.assertFalse(self.Line.search([("lead_id", "=", open_lead.id)]))
        self.assertEqual(won.commission_expected, 0)
