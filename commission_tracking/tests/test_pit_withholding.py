import base64
import datetime
import io

import openpyxl
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, new_test_user, tagged

from .test_statement import MARCH_FROM, MARCH_TO, StatementCommon

# the vendor bills of these tests are dated this day (of 2026)
BILL_DAY = "2026-04-05 03:00:00"
YEAR = 2026
# revenues earning, at the plan's 5 %, these commissions
REVENUE_1_999_999 = 39_999_980
REVENUE_2_000_000 = 40_000_000


@tagged("post_install", "-at_install")
@freeze_time(BILL_DAY)
class TestPitWithholding(StatementCommon):
    """Personal income tax withheld on commission payouts (Vietnam: 10 % from 2,000,000 VND
    per payment to individuals without a labour contract)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Account = cls.env["account.account"]
        cls.pit_account = Account.create(
            {
                "name": "Thuế thu nhập cá nhân",
                "code": "333510",
                "account_type": "liability_current",
                "company_ids": [Command.set(cls.company.ids)],
            }
        )
        cls.expense_account = Account.create(
            {
                "name": "Chi phí hoa hồng đại lý",
                "code": "641710",
                "account_type": "expense",
                "company_ids": [Command.set(cls.company.ids)],
            }
        )
        cls.company.write(
            {
                "commission_pit_withholding": True,
                "commission_pit_rate": 10.0,
                "commission_pit_threshold": 2_000_000,
                "commission_pit_account_id": cls.pit_account.id,
                "commission_expense_account_id": cls.expense_account.id,
            }
        )
        cls.payee = cls.salesperson.partner_id
        cls.payee_2 = cls.salesperson_2.partner_id
        cls.payable = cls.payee.with_company(cls.company).property_account_payable_id

    def _billed(self, revenue, user=None):
        statement = self._approved(revenue=revenue, user=user)
        statement.with_user(self.accountant).action_create_bills()
        return statement

    def _posted(self, revenue, user=None):
        statement = self._billed(revenue, user=user)
        statement.bill_id.with_user(self.accountant).action_post()
        return statement

    def _credit_note(self, amount, user=None):
        """A statement of ``amount`` (negative) for the payee, billed: a deal of 1,000,000
        commission and an adjustment."""
        statement = self._statement(revenue=20_000_000, user=user)
        self.env["commission.adjustment"].create(
            {
                "statement_id": statement.id,
                "amount": amount - 1_000_000,
                "reason": "Thu hồi hoa hồng: khách trả hàng",
            }
        ).action_add()
        statement.action_submit()
        statement.with_user(self.manager).action_approve()
        statement.with_user(self.accountant).action_create_bills()
        return statement

    def _balances(self, move):
        """{account: balance} of a journal entry."""
        result = {}
        for line in move.line_ids:
            result[line.account_id] = result.get(line.account_id, 0) + line.balance
        return result

    # ------------------------------------------------------------------
    # Threshold
    # ------------------------------------------------------------------
    def test_below_threshold_nothing_withheld(self):
        statement = self._approved(revenue=REVENUE_1_999_999)
        self.assertEqual(statement.amount_total, 1_999_999)
        self.assertRecordValues(statement, [{"withholding_amount": 0, "net_amount": 1_999_999}])
        self.assertIn("below the", statement.withholding_reason)
        statement.with_user(self.accountant).action_create_bills()
        bill = statement.bill_id
        self.assertRecordValues(
            bill, [{"amount_untaxed": 1_999_999, "amount_tax": 0, "amount_total": 1_999_999}]
        )
        self.assertFalse(bill.invoice_line_ids.tax_ids)
        self.assertRecordValues(statement, [{"withholding_amount": 0, "net_amount": 1_999_999}])
        self.assertIn("below the", statement.withholding_reason)
        self.assertFalse(self.company.commission_pit_tax_id)

    def test_threshold_withholds_ten_percent_and_accounts(self):
        statement = self._approved(revenue=REVENUE_2_000_000)
        # before billing: what billing would withhold
        self.assertRecordValues(
            statement,
            [{"amount_total": 2_000_000, "withholding_amount": 200_000, "net_amount": 1_800_000}],
        )
        statement.with_user(self.accountant).action_create_bills()
        bill = statement.bill_id
        # the bill shows the gross commission, the PIT withheld and the net payable
        self.assertRecordValues(
            bill,
            [
                {
                    "move_type": "in_invoice",
                    "amount_untaxed": 2_000_000,
                    "amount_tax": -200_000,
                    "amount_total": 1_800_000,
                }
            ],
        )
        tax = self.company.commission_pit_tax_id
        self.assertRecordValues(
            tax,
            [
                {
                    "amount": -10,
                    "amount_type": "percent",
                    "type_tax_use": "purchase",
                    "commission_pit": True,
                }
            ],
        )
        self.assertEqual(bill.invoice_line_ids.tax_ids, tax)
        self.assertIn("10% personal income tax withheld", bill.commission_pit_reason)
        self.assertIn("10% personal income tax withheld", statement.message_ids[0].body)
        bill.with_user(self.accountant).action_post()
        # expense debited with the gross, PIT liability and payable credited
        self.assertEqual(
            self._balances(bill),
            {
                self.expense_account: 2_000_000,
                self.pit_account: -200_000,
                self.payable: -1_800_000,
            },
        )
        self.assertRecordValues(
            statement,
            [{"withholding_amount": 200_000, "net_amount": 1_800_000, "state": "billed"}],
        )
        # the payment settles the net payable only
        payment = self._pay(bill)
        self.assertEqual(payment.amount, 1_800_000)
        balances = self._balances(payment.move_id)
        self.assertEqual(balances.pop(self.payable), 1_800_000)
        self.assertEqual(list(balances.values()), [-1_800_000])
        self.assertNotIn(self.pit_account, balances)
        self.assertEqual(bill.amount_residual, 0)
        self.assertRecordValues(
            statement,
            [{"state": "paid", "withholding_amount": 200_000, "net_amount": 1_800_000}],
        )
        # the payee sees gross, withheld and net on the PDF
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("commission_tracking.report_commission_statement", statement.ids)[0]
            .decode()
        )
        self.assertIn("Personal income tax withheld", html)
        self.assertIn("Net payable", html)
        self.assertIn("1,800,000", html)
        self.assertIn("200,000", html)

    def test_one_bill_for_several_statements_is_one_payment(self):
        """Two statements of 1,500,000 on one bill: one payment of 3,000,000, withheld."""
        first = self._approved(revenue=30_000_000)
        second = self._statement(revenue=30_000_000)
        self.assertNotEqual(first, second)
        second.action_submit()
        second.with_user(self.manager).action_approve()
        self.assertEqual(first.withholding_amount, 0)  # alone, below the threshold
        statements = first | second
        statements.with_user(self.accountant).action_create_bills()
        bill = first.bill_id
        self.assertEqual(second.bill_id, bill)
        self.assertRecordValues(bill, [{"amount_untaxed": 3_000_000, "amount_total": 2_700_000}])
        self.assertEqual(statements.mapped("withholding_amount"), [150_000, 150_000])
        self.assertEqual(statements.mapped("net_amount"), [1_350_000, 1_350_000])

    # ------------------------------------------------------------------
    # Who is not withheld
    # ------------------------------------------------------------------
    def test_commitment_with_tax_code_nothing_withheld(self):
        self.payee.write(
            {
                "vat": "079090001234",
                "commission_pit_commitment": True,
                "commission_pit_commitment_date": datetime.date(2026, 1, 15),
                "commission_pit_commitment_year": YEAR,
            }
        )
        statement = self._posted(REVENUE_2_000_000)
        self.assertRecordValues(statement.bill_id, [{"amount_tax": 0, "amount_total": 2_000_000}])
        self.assertRecordValues(statement, [{"withholding_amount": 0, "net_amount": 2_000_000}])
        self.assertIn("Commitment (cam kết) for 2026", statement.withholding_reason)
        # listed at year end all the same
        row = self.env["commission.pit.report"]._get_year_rows(self.company, YEAR)
        self.assertRecordValues(
            row,
            [
                {
                    "partner_id": self.payee.id,
                    "tax_code": "079090001234",
                    "commitment": True,
                    "amount_paid": 2_000_000,
                    "amount_withheld": 0,
                }
            ],
        )

    def test_commitment_of_another_year_or_without_tax_code_is_withheld(self):
        self.payee.write(
            {
                "commission_pit_commitment": True,
                "commission_pit_commitment_date": datetime.date(2025, 1, 15),
                "commission_pit_commitment_year": 2025,
                "vat": "079090001234",
            }
        )
        statement = self._approved(revenue=REVENUE_2_000_000)
        self.assertEqual(statement.withholding_amount, 200_000)
        self.payee.write({"commission_pit_commitment_year": YEAR, "vat": False})
        self.assertEqual(statement.withholding_amount, 200_000)
        self.assertIn("no tax code", statement.withholding_reason)

    def test_commitment_needs_its_year_and_date(self):
        form = Form(self.payee)
        form.commission_pit_commitment = True
        form.commission_pit_commitment_date = datetime.date(2026, 1, 15)
        form.commission_pit_commitment_year = 26
        with self.assertRaisesRegex(ValidationError, "income year"):
            form.save()
        with self.assertRaisesRegex(ValidationError, "date the commitment"):
            self.env["res.partner"].create(
                {
                    "name": "Cộng tác viên",
                    "commission_pit_commitment": True,
                    "commission_pit_commitment_year": YEAR,
                }
            )

    def test_company_payee_nothing_withheld(self):
        agency = self.env["res.partner"].create(
            {"name": "Công ty TNHH Đại lý Minh Phát", "is_company": True}
        )
        self.env["res.partner.bank"].create(
            {"acc_number": "0071000123456", "partner_id": agency.id}
        )
        self.salesperson.commission_payee_id = agency
        statement = self._posted(REVENUE_2_000_000)
        self.assertEqual(statement.partner_id, agency)
        self.assertRecordValues(statement.bill_id, [{"amount_tax": 0, "amount_total": 2_000_000}])
        self.assertRecordValues(statement, [{"withholding_amount": 0, "net_amount": 2_000_000}])
        self.assertIn("Paid to a company", statement.withholding_reason)
        self.assertFalse(self.env["commission.pit.report"]._get_year_rows(self.company, YEAR))

    def test_employee_with_labour_contract_flagged_for_payroll(self):
        self.payee.commission_labour_contract = True  # a 12-month labour contract
        statement = self._approved(revenue=REVENUE_2_000_000)
        self.assertRecordValues(
            statement,
            [{"withholding_amount": 0, "net_amount": 2_000_000, "withholding_payroll": True}],
        )
        self.assertIn("payroll", statement.withholding_reason)
        statement.with_user(self.accountant).action_create_bills()
        self.assertRecordValues(statement.bill_id, [{"amount_tax": 0, "amount_total": 2_000_000}])
        self.assertTrue(statement.withholding_payroll)
        self.assertIn("payroll", statement.withholding_reason)

    def test_withholding_off_says_nothing(self):
        self.company.commission_pit_withholding = False
        statement = self._billed(REVENUE_2_000_000)
        self.assertRecordValues(
            statement,
            [{"withholding_amount": 0, "net_amount": 2_000_000, "withholding_reason": False}],
        )
        self.assertEqual(statement.bill_id.amount_total, 2_000_000)

    # ------------------------------------------------------------------
    # Configuration
    # ------------------------------------------------------------------
    def test_default_on_for_vietnamese_companies(self):
        vietnam, france = self.env["res.company"].create(
            [
                {
                    "name": "Công ty Việt",
                    "country_id": self.env.ref("base.vn").id,
                    "currency_id": self.vnd.id,
                },
                {"name": "Société française", "country_id": self.env.ref("base.fr").id},
            ]
        )
        self.assertRecordValues(
            vietnam | france,
            [
                {
                    "commission_pit_withholding": True,
                    "commission_pit_rate": 10,
                    "commission_pit_threshold": 2_000_000,
                },
                {
                    "commission_pit_withholding": False,
                    "commission_pit_rate": 10,
                    "commission_pit_threshold": 0,
                },
            ],
        )
        with self.assertRaisesRegex(ValidationError, "percentage"):
            france.commission_pit_rate = 0

    def test_other_country_rule_from_configuration(self):
        """15 % from 1,000,000: configuration, not code."""
        self.company.write({"commission_pit_rate": 15, "commission_pit_threshold": 1_000_000})
        statement = self._billed(30_000_000)  # 1,500,000
        self.assertRecordValues(statement.bill_id, [{"amount_tax": -225_000}])
        self.assertEqual(self.company.commission_pit_tax_id.amount, -15)
        self.assertEqual(statement.withholding_amount, 225_000)

    def test_missing_account_is_explained_and_nothing_billed(self):
        self.company.commission_pit_account_id = False
        statement = self._approved(revenue=REVENUE_2_000_000)
        with self.assertRaisesRegex(UserError, "set the PIT withheld account"):
            statement.with_user(self.accountant).action_create_bills()
        self.assertRecordValues(statement, [{"state": "approved", "bill_id": False}])

    def test_tax_reused_and_replaced_when_the_rate_changes(self):
        first = self._billed(REVENUE_2_000_000)
        tax = self.company.commission_pit_tax_id
        second = self._billed(REVENUE_2_000_000, user=self.salesperson_2)
        self.assertEqual(second.bill_id.invoice_line_ids.tax_ids, tax)
        self.company.commission_pit_rate = 5
        third = self._credit_note(-1_000_000)
        self.assertNotEqual(third.bill_id.invoice_line_ids.tax_ids, tax)
        self.assertEqual(first.bill_id.invoice_line_ids.tax_ids.amount, -10)

    # ------------------------------------------------------------------
    # Credit notes
    # ------------------------------------------------------------------
    def test_credit_note_reverses_withholding(self):
        self._posted(60_000_000)  # 3,000,000 paid, 300,000 withheld
        refund = self._credit_note(-1_000_000)
        bill = refund.bill_id
        self.assertRecordValues(
            bill,
            [
                {
                    "move_type": "in_refund",
                    "amount_untaxed": 1_000_000,
                    "amount_tax": -100_000,
                    "amount_total": 900_000,
                }
            ],
        )
        self.assertRecordValues(
            refund,
            [{"amount_total": -1_000_000, "withholding_amount": -100_000, "net_amount": -900_000}],
        )
        self.assertIn("Credit note", refund.withholding_reason)
        bill.action_post()
        self.assertEqual(
            self._balances(bill),
            {self.expense_account: -1_000_000, self.pit_account: 100_000, self.payable: 900_000},
        )

    def test_credit_note_reverses_withholding_proportionally(self):
        """3,000,000 withheld on, 1,000,000 not (below the threshold): a credit note of
        1,000,000 reverses the tax on 3/4 of it."""
        self._posted(60_000_000)
        self._posted(20_000_000)
        refund = self._credit_note(-1_000_000)
        bill = refund.bill_id
        self.assertRecordValues(
            bill.invoice_line_ids.sorted("price_unit"),
            [
                {"price_unit": 250_000, "tax_ids": []},
                {"price_unit": 750_000, "tax_ids": self.company.commission_pit_tax_id.ids},
            ],
        )
        self.assertRecordValues(bill, [{"amount_tax": -75_000, "amount_total": 925_000}])
        self.assertRecordValues(refund, [{"withholding_amount": -75_000, "net_amount": -925_000}])
        self.assertIn("75%", refund.withholding_reason)

    def test_credit_note_without_withholding_reverses_nothing(self):
        self._posted(REVENUE_1_999_999)
        refund = self._credit_note(-500_000)
        self.assertRecordValues(refund.bill_id, [{"amount_tax": 0, "amount_total": 500_000}])
        self.assertEqual(refund.withholding_amount, 0)
        self.assertIn("none to reverse", refund.withholding_reason)

    # ------------------------------------------------------------------
    # Year-end report
    # ------------------------------------------------------------------
    def _year_of_bills(self):
        """Posted: An 3,000,000 (withheld), a credit note of 1,000,000 for An, Bình 1,999,999
        with a commitment; a draft bill of An that does not count."""
        self.payee_2.write(
            {
                "vat": "8012345678",
                "commission_pit_commitment": True,
                "commission_pit_commitment_date": datetime.date(2026, 2, 1),
                "commission_pit_commitment_year": YEAR,
            }
        )
        posted = self._posted(60_000_000).bill_id
        refund = self._credit_note(-1_000_000)
        refund.bill_id.action_post()
        posted |= refund.bill_id
        posted |= self._posted(REVENUE_1_999_999, user=self.salesperson_2).bill_id
        draft = self._billed(REVENUE_2_000_000).bill_id
        return posted, draft

    def test_year_end_totals_equal_posted_bills(self):
        posted, draft = self._year_of_bills()
        self.assertEqual(draft.state, "draft")
        rows = self.env["commission.pit.report"]._get_year_rows(self.company, YEAR)
        self.assertRecordValues(
            rows,
            [
                {
                    "partner_id": self.payee_2.id,
                    "tax_code": "8012345678",
                    "commitment": True,
                    "amount_paid": 1_999_999,
                    "amount_withheld": 0,
                    "amount_net": 1_999_999,
                    "bill_count": 1,
                },
                {
                    "partner_id": self.payee.id,
                    "tax_code": False,
                    "commitment": False,
                    "amount_paid": 2_000_000,
                    "amount_withheld": 200_000,
                    "amount_net": 1_800_000,
                    "bill_count": 2,
                },
            ],
        )

        def signed(move, amount):
            return amount if move.move_type == "in_invoice" else -amount

        self.assertEqual(
            sum(rows.mapped("amount_paid")),
            sum(signed(move, move.amount_untaxed) for move in posted),
        )
        self.assertEqual(
            sum(rows.mapped("amount_withheld")),
            sum(signed(move, -move.amount_tax) for move in posted),
        )
        self.assertEqual(
            sum(rows.mapped("amount_net")),
            sum(signed(move, move.amount_total) for move in posted),
        )
        self.assertFalse(self.env["commission.pit.report"]._get_year_rows(self.company, YEAR - 1))

    def _export(self, user, **values):
        wizard = (
            self.env["commission.pit.year.export"]
            .with_user(user)
            .create({"company_id": self.company.id, "year": YEAR, "lang": "en_US", **values})
        )
        wizard.action_export()
        return wizard

    def test_year_end_xlsx(self):
        self._year_of_bills()
        employee = self.env["res.partner"].create(
            {"name": "Võ Thị Nhân Viên", "commission_labour_contract": True, "vat": "0312345678"}
        )
        self.salesperson.commission_payee_id = employee
        self.env["res.partner.bank"].create({"acc_number": "0071000999", "partner_id": employee.id})
        self._posted(REVENUE_2_000_000)
        wizard = self._export(self.accountant)
        self.assertEqual(wizard.filename, "commission_pit_2026.xlsx")
        self.assertEqual(wizard.row_count, 3)
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.data)))
        self.assertEqual(book.sheetnames, ["PIT withheld", "For payroll"])
        sheet = book["PIT withheld"]
        self.assertIn("income paid and personal income tax withheld", sheet["A1"].value)
        self.assertEqual((sheet["A2"].value, sheet["C2"].value), ("Year", "2026"))
        self.assertEqual(sheet["C3"].value, self.company.name)
        self.assertEqual(sheet["C5"].value, "VND")
        self.assertEqual(
            [cell.value for cell in sheet[7]],
            [
                "No.",
                "Full name",
                "Tax code",
                "Taxable income paid",
                "PIT withheld",
                "Commitment (cam kết)",
            ],
        )
        self.assertEqual(
            [cell.value for cell in sheet[8]],
            [1, "Lê Thị Bình", "8012345678", 1_999_999, 0, "Yes"],
        )
        self.assertEqual(
            [cell.value for cell in sheet[9]], [2, "Nguyễn Văn An", None, 2_000_000, 200_000, "No"]
        )
        self.assertEqual(
            [cell.value for cell in sheet[10]][1:5], ["Total", None, 3_999_999, 200_000]
        )
        payroll = book["For payroll"]
        self.assertEqual(
            [cell.value for cell in payroll[8]], [1, "Võ Thị Nhân Viên", "0312345678", 2_000_000]
        )

    def test_year_end_export_of_an_empty_year_is_explained(self):
        with self.assertRaisesRegex(UserError, "No commission was paid to an individual"):
            self._export(self.accountant)

    def test_year_end_report_access(self):
        self._year_of_bills()
        Report = self.env["commission.pit.report"]
        for user in (self.accountant, self.admin):
            rows = Report.with_user(user).search([("year", "=", YEAR)])
            self.assertEqual(len(rows), 2)
            self.assertEqual(sum(rows.mapped("amount_withheld")), 200_000)
            self.assertTrue(self._export(user).data)
        for user in (self.salesperson, self.manager):
            with self.assertRaises(AccessError):
                Report.with_user(user).search_read([("year", "=", YEAR)], ["amount_paid"])
            with self.assertRaises(AccessError):
                Report.with_user(user).formatted_read_group([], ["year"], ["amount_paid:sum"])
            with self.assertRaises(AccessError):
                self._export(user)
        # another company's accountant does not see these payees
        other = self.env["res.company"].create({"name": "Công ty khác"})
        outsider = new_test_user(
            self.env,
            login="ct_accountant_other",
            groups="account.group_account_invoice",
            company_id=other.id,
            company_ids=[Command.set(other.ids)],
        )
        self.assertFalse(
            Report.with_user(outsider).with_context(allowed_company_ids=other.ids).search([])
        )


@tagged("post_install", "-at_install")
@freeze_time(BILL_DAY)
class TestPitWithholdingPortal(HttpCase, StatementCommon):
    """A referrer paid through the portal sees the gross, the tax withheld and the net."""

    def test_portal_payee_sees_gross_withheld_net(self):
        account = self.env["account.account"].create(
            {
                "name": "Thuế thu nhập cá nhân",
                "code": "333510",
                "account_type": "liability_current",
                "company_ids": [Command.set(self.company.ids)],
            }
        )
        self.company.write(
            {"commission_pit_withholding": True, "commission_pit_account_id": account.id}
        )
        portal = new_test_user(
            self.env,
            login="ct_portal_pit",
            name="Võ Minh Giới Thiệu",
            groups="base.group_portal",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.env["res.partner.bank"].create(
            {"acc_number": "0071000123456", "partner_id": portal.partner_id.id}
        )
        self.salesperson.commission_payee_id = portal.partner_id
        statement = self._approved(revenue=REVENUE_2_000_000)
        statement.action_create_bills()
        mine = statement.with_user(portal)
        self.assertRecordValues(mine, [{"withholding_amount": 200_000, "net_amount": 1_800_000}])
        self.assertEqual((statement.date_from, statement.date_to), (MARCH_FROM, MARCH_TO))
        self.authenticate("ct_portal_pit", "ct_portal_pit")
        response = self.url_open(f"/my/commissions/{statement.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("o_commission_withholding", response.text)
        self.assertIn("Personal income tax withheld", response.text)
        self.assertIn("Net payable", response.text)
        self.assertIn("1,800,000", response.text)
