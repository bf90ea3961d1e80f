from odoo import api, models

APPROVED_TEMPLATE = "commission_tracking.mail_template_statement_approved"


class CommissionCompute(models.AbstractModel):
    _inherit = "commission.compute"

    @api.model
    def _send_template(self, records, xmlid):
        """The approval e-mail carries the statement workbook (see ``message_post``)."""
        if xmlid == APPROVED_TEMPLATE and records._name == "commission.statement":
            records = records.with_context(commission_attach_statement_xlsx=True)
        return super()._send_template(records, xmlid)
