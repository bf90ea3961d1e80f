from odoo import api, fields, models


class CommissionRuleTier(models.Model):
    _name = "commission.rule.tier"
    _description = "Commission Rule Tier"
    _order = "rule_id, sequence, threshold, id"

    rule_id = fields.Many2one("commission.rule", required=True, index=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related="rule_id.company_id", store=True)
    currency_id = fields.Many2one(related="rule_id.currency_id")
    threshold = fields.Float(
        string="From",
        digits=(16, 2),
        help="Lower bound of the base accumulated by one beneficiary over the plan period "
        "(amount for revenue and margin, units / deals / customers otherwise).",
    )
    rate = fields.Float(
        digits=(16, 4),
        help="Percentage, or fixed amount per unit / deal / referred customer, for this tier.",
    )

    @api.constrains("threshold", "rate", "sequence")
    def _check_rule_tiers(self):
        rules = self.rule_id
        rules._check_tiers()
        rules._check_rate()

    @api.model_create_multi
    def create(self, vals_list):
        rules = self.env["commission.rule"].browse([vals.get("rule_id") for vals in vals_list])
        rules.plan_id._check_terms_unlocked()
        return super().create(vals_list)

    def write(self, vals):
        self.rule_id.plan_id._check_terms_unlocked()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        self.rule_id.plan_id._check_terms_unlocked()
