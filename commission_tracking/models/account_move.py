from odoo import api, fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    commission_line_ids = fields.One2many(
        "commission.line", "move_id", string="Commission lines", readonly=True
    )
    commission_count = fields.Integer(
        compute="_compute_commission_total", string="Commission line count"
    )
    commission_total = fields.Monetary(
        compute="_compute_commission_total",
        string="Commission",
        currency_field="company_currency_id",
        help="Total of the commission lines of this invoice that are not cancelled.",
    )

    @api.depends("commission_line_ids.amount", "commission_line_ids.state")
    def _compute_commission_total(self):
        data = self.env["commission.line"]._commission_totals_by("move_id", self)
        for move in self:
            move.commission_count, move.commission_total = data.get(move, (0, 0.0))

    def action_view_commission_lines(self):
        self.ensure_one()
        return self.env["commission.line"]._action_open_lines([("move_id", "=", self.id)])
