"""The brief's second and third worked cases, end to end.

Ví dụ 2 — "CRM theo dõi doanh thu được tạo bởi từng đối tác và tính toán hoa hồng dựa trên một
tỷ lệ đã thỏa thuận": a reseller brings deals; the revenue invoiced through them earns the
agreed rate, the reseller is paid by vendor bill.

Ví dụ 3 — "CRM theo dõi số lượng khách hàng được giới thiệu bởi mỗi người tham gia chương trình
và tính toán hoa hồng dựa trên một tỷ lệ đã thỏa thuận": a referrer's statement shows how many
customers they referred, which ones, and what that earns.
"""

import datetime

from odoo import Command
from odoo.tests import Form, tagged

from odoo.addons.commission_tracking.tests.common import CommissionCommon

MARCH_FROM = datetime.date(2026, 3, 1)
MARCH_TO = datetime.date(2026, 3, 31)


@tagged("post_install", "-at_install")
class TestBriefPartnerAndReferralCases(CommissionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_accounting(accountant_login="ct_e2e_accountant")

    def _generate(self):
        wizard = Form(self.env["commission.statement.generate"].with_user(self.admin))
        wizard.date_from = MARCH_FROM
        wizard.date_to = MARCH_TO
        wizard.save().action_generate()
        return self.env["commission.statement"].search([("date_from", "=", MARCH_FROM)])

    def _approve_bill_pay(self, statement, when=datetime.date(2026, 4, 15)):
        statement.with_user(self.admin).action_submit()
        statement.with_user(self.admin).action_approve()
        self.assertEqual(statement.state, "approved")
        statement.with_user(self.accountant).action_create_bills()
        bill = statement.bill_id
        bill.with_user(self.accountant).action_post()
        self.env["account.payment.register"].with_user(self.accountant).with_context(
            active_model="account.move", active_ids=bill.ids
        ).create({"payment_date": when, "journal_id": self.bank_journal.id})._create_payments()
        self.assertEqual(statement.state, "paid")
        self.assertEqual(statement.payment_date, when)
        return bill

    def test_case_2_sales_partner_at_the_agreed_rate(self):
        reseller = self.env["res.partner"].create(
            {
                "name": "Công ty Đại lý Minh Phát",
                "is_company": True,
                "company_id": self.company.id,
                "bank_ids": [Command.create({"acc_number": "0071000123456"})],
            }
        )
        self.customer.commission_partner_id = reseller
        # The admin agrees 8 % of invoiced revenue with the reseller, 12 % on software sold to
        # this customer.
        with Form(self.env["commission.plan"].with_user(self.admin)) as form:
            form.name = "Hoa hồng đại lý"
            form.beneficiary_type = "partner"
            form.trigger = "invoice"
            form.partner_ids.add(reseller)
            with form.rule_ids.new() as rule:
                rule.base = "revenue"
                rule.rate = 8
            with form.partner_rate_ids.new() as agreed:
                agreed.partner_id = reseller
                agreed.customer_id = self.customer
                agreed.categ_id = self.categ_software
                agreed.rate = 12
        plan = form.record

        # The salesperson quotes; the reseller comes from the customer; the invoice carries it.
        order = (
            self.env["sale.order"]
            .with_user(self.salesperson)
            .create(
                {
                    "partner_id": self.customer.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product_license.id,
                                "product_uom_qty": 5,
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
        self.assertEqual(order.commission_partner_id, reseller)
        order.with_user(self.salesperson).action_confirm()
        self.assertFalse(plan.line_ids, "an invoice-triggered plan waits for the invoice")
        invoice = order._create_invoices()
        invoice.invoice_date = datetime.date(2026, 3, 12)
        invoice.with_user(self.accountant).action_post()

        lines = plan.line_ids.sorted("amount")
        self.assertRecordValues(
            lines,
            [
                {"product_id": self.product_training.id, "amount": 800_000, "rate": 8},
                {"product_id": self.product_license.id, "amount": 6_000_000, "rate": 12},
            ],
        )
        self.assertEqual(set(lines.mapped("partner_id")), {reseller})
        self.assertEqual(set(lines.mapped("move_id")), {invoice})

        # The reseller's statement goes through approval and is paid by vendor bill.
        statement = self._generate().filtered(lambda s: s.partner_id == reseller)
        self.assertEqual(statement.amount_total, 6_800_000)
        bill = self._approve_bill_pay(statement)
        self.assertEqual(bill.partner_id, reseller)
        self.assertEqual(set(lines.mapped("state")), {"paid"})

        # A partial credit note later claws back the commission of what was returned; the
        # correction waits for the reseller's next statement.
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create(
                {
                    "date": datetime.date(2026, 4, 3),
                    "journal_id": invoice.journal_id.id,
                    "reason": "Trả lại 1 giấy phép",
                }
            )
        )
        refund = self.env["account.move"].browse(reversal.refund_moves()["res_id"])
        refund.invoice_line_ids = [Command.clear()] + [
            Command.create(
                {
                    "product_id": self.product_license.id,
                    "quantity": 1,
                    "price_unit": 10_000_000,
                    "tax_ids": [Command.clear()],
                }
            )
        ]
        refund.invoice_date = datetime.date(2026, 4, 3)
        refund.action_post()
        clawback = plan.line_ids.filtered(lambda line: line.move_id == refund)
        self.assertRecordValues(
            clawback,
            [
                {
                    "amount": -1_200_000,
                    "origin_line_id": lines[1].id,
                    "state": "pending",
                    "statement_id": False,
                }
            ],
        )

    def test_case_3_referral_programme_counts_customers(self):
        referrer = self.env["res.partner"].create(
            {
                "name": "Chị Hoa (người giới thiệu)",
                "company_id": self.company.id,
                "bank_ids": [Command.create({"acc_number": "0071000999888"})],
            }
        )
        # 500,000 VND per referred customer up to 5, 800,000 VND from the 6th, each customer
        # counted on their first confirmed order.
        with Form(self.env["commission.plan"].with_user(self.admin)) as form:
            form.name = "Chương trình giới thiệu khách hàng"
            form.beneficiary_type = "referrer"
            form.trigger = "order"
            form.partner_ids.add(referrer)
            with form.rule_ids.new() as rule:
                rule.base = "referral"
                rule.tier_mode = "marginal"
                with rule.tier_ids.new() as tier:
                    tier.threshold = 0
                    tier.rate = 500_000
                with rule.tier_ids.new() as tier:
                    tier.threshold = 5
                    tier.rate = 800_000
        plan = form.record

        customers = self.env["res.partner"].create(
            [
                {"name": f"Khách hàng giới thiệu {n}", "company_id": self.company.id}
                for n in range(6)
            ]
        )
        for customer in customers:
            with Form(customer.with_user(self.salesperson)) as partner_form:
                partner_form.referred_by_id = referrer
                partner_form.referral_date = datetime.date(2026, 3, 1)
        for index, customer in enumerate(customers):
            order = self.env["sale.order"].create(
                {
                    "partner_id": customer.id,
                    "user_id": self.salesperson.id,
                    "company_id": self.company.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product_training.id,
                                "product_uom_qty": 1,
                                "price_unit": 5_000_000,
                            }
                        )
                    ],
                }
            )
            order.action_confirm()
            order.date_order = datetime.datetime(2026, 3, 2 + index, 5, 0)
        # the first customer buys again: still one referral
        again = customers[0].sale_order_ids[:1].copy({"date_order": datetime.datetime(2026, 3, 20)})
        again.action_confirm()

        self.assertEqual(referrer.referred_count, 6)
        statement = self._generate().filtered(lambda s: s.partner_id == referrer)
        self.assertEqual(statement.referred_customer_count, 6)
        self.assertEqual(statement.line_ids.customer_id, customers)
        self.assertEqual(statement.amount_total, 5 * 500_000 + 800_000)
        self._approve_bill_pay(statement)
        # (lines computed while the orders were dated today were cancelled when re-dated)
        self.assertEqual(
            set(plan.line_ids.filtered(lambda line: line.state != "cancel").mapped("state")),
            {"paid"},
        )
