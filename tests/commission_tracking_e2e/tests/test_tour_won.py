from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


class WonTourCommon(HttpCase):
    """A salesperson with a 3 % plan and an open opportunity of 100,000,000."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson = new_test_user(
            cls.env,
            login="ct_tour_sales",
            name="Phạm Thu Hà",
            groups="sales_team.group_sale_salesman",
        )
        cls.env["commission.plan"].create(
            {
                "name": "Hoa hồng 3 %",
                "user_ids": [Command.set(cls.salesperson.ids)],
                "rule_ids": [Command.create({"base": "revenue", "rate": 3})],
            }
        )
        cls.lead = cls.env["crm.lead"].create(
            {
                "name": "Hợp đồng phần mềm",
                "type": "opportunity",
                "user_id": cls.salesperson.id,
                "expected_revenue": 100_000_000,
            }
        )


@tagged("post_install", "-at_install")
class TestWonTour(WonTourCommon):
    """In a real browser: a salesperson wins an opportunity and sees the commission."""

    def test_salesperson_wins_in_the_browser(self):
        self.start_tour(
            f"/odoo/crm/{self.lead.id}", "commission_tracking_won_tour", login="ct_tour_sales"
        )
        line = self.env["commission.line"].search([("lead_id", "=", self.lead.id)])
        self.assertEqual(line.amount, 3_000_000)
        self.assertEqual(line.state, "pending")


@tagged("post_install", "-at_install")
class TestBackgroundRefreshTour(WonTourCommon):
    """In a real browser, background mode: the open opportunity refreshes when computed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson.company_id.commission_compute_in_background = True

    def test_open_opportunity_refreshes_when_computed(self):
        self.start_tour(
            f"/odoo/crm/{self.lead.id}",
            "commission_tracking_background_refresh_tour",
            login="ct_tour_sales",
        )
        line = self.env["commission.line"].search([("lead_id", "=", self.lead.id)])
        self.assertEqual(line.amount, 3_000_000)
        self.assertFalse(
            self.env["commission.queue"].search([("res_id", "=", self.lead.id)]),
            "computed by hand: nothing left in the queue",
        )
