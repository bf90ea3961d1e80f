from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import formatLang

# Which rate type each base accepts: money bases are paid in percent, counted bases in a fixed
# amount per unit / deal / referred customer.
RATE_TYPE_BY_BASE = {
    "revenue": "percent",
    "margin": "percent",
    "quantity": "fixed",
    "deal": "fixed",
    "referral": "fixed",
}


class CommissionRule(models.Model):
    _name = "commission.rule"
    _description = "Commission Rule"
    _order = "plan_id, sequence, id"
    _check_company_auto = True

    plan_id = fields.Many2one(
        "commission.plan", required=True, index=True, ondelete="cascade", check_company=True
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(
        translate=True, help="Label shown on commission lines. Empty: the base's label."
    )
    company_id = fields.Many2one(related="plan_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    base = fields.Selection(
        selection=[
            ("revenue", "% of revenue"),
            ("margin", "% of margin"),
            ("quantity", "Per unit sold"),
            ("deal", "Per won deal"),
            ("referral", "Per referred customer"),
        ],
        required=True,
        default="revenue",
        help="Revenue: untaxed amount of the confirmed orders. "
        "Margin: sales price minus cost. Per unit: units sold. Per deal: each won deal. "
        "Per referred customer: referral programmes.",
    )
    product_categ_id = fields.Many2one(
        "product.category",
        string="Product category",
        help="Only order lines of products in this category (or its sub-categories) count.",
    )
    product_ids = fields.Many2many(
        "product.product",
        relation="commission_rule_product_rel",
        column1="rule_id",
        column2="product_id",
        string="Products",
        check_company=True,
        help="Only order lines of these products count. Empty: all products.",
    )
    scope = fields.Selection(
        selection=[("own", "Own deals"), ("team", "Team members' deals (team override)")],
        string="Applies to",
        required=True,
        default="own",
        help="Own deals: the deals credited to the salesperson. Team members' deals: a team "
        "leader earns this rule on the deals of the members of the teams they lead.",
    )
    rate_type = fields.Selection(
        selection=[("percent", "Percentage"), ("fixed", "Fixed amount")],
        compute="_compute_rate_type",
        store=True,
        readonly=False,
        required=True,
        precompute=True,
    )
    rate = fields.Float(
        digits=(16, 4),
        help="Percentage of the base, or amount per unit / deal / referred customer. "
        "Used when the rule has no tiers.",
    )
    allow_over_100 = fields.Boolean(
        string="Allow over 100 %",
        help="Tick to accept a percentage above 100 % on purpose.",
    )
    tier_mode = fields.Selection(
        selection=[
            ("flat", "Flat rate"),
            ("marginal", "Tiered, marginal (each slice at its rate)"),
            ("retroactive", "Tiered, retroactive (whole period at the tier reached)"),
        ],
        required=True,
        default="flat",
        help="Marginal: each slice of the period's base is paid at its own tier's rate. "
        "Retroactive: the whole period's base is paid at the rate of the highest tier reached, "
        "earlier deals of the period are re-rated.",
    )
    tier_ids = fields.One2many("commission.rule.tier", "rule_id", string="Tiers", copy=True)
    summary = fields.Char(compute="_compute_summary")

    @api.depends("name", "base")
    def _compute_display_name(self):
        labels = dict(self._fields["base"]._description_selection(self.env))
        for rule in self:
            rule.display_name = rule.name or labels.get(rule.base) or ""

    @api.depends("base")
    def _compute_rate_type(self):
        for rule in self:
            rule.rate_type = RATE_TYPE_BY_BASE.get(rule.base, "percent")

    def _format_rate(self, rate):
        self.ensure_one()
        if self.rate_type == "percent":
            return f"{formatLang(self.env, rate, digits=2)} %"
        return formatLang(self.env, rate, currency_obj=self.currency_id)

    def _unit_label(self):
        self.ensure_one()
        return {
            "quantity": self.env._("per unit"),
            "deal": self.env._("per deal"),
            "referral": self.env._("per referred customer"),
        }.get(self.base, "")

    @api.depends(
        "name",
        "base",
        "rate_type",
        "rate",
        "tier_mode",
        "tier_ids.threshold",
        "tier_ids.rate",
        "product_ids",
        "product_categ_id",
    )
    def _compute_summary(self):
        for rule in self:
            what = {
                "revenue": self.env._("of revenue"),
                "margin": self.env._("of margin"),
            }.get(rule.base) or rule._unit_label()
            if rule.tier_mode == "flat":
                text = f"{rule.display_name}: {rule._format_rate(rule.rate)} {what}"
            else:
                tiers = "; ".join(
                    self.env._(
                        "from %(threshold)s: %(rate)s",
                        threshold=formatLang(self.env, tier.threshold, digits=0),
                        rate=rule._format_rate(tier.rate),
                    )
                    for tier in rule.tier_ids.sorted("threshold")
                )
                mode = (
                    self.env._("marginal tiers, each slice at its own rate")
                    if rule.tier_mode == "marginal"
                    else self.env._("retroactive tiers, the whole period at the tier reached")
                )
                text = f"{rule.display_name}: {what} ({mode}) — {tiers}"
            filters = []
            if rule.product_categ_id:
                filters.append(rule.product_categ_id.display_name)
            if rule.product_ids:
                filters.extend(rule.product_ids.mapped("display_name"))
            if filters:
                text += " — " + self.env._("only %(filter)s", filter=", ".join(filters))
            rule.summary = text

    @api.model_create_multi
    def create(self, vals_list):
        plans = self.env["commission.plan"].browse([vals.get("plan_id") for vals in vals_list])
        plans._check_terms_unlocked()
        return super().create(vals_list)

    def write(self, vals):
        if set(vals) - {"name", "sequence"}:
            self.plan_id._check_terms_unlocked()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        self.plan_id._check_terms_unlocked()

    @api.constrains("base", "rate_type")
    def _check_rate_type(self):
        for rule in self:
            expected = RATE_TYPE_BY_BASE[rule.base]
            if rule.rate_type != expected:
                raise ValidationError(
                    self.env._(
                        "Rule “%(rule)s”: a “%(base)s” rule is paid as a %(expected)s.",
                        rule=rule.display_name,
                        base=dict(self._fields["base"]._description_selection(self.env))[rule.base],
                        expected=self.env._("percentage")
                        if expected == "percent"
                        else self.env._("fixed amount"),
                    )
                )

    @api.constrains("base", "plan_id", "scope")
    def _check_base_matches_plan(self):
        for rule in self:
            if rule.scope == "team" and rule.plan_id.beneficiary_type != "salesperson":
                raise ValidationError(
                    self.env._(
                        "Rule “%(rule)s”: team overrides pay team leaders; they belong to "
                        "salesperson plans.",
                        rule=rule.display_name,
                    )
                )
            if rule.plan_id.beneficiary_type == "referrer" and rule.base != "referral":
                raise ValidationError(
                    self.env._(
                        "Rule “%(rule)s”: referrer plans pay per referred customer.",
                        rule=rule.display_name,
                    )
                )
            if rule.base == "referral" and rule.plan_id.beneficiary_type != "referrer":
                raise ValidationError(
                    self.env._(
                        "Rule “%(rule)s”: “per referred customer” rules belong to referrer plans.",
                        rule=rule.display_name,
                    )
                )

    @api.constrains("rate", "rate_type", "allow_over_100", "tier_ids", "tier_mode")
    def _check_rate(self):
        for rule in self:
            rates = [rule.rate] + rule.tier_ids.mapped("rate")
            if any(rate < 0 for rate in rates):
                raise ValidationError(
                    self.env._(
                        "Rule “%(rule)s”: a commission rate cannot be negative.",
                        rule=rule.display_name,
                    )
                )
            if rule.rate_type == "percent" and not rule.allow_over_100 and max(rates) > 100:
                raise ValidationError(
                    self.env._(
                        "Rule “%(rule)s”: a rate above 100 %% pays more than the base. "
                        "Tick “Allow over 100 %%” if this is intended.",
                        rule=rule.display_name,
                    )
                )
            if rule.tier_mode != "flat" and not rule.tier_ids:
                raise ValidationError(
                    self.env._(
                        "Rule “%(rule)s” is tiered but has no tier. Add tiers, or use a flat rate.",
                        rule=rule.display_name,
                    )
                )

    @api.constrains("tier_ids", "tier_mode")
    def _check_tiers(self):
        for rule in self.filtered(lambda r: r.tier_mode != "flat"):
            tiers = rule.tier_ids.sorted(lambda t: (t.sequence, t.id))
            thresholds = tiers.mapped("threshold")
            if any(t < 0 for t in thresholds):
                raise ValidationError(
                    self.env._(
                        "Rule “%(rule)s”: a tier threshold cannot be negative.",
                        rule=rule.display_name,
                    )
                )
            if any(b <= a for a, b in zip(thresholds[:-1], thresholds[1:], strict=True)):
                raise ValidationError(
                    self.env._(
                        "Rule “%(rule)s”: tier thresholds must be strictly increasing, "
                        "from the first tier to the last (%(thresholds)s).",
                        rule=rule.display_name,
                        thresholds=" → ".join(
                            formatLang(self.env, t, digits=0) for t in thresholds
                        ),
                    )
                )

    def _get_categ_ids(self):
        """Category filter expanded to sub-categories (empty set: no filter)."""
        self.ensure_one()
        if not self.product_categ_id:
            return frozenset()
        return frozenset(
            self.env["product.category"].search([("id", "child_of", self.product_categ_id.id)]).ids
        )
