import io

import openpyxl

from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.commission_tracking.tests.test_statement import StatementCommon


@tagged("post_install", "-at_install")
class TestStatementXlsx(StatementCommon):
    def test_workbook_content(self):
        self._statement(revenue=100_000_000)
        statement = self._statement(revenue=60_000_000)  # same March statement, 2 lines
        content = statement.with_user(self.salesperson)._generate_xlsx()
        book = openpyxl.load_workbook(io.BytesIO(content), data_only=True)
        sheet = book.active
        self.assertEqual(sheet["A1"].value, "Commission statement")
        self.assertEqual(sheet["B3"].value, "Nguyễn Văn An")
        self.assertEqual(sheet["B9"].value, "VND")
        header_row = 11
        self.assertEqual(sheet.cell(header_row, 7).value, "Amount")
        amounts = [sheet.cell(header_row + i, 7).value for i in (1, 2)]
        self.assertEqual(sorted(amounts), [3_000_000, 5_000_000])
        self.assertEqual(sheet.cell(header_row + 3, 7).value, 8_000_000)
        # VND has no decimals
        self.assertEqual(sheet.cell(header_row + 1, 7).number_format, "#,##0")
        self.assertEqual(sheet.freeze_panes, f"A{header_row + 1}")
        formulas = openpyxl.load_workbook(io.BytesIO(content)).active
        self.assertEqual(
            formulas.cell(header_row + 3, 7).value, f"=SUM(G{header_row + 1}:G{header_row + 2})"
        )

    def test_workbook_in_vietnamese(self):
        self.env["res.lang"]._activate_lang("vi_VN")
        self.env["ir.module.module"]._load_module_terms(
            ["commission_tracking", "commission_tracking_report"], ["vi_VN"]
        )
        statement = self._statement()
        content = statement.with_context(lang="vi_VN")._generate_xlsx()
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        self.assertEqual(sheet["A1"].value, "Bảng kê hoa hồng")
        self.assertEqual(sheet["A7"].value, "Trạng thái")
        self.assertEqual(sheet["B7"].value, "Nháp")


@tagged("post_install", "-at_install")
class TestStatementXlsxRoute(HttpCase, StatementCommon):
    def test_download_checks_access(self):
        mine = self._statement()
        theirs = self._statement(user=self.salesperson_2)
        self.authenticate("ct_sales_an", "ct_sales_an")
        response = self.url_open(f"/commission_tracking/statement/{mine.id}/xlsx")
        self.assertEqual(response.status_code, 200)
        self.assertIn("spreadsheetml", response.headers["Content-Type"])
        self.assertEqual(
            openpyxl.load_workbook(io.BytesIO(response.content)).active["B3"].value,
            "Nguyễn Văn An",
        )
        for statement_id in (theirs.id, 999_999):
            response = self.url_open(f"/commission_tracking/statement/{statement_id}/xlsx")
            self.assertEqual(response.status_code, 404)
            self.assertNotIn("Bình", response.text)


@tagged("post_install", "-at_install")
class TestPortalXlsx(HttpCase, StatementCommon):
    """With the reporting add-on, portal payees download their statement as XLSX."""

    def test_portal_payee_downloads_xlsx(self):
        portal_user = new_test_user(
            self.env,
            login="ct_portal_xlsx",
            name="Đại lý XLSX",
            groups="base.group_portal",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.salesperson.commission_payee_id = portal_user.partner_id
        statement = self._statement()
        statement.action_submit()
        statement.with_user(self.manager).action_approve()
        self.authenticate("ct_portal_xlsx", "ct_portal_xlsx")
        page = self.url_open(f"/my/commissions/{statement.id}")
        self.assertIn("Download XLSX", page.text)
        response = self.url_open(f"/my/commissions/{statement.id}?report_type=xlsx")
        self.assertEqual(response.status_code, 200)
        sheet = openpyxl.load_workbook(io.BytesIO(response.content), data_only=True).active
        self.assertEqual(sheet["B3"].value, "Đại lý XLSX")


@tagged("post_install", "-at_install")
class TestStatementXlsxWithholding(StatementCommon):
    def test_gross_withheld_net(self):
        statement = self._statement(revenue=100_000_000)
        if "withholding_amount" not in statement._fields:
            self.skipTest("commission_tracking does not withhold tax yet")
        content = statement._generate_xlsx()
        values = openpyxl.load_workbook(io.BytesIO(content), data_only=True).active
        formulas = openpyxl.load_workbook(io.BytesIO(content)).active
        rows = {
            values.cell(row, 6).value: row
            for row in range(1, values.max_row + 1)
            if values.cell(row, 6).value in ("Gross", "Withheld", "Net")
        }
        self.assertEqual(list(rows), ["Gross", "Withheld", "Net"])
        self.assertEqual(values.cell(rows["Gross"], 7).value, statement.amount_total)
        self.assertEqual(values.cell(rows["Withheld"], 7).value, statement.withholding_amount)
        self.assertEqual(values.cell(rows["Net"], 7).value, statement.net_amount)
        self.assertEqual(
            formulas.cell(rows["Net"], 7).value, f"=G{rows['Gross']}-G{rows['Withheld']}"
        )
        self.assertEqual(values.cell(rows["Net"], 7).number_format, "#,##0")
