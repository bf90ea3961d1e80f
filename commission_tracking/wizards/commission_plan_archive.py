from odoo import fields, models


class CommissionPlanArchive(models.TransientModel):
    _name = "commission.plan.archive"
    _description = "Archive commission plans"

    plan_ids = fields.Many2many("commission.plan", required=True)
    pending_count = fields.Integer(readonly=True)
    pending_policy = fields.Selection(
        selection=[
            ("keep", "Keep them: they go on to statements and are paid"),
            ("cancel", "Cancel them"),
        ],
        string="Pending commission lines",
        default="keep",
        required=True,
    )

    def action_archive(self):
        self.ensure_one()
        plans = self.plan_ids
        plans.check_access("write")
        if self.pending_policy == "cancel":
            lines = self.env["commission.line"].search(
                [("plan_id", "in", plans.ids), ("state", "=", "pending")]
            )
            frozen = lines.filtered(lambda line: line._is_frozen())
            (lines - frozen).sudo().write({"state": "cancel"})
            for plan in plans:
                plan.message_post(
                    body=self.env._(
                        "Archived; %(count)s pending commission lines cancelled.",
                        count=len(
                            (lines - frozen).filtered(lambda line, p=plan: line.plan_id == p)
                        ),
                    )
                )
        plans.with_context(commission_archive_decided=True).action_archive()
        return {"type": "ir.actions.act_window_close"}
