from decimal import Decimal

from odoo import models

from .. import engine


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _reconcile_post_hook(self, data):
        result = super()._reconcile_post_hook(data)
        self.move_id._commission_sync_payment()
        return result

    def _commission_deal_line(self, plan, fraction=1):
        """This customer invoice line as an engine line, in the plan's currency.

        The revenue is the line's balance in the company currency, i.e. converted at the
        invoice's own rate; a credit note line is negative. ``fraction`` is the part of the
        invoice a payment paid. The margin is the revenue less the product's cost. Depends
        on the plan's company and currency only (built once for the plans that share both).
        """
        self.ensure_one()
        move = self.move_id
        company = move.company_id
        sign = -1 if move.move_type == "out_refund" else 1
        revenue = -self.balance
        product = self.product_id
        if product:
            quantity = sign * self.product_uom_id._compute_quantity(
                self.quantity, product.uom_id, round=False
            )
            cost = product.standard_price * quantity
        else:
            quantity = cost = 0.0
        day = move.invoice_date or move.date
        if plan.currency_id != company.currency_id:
            revenue = company.currency_id._convert(revenue, plan.currency_id, company, day)
            cost = company.currency_id._convert(cost, plan.currency_id, company, day)
        fraction = Decimal(str(fraction))
        return engine.DealLine(
            product_id=product.id,
            categ_id=product.categ_id.id,
            revenue=Decimal(str(revenue)) * fraction,
            margin=Decimal(str(revenue - cost)) * fraction,
            quantity=Decimal(str(quantity)) * fraction,
        )
