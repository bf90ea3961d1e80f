from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    commission_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Commission currency"
    )
    commission_compute_on_won = fields.Boolean(
        related="company_id.commission_compute_on_won", readonly=False
    )
    commission_compute_in_background = fields.Boolean(
        related="company_id.commission_compute_in_background", readonly=False
    )
    commission_manager_id = fields.Many2one(
        related="company_id.commission_manager_id", readonly=False
    )
    commission_double_approval_amount = fields.Monetary(
        related="company_id.commission_double_approval_amount",
        readonly=False,
        currency_field="commission_currency_id",
    )
    commission_product_id = fields.Many2one(
        related="company_id.commission_product_id", readonly=False
    )
    commission_bill_grouping = fields.Selection(
        related="company_id.commission_bill_grouping", readonly=False
    )
    commission_statement_day = fields.Integer(
        related="company_id.commission_statement_day", readonly=False
    )
    commission_accrual = fields.Boolean(related="company_id.commission_accrual", readonly=False)
    commission_accrual_journal_id = fields.Many2one(
        related="company_id.commission_accrual_journal_id", readonly=False
    )
    commission_expense_account_id = fields.Many2one(
        related="company_id.commission_expense_account_id", readonly=False
    )
    commission_accrued_account_id = fields.Many2one(
        related="company_id.commission_accrued_account_id", readonly=False
    )
    commission_pit_withholding = fields.Boolean(
        related="company_id.commission_pit_withholding", readonly=False
    )
    commission_pit_rate = fields.Float(related="company_id.commission_pit_rate", readonly=False)
    commission_pit_threshold = fields.Monetary(
        related="company_id.commission_pit_threshold",
        readonly=False,
        currency_field="commission_currency_id",
    )
    commission_pit_account_id = fields.Many2one(
        related="company_id.commission_pit_account_id", readonly=False
    )
    commission_pit_tax_id = fields.Many2one(related="company_id.commission_pit_tax_id")
