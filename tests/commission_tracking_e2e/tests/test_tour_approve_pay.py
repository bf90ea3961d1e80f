import datetime

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestApprovePayTour(HttpCase):
    """In a real browser: a manager approves from "To approve", an accountant bills it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        if not cls.env["account.journal"].search_count(
            [("company_id", "=", company.id), ("type", "=", "purchase")]
        ):
            cls.env["account.chart.template"].try_loading(
                "generic_coa", company=company, install_demo=False
            )
        cls.manager = new_test_user(
            cls.env,
            login="ct_tour_manager",
            name="Trần Quản Lý",
            groups="sales_team.group_sale_salesman_all_leads,"
            "commission_tracking.group_commission_manager",
        )
        cls.accountant = new_test_user(
            cls.env,
            login="ct_tour_accountant",
            name="Kế Toán Hoa",
            groups="account.group_account_invoice",
        )
        cls.salesperson = new_test_user(
            cls.env,
            login="ct_tour_sales2",
            name="Phạm Thu Hà",
            groups="sales_team.group_sale_salesman",
        )
        cls.env["crm.team"].create(
            {
                "name": "Đội tour",
                "user_id": cls.manager.id,
                "member_ids": [Command.set(cls.salesperson.ids)],
            }
        )
        cls.env["commission.plan"].create(
            {
                "name": "Hoa hồng 3 %",
                "user_ids": [Command.set(cls.salesperson.ids)],
                "rule_ids": [Command.create({"base": "revenue", "rate": 3})],
            }
        )
        lead = cls.env["crm.lead"].create(
            {
                "name": "Hợp đồng tour",
                "type": "opportunity",
                "user_id": cls.salesperson.id,
                "expected_revenue": 100_000_000,
            }
        )
        lead.action_set_won()
        lead.date_closed = datetime.datetime(2026, 3, 10, 5, 0)
        Statement = cls.env["commission.statement"]
        lines = Statement._gather_lines(company, datetime.date(2026, 3, 31))
        cls.statement = Statement._generate_statements(
            company, datetime.date(2026, 3, 1), datetime.date(2026, 3, 31), lines
        )
        cls.statement.action_submit()

    def test_manager_approves_then_accountant_bills(self):
        self.assertEqual(self.statement.approver_id, self.manager)
        self.start_tour(
            "/odoo/action-commission_tracking.commission_statement_action_to_approve",
            "commission_tracking_approve_tour",
            login="ct_tour_manager",
        )
        self.env.invalidate_all()
        self.assertRecordValues(
            self.statement, [{"state": "approved", "approved_by_id": self.manager.id}]
        )
        self.start_tour(
            "/odoo/action-commission_tracking.commission_statement_action_to_bill",
            "commission_tracking_bill_tour",
            login="ct_tour_accountant",
        )
        self.env.invalidate_all()
        self.assertEqual(self.statement.state, "billed")
        self.assertRecordValues(
            self.statement.bill_id,
            [{"partner_id": self.salesperson.partner_id.id, "amount_total": 3_000_000}],
        )
