from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

# Vietnam (Circular 111/2013/TT-BTC, art. 25.1.i): 10 % withheld from one payment of
# 2,000,000 VND or more to an individual without a labour contract of 3 months or more.
VN_PIT_THRESHOLD = 2_000_000
# Personal income tax account of the Vietnamese chart of accounts (l10n_vn)
VN_PIT_ACCOUNT = "chart33351"


class ResCompany(models.Model):
    _inherit = "res.company"

    commission_compute_on_won = fields.Boolean(
        string="Compute commissions automatically",
        default=True,
        help="Winning, losing, reopening or reassigning an opportunity runs the server action "
        "*Compute commissions of the opportunity*. Off: commissions of opportunities are "
        "computed only with the *Compute commissions* button or action.",
    )
    commission_compute_in_background = fields.Boolean(
        string="Compute commissions in the background",
        help="Winning an opportunity, confirming an order or posting an invoice queues the "
        "computation of its commissions for a scheduled action that runs at once, instead of "
        "computing them before the screen answers. For companies with many salespeople or "
        "large imports: the lines appear a few seconds later.",
    )
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
        "account.account",
        string="Commission expense account",
        help="Debited by the commission vendor bills and accruals. Empty: the commission "
        "product's expense account (accruals need it).",
    )
    commission_accrued_account_id = fields.Many2one(
        "account.account", string="Accrued commissions account"
    )

    commission_pit_withholding = fields.Boolean(
        string="Withhold personal income tax",
        compute="_compute_commission_pit_withholding",
        store=True,
        readonly=False,
        help="Withhold personal income tax (PIT) on the commission vendor bills of individuals "
        "without a labour contract. On by default for companies in Vietnam.",
    )
    commission_pit_rate = fields.Float(
        string="PIT rate (%)",
        digits=(5, 2),
        default=10.0,
        help="Share of a qualifying commission payment withheld.",
    )
    commission_pit_threshold = fields.Monetary(
        string="PIT threshold per payment",
        currency_field="currency_id",
        compute="_compute_commission_pit_threshold",
        store=True,
        readonly=False,
        help="Payments (vendor bills) below this amount are not withheld; 0: every payment. "
        "Vietnam: 2,000,000 VND.",
    )
    commission_pit_account_id = fields.Many2one(
        "account.account",
        string="PIT withheld account",
        help="Liability account of the personal income tax withheld (Vietnam: 3335). Empty: "
        "the Vietnamese chart's account 33351 when that chart is installed.",
    )
    commission_pit_tax_id = fields.Many2one(
        "account.tax",
        string="PIT withholding tax",
        readonly=True,
        help="Negative purchase tax put on the commission vendor bills; created from the rate "
        "and the account above when a payment is first withheld.",
    )

    @api.depends("country_id")
    def _compute_commission_pit_withholding(self):
        for company in self:
            company.commission_pit_withholding = company.country_id.code == "VN"

    @api.depends("country_id", "currency_id")
    def _compute_commission_pit_threshold(self):
        for company in self:
            vietnam = company.country_id.code == "VN" and company.currency_id.name == "VND"
            company.commission_pit_threshold = VN_PIT_THRESHOLD if vietnam else 0.0

    @api.constrains("commission_pit_rate", "commission_pit_threshold")
    def _check_commission_pit(self):
        for company in self:
            if not 0 < company.commission_pit_rate <= 100:
                raise ValidationError(
                    self.env._("The personal income tax rate is a percentage above 0, up to 100.")
                )
            if company.currency_id.compare_amounts(company.commission_pit_threshold, 0) < 0:
                raise ValidationError(
                    self.env._("The personal income tax threshold cannot be negative.")
                )

    def _commission_pit_account(self):
        """The PIT liability account: the configured one, else the Vietnamese chart's."""
        self.ensure_one()
        if self.commission_pit_account_id:
            return self.commission_pit_account_id
        account = (
            self.env["account.chart.template"]
            .with_company(self)
            .ref(VN_PIT_ACCOUNT, raise_if_not_found=False)
        )
        if account:
            self.sudo().commission_pit_account_id = account
        return account

    def _commission_pit_tax(self):
        """The withholding tax of the configured rate and account, found or created."""
        self.ensure_one()
        account = self._commission_pit_account()
        if not account:
            raise UserError(
                self.env._(
                    "Personal income tax withholding is on for %(company)s: set the PIT withheld "
                    "account in Settings > Commissions.",
                    company=self.name,
                )
            )
        rate = self.commission_pit_rate
        tax = self.sudo().commission_pit_tax_id
        if not (tax.active and tax._commission_pit_matches(rate, account)):
            taxes = (
                self.env["account.tax"]
                .sudo()
                .search(
                    [
                        ("company_id", "=", self.id),
                        ("commission_pit", "=", True),
                        ("type_tax_use", "=", "purchase"),
                    ]
                )
            )
            tax = taxes.filtered(lambda t: t._commission_pit_matches(rate, account))[:1]
            if not tax:
                tax = (
                    self.env["account.tax"]
                    .sudo()
                    .with_company(self)
                    .create(self._commission_prepare_pit_tax_vals(rate, account, taxes))
                )
            self.sudo().commission_pit_tax_id = tax
        return tax

    def _commission_prepare_pit_tax_vals(self, rate, account, previous_taxes):
        self.ensure_one()
        group = previous_taxes.tax_group_id[:1]
        if not group:
            group = (
                self.env["account.tax.group"]
                .sudo()
                .create({"name": self.env._("PIT withheld"), "company_id": self.id})
            )

        def repartition(document_type):
            return [
                Command.create({"document_type": document_type, "repartition_type": "base"}),
                Command.create(
                    {
                        "document_type": document_type,
                        "repartition_type": "tax",
                        "account_id": account.id,
                    }
                ),
            ]

        return {
            "name": self.env._("PIT withheld %(rate)s%%", rate=f"{rate:g}"),
            "invoice_label": self.env._("PIT withheld %(rate)s%%", rate=f"{rate:g}"),
            "company_id": self.id,
            "type_tax_use": "purchase",
            "amount_type": "percent",
            "amount": -rate,
            "price_include_override": "tax_excluded",
            "sequence": 100,
            "commission_pit": True,
            "tax_group_id": group.id,
            "invoice_repartition_line_ids": repartition("invoice"),
            "refund_repartition_line_ids": repartition("refund"),
        }

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
