import datetime
import io
import zipfile
from unittest.mock import patch

import openpyxl

from odoo.tests import HttpCase, tagged

from .common import ReportCommon

DATE_FROM, DATE_TO = datetime.date(2026, 3, 1), datetime.date(2026, 4, 30)
SHEETS = ["By salesperson", "By product", "By partner", "By month", "Lines"]


@tagged("post_install", "-at_install")
class TestAnalysisWorkbook(ReportCommon):
    def _workbook(self, user, team=None):
        Analysis = self.env["commission.analysis"].with_user(user)
        with patch(
            "odoo.addons.commission_tracking_report.models.commission_analysis_xlsx.BATCH_SIZE", 3
        ):
            content = Analysis._generate_period_workbook(DATE_FROM, DATE_TO, team)
        return content

    def test_sheets_totals_formats_and_charts(self):
        content = self._workbook(self.manager)
        book = openpyxl.load_workbook(io.BytesIO(content), data_only=True)
        self.assertEqual(book.sheetnames, SHEETS)
        sheet = book["By salesperson"]
        self.assertEqual(sheet["A1"].value, "By salesperson")
        self.assertEqual(
            [c.value for c in sheet[4]][:6],
            [
                "Name",
                "Deals",
                "Base",
                "Commission on revenue and margin",
                "Commission",
                "Effective rate (%)",
            ],
        )
        # best first; the other team's seller is not in the manager's workbook
        self.assertEqual(sheet["A5"].value, "Nguyễn Văn An")
        self.assertEqual(sheet["E5"].value, 13_800_000)
        self.assertEqual(sheet["B5"].value, 6)
        self.assertAlmostEqual(sheet["F5"].value, 10_300_000 / 190_000_000 * 100)
        self.assertEqual(sheet["A6"].value, "Lê Thị Bình")
        self.assertEqual(sheet["E6"].value, 3_000_000)
        self.assertEqual(sheet["A7"].value, "Total")
        self.assertEqual(sheet["E7"].value, 16_800_000)
        self.assertEqual(sheet["E5"].number_format, "#,##0")  # VND: no decimals
        self.assertEqual(sheet.freeze_panes, "B5")
        self.assertEqual(sheet.auto_filter.ref, "A4:F6")
        formulas = openpyxl.load_workbook(io.BytesIO(content))["By salesperson"]
        self.assertEqual(formulas["E7"].value, "=SUM(E5:E6)")
        self.assertEqual(formulas["F5"].value, "=IF(C5=0,0,D5/C5*100)")
        months = book["By month"]
        self.assertEqual([months["A5"].value, months["A6"].value], ["2026-03", "2026-04"])
        self.assertEqual(months["E5"].value + months["E6"].value, 16_800_000)
        products = book["By product"]
        labels = {products.cell(row, 1).value: products.cell(row, 5).value for row in (5, 6, 7)}
        self.assertEqual(labels["Giấy phép phần mềm"], 2_000_000)
        self.assertEqual(labels["Đào tạo"], 300_000)
        # native charts: bar, bar, pie, line
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            charts = sorted(n for n in archive.namelist() if n.startswith("xl/charts/chart"))
            self.assertEqual(len(charts), 4)
            kinds = [archive.read(name).decode() for name in charts]
        self.assertEqual(sum("<c:barChart>" in xml for xml in kinds), 2)
        self.assertEqual(sum("<c:pieChart>" in xml for xml in kinds), 1)
        self.assertEqual(sum("<c:lineChart>" in xml for xml in kinds), 1)

    def test_lines_sheet_is_written_in_batches(self):
        content = self._workbook(self.manager)
        sheet = openpyxl.load_workbook(io.BytesIO(content), data_only=True)["Lines"]
        rows = list(sheet.iter_rows(min_row=5, values_only=True))
        lines, total = rows[:-1], rows[-1]
        self.assertEqual(len(lines), 10)  # read 3 by 3
        self.assertEqual(sum(row[11] for row in lines), 16_800_000)
        self.assertEqual(total[10:12], ("Total", 16_800_000))
        self.assertEqual(sheet.freeze_panes, "A5")
        dates = [row[0] for row in lines]
        self.assertEqual(dates, sorted(dates))

    def test_salesperson_workbook_holds_own_lines_and_team_filter(self):
        sheet = openpyxl.load_workbook(
            io.BytesIO(self._workbook(self.salesperson_2)), data_only=True
        )["By salesperson"]
        self.assertEqual(sheet["A5"].value, "Lê Thị Bình")
        self.assertEqual(sheet["A6"].value, "Total")
        book = openpyxl.load_workbook(
            io.BytesIO(self._workbook(self.admin, team=self.other_team)), data_only=True
        )
        self.assertEqual(book["By salesperson"]["A5"].value, "Đỗ Văn Cường")
        self.assertEqual(book["By salesperson"]["E6"].value, 1_500_000)

    def test_workbook_in_vietnamese(self):
        self.env["res.lang"]._activate_lang("vi_VN")
        self.env["ir.module.module"]._load_module_terms(["commission_tracking_report"], ["vi_VN"])
        Analysis = (
            self.env["commission.analysis"].with_user(self.manager).with_context(lang="vi_VN")
        )
        content = Analysis._generate_period_workbook(DATE_FROM, DATE_TO)
        book = openpyxl.load_workbook(io.BytesIO(content), data_only=True)
        self.assertEqual(
            book.sheetnames,
            ["Theo nhân viên bán hàng", "Theo sản phẩm", "Theo đối tác", "Theo tháng", "Các dòng"],
        )
        sheet = book["Theo nhân viên bán hàng"]
        self.assertEqual(sheet["F4"].value, "Tỷ lệ hoa hồng thực tế (%)")
        self.assertEqual(sheet["A7"].value, "Tổng cộng")

    def test_export_wizard(self):
        wizard = (
            self.env["commission.analysis.export"]
            .with_user(self.manager)
            .create({"date_from": DATE_FROM, "date_to": DATE_TO, "team_id": self.team.id})
        )
        action = wizard.action_export()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertIn("/commission_tracking_report/analysis/xlsx?", action["url"])
        self.assertIn(f"team_id={self.team.id}", action["url"])


@tagged("post_install", "-at_install")
class TestAnalysisWorkbookRoute(HttpCase, ReportCommon):
    def test_route_applies_rules(self):
        url = "/commission_tracking_report/analysis/xlsx?date_from=2026-03-01&date_to=2026-04-30"
        self.authenticate("ct_sales_binh", "ct_sales_binh")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("spreadsheetml", response.headers["Content-Type"])
        sheet = openpyxl.load_workbook(io.BytesIO(response.content), data_only=True)[
            "By salesperson"
        ]
        self.assertEqual(sheet["A5"].value, "Lê Thị Bình")
        self.assertEqual(sheet["E5"].value, 3_000_000)
        self.assertEqual(sheet["A6"].value, "Total")
        self.assertEqual(self.url_open(url.replace("2026-03-01", "nonsense")).status_code, 404)

    def test_route_refuses_users_without_commission_rights(self):
        from odoo.tests import new_test_user

        new_test_user(self.env, login="ct_nobody", groups="base.group_user")
        self.authenticate("ct_nobody", "ct_nobody")
        response = self.url_open(
            "/commission_tracking_report/analysis/xlsx?date_from=2026-03-01&date_to=2026-04-30"
        )
        self.assertEqual(response.status_code, 404)
