from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CommissionSplit(models.Model):
    _name = "commission.split"
    _description = "Commission credit split"
    _order = "share desc, id"

    lead_id = fields.Many2one("crm.lead", string="Opportunity", index=True, ondelete="cascade")
    order_id = fields.Many2one("sale.order", string="Sales order", index=True, ondelete="cascade")
    company_id = fields.Many2one(
        "res.company", compute="_compute_company_id", store=True, index=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        required=True,
        domain=[("share", "=", False)],
    )
    share = fields.Float(
        string="Share (%)",
        digits=(5, 2),
        required=True,
        default=100.0,
        help="Part of the deal's credit, in percent. The shares of a deal sum to 100 %.",
    )

    _share_positive = models.Constraint(
        "CHECK(share > 0 AND share <= 100)", "A credit share is between 0 and 100 %."
    )
    _one_source = models.Constraint(
        "CHECK((lead_id IS NULL) != (order_id IS NULL))",
        "A credit split belongs to one opportunity or one sales order.",
    )
    _unique_lead_user = models.UniqueIndex(
        "(lead_id, user_id) WHERE lead_id IS NOT NULL",
        "A salesperson appears once in the credit split of an opportunity.",
    )
    _unique_order_user = models.UniqueIndex(
        "(order_id, user_id) WHERE order_id IS NOT NULL",
        "A salesperson appears once in the credit split of a sales order.",
    )

    @api.depends("lead_id.company_id", "order_id.company_id")
    def _compute_company_id(self):
        for split in self:
            split.company_id = split.lead_id.company_id or split.order_id.company_id

    @api.constrains("share", "lead_id", "order_id")
    def _check_total(self):
        for record in [*self.lead_id, *self.order_id]:
            splits = record.commission_split_ids
            if splits and abs(sum(splits.mapped("share")) - 100.0) > 0.005:
                raise ValidationError(
                    self.env._(
                        "The credit split of %(record)s sums to %(total)s %%: "
                        "the shares must sum to 100 %%.",
                        record=record.display_name,
                        total=round(sum(splits.mapped("share")), 2),
                    )
                )

    def _recompute_sources(self):
        self.lead_id.filtered(lambda lead: lead._commission_is_won())._commission_compute()
        self.order_id.filtered(lambda order: order.state == "sale")._commission_compute()

    @api.model_create_multi
    def create(self, vals_list):
        splits = super().create(vals_list)
        splits._recompute_sources()
        return splits

    def write(self, vals):
        splits = self | self.lead_id.commission_split_ids | self.order_id.commission_split_ids
        result = super().write(vals)
        splits._recompute_sources()
        return result

    def unlink(self):
        leads, orders = self.lead_id, self.order_id
        result = super().unlink()
        leads.filtered(lambda lead: lead._commission_is_won())._commission_compute()
        orders.filtered(lambda order: order.state == "sale")._commission_compute()
        return result
