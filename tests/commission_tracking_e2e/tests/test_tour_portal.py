import datetime

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestPortalTour(HttpCase):
    """In a real browser: a referrer (portal user) follows their commissions in the portal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        cls.manager = new_test_user(
            cls.env,
            login="ct_tour_portal_manager",
            name="Trần Quản Lý",
            groups="sales_team.group_sale_salesman_all_leads,"
            "commission_tracking.group_commission_manager",
        )
        salespeople = cls.env["res.users"]
        for login, name in (
            ("ct_tour_portal_sales", "Phạm Thu Hà"),
            ("ct_tour_portal_sales2", "Đỗ Văn Nam"),
        ):
            salespeople |= new_test_user(
                cls.env, login=login, name=name, groups="sales_team.group_sale_salesman"
            )
        cls.referrer = new_test_user(
            cls.env, login="ct_tour_referrer", name="Võ Minh Giới Thiệu", groups="base.group_portal"
        )
        cls.other = new_test_user(
            cls.env, login="ct_tour_other_partner", name="Đối tác Khác", groups="base.group_portal"
        )
        salespeople[0].commission_payee_id = cls.referrer.partner_id
        salespeople[1].commission_payee_id = cls.other.partner_id
        cls.env["crm.team"].create(
            {
                "name": "Đội cổng thông tin",
                "user_id": cls.manager.id,
                "member_ids": [Command.set(salespeople.ids)],
            }
        )
        cls.env["commission.plan"].create(
            {
                "name": "Hoa hồng giới thiệu 3 %",
                "user_ids": [Command.set(salespeople.ids)],
                "rule_ids": [Command.create({"base": "revenue", "rate": 3})],
            }
        )
        customer = cls.env["res.partner"].create({"name": "Khách hàng Cổng"})
        deals = (
            ("Hợp đồng cổng thông tin", salespeople[0], 100_000_000),
            ("Hợp đồng đối tác khác", salespeople[1], 50_000_000),
        )
        for name, user, revenue in deals:
            lead = cls.env["crm.lead"].create(
                {
                    "name": name,
                    "type": "opportunity",
                    "partner_id": customer.id,
                    "user_id": user.id,
                    "expected_revenue": revenue,
                }
            )
            lead.action_set_won()
            lead.date_closed = datetime.datetime(2026, 3, 10, 5, 0)
        Statement = cls.env["commission.statement"]
        lines = Statement._gather_lines(company, datetime.date(2026, 3, 31), users=salespeople)
        statements = Statement._generate_statements(
            company, datetime.date(2026, 3, 1), datetime.date(2026, 3, 31), lines
        )
        statements.action_submit()
        statements.with_user(cls.manager).action_approve()
        cls.statement = statements.filtered(lambda s: s.partner_id == cls.referrer.partner_id)
        cls.other_statement = statements - cls.statement
        # a deal won today: pending, in no statement yet
        lead = cls.env["crm.lead"].create(
            {
                "name": "Hợp đồng đang chờ",
                "type": "opportunity",
                "partner_id": customer.id,
                "user_id": salespeople[0].id,
                "expected_revenue": 40_000_000,
            }
        )
        lead.action_set_won()

    def test_referrer_follows_commissions(self):
        self.assertRecordValues(self.statement, [{"state": "approved", "amount_total": 3_000_000}])
        self.assertEqual(self.other_statement.amount_total, 1_500_000)
        self.start_tour("/my", "commission_tracking_portal_tour", login="ct_tour_referrer")

    @mute_logger("odoo.http", "werkzeug")
    def test_other_partner_statement_refused(self):
        self.authenticate("ct_tour_referrer", "ct_tour_referrer")
        for url in (
            f"/my/commissions/{self.other_statement.id}",
            f"/my/commissions/{self.other_statement.id}?report_type=pdf",
        ):
            with self.subTest(url=url):
                response = self.url_open(url, allow_redirects=False)
                self.assertEqual(response.status_code, 404)
                self.assertNotIn("1,500,000", response.text)
                self.assertNotIn("Đối tác Khác", response.text)
        own = self.url_open(f"/my/commissions/{self.statement.id}", allow_redirects=False)
        self.assertEqual(own.status_code, 200)
