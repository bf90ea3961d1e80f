from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    commission_team_report_mail = fields.Boolean(
        related="company_id.commission_team_report_mail", readonly=False
    )
    commission_statement_xlsx_mail = fields.Boolean(
        related="company_id.commission_statement_xlsx_mail", readonly=False
    )
