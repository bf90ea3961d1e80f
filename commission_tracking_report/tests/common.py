import datetime

from odoo import Command
from odoo.tests import new_test_user

from odoo.addons.commission_tracking.tests.common import CommissionCommon

MARCH = datetime.date(2026, 3, 10)
APRIL = datetime.date(2026, 4, 5)


class ReportCommon(CommissionCommon):
    """Commission lines of several salespeople, plans, rules, products and payees.

    Lines of won opportunities come from the engine (5 % of revenue + 1,000,000 per deal); a few
    lines of kinds this version does not compute yet (per product, referrals, another team, a
    cancelled line) are written directly, as the later triggers will write them.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan = cls._create_plan(
            [
                {"name": "5 % doanh thu", "base": "revenue", "rate": 5},
                {"name": "Thưởng mỗi hợp đồng", "base": "deal", "rate": 1_000_000},
            ],
            users=cls.salesperson | cls.salesperson_2,
        )
        cls.rule_revenue = cls.plan.rule_ids.filtered(lambda r: r.base == "revenue")
        cls.rule_deal = cls.plan.rule_ids - cls.rule_revenue
        cls.lead_a = cls._win(cls._create_lead("Hợp đồng A", revenue=100_000_000), MARCH)
        cls.lead_b = cls._win(cls._create_lead("Hợp đồng B", revenue=60_000_000), APRIL)
        cls.lead_c = cls._win(
            cls._create_lead("Hợp đồng C", user=cls.salesperson_2, revenue=40_000_000),
            MARCH + datetime.timedelta(days=1),
        )
        cls.referrer = cls.env["res.partner"].create({"name": "Người giới thiệu Hoa"})
        cls.customer_2 = cls.env["res.partner"].create({"name": "Khách hàng Miền Tây"})
        cls.referral_plan = cls._create_plan(
            [{"name": "Giới thiệu", "base": "referral", "rate_type": "fixed", "rate": 1_000_000}],
            name="Kế hoạch giới thiệu",
            beneficiary_type="referrer",
            active=False,
        )
        cls.other_leader = new_test_user(
            cls.env,
            login="ct_other_leader",
            name="Phạm Trưởng Nhóm",
            groups="sales_team.group_sale_salesman_all_leads,"
            "commission_tracking.group_commission_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.other_seller = new_test_user(
            cls.env,
            login="ct_other_seller",
            name="Đỗ Văn Cường",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.other_team = cls.env["crm.team"].create(
            {
                "name": "Đội miền Bắc",
                "company_id": cls.company.id,
                "user_id": cls.other_leader.id,
                "member_ids": [Command.set(cls.other_seller.ids)],
            }
        )
        cls.other_company = cls.env["res.company"].create({"name": "Công ty khác"})
        Line = cls.env["commission.line"].sudo()

        def line(**vals):
            values = {
                "name": "Dòng",
                "plan_id": cls.plan.id,
                "rule_id": cls.rule_revenue.id,
                "user_id": cls.salesperson.id,
                "partner_id": cls.salesperson.partner_id.id,
                "team_id": cls.team.id,
                "company_id": cls.company.id,
                "currency_id": cls.vnd.id,
                "customer_id": cls.customer.id,
                "date": MARCH,
                "period_start": datetime.date(2026, 3, 1),
            }
            values.update(vals)
            return Line.create(values)

        cls.product_lines = line(
            name="SO-1 Giấy phép",
            product_id=cls.product_license.id,
            deal_key="sale.order.line,1",
            base_amount=20_000_000,
            rate=10,
            amount=2_000_000,
        ) | line(
            name="SO-1 Đào tạo",
            product_id=cls.product_training.id,
            deal_key="sale.order.line,2",
            base_amount=10_000_000,
            rate=3,
            amount=300_000,
            state="approved",
        )
        cls.referral_lines = Line.union(
            *(
                line(
                    name=f"Giới thiệu {index}",
                    plan_id=cls.referral_plan.id,
                    rule_id=cls.referral_plan.rule_ids.id,
                    partner_id=cls.referrer.id,
                    customer_id=customer.id,
                    deal_key=f"referral,{index}",
                    base_qty=1,
                    rate=amount,
                    amount=amount,
                    date=day,
                    period_start=day.replace(day=1),
                    state=state,
                )
                for index, (customer, amount, day, state) in enumerate(
                    [
                        (cls.customer, 1_000_000, MARCH, "pending"),
                        (cls.customer_2, 500_000, APRIL, "paid"),
                    ],
                    start=1,
                )
            )
        )
        cls.other_team_line = line(
            name="Miền Bắc",
            user_id=cls.other_seller.id,
            partner_id=cls.other_seller.partner_id.id,
            team_id=cls.other_team.id,
            deal_key="other,1",
            base_amount=30_000_000,
            rate=5,
            amount=1_500_000,
        )
        cls.cancelled_line = line(
            name="Đã huỷ", deal_key="cancel,1", base_amount=1e9, rate=5, amount=5e7, state="cancel"
        )
        cls.other_company_line = line(
            name="Công ty khác",
            plan_id=False,
            rule_id=False,
            is_adjustment=True,
            adjustment_reason="Thưởng",
            company_id=cls.other_company.id,
            currency_id=cls.other_company.currency_id.id,
            team_id=False,
            amount=999,
        )
        cls.Analysis = cls.env["commission.analysis"]

    @classmethod
    def _earned_lines(cls, user=None):
        Line = cls.env["commission.line"]
        if user:
            Line = Line.with_user(user)
        return Line.search([("state", "!=", "cancel")])
