from odoo import models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _reconcile_post_hook(self, data):
        result = super()._reconcile_post_hook(data)
        self.move_id._commission_sync_payment()
        return result
