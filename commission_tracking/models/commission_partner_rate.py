from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CommissionPartnerRate(models.Model):
    _name = "commission.partner.rate"
    _description = "Rate agreed with a sales partner"
    _order = "plan_id, partner_id, customer_id, categ_id, id"
    _check_company_auto = True

    plan_id = fields.Many2one(
        "commission.plan", required=True, index=True, ondelete="cascade", check_company=True
    )
    company_id = fields.Many2one(related="plan_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Sales partner",
        required=True,
        help="The sales partner this rate was agreed with.",
    )
    customer_id = fields.Many2one(
        "res.partner",
        help="Only deals with this customer. Empty: every customer.",
    )
    categ_id = fields.Many2one(
        "product.category",
        string="Product category",
        help="Only lines of products in this category (or its sub-categories). Empty: every "
        "product.",
    )
    rate = fields.Float(
        string="Agreed rate (%)",
        digits=(16, 4),
        required=True,
        help="Replaces the rate of the plan's flat percentage rules for the matching deals.",
    )

    _unique_terms = models.UniqueIndex(
        "(plan_id, partner_id, COALESCE(customer_id, 0), COALESCE(categ_id, 0))",
        "This sales partner already has an agreed rate for this customer and category.",
    )
    _rate_range = models.Constraint(
        "CHECK(rate >= 0 AND rate <= 100)", "An agreed rate is between 0 and 100 %."
    )

    @api.constrains("customer_id", "categ_id", "plan_id", "partner_id")
    def _check_terms(self):
        for rate in self:
            if not rate.customer_id and not rate.categ_id:
                raise ValidationError(
                    self.env._(
                        "An agreed rate of %(partner)s needs a customer or a product category "
                        "(the plan's rules give the general rate).",
                        partner=rate.partner_id.display_name,
                    )
                )
            if rate.plan_id.beneficiary_type != "partner":
                raise ValidationError(self.env._("Agreed rates belong to sales partner plans."))
            if rate.partner_id not in rate.plan_id.partner_ids:
                raise ValidationError(
                    self.env._(
                        "%(partner)s is not a partner of the plan “%(plan)s”.",
                        partner=rate.partner_id.display_name,
                        plan=rate.plan_id.display_name,
                    )
                )

    def _matches(self, customer, categ):
        """True when this rate applies to a deal with ``customer`` on a line of ``categ``."""
        self.ensure_one()
        if self.customer_id and self.customer_id != customer.commercial_partner_id:
            return False
        if self.categ_id:
            if not categ:
                return False
            return categ == self.categ_id or categ.parent_path.startswith(self.categ_id.parent_path)
        return True

    def _specificity(self):
        self.ensure_one()
        return (bool(self.customer_id) and bool(self.categ_id), bool(self.customer_id))
