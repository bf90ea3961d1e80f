import base64
import csv
import io

import xlsxwriter

from odoo import fields, models
from odoo.exceptions import UserError

# Statements an external payroll pays (approved) or that were settled in Odoo (billed, paid).
APPROVED_STATES = ("approved",)
SETTLED_STATES = ("billed", "paid")
# Column keys, in file order (titles in ``_get_columns``).
COLUMNS = (
    "payee",
    "employee_ref",
    "salesperson",
    "date_from",
    "date_to",
    "amount",
    "currency",
    "state",
    "payment_date",
)
DATE_COLUMNS = {"date_from", "date_to", "payment_date"}
COLUMN_WIDTHS = {"payee": 30, "employee_ref": 18, "salesperson": 25, "amount": 16}


class CommissionStatementExport(models.TransientModel):
    """Export the approved statements of a period, for companies that pay their salespeople
    through an external payroll (CSV or XLSX, one row per statement)."""

    _name = "commission.statement.export"
    _description = "Export commission statements"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.companies.ids)],
    )
    date_from = fields.Date(
        string="Period from", required=True, default=lambda self: self._default_dates()[0]
    )
    date_to = fields.Date(
        string="Period to", required=True, default=lambda self: self._default_dates()[1]
    )
    include_settled = fields.Boolean(
        string="Include billed and paid",
        default=True,
        help="Also export the statements already billed or paid in Odoo. Unticked: only the "
        "approved statements that were not billed yet.",
    )
    file_format = fields.Selection(
        selection=[("csv", "CSV"), ("xlsx", "Excel (XLSX)")],
        string="Format",
        required=True,
        default="xlsx",
    )
    data = fields.Binary(string="File", readonly=True, attachment=False)
    filename = fields.Char(string="File name", readonly=True)
    statement_count = fields.Integer(string="Statements exported", readonly=True)

    def _default_dates(self):
        return self.env["commission.statement"]._last_closed_month()

    # ------------------------------------------------------------------
    # Content
    # ------------------------------------------------------------------
    def _get_states(self):
        self.ensure_one()
        return APPROVED_STATES + (SETTLED_STATES if self.include_settled else ())

    def _get_statements(self):
        """The statements of the company whose period overlaps the chosen one, as the user
        may read them (access rights and record rules apply)."""
        self.ensure_one()
        return self.env["commission.statement"].search(
            [
                ("company_id", "=", self.company_id.id),
                ("state", "in", self._get_states()),
                ("date_from", "<=", self.date_to),
                ("date_to", ">=", self.date_from),
            ],
            order="partner_id, date_from, id",
        )

    def _get_columns(self):
        """(key, title) of the columns, in file order."""
        titles = [
            self.env._("Payee"),
            self.env._("Employee reference"),
            self.env._("Salesperson"),
            self.env._("Period from"),
            self.env._("Period to"),
            self.env._("Amount"),
            self.env._("Currency"),
            self.env._("Status"),
            self.env._("Payment date"),
        ]
        return list(zip(COLUMNS, titles, strict=True))

    def _prepare_row(self, statement, state_labels):
        """Values of one statement by column key. The employee reference is the payee
        contact's reference (``ref``); the amount is rounded to the currency's decimals."""
        currency = statement.currency_id
        return {
            "payee": statement.partner_id.name or "",
            "employee_ref": statement.partner_id.ref or "",
            "salesperson": statement.user_id.name or "",
            "date_from": statement.date_from,
            "date_to": statement.date_to,
            "amount": currency.round(statement.amount_total),
            "currency": currency.name,
            "state": state_labels.get(statement.state, statement.state),
            "payment_date": statement.payment_date or False,
        }

    def _get_rows(self, statements):
        """[(statement, values by column key)] of ``statements``, in their order."""
        state_labels = dict(statements._fields["state"]._description_selection(self.env))
        return [(statement, self._prepare_row(statement, state_labels)) for statement in statements]

    # ------------------------------------------------------------------
    # Formats
    # ------------------------------------------------------------------
    def _render_csv(self, rows):
        """UTF-8 (no BOM), comma-separated, ISO dates, amounts as plain numbers."""
        columns = self._get_columns()
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=",", lineterminator="\r\n")
        writer.writerow([title for _key, title in columns])
        for statement, values in rows:
            line = []
            for key, _title in columns:
                value = values[key]
                if key == "amount":
                    value = f"{value:.{statement.currency_id.decimal_places}f}"
                elif key in DATE_COLUMNS:
                    value = fields.Date.to_string(value) if value else ""
                line.append(value)
            writer.writerow(line)
        return buffer.getvalue().encode("utf-8")

    def _render_xlsx(self, rows):
        """One sheet: bold frozen header with a filter, real dates, amounts in the currency's
        decimal places."""
        columns = self._get_columns()
        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
        sheet = workbook.add_worksheet(self.env._("Payroll export")[:31])
        header_format = workbook.add_format({"bold": True, "bottom": 1})
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        amount_formats = {}

        def amount_format(digits):
            if digits not in amount_formats:
                pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
                amount_formats[digits] = workbook.add_format({"num_format": pattern})
            return amount_formats[digits]

        for col, (_key, title) in enumerate(columns):
            sheet.write_string(0, col, title, header_format)
        for row, (statement, values) in enumerate(rows, start=1):
            for col, (key, _title) in enumerate(columns):
                value = values[key]
                if key == "amount":
                    digits = statement.currency_id.decimal_places
                    sheet.write_number(row, col, value, amount_format(digits))
                elif key in DATE_COLUMNS:
                    if value:
                        sheet.write_datetime(row, col, value, date_format)
                    else:
                        sheet.write_blank(row, col, None)
                else:
                    sheet.write_string(row, col, value)
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)
        for col, (key, _title) in enumerate(columns):
            sheet.set_column(col, col, COLUMN_WIDTHS.get(key, 14))
        workbook.close()
        return buffer.getvalue()

    # ------------------------------------------------------------------
    # Action
    # ------------------------------------------------------------------
    def _get_filename(self):
        self.ensure_one()
        return "commission_statements_%s_%s.%s" % (
            fields.Date.to_string(self.date_from),
            fields.Date.to_string(self.date_to),
            self.file_format,
        )

    def action_export(self):
        self.ensure_one()
        if self.date_to < self.date_from:
            raise UserError(self.env._("The export period ends before it starts."))
        statements = self._get_statements()
        if not statements:
            raise UserError(self.env._("No approved commission statement overlaps this period."))
        rows = self._get_rows(statements)
        content = self._render_xlsx(rows) if self.file_format == "xlsx" else self._render_csv(rows)
        self.write(
            {
                "data": base64.b64encode(content),
                "filename": self._get_filename(),
                "statement_count": len(statements),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Export statements"),
            "res_model": self._name,
            "res_id": self.id,
            "views": [(False, "form")],
            "target": "new",
        }
