from odoo import fields, models
from odoo.tools import float_compare


class AccountTax(models.Model):
    _inherit = "account.tax"

    commission_pit = fields.Boolean(
        string="Commission PIT withholding",
        readonly=True,
        copy=False,
        help="Personal income tax withheld on commission vendor bills, created from the "
        "commission settings; the year-end PIT report sums it.",
    )

    def _commission_pit_matches(self, rate, account):
        """Withholds ``rate`` % into ``account``, on bills and credit notes."""
        self.ensure_one()
        if float_compare(self.amount, -rate, precision_digits=4) or self.amount_type != "percent":
            return False
        lines = (self.invoice_repartition_line_ids | self.refund_repartition_line_ids).filtered(
            lambda line: line.repartition_type == "tax"
        )
        return bool(lines) and lines.account_id == account
