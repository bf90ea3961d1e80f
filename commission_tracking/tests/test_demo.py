from odoo import Command
from odoo.tests import TransactionCase, new_test_user, tagged

from ..models.commission_demo import STATEMENT_STATES, WON_DEALS


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    """The demo loader, on records made here (the test database has no demo data): every
    statement state exists, and every amount is the engine's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vnd = cls.env.ref("base.VND")
        cls.vnd.active = True
        cls.company = cls.env["res.company"].create(
            {
                "name": "Công ty TNHH Thương mại Sao Việt",
                "currency_id": cls.vnd.id,
                "country_id": cls.env.ref("base.vn").id,
            }
        )
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))
        values = {
            "company_id": cls.company.id,
            "company_ids": [Command.set(cls.company.ids)],
            "tz": "Asia/Ho_Chi_Minh",
        }
        cls.manager = new_test_user(
            cls.env,
            login="demo_test_manager",
            name="Trần Minh Quân",
            groups="sales_team.group_sale_salesman_all_leads,"
            "commission_tracking.group_commission_manager",
            **values,
        )
        cls.salespeople = cls.env["res.users"].union(
            *(
                new_test_user(
                    cls.env,
                    login=f"demo_test_{login}",
                    name=name,
                    groups="sales_team.group_sale_salesman",
                    **values,
                )
                for login, name in (
                    ("an", "Nguyễn Văn An"),
                    ("binh", "Lê Thị Bình"),
                    ("cuong", "Phạm Quốc Cường"),
                )
            )
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Đội kinh doanh Sao Việt",
                "company_id": cls.company.id,
                "user_id": cls.manager.id,
                "member_ids": [Command.set(cls.salespeople.ids)],
            }
        )
        Category = cls.env["product.category"]
        software, hardware, service = (
            Category.create({"name": name}) for name in ("Phần mềm", "Thiết bị", "Dịch vụ")
        )
        cls.products = cls.env["product.product"].create(
            [
                {
                    "name": name,
                    "type": "service",
                    "categ_id": categ.id,
                    "company_id": cls.company.id,
                    "list_price": price,
                    "standard_price": cost,
                    "taxes_id": [Command.clear()],
                }
                for name, categ, price, cost in (
                    ("Phần mềm", software, 24_000_000, 9_000_000),
                    ("Máy POS", hardware, 15_000_000, 11_500_000),
                    ("Máy in", hardware, 3_500_000, 2_400_000),
                    ("Triển khai", service, 8_000_000, 3_000_000),
                    ("Hỗ trợ", service, 6_000_000, 1_500_000),
                )
            ]
        )
        cls.customers = cls.env["res.partner"].create(
            [{"name": f"Khách hàng {index}", "company_id": cls.company.id} for index in range(6)]
        )
        Partner = cls.env["res.partner"]
        cls.partners = Partner.create(
            [
                {
                    "name": name,
                    "is_company": is_company,
                    "company_id": cls.company.id,
                    "bank_ids": [Command.create({"acc_number": account})],
                }
                for name, is_company, account in (
                    ("Công ty Đại lý Minh Phát", True, "0011004455667"),
                    ("Đỗ Thị Hoa", False, "0071000778899"),
                    ("Vũ Anh Tuấn", False, "0041000112233"),
                )
            ]
        )
        cls.result = cls.env["commission.demo"]._commission_demo_populate(
            cls.team, cls.salespeople, cls.products, cls.customers, partners=cls.partners
        )
        cls.Line = cls.env["commission.line"]

    def _company_lines(self):
        return self.Line.search([("company_id", "=", self.company.id)])

    def test_without_demo_records_nothing_happens(self):
        self.assertFalse(self.env["commission.demo"]._load_commission_demo())

    def test_loaded_once(self):
        lines = self._company_lines()
        again = self.env["commission.demo"]._commission_demo_populate(
            self.team, self.salespeople, self.products, self.customers
        )
        self.assertEqual(again, {})
        self.assertEqual(self._company_lines(), lines)

    def test_company_in_vnd_with_a_chart(self):
        self.assertEqual(self.company.currency_id, self.vnd)
        self.assertTrue(self.company.chart_template)
        self.assertEqual(self.company.commission_manager_id, self.manager)

    def test_every_plan_structure_produces_lines(self):
        plans = self.result["plans"]
        self.assertEqual(len(plans), 8)
        self.assertEqual(
            set(plans.mapped("beneficiary_type")), {"salesperson", "partner", "referrer"}
        )
        rules = plans.rule_ids
        self.assertEqual(set(rules.mapped("tier_mode")), {"flat", "marginal", "retroactive"}, rules)
        self.assertEqual(set(rules.mapped("base")), {"revenue", "margin", "deal", "referral"})
        self.assertTrue(plans.filtered(lambda p: len(p.rule_ids) > 1), "no hybrid plan")
        capped = plans.filtered("cap_amount")
        self.assertEqual(len(capped), 1)
        for plan in plans:
            self.assertTrue(plan.line_ids, f"plan {plan.name} has no commission line")
        # the cap holds in every period, and bites in at least one
        totals = {}
        for line in capped.line_ids:
            totals[line.user_id, line.period_start] = (
                totals.get((line.user_id, line.period_start), 0) + line.amount
            )
        self.assertTrue(all(total <= capped.cap_amount for total in totals.values()))
        self.assertIn(capped.cap_amount, totals.values())

    def test_every_statement_state(self):
        statements = self.result["statements"]
        self.assertEqual(
            set(statements.mapped("state")),
            {"draft", "to_approve", "approved", "billed", "paid"},
        )
        self.assertEqual(
            len(statements.filtered("user_id")), len(STATEMENT_STATES) * len(self.salespeople)
        )
        # the reseller has a statement for every closed month, the referrers for the month
        # their referred customers first ordered
        self.assertEqual(statements.filtered(lambda s: not s.user_id).partner_id, self.partners)
        for statement in statements:
            lines = statement.line_ids
            self.assertTrue(lines)
            self.assertEqual(statement.amount_total, sum(lines.mapped("amount")), statement.name)
            self.assertTrue(
                all(statement.date_from <= line.date <= statement.date_to for line in lines)
            )
            expected_line_state = {
                "draft": "pending",
                "to_approve": "pending",
                "approved": "approved",
                "billed": "approved",
                "paid": "paid",
            }[statement.state]
            self.assertEqual(set(lines.mapped("state")), {expected_line_state}, statement.name)

    def test_bills_and_payments(self):
        statements = self.result["statements"]
        paid = statements.filtered(lambda s: s.state == "paid")
        self.assertTrue(paid)
        for statement in paid:
            self.assertTrue(statement.payment_date)
            self.assertGreater(statement.payment_date, statement.date_to)
            self.assertEqual(statement.bill_id.state, "posted")
            self.assertIn(statement.bill_id.payment_state, ("paid", "in_payment"))
            self.assertEqual(statement.bill_id.amount_untaxed, statement.amount_total)
            self.assertEqual(statement.bill_id.amount_total, statement.net_amount)
            self.assertEqual(
                set(statement.line_ids.mapped("payment_date")), {statement.payment_date}
            )
        billed = statements.filtered(lambda s: s.state == "billed")
        self.assertTrue(billed)
        for statement in billed:
            self.assertEqual(statement.bill_id.state, "posted")
            self.assertFalse(statement.payment_date)
        self.assertIn("partial", billed.bill_id.mapped("payment_state"))
        unbilled = statements.filtered(lambda s: s.state not in ("billed", "paid"))
        self.assertFalse(unbilled.bill_id)

    def test_pit_withheld_from_the_collaborator_only(self):
        """Vietnamese company: Cường's payouts are withheld 10 %, An's go to payroll, Bình's
        are covered by a commitment."""
        an, binh, cuong = self.salespeople
        billed = self.result["statements"].filtered("bill_id")
        withheld = billed.filtered(lambda s: s.user_id == cuong)
        self.assertTrue(withheld)
        for statement in withheld:
            self.assertGreaterEqual(statement.amount_total, 2_000_000)
            self.assertEqual(statement.withholding_amount, round(statement.amount_total * 0.1))
            self.assertEqual(statement.bill_id.amount_tax, -statement.withholding_amount)
        for statement in billed - withheld:
            self.assertEqual(statement.withholding_amount, 0)
        self.assertTrue(billed.filtered(lambda s: s.user_id == an).mapped("withholding_payroll")[0])
        self.assertIn(
            "Commitment", billed.filtered(lambda s: s.user_id == binh)[0].withholding_reason
        )

    def test_amounts_are_the_engine_s(self):
        leads = self.result["leads"]
        running = sum(1 for deal in WON_DEALS if deal[1] == 0)
        self.assertGreaterEqual(len(leads), len(WON_DEALS) - running)
        self.assertEqual(set(leads.mapped("won_status")), {"won"})
        self.assertTrue(all(lead.order_ids.filtered(lambda o: o.state == "sale") for lead in leads))
        lines = self._company_lines()
        self.assertEqual(lines.lead_id, leads)
        self.assertFalse(lines.filtered(lambda line: line.state == "cancel"), "cancelled lines")
        self.assertFalse(lines.filtered("origin_line_id"), "correction lines")
        before = {line.id: (line.amount, line.state, line.statement_id.id) for line in lines}
        leads._commission_compute()
        after = self._company_lines()
        self.assertEqual(
            {line.id: (line.amount, line.state, line.statement_id.id) for line in after}, before
        )

    def test_open_and_lost_opportunities(self):
        Lead = self.env["crm.lead"].with_context(active_test=False)
        leads = Lead.search([("company_id", "=", self.company.id)])
        self.assertEqual(set(leads.mapped("won_status")), {"won", "pending", "lost"})
        pending = leads.filtered(lambda lead: lead.won_status == "pending")
        self.assertTrue(all(pending.mapped("commission_expected")))

    def test_sales_partner_and_referrers(self):
        reseller, hoa, tuan = self.partners
        plans = self.result["plans"]
        partner_plan = plans.filtered(lambda p: p.beneficiary_type == "partner")
        referral_plan = plans.filtered(lambda p: p.beneficiary_type == "referrer")
        # the reseller's deals were invoiced (and the closed months paid); the commission
        # follows the invoices, at the agreed 10 % on software and 8 % on the rest
        invoices = self.env["account.move"].search(
            [("commission_partner_id", "=", reseller.id), ("move_type", "=", "out_invoice")]
        )
        self.assertTrue(invoices)
        self.assertEqual(set(invoices.mapped("state")), {"posted"})
        self.assertIn("paid", invoices.mapped("payment_state"))
        lines = partner_plan.line_ids.filtered(lambda line: line.state != "cancel")
        self.assertEqual(lines.move_id, invoices)
        self.assertEqual(lines.partner_id, reseller)
        self.assertEqual(set(lines.mapped("rate")), {8.0, 10.0})
        self.assertEqual(set(lines.mapped("state")), {"pending", "approved", "paid"})
        # referrers: one line per referred customer, paid through their statements
        referrals = referral_plan.line_ids.filtered(lambda line: line.state != "cancel")
        self.assertEqual(referrals.customer_id, self.customers[:3])
        self.assertEqual(referrals.partner_id, hoa | tuan)
        statements = self.result["statements"].filtered(lambda s: s.partner_id in hoa | tuan)
        self.assertEqual(set(statements.mapped("state")), {"paid"})
        self.assertEqual(sum(statements.mapped("referred_customer_count")), 3)
        # a company reseller is never withheld personal income tax
        paid = self.result["statements"].filtered(
            lambda s: s.partner_id == reseller and s.state == "paid"
        )
        self.assertTrue(paid)
        self.assertFalse(any(paid.mapped("withholding_amount")))
