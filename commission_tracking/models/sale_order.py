from odoo import api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    commission_line_ids = fields.One2many(
        "commission.line", "order_id", string="Commission lines", readonly=True
    )
    commission_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Commission currency"
    )
    commission_count = fields.Integer(
        compute="_compute_commission_total", string="Commission line count"
    )
    commission_total = fields.Monetary(
        compute="_compute_commission_total",
        string="Commission",
        currency_field="commission_currency_id",
        help="Total of the commission lines of this order that are not cancelled.",
    )

    @api.depends("commission_line_ids.amount", "commission_line_ids.state")
    def _compute_commission_total(self):
        data = self.env["commission.line"]._commission_totals_by("order_id", self)
        for order in self:
            order.commission_count, order.commission_total = data.get(order, (0, 0.0))

    def action_view_commission_lines(self):
        self.ensure_one()
        return self.env["commission.line"]._action_open_lines([("order_id", "=", self.id)])
