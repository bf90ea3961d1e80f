import datetime

from freezegun import freeze_time

from odoo import Command, api
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from .common import CommissionCommon

MARCH = datetime.date(2026, 3, 10)
MARCH_FROM, MARCH_TO = datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)


class StatementCommon(CommissionCommon):
    """Fixtures for statements: a chart of accounts, an accountant, a 5 % plan."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_accounting(accountant_login="ct_accountant")
        cls.plan = cls._create_plan(
            [{"base": "revenue", "rate": 5}], users=cls.salesperson | cls.salesperson_2
        )

    def _statement(self, revenue=100_000_000, user=None, day=MARCH):
        self._win(self._create_lead(revenue=revenue, user=user), day)
        Statement = self.env["commission.statement"]
        lines = Statement._gather_lines(self.company, MARCH_TO, users=user or self.salesperson)
        return Statement._generate_statements(self.company, MARCH_FROM, MARCH_TO, lines)

    def _pay(self, bill, amount=None, when=datetime.date(2026, 4, 20)):
        register = (
            self.env["account.payment.register"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=bill.ids)
            .create({"payment_date": when, "journal_id": self.bank_journal.id})
        )
        if amount is not None:
            register.amount = amount
        return register._create_payments()

    def _approved(self, **kwargs):
        statement = self._statement(**kwargs)
        statement.action_submit()
        statement.with_user(self.manager).action_approve()
        return statement


@tagged("post_install", "-at_install")
class TestStatement(StatementCommon):
    """Statements per payee and period: generation, approval, vendor bills, payment."""

    # ------------------------------------------------------------------
    # The whole cycle
    # ------------------------------------------------------------------
    def test_full_cycle_won_to_paid(self):
        self._win(self._create_lead(revenue=100_000_000), MARCH)
        self._win(self._create_lead(revenue=60_000_000), MARCH + datetime.timedelta(days=5))
        self._win(
            self._create_lead(revenue=40_000_000, user=self.salesperson_2),
            MARCH + datetime.timedelta(days=1),
        )
        # The manager previews, then generates the statements of March.
        wizard = Form(
            self.env["commission.statement.generate"]
            .with_user(self.manager)
            .with_context(allowed_company_ids=self.company.ids)
        )
        wizard.date_from = MARCH_FROM
        wizard.date_to = MARCH_TO
        self.assertEqual(wizard.statement_count, 2)
        self.assertEqual(wizard.line_count, 3)
        self.assertEqual(wizard.amount_total, 10_000_000)
        self.assertIn("Nguyễn Văn An", wizard.preview)
        action = wizard.save().action_generate()
        statements = self.env["commission.statement"].search(action["domain"])
        mine = statements.filtered(lambda s: s.user_id == self.salesperson)
        self.assertRecordValues(
            mine,
            [
                {
                    "partner_id": self.salesperson.partner_id.id,
                    "amount_total": 8_000_000,
                    "line_count": 2,
                    "state": "draft",
                    "approver_id": self.manager.id,
                    "currency_id": self.vnd.id,
                }
            ],
        )
        # The salesperson submits their own statement; the team leader gets an activity.
        mine.with_user(self.salesperson).action_submit()
        self.assertEqual(mine.state, "to_approve")
        self.assertEqual(mine.activity_ids.user_id, self.manager)
        # The manager approves: statement and lines are locked.
        mine.with_user(self.manager).action_approve()
        self.assertRecordValues(mine, [{"state": "approved", "approved_by_id": self.manager.id}])
        self.assertEqual(set(mine.line_ids.mapped("state")), {"approved"})
        self.assertFalse(mine.activity_ids)
        # The accountant creates the vendor bill, posts it and pays it.
        mine.with_user(self.accountant).action_create_bills()
        bill = mine.bill_id
        self.assertRecordValues(
            bill,
            [
                {
                    "move_type": "in_invoice",
                    "partner_id": self.salesperson.partner_id.id,
                    "amount_total": 8_000_000,
                    "state": "draft",
                }
            ],
        )
        self.assertEqual(bill.invoice_line_ids.product_id, self.company.commission_product_id)
        self.assertEqual(bill.commission_statement_ids, mine)
        self.assertEqual(mine.state, "billed")
        bill.with_user(self.accountant).action_post()
        self._pay(bill)
        self.assertIn(bill.payment_state, ("paid", "in_payment"))
        self.assertRecordValues(
            mine, [{"state": "paid", "payment_date": datetime.date(2026, 4, 20)}]
        )
        self.assertEqual(set(mine.line_ids.mapped("state")), {"paid"})
        self.assertEqual(set(mine.line_ids.mapped("payment_date")), {datetime.date(2026, 4, 20)})

    # ------------------------------------------------------------------
    # Generation
    # ------------------------------------------------------------------
    def test_generate_twice_creates_nothing_twice(self):
        first = self._statement()
        again = self._statement()  # a second deal in March joins the same draft statement
        self.assertEqual(again, first)
        self.assertEqual(first.line_count, 2)
        wizard = (
            self.env["commission.statement.generate"]
            .with_user(self.manager)
            .create({"date_from": MARCH_FROM, "date_to": MARCH_TO, "company_id": self.company.id})
        )
        self.assertEqual(wizard.line_count, 0)
        with self.assertRaisesRegex(UserError, "No pending commission"):
            wizard.action_generate()
        self.assertEqual(self.env["commission.statement"].search_count([]), 1)

    def test_generated_statements_are_followed_quietly_and_checked(self):
        """Generation in batch: one statement per payee, each payee follows their statement
        without an "assigned to you" e-mail per draft, and the lines' consistency with the
        statement is still checked."""
        self._win(self._create_lead(revenue=100_000_000), MARCH)
        self._win(self._create_lead(revenue=40_000_000, user=self.salesperson_2), MARCH)
        Statement = self.env["commission.statement"]
        lines = Statement._gather_lines(self.company, MARCH_TO)
        statements = Statement._generate_statements(self.company, MARCH_FROM, MARCH_TO, lines)
        self.assertEqual(
            sorted(statements.mapped("amount_total")), [2_000_000, 5_000_000], "5 % of each"
        )
        # with the subtypes mail's own auto-subscription gives the salesperson of a statement
        # created one by one
        by_hand = Statement.create(
            Statement._prepare_statement_vals(
                self.salesperson.partner_id,
                self.salesperson,
                self.company,
                self.company.currency_id,
                MARCH_FROM.replace(year=2025),
                MARCH_TO.replace(year=2025),
            )
        )
        mail_subtypes = by_hand.message_follower_ids.filtered(
            lambda follower: follower.partner_id == self.salesperson.partner_id
        ).subtype_ids
        self.assertTrue(mail_subtypes)
        for statement in statements:
            follower = statement.message_follower_ids.filtered(
                lambda follower, s=statement: follower.partner_id == s.user_id.partner_id
            )
            self.assertEqual(len(follower), 1, "the salesperson follows their statement")
            self.assertEqual(follower.subtype_ids, mail_subtypes)
            self.assertEqual(
                statement.message_follower_ids, follower, "nobody else (not the generator)"
            )
        assigned = self.env["mail.message"].search(
            [("model", "=", "commission.statement"), ("res_id", "in", statements.ids)]
        )
        self.assertFalse(assigned, "no message per generated draft")
        # a line of another payee cannot join a statement, even through the batch path
        other = lines.filtered(lambda line: line.user_id == self.salesperson_2)
        mine = statements.filtered(lambda st: st.user_id == self.salesperson)
        with self.assertRaisesRegex(ValidationError, "can only hold"):
            other.sudo().write({"statement_id": mine.id})
        # nor a line without payee
        with self.assertRaisesRegex(ValidationError, "can only hold"):
            lines[:1].sudo().write({"partner_id": False})

    def test_running_period_only_on_request(self):
        self._win(self._create_lead(revenue=100_000_000), MARCH)
        Statement = self.env["commission.statement"]
        # on 20 March the period is not over: nothing unless asked
        mid_march = datetime.date(2026, 3, 20)
        self.assertFalse(Statement._gather_lines(self.company, mid_march))
        lines = Statement._gather_lines(self.company, mid_march, include_open=True)
        self.assertEqual(len(lines), 1)

    def test_adjustment_line(self):
        statement = self._statement()
        wizard = Form(
            self.env["commission.adjustment"]
            .with_user(self.manager)
            .with_context(default_statement_id=statement.id)
        )
        wizard.amount = -1_000_000
        wizard.reason = "Trừ hoa hồng: khách trả lại hàng"
        wizard.save().action_add()
        adjustment = statement.line_ids.filtered("is_adjustment")
        self.assertRecordValues(
            adjustment,
            [{"amount": -1_000_000, "state": "pending", "plan_id": False}],
        )
        self.assertIn("khách trả lại hàng", adjustment.explanation)
        self.assertEqual(statement.amount_total, 4_000_000)
        blank = (
            self.env["commission.adjustment"]
            .with_user(self.manager)
            .create({"statement_id": statement.id, "amount": 5, "reason": "   "})
        )
        with self.assertRaisesRegex(UserError, "needs a reason"):
            blank.action_add()
        self.assertEqual(len(statement.line_ids), 2)

    # ------------------------------------------------------------------
    # Approval
    # ------------------------------------------------------------------
    def test_reject_needs_a_reason_and_returns_to_draft(self):
        statement = self._statement()
        statement.action_submit()
        with self.assertRaisesRegex(UserError, "reason"):
            statement.with_user(self.manager).action_reject("  ")
        self.assertEqual(statement.state, "to_approve")
        wizard = (
            self.env["commission.statement.reject"]
            .with_user(self.manager)
            .with_context(active_model="commission.statement", active_ids=statement.ids)
            .create({"reason": "Thiếu hợp đồng ký"})
        )
        wizard.action_reject()
        self.assertEqual(statement.state, "draft")
        self.assertFalse(statement.activity_ids)
        self.assertTrue(
            statement.message_ids.filtered(lambda m: "Thiếu hợp đồng ký" in (m.body or ""))
        )

    def test_self_approval_refused(self):
        self.team.user_id = self.salesperson_2  # the leader sells too
        statement = self._statement(user=self.salesperson_2)
        statement.action_submit()
        # the leader cannot approve their own statement: the commission manager does
        with self.assertRaisesRegex(UserError, "own commission"):
            statement.with_user(self.salesperson_2).action_approve()
        self.assertEqual(statement.state, "to_approve")

    def test_only_the_team_leader_or_an_admin_approves(self):
        other_manager = new_test_user(
            self.env,
            login="ct_other_manager",
            groups="commission_tracking.group_commission_manager",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        statement = self._statement()
        statement.action_submit()
        with self.assertRaisesRegex(UserError, "leader of the salesperson's team"):
            statement.with_user(other_manager).action_approve()
        statement.with_user(self.admin).action_approve()
        self.assertEqual(statement.state, "approved")

    def test_two_level_approval(self):
        self.company.commission_double_approval_amount = 5_000_000
        statement = self._statement(revenue=200_000_000)  # 10,000,000
        statement.action_submit()
        statement.with_user(self.manager).action_approve()
        self.assertRecordValues(
            statement, [{"state": "to_approve", "first_approved_by_id": self.manager.id}]
        )
        self.assertEqual(statement.activity_ids.user_id, self.admin)
        with self.assertRaises(UserError):
            statement.with_user(self.manager).action_approve()
        statement.with_user(self.admin).action_approve()
        self.assertRecordValues(statement, [{"state": "approved", "approved_by_id": self.admin.id}])

    def test_below_second_level_one_approval_is_enough(self):
        self.company.commission_double_approval_amount = 50_000_000
        statement = self._statement()
        statement.action_submit()
        statement.with_user(self.manager).action_approve()
        self.assertEqual(statement.state, "approved")

    def test_approved_statement_and_lines_are_locked(self):
        statement = self._statement()
        statement.action_submit()
        line = statement.line_ids
        # under review: a recompute corrects instead of editing
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            line.with_user(self.admin).write({"amount": 1})
        statement.with_user(self.manager).action_approve()
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            line.with_user(self.admin).write({"rate": 50})
        with self.assertRaisesRegex(UserError, "Only draft"):
            statement.with_user(self.admin).write({"date_to": datetime.date(2026, 4, 30)})
        self.assertEqual(line.amount, 5_000_000)

    def test_recompute_after_submission_adds_a_correction(self):
        plan = self._create_plan(
            [
                {
                    "base": "revenue",
                    "tier_mode": "retroactive",
                    "tier_ids": self._tiers((0, 3), (100_000_000, 5)),
                }
            ],
            users=self.salesperson_2,
        )
        statement = self._statement(revenue=60_000_000, user=self.salesperson_2)
        line = statement.line_ids.filtered(lambda line: line.plan_id == plan)
        statement.action_submit()
        self._win(
            self._create_lead(revenue=60_000_000, user=self.salesperson_2),
            MARCH + datetime.timedelta(days=3),
        )
        self.assertEqual(line.amount, 1_800_000)
        self.assertEqual(line.correction_ids.amount, 1_200_000)
        self.assertFalse(line.correction_ids.statement_id)

    # ------------------------------------------------------------------
    # Payout
    # ------------------------------------------------------------------
    def test_negative_statement_gives_a_credit_note(self):
        statement = self._statement()
        self.env["commission.adjustment"].create(
            {"statement_id": statement.id, "amount": -7_000_000, "reason": "Thu hồi"}
        ).action_add()
        statement.action_submit()
        statement.with_user(self.manager).action_approve()
        statement.with_user(self.accountant).action_create_bills()
        self.assertRecordValues(
            statement.bill_id, [{"move_type": "in_refund", "amount_total": 2_000_000}]
        )

    def test_cancelled_or_deleted_bill_returns_to_approved(self):
        statement = self._approved()
        statement.action_create_bills()
        statement.bill_id.button_cancel()
        self.assertRecordValues(statement, [{"state": "approved", "bill_id": False}])
        statement.action_create_bills()
        statement.bill_id.unlink()
        self.assertRecordValues(statement, [{"state": "approved", "bill_id": False}])

    def test_reversed_bill_returns_to_approved(self):
        statement = self._approved()
        statement.action_create_bills()
        bill = statement.bill_id
        bill.action_post()
        bill._reverse_moves([{"invoice_date": bill.invoice_date}], cancel=True)
        self.assertEqual(bill.payment_state, "reversed")
        self.assertRecordValues(statement, [{"state": "approved", "bill_id": False}])
        statement.action_create_bills()
        self.assertNotEqual(statement.bill_id, bill)

    def test_statement_average_rate(self):
        statement = self._statement()
        self.assertAlmostEqual(statement.rate, 5.0)

    def test_statement_never_billed_twice(self):
        statement = self._approved()
        statement.action_create_bills()
        with self.assertRaisesRegex(UserError, "not billed yet"):
            statement.action_create_bills()
        self.assertEqual(self.env["account.move"].search_count([("ref", "=", statement.name)]), 1)

    def test_partial_payment_keeps_billed(self):
        statement = self._approved()
        statement.action_create_bills()
        bill = statement.bill_id
        bill.action_post()
        self._pay(bill, amount=2_500_000)
        self.assertEqual(bill.payment_state, "partial")
        self.assertEqual(statement.state, "billed")
        self.assertAlmostEqual(statement.paid_ratio, 50.0)
        self._pay(bill, amount=2_500_000, when=datetime.date(2026, 4, 25))
        self.assertRecordValues(
            statement, [{"state": "paid", "payment_date": datetime.date(2026, 4, 25)}]
        )

    def test_unreconciled_payment_reopens_payment_status(self):
        statement = self._approved()
        statement.action_create_bills()
        bill = statement.bill_id
        bill.action_post()
        self._pay(bill)
        self.assertEqual(statement.state, "paid")
        bill.line_ids.remove_move_reconcile()
        self.assertRecordValues(statement, [{"state": "billed", "payment_date": False}])
        self.assertEqual(set(statement.line_ids.mapped("state")), {"approved"})

    def test_configured_payee_needs_a_bank_account(self):
        agency = self.env["res.partner"].create({"name": "Đại lý Minh Phát", "is_company": True})
        self.salesperson.commission_payee_id = agency
        statement = self._approved()
        self.assertEqual(statement.partner_id, agency)
        with self.assertRaisesRegex(UserError, "Nguyễn Văn An cannot be paid"):
            statement.action_create_bills()
        self.assertEqual(statement.state, "approved")
        self.env["res.partner.bank"].create(
            {"acc_number": "0071000123456", "partner_id": agency.id}
        )
        statement.action_create_bills()
        self.assertEqual(statement.bill_id.partner_id, agency)

    def test_missing_commission_product_is_explained(self):
        statement = self._approved()
        self.company.commission_product_id = False
        with self.assertRaisesRegex(UserError, "commission product"):
            statement.action_create_bills()
        self.assertEqual(statement.state, "approved")

    def test_accountant_sees_approved_statements_only(self):
        draft = self._statement(user=self.salesperson_2)
        approved = self._approved()
        Statement = self.env["commission.statement"].with_user(self.accountant)
        self.assertEqual(Statement.search([]), approved)
        with self.assertRaises(AccessError):
            draft.with_user(self.accountant).read(["amount_total"])
        with self.assertRaises(AccessError):
            self.env["commission.plan"].with_user(self.accountant).search([])

    def test_salesperson_cannot_approve_or_bill(self):
        statement = self._statement()
        with self.assertRaises(AccessError):
            statement.with_user(self.salesperson_2).action_submit()
        statement.with_user(self.salesperson).action_submit()
        with self.assertRaisesRegex(UserError, "own commission"):
            statement.with_user(self.salesperson).action_approve()
        self.assertEqual(statement.state, "to_approve")

    # ------------------------------------------------------------------
    # Scheduled generation
    # ------------------------------------------------------------------
    def test_monthly_scheduled_generation_submits(self):
        self._win(self._create_lead(revenue=100_000_000), MARCH)
        self.company.commission_statement_day = 1
        with freeze_time("2026-04-01 03:00:00"):
            self.env["commission.statement"]._cron_generate_statements()
        statement = self.env["commission.statement"].search([("user_id", "=", self.salesperson.id)])
        self.assertRecordValues(
            statement,
            [
                {
                    "date_from": MARCH_FROM,
                    "date_to": MARCH_TO,
                    "state": "to_approve",
                    "amount_total": 5_000_000,
                }
            ],
        )
        self.assertEqual(statement.activity_ids.user_id, self.manager)


@tagged("post_install", "-at_install")
class TestBillingRace(CommissionCommon):
    """Two users billing the same statement at the same moment: one wins, one is told."""

    def test_two_cursors(self):
        registry = self.env.registry
        with registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            statement = env["commission.statement"].create(
                {
                    "partner_id": env.ref("base.partner_admin").id,
                    "company_id": env.ref("base.main_company").id,
                    "currency_id": env.ref("base.main_company").currency_id.id,
                    "date_from": MARCH_FROM,
                    "date_to": MARCH_TO,
                }
            )
            cr.execute(
                "UPDATE commission_statement SET state = 'approved' WHERE id = %s", [statement.id]
            )
            statement_id = statement.id
        try:
            with registry.cursor() as cr_first, registry.cursor() as cr_second:
                # the first user is creating the bill: the statement row is locked
                env_first = api.Environment(cr_first, api.SUPERUSER_ID, {})
                env_first["account.move"]._commission_lock_statements(
                    env_first["commission.statement"].browse(statement_id)
                )
                env_second = api.Environment(cr_second, api.SUPERUSER_ID, {})
                with self.assertRaisesRegex(UserError, "being billed by someone else"):
                    env_second["account.move"]._commission_create_bills(
                        env_second["commission.statement"].browse(statement_id)
                    )
                cr_second.rollback()
                cr_first.rollback()
        finally:
            with registry.cursor() as cr:
                cr.execute("DELETE FROM commission_statement WHERE id = %s", [statement_id])


@tagged("post_install", "-at_install")
class TestStatementAccountingAndMail(StatementCommon):
    """Accrual entries (optional) and the payee's e-mails."""

    def _accounts(self):
        Account = self.env["account.account"].with_company(self.company)
        expense = Account.search([("account_type", "=", "expense")], limit=1)
        accrued = Account.search([("account_type", "=", "liability_current")], limit=1)
        journal = self.env["account.journal"].search(
            [("company_id", "=", self.company.id), ("type", "=", "general")], limit=1
        )
        return expense, accrued, journal

    def test_accrual_posted_at_approval_reversed_at_billing(self):
        expense, accrued, journal = self._accounts()
        self.company.write(
            {
                "commission_accrual": True,
                "commission_accrual_journal_id": journal.id,
                "commission_expense_account_id": expense.id,
                "commission_accrued_account_id": accrued.id,
            }
        )
        statement = self._approved()
        accrual = statement.accrual_move_ids
        self.assertEqual(len(accrual), 1)
        self.assertEqual(accrual.state, "posted")
        self.assertEqual(accrual.date, MARCH_TO)
        self.assertRecordValues(
            accrual.line_ids.sorted("debit"),
            [
                {"account_id": accrued.id, "debit": 0, "credit": 5_000_000},
                {"account_id": expense.id, "debit": 5_000_000, "credit": 0},
            ],
        )
        statement.with_user(self.accountant).action_create_bills()
        reversal = statement.accrual_move_ids - accrual
        self.assertEqual(reversal.reversed_entry_id, accrual)
        self.assertEqual(reversal.state, "posted")
        balance = sum(
            statement.accrual_move_ids.line_ids.filtered(
                lambda line: line.account_id == accrued
            ).mapped("balance")
        )
        self.assertEqual(balance, 0)

    def test_accrual_needs_its_accounts(self):
        self.company.commission_accrual = True
        statement = self._statement()
        statement.action_submit()
        with self.assertRaisesRegex(UserError, "accrued commissions account"):
            statement.with_user(self.manager).action_approve()
        self.assertEqual(statement.state, "to_approve")

    def test_no_accrual_by_default(self):
        statement = self._approved()
        self.assertFalse(statement.accrual_move_ids)

    def test_payee_notified_in_their_language(self):
        self.env["res.lang"]._activate_lang("vi_VN")
        self.env["ir.module.module"]._load_module_terms(["commission_tracking"], ["vi_VN"])
        self.salesperson.partner_id.lang = "vi_VN"
        statement = self._approved()
        message = statement.message_ids.filtered(
            lambda m: self.salesperson.partner_id in m.partner_ids
        )
        self.assertEqual(len(message), 1)
        self.assertIn("đã được duyệt", message.body)
        self.assertIn("5.000.000", message.body)

    def test_paid_mail_sent_to_payee(self):
        statement = self._approved()
        statement.action_create_bills()
        statement.bill_id.action_post()
        self._pay(statement.bill_id)
        paid = statement.message_ids.filtered(
            lambda m: self.salesperson.partner_id in m.partner_ids and "paid" in (m.subject or "")
        )
        self.assertTrue(paid)
        self.assertIn("2026", paid.body)

    @mute_logger("odoo.addons.commission_tracking.models.commission_compute")
    def test_broken_mail_template_never_blocks(self):
        template = self.env.ref("commission_tracking.mail_template_statement_approved")
        template.body_html = '<p t-out="object.no_such_field.name"/>'
        statement = self._approved()
        self.assertEqual(statement.state, "approved")
        self.assertEqual(set(statement.line_ids.mapped("state")), {"approved"})
