from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    commission_payee_id = fields.Many2one(
        "res.partner",
        string="Commission payee",
        help="Who receives this salesperson's commissions when it is not their own contact "
        "(e.g. their company, for an agent). Needs a bank account.",
    )

    def _commission_payee(self):
        self.ensure_one()
        return self.commission_payee_id or self.partner_id
