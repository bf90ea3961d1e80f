from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

PORTAL_LINE_STATES = ("pending", "approved", "paid")


class CommissionPortal(CustomerPortal):
    """ "My commissions": the payee's statements, their lines and PDF, in the portal."""

    # ------------------------------------------------------------------
    # Domains: what the current user is paid, read with their own access rights
    # ------------------------------------------------------------------
    def _get_commission_payees(self):
        """The partners whose commissions the current user follows: their own contact and
        the company it belongs to (e.g. the agency a referrer works for)."""
        partner = request.env.user.partner_id
        return partner | partner.commercial_partner_id

    def _prepare_commission_statements_domain(self):
        return [
            ("partner_id", "in", self._get_commission_payees().ids),
            ("state", "not in", ("draft", "cancel")),
        ]

    def _prepare_commission_lines_domain(self):
        return [
            ("partner_id", "in", self._get_commission_payees().ids),
            ("state", "in", PORTAL_LINE_STATES),
        ]

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "commission_statement_count" in counters:
            Statement = request.env["commission.statement"]
            values["commission_statement_count"] = (
                Statement.search_count(self._prepare_commission_statements_domain())
                if Statement.has_access("read")
                else 0
            )
        return values

    def _get_commission_totals(self):
        """Amounts pending, approved and paid, one row per currency."""
        Line = request.env["commission.line"]
        if not Line.has_access("read"):
            return []
        totals = {}
        for currency, state, amount in Line._read_group(
            self._prepare_commission_lines_domain(), ["currency_id", "state"], ["amount:sum"]
        ):
            row = totals.setdefault(
                currency, {"currency": currency, **dict.fromkeys(PORTAL_LINE_STATES, 0.0)}
            )
            row[state] = amount
        return sorted(totals.values(), key=lambda row: row["currency"].name)

    # ------------------------------------------------------------------
    # Routes
    # ------------------------------------------------------------------
    @http.route(
        ["/my/commissions", "/my/commissions/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_commissions(self, page=1, **kwargs):
        Statement = request.env["commission.statement"]
        values = self._prepare_portal_layout_values()
        domain = self._prepare_commission_statements_domain()
        can_read = Statement.has_access("read")
        pager = portal_pager(
            url="/my/commissions",
            total=Statement.search_count(domain) if can_read else 0,
            page=page,
            step=self._items_per_page,
        )
        statements = (
            Statement.search(domain, limit=self._items_per_page, offset=pager["offset"])
            if can_read
            else Statement
        )
        values.update(
            {
                "page_name": "commission",
                "default_url": "/my/commissions",
                "pager": pager,
                # the user may read them: sudo only to render the payee's and approver's names
                "statements": statements.sudo(),
                "commission_totals": self._get_commission_totals(),
            }
        )
        return request.render("commission_tracking.portal_my_commission_statements", values)

    @http.route(["/my/commissions/<int:statement_id>"], type="http", auth="user", website=True)
    def portal_my_commission_statement(
        self, statement_id, report_type=None, download=False, **kwargs
    ):
        try:
            statement_sudo = self._document_check_access("commission.statement", statement_id)
        except (AccessError, MissingError) as error:
            # the same answer whether the statement exists or not: nothing is revealed
            raise NotFound() from error
        if report_type == "pdf":
            return self._show_report(
                model=statement_sudo,
                report_type=report_type,
                report_ref="commission_tracking.action_report_commission_statement",
                download=download,
            )
        if report_type == "xlsx":
            content = statement_sudo._portal_xlsx_available() and (
                statement_sudo._portal_xlsx_content()
            )
            if not content:
                raise NotFound()
            filename, data = content
            return request.make_response(
                data,
                headers=[
                    (
                        "Content-Type",
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    ),
                    ("Content-Disposition", http.content_disposition(filename)),
                ],
            )
        if report_type:
            raise NotFound()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "commission",
                "statement": statement_sudo,
                "rows": statement_sudo._get_document_lines_values(),
                "res_company": statement_sudo.company_id,
                "dispute_sent": kwargs.get("dispute_sent"),
                "dispute_error": kwargs.get("dispute_error"),
            }
        )
        return request.render("commission_tracking.portal_my_commission_statement", values)

    @http.route(
        ["/my/commissions/<int:statement_id>/dispute"],
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_my_commission_dispute(self, statement_id, line_id=None, message="", **kwargs):
        """The payee disputes a line of their statement with a message."""
        try:
            statement_sudo = self._document_check_access("commission.statement", statement_id)
        except (AccessError, MissingError) as error:
            raise NotFound() from error
        line = statement_sudo.line_ids.filtered(lambda record: str(record.id) == str(line_id))
        if not line:
            raise NotFound()
        url = f"/my/commissions/{statement_id}"
        message = (message or "").strip()
        if not message:
            return request.redirect(f"{url}?dispute_error=1")
        try:
            # portal users have no rights on disputes: created as superuser for their own line,
            # the dispute checks that the line is theirs
            request.env["commission.dispute"].sudo().create(
                {"line_id": line.id, "message": message}
            )
        except (AccessError, UserError):
            return request.redirect(f"{url}?dispute_error=1")
        return request.redirect(f"{url}?dispute_sent=1")
