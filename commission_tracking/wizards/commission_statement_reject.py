from odoo import fields, models


class CommissionStatementReject(models.TransientModel):
    _name = "commission.statement.reject"
    _description = "Reject commission statements"

    statement_ids = fields.Many2many(
        "commission.statement",
        default=lambda self: self._default_statement_ids(),
    )
    reason = fields.Text(required=True)

    def _default_statement_ids(self):
        if self.env.context.get("active_model") == "commission.statement":
            return self.env["commission.statement"].browse(self.env.context.get("active_ids"))
        return self.env["commission.statement"]

    def action_reject(self):
        self.statement_ids.action_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
