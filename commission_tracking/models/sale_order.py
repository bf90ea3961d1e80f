import datetime
from decimal import Decimal

from odoo import api, fields, models

from .. import engine

# A change of one of these on a confirmed order changes who earns what.
COMMISSION_ORDER_FIELDS = {"user_id", "commission_partner_id", "date_order", "team_id"}


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
    commission_partner_id = fields.Many2one(
        "res.partner",
        string="Sales partner",
        compute="_compute_commission_partner_id",
        store=True,
        readonly=False,
        precompute=True,
        index="btree_not_null",
        tracking=True,
        help="The reseller or agent who brought this sale and earns a partner commission. "
        "Defaults from the opportunity, then from the customer's usual sales partner.",
    )
    commission_split_ids = fields.One2many(
        "commission.split",
        "order_id",
        string="Credit split",
        copy=True,
        help="Credit this order to several salespeople; shares must sum to 100 %. Empty: the "
        "salesperson gets the whole credit.",
    )
    commission_expected = fields.Monetary(
        compute="_compute_commission_expected",
        string="Expected commission",
        currency_field="commission_currency_id",
        help="What the salesperson's commission would rise by if this quotation were "
        "confirmed today, tiers and cap included.",
    )
    commission_partner_expected = fields.Monetary(
        compute="_compute_commission_expected",
        string="Expected partner commission",
        currency_field="commission_currency_id",
        help="What the sales partner's commission would rise by if this quotation were "
        "confirmed today.",
    )

    @api.depends("opportunity_id", "partner_id")
    def _compute_commission_partner_id(self):
        for order in self:
            if order.commission_partner_id or order.state not in ("draft", "sent", False):
                continue
            order.commission_partner_id = (
                order.opportunity_id.commission_partner_id
                or order.partner_id.commercial_partner_id.commission_partner_id
            )

    @api.depends("commission_line_ids.amount", "commission_line_ids.state")
    def _compute_commission_total(self):
        data = self.env["commission.line"]._commission_totals_by("order_id", self)
        for order in self:
            order.commission_count, order.commission_total = data.get(order, (0, 0.0))

    @api.depends("order_line.price_subtotal", "user_id", "commission_partner_id", "state")
    @api.depends_context("uid")
    def _compute_commission_expected(self):
        Compute = self.env["commission.compute"].sudo()
        for order in self:
            order.commission_expected = order.commission_partner_expected = 0.0
            if order.state not in ("draft", "sent") or not order.id:
                continue
            candidate = order.sudo()._commission_candidate(datetime.datetime.now())
            if not candidate:
                continue
            if order.user_id:
                order.commission_expected = Compute._forecast(candidate, ("salesperson",))
            if order.commission_partner_id:
                order.commission_partner_expected = Compute._forecast(candidate, ("partner",))

    @api.model_create_multi
    def create(self, vals_list):
        orders = super().create(vals_list)
        # the opportunity's credit split goes with its quotations
        for order in orders:
            lead = order.opportunity_id
            if lead.commission_split_ids and not order.commission_split_ids:
                order.commission_split_ids = [
                    fields.Command.create({"user_id": split.user_id.id, "share": split.share})
                    for split in lead.commission_split_ids
                ]
        return orders

    def write(self, vals):
        result = super().write(vals)
        # (a confirmation writes the date too: ``action_confirm`` computes once, after it)
        if COMMISSION_ORDER_FIELDS.intersection(vals) and "state" not in vals:
            self.filtered(lambda order: order.state == "sale")._commission_compute()
        return result

    def action_confirm(self):
        result = super().action_confirm()
        self._commission_compute()
        return result

    def _action_cancel(self):
        result = super()._action_cancel()
        self._commission_compute()
        return result

    def action_draft(self):
        result = super().action_draft()
        self._commission_compute()
        return result

    def _prepare_invoice(self):
        vals = super()._prepare_invoice()
        vals["commission_partner_id"] = self.commission_partner_id.id
        return vals

    # ------------------------------------------------------------------
    # Engine inputs
    # ------------------------------------------------------------------
    def _commission_date(self, when=None):
        """The day the order was confirmed (or ``when``), in the salesperson's time zone."""
        self.ensure_one()
        return self.env["commission.compute"]._local_day(when or self.date_order, self.user_id)

    def _commission_deal_lines(self, plan, day):
        """The order lines as engine lines, amounts in the plan's currency. Depends on the
        plan's company and currency only (built once for the plans that share both)."""
        self.ensure_one()
        company = plan.company_id
        target = plan.currency_id
        lines = []
        for line in self.order_line:
            if line.display_type or line.is_downpayment or not line.product_id:
                continue
            product = line.product_id
            quantity = line.product_uom_id._compute_quantity(
                line.product_uom_qty, product.uom_id, round=False
            )
            lines.append(
                engine.DealLine(
                    product_id=product.id,
                    categ_id=product.categ_id.id,
                    revenue=Decimal(
                        str(self.currency_id._convert(line.price_subtotal, target, company, day))
                    ),
                    margin=Decimal(
                        str(self.currency_id._convert(line.margin, target, company, day))
                    ),
                    quantity=Decimal(str(quantity)),
                )
            )
        return lines

    def _commission_candidate(self, when=None):
        """This order as the computation's candidate, as if confirmed at ``when``."""
        self.ensure_one()
        candidate = self.env["commission.compute"]._candidates_order(
            self.with_context(commission_assume_confirmed=True)
        )
        if not candidate:
            return None
        day = self._commission_date(when)
        return candidate[0]._replace(day=day)

    def _commission_compute(self):
        """Recompute the commissions of these orders (confirmed, cancelled, changed)."""
        if not self:
            return self.env["commission.line"]
        self.check_access("read")
        return self.env["commission.compute"]._compute_or_queue(orders=self)

    def action_view_commission_lines(self):
        self.ensure_one()
        return self.env["commission.line"]._action_open_lines([("order_id", "=", self.id)])
