from odoo import api, models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        (partials.debit_move_id | partials.credit_move_id).move_id._commission_compute_sources()
        return partials

    def unlink(self):
        moves = (self.debit_move_id | self.credit_move_id).move_id
        result = super().unlink()
        moves = moves.exists()
        moves._commission_sync_payment()
        moves._commission_compute_sources()
        return result
