from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import content_disposition, request


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
        content = statement._generate_xlsx()
        return request.make_response(
            content,
            headers=[
                (
                    "Content-Type",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
                ("Content-Disposition", content_disposition(statement._xlsx_filename())),
            ],
        )
