from urllib.parse import urlencode

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CommissionAnalysisExport(models.TransientModel):
    """Period + team → the managers' analysis workbook (served by the download route)."""

    _name = "commission.analysis.export"
    _description = "Export the commission analysis to Excel"

    date_from = fields.Date(
        string="From", required=True, default=lambda self: self._default_date_from()
    )
    date_to = fields.Date(string="To", required=True, default=lambda self: self._default_date_to())
    team_id = fields.Many2one(
        "crm.team", string="Sales team", help="Leave empty for every team you may see."
    )

    def _default_date_from(self):
        return self.env["commission.statement"]._last_closed_month()[0]

    def _default_date_to(self):
        return self.env["commission.statement"]._last_closed_month()[1]

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(self.env._("The start date must be before the end date."))

    def action_export(self):
        self.ensure_one()
        params = {"date_from": self.date_from, "date_to": self.date_to}
        if self.team_id:
            params["team_id"] = self.team_id.id
        return {
            "type": "ir.actions.act_url",
            "url": f"/commission_tracking_report/analysis/xlsx?{urlencode(params)}",
            "target": "download",
        }
