from odoo import fields, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import content_disposition, request

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx_response(content, filename):
    return request.make_response(
        content,
        headers=[
            ("Content-Type", XLSX_MIMETYPE),
            ("Content-Disposition", content_disposition(filename)),
        ],
    )


class CommissionStatementXlsx(http.Controller):
    @http.route(
        "/commission_tracking/statement/<int:statement_id>/xlsx",
        type="http",
        auth="user",
        readonly=True,
    )
    def statement_xlsx(self, statement_id):
        """Download a statement as XLSX; 404 for anything the user may not read."""
        statement = request.env["commission.statement"].browse(statement_id)
        try:
            statement.check_access("read")
            statement.exists().ensure_one()
        except (AccessError, MissingError, ValueError):
            raise request.not_found() from None
        return _xlsx_response(statement._generate_xlsx(), statement._xlsx_filename())

    @http.route(
        "/commission_tracking_report/analysis/xlsx",
        type="http",
        auth="user",
        readonly=True,
    )
    def analysis_xlsx(self, date_from=None, date_to=None, team_id=None):
        """The period analysis workbook, with what the user's record rules let them see."""
        Analysis = request.env["commission.analysis"]
        try:
            Analysis.check_access("read")
            date_from = fields.Date.to_date(date_from)
            date_to = fields.Date.to_date(date_to)
            team = request.env["crm.team"].browse(int(team_id)) if team_id else None
            if team:
                team.check_access("read")
                team.exists().ensure_one()
        except (AccessError, MissingError, ValueError, TypeError):
            raise request.not_found() from None
        if not date_from or not date_to or date_from > date_to:
            raise request.not_found()
        content = Analysis._generate_period_workbook(date_from, date_to, team)
        return _xlsx_response(content, Analysis._period_workbook_filename(date_from, date_to, team))
