import datetime

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import ReportCommon

MARCH_FIRST = datetime.date(2026, 3, 1)


@tagged("post_install", "-at_install")
class TestForecast(ReportCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.open_lead = cls._create_lead(
            "Cơ hội đang mở",
            revenue=100_000_000,
            probability=40,
            date_deadline=fields.Date.today(),
        )
        cls.lost_lead = cls._create_lead("Cơ hội thua", revenue=500_000_000, probability=30)
        cls.lost_lead.action_set_lost()

    def test_forecast_is_engine_uplift_weighted_by_probability(self):
        uplift = self.env["commission.compute"]._forecast_for_lead(self.open_lead)
        self.assertEqual(uplift, 6_000_000)  # 5 % of 100,000,000 + 1,000,000 per deal
        forecasts = self.env["commission.forecast"]._refresh(self.company)
        self.assertRecordValues(
            forecasts,
            [
                {
                    "lead_id": self.open_lead.id,
                    "user_id": self.salesperson.id,
                    "team_id": self.team.id,
                    "amount": 6_000_000,
                    "probability": 40,
                    "weighted_revenue": 40_000_000,
                    "weighted_amount": 2_400_000,
                    "date": fields.Date.today(),
                }
            ],
        )
        # beside the earned commission in the analysis
        by_kind = dict(
            self.Analysis._read_group(
                [("user_id", "=", self.salesperson.id), ("company_id", "=", self.company.id)],
                ["kind"],
                ["amount:sum"],
            )
        )
        self.assertEqual(by_kind["forecast"], 2_400_000)
        self.assertEqual(by_kind["earned"], 13_800_000)
        # a refresh replaces, never duplicates
        self.open_lead.probability = 50
        self.env["commission.forecast"]._refresh(self.company)
        row = self.Analysis.search([("kind", "=", "forecast")])
        self.assertEqual(row.amount, 3_000_000)
        self.assertEqual(row.lead_id, self.open_lead)

    def test_forecast_follows_the_rules_of_the_lines(self):
        self.env["commission.forecast"]._refresh(self.company)
        self.assertEqual(
            self.Analysis.with_user(self.salesperson_2).search_count([("kind", "=", "forecast")]),
            0,
        )
        self.assertEqual(
            self.Analysis.with_user(self.manager).search_count([("kind", "=", "forecast")]), 1
        )
        with self.assertRaises(AccessError):
            self.env["commission.forecast"].with_user(self.salesperson).action_refresh()

    def test_cron_refresh(self):
        cron = self.env.ref("commission_tracking_report.ir_cron_commission_forecast_refresh")
        self.assertEqual(cron.code, "model._cron_refresh()")
        self.env["commission.forecast"]._cron_refresh()
        self.assertEqual(
            self.env["commission.forecast"].search([("company_id", "=", self.company.id)]).lead_id,
            self.open_lead,
        )


@tagged("post_install", "-at_install")
class TestDashboard(ReportCommon):
    def _dashboard(self, user):
        dashboard = self.env["commission.dashboard"].with_user(user).create({})
        dashboard.date_from = MARCH_FIRST
        return dashboard

    def test_tiles_of_the_period(self):
        dashboard = self._dashboard(self.admin)
        self.assertEqual(dashboard.date_to, datetime.date(2026, 3, 31))
        # March: A 6M + C 3M + license 2M + referral 1M + other team 1.5M pending;
        # training 0.3M approved; the paid referral is in April
        self.assertRecordValues(
            dashboard,
            [{"amount_pending": 13_500_000, "amount_approved": 300_000, "amount_paid": 0}],
        )
        self.assertIn("Nguyễn Văn An", dashboard.top_salespeople_html)
        self.assertIn("Giấy phép phần mềm", dashboard.top_products_html)
        products = str(dashboard.top_products_html)
        self.assertLess(
            products.index("Giấy phép phần mềm"), products.index("Đào tạo"), "10 % before 3 %"
        )
        self.assertIn("2026-03", dashboard.trend_html)
        self.assertIn("2025-04", dashboard.trend_html)  # 12 months
        self.assertNotIn("2025-03", dashboard.trend_html)
        # each tile opens its records
        action = dashboard.action_open_pending()
        self.assertEqual(action["res_model"], "commission.analysis")
        rows = self.Analysis.with_user(self.admin).search(action["domain"])
        self.assertEqual(sum(rows.mapped("amount")), 13_500_000)
        self.assertEqual(set(rows.mapped("state")), {"pending"})
        action = dashboard.action_open_top_products()
        self.assertEqual(action["context"]["group_by"], ["product_id"])

    def test_manager_sees_the_team(self):
        dashboard = self._dashboard(self.manager)
        self.assertEqual(dashboard.amount_pending, 12_000_000)  # not the other team's 1.5M
        self.assertNotIn("Đỗ Văn Cường", dashboard.top_salespeople_html)

    def test_statements_waiting_for_approval(self):
        Statement = self.env["commission.statement"]
        lines = Statement._gather_lines(
            self.company, datetime.date(2026, 3, 31), users=self.salesperson
        )
        statement = Statement._generate_statements(
            self.company, MARCH_FIRST, datetime.date(2026, 3, 31), lines
        )
        self.assertEqual(len(statement), 2)  # the salesperson and the referrer
        statement.action_submit()
        dashboard = self._dashboard(self.manager)
        self.assertEqual(dashboard.statement_to_approve_count, 2)
        action = dashboard.action_open_statements_to_approve()
        self.assertEqual(
            self.env["commission.statement"].with_user(self.manager).search(action["domain"]),
            statement,
        )

    def test_open_from_menu(self):
        action = self.env["commission.dashboard"].with_user(self.manager).action_open_dashboard()
        self.assertEqual(action["res_model"], "commission.dashboard")
        with Form(
            self.env["commission.dashboard"].with_user(self.manager).browse(action["res_id"])
        ) as form:
            form.date_from = MARCH_FIRST
            self.assertEqual(form.amount_pending, 12_000_000)

    def test_salesperson_cannot_open_the_dashboard(self):
        with self.assertRaises(AccessError):
            self.env["commission.dashboard"].with_user(self.salesperson).create({})
