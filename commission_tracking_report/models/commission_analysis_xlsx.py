import io

import xlsxwriter

from odoo import api, fields, models
from odoo.tools import split_every

# Rows read per batch for the detail sheet: memory stays flat whatever the number of lines.
BATCH_SIZE = 2000


class CommissionAnalysis(models.Model):
    _inherit = "commission.analysis"

    @api.model
    def _period_workbook_domain(self, date_from, date_to, team=None):
        domain = [
            ("kind", "=", "earned"),
            ("date", ">=", date_from),
            ("date", "<=", date_to),
            ("company_id", "in", self.env.companies.ids),
        ]
        if team:
            domain.append(("team_id", "=", team.id))
        return domain

    @api.model
    def _period_workbook_filename(self, date_from, date_to, team=None):
        name = self.env._("Commission analysis")
        parts = [name, str(date_from), str(date_to)] + ([team.name] if team else [])
        return "%s.xlsx" % " ".join(parts).replace("/", "-")

    @api.model
    def _period_workbook_views(self):
        """(sheet title, group by, chart type) of the summary sheets."""
        return [
            (self.env._("By salesperson"), "user_id", "bar"),
            (self.env._("By product"), "product_id", "bar"),
            (self.env._("By partner"), "partner_id", "pie"),
            (self.env._("By month"), "date:month", "line"),
        ]

    @api.model
    def _generate_period_workbook(self, date_from, date_to, team=None):
        """The managers' period workbook: a sheet per view with a native chart, and the lines.

        Read as the current user: the record rules of the analysis decide what it contains.
        Written in xlsxwriter's constant-memory mode, row after row; the lines are read in
        batches, so a workbook of 100,000 lines does not hold them all in memory.
        """
        domain = self._period_workbook_domain(date_from, date_to, team)
        currency = self.env.company.currency_id
        digits = currency.decimal_places
        money_format = "#,##0" + ("." + "0" * digits if digits else "")
        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True})
        styles = {
            "title": workbook.add_format({"bold": True, "font_size": 14}),
            "header": workbook.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1}),
            "money": workbook.add_format({"num_format": money_format}),
            "money_bold": workbook.add_format({"num_format": money_format, "bold": True}),
            "rate": workbook.add_format({"num_format": "0.00"}),
            "rate_bold": workbook.add_format({"num_format": "0.00", "bold": True}),
            "int": workbook.add_format({"num_format": "#,##0"}),
            "bold": workbook.add_format({"bold": True}),
            "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        }
        subtitle = self.env._(
            "%(date_from)s → %(date_to)s, %(currency)s",
            date_from=date_from,
            date_to=date_to,
            currency=currency.name,
        )
        if team:
            subtitle = f"{subtitle} · {team.name}"
        for title, groupby, chart_type in self._period_workbook_views():
            self._write_summary_sheet(
                workbook, styles, title, subtitle, domain, groupby, chart_type
            )
        self._write_lines_sheet(workbook, styles, subtitle, domain)
        workbook.close()
        return buffer.getvalue()

    @api.model
    def _summary_label(self, key, groupby):
        if not key:
            return self.env._("None")
        if groupby.startswith("date"):
            return fields.Date.to_string(key)[:7]
        return key.display_name

    def _write_summary_sheet(self, workbook, styles, title, subtitle, domain, groupby, chart):
        sheet = workbook.add_worksheet(title[:31])
        sheet.set_column(0, 0, 32)
        sheet.set_column(1, 1, 10)
        sheet.set_column(2, 5, 20)
        sheet.write(0, 0, title, styles["title"])
        sheet.write(1, 0, subtitle)
        header_row = 3
        sheet.write_row(
            header_row,
            0,
            [
                self.env._("Name"),
                self.env._("Deals"),
                self.env._("Base"),
                self.env._("Commission on revenue and margin"),
                self.env._("Commission"),
                self.env._("Effective rate (%)"),
            ],
            styles["header"],
        )
        groups = self._read_group(
            domain,
            [groupby],
            ["deal_count:sum", "base_amount:sum", "rated_amount:sum", "amount:sum"],
            order="amount:sum DESC" if not groupby.startswith("date") else f"{groupby} ASC",
        )
        row = header_row
        for key, deals, base, rated, amount in groups:
            row += 1
            excel_row = row + 1
            sheet.write(row, 0, self._summary_label(key, groupby))
            sheet.write_number(row, 1, deals, styles["int"])
            sheet.write_number(row, 2, base, styles["money"])
            sheet.write_number(row, 3, rated, styles["money"])
            sheet.write_number(row, 4, amount, styles["money"])
            sheet.write_formula(
                row,
                5,
                f"=IF(C{excel_row}=0,0,D{excel_row}/C{excel_row}*100)",
                styles["rate"],
                rated / base * 100 if base else 0,
            )
        first, last = header_row + 2, row + 1
        total_row = row + 1
        sheet.write(total_row, 0, self.env._("Total"), styles["bold"])
        totals = [sum(group[i] for group in groups) for i in (2, 3, 4)]
        for column, letter, value in zip((2, 3, 4), "CDE", totals, strict=True):
            formula = f"=SUM({letter}{first}:{letter}{last})" if groups else "=0"
            sheet.write_formula(total_row, column, formula, styles["money_bold"], value)
        sheet.write_formula(
            total_row,
            5,
            f"=IF(C{total_row + 1}=0,0,D{total_row + 1}/C{total_row + 1}*100)",
            styles["rate_bold"],
            totals[1] / totals[0] * 100 if totals[0] else 0,
        )
        sheet.freeze_panes(header_row + 1, 1)
        sheet.autofilter(header_row, 0, max(row, header_row), 5)
        if groups:
            chart_obj = workbook.add_chart({"type": chart})
            chart_obj.add_series(
                {
                    "name": self.env._("Commission"),
                    "categories": [sheet.name, header_row + 1, 0, row, 0],
                    "values": [sheet.name, header_row + 1, 4, row, 4],
                }
            )
            chart_obj.set_title({"name": title})
            if chart != "pie":
                chart_obj.set_legend({"none": True})
            sheet.insert_chart(header_row, 7, chart_obj, {"x_scale": 1.4, "y_scale": 1.4})
        return sheet

    def _write_lines_sheet(self, workbook, styles, subtitle, domain):
        sheet = workbook.add_worksheet(self.env._("Lines")[:31])
        sheet.set_column(0, 0, 12)
        sheet.set_column(1, 7, 24)
        sheet.set_column(8, 11, 16)
        sheet.write(0, 0, self.env._("Commission lines"), styles["title"])
        sheet.write(1, 0, subtitle)
        header_row = 3
        columns = [
            self.env._("Date"),
            self.env._("Source"),
            self.env._("Salesperson"),
            self.env._("Sales team"),
            self.env._("Payee"),
            self.env._("Customer"),
            self.env._("Product"),
            self.env._("Plan"),
            self.env._("Status"),
            self.env._("Base"),
            self.env._("Effective rate (%)"),
            self.env._("Commission"),
        ]
        sheet.write_row(header_row, 0, columns, styles["header"])
        states = dict(self._fields["state"]._description_selection(self.env))
        names = ["user_id", "team_id", "partner_id", "customer_id", "product_id", "plan_id"]
        row = header_row
        total = 0.0
        for ids in split_every(BATCH_SIZE, self.search(domain, order="date, id").ids):
            batch = self.browse(ids)
            for record in batch:
                row += 1
                sheet.write_datetime(
                    row, 0, fields.Datetime.to_datetime(record.date), styles["date"]
                )
                sheet.write(row, 1, record.name or "")
                for column, name in enumerate(names, start=2):
                    sheet.write(row, column, record[name].display_name or "")
                sheet.write(row, 8, states.get(record.state, ""))
                sheet.write_number(row, 9, record.base_amount, styles["money"])
                sheet.write_number(row, 10, record.effective_rate, styles["rate"])
                sheet.write_number(row, 11, record.amount, styles["money"])
                total += record.amount
            # drop the batch from the cache before reading the next one
            self.env.invalidate_all()
        total_row = row + 1
        sheet.write(total_row, 10, self.env._("Total"), styles["bold"])
        if row > header_row:
            formula = f"=SUM(L{header_row + 2}:L{row + 1})"
        else:
            formula = "=0"
        sheet.write_formula(total_row, 11, formula, styles["money_bold"], total)
        sheet.freeze_panes(header_row + 1, 0)
        sheet.autofilter(header_row, 0, max(row, header_row), len(columns) - 1)
        return sheet
