from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestPlanAndVietnameseTours(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin_user = new_test_user(
            cls.env,
            login="ct_tour_admin",
            name="Quản Trị Hoa Hồng",
            groups="sales_team.group_sale_manager,commission_tracking.group_commission_admin",
        )

    def test_admin_creates_a_tiered_plan_in_the_form(self):
        self.start_tour(
            "/odoo/action-commission_tracking.commission_plan_action",
            "commission_tracking_plan_tour",
            login="ct_tour_admin",
        )
        plan = self.env["commission.plan"].search([("name", "=", "Hoa hồng bậc thang quý")])
        self.assertEqual(len(plan), 1)
        self.assertRecordValues(plan.rule_ids, [{"base": "revenue", "tier_mode": "marginal"}])
        self.assertEqual(plan.rule_ids.tier_ids.mapped("threshold"), [0, 100_000_000])
        self.assertEqual(plan.rule_ids.tier_ids.mapped("rate"), [3, 5])

    def test_vietnamese_user_interface(self):
        self.env["res.lang"]._activate_lang("vi_VN")
        self.env["ir.module.module"]._load_module_terms(
            ["base", "web", "mail", "commission_tracking"], ["vi_VN"]
        )
        salesperson = new_test_user(
            self.env,
            login="ct_tour_vi",
            name="Võ Thị Lan",
            groups="sales_team.group_sale_salesman",
            lang="vi_VN",
        )
        self.env["commission.plan"].create(
            {
                "name": "Hoa hồng 3 %",
                "user_ids": [Command.set(salesperson.ids)],
                "rule_ids": [Command.create({"base": "revenue", "rate": 3})],
            }
        )
        lead = self.env["crm.lead"].create(
            {
                "name": "Hợp đồng tiếng Việt",
                "type": "opportunity",
                "user_id": salesperson.id,
                "expected_revenue": 100_000_000,
            }
        )
        lead.action_set_won()
        self.start_tour(
            "/odoo/action-commission_tracking.commission_line_action_mine",
            "commission_tracking_vietnamese_tour",
            login="ct_tour_vi",
        )
