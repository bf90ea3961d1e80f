from odoo import models
from odoo.tools.misc import formatLang

# Lines of these bases carry an amount as base; the others a quantity (units, deals, customers).
AMOUNT_BASES = ("revenue", "margin")


class CommissionStatement(models.Model):
    _inherit = "commission.statement"

    def _get_report_base_filename(self):
        """File name (without extension) of the statement's PDF, for portal downloads."""
        self.ensure_one()
        return self.env._(
            "Commission statement %(payee)s %(date_from)s %(date_to)s",
            payee=self.partner_id.name or "",
            date_from=self.date_from or "",
            date_to=self.date_to or "",
        )

    def _get_portal_url(self):
        self.ensure_one()
        return f"/my/commissions/{self.id}"

    # ------------------------------------------------------------------
    # XLSX download from the portal: hooks for the reporting add-on
    # ------------------------------------------------------------------
    def _portal_xlsx_available(self):
        """Whether the payee can download the statement as a spreadsheet from the portal.

        False here: this add-on produces no XLSX. The reporting add-on overrides it, and either
        ``_portal_xlsx_content`` (served by the portal route) or ``_get_portal_xlsx_url`` (to
        link its own download route, which must check the user's read access itself).
        """
        return False

    def _get_portal_xlsx_url(self):
        self.ensure_one()
        return f"/my/commissions/{self.id}?report_type=xlsx"

    def _portal_xlsx_content(self):
        """``(file name, XLSX bytes)`` of the statement for the portal route, or None."""
        self.ensure_one()
        return None

    def _get_document_lines_values(self):
        """Rows of the statement as its payee sees them (portal page and PDF report).

        The lines that are not cancelled, with the names of their plan, rule, customer and
        source document. Those are read as superuser: payees (portal users, accountants) may
        read the statement without reading plans' configuration or opportunities.
        """
        self.ensure_one()
        self.check_access("read")
        lines = self.sudo().line_ids.filtered(lambda line: line.state != "cancel")
        states = dict(lines._fields["state"]._description_selection(self.env))
        rows = []
        for line in lines.sorted(lambda line: (line.date, line.id)):
            document = line.move_id or line.order_id or line.lead_id
            customer = (
                line.lead_id.partner_id or line.order_id.partner_id or line.move_id.partner_id
            )
            rule = line.rule_id
            is_amount = not rule or rule.base in AMOUNT_BASES
            quantity = line.base_qty
            rows.append(
                {
                    "line": line,
                    "date": line.date,
                    "source": line.name,
                    "document": document.display_name if document else "",
                    "customer": customer.display_name if customer else "",
                    "plan": line.plan_id.name or "",
                    "rule": rule.display_name if rule else "",
                    "has_base": bool(rule),
                    "base_is_amount": is_amount,
                    "base_amount": line.base_amount,
                    "base_qty": formatLang(
                        self.env, quantity, digits=0 if quantity == int(quantity) else 2
                    ),
                    "rate": rule._format_rate(line.rate) if rule else "",
                    "amount": line.amount,
                    "state": states.get(line.state, ""),
                    "explanation": line.explanation or "",
                }
            )
        return rows
