from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import formatLang


class CommissionAdjustment(models.TransientModel):
    _name = "commission.adjustment"
    _description = "Add a commission adjustment"

    statement_id = fields.Many2one("commission.statement", required=True)
    currency_id = fields.Many2one(related="statement_id.currency_id")
    amount = fields.Monetary(
        required=True, help="Positive to pay more, negative to deduct (e.g. a returned sale)."
    )
    reason = fields.Text(required=True)

    @api.model
    def _prepare_adjustment_line_vals(self, statement, amount, reason):
        return {
            "name": reason.splitlines()[0][:80],
            "is_adjustment": True,
            "adjustment_reason": reason,
            "statement_id": statement.id,
            "user_id": statement.user_id.id,
            "partner_id": statement.partner_id.id,
            "team_id": statement.team_id.id,
            "company_id": statement.company_id.id,
            "currency_id": statement.currency_id.id,
            "date": statement.date_to,
            "period_start": statement.date_from,
            "amount": amount,
        }

    def action_add(self):
        self.ensure_one()
        statement = self.statement_id
        statement.check_access("write")
        if statement.state != "draft":
            raise UserError(self.env._("Adjustments can only be added to draft statements."))
        if statement.currency_id.is_zero(self.amount):
            raise UserError(self.env._("An adjustment needs a non-zero amount."))
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(self.env._("An adjustment needs a reason."))
        line = (
            self.env["commission.line"]
            .sudo()
            .create(self._prepare_adjustment_line_vals(statement, self.amount, reason))
        )
        statement.message_post(
            body=self.env._(
                "Adjustment of %(amount)s added: %(reason)s",
                amount=formatLang(self.env, line.amount, currency_obj=line.currency_id),
                reason=reason,
            )
        )
        return {"type": "ir.actions.act_window_close"}
