from collections import defaultdict

from psycopg2 import errors

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class AccountMove(models.Model):
    _inherit = "account.move"

    commission_line_ids = fields.One2many(
        "commission.line", "move_id", string="Commission lines", readonly=True
    )
    commission_count = fields.Integer(
        compute="_compute_commission_total", string="Commission line count"
    )
    commission_total = fields.Monetary(
        compute="_compute_commission_total",
        string="Commission",
        currency_field="company_currency_id",
        help="Total of the commission lines of this invoice that are not cancelled.",
    )
    commission_statement_ids = fields.One2many(
        "commission.statement", "bill_id", string="Commission statements", readonly=True
    )
    commission_statement_count = fields.Integer(compute="_compute_commission_statement_count")
    commission_pit_reason = fields.Char(
        string="PIT withholding",
        readonly=True,
        copy=False,
        help="Why personal income tax was withheld from this commission payment, or not.",
    )
    commission_partner_id = fields.Many2one(
        "res.partner",
        string="Sales partner",
        index="btree_not_null",
        tracking=True,
        help="The reseller or agent who brought this sale and earns a partner commission "
        "(carried from the sales order).",
    )

    @api.depends(
        "commission_line_ids.amount",
        "commission_line_ids.state",
        "commission_statement_ids.amount_total",
    )
    def _compute_commission_total(self):
        """Lines earned on this invoice, or paid by this vendor bill (through its statements)."""
        data = self.env["commission.line"]._commission_totals_by("move_id", self)
        for move in self:
            count, total = data.get(move, (0, 0.0))
            statements = move.sudo().commission_statement_ids
            move.commission_count = count + sum(statements.mapped("line_count"))
            move.commission_total = total + sum(statements.mapped("amount_total"))

    @api.depends("commission_statement_ids")
    def _compute_commission_statement_count(self):
        for move in self:
            move.commission_statement_count = len(move.commission_statement_ids)

    def action_view_commission_lines(self):
        self.ensure_one()
        domain = [("move_id", "=", self.id)]
        if self.commission_statement_ids:
            domain = ["|", ("statement_id", "in", self.commission_statement_ids.ids), *domain]
        return self.env["commission.line"]._action_open_lines(domain)

    def action_view_commission_statements(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "commission_tracking.commission_statement_action"
        )
        action["domain"] = [("bill_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------------
    # Vendor bills for approved statements
    # ------------------------------------------------------------------
    @api.model
    def _commission_lock_statements(self, statements):
        """Lock the statements' rows so two users cannot bill them at the same moment."""
        try:
            self.env.cr.execute(
                SQL(
                    "SELECT id FROM commission_statement WHERE id IN %s FOR UPDATE NOWAIT",
                    tuple(statements.ids),
                )
            )
        except errors.LockNotAvailable as error:
            raise UserError(
                self.env._(
                    "These commission statements are being billed by someone else right now. "
                    "Try again in a moment."
                )
            ) from error
        statements.invalidate_recordset(["state", "bill_id"])

    @api.model
    def _commission_create_bills(self, statements):
        if not statements:
            return False
        statements.check_access("write")
        self.check_access("create")
        self._commission_lock_statements(statements)
        not_approved = statements.filtered(lambda s: s.state != "approved" or s.bill_id)
        if not_approved:
            raise UserError(
                self.env._(
                    "Only approved statements that are not billed yet can be billed: %(names)s.",
                    names=", ".join(not_approved.mapped("display_name")),
                )
            )
        groups = defaultdict(lambda: self.env["commission.statement"])
        for statement in statements:
            company = statement.company_id
            if not company.commission_product_id:
                raise UserError(
                    self.env._(
                        "Set the commission product of %(company)s in Settings > Commissions "
                        "before creating vendor bills.",
                        company=company.name,
                    )
                )
            partner = statement.partner_id
            user = statement.user_id
            if user and user.commission_payee_id == partner and not partner.bank_ids:
                raise UserError(
                    self.env._(
                        "%(salesperson)s cannot be paid: their commission payee %(payee)s has no "
                        "bank account.",
                        salesperson=user.name,
                        payee=partner.name,
                    )
                )
            if not partner.active:
                raise UserError(
                    self.env._(
                        "%(payee)s cannot be paid: their contact is archived.",
                        payee=statement.user_id.name or partner.name,
                    )
                )
            key = (partner, company, statement.currency_id)
            if company.commission_bill_grouping == "statement":
                key += (statement,)
            groups[key] |= statement
        vals_list = [self._commission_prepare_bill_vals(group) for group in groups.values()]
        bills = self.create(vals_list)
        for bill, group in zip(bills, groups.values(), strict=True):
            group.sudo().write({"state": "billed", "bill_id": bill.id})
            group._reverse_accrual(bill.invoice_date or fields.Date.context_today(self))
            body = self.env._("Vendor bill %(bill)s created.", bill=bill.display_name)
            if bill.commission_pit_reason:
                body = f"{body} {bill.commission_pit_reason}"
            for statement in group:
                statement.message_post(body=body)
        if len(bills) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "account.move",
                "res_id": bills.id,
                "views": [(False, "form")],
            }
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Commission bills"),
            "res_model": "account.move",
            "domain": [("id", "in", bills.ids)],
            "views": [(False, "list"), (False, "form")],
        }

    @api.model
    def _commission_prepare_bill_vals(self, statements):
        """One vendor bill (or credit note when negative) for statements of one payee.

        A payment subject to personal income tax gets the company's withholding tax on its
        lines: the bill shows the gross commission, the tax withheld and the net payable. A
        credit note reverses it on the part of its amount computed by
        ``res.partner._commission_pit_assess`` (two lines per statement when only a part).
        """
        first = statements[0]
        company = first.company_id
        currency = first.currency_id
        product = company.commission_product_id
        total = sum(statements.mapped("amount_total"))
        sign = -1 if currency.compare_amounts(total, 0) < 0 else 1
        invoice_date = fields.Date.context_today(self)
        pit = first.partner_id._commission_pit_assess(company, currency, total, invoice_date)
        # share of every line the withholding tax applies to
        ratio = pit["taxed"] / total if pit["taxed"] and not currency.is_zero(total) else 0.0
        pit_tax = company._commission_pit_tax() if ratio else self.env["account.tax"]
        line_vals = {"product_id": product.id, "quantity": 1}
        if company.commission_expense_account_id:
            line_vals["account_id"] = company.commission_expense_account_id.id
        lines = []
        for statement in statements:
            # accountants do not read plans' configuration: only their names go on the bill
            plans = statement.sudo().line_ids.plan_id
            label = self.env._(
                "Commission %(plans)s, %(start)s → %(end)s",
                plans=", ".join(plans.mapped("name")) or self.env._("adjustments"),
                start=statement.date_from,
                end=statement.date_to,
            )
            price = sign * statement.amount_total
            taxed = currency.round(price * ratio)
            parts = [(label, taxed, pit_tax)] if not currency.is_zero(taxed) else []
            if not parts or not currency.is_zero(price - taxed):
                untaxed_label = (
                    self.env._("%(label)s (no PIT withheld)", label=label) if parts else label
                )
                parts.append((untaxed_label, price - taxed, self.env["account.tax"]))
            for name, price_unit, taxes in parts:
                lines.append(
                    fields.Command.create(
                        {
                            **line_vals,
                            "name": name,
                            "price_unit": price_unit,
                            "tax_ids": [fields.Command.set(taxes.ids)],
                        }
                    )
                )
        return {
            "move_type": "in_invoice" if sign > 0 else "in_refund",
            "partner_id": first.partner_id.id,
            "company_id": company.id,
            "currency_id": currency.id,
            "invoice_date": invoice_date,
            "ref": ", ".join(statements.mapped("name")),
            "invoice_line_ids": lines,
            "commission_pit_reason": pit["reason"] or False,
        }

    def _commission_pit_withheld(self):
        """PIT withheld on this commission bill, in its currency (negative on credit notes)."""
        self.ensure_one()
        lines = self.line_ids.filtered(lambda line: line.tax_line_id.commission_pit)
        return -sum(lines.mapped("amount_currency"))

    # ------------------------------------------------------------------
    # Payment status follows the bill
    # ------------------------------------------------------------------
    def _commission_sync_payment(self):
        # Runs for whoever registers the payment (an accountant): statements are updated as
        # superuser, following the bill.
        bills = self.sudo().filtered("commission_statement_ids")
        for bill in bills:
            statements = bill.commission_statement_ids
            if bill.state == "cancel" or bill.payment_state == "reversed":
                statements._release_bill()
            elif bill.payment_state in ("paid", "in_payment"):
                dates = bill._get_reconciled_amls().mapped("date")
                statements._mark_paid(max(dates) if dates else fields.Date.context_today(self))
            else:
                statements._mark_unpaid()

    def button_cancel(self):
        result = super().button_cancel()
        self._commission_sync_payment()
        self._commission_compute_sources()
        return result

    def button_draft(self):
        result = super().button_draft()
        self._commission_sync_payment()
        self._commission_compute_sources()
        return result

    # ------------------------------------------------------------------
    # Customer invoices as commission sources
    # ------------------------------------------------------------------
    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        posted._commission_compute_sources()
        return posted

    def write(self, vals):
        result = super().write(vals)
        if {"invoice_user_id", "commission_partner_id", "team_id"}.intersection(vals):
            self.filtered(lambda move: move.state == "posted")._commission_compute_sources()
        return result

    def _commission_compute_sources(self):
        """Recompute the commissions earned on these customer invoices and their payments."""
        invoices = self.filtered(lambda move: move.move_type in ("out_invoice", "out_refund"))
        if not invoices:
            return self.env["commission.line"]
        return self.env["commission.compute"]._compute_or_queue(moves=invoices)

    def _commission_payment_partials(self):
        """The reconciliations of these invoices' receivable lines with payments."""
        receivables = self.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        return receivables.matched_debit_ids | receivables.matched_credit_ids

    @api.ondelete(at_uninstall=False)
    def _unlink_release_commission_statements(self):
        self.sudo().commission_statement_ids._release_bill()
