import datetime
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.misc import formatLang

from .. import engine

PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}

# The terms of a plan: once commission lines exist they never change (history is never
# rewritten); duplicate the plan to change them.
LOCKED_PLAN_FIELDS = {
    "company_id",
    "currency_id",
    "beneficiary_type",
    "trigger",
    "period",
    "date_from",
    "cap_amount",
    "team_override_own_deals",
    "clawback_days",
}


class CommissionPlan(models.Model):
    _name = "commission.plan"
    _description = "Commission Plan"
    _inherit = ["mail.thread"]
    _order = "active desc, sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True, translate=True)
    active = fields.Boolean(default=True, tracking=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        tracking=True,
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self._default_currency_id(),
        tracking=True,
    )
    beneficiary_type = fields.Selection(
        selection=[
            ("salesperson", "Salesperson"),
            ("partner", "Sales partner"),
            ("referrer", "Referrer"),
        ],
        required=True,
        default="salesperson",
        tracking=True,
        help="Who earns the commissions of this plan.",
    )
    trigger = fields.Selection(
        selection=[
            ("won", "Opportunity won"),
            ("order", "Sales order confirmed"),
            ("invoice", "Invoice posted"),
            ("payment", "Invoice paid"),
        ],
        required=True,
        default="won",
        tracking=True,
        help="The business event that computes the commission lines.",
    )
    period = fields.Selection(
        selection=[("month", "Monthly"), ("quarter", "Quarterly"), ("year", "Yearly")],
        required=True,
        default="month",
        tracking=True,
        help="Tiers and the cap are measured over this period, per beneficiary.",
    )
    date_from = fields.Date(
        string="Valid from",
        tracking=True,
        help="First day deals count for this plan. Empty: no start limit.",
    )
    date_to = fields.Date(
        string="Valid until",
        tracking=True,
        help="Last day deals count for this plan. Empty: no end limit.",
    )
    user_ids = fields.Many2many(
        "res.users",
        relation="commission_plan_res_users_rel",
        column1="plan_id",
        column2="user_id",
        string="Salespeople",
        domain=[("share", "=", False)],
        tracking=True,
        help="Salespeople covered by this plan.",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        relation="commission_plan_res_partner_rel",
        column1="plan_id",
        column2="partner_id",
        string="Partners",
        help="Sales partners or referrers covered by this plan.",
    )
    rule_ids = fields.One2many("commission.rule", "plan_id", string="Rules", copy=True)
    cap_amount = fields.Monetary(
        string="Cap per period",
        currency_field="currency_id",
        tracking=True,
        help="Maximum commission per beneficiary and period for the whole plan. 0 means no cap.",
    )
    team_override_own_deals = fields.Boolean(
        string="Team override includes the leader's own deals",
        tracking=True,
        help="For rules on team members' deals: also count the team leader's own deals. "
        "Off: the leader's own deals earn only through the rules on own deals.",
    )
    clawback_days = fields.Integer(
        string="Claw back unpaid invoices after (days)",
        tracking=True,
        help="Invoice-triggered plans: the commission of an invoice still unpaid this many days "
        "after its due date is reversed by a correction line, and restored when the invoice "
        "is paid. 0: never.",
    )
    partner_rate_ids = fields.One2many(
        "commission.partner.rate",
        "plan_id",
        string="Agreed rates",
        copy=True,
        help="Rates agreed with a sales partner for a customer or a product category: they "
        "replace the rate of the plan's flat percentage rules for the matching deals.",
    )
    line_ids = fields.One2many("commission.line", "plan_id", string="Commission lines")
    recompute_ids = fields.One2many("commission.recompute", "plan_id", string="Recomputations")
    recompute_running = fields.Boolean(compute="_compute_recompute_running")
    recompute_progress = fields.Float(compute="_compute_recompute_running")
    line_count = fields.Integer(compute="_compute_line_count")
    summary = fields.Text(
        compute="_compute_summary",
        help="The plan in plain language, as the salespeople will read it.",
    )
    note = fields.Html(string="Notes")

    def _default_currency_id(self):
        return self.env.company.currency_id

    @api.onchange("company_id")
    def _onchange_company_id(self):
        if self.company_id:
            self.currency_id = self.company_id.currency_id

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    def _compute_line_count(self):
        counts = dict(
            self.env["commission.line"]._read_group(
                [("plan_id", "in", self.ids)], ["plan_id"], ["__count"]
            )
        )
        for plan in self:
            plan.line_count = counts.get(plan, 0)

    @api.depends(
        "name",
        "beneficiary_type",
        "trigger",
        "period",
        "date_from",
        "date_to",
        "user_ids",
        "cap_amount",
        "currency_id",
        "rule_ids.summary",
    )
    def _compute_summary(self):
        beneficiaries = dict(self._fields["beneficiary_type"]._description_selection(self.env))
        triggers = dict(self._fields["trigger"]._description_selection(self.env))
        periods = dict(self._fields["period"]._description_selection(self.env))
        for plan in self:
            parts = [
                self.env._(
                    "%(beneficiary)s commission, computed when: %(trigger)s; "
                    "tiers and cap measured per %(period)s.",
                    beneficiary=beneficiaries.get(plan.beneficiary_type, ""),
                    trigger=(triggers.get(plan.trigger) or "").lower(),
                    period=(periods.get(plan.period) or "").lower(),
                )
            ]
            if plan.beneficiary_type == "salesperson":
                if plan.user_ids:
                    parts.append(
                        self.env._(
                            "Covers: %(names)s.",
                            names=", ".join(plan.user_ids.mapped("name")),
                        )
                    )
                else:
                    parts.append(
                        self.env._(
                            "No salesperson yet: this plan computes nothing until you add some."
                        )
                    )
            if plan.date_from or plan.date_to:
                parts.append(
                    self.env._(
                        "Valid from %(start)s to %(end)s.",
                        start=plan.date_from or "…",
                        end=plan.date_to or "…",
                    )
                )
            for rule in plan.rule_ids:
                parts.append("• " + (rule.summary or ""))
            if len(plan.rule_ids) > 1:
                parts.append(self.env._("Hybrid plan: the commission is the sum of all rules."))
            if plan.currency_id and not plan.currency_id.is_zero(plan.cap_amount):
                parts.append(
                    self.env._(
                        "Capped at %(cap)s per salesperson and period.",
                        cap=formatLang(self.env, plan.cap_amount, currency_obj=plan.currency_id),
                    )
                )
            plan.summary = "\n".join(parts)

    @api.depends("recompute_ids.state", "recompute_ids.group_done")
    def _compute_recompute_running(self):
        for plan in self:
            running = plan.recompute_ids.filtered(lambda j: j.state in ("queued", "running"))
            plan.recompute_running = bool(running)
            plan.recompute_progress = running[:1].progress

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("active", "rule_ids")
    def _check_rules(self):
        for plan in self:
            if plan.active and not plan.rule_ids:
                raise ValidationError(
                    self.env._(
                        "The active commission plan “%(plan)s” has no rule. "
                        "Add at least one rule, or archive the plan.",
                        plan=plan.display_name,
                    )
                )

    @api.constrains("clawback_days", "trigger")
    def _check_clawback(self):
        for plan in self:
            if plan.clawback_days < 0:
                raise ValidationError(
                    self.env._(
                        "Plan “%(plan)s”: the clawback delay cannot be negative (0: never).",
                        plan=plan.display_name,
                    )
                )
            if plan.clawback_days and plan.trigger != "invoice":
                raise ValidationError(
                    self.env._(
                        "Plan “%(plan)s”: clawback of unpaid invoices applies to plans "
                        "triggered by posted invoices only.",
                        plan=plan.display_name,
                    )
                )

    @api.constrains("currency_id", "company_id")
    def _check_currency(self):
        for plan in self:
            if plan.currency_id != plan.company_id.currency_id:
                raise ValidationError(
                    self.env._(
                        "Plan “%(plan)s” must be in %(currency)s, the currency of %(company)s: "
                        "commissions are computed and paid in the company's currency.",
                        plan=plan.display_name,
                        currency=plan.company_id.currency_id.name,
                        company=plan.company_id.name,
                    )
                )

    @api.constrains("cap_amount")
    def _check_cap_amount(self):
        for plan in self:
            if plan.cap_amount < 0:
                raise ValidationError(
                    self.env._(
                        "Plan “%(plan)s”: the cap cannot be negative (0 means no cap).",
                        plan=plan.display_name,
                    )
                )

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for plan in self:
            if plan.date_from and plan.date_to and plan.date_to < plan.date_from:
                raise ValidationError(
                    self.env._(
                        "Plan “%(plan)s” ends (%(end)s) before it starts (%(start)s).",
                        plan=plan.display_name,
                        start=plan.date_from,
                        end=plan.date_to,
                    )
                )

    # ------------------------------------------------------------------
    # History protection
    # ------------------------------------------------------------------
    def _check_terms_unlocked(self):
        """Refuse to change the terms of plans that already produced commission lines."""
        used = self.filtered(lambda plan: plan.sudo().line_ids)
        if used:
            raise UserError(
                self.env._(
                    "Plan “%(plan)s” already has commission lines: its terms can no longer "
                    "change, so past lines keep the rate they were computed with. Duplicate "
                    "the plan to change its terms, then archive this one.",
                    plan=used[0].display_name,
                )
            )

    def write(self, vals):
        if LOCKED_PLAN_FIELDS.intersection(vals):
            changed = self.filtered(
                lambda plan: any(
                    plan._fields[name].convert_to_write(plan[name], plan) != vals[name]
                    for name in LOCKED_PLAN_FIELDS.intersection(vals)
                )
            )
            changed._check_terms_unlocked()
        return super().write(vals)

    def action_archive(self):
        """Archiving a plan with pending lines asks what to do with them."""
        pending = self.env["commission.line"].search_count(
            [("plan_id", "in", self.ids), ("state", "=", "pending")]
        )
        if pending and not self.env.context.get("commission_archive_decided"):
            return {
                "type": "ir.actions.act_window",
                "name": self.env._("Archive commission plans"),
                "res_model": "commission.plan.archive",
                "view_mode": "form",
                "target": "new",
                "context": {"default_plan_ids": self.ids, "default_pending_count": pending},
            }
        return super().action_archive()

    # ------------------------------------------------------------------
    # Periods
    # ------------------------------------------------------------------
    def _get_period_bounds(self, day):
        """Return (first day, last day) of this plan's period that contains ``day``."""
        self.ensure_one()
        months = PERIOD_MONTHS[self.period]
        first_month = ((day.month - 1) // months) * months + 1
        start = datetime.date(day.year, first_month, 1)
        end = start + relativedelta(months=months, days=-1)
        return start, end

    def _covers_date(self, day):
        self.ensure_one()
        return (not self.date_from or day >= self.date_from) and (
            not self.date_to or day <= self.date_to
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_recompute(self):
        self.ensure_one()
        today = fields.Date.context_today(self)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Recompute commissions"),
            "res_model": "commission.recompute",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "context": {
                "default_plan_id": self.id,
                "default_date_from": self.date_from or today.replace(month=1, day=1),
                "default_date_to": min(self.date_to or today, today),
            },
        }

    def action_view_lines(self):
        self.ensure_one()
        return self.env["commission.line"]._action_open_lines([("plan_id", "=", self.id)])

    # ------------------------------------------------------------------
    # Engine input
    # ------------------------------------------------------------------
    def _commission_has_team_rules(self):
        self.ensure_one()
        return any(rule.scope == "team" for rule in self.rule_ids)

    def _commission_claws_back(self, move, today=None):
        """True when this plan reverses the commission of ``move``, an invoice still unpaid
        ``clawback_days`` after its due date."""
        self.ensure_one()
        if not self.clawback_days or move.move_type != "out_invoice":
            return False
        if move.payment_state in ("paid", "in_payment", "reversed"):
            return False
        due = move.invoice_date_due or move.invoice_date
        today = today or fields.Date.context_today(self)
        return bool(due) and (today - due).days > self.clawback_days

    def _commission_engine_rules(self):
        """The plan's rules as plain engine data."""
        self.ensure_one()
        return tuple(
            engine.Rule(
                key=rule.id,
                name=rule.display_name,
                base=rule.base,
                rate_type=rule.rate_type,
                rate=Decimal(str(rule.rate)),
                tier_mode=rule.tier_mode,
                tiers=tuple(
                    engine.Tier(threshold=Decimal(str(t.threshold)), rate=Decimal(str(t.rate)))
                    for t in rule.tier_ids.sorted("threshold")
                ),
                product_ids=frozenset(rule.product_ids.ids),
                categ_ids=rule._get_categ_ids(),
                scope=rule.scope,
            )
            for rule in self.rule_ids
        )
