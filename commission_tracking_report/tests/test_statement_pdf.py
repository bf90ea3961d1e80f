import datetime
import re

from odoo.tests import tagged

from odoo.addons.commission_tracking.tests.test_statement import StatementCommon

REPORT = "commission_tracking.action_report_commission_statement"


@tagged("post_install", "-at_install")
class TestStatementPdf(StatementCommon):
    """The statement PDF of commission_tracking, rendered with the reporting add-on installed."""

    def _html(self, statement, user=None):
        Report = self.env["ir.actions.report"]
        if user:
            Report = Report.with_user(user)
        html, report_type = Report._render_qweb_html(REPORT, statement.ids)
        self.assertEqual(report_type, "html")
        return re.sub(r"\s+", " ", html.decode())

    def test_key_text(self):
        self._statement(revenue=100_000_000)
        statement = self._statement(revenue=60_000_000)
        self._pay_statement(statement)
        html = self._html(statement, user=self.salesperson)
        self.assertIn("Commission statement", html)
        self.assertIn("Nguyễn Văn An", html)  # payee
        self.assertIn(self.company.name, html)  # letterhead
        self.assertIn("03/01/2026", html)  # period
        self.assertIn("03/31/2026", html)
        self.assertIn("8,000,000", html)  # total
        self.assertIn("5,000,000", html)  # a line
        self.assertIn("3,000,000", html)
        self.assertIn("Paid", html)  # state
        self.assertIn("04/20/2026", html)  # payment date
        for line in statement.line_ids:
            self.assertIn(line.explanation.splitlines()[0][:30], html)
        if "withholding_amount" in statement._fields and statement.withholding_reason:
            self.assertIn(statement.withholding_reason, html)

    def test_pdf_renders(self):
        statement = self._statement()
        Report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        pdf, report_type = Report._render_qweb_pdf(REPORT, statement.ids)
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))

    def test_vietnamese(self):
        self.env["res.lang"]._activate_lang("vi_VN")
        self.env["ir.module.module"]._load_module_terms(["commission_tracking"], ["vi_VN"])
        self.salesperson.partner_id.lang = "vi_VN"
        statement = self._statement()
        html = self._html(statement)
        self.assertIn("Nguyễn Văn An", html)
        self.assertIn("Bảng kê hoa hồng", html)

    def _pay_statement(self, statement):
        statement.action_submit()
        statement.with_user(self.manager).action_approve()
        statement.with_user(self.accountant).action_create_bills()
        bill = statement.bill_id
        bill.invoice_date = datetime.date(2026, 4, 10)
        bill.action_post()
        self._pay(bill)
        self.assertEqual(statement.state, "paid")
