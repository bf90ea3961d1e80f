import datetime

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.misc import formatLang

# Fields of a statement that no longer change once it left the draft state.
LOCKED_FIELDS = {"partner_id", "user_id", "company_id", "currency_id", "date_from", "date_to"}
# Workflow fields: changed only by the statement's actions, which check rights first.
WORKFLOW_FIELDS = {
    "state",
    "approved_by_id",
    "approval_date",
    "first_approved_by_id",
    "first_approval_date",
    "bill_id",
    "payment_date",
    "accrual_move_ids",
}


class CommissionStatement(models.Model):
    _name = "commission.statement"
    _description = "Commission Statement"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_to desc, partner_id, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Payee",
        required=True,
        index=True,
        tracking=True,
        help="Who is paid: the salesperson's contact, a sales partner or a referrer.",
    )
    user_id = fields.Many2one(
        "res.users", string="Salesperson", index=True, tracking=True, check_company=True
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Sales team",
        compute="_compute_team_id",
        store=True,
        index=True,
        help="The salesperson's team, whose leader approves the statement.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(
        "res.currency", required=True, default=lambda self: self.env.company.currency_id
    )
    date_from = fields.Date(string="From", required=True, tracking=True)
    date_to = fields.Date(string="To", required=True, tracking=True)
    line_ids = fields.One2many("commission.line", "statement_id", string="Commission lines")
    line_count = fields.Integer(compute="_compute_amount_total", store=True)
    referred_customer_count = fields.Integer(
        string="Referred customers",
        compute="_compute_referred_customer_count",
        help="Customers referred by the payee that earned a commission in this statement.",
    )
    amount_total = fields.Monetary(
        string="Total", compute="_compute_amount_total", store=True, tracking=True
    )
    rate = fields.Float(
        string="Average rate (%)",
        compute="_compute_rate",
        digits=(16, 2),
        help="Commission on revenue and margin lines divided by their base.",
    )
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("to_approve", "To approve"),
            ("approved", "Approved"),
            ("billed", "Billed"),
            ("paid", "Paid"),
            ("cancel", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    approver_id = fields.Many2one(
        "res.users",
        compute="_compute_approver_id",
        store=True,
        help="The payee's sales team leader, else the company's commission manager.",
    )
    first_approved_by_id = fields.Many2one(
        "res.users", string="First approval by", readonly=True, copy=False, tracking=True
    )
    first_approval_date = fields.Datetime(readonly=True, copy=False)
    approved_by_id = fields.Many2one(
        "res.users", string="Approved by", readonly=True, copy=False, tracking=True
    )
    approval_date = fields.Datetime(readonly=True, copy=False)
    needs_second_approval = fields.Boolean(compute="_compute_needs_second_approval")
    bill_id = fields.Many2one(
        "account.move",
        string="Vendor bill",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
        tracking=True,
    )
    bill_payment_state = fields.Selection(related="bill_id.payment_state", string="Bill payment")
    paid_ratio = fields.Float(
        string="Paid (%)",
        compute="_compute_paid_ratio",
        digits=(5, 2),
        help="Share of the vendor bill already paid.",
    )
    payment_date = fields.Date(readonly=True, copy=False, tracking=True)
    accrual_move_ids = fields.Many2many(
        "account.move",
        relation="commission_statement_accrual_rel",
        column1="statement_id",
        column2="move_id",
        string="Accrual entries",
        readonly=True,
        copy=False,
        help="Accrual entries posted at approval, and their reversals at billing.",
    )
    can_approve = fields.Boolean(compute="_compute_can_approve")
    has_open_dispute = fields.Boolean(compute="_compute_has_open_dispute")
    # personal income tax withheld (Vietnam: Circular 111/2013/TT-BTC art. 25.1.i): from the
    # vendor bill once billed, else what billing the statement alone today would withhold
    withholding_amount = fields.Monetary(
        string="PIT withheld",
        compute="_compute_withholding",
        help="Personal income tax withheld from this payment (negative: reversed by a credit "
        "note).",
    )
    net_amount = fields.Monetary(
        string="Net payable",
        compute="_compute_withholding",
        help="Total commission minus the personal income tax withheld.",
    )
    withholding_reason = fields.Char(
        string="PIT withholding",
        compute="_compute_withholding",
        help="Why personal income tax is withheld from this payment, or not. Before billing, "
        "the expected outcome of billing this statement alone today.",
    )
    withholding_payroll = fields.Boolean(
        string="For payroll",
        compute="_compute_withholding",
        help="The payee has a labour contract of 3 months or more: the commission is salary "
        "income, to be taxed through payroll.",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("partner_id", "date_from", "date_to")
    def _compute_name(self):
        for statement in self:
            statement.name = "%s · %s → %s" % (
                statement.partner_id.name or "",
                statement.date_from or "",
                statement.date_to or "",
            )

    @api.depends("user_id", "company_id")
    def _compute_team_id(self):
        for statement in self:
            user = statement.user_id.sudo()
            teams = (user.sale_team_id | user.crm_team_ids).filtered(
                lambda team, company=statement.company_id: (
                    team.company_id in (company, False) or not team.company_id
                )
            )
            statement.team_id = teams[:1]

    @api.depends("line_ids.customer_id", "line_ids.beneficiary_type", "line_ids.state")
    def _compute_referred_customer_count(self):
        for statement in self:
            lines = statement.line_ids.filtered(
                lambda line: line.beneficiary_type == "referrer" and line.state != "cancel"
            )
            statement.referred_customer_count = len(lines.customer_id)

    @api.depends("line_ids.amount", "line_ids.state")
    def _compute_amount_total(self):
        data = {
            statement: (count, total)
            for statement, count, total in self.env["commission.line"]._read_group(
                [("statement_id", "in", self.ids), ("state", "!=", "cancel")],
                ["statement_id"],
                ["__count", "amount:sum"],
            )
        }
        for statement in self:
            statement.line_count, statement.amount_total = data.get(statement, (0, 0.0))

    @api.depends("line_ids.amount", "line_ids.base_amount", "line_ids.state")
    def _compute_rate(self):
        for statement in self:
            lines = statement.line_ids.filtered(
                lambda line: line.state != "cancel" and line.rule_base in ("revenue", "margin")
            )
            base = sum(lines.mapped("base_amount"))
            statement.rate = 100.0 * sum(lines.mapped("amount")) / base if base else 0.0

    @api.depends("team_id.user_id", "company_id.commission_manager_id")
    def _compute_approver_id(self):
        for statement in self:
            leader = statement.team_id.user_id
            if not leader or leader == statement.user_id:
                leader = statement.company_id.commission_manager_id
            statement.approver_id = leader

    @api.depends("amount_total", "company_id.commission_double_approval_amount")
    def _compute_needs_second_approval(self):
        for statement in self:
            limit = statement.company_id.commission_double_approval_amount
            statement.needs_second_approval = bool(limit) and (
                statement.currency_id.compare_amounts(abs(statement.amount_total), limit) >= 0
            )

    @api.depends("bill_id.amount_residual", "bill_id.amount_total", "state")
    def _compute_paid_ratio(self):
        for statement in self:
            bill = statement.bill_id
            if statement.state == "paid":
                statement.paid_ratio = 100.0
            elif bill and bill.amount_total:
                statement.paid_ratio = 100.0 * (1 - bill.amount_residual / bill.amount_total)
            else:
                statement.paid_ratio = 0.0

    @api.depends("line_ids.has_open_dispute")
    def _compute_has_open_dispute(self):
        for statement in self:
            statement.has_open_dispute = any(statement.line_ids.mapped("has_open_dispute"))

    @api.depends_context("uid")
    @api.depends("state", "approver_id", "first_approved_by_id", "user_id")
    def _compute_can_approve(self):
        for statement in self:
            statement.can_approve = statement.state == "to_approve" and not (
                statement._get_approval_error(self.env.user)
            )

    @api.depends(
        "amount_total",
        "state",
        "bill_id.line_ids.amount_currency",
        "bill_id.commission_pit_reason",
        "partner_id.commission_labour_contract",
        "partner_id.commission_pit_commitment",
        "partner_id.commission_pit_commitment_year",
        "partner_id.is_company",
        "partner_id.vat",
        "company_id.commission_pit_withholding",
        "company_id.commission_pit_rate",
        "company_id.commission_pit_threshold",
    )
    def _compute_withholding(self):
        today = fields.Date.context_today(self)
        withheld = {}
        # bill, payee and company as superuser: a payee reads their statement, not the bill
        for bill in self.sudo().bill_id.filtered(lambda move: move.state != "cancel"):
            # the bill's withholding split over its statements by amount (the last one rounds)
            statements = bill.commission_statement_ids.sorted("id")
            total = sum(statements.mapped("amount_total"))
            to_split = left = bill._commission_pit_withheld()
            for statement in statements[:-1]:
                share = (
                    bill.currency_id.round(to_split * statement.amount_total / total)
                    if total
                    else 0.0
                )
                withheld[statement.id] = share
                left -= share
            withheld[statements[-1].id] = bill.currency_id.round(left)
        for statement in self:
            sudo = statement.sudo()
            if statement.state == "cancel" or not statement.partner_id:
                amount, reason, payroll = 0.0, "", False
            elif statement.id in withheld:
                amount, reason = withheld[statement.id], sudo.bill_id.commission_pit_reason or ""
                partner = sudo.partner_id.commercial_partner_id
                payroll = bool(reason) and partner.commission_labour_contract
            else:
                pit = sudo.partner_id._commission_pit_assess(
                    sudo.company_id, statement.currency_id, statement.amount_total, today
                )
                amount, reason, payroll = pit["withheld"], pit["reason"], pit["payroll"]
            statement.withholding_amount = amount
            statement.net_amount = statement.amount_total - amount
            statement.withholding_reason = reason or False
            statement.withholding_payroll = payroll

    # ------------------------------------------------------------------
    # Constraints and protection
    # ------------------------------------------------------------------
    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for statement in self:
            if statement.date_to < statement.date_from:
                raise ValidationError(
                    self.env._("A commission statement cannot end before it starts.")
                )

    @api.constrains("line_ids", "partner_id", "company_id", "currency_id")
    def _check_lines(self):
        """Lines of the statement's payee, company and currency only. Checked in SQL, in one
        query for all the statements (statement generation checks a thousand at once)."""
        fnames = ["statement_id", "partner_id", "company_id", "currency_id"]
        self.env["commission.line"].flush_model(fnames)
        self.flush_model(fnames[1:])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT statement.id
                  FROM commission_line line
                  JOIN commission_statement statement ON statement.id = line.statement_id
                 WHERE line.statement_id = ANY(%s)
                   AND (line.partner_id IS DISTINCT FROM statement.partner_id
                        OR line.company_id != statement.company_id
                        OR line.currency_id != statement.currency_id)
                 LIMIT 1
                """,
                self.ids,
            )
        )
        if rows:
            raise ValidationError(
                self.env._(
                    "Statement %(statement)s can only hold commission lines of its payee, "
                    "company and currency.",
                    statement=self.browse(rows[0][0]).display_name,
                )
            )

    def write(self, vals):
        if not self.env.su:
            self.check_access("write")  # rights first: no hint to who may not write at all
        if not self.env.su and WORKFLOW_FIELDS.intersection(vals):
            raise UserError(
                self.env._(
                    "The status of a commission statement changes only through its buttons "
                    "(submit, approve, reject, create vendor bill)."
                )
            )
        locked = LOCKED_FIELDS.intersection(vals)
        if locked and any(statement.state != "draft" for statement in self):
            raise UserError(
                self.env._(
                    "Only draft commission statements can change payee, company, currency or "
                    "period."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_draft(self):
        if any(statement.state not in ("draft", "cancel") for statement in self):
            raise UserError(
                self.env._("Only draft or cancelled commission statements can be deleted.")
            )

    # ------------------------------------------------------------------
    # Building statements
    # ------------------------------------------------------------------
    @api.model
    def _prepare_statement_vals(self, partner, user, company, currency, date_from, date_to):
        """Values of a new statement (arguments in the order of ``_group_lines`` keys)."""
        return {
            "partner_id": partner.id,
            "user_id": user.id,
            "company_id": company.id,
            "currency_id": currency.id,
            "date_from": date_from,
            "date_to": date_to,
        }

    @api.model
    def _last_closed_month(self, today=None):
        today = today or fields.Date.context_today(self)
        first = today.replace(day=1) - relativedelta(months=1)
        return first, today.replace(day=1) - datetime.timedelta(days=1)

    @api.model
    def _gather_lines(self, company, date_to, plans=None, users=None, include_open=False):
        """Pending lines up to ``date_to`` that wait for a statement (older ones are carried).

        Unless ``include_open``, only lines whose plan period is over by ``date_to``: a
        retroactive tier may still move the lines of a running period.
        """
        domain = [
            ("statement_id", "=", False),
            ("state", "=", "pending"),
            ("is_adjustment", "=", False),
            ("company_id", "=", company.id),
            ("date", "<=", date_to),
        ]
        if plans:
            domain.append(("plan_id", "in", plans.ids))
        if users:
            domain.append(("user_id", "in", users.ids))
        # as the caller: a manager only gathers the lines they may read (their teams)
        lines = self.env["commission.line"].search(domain, order="date, id")
        if not include_open:
            # the period's end once per (plan, period start), not once per line
            ends = {}

            def period_over(line):
                key = (line.plan_id, line.period_start)
                if key not in ends:
                    ends[key] = line.plan_id._get_period_bounds(line.period_start)[1]
                return ends[key] <= date_to

            lines = lines.filtered(period_over)
        return lines

    @api.model
    def _group_lines(self, lines):
        """``lines`` by (payee, salesperson, company, currency), groups and their lines in the
        order of ``lines``. Grouped in SQL: reading four fields of each line in Python took
        longer than the rest of the statement generation."""
        if not lines:
            return {}
        position = {line_id: index for index, line_id in enumerate(lines.ids)}
        groups = []
        for *key, line_ids in lines.sudo()._read_group(
            [("id", "in", lines.ids)],
            ["partner_id", "user_id", "company_id", "currency_id"],
            ["id:array_agg"],
        ):
            line_ids.sort(key=position.__getitem__)
            groups.append((position[line_ids[0]], tuple(key), line_ids))
        groups.sort(key=lambda group: group[0])
        return {
            tuple(record.with_env(self.env) for record in key): lines.browse(line_ids)
            for _first, key, line_ids in groups
        }

    def _subscribe_salespeople(self):
        """Make the salespeople follow these new statements, with the model's default
        subtypes, as mail's auto-subscription of the responsible user does on create, but in
        one insert for all of them (mail inserts statement by statement) and without the
        "assigned to you" e-mail."""
        default_subtypes = self.env["mail.message.subtype"]._get_auto_subscription_subtypes(
            self._name
        )[1]
        self.env["mail.followers"].sudo().create(
            [
                {
                    "res_model": self._name,
                    "res_id": statement.id,
                    "partner_id": statement.user_id.partner_id.id,
                    "subtype_ids": [Command.set(default_subtypes)],
                }
                for statement in self.sudo()
                if statement.user_id.active and statement.user_id.partner_id
            ]
        )

    @api.model
    def _generate_statements(self, company, date_from, date_to, lines):
        """Put ``lines`` into statements of the period, one per payee; reuses a draft statement
        of the same payee and period. Returns the statements that received lines."""
        groups = self._group_lines(lines)
        if not groups:
            return self.browse()
        existing = self.sudo().search(
            [
                ("state", "=", "draft"),
                ("company_id", "=", company.id),
                ("date_from", "=", date_from),
                ("date_to", "=", date_to),
                ("partner_id", "in", [key[0].id for key in groups]),
            ]
        )
        by_key = {(s.partner_id, s.user_id, s.company_id, s.currency_id): s for s in existing}
        missing = [key for key in groups if key not in by_key]
        # read in batch what the ORM and mail would otherwise read payee by payee below (the
        # followers' languages, the partners' and lines' inverse fields of the writes)
        partners = self.env["res.partner"].union(*(key[0] for key in groups))
        users = self.env["res.users"].union(*(key[1] for key in groups))
        (partners | users.partner_id).mapped("lang")
        partners.sudo().mapped("ref_company_ids")
        lines.sudo().mapped("dispute_ids")
        # the drafts are created without mail's per-record work (auto-subscription, creation
        # message, "assigned to you" e-mail); the payees then follow them in one insert: they
        # hear from a statement when it is submitted, approved or paid
        created = (
            self.sudo()
            .with_context(tracking_disable=True, mail_create_nosubscribe=True)
            .create([self._prepare_statement_vals(*key, date_from, date_to) for key in missing])
        )
        created._subscribe_salespeople()
        by_key.update(zip(missing, created, strict=True))
        # one write per payee, flushed together; the consistency check of the statements
        # (payee, company, currency of their lines) once for all of them, not per write:
        # checking after each write flushed and re-read every statement's lines in turn
        later = {"commission_check_statements_later": True, "tracking_disable": True}
        lines.mapped("statement_id")  # the lines' fields in batch, not group by group below
        for key, group in groups.items():
            group.sudo().with_context(**later).write({"statement_id": by_key[key].id})
        touched = self.browse([by_key[key].id for key in groups])
        touched.sudo()._check_lines()
        return touched.with_env(self.env)

    @api.model
    def _cron_generate_statements(self):
        """Generate and submit last month's statements on each company's configured day."""
        today = fields.Date.context_today(self)
        companies = self.env["res.company"].search([("commission_statement_day", "=", today.day)])
        date_from, date_to = self._last_closed_month(today)
        for company in companies:
            lines = self._gather_lines(company, date_to)
            statements = self._generate_statements(company, date_from, date_to, lines)
            statements.filtered(lambda s: s.state == "draft" and s.line_ids).sudo().action_submit()

    # ------------------------------------------------------------------
    # Workflow
    # ------------------------------------------------------------------
    def _check_state(self, states, action):
        wrong = self.filtered(lambda statement: statement.state not in states)
        if wrong:
            raise UserError(
                self.env._(
                    "%(action)s is not possible for: %(statements)s.",
                    action=action,
                    statements=", ".join(wrong.mapped("display_name")),
                )
            )

    def _check_not_empty(self):
        empty = self.filtered(lambda statement: not statement.line_ids)
        if empty:
            raise UserError(
                self.env._(
                    "Statement %(statement)s has no commission line to approve.",
                    statement=empty[0].display_name,
                )
            )

    def action_submit(self):
        """Salespeople submit their own statements, managers those they can see."""
        self.check_access("read")
        if not self.env.user.has_group("commission_tracking.group_commission_manager"):
            others = self.filtered(lambda statement: statement.user_id != self.env.user)
            if others:
                raise AccessError(self.env._("You can only submit your own commission statements."))
        self._check_state(("draft",), self.env._("Submitting for approval"))
        self._check_not_empty()
        # the rights were checked above: a salesperson has no write access on statements
        statements = self.sudo()
        statements.write({"state": "to_approve"})
        statements._schedule_approval_activities()
        return True

    def _schedule_approval_activities(self):
        for statement in self:
            approver = statement.approver_id
            if statement.first_approved_by_id or not approver:
                approver = statement._get_second_level_approver()
            if not approver:
                continue
            statement.activity_schedule(
                "commission_tracking.mail_activity_commission_approval",
                user_id=approver.id,
                summary=self.env._(
                    "Approve commission statement of %(payee)s (%(amount)s)",
                    payee=statement.partner_id.name,
                    amount=formatLang(
                        self.env, statement.amount_total, currency_obj=statement.currency_id
                    ),
                ),
            )

    def _get_second_level_approver(self):
        self.ensure_one()
        admins = self.env.ref("commission_tracking.group_commission_admin").user_ids.filtered(
            lambda user: (
                self.company_id in user.company_ids
                and not user.share
                and user != self.user_id
                and user != self.first_approved_by_id
                and user.active
            )
        )
        manager = self.company_id.commission_manager_id
        return manager if manager in admins else admins[:1]

    def _get_approval_error(self, user):
        """Why ``user`` cannot approve this statement now (None if they can)."""
        self.ensure_one()
        is_admin = user.has_group("commission_tracking.group_commission_admin")
        if self.user_id == user or self.partner_id == user.partner_id:
            return self.env._("You cannot approve your own commission.")
        if self.first_approved_by_id:
            if not is_admin:
                return self.env._(
                    "This statement is above the second-approval amount: a commission "
                    "administrator must approve it."
                )
            if self.first_approved_by_id == user:
                return self.env._("The second approval must come from another person.")
            return None
        if not is_admin and user != self.approver_id:
            if not user.has_group("commission_tracking.group_commission_manager"):
                return self.env._("Only commission managers can approve statements.")
            if self.team_id.user_id != user:
                return self.env._(
                    "Only the leader of the salesperson's team or a commission administrator "
                    "can approve this statement."
                )
        return None

    def action_approve(self):
        self._check_state(("to_approve",), self.env._("Approving"))
        self._check_not_empty()
        disputed = self.filtered(lambda s: any(s.line_ids.mapped("has_open_dispute")))
        if disputed and not self.env.context.get("commission_override_disputes"):
            raise UserError(
                self.env._(
                    "Statement %(statement)s has an open dispute. Resolve it first, or use "
                    "“Approve despite disputes”.",
                    statement=disputed[0].display_name,
                )
            )
        now = fields.Datetime.now()
        user = self.env.user
        for statement in self:
            error = statement._get_approval_error(user)
            if error:
                raise UserError(
                    self.env._(
                        "%(statement)s: %(error)s", statement=statement.display_name, error=error
                    )
                )
        first_level = self.filtered(
            lambda s: s.needs_second_approval and not s.first_approved_by_id
        )
        (self - first_level)._check_accrual_setup()
        final = self - first_level
        self.check_access("write")
        if first_level:
            first_level.sudo().write({"first_approved_by_id": user.id, "first_approval_date": now})
            first_level.activity_feedback(["commission_tracking.mail_activity_commission_approval"])
            first_level._schedule_approval_activities()
        if final:
            final.sudo().write(
                {"state": "approved", "approved_by_id": user.id, "approval_date": now}
            )
            final.line_ids.filtered(lambda line: line.state == "pending").sudo().write(
                {"state": "approved"}
            )
            final._post_accrual()
            final.activity_feedback(["commission_tracking.mail_activity_commission_approval"])
            self.env["commission.compute"]._send_template(
                final, "commission_tracking.mail_template_statement_approved"
            )
        return True

    def action_approve_override_disputes(self):
        """Explicit override: approve although some lines are disputed (logged)."""
        for statement in self.filtered(lambda s: any(s.line_ids.mapped("has_open_dispute"))):
            statement.message_post(
                body=self.env._(
                    "Approved despite open disputes by %(user)s.", user=self.env.user.name
                )
            )
        return self.with_context(commission_override_disputes=True).action_approve()

    def action_reject(self, reason):
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give a reason to reject a commission statement."))
        self._check_state(("to_approve",), self.env._("Rejecting"))
        self.check_access("write")
        self.sudo().write(
            {"state": "draft", "first_approved_by_id": False, "first_approval_date": False}
        )
        self.activity_unlink(["commission_tracking.mail_activity_commission_approval"])
        for statement in self:
            statement.message_post(
                body=self.env._("Rejected: %(reason)s", reason=reason),
                partner_ids=statement.user_id.partner_id.ids,
                subtype_xmlid="mail.mt_comment",
            )
        return True

    def action_open_reject_wizard(self):
        self._check_state(("to_approve",), self.env._("Rejecting"))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reject commission statements"),
            "res_model": "commission.statement.reject",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": self._name, "active_ids": self.ids},
        }

    def action_reset_to_draft(self):
        self._check_state(("to_approve", "cancel"), self.env._("Resetting to draft"))
        self.check_access("write")
        self.sudo().write(
            {"state": "draft", "first_approved_by_id": False, "first_approval_date": False}
        )
        self.activity_unlink(["commission_tracking.mail_activity_commission_approval"])
        return True

    def action_cancel(self):
        self._check_state(("draft", "to_approve"), self.env._("Cancelling"))
        self.check_access("write")
        self.activity_unlink(["commission_tracking.mail_activity_commission_approval"])
        # the pending lines go back to the pool of lines waiting for a statement
        self.line_ids.filtered(lambda line: not line.is_adjustment).sudo().write(
            {"statement_id": False}
        )
        self.line_ids.sudo().write({"state": "cancel"})
        self.sudo().write({"state": "cancel"})
        return True

    def action_add_adjustment(self):
        self.ensure_one()
        self._check_state(("draft",), self.env._("Adding an adjustment"))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Add an adjustment"),
            "res_model": "commission.adjustment",
            "view_mode": "form",
            "target": "new",
            "context": {"default_statement_id": self.id},
        }

    # ------------------------------------------------------------------
    # Payout
    # ------------------------------------------------------------------
    def action_create_bills(self):
        return self.env["account.move"]._commission_create_bills(self)

    def action_view_bill(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.bill_id.id,
            "views": [(False, "form")],
        }

    def action_view_lines(self):
        self.ensure_one()
        return self.env["commission.line"]._action_open_lines([("statement_id", "=", self.id)])

    def _mark_paid(self, payment_date):
        to_pay = self.filtered(lambda statement: statement.state != "paid").sudo()
        if not to_pay:
            return
        to_pay.write({"state": "paid", "payment_date": payment_date})
        to_pay.line_ids.filtered(lambda line: line.state == "approved").sudo().write(
            {"state": "paid", "payment_date": payment_date}
        )
        self.env["commission.compute"]._send_template(
            to_pay, "commission_tracking.mail_template_statement_paid"
        )

    def _mark_unpaid(self):
        paid = self.filtered(lambda statement: statement.state == "paid").sudo()
        if not paid:
            return
        paid.write({"state": "billed", "payment_date": False})
        paid.line_ids.filtered(lambda line: line.state == "paid").sudo().write(
            {"state": "approved", "payment_date": False}
        )

    def _release_bill(self):
        """The bill was cancelled, deleted or reversed: the statements can be billed again."""
        self._mark_unpaid()
        billed = self.filtered(lambda statement: statement.state == "billed").sudo()
        billed.write({"state": "approved", "bill_id": False})
        billed._post_accrual()

    # ------------------------------------------------------------------
    # Accrual accounting (optional, per company)
    # ------------------------------------------------------------------
    def _prepare_accrual_move_vals(self):
        self.ensure_one()
        company = self.company_id
        amount = self.currency_id.round(self.amount_total)
        debit_account = company.commission_expense_account_id
        credit_account = company.commission_accrued_account_id
        if amount < 0:
            debit_account, credit_account = credit_account, debit_account
            amount = -amount
        label = self.env._("Accrued commission %(statement)s", statement=self.name)
        line_vals = {"name": label, "partner_id": self.partner_id.id}
        return {
            "move_type": "entry",
            "journal_id": company.commission_accrual_journal_id.id,
            "company_id": company.id,
            "date": self.date_to,
            "ref": label,
            "line_ids": [
                fields.Command.create(
                    {**line_vals, "account_id": debit_account.id, "debit": amount}
                ),
                fields.Command.create(
                    {**line_vals, "account_id": credit_account.id, "credit": amount}
                ),
            ],
        }

    def _check_accrual_setup(self):
        for company in self.company_id.filtered("commission_accrual"):
            if not (
                company.commission_accrual_journal_id
                and company.commission_expense_account_id
                and company.commission_accrued_account_id
            ):
                raise UserError(
                    self.env._(
                        "Commission accrual is on for %(company)s: set its journal, expense "
                        "account and accrued commissions account in Settings > Commissions.",
                        company=company.name,
                    )
                )

    def _post_accrual(self):
        statements = self.filtered(
            lambda s: s.company_id.commission_accrual and not s.currency_id.is_zero(s.amount_total)
        ).sudo()
        statements._check_accrual_setup()
        for statement in statements:
            move = self.env["account.move"].sudo().create(statement._prepare_accrual_move_vals())
            move.action_post()
            statement.accrual_move_ids = [fields.Command.link(move.id)]

    def _reverse_accrual(self, date):
        for statement in self.sudo().filtered("accrual_move_ids"):
            reversed_moves = statement.accrual_move_ids.reversed_entry_id
            open_accruals = statement.accrual_move_ids.filtered(
                lambda m, done=reversed_moves: not m.reversed_entry_id and m not in done
            )
            if not open_accruals:
                continue
            reversals = open_accruals._reverse_moves(
                [
                    {
                        "date": max(date, move.date),
                        "ref": self.env._("Reversal of %(ref)s", ref=move.ref),
                    }
                    for move in open_accruals
                ]
            )
            reversals.action_post()
            statement.accrual_move_ids = [fields.Command.link(m.id) for m in reversals]
