import base64
import io

import xlsxwriter

from odoo import api, fields, models
from odoo.exceptions import UserError

# Layout of the annex sheet: title and company block, then the table (0-based rows).
HEADER_ROW = 6
ANNEX_WIDTHS = (6, 34, 18, 20, 18, 16)
PAYROLL_WIDTHS = (6, 34, 18, 20)


class CommissionPitYearExport(models.TransientModel):
    """The year-end list of individuals paid commissions and the personal income tax withheld,
    as an XLSX workbook whose table an accountant copies into the annual PIT declaration's
    annex (one row per individual: name, tax code, taxable income paid, tax withheld)."""

    _name = "commission.pit.year.export"
    _description = "Export the commission PIT year-end list"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.companies.ids)],
    )
    year = fields.Integer(required=True, default=lambda self: self._default_year())
    lang = fields.Selection(
        selection="_get_languages",
        string="Language",
        required=True,
        default=lambda self: self._default_lang(),
        help="Language of the labels in the file.",
    )
    data = fields.Binary(string="File", readonly=True, attachment=False)
    filename = fields.Char(string="File name", readonly=True)
    row_count = fields.Integer(string="Individuals listed", readonly=True)

    @api.model
    def _get_languages(self):
        return self.env["res.lang"].get_installed()

    def _default_year(self):
        return fields.Date.context_today(self).year - 1

    def _default_lang(self):
        installed = dict(self._get_languages())
        if "vi_VN" in installed:
            return "vi_VN"
        return self.env.lang if self.env.lang in installed else next(iter(installed), "en_US")

    # ------------------------------------------------------------------
    # Content
    # ------------------------------------------------------------------
    def _get_rows(self):
        """(annex rows, payroll rows): individuals without, and with, a labour contract of
        3 months or more, as the user may read them."""
        self.ensure_one()
        rows = self.env["commission.pit.report"]._get_year_rows(self.company_id, self.year)
        return rows.filtered(lambda row: not row.labour_contract), rows.filtered("labour_contract")

    def _render_xlsx(self, annex_rows, payroll_rows):
        """Sheet 1, the annex: title, year, company, tax code and currency, then one row per
        individual (no., full name, tax code, income paid, PIT withheld, commitment) and a total.
        Sheet 2, only when some payee has a labour contract: their commissions, for payroll."""
        self.ensure_one()
        env = self.with_context(lang=self.lang).env
        company = self.company_id
        currency = company.currency_id
        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
        title_format = workbook.add_format({"bold": True, "font_size": 13})
        bold = workbook.add_format({"bold": True})
        header_format = workbook.add_format(
            {"bold": True, "border": 1, "text_wrap": True, "valign": "vcenter", "align": "center"}
        )
        cell = workbook.add_format({"border": 1})
        digits = currency.decimal_places
        pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
        amount = workbook.add_format({"border": 1, "num_format": pattern})
        total_amount = workbook.add_format({"border": 1, "num_format": pattern, "bold": True})
        total_label = workbook.add_format({"border": 1, "bold": True})

        def header_block(sheet, title):
            sheet.write_string(0, 0, title, title_format)
            for row, (label, value) in enumerate(
                (
                    (env._("Year"), str(self.year)),
                    (env._("Company"), company.name or ""),
                    (env._("Company tax code"), company.vat or ""),
                    (env._("Currency"), currency.name),
                ),
                start=1,
            ):
                sheet.write_string(row, 0, label, bold)
                sheet.write_string(row, 2, value)

        def table(sheet, titles, rows, values, amount_columns, widths):
            for col, title in enumerate(titles):
                sheet.write_string(HEADER_ROW, col, title, header_format)
            line = HEADER_ROW
            for index, record in enumerate(rows, start=1):
                line = HEADER_ROW + index
                for col, value in enumerate(values(index, record)):
                    if col in amount_columns:
                        sheet.write_number(line, col, currency.round(value), amount)
                    elif isinstance(value, int):
                        sheet.write_number(line, col, value, cell)
                    elif not value:
                        sheet.write_blank(line, col, None, cell)
                    else:
                        sheet.write_string(line, col, value, cell)
            line += 1
            sheet.write_string(line, 1, env._("Total"), total_label)
            for col in amount_columns:
                field = amount_columns[col]
                sheet.write_number(line, col, currency.round(sum(rows.mapped(field))), total_amount)
            sheet.freeze_panes(HEADER_ROW + 1, 0)
            for col, width in enumerate(widths):
                sheet.set_column(col, col, width)

        yes, no = env._("Yes"), env._("No")
        annex = workbook.add_worksheet(env._("PIT withheld")[:31])
        header_block(
            annex,
            env._(
                "Individuals paid commissions without a labour contract of 3 months or more: "
                "income paid and personal income tax withheld"
            ),
        )
        table(
            annex,
            [
                env._("No."),
                env._("Full name"),
                env._("Tax code"),
                env._("Taxable income paid"),
                env._("PIT withheld"),
                env._("Commitment (cam kết)"),
            ],
            annex_rows,
            lambda index, row: (
                index,
                row.partner_name or "",
                row.tax_code or "",
                row.amount_paid,
                row.amount_withheld,
                yes if row.commitment else no,
            ),
            {3: "amount_paid", 4: "amount_withheld"},
            ANNEX_WIDTHS,
        )
        if payroll_rows:
            payroll = workbook.add_worksheet(env._("For payroll")[:31])
            header_block(
                payroll,
                env._(
                    "Employees with a labour contract of 3 months or more: commissions paid, "
                    "to report through payroll"
                ),
            )
            table(
                payroll,
                [env._("No."), env._("Full name"), env._("Tax code"), env._("Commission paid")],
                payroll_rows,
                lambda index, row: (
                    index,
                    row.partner_name or "",
                    row.tax_code or "",
                    row.amount_paid,
                ),
                {3: "amount_paid"},
                PAYROLL_WIDTHS,
            )
        workbook.close()
        return buffer.getvalue()

    # ------------------------------------------------------------------
    # Action
    # ------------------------------------------------------------------
    def action_export(self):
        self.ensure_one()
        if not 2000 <= self.year <= 2999:
            raise UserError(self.env._("Give the year to export, e.g. 2025."))
        annex_rows, payroll_rows = self._get_rows()
        if not annex_rows and not payroll_rows:
            raise UserError(
                self.env._(
                    "No commission was paid to an individual by %(company)s in %(year)s.",
                    company=self.company_id.name,
                    year=self.year,
                )
            )
        self.write(
            {
                "data": base64.b64encode(self._render_xlsx(annex_rows, payroll_rows)),
                "filename": f"commission_pit_{self.year}.xlsx",
                "row_count": len(annex_rows) + len(payroll_rows),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("PIT year-end export"),
            "res_model": self._name,
            "res_id": self.id,
            "views": [(False, "form")],
            "target": "new",
        }
