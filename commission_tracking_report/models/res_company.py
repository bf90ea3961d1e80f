from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    commission_team_report_mail = fields.Boolean(
        string="Monthly team commission workbook",
        default=True,
        help="Each month, e-mail every sales team's leader (or the team's report recipients) the "
        "commission analysis workbook of the last month.",
    )
    commission_statement_xlsx_mail = fields.Boolean(
        string="Statement workbook in the approval e-mail",
        default=True,
        help="Attach the statement as an Excel workbook to the e-mail the payee receives when "
        "their statement is approved.",
    )
