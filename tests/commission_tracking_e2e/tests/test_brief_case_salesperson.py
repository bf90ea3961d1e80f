"""The brief's first worked case, end to end.

"Nhân viên bán hàng chốt được một hợp đồng, hệ thống tự động tính hoa hồng và thông báo cho
nhân viên": a salesperson wins a deal in the CRM; the commission is computed by itself, the
salesperson is notified, reads their commission and how it was computed, and their manager
sees it in the team's lines and in the analysis.
"""

import datetime

from odoo import Command
from odoo.tests import Form, tagged

from odoo.addons.commission_tracking.tests.common import CommissionCommon


@tagged("post_install", "-at_install")
class TestBriefSalespersonCase(CommissionCommon):
    def test_salesperson_wins_and_is_notified(self):
        # The administrator defines a plan: 5 % of revenue, tiered retroactively at 8 % from
        # 200,000,000 VND a month, plus 1,000,000 VND per deal (hybrid).
        with Form(self.env["commission.plan"].with_user(self.admin)) as form:
            form.name = "Hoa hồng nhân viên kinh doanh 2026"
            form.user_ids.add(self.salesperson)
            with form.rule_ids.new() as rule:
                rule.name = "Doanh thu"
                rule.base = "revenue"
                rule.tier_mode = "retroactive"
                with rule.tier_ids.new() as tier:
                    tier.threshold = 0
                    tier.rate = 5
                with rule.tier_ids.new() as tier:
                    tier.threshold = 200_000_000
                    tier.rate = 8
            with form.rule_ids.new() as rule:
                rule.name = "Thưởng hợp đồng"
                rule.base = "deal"
                rule.rate = 1_000_000
        plan = form.record

        # The salesperson works an opportunity, quotes, the customer confirms, and the
        # salesperson marks the opportunity won — all as themselves.
        lead = (
            self.env["crm.lead"]
            .with_user(self.salesperson)
            .create(
                {
                    "name": "Triển khai phần mềm cho Phương Nam",
                    "type": "opportunity",
                    "partner_id": self.customer.id,
                    "team_id": self.team.id,
                    "expected_revenue": 150_000_000,
                }
            )
        )
        self.assertEqual(lead.user_id, self.salesperson)
        order = (
            self.env["sale.order"]
            .with_user(self.salesperson)
            .create(
                {
                    "partner_id": self.customer.id,
                    "opportunity_id": lead.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product_license.id,
                                "product_uom_qty": 12,
                                "price_unit": 10_000_000,
                            }
                        ),
                        Command.create(
                            {
                                "product_id": self.product_training.id,
                                "product_uom_qty": 2,
                                "price_unit": 5_000_000,
                            }
                        ),
                    ],
                }
            )
        )
        order.action_confirm()
        lead.action_set_won()
        self.assertEqual(lead.won_status, "won")

        # Commission lines appeared by themselves: 130,000,000 × 5 % and one deal bonus.
        lines = (
            self.env["commission.line"]
            .with_user(self.salesperson)
            .search([("lead_id", "=", lead.id), ("state", "!=", "cancel")])
        )
        self.assertEqual(len(lines), 2)
        revenue_line = lines.filtered(lambda line: line.rule_id.base == "revenue")
        self.assertRecordValues(
            revenue_line,
            [
                {
                    "plan_id": plan.id,
                    "base_amount": 130_000_000,
                    "rate": 5,
                    "amount": 6_500_000,
                    "state": "pending",
                    "order_id": order.id,
                    "date": lead._commission_date(),
                }
            ],
        )
        self.assertIn("130,000,000", revenue_line.explanation)
        self.assertEqual(lead.with_user(self.salesperson).commission_total, 7_500_000)

        # The salesperson is notified in the opportunity's chatter (and so in their inbox).
        notified = self.env["mail.notification"].search(
            [
                ("res_partner_id", "=", self.salesperson.partner_id.id),
                ("mail_message_id", "in", lead.message_ids.ids),
            ]
        )
        self.assertTrue(notified)
        self.assertIn("7,500,000", notified[0].mail_message_id.body)

        # A second deal the same month lifts the month over 200,000,000: the first deal is
        # re-rated at 8 % retroactively while still pending.
        second = self._create_lead("Gia hạn hợp đồng bảo trì", revenue=90_000_000)
        second.with_user(self.salesperson).action_set_won()
        self.assertEqual(revenue_line.amount, 10_400_000)
        self.assertEqual(revenue_line.rate, 8)
        second_line = self._lines(second).filtered(lambda line: line.rule_id.base == "revenue")
        self.assertEqual(second_line.amount, 7_200_000)

        # The manager of the team sees both lines of the month and approves them.
        manager_lines = (
            self.env["commission.line"]
            .with_user(self.manager)
            .search([("user_id", "=", self.salesperson.id), ("state", "=", "pending")])
        )
        self.assertEqual(sum(manager_lines.mapped("amount")), 10_400_000 + 7_200_000 + 2_000_000)
        manager_lines.action_approve()
        self.assertEqual(set(manager_lines.mapped("state")), {"approved"})
        month = lead._commission_date().replace(day=1)
        self.assertEqual(set(manager_lines.mapped("period_start")), {month})
        self.assertIsInstance(month, datetime.date)
