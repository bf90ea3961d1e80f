from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import formatLang


class CommissionDispute(models.Model):
    _name = "commission.dispute"
    _description = "Commission Dispute"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "create_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    line_id = fields.Many2one(
        "commission.line",
        string="Commission line",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    statement_id = fields.Many2one(related="line_id.statement_id", store=True, index=True)
    salesperson_id = fields.Many2one(related="line_id.user_id", store=True, string="Salesperson")
    team_id = fields.Many2one(related="line_id.team_id", store=True)
    partner_id = fields.Many2one(related="line_id.partner_id", store=True, string="Payee")
    company_id = fields.Many2one(related="line_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="line_id.currency_id")
    line_amount = fields.Monetary(related="line_id.amount", string="Amount of the line")
    message = fields.Text(required=True, help="What is wrong with this commission line, and why.")
    state = fields.Selection(
        selection=[("open", "Open"), ("accepted", "Accepted"), ("rejected", "Rejected")],
        default="open",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    corrected_amount = fields.Monetary(
        help="The amount the line should have. Accepting adds an adjustment line for the "
        "difference."
    )
    resolution_note = fields.Text(string="Resolution")
    adjustment_line_id = fields.Many2one("commission.line", readonly=True, copy=False)
    resolved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    resolved_date = fields.Datetime(readonly=True, copy=False)

    @api.depends("line_id")
    def _compute_name(self):
        for dispute in self:
            dispute.name = dispute.line_id.display_name

    # ------------------------------------------------------------------
    # Opening
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        lines = self.env["commission.line"].browse([vals.get("line_id") for vals in vals_list])
        lines.check_access("read")
        user = self.env.user
        is_manager = user.has_group("commission_tracking.group_commission_manager")
        for line, vals in zip(lines, vals_list, strict=True):
            if line.state not in ("pending", "approved"):
                raise UserError(
                    self.env._("Only pending or approved commission lines can be disputed.")
                )
            own = (
                line.user_id == user
                or line.partner_id == user.partner_id
                # a portal payee follows what is paid to their company (e.g. an agency)
                or (
                    user.share
                    and line.partner_id.commercial_partner_id
                    == user.partner_id.commercial_partner_id
                )
            )
            if not is_manager and not own:
                raise AccessError(self.env._("You can only dispute your own commissions."))
            if not (vals.get("message") or "").strip():
                raise UserError(self.env._("Say what is wrong with the commission line."))
        disputes = super(CommissionDispute, self.sudo()).create(vals_list).with_env(self.env)
        for dispute in disputes.sudo():
            approver = dispute.statement_id.approver_id or dispute.team_id.user_id
            approver = approver or dispute.company_id.commission_manager_id
            if approver:
                dispute.activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=approver.id,
                    summary=self.env._("Commission dispute to resolve"),
                    note=dispute.message,
                )
            note = self.env._(
                "Disputed by %(user)s: %(message)s", user=user.name, message=dispute.message
            )
            dispute.line_id.message_post(body=note)
            dispute.statement_id.message_post(body=note)
        return disputes

    # ------------------------------------------------------------------
    # Resolution (managers)
    # ------------------------------------------------------------------
    def _check_resolvable(self):
        if not self.env.user.has_group("commission_tracking.group_commission_manager"):
            raise AccessError(self.env._("Only commission managers resolve disputes."))
        self.check_access("write")
        if any(dispute.state != "open" for dispute in self):
            raise UserError(self.env._("This dispute is already closed."))
        for dispute in self:
            if dispute.line_id.user_id == self.env.user:
                raise UserError(self.env._("You cannot resolve a dispute on your own commission."))

    def write(self, vals):
        workflow = {"state", "resolved_by_id", "resolved_date", "adjustment_line_id", "line_id"}
        if not self.env.su and workflow.intersection(vals):
            raise UserError(
                self.env._("A dispute is closed only through its Accept and Reject buttons.")
            )
        return super().write(vals)

    def _close(self, state, body):
        self.sudo().write(
            {
                "state": state,
                "resolved_by_id": self.env.user.id,
                "resolved_date": fields.Datetime.now(),
            }
        )
        self.activity_feedback(["mail.mail_activity_data_todo"])
        for dispute in self:
            dispute.message_post(body=body, partner_ids=dispute.line_id.partner_id.ids)
            dispute.line_id.message_post(body=body)

    def action_accept(self):
        self._check_resolvable()
        Line = self.env["commission.line"].sudo()
        for dispute in self:
            line = dispute.line_id
            difference = dispute.corrected_amount - line.amount
            if line.currency_id.is_zero(difference):
                raise UserError(
                    self.env._(
                        "Set the corrected amount: it equals the line's amount, there is "
                        "nothing to adjust. Reject the dispute instead."
                    )
                )
            reason = self.env._(
                "Dispute accepted on %(line)s: %(message)s",
                line=line.display_name,
                message=dispute.message,
            )
            statement = line.statement_id if line.statement_id.state == "draft" else False
            adjustment = Line.create(
                {
                    "name": line.name,
                    "is_adjustment": True,
                    "adjustment_reason": reason,
                    "statement_id": statement.id if statement else False,
                    "origin_line_id": line.id,
                    "plan_id": line.plan_id.id,
                    "user_id": line.user_id.id,
                    "partner_id": line.partner_id.id,
                    "team_id": line.team_id.id,
                    "company_id": line.company_id.id,
                    "currency_id": line.currency_id.id,
                    "lead_id": line.lead_id.id,
                    "date": fields.Date.context_today(self),
                    "period_start": line.period_start,
                    "amount": difference,
                }
            )
            dispute.sudo().adjustment_line_id = adjustment
            dispute._close(
                "accepted",
                self.env._(
                    "Dispute accepted: adjustment of %(amount)s added.",
                    amount=formatLang(self.env, difference, currency_obj=line.currency_id),
                ),
            )
        return True

    def action_reject(self):
        self._check_resolvable()
        for dispute in self:
            reason = (dispute.resolution_note or "").strip()
            if not reason:
                raise UserError(self.env._("Write the reason of the rejection in Resolution."))
            dispute._close("rejected", self.env._("Dispute rejected: %(reason)s", reason=reason))
        return True
