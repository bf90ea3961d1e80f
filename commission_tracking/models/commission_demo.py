"""Demo data: the story of one sales team over the last months.

``demo/commission_demo.xml`` holds the static records (company, users, team, products,
customers). This model builds, relative to today, what must come out of the engine and the
workflow: one plan per available structure, opportunities won with confirmed orders, their
commission lines, statements in every state, vendor bills and payments. No commission amount
is typed in: the engine computes them, the workflow moves them.
"""

import datetime

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models

# Roles of the products given to the loader, in this order.
SOFTWARE, TERMINAL, PRINTER, SETUP, SUPPORT = range(5)
PRODUCT_LABELS = (
    "Phần mềm bán hàng",
    "Máy POS",
    "Máy in hoá đơn",
    "Triển khai và đào tạo",
    "Hỗ trợ kỹ thuật",
)

# Won deals: (salesperson, months ago, day of the month, customer, ((product, quantity), ...)).
# Salespeople and customers are indexes in the records given to the loader; 0 months ago is the
# running month (its deals are won on its first days, before today).
WON_DEALS = (
    # Nguyễn Văn An: 3 % of revenue, and the hybrid plan (revenue + bonus per deal)
    (0, 4, 5, 0, ((SOFTWARE, 2), (SETUP, 1))),
    (0, 4, 18, 1, ((TERMINAL, 3), (PRINTER, 3), (SUPPORT, 1))),
    (0, 3, 9, 2, ((SOFTWARE, 3), (SETUP, 2), (SUPPORT, 3))),
    (0, 2, 12, 3, ((TERMINAL, 5), (PRINTER, 5))),
    (0, 2, 24, 4, ((SOFTWARE, 1), (SUPPORT, 1))),
    (0, 1, 7, 5, ((SOFTWARE, 4), (SETUP, 2))),
    (0, 1, 21, 0, ((PRINTER, 10),)),
    (0, 0, 1, 1, ((SOFTWARE, 2), (SUPPORT, 2))),
    # Lê Thị Bình: 12 % of margin, and retroactive tiers on revenue
    (1, 4, 8, 2, ((SOFTWARE, 3), (SETUP, 3))),
    (1, 4, 22, 3, ((TERMINAL, 4), (PRINTER, 4))),
    (1, 3, 4, 4, ((SOFTWARE, 5), (SETUP, 3), (SUPPORT, 5))),
    (1, 3, 16, 5, ((TERMINAL, 8), (PRINTER, 8), (SETUP, 2))),
    (1, 3, 27, 0, ((SUPPORT, 4),)),
    (1, 2, 14, 1, ((SOFTWARE, 2), (SETUP, 1))),
    (1, 1, 6, 2, ((SOFTWARE, 3), (TERMINAL, 2), (SETUP, 2))),
    (1, 1, 19, 3, ((PRINTER, 6), (SUPPORT, 2))),
    (1, 0, 2, 4, ((TERMINAL, 3), (SETUP, 1))),
    # Phạm Quốc Cường: marginal tiers on revenue, and a capped software bonus
    (2, 4, 11, 5, ((SOFTWARE, 4), (SETUP, 2))),
    (2, 4, 25, 0, ((TERMINAL, 6), (PRINTER, 6))),
    (2, 3, 6, 1, ((SOFTWARE, 6), (SETUP, 4), (SUPPORT, 4))),
    (2, 3, 15, 2, ((SOFTWARE, 5), (TERMINAL, 4))),
    (2, 3, 26, 3, ((TERMINAL, 3), (SUPPORT, 3))),
    (2, 2, 10, 4, ((SOFTWARE, 2), (PRINTER, 4))),
    (2, 2, 20, 5, ((TERMINAL, 2), (SETUP, 1))),
    (2, 1, 13, 0, ((SOFTWARE, 3), (SETUP, 3))),
    (2, 1, 23, 1, ((TERMINAL, 5), (SUPPORT, 2))),
    (2, 0, 1, 2, ((SOFTWARE, 2), (SETUP, 1))),
)
# Open opportunities with a quotation sent: (salesperson, customer, lines, crm stage).
OPEN_DEALS = (
    (0, 3, ((SOFTWARE, 5), (SETUP, 2)), "crm.stage_lead3"),
    (0, 5, ((TERMINAL, 4), (PRINTER, 4)), "crm.stage_lead2"),
    (1, 0, ((SOFTWARE, 2), (SUPPORT, 2)), "crm.stage_lead3"),
    (1, 5, ((SOFTWARE, 6), (TERMINAL, 6), (SETUP, 3)), "crm.stage_lead2"),
    (2, 4, ((SOFTWARE, 4), (SUPPORT, 4)), "crm.stage_lead3"),
)
# Lost opportunities: (salesperson, customer, lines).
LOST_DEALS = (
    (0, 2, ((TERMINAL, 10),)),
    (2, 3, ((SOFTWARE, 1),)),
)
# Where each salesperson's statement of a closed month ends (months ago: An, Bình, Cường).
# "partial": billed, half of the vendor bill paid.
STATEMENT_STATES = {
    4: ("paid", "paid", "paid"),
    3: ("paid", "partial", "paid"),
    2: ("approved", "approved", "billed"),
    1: ("to_approve", "draft", "to_approve"),
}
# The sales partner's and referrers' statements (no salesperson) of a closed month.
PARTNER_STATEMENT_STATES = {4: "paid", 3: "paid", 2: "approved", 1: "to_approve"}
BILL_DAY, PAYMENT_DAY = 5, 10  # of the month after the statement's period
NOON_VIETNAM = datetime.time(5, 0)  # UTC


class CommissionDemo(models.AbstractModel):
    _name = "commission.demo"
    _description = "Commission demo data"

    @api.model
    def _load_commission_demo(self):
        """Called by ``demo/commission_demo.xml`` after its records are loaded."""
        company = self.env.ref("commission_tracking.demo_company", raise_if_not_found=False)
        if not company:
            return False

        def ref(name):
            return self.env.ref(f"commission_tracking.{name}")

        products = self.env["product.product"]
        for name in ("software", "terminal", "printer", "setup", "support"):
            products |= ref(f"demo_product_{name}")
        customers = self.env["res.partner"]
        for name in ("minh_chau", "pho_hoi", "hat_moc", "phu_quy", "thien_tam", "bien_xanh"):
            customers |= ref(f"demo_customer_{name}")
        self._commission_demo_populate(
            ref("demo_team"),
            ref("demo_user_an") | ref("demo_user_binh") | ref("demo_user_cuong"),
            products,
            customers,
            partners=ref("demo_partner_reseller")
            | ref("demo_referrer_hoa")
            | ref("demo_referrer_tuan"),
        )
        return True

    @api.model
    def _commission_demo_populate(self, team, salespeople, products, customers, partners=None):
        """Build the demo story for ``team`` (led by the manager who approves).

        ``salespeople``: three users of the team; ``products``: five products in the order of
        ``PRODUCT_LABELS``, with a cost in the team's company; ``customers``: six partners;
        ``partners`` (optional): a reseller and two referrers (sales partner and referral
        programme plans, customer invoices and payments).
        Does nothing when the company already has commission plans (loaded once).
        """
        company = team.company_id
        if (
            self.env["commission.plan"]
            .with_context(active_test=False)
            .search_count([("company_id", "=", company.id)], limit=1)
        ):
            return {}
        demo = self.with_context(
            allowed_company_ids=company.ids,
            mail_create_nolog=True,
            mail_auto_subscribe_no_notify=True,
        )
        today = fields.Date.context_today(demo)
        demo._commission_demo_chart(company)
        demo._commission_demo_pit(company, salespeople, today)
        if not company.commission_manager_id:
            company.commission_manager_id = team.user_id
        plans = demo._commission_demo_plans(company, salespeople, products)
        if partners:
            plans |= demo._commission_demo_partner_plan(company, partners[0], products, customers)
        leads = demo._commission_demo_deals(team, salespeople, products, customers, today)
        if partners:
            demo._commission_demo_invoices(leads, partners[0], today)
            # created once the orders are on their days, so that each referral is computed once
            plans |= demo._commission_demo_referral_plan(company, partners[1:], customers, today)
        statements = demo._commission_demo_statements(company, team.user_id, salespeople, today)
        return {"plans": plans, "leads": leads, "statements": statements}

    @api.model
    def _commission_demo_chart(self, company):
        """A chart of accounts for the vendor bills; the company stays in its currency."""
        if company.chart_template:
            return
        currency = company.currency_id
        l10n_vn = self.env["ir.module.module"].search_count(
            [("name", "=", "l10n_vn"), ("state", "=", "installed")]
        )
        # try_loading() warns while modules are being installed (demo data): account loads the
        # chart of a new branch company the same way.
        self.env["account.chart.template"]._load(
            "vn" if l10n_vn else "generic_coa", company, install_demo=False
        )
        if company.currency_id != currency:
            company.currency_id = currency

    @api.model
    def _commission_demo_pit(self, company, salespeople, today):
        """Personal income tax withholding (on for Vietnamese companies): An is an employee
        under a labour contract (commissions to payroll), Bình gave a commitment (cam kết) for
        this year, Cường is a collaborator whose payouts of 2,000,000 or more are withheld."""
        if not company.commission_pit_withholding:
            return
        if not company._commission_pit_account():
            # without l10n_vn's chart: an account 3335 of its own
            Account = self.env["account.account"]
            account = Account.search(
                [*Account._check_company_domain(company), ("code", "=like", "3335%")], limit=1
            ) or Account.create(
                {
                    "name": "Thuế thu nhập cá nhân",
                    "code": "333500",
                    "account_type": "liability_current",
                    "company_ids": [Command.set(company.ids)],
                }
            )
            company.commission_pit_account_id = account
        an, binh, _cuong = salespeople
        an.partner_id.commission_labour_contract = True
        binh.partner_id.write(
            {
                "vat": "8012345678",
                "commission_pit_commitment": True,
                "commission_pit_commitment_date": today.replace(month=1, day=5),
                "commission_pit_commitment_year": today.year,
            }
        )

    @api.model
    def _commission_demo_plans(self, company, salespeople, products):
        """One plan per structure available now; each salesperson is in two plans."""
        an, binh, cuong = salespeople

        def tiers(*pairs):
            return [
                Command.create({"threshold": threshold, "rate": rate, "sequence": index})
                for index, (threshold, rate) in enumerate(pairs)
            ]

        plans = [
            ("Hoa hồng 3 % doanh thu", an, 0, [{"base": "revenue", "rate": 3}]),
            (
                "Doanh thu kèm thưởng mỗi hợp đồng",
                an,
                0,
                [
                    {"name": "Hoa hồng doanh thu", "base": "revenue", "rate": 1.5},
                    {"name": "Thưởng mỗi hợp đồng", "base": "deal", "rate": 500_000},
                ],
            ),
            ("Hoa hồng 12 % lợi nhuận gộp", binh, 0, [{"base": "margin", "rate": 12}]),
            (
                "Bậc thang hồi tố theo doanh thu",
                binh,
                0,
                [
                    {
                        "base": "revenue",
                        "tier_mode": "retroactive",
                        "tier_ids": tiers((0, 1), (100_000_000, 2), (300_000_000, 3)),
                    }
                ],
            ),
            (
                "Bậc thang luỹ tiến theo doanh thu",
                cuong,
                0,
                [
                    {
                        "base": "revenue",
                        "tier_mode": "marginal",
                        "tier_ids": tiers((0, 2), (150_000_000, 4), (400_000_000, 6)),
                    }
                ],
            ),
            (
                "Thưởng phần mềm, trần 10 triệu mỗi tháng",
                cuong,
                10_000_000,
                [
                    {
                        "name": "Thưởng phần mềm",
                        "base": "revenue",
                        "rate": 10,
                        "product_categ_id": products[SOFTWARE].categ_id.id,
                    }
                ],
            ),
        ]
        return self.env["commission.plan"].create(
            [
                {
                    "name": name,
                    "sequence": sequence,
                    "company_id": company.id,
                    "currency_id": company.currency_id.id,
                    "period": "month",
                    "user_ids": [Command.set(users.ids)],
                    "cap_amount": cap,
                    "rule_ids": [Command.create(rule) for rule in rules],
                }
                for sequence, (name, users, cap, rules) in enumerate(plans, start=1)
            ]
        )

    @api.model
    def _commission_demo_partner_plan(self, company, reseller, products, customers):
        """A reseller paid 8 % of the revenue invoiced through them (10 % agreed on software);
        the last two customers usually buy through them."""
        customers[4:6].write({"commission_partner_id": reseller.id})
        partner_plan = self.env["commission.plan"].create(
            {
                "name": "Hoa hồng đại lý theo hoá đơn",
                "sequence": 20,
                "company_id": company.id,
                "currency_id": company.currency_id.id,
                "beneficiary_type": "partner",
                "trigger": "invoice",
                "partner_ids": [Command.set(reseller.ids)],
                "rule_ids": [Command.create({"base": "revenue", "rate": 8})],
            }
        )
        partner_plan.partner_rate_ids = [
            Command.create(
                {
                    "partner_id": reseller.id,
                    "categ_id": products[SOFTWARE].categ_id.id,
                    "rate": 10,
                }
            )
        ]
        return partner_plan

    @api.model
    def _commission_demo_referral_plan(self, company, referrers, customers, today):
        """A referral programme: 500,000 per referred customer, 800,000 from the fourth in a
        month, counted on the customer's first confirmed order after the referral."""
        hoa, tuan = referrers
        referral_day = today.replace(day=1) - relativedelta(months=5)
        referral_plan = self.env["commission.plan"].create(
            {
                "name": "Chương trình giới thiệu khách hàng",
                "sequence": 21,
                "company_id": company.id,
                "currency_id": company.currency_id.id,
                "beneficiary_type": "referrer",
                "trigger": "order",
                "partner_ids": [Command.set((hoa | tuan).ids)],
                "rule_ids": [
                    Command.create(
                        {
                            "name": "Mỗi khách hàng được giới thiệu",
                            "base": "referral",
                            "tier_mode": "marginal",
                            "tier_ids": [
                                Command.create({"threshold": 0, "rate": 500_000, "sequence": 0}),
                                Command.create({"threshold": 3, "rate": 800_000, "sequence": 1}),
                            ],
                        }
                    )
                ],
            }
        )
        customers[:2].write({"referred_by_id": hoa.id, "referral_date": referral_day})
        customers[2].write({"referred_by_id": tuan.id, "referral_date": referral_day})
        return referral_plan

    @api.model
    def _commission_demo_invoices(self, leads, reseller, today):
        """Invoice the won orders brought by the reseller two days after the win; the invoices
        of closed months are paid ten days later."""
        journal = self.env["account.journal"].search(
            [("company_id", "=", leads.company_id[:1].id), ("type", "=", "bank")], limit=1
        )
        orders = leads.order_ids.filtered(
            lambda order: order.state == "sale" and order.commission_partner_id == reseller
        )
        for order in orders.sorted("date_order"):
            day = min(order.date_order.date() + datetime.timedelta(days=2), today)
            invoice = order._create_invoices()
            invoice.invoice_date = day
            invoice.action_post()
            if day < today.replace(day=1):
                self._commission_demo_pay(invoice, journal, day + datetime.timedelta(days=10))

    # ------------------------------------------------------------------
    # Opportunities and orders
    # ------------------------------------------------------------------
    @api.model
    def _commission_demo_opportunity(self, team, user, customer, products, lines, stage=None):
        """An opportunity with its quotation (prices from the products)."""
        label = PRODUCT_LABELS[lines[0][0]]
        lines = [(products[role], quantity) for role, quantity in lines]
        lead = self.env["crm.lead"].create(
            {
                "name": f"{label} – {customer.name}",
                "type": "opportunity",
                "partner_id": customer.id,
                "user_id": user.id,
                "team_id": team.id,
                "company_id": team.company_id.id,
                "expected_revenue": sum(product.lst_price * qty for product, qty in lines),
                **({"stage_id": stage.id} if stage else {}),
            }
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "opportunity_id": lead.id,
                "user_id": user.id,
                "team_id": team.id,
                "company_id": team.company_id.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "price_unit": product.lst_price,
                        }
                    )
                    for product, qty in lines
                ],
            }
        )
        return lead, order

    @api.model
    def _commission_demo_deals(self, team, salespeople, products, customers, today):
        """Won (with confirmed orders), open and lost opportunities; returns the won ones."""
        Lead = self.env["crm.lead"]
        first_of_month = today.replace(day=1)
        won = []
        for seller, months_ago, day, customer, lines in WON_DEALS:
            if months_ago == 0:
                if today.day < 3:
                    continue  # nothing won yet in a month that just started
                day = min(day, today.day - 1)
            when = (first_of_month - relativedelta(months=months_ago)).replace(day=day)
            lead, order = self._commission_demo_opportunity(
                team, salespeople[seller], customers[customer], products, lines
            )
            order.action_confirm()
            order.date_order = datetime.datetime.combine(when, NOON_VIETNAM)
            won.append((lead, when))
        leads = Lead.union(*(lead for lead, _when in won))
        # Won on their past day. The automatic computation would first compute each deal in
        # today's month, then move it to its day (leaving cancelled lines behind): win them
        # without it, then compute all deals at once, as the automatic computation does.
        quiet = leads.with_context(commission_no_auto_compute=True)
        for lead, when in won:
            lead = lead.with_env(quiet.env)
            lead.action_set_won()
            lead.date_closed = datetime.datetime.combine(when, NOON_VIETNAM)
        leads._commission_compute()

        for seller, customer, lines, stage in OPEN_DEALS:
            self._commission_demo_opportunity(
                team,
                salespeople[seller],
                customers[customer],
                products,
                lines,
                stage=self.env.ref(stage, raise_if_not_found=False),
            )
        reason = self.env.ref("crm.lost_reason_1", raise_if_not_found=False)
        for seller, customer, lines in LOST_DEALS:
            lead, order = self._commission_demo_opportunity(
                team, salespeople[seller], customers[customer], products, lines
            )
            order.action_cancel()
            lead.action_set_lost(lost_reason_id=reason.id if reason else False)
        return leads

    # ------------------------------------------------------------------
    # Statements, vendor bills, payments
    # ------------------------------------------------------------------
    @api.model
    def _commission_demo_statements(self, company, manager, salespeople, today):
        """Statements of the closed months, moved through the workflow up to their state."""
        Statement = self.env["commission.statement"]
        journal = self.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "bank")], limit=1
        )
        first_of_month = today.replace(day=1)
        all_statements = Statement
        for months_ago in sorted(STATEMENT_STATES, reverse=True):
            date_from = first_of_month - relativedelta(months=months_ago)
            date_to = date_from + relativedelta(months=1, days=-1)
            # the manager generates the statements of the month they can read
            as_manager = Statement.with_user(manager)
            lines = as_manager._gather_lines(company, date_to)
            statements = as_manager._generate_statements(company, date_from, date_to, lines)
            statements = statements.with_env(self.env)
            all_statements |= statements
            to_bill = Statement
            # the salespeople's statements, then the sales partner's and referrers' ones
            targets = [
                (statements.filtered(lambda s, user=user: s.user_id == user), user, state)
                for user, state in zip(salespeople, STATEMENT_STATES[months_ago], strict=True)
            ]
            targets += [
                (statement, manager, PARTNER_STATEMENT_STATES[months_ago])
                for statement in statements.filtered(lambda s: not s.user_id)
            ]
            for statement, submitter, state in targets:
                if not statement or state == "draft":
                    continue
                statement.with_user(submitter).action_submit()
                if state != "to_approve":
                    statement.with_user(manager).action_approve()
                if state not in ("to_approve", "approved"):
                    to_bill |= statement
            if not to_bill:
                continue
            self.env["account.move"]._commission_create_bills(to_bill)
            bill_date = date_to + relativedelta(days=BILL_DAY)
            payment_date = date_to + relativedelta(days=PAYMENT_DAY)
            for statement, _submitter, state in targets:
                bill = (statement & to_bill).bill_id
                if not bill:
                    continue
                bill.invoice_date = bill_date
                bill.action_post()
                if state == "paid":
                    self._commission_demo_pay(bill, journal, payment_date)
                elif state == "partial":
                    amount = bill.currency_id.round(bill.amount_total / 2)
                    self._commission_demo_pay(bill, journal, payment_date, amount)
        return all_statements

    @api.model
    def _commission_demo_pay(self, bill, journal, when, amount=None):
        register = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=bill.ids)
            .create({"payment_date": when, "journal_id": journal.id})
        )
        if amount is not None:
            register.amount = amount
        return register._create_payments()
