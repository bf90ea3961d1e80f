from odoo import models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    def unlink(self):
        moves = (self.debit_move_id | self.credit_move_id).move_id
        result = super().unlink()
        moves.exists()._commission_sync_payment()
        return result
