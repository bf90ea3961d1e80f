"""Commissions that follow money: order, invoice and payment triggers, sales partners,
referrals, credit splits, team overrides, credit notes, clawbacks, foreign currencies."""

import datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import CommissionCommon


class SourcesCommon(CommissionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_accounting()
        cls.reseller = cls.env["res.partner"].create(
            {"name": "Đại lý Minh Phát", "is_company": True, "company_id": cls.company.id}
        )

    @staticmethod
    def _invoice_lines(lines):
        """Commands for invoice lines ``(product, quantity, price)``, without taxes."""
        return [
            Command.create(
                {
                    "product_id": product.id,
                    "quantity": qty,
                    "price_unit": price,
                    "tax_ids": [Command.clear()],
                }
            )
            for product, qty, price in lines
        ]

    def _invoice(self, lines, day=datetime.date(2026, 3, 10), user=None, post=True, **values):
        vals = {
            "move_type": "out_invoice",
            "partner_id": self.customer.id,
            "invoice_user_id": (user or self.salesperson).id,
            "team_id": self.team.id,
            "company_id": self.company.id,
            "invoice_date": day,
            "invoice_line_ids": self._invoice_lines(lines),
        }
        vals.update(values)
        move = self.env["account.move"].create(vals)
        if post:
            move.action_post()
        return move

    def _pay(self, invoice, amount=None, when=datetime.date(2026, 3, 20)):
        register = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"payment_date": when, "journal_id": self.bank_journal.id})
        )
        if amount is not None:
            register.amount = amount
        return register._create_payments()

    def _credit_note(self, invoice, lines=None, day=datetime.date(2026, 3, 25)):
        """A credit note reversing ``invoice`` (or only ``lines``: (product, qty, price))."""
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"date": day, "journal_id": invoice.journal_id.id, "reason": "Trả hàng"})
        )
        refund = self.env["account.move"].browse(wizard.refund_moves()["res_id"])
        if lines is not None:
            refund.invoice_line_ids = [Command.clear(), *self._invoice_lines(lines)]
        refund.invoice_date = day
        refund.action_post()
        return refund

    def _lines_of(self, plan, wanted=("pending", "approved", "paid")):
        return self.Line.search(
            [("plan_id", "=", plan.id), ("state", "in", list(wanted))], order="id"
        )

    def _approve(self, lines):
        lines.sudo().write({"state": "approved"})


@tagged("post_install", "-at_install")
class TestOrderTrigger(SourcesCommon):
    def setUp(self):
        super().setUp()
        self.plan = self._create_plan([{"base": "revenue", "rate": 5}], trigger="order")

    def test_confirmed_order_earns_and_cancel_reverses(self):
        lead = self._create_lead()
        order = self._create_order(lead, [(self.product_license, 2, 10_000_000)], confirm=False)
        self.assertFalse(self._lines_of(self.plan))
        order.action_confirm()
        line = self._lines_of(self.plan)
        self.assertRecordValues(
            line,
            [
                {
                    "order_id": order.id,
                    "lead_id": lead.id,
                    "user_id": self.salesperson.id,
                    "customer_id": self.customer.id,
                    "base_amount": 20_000_000,
                    "amount": 1_000_000,
                    "trigger": "order",
                    "deal_key": f"sale.order,{order.id}",
                }
            ],
        )
        self.assertIn("order lines", line.explanation)
        # cancelled while pending: the line is cancelled
        order._action_cancel()
        self.assertEqual(line.state, "cancel")
        self.assertFalse(self._lines_of(self.plan))

    def test_cancel_after_approval_is_corrected(self):
        order = self._create_order(self._create_lead(), [(self.product_license, 1, 10_000_000)])
        line = self._lines_of(self.plan)
        self._approve(line)
        order._action_cancel()
        self.assertEqual(line.state, "approved")
        correction = self.Line.search([("origin_line_id", "=", line.id)])
        self.assertEqual(correction.amount, -500_000)
        self.assertAlmostEqual(sum(self._lines_of(self.plan).mapped("amount")), 0.0)

    def test_quotation_shows_what_confirming_earns_writing_nothing(self):
        order = self._create_order(
            self._create_lead(), [(self.product_license, 3, 10_000_000)], confirm=False
        )
        count = self.Line.search_count([])
        self.assertEqual(order.with_user(self.salesperson).commission_expected, 1_500_000)
        self.assertEqual(self.Line.search_count([]), count)


@tagged("post_install", "-at_install")
class TestInvoiceTrigger(SourcesCommon):
    def setUp(self):
        super().setUp()
        self.plan = self._create_plan(
            [{"base": "revenue", "rate": 10, "product_categ_id": self.categ_software.id}],
            trigger="invoice",
        )

    def test_per_invoice_line_with_product_filter(self):
        invoice = self._invoice(
            [(self.product_license, 2, 10_000_000), (self.product_training, 1, 5_000_000)]
        )
        lines = self._lines_of(self.plan)
        self.assertRecordValues(
            lines,
            [
                {
                    "move_id": invoice.id,
                    "product_id": self.product_license.id,
                    "product_categ_id": self.categ_software.id,
                    "base_amount": 20_000_000,
                    "amount": 2_000_000,
                    "date": datetime.date(2026, 3, 10),
                }
            ],
        )
        self.assertIn("invoice line", lines.explanation)

    def test_full_and_partial_credit_notes(self):
        invoice = self._invoice([(self.product_license, 4, 10_000_000)])
        original = self._lines_of(self.plan)
        self.assertEqual(original.amount, 4_000_000)
        # partial: one licence of four comes back
        self._credit_note(invoice, [(self.product_license, 1, 10_000_000)])
        partial = self.Line.search([("origin_line_id", "=", original.id)])
        self.assertEqual(partial.amount, -1_000_000)
        self.assertEqual(partial.move_id.move_type, "out_refund")
        # full: the rest
        self._credit_note(invoice, [(self.product_license, 3, 10_000_000)])
        self.assertEqual(
            sorted(self.Line.search([("origin_line_id", "=", original.id)]).mapped("amount")),
            [-3_000_000, -1_000_000],
        )
        self.assertAlmostEqual(sum(self._lines_of(self.plan).mapped("amount")), 0.0)

    def test_reset_to_draft_and_cancel(self):
        invoice = self._invoice([(self.product_license, 1, 10_000_000)])
        line = self._lines_of(self.plan)
        invoice.button_draft()
        self.assertEqual(line.state, "cancel")
        invoice.action_post()
        again = self._lines_of(self.plan)
        self.assertEqual(again.amount, 1_000_000)
        self._approve(again)
        invoice.button_draft()
        invoice.button_cancel()
        self.assertEqual(again.state, "approved")
        self.assertEqual(self.Line.search([("origin_line_id", "=", again.id)]).amount, -1_000_000)

    def test_same_plan_never_pays_twice(self):
        invoice = self._invoice([(self.product_license, 1, 10_000_000)])
        self._pay(invoice)
        # the payment does not earn again under an invoice-triggered plan
        self.assertEqual(len(self._lines_of(self.plan)), 1)

    def test_margin_uses_the_invoice_company_cost_whoever_computes(self):
        """A product's cost is per company: an invoice's margin uses its own company's cost,
        also when the computation runs with another company current (a background job, a
        user working in several companies)."""
        margin_plan = self._create_plan([{"base": "margin", "rate": 10}], trigger="invoice")
        other = self.env["res.company"].create({"name": "Chi nhánh Đà Nẵng"})
        self.product_license.with_company(other).standard_price = 9_000_000
        Compute = self.env["commission.compute"].with_context(
            allowed_company_ids=[other.id, self.company.id]
        )
        self.assertEqual(Compute.env.company, other)
        invoice = self._invoice([(self.product_license, 2, 10_000_000)], post=False)
        invoice.action_post()
        Compute._compute_for_sources(moves=invoice.with_env(Compute.env))
        # 2 × (10,000,000 − 6,000,000), not 2 × (10,000,000 − 9,000,000)
        self.assertRecordValues(
            self._lines_of(margin_plan), [{"base_amount": 8_000_000, "amount": 800_000}]
        )

    def test_foreign_currency_invoice_at_its_rate(self):
        usd = self.env.ref("base.USD")
        usd.active = True
        self.env["res.currency.rate"].create(
            {
                "currency_id": usd.id,
                "company_id": self.company.id,
                "name": "2026-03-01",
                # 1 VND = 1/25,000 USD
                "inverse_company_rate": 25_000,
            }
        )
        invoice = self._invoice([(self.product_license, 1, 1_000)], currency_id=usd.id)
        line = self._lines_of(self.plan)
        self.assertRecordValues(
            line,
            [
                {
                    "currency_id": self.vnd.id,
                    "base_amount": 25_000_000,
                    "amount": 2_500_000,
                    "source_currency_id": usd.id,
                    "source_amount": 1_000,
                }
            ],
        )
        self.assertEqual(invoice.currency_id, usd)

    def test_unpaid_invoice_clawed_back_then_restored(self):
        self.plan.rule_ids.write({"product_categ_id": False})
        self.plan.clawback_days = 30
        with freeze_time("2026-03-10"):
            invoice = self._invoice(
                [(self.product_license, 1, 10_000_000)],
                invoice_date_due=datetime.date(2026, 4, 10),
            )
        line = self._lines_of(self.plan)
        self.assertEqual(line.amount, 1_000_000)
        self._approve(line)
        Compute = self.env["commission.compute"]
        with freeze_time("2026-05-05"):  # 25 days after due: nothing yet
            Compute._cron_clawback_unpaid()
        self.assertFalse(self.Line.search([("origin_line_id", "=", line.id)]))
        with freeze_time("2026-05-20"):  # 40 days after due: reversed
            Compute._cron_clawback_unpaid()
        reversal = self.Line.search([("origin_line_id", "=", line.id)])
        self.assertEqual(reversal.mapped("amount"), [-1_000_000])
        # the next days, the clawed-back invoice is not even recomputed
        with freeze_time("2026-05-21"), self._spy_computations() as computed:
            Compute._cron_clawback_unpaid()
        self.assertFalse([call for call in computed if call.get("moves")])
        self.assertEqual(
            self.Line.search([("origin_line_id", "=", line.id)]).mapped("amount"), [-1_000_000]
        )
        with freeze_time("2026-05-25"):
            self._pay(invoice, when=datetime.date(2026, 5, 25))
        self.assertAlmostEqual(sum(self._lines_of(self.plan).mapped("amount")), 1_000_000)


@tagged("post_install", "-at_install")
class TestPaymentTrigger(SourcesCommon):
    def test_two_payments_two_lines_dated_by_payment(self):
        plan = self._create_plan([{"base": "revenue", "rate": 10}], trigger="payment")
        invoice = self._invoice([(self.product_license, 1, 10_000_000)])
        self.assertFalse(self._lines_of(plan))
        self._pay(invoice, amount=4_000_000, when=datetime.date(2026, 3, 20))
        self._pay(invoice, amount=6_000_000, when=datetime.date(2026, 4, 5))
        lines = self._lines_of(plan).sorted("date")
        self.assertRecordValues(
            lines,
            [
                {"date": datetime.date(2026, 3, 20), "amount": 400_000, "move_id": invoice.id},
                {"date": datetime.date(2026, 4, 5), "amount": 600_000, "move_id": invoice.id},
            ],
        )
        self.assertEqual(lines[1].period_start, datetime.date(2026, 4, 1))
        self.assertIn("paid by this payment", lines[0].explanation)
        # unreconciling the first payment removes its commission
        payment_line = invoice.line_ids.filtered(
            lambda aml: aml.account_id.account_type == "asset_receivable"
        )
        partial = payment_line.matched_credit_ids.filtered(lambda p: p.amount == 4_000_000)
        partial.unlink()
        self.assertEqual(self._lines_of(plan).mapped("amount"), [600_000])


@tagged("post_install", "-at_install")
class TestSalesPartner(SourcesCommon):
    def test_partner_carried_and_paid_independently(self):
        sales_plan = self._create_plan([{"base": "revenue", "rate": 3}])
        partner_plan = self._create_plan(
            [{"base": "revenue", "rate": 10}],
            users=self.env["res.users"],
            beneficiary_type="partner",
            partner_ids=[Command.set(self.reseller.ids)],
            name="Đại lý",
        )
        self.customer.commission_partner_id = self.reseller
        lead = self._create_lead(commission_partner_id=self.reseller.id)
        order = self._create_order(lead, [(self.product_license, 1, 10_000_000)], confirm=False)
        self.assertEqual(order.commission_partner_id, self.reseller)
        order.action_confirm()
        self._win(lead)
        self.assertRecordValues(
            self._lines_of(sales_plan),
            [{"user_id": self.salesperson.id, "amount": 300_000}],
        )
        self.assertRecordValues(
            self._lines_of(partner_plan),
            [
                {
                    "user_id": False,
                    "partner_id": self.reseller.id,
                    "beneficiary_type": "partner",
                    "amount": 1_000_000,
                }
            ],
        )
        # invoices made from the order carry the partner
        invoice = order._create_invoices()
        self.assertEqual(invoice.commission_partner_id, self.reseller)
        # the salesperson does not see the partner's commission
        mine = self.Line.with_user(self.salesperson).search([])
        self.assertEqual(mine.plan_id, sales_plan)

    def test_agreed_rates_per_customer_and_category(self):
        plan = self._create_plan(
            [{"base": "revenue", "rate": 10}],
            users=self.env["res.users"],
            beneficiary_type="partner",
            partner_ids=[Command.set(self.reseller.ids)],
            name="Đại lý",
        )
        plan.partner_rate_ids = [
            Command.create(
                {"partner_id": self.reseller.id, "customer_id": self.customer.id, "rate": 15}
            ),
            Command.create(
                {"partner_id": self.reseller.id, "categ_id": self.categ_service.id, "rate": 5}
            ),
            Command.create(
                {
                    "partner_id": self.reseller.id,
                    "customer_id": self.customer.id,
                    "categ_id": self.categ_service.id,
                    "rate": 8,
                }
            ),
        ]
        other = self.env["res.partner"].create({"name": "Khách khác"})
        lines = [(self.product_license, 1, 10_000_000), (self.product_training, 1, 5_000_000)]
        for customer in (self.customer, other):
            lead = self._create_lead(
                name=customer.name,
                partner_id=customer.id,
                commission_partner_id=self.reseller.id,
            )
            order = self._create_order(lead, lines)
            order.partner_id = customer
            self._win(lead)
        amounts = {
            (line.customer_id, line.base_amount): line.amount for line in self._lines_of(plan)
        }
        self.assertEqual(
            amounts,
            {
                (self.customer, 10_000_000): 1_500_000,  # customer rate 15 %
                (self.customer, 5_000_000): 400_000,  # customer and category rate 8 %
                (other, 10_000_000): 1_000_000,  # the plan's 10 %
                (other, 5_000_000): 250_000,  # category rate 5 %
            },
        )
        agreed = self._lines_of(plan).filtered(lambda line: line.amount == 1_500_000)
        self.assertIn("agreed rate", agreed.explanation)

    def test_agreed_rate_needs_a_customer_or_category(self):
        plan = self._create_plan(
            [{"base": "revenue", "rate": 10}],
            users=self.env["res.users"],
            beneficiary_type="partner",
            partner_ids=[Command.set(self.reseller.ids)],
        )
        with self.assertRaisesRegex(ValidationError, "needs a customer or a product category"):
            plan.partner_rate_ids = [Command.create({"partner_id": self.reseller.id, "rate": 3})]

    def test_open_opportunity_shows_the_partner_commission(self):
        self._create_plan(
            [{"base": "revenue", "rate": 10}],
            users=self.env["res.users"],
            beneficiary_type="partner",
            partner_ids=[Command.set(self.reseller.ids)],
        )
        lead = self._create_lead(revenue=10_000_000, commission_partner_id=self.reseller.id)
        count = self.Line.search_count([])
        self.assertEqual(lead.with_user(self.manager).commission_partner_expected, 1_000_000)
        self.assertEqual(lead.commission_expected, 0.0)  # no salesperson plan
        self.assertEqual(self.Line.search_count([]), count)

    def test_quotation_defaults_to_customer_usual_partner(self):
        self.customer.commission_partner_id = self.reseller
        order = self.env["sale.order"].create(
            {"partner_id": self.customer.id, "company_id": self.company.id}
        )
        self.assertEqual(order.commission_partner_id, self.reseller)


@tagged("post_install", "-at_install")
class TestReferral(SourcesCommon):
    def setUp(self):
        super().setUp()
        self.referrer = self.env["res.partner"].create(
            {"name": "Người giới thiệu Hoa", "company_id": self.company.id}
        )
        self.plan = self._create_plan(
            [
                {
                    "base": "referral",
                    "tier_mode": "marginal",
                    # the 1st to 5th referred customers: 500,000 each; from the 6th: 800,000
                    "tier_ids": self._tiers((0, 500_000), (5, 800_000)),
                }
            ],
            users=self.env["res.users"],
            beneficiary_type="referrer",
            partner_ids=[Command.set(self.referrer.ids)],
            name="Chương trình giới thiệu",
        )

    def _referred(self, count, day=datetime.date(2026, 3, 5)):
        customers = self.env["res.partner"].create(
            [
                {"name": f"Khách được giới thiệu {i}", "company_id": self.company.id}
                for i in range(count)
            ]
        )
        customers.write({"referred_by_id": self.referrer.id, "referral_date": day})
        return customers

    def test_per_referred_customer_tiered_and_once(self):
        customers = self._referred(7)
        self.assertFalse(self._lines_of(self.plan))
        for index, customer in enumerate(customers):
            lead = self._create_lead(name=f"Deal {index}", partner_id=customer.id)
            self._win(lead, datetime.date(2026, 3, 10 + index))
        lines = self._lines_of(self.plan).sorted("date")
        self.assertEqual(len(lines), 7)
        self.assertEqual(lines.mapped("customer_id"), customers)
        self.assertEqual(lines.mapped("partner_id"), self.referrer)
        # 1..5 at 500,000; 6 and 7 at 800,000
        self.assertEqual(lines.mapped("amount"), [500_000] * 5 + [800_000] * 2)
        # buying again does not count again
        again = self._create_lead(name="Again", partner_id=customers[0].id)
        self._win(again, datetime.date(2026, 3, 28))
        self.assertEqual(len(self._lines_of(self.plan)), 7)

    def test_purchase_before_the_referral_does_not_count(self):
        customer = self._referred(1, day=datetime.date(2026, 3, 15))
        self._win(self._create_lead(partner_id=customer.id), datetime.date(2026, 3, 10))
        self.assertFalse(self._lines_of(self.plan))
        self._win(self._create_lead(partner_id=customer.id), datetime.date(2026, 3, 20))
        self.assertEqual(self._lines_of(self.plan).date, datetime.date(2026, 3, 20))

    def test_referred_twice_counts_once(self):
        customer = self._referred(1)
        self._win(self._create_lead(partner_id=customer.id), datetime.date(2026, 3, 10))
        first = self._lines_of(self.plan)
        self.assertEqual(first.partner_id, self.referrer)
        self._approve(first)
        other = self.env["res.partner"].create({"name": "Người giới thiệu khác"})
        self.plan.partner_ids = [Command.link(other.id)]
        customer.write({"referred_by_id": other.id, "referral_date": "2026-03-08"})
        self._win(self._create_lead(partner_id=customer.id), datetime.date(2026, 3, 12))
        lines = self._lines_of(self.plan)
        self.assertEqual(lines, first)
        self.assertFalse(self.Line.search([("partner_id", "=", other.id)]))

    def test_nobody_refers_themselves(self):
        with self.assertRaisesRegex(ValidationError, "cannot refer themselves"):
            self.referrer.referred_by_id = self.referrer


@tagged("post_install", "-at_install")
class TestSplitsAndTeams(SourcesCommon):
    def test_split_60_40_with_tiers(self):
        plan = self._create_plan(
            [
                {
                    "base": "revenue",
                    "tier_mode": "retroactive",
                    "tier_ids": self._tiers((0, 2), (50_000_000, 4)),
                }
            ],
            users=self.salesperson | self.salesperson_2,
        )
        lead = self._create_lead(
            revenue=100_000_000,
            commission_split_ids=[
                Command.create({"user_id": self.salesperson.id, "share": 60}),
                Command.create({"user_id": self.salesperson_2.id, "share": 40}),
            ],
        )
        self._win(lead)
        lines = self._lines_of(plan)
        by_user = {line.user_id: line for line in lines}
        # An: 60,000,000 reaches the 4 % tier; Bình: 40,000,000 stays at 2 %
        self.assertEqual(by_user[self.salesperson].base_amount, 60_000_000)
        self.assertEqual(by_user[self.salesperson].amount, 2_400_000)
        self.assertEqual(by_user[self.salesperson_2].amount, 800_000)
        self.assertIn("60", by_user[self.salesperson].explanation)

    def test_split_must_sum_to_100(self):
        with self.assertRaisesRegex(ValidationError, "sum to 100"):
            self._create_lead(
                commission_split_ids=[
                    Command.create({"user_id": self.salesperson.id, "share": 60}),
                    Command.create({"user_id": self.salesperson_2.id, "share": 30}),
                ]
            )

    def test_split_edited_in_the_form(self):
        lead = self._create_lead(revenue=10_000_000)
        with Form(lead) as form:
            with form.commission_split_ids.new() as split:
                split.user_id = self.salesperson
                split.share = 100
        self.assertEqual(lead.commission_split_ids.share, 100)

    def test_team_override_pays_the_leader(self):
        plan = self._create_plan(
            [
                {"base": "revenue", "rate": 5},
                {"base": "revenue", "rate": 1, "scope": "team"},
            ],
            users=self.salesperson | self.manager,
        )
        self._win(self._create_lead(revenue=10_000_000))
        self._win(self._create_lead(revenue=20_000_000, user=self.manager))
        leader = self._lines_of(plan).filtered(lambda line: line.user_id == self.manager)
        # own 5 % of 20,000,000 + 1 % of the member's 10,000,000 (own deal not double counted)
        self.assertEqual(sorted(leader.mapped("amount")), [100_000, 1_000_000])
        member = self._lines_of(plan).filtered(lambda line: line.user_id == self.salesperson)
        self.assertEqual(member.mapped("amount"), [500_000])


@tagged("post_install", "-at_install")
class TestSourcesAccess(SourcesCommon):
    def test_salesperson_edits_split_on_own_lead(self):
        user = new_test_user(
            self.env,
            login="ct_split_user",
            groups="sales_team.group_sale_salesman",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        lead = self._create_lead(user=user)
        lead.with_user(user).commission_split_ids = [
            Command.create({"user_id": user.id, "share": 100})
        ]
        self.assertEqual(lead.commission_split_ids.user_id, user)
