import base64
import datetime
import io

import openpyxl

from odoo import Command
from odoo.tests import tagged

from odoo.addons.commission_tracking.tests.test_statement import StatementCommon

from .common import ReportCommon


@tagged("post_install", "-at_install")
class TestTeamReports(ReportCommon):
    def _team_mails(self, team):
        return self.env["mail.mail"].search([("model", "=", "crm.team"), ("res_id", "=", team.id)])

    def test_monthly_mail_to_each_team_leader(self):
        mails = self.env["crm.team"]._cron_send_commission_reports(today=datetime.date(2026, 4, 15))
        mine = self._team_mails(self.team)
        self.assertEqual(len(mine), 1)
        self.assertIn(mine, mails)
        self.assertEqual(mine.recipient_ids, self.manager.partner_id)
        self.assertIn("2026-03-01", mine.subject)
        self.assertEqual(len(mine.attachment_ids), 1)
        self.assertTrue(mine.attachment_ids.name.endswith(".xlsx"))
        book = openpyxl.load_workbook(
            io.BytesIO(base64.b64decode(mine.attachment_ids.datas)), data_only=True
        )
        sheet = book["By salesperson"]
        # March only, the team only, as the leader sees it
        names = {sheet.cell(row, 1).value for row in range(5, 7)}
        self.assertEqual(names, {"Nguyễn Văn An", "Lê Thị Bình"})
        self.assertEqual(sheet["A7"].value, "Total")
        # A 6M + license 2M + training 0.3M + referral 1M + C 3M
        self.assertEqual(sheet["E7"].value, 12_300_000)
        other = self._team_mails(self.other_team)
        self.assertEqual(other.recipient_ids, self.other_leader.partner_id)
        other_sheet = openpyxl.load_workbook(
            io.BytesIO(base64.b64decode(other.attachment_ids.datas)), data_only=True
        )["By salesperson"]
        self.assertEqual(other_sheet["A5"].value, "Đỗ Văn Cường")

    def test_recipients_are_configurable_and_empty_months_skipped(self):
        board = self.env["res.partner"].create(
            {"name": "Ban giám đốc", "email": "board@example.com"}
        )
        self.team.commission_report_partner_ids = [Command.set(board.ids)]
        self.env["crm.team"]._cron_send_commission_reports(today=datetime.date(2026, 4, 15))
        self.assertEqual(self._team_mails(self.team).recipient_ids, board)
        # nothing earned in January: no e-mail
        self.env["mail.mail"].search([("model", "=", "crm.team")]).unlink()
        self.env["crm.team"]._cron_send_commission_reports(today=datetime.date(2026, 2, 10))
        self.assertFalse(self._team_mails(self.team))

    def test_company_can_switch_it_off(self):
        self.company.commission_team_report_mail = False
        self.env["crm.team"]._cron_send_commission_reports(today=datetime.date(2026, 4, 15))
        self.assertFalse(self._team_mails(self.team))
        cron = self.env.ref("commission_tracking_report.ir_cron_commission_team_reports")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "months"))


@tagged("post_install", "-at_install")
class TestApprovedStatementMail(StatementCommon):
    def test_approval_mail_carries_the_workbook(self):
        statement = self._approved()
        mails = self.env["mail.mail"].search(
            [("model", "=", "commission.statement"), ("res_id", "=", statement.id)]
        )
        approval = mails.filtered(lambda mail: "approved" in (mail.subject or ""))
        self.assertEqual(len(approval), 1)
        self.assertIn(self.salesperson.partner_id, approval.recipient_ids)
        xlsx = approval.attachment_ids.filtered(lambda a: a.name.endswith(".xlsx"))
        self.assertEqual(xlsx.name, statement._xlsx_filename())
        sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(xlsx.datas))).active
        self.assertEqual(sheet["B3"].value, "Nguyễn Văn An")
        self.assertEqual(sheet["B7"].value, "Approved")

    def test_approval_mail_without_workbook_when_switched_off(self):
        self.company.commission_statement_xlsx_mail = False
        statement = self._approved()
        messages = statement.message_ids.filtered(lambda m: "approved" in (m.subject or ""))
        self.assertEqual(len(messages), 1)
        self.assertFalse(messages.attachment_ids)
