import base64
import dataclasses
import io
from decimal import Decimal

import xlsxwriter

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError


class CommissionSimulator(models.TransientModel):
    """What-if: what a plan, or the plan with changed rates and tiers, would have paid.

    The engine computes the past periods again through ``commission.compute._simulate_plan``:
    the same code as the real lines, with the wizard's rates in place of the plan's. No
    commission line and no plan is written; the changed terms live on the wizard only.
    """

    _name = "commission.simulator"
    _description = "Commission What-if Simulator"

    plan_id = fields.Many2one("commission.plan", required=True)
    company_id = fields.Many2one(related="plan_id.company_id")
    currency_id = fields.Many2one(related="plan_id.currency_id")
    date_from = fields.Date(
        string="From", required=True, default=lambda self: self._default_date_from()
    )
    date_to = fields.Date(string="To", required=True, default=lambda self: self._default_date_to())
    rule_ids = fields.One2many(
        "commission.simulator.rule",
        "simulator_id",
        string="Simulated rules",
        compute="_compute_rule_ids",
        store=True,
        readonly=False,
        help="The plan's rules: change rates and tiers here, the plan itself is not changed.",
    )
    result_ids = fields.One2many(
        "commission.simulator.result", "simulator_id", string="Results", readonly=True
    )
    actual_total = fields.Monetary(string="Earned", compute="_compute_totals")
    simulated_total = fields.Monetary(string="Simulated", compute="_compute_totals")
    difference_total = fields.Monetary(string="Difference", compute="_compute_totals")

    def _default_date_from(self):
        return self.env["commission.statement"]._last_closed_month()[0]

    def _default_date_to(self):
        return self.env["commission.statement"]._last_closed_month()[1]

    @api.depends("plan_id")
    def _compute_rule_ids(self):
        for wizard in self:
            commands = [Command.clear()]
            for rule in wizard.plan_id.rule_ids:
                commands.append(
                    Command.create(
                        {
                            "rule_id": rule.id,
                            "rate": rule.rate,
                            "tier_mode": rule.tier_mode,
                            "tier_ids": [
                                Command.create({"threshold": tier.threshold, "rate": tier.rate})
                                for tier in rule.tier_ids.sorted("threshold")
                            ],
                        }
                    )
                )
            wizard.rule_ids = commands

    @api.depends("result_ids.actual_amount", "result_ids.simulated_amount")
    def _compute_totals(self):
        for wizard in self:
            wizard.actual_total = sum(wizard.result_ids.mapped("actual_amount"))
            wizard.simulated_total = sum(wizard.result_ids.mapped("simulated_amount"))
            wizard.difference_total = wizard.simulated_total - wizard.actual_total

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(self.env._("The start date must be before the end date."))
            if wizard.date_to > fields.Date.context_today(wizard):
                raise ValidationError(
                    self.env._("The simulator replays past periods: choose dates in the past.")
                )

    # ------------------------------------------------------------------
    # Simulation
    # ------------------------------------------------------------------
    def _engine_rules(self):
        """The plan's engine rules with the wizard's rates, tier mode and tiers."""
        self.ensure_one()
        changes = {line.rule_id.id: line for line in self.rule_ids}
        rules = []
        for rule in self.plan_id._commission_engine_rules():
            line = changes.get(rule.key)
            if not line:
                rules.append(rule)
                continue
            try:
                rules.append(
                    dataclasses.replace(
                        rule,
                        rate=Decimal(str(line.rate)),
                        tier_mode=line.tier_mode,
                        tiers=tuple(
                            (Decimal(str(tier.threshold)), Decimal(str(tier.rate)))
                            for tier in line.tier_ids
                        ),
                    )
                )
            except ValueError as error:
                raise UserError(
                    self.env._(
                        "Rule “%(rule)s” cannot be simulated: %(error)s",
                        rule=line.rule_id.display_name,
                        error=error,
                    )
                ) from error
        return tuple(rules)

    def _visible_beneficiaries(self, beneficiaries):
        """A team manager compares the people of the teams they lead (and themselves)."""
        user = self.env.user
        if self.env.su or user.has_group("commission_tracking.group_commission_admin"):
            return beneficiaries
        teams = self.env["crm.team"].search([("user_id", "=", user.id)])
        users = teams.member_ids | user
        if beneficiaries._name == "res.users":
            return beneficiaries & users
        return beneficiaries & users.partner_id

    def _actual_amounts(self, beneficiaries, period_starts):
        field = "user_id" if beneficiaries._name == "res.users" else "partner_id"
        groups = (
            self.env["commission.line"]
            .sudo()
            ._read_group(
                [
                    ("plan_id", "=", self.plan_id.id),
                    (field, "in", beneficiaries.ids),
                    ("period_start", "in", period_starts),
                    ("state", "!=", "cancel"),
                ],
                [field, "period_start:day"],
                ["amount:sum"],
            )
        )
        return {(who.id, start): amount for who, start, amount in groups}

    def action_simulate(self):
        self.ensure_one()
        self.plan_id.check_access("read")
        for line in self.rule_ids:
            if line.rate < 0 or any(tier.rate < 0 for tier in line.tier_ids):
                raise UserError(self.env._("Simulated rates cannot be negative."))
            if line.tier_mode != "flat" and not line.tier_ids:
                raise UserError(
                    self.env._(
                        "Rule “%(rule)s”: tiered rules need at least one tier.",
                        rule=line.rule_id.display_name,
                    )
                )
        rules = self._engine_rules()
        Compute = self.env["commission.compute"]
        simulated = Compute._simulate_plan(self.plan_id, self.date_from, self.date_to, rules=rules)
        beneficiaries = self._visible_beneficiaries(
            self.env[next(iter(simulated))[0]._name].union(*(who for who, _s in simulated))
            if simulated
            else self.env["res.users"]
        )
        starts = sorted({start for _who, start in simulated})
        actual = self._actual_amounts(beneficiaries, starts) if beneficiaries else {}
        vals_list = []
        for (who, start), result in sorted(simulated.items(), key=lambda i: (i[0][1], i[0][0].id)):
            if who not in beneficiaries:
                continue
            vals_list.append(
                {
                    "name": who.display_name,
                    "user_id": who.id if who._name == "res.users" else False,
                    "partner_id": who.id if who._name == "res.partner" else who.partner_id.id,
                    "period_start": start,
                    "actual_amount": actual.get((who.id, start), 0.0),
                    "simulated_amount": float(result.total),
                    "deal_count": len({line.deal_key for line in result.lines}),
                }
            )
        self.result_ids = [Command.clear()] + [Command.create(vals) for vals in vals_list]
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "views": [(False, "form")],
            "target": "new",
            "name": self.env._("What-if simulator"),
        }

    # ------------------------------------------------------------------
    # Export
    # ------------------------------------------------------------------
    def _generate_xlsx(self):
        self.ensure_one()
        digits = self.currency_id.decimal_places
        money_format = "#,##0" + ("." + "0" * digits if digits else "")
        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True})
        title = workbook.add_format({"bold": True, "font_size": 14})
        header = workbook.add_format({"bold": True, "bg_color": "#E8EEF7", "border": 1})
        money = workbook.add_format({"num_format": money_format})
        money_bold = workbook.add_format({"num_format": money_format, "bold": True})
        bold = workbook.add_format({"bold": True})
        sheet = workbook.add_worksheet(self.env._("What-if")[:31])
        sheet.set_column(0, 0, 30)
        sheet.set_column(1, 1, 12)
        sheet.set_column(2, 5, 18)
        sheet.write(0, 0, self.env._("What-if simulation: %s", self.plan_id.display_name), title)
        sheet.write(
            1,
            0,
            self.env._(
                "%(date_from)s → %(date_to)s, %(currency)s",
                date_from=self.date_from,
                date_to=self.date_to,
                currency=self.currency_id.name,
            ),
        )
        row = 3
        for line in self.rule_ids:
            tiers = ", ".join(f"{t.threshold:,.0f}: {t.rate:g}" for t in line.tier_ids)
            sheet.write(row, 0, line.rule_id.display_name or "")
            sheet.write(row, 1, line.rate)
            sheet.write(row, 2, tiers)
            row += 1
        header_row = row + 1
        sheet.write_row(
            header_row,
            0,
            [
                self.env._("Beneficiary"),
                self.env._("Period"),
                self.env._("Deals"),
                self.env._("Earned"),
                self.env._("Simulated"),
                self.env._("Difference"),
            ],
            header,
        )
        row = header_row
        for result in self.result_ids:
            row += 1
            sheet.write(row, 0, result.name)
            sheet.write(row, 1, fields.Date.to_string(result.period_start))
            sheet.write_number(row, 2, result.deal_count)
            sheet.write_number(row, 3, result.actual_amount, money)
            sheet.write_number(row, 4, result.simulated_amount, money)
            sheet.write_formula(row, 5, f"=E{row + 1}-D{row + 1}", money, result.difference_amount)
        total_row = row + 1
        sheet.write(total_row, 0, self.env._("Total"), bold)
        values = (self.actual_total, self.simulated_total, self.difference_total)
        for column, letter, value in zip((3, 4, 5), "DEF", values, strict=True):
            formula = (
                f"=SUM({letter}{header_row + 2}:{letter}{row + 1})" if row > header_row else "=0"
            )
            sheet.write_formula(total_row, column, formula, money_bold, value)
        sheet.freeze_panes(header_row + 1, 0)
        sheet.autofilter(header_row, 0, max(row, header_row), 5)
        workbook.close()
        return buffer.getvalue()

    def action_export_xlsx(self):
        self.ensure_one()
        if not self.result_ids:
            raise UserError(self.env._("Run the simulation first."))
        attachment = self.env["ir.attachment"].create(
            {
                "name": "%s.xlsx"
                % self.env._("What-if %s", self.plan_id.display_name).replace("/", "-"),
                "datas": base64.b64encode(self._generate_xlsx()),
                "res_model": self._name,
                "res_id": self.id,
                "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download",
        }


class CommissionSimulatorRule(models.TransientModel):
    _name = "commission.simulator.rule"
    _description = "Commission Simulator Rule"

    simulator_id = fields.Many2one(
        "commission.simulator", required=True, ondelete="cascade", index=True
    )
    rule_id = fields.Many2one("commission.rule", required=True)
    base = fields.Selection(related="rule_id.base")
    rate_type = fields.Selection(related="rule_id.rate_type")
    tier_mode = fields.Selection(selection="_selection_tier_mode", required=True, default="flat")
    rate = fields.Float(digits=(16, 4))
    tier_ids = fields.One2many("commission.simulator.tier", "simulator_rule_id", string="Tiers")

    def _selection_tier_mode(self):
        """The rule's own choices (and their translations)."""
        return self.env["commission.rule"]._fields["tier_mode"]._description_selection(self.env)


class CommissionSimulatorTier(models.TransientModel):
    _name = "commission.simulator.tier"
    _description = "Commission Simulator Tier"
    _order = "threshold, id"

    simulator_rule_id = fields.Many2one(
        "commission.simulator.rule", required=True, ondelete="cascade", index=True
    )
    threshold = fields.Float(digits=(16, 2))
    rate = fields.Float(digits=(16, 4))


class CommissionSimulatorResult(models.TransientModel):
    _name = "commission.simulator.result"
    _description = "Commission Simulator Result"
    _order = "period_start, name, id"

    simulator_id = fields.Many2one(
        "commission.simulator", required=True, ondelete="cascade", index=True
    )
    currency_id = fields.Many2one(related="simulator_id.currency_id")
    name = fields.Char(string="Beneficiary")
    user_id = fields.Many2one("res.users", string="Salesperson")
    partner_id = fields.Many2one("res.partner", string="Payee")
    period_start = fields.Date(string="Period")
    deal_count = fields.Integer(string="Deals")
    actual_amount = fields.Monetary(string="Earned")
    simulated_amount = fields.Monetary(string="Simulated")
    difference_amount = fields.Monetary(string="Difference", compute="_compute_difference")

    @api.depends("actual_amount", "simulated_amount")
    def _compute_difference(self):
        for result in self:
            result.difference_amount = result.simulated_amount - result.actual_amount
