import datetime
import io

import xlsxwriter

from odoo import fields, models

XLSX_CHUNK = 2000  # statement lines read (and dropped from the cache) at a time


class CommissionStatement(models.Model):
    _inherit = "commission.statement"

    def message_post(self, **kwargs):
        """Attach the workbook to the approval e-mail, in the payee's language."""
        if (
            self.env.context.get("commission_attach_statement_xlsx")
            and len(self) == 1
            and self.company_id.commission_statement_xlsx_mail
        ):
            statement = self.with_context(
                lang=self.partner_id.lang or self.env.lang,
                commission_attach_statement_xlsx=False,
            )
            attachment = (statement._xlsx_filename(), statement._generate_xlsx())
            kwargs["attachments"] = [*(kwargs.get("attachments") or []), attachment]
        return super().message_post(**kwargs)

    def _portal_xlsx_available(self):
        return True

    def _portal_xlsx_content(self):
        """Served by the portal route, which has checked the payee's access."""
        self.ensure_one()
        return self._xlsx_filename(), self._generate_xlsx()

    def _xlsx_filename(self):
        self.ensure_one()
        return "%s.xlsx" % (self.name or "statement").replace("/", "-")

    def action_download_xlsx(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/commission_tracking/statement/{self.id}/xlsx",
            "target": "download",
        }

    def _xlsx_number_format(self):
        self.ensure_one()
        digits = self.currency_id.decimal_places
        return "#,##0" + ("." + "0" * digits if digits else "")

    def _generate_xlsx(self):
        """The statement as an Excel workbook (header, lines, totals with formulas).

        Written row by row in xlsxwriter's constant-memory mode; texts follow the language of
        the environment (the user's language).
        """
        self.ensure_one()
        statement = self.sudo()  # the caller checked access to this statement
        buffer = io.BytesIO()
        # constant memory: rows are flushed to a temporary file as they are written
        # (xlsxwriter ignores constant_memory when in_memory is set)
        workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True})
        bold = workbook.add_format({"bold": True})
        title = workbook.add_format({"bold": True, "font_size": 14})
        header = workbook.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
        money = workbook.add_format({"num_format": self._xlsx_number_format()})
        money_bold = workbook.add_format({"num_format": self._xlsx_number_format(), "bold": True})
        number = workbook.add_format({"num_format": "#,##0.####"})
        date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        sheet = workbook.add_worksheet(self.env._("Statement")[:31])
        sheet.set_column(0, 0, 12)
        sheet.set_column(1, 3, 28)
        sheet.set_column(4, 6, 16)
        sheet.set_column(7, 7, 60)
        states = dict(statement._fields["state"]._description_selection(self.env))
        Line = self.env["commission.line"].sudo()
        line_states = dict(Line._fields["state"]._description_selection(self.env))
        sheet.write(0, 0, self.env._("Commission statement"), title)
        info = [
            (self.env._("Payee"), statement.partner_id.name or ""),
            (self.env._("Salesperson"), statement.user_id.name or ""),
            (self.env._("Company"), statement.company_id.name),
            (self.env._("Period"), "%s → %s" % (statement.date_from, statement.date_to)),
            (self.env._("Status"), states.get(statement.state, "")),
            (self.env._("Payment date"), statement.payment_date or ""),
            (self.env._("Currency"), statement.currency_id.name),
        ]
        row = 2
        for label, value in info:
            sheet.write(row, 0, label, bold)
            if isinstance(value, datetime.date):
                sheet.write_datetime(row, 1, fields.Datetime.to_datetime(value), date)
            else:
                sheet.write(row, 1, value)
            row += 1
        row += 1
        columns = [
            self.env._("Date"),
            self.env._("Source"),
            self.env._("Plan"),
            self.env._("Rule"),
            self.env._("Base"),
            self.env._("Rate"),
            self.env._("Amount"),
            self.env._("Explanation"),
            self.env._("Status"),
        ]
        sheet.write_row(row, 0, columns, header)
        header_row = row
        # read in chunks, each dropped from the cache once written: the memory used does not
        # grow with the number of lines (same order as before: by date, newest id first)
        line_ids = Line.search(
            [("statement_id", "=", statement.id), ("state", "!=", "cancel")],
            order="date, id desc",
        ).ids
        for start in range(0, len(line_ids), XLSX_CHUNK):
            chunk = Line.browse(line_ids[start : start + XLSX_CHUNK])
            row = self._xlsx_write_lines(sheet, row, chunk, line_states, money, number, date)
            chunk.invalidate_recordset()
        row += 1
        gross = "withholding_amount" in statement._fields
        sheet.write(row, 5, self.env._("Gross") if gross else self.env._("Total"), bold)
        first, last = header_row + 2, row  # spreadsheet rows are 1-based
        total = statement.amount_total
        if line_ids:
            sheet.write_formula(row, 6, f"=SUM(G{first}:G{last})", money_bold, total)
        else:
            sheet.write_number(row, 6, 0, money_bold)
        total_row = row
        if "withholding_amount" in statement._fields:
            # gross (the total above), withheld (personal income tax...) and net paid
            row += 1
            sheet.write(row, 5, self.env._("Withheld"), bold)
            sheet.write_number(row, 6, statement.withholding_amount or 0.0, money)
            if "withholding_reason" in statement._fields and statement.withholding_reason:
                sheet.write(row, 7, statement.withholding_reason)
            row += 1
            sheet.write(row, 5, self.env._("Net"), bold)
            net = statement.net_amount if "net_amount" in statement._fields else None
            if net is None:
                net = total - (statement.withholding_amount or 0.0)
            sheet.write_formula(row, 6, f"=G{total_row + 1}-G{row}", money_bold, net)
        sheet.freeze_panes(header_row + 1, 0)
        sheet.autofilter(header_row, 0, max(total_row - 1, header_row), len(columns) - 1)
        workbook.close()
        return buffer.getvalue()

    def _xlsx_write_lines(self, sheet, row, lines, line_states, money, number, date):
        """Write ``lines`` below ``row``; returns the last row written."""
        for line in lines:
            row += 1
            sheet.write_datetime(row, 0, fields.Datetime.to_datetime(line.date), date)
            sheet.write(row, 1, line.name or "")
            sheet.write(row, 2, line.plan_id.name or self.env._("Adjustment"))
            sheet.write(row, 3, line.rule_id.display_name or line.adjustment_reason or "")
            if line.rule_base in ("revenue", "margin"):
                sheet.write_number(row, 4, line.base_amount, money)
            else:
                sheet.write_number(row, 4, line.base_qty, number)
            sheet.write_number(row, 5, line.rate, number)
            sheet.write_number(row, 6, line.amount, money)
            sheet.write(row, 7, line.explanation or "")
            sheet.write(row, 8, line_states.get(line.state, ""))
        return row
