from decimal import Decimal

from odoo import models

from .. import engine


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _reconcile_post_hook(self, data):
        result = super()._reconcile_post_hook(data)
        self.move_id._commission_sync_payment()
        return result

    def _commission_deal_line(self, plan, fraction=1, facts=None):
        """This customer invoice line as an engine line, in the plan's currency.

        The revenue is the line's balance in the company currency, i.e. converted at the
        invoice's own rate; a credit note line is negative. ``fraction`` is the part of the
        invoice a payment paid. The margin is the revenue less the product's cost in the
        invoice's company (a product's cost is per company), whoever computes. Depends
        on the plan's company and currency only (built once for the plans that share both).
        ``facts``: a dict the caller shares between the lines of one computation, where what
        the lines of one invoice or of one product have in common is kept (read once).
        """
        self.ensure_one()
        facts = {} if facts is None else facts
        move = self.move_id
        move_facts = facts.get(("move", move.id))
        if move_facts is None:
            company = move.company_id
            move_facts = facts["move", move.id] = (
                company,
                company.currency_id,
                -1 if move.move_type == "out_refund" else 1,
                move.invoice_date or move.date,
            )
        company, company_currency, sign, day = move_facts
        revenue = -self.balance
        product = self.product_id
        if product:
            product_facts = facts.get(("product", product.id, company.id))
            if product_facts is None:
                product_facts = facts["product", product.id, company.id] = (
                    product.uom_id,
                    product.categ_id.id,
                    product.with_company(company).standard_price,
                )
            uom, categ_id, standard_price = product_facts
            quantity = sign * self.product_uom_id._compute_quantity(self.quantity, uom, round=False)
            cost = standard_price * quantity
        else:
            categ_id = False
            quantity = cost = 0.0
        if plan.currency_id != company_currency:
            revenue = company_currency._convert(revenue, plan.currency_id, company, day)
            cost = company_currency._convert(cost, plan.currency_id, company, day)
        fraction = Decimal(str(fraction))
        return engine.DealLine(
            product_id=product.id,
            categ_id=categ_id,
            revenue=Decimal(str(revenue)) * fraction,
            margin=Decimal(str(revenue - cost)) * fraction,
            quantity=Decimal(str(quantity)) * fraction,
        )
