from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import formatLang


class CommissionStatementGenerate(models.TransientModel):
    _name = "commission.statement.generate"
    _description = "Generate commission statements"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    date_from = fields.Date(
        string="From", required=True, default=lambda self: self._default_dates()[0]
    )
    date_to = fields.Date(string="To", required=True, default=lambda self: self._default_dates()[1])
    plan_ids = fields.Many2many("commission.plan", string="Plans", help="Empty: all plans.")
    user_ids = fields.Many2many(
        "res.users", string="Salespeople", help="Empty: every payee with pending commissions."
    )
    include_open_periods = fields.Boolean(
        string="Include running periods",
        help="Also take the pending lines of plan periods that are not over yet "
        "(they may still be re-rated by retroactive tiers: corrections then follow).",
    )
    statement_count = fields.Integer(compute="_compute_preview")
    line_count = fields.Integer(compute="_compute_preview")
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_total = fields.Monetary(compute="_compute_preview")
    preview = fields.Html(compute="_compute_preview", sanitize=False)

    def _default_dates(self):
        return self.env["commission.statement"]._last_closed_month()

    def _gather(self):
        self.ensure_one()
        return self.env["commission.statement"]._gather_lines(
            self.company_id,
            self.date_to,
            plans=self.plan_ids,
            users=self.user_ids,
            include_open=self.include_open_periods,
        )

    @api.depends(
        "company_id", "date_from", "date_to", "plan_ids", "user_ids", "include_open_periods"
    )
    def _compute_preview(self):
        Statement = self.env["commission.statement"]
        for wizard in self:
            if not (wizard.company_id and wizard.date_to):
                wizard.update(statement_count=0, line_count=0, amount_total=0.0, preview=False)
                continue
            groups = Statement._group_lines(wizard._gather())
            rows = []
            total = 0.0
            for (partner, _user, _company, currency), lines in sorted(
                groups.items(), key=lambda item: item[0][0].name or ""
            ):
                amount = sum(lines.mapped("amount"))
                total += amount
                rows.append(
                    Markup(
                        "<tr><td>%s</td><td class='text-end'>%s</td>"
                        "<td class='text-end'>%s</td></tr>"
                    )
                    % (
                        partner.name,
                        len(lines),
                        formatLang(self.env, amount, currency_obj=currency),
                    )
                )
            header = Markup(
                "<tr><th>%s</th><th class='text-end'>%s</th><th class='text-end'>%s</th></tr>"
            ) % (
                self.env._("Payee"),
                self.env._("Lines"),
                self.env._("Total"),
            )
            wizard.statement_count = len(groups)
            wizard.line_count = sum(len(lines) for lines in groups.values())
            wizard.amount_total = total
            wizard.preview = (
                Markup("<table class='table table-sm'><thead>%s</thead><tbody>%s</tbody></table>")
                % (header, Markup("").join(rows))
                if rows
                else Markup("<p class='text-muted'>%s</p>")
                % escape(self.env._("No pending commission waits for a statement in this period."))
            )

    def action_generate(self):
        self.ensure_one()
        self.env["commission.statement"].check_access("create")
        if self.date_to < self.date_from:
            raise UserError(self.env._("The period ends before it starts."))
        statements = self.env["commission.statement"]._generate_statements(
            self.company_id, self.date_from, self.date_to, self._gather()
        )
        if not statements:
            raise UserError(
                self.env._("No pending commission waits for a statement in this period.")
            )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "commission_tracking.commission_statement_action"
        )
        action["domain"] = [("id", "in", statements.ids)]
        action["context"] = {}
        return action
