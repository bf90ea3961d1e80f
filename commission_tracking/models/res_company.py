from odoo import api, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    commission_manager_id = fields.Many2one(
        "res.users",
        string="Commission manager",
        help="Approves the commission statements of salespeople whose team has no leader.",
    )
    commission_double_approval_amount = fields.Monetary(
        string="Second approval from",
        currency_field="currency_id",
        help="Statements of this amount or more need a second approval by a commission "
        "administrator. 0: one approval is enough.",
    )
    commission_product_id = fields.Many2one(
        "product.product",
        string="Commission product",
        help="Service product of the vendor bill lines; its expense account is used.",
    )
    commission_bill_grouping = fields.Selection(
        selection=[
            ("payee", "One bill per payee"),
            ("statement", "One bill per statement"),
        ],
        string="Vendor bills",
        default="payee",
        required=True,
    )
    commission_statement_day = fields.Integer(
        string="Statements generated on day",
        default=1,
        help="Day of the month on which last period's statements are generated and submitted "
        "automatically. 0 disables it.",
    )

    commission_accrual = fields.Boolean(
        string="Accrue commissions",
        help="Approving a statement posts the commission expense against an accrued liability; "
        "the vendor bill reverses it. The cost then shows in the period it was earned.",
    )
    commission_accrual_journal_id = fields.Many2one(
        "account.journal",
        string="Accrual journal",
        domain="[('type', '=', 'general'), ('company_id', '=', id)]",
    )
    commission_expense_account_id = fields.Many2one(
        "account.account", string="Commission expense account"
    )
    commission_accrued_account_id = fields.Many2one(
        "account.account", string="Accrued commissions account"
    )

    @api.model
    def _commission_set_default_product(self):
        """Give every company without one the shipped commission product."""
        product = self.env.ref("commission_tracking.product_commission", raise_if_not_found=False)
        if product:
            self.search([("commission_product_id", "=", False)]).commission_product_id = product

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        product = self.env.ref("commission_tracking.product_commission", raise_if_not_found=False)
        if product:
            companies.filtered(
                lambda c: not c.commission_product_id
            ).commission_product_id = product
        return companies
