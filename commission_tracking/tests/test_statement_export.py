import base64
import csv
import datetime
import io

import openpyxl

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import CommissionCommon

MARCH_FROM = datetime.date(2026, 3, 1)
MARCH_TO = datetime.date(2026, 3, 31)


@tagged("post_install", "-at_install")
class TestStatementExport(CommissionCommon):
    """Export of the approved statements of a period, for an external payroll."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson.partner_id.ref = "NV001"
        cls.accountant = new_test_user(
            cls.env,
            login="ct_accountant",
            name="Phạm Kế Toán",
            groups="account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls._create_plan([{"base": "revenue", "rate": 5}])
        Statement = cls.env["commission.statement"]
        cls._win(cls._create_lead(revenue=30_000_000), datetime.date(2026, 3, 12))
        lines = Statement._gather_lines(cls.company, MARCH_TO, include_open=True)
        cls.statement = Statement._generate_statements(cls.company, MARCH_FROM, MARCH_TO, lines)
        cls.statement.with_user(cls.manager).action_submit()
        cls.statement.with_user(cls.manager).action_approve()

    def _export(self, user, file_format, **values):
        wizard = (
            self.env["commission.statement.export"]
            .with_user(user)
            .create(
                {
                    "company_id": self.company.id,
                    "date_from": MARCH_FROM,
                    "date_to": MARCH_TO,
                    "file_format": file_format,
                    **values,
                }
            )
        )
        action = wizard.action_export()
        self.assertEqual(action["res_id"], wizard.id)
        self.assertTrue(wizard.filename.endswith(f".{file_format}"))
        return base64.b64decode(wizard.data)

    def test_fixture(self):
        self.assertRecordValues(
            self.statement,
            [
                {
                    "partner_id": self.salesperson.partner_id.id,
                    "state": "approved",
                    "amount_total": 1_500_000,
                    "currency_id": self.vnd.id,
                    "approved_by_id": self.manager.id,
                }
            ],
        )

    def test_export_csv(self):
        content = self._export(self.manager, "csv")
        self.assertFalse(content.startswith(b"\xef\xbb\xbf"), "no byte order mark")
        rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))
        self.assertEqual(
            rows,
            [
                [
                    "Payee",
                    "Employee reference",
                    "Salesperson",
                    "Period from",
                    "Period to",
                    "Amount",
                    "Currency",
                    "Status",
                    "Payment date",
                ],
                [
                    "Nguyễn Văn An",
                    "NV001",
                    "Nguyễn Văn An",
                    "2026-03-01",
                    "2026-03-31",
                    "1500000",
                    "VND",
                    "Approved",
                    "",
                ],
            ],
        )

    def test_export_xlsx(self):
        content = self._export(self.manager, "xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        values = [list(row) for row in sheet.iter_rows(values_only=True)]
        self.assertEqual(len(values), 2)
        self.assertEqual(
            values[0],
            [
                "Payee",
                "Employee reference",
                "Salesperson",
                "Period from",
                "Period to",
                "Amount",
                "Currency",
                "Status",
                "Payment date",
            ],
        )
        self.assertEqual(
            values[1],
            [
                "Nguyễn Văn An",
                "NV001",
                "Nguyễn Văn An",
                datetime.datetime(2026, 3, 1),
                datetime.datetime(2026, 3, 31),
                1_500_000,
                "VND",
                "Approved",
                None,
            ],
        )
        self.assertTrue(sheet.cell(1, 1).font.bold)
        self.assertEqual(sheet.freeze_panes, "A2")
        self.assertEqual(sheet.auto_filter.ref, "A1:I2")
        # VND has no decimals
        self.assertEqual(sheet.cell(2, 6).number_format, "#,##0")

    def test_export_as_accountant(self):
        content = self._export(self.accountant, "csv")
        rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))
        self.assertEqual([row[1] for row in rows[1:]], ["NV001"])

    def test_only_approved_statements_of_the_period(self):
        # a statement waiting for approval is not exported
        lead = self._win(self._create_lead(revenue=10_000_000), datetime.date(2026, 3, 20))
        self.assertTrue(self._lines(lead))
        Statement = self.env["commission.statement"]
        lines = Statement._gather_lines(self.company, MARCH_TO, include_open=True)
        pending = Statement._generate_statements(self.company, MARCH_FROM, MARCH_TO, lines)
        self.assertNotEqual(pending, self.statement)
        pending.with_user(self.manager).action_submit()
        content = self._export(self.manager, "csv")
        self.assertEqual(len(content.decode("utf-8").splitlines()), 2)
        # a period that does not overlap the statement's
        with self.assertRaises(UserError):
            self._export(
                self.manager,
                "csv",
                date_from=datetime.date(2026, 4, 1),
                date_to=datetime.date(2026, 4, 30),
            )
        # billed and paid statements can be left out
        self.statement.write({"state": "paid", "payment_date": datetime.date(2026, 4, 5)})
        content = self._export(self.manager, "csv")
        row = list(csv.reader(io.StringIO(content.decode("utf-8"))))[1]
        self.assertEqual((row[7], row[8]), ("Paid", "2026-04-05"))
        with self.assertRaises(UserError):
            self._export(self.manager, "csv", include_settled=False)

    def test_period_must_be_ordered(self):
        with self.assertRaises(UserError):
            self._export(self.manager, "csv", date_from=MARCH_TO, date_to=MARCH_FROM)

    def test_default_period_is_last_closed_month(self):
        wizard = self.env["commission.statement.export"].with_user(self.manager).create({})
        first, last = self.env["commission.statement"]._last_closed_month()
        self.assertEqual((wizard.date_from, wizard.date_to), (first, last))
        self.assertTrue(wizard.include_settled)
        self.assertEqual(wizard.company_id, self.company)

    def test_salesperson_cannot_export(self):
        with self.assertRaises(AccessError):
            self._export(self.salesperson, "csv")
