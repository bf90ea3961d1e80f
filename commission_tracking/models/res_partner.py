import datetime

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import formatLang

from .commission_compute import CUSTOMER_INVOICE_TYPES


class ResPartner(models.Model):
    """Who a commission payee is, for personal income tax (PIT) withholding; who referred a
    customer (referral programmes) and who usually sells to them (sales partner).

    Individual or company: ``is_company`` (of the commercial partner). Personal tax code: the
    partner's Tax ID (``vat``), as Odoo itself does for Vietnamese individuals (``base_vat``
    accepts the 12-digit personal identification number used as tax code since July 2025).
    """

    _inherit = "res.partner"

    commission_labour_contract = fields.Boolean(
        string="Labour contract of 3 months or more",
        tracking=True,
        help="An employee under a labour contract of three months or more: their commissions "
        "are salary income, taxed through payroll. Nothing is withheld on their commission "
        "vendor bills; their statements are flagged for payroll.",
    )
    commission_pit_commitment = fields.Boolean(
        string="Commitment received",
        tracking=True,
        help="The individual gave a commitment (cam kết) that their taxable income of the year "
        "stays below the taxable level. With a tax code, nothing is withheld from their "
        "commission payments of that year; they are still listed in the year-end report.",
    )
    commission_pit_commitment_date = fields.Date(string="Commitment date", tracking=True)
    commission_pit_commitment_year = fields.Integer(
        string="Commitment for year",
        tracking=True,
        help="Income year the commitment covers.",
    )

    referred_by_id = fields.Many2one(
        "res.partner",
        string="Referred by",
        index="btree_not_null",
        tracking=True,
        help="The referrer who brought this customer (referral programme). A referral earns "
        "once per customer, ever, when the customer first qualifies.",
    )
    referral_date = fields.Date(
        tracking=True,
        help="Day the customer was referred: only what they buy from this day counts.",
    )
    referred_partner_ids = fields.One2many(
        "res.partner", "referred_by_id", string="Referred customers"
    )
    referred_count = fields.Integer(
        compute="_compute_referred_count", string="Referred customers count"
    )
    commission_partner_id = fields.Many2one(
        "res.partner",
        string="Usual sales partner",
        index="btree_not_null",
        help="The reseller or agent who usually sells to this customer: proposed on new "
        "quotations.",
    )

    @api.constrains(
        "commission_pit_commitment",
        "commission_pit_commitment_date",
        "commission_pit_commitment_year",
    )
    def _check_commission_pit_commitment(self):
        for partner in self.filtered("commission_pit_commitment"):
            if not 2000 <= partner.commission_pit_commitment_year <= 2999:
                raise ValidationError(
                    self.env._(
                        "Give the income year of the commitment (cam kết) of %(partner)s.",
                        partner=partner.display_name,
                    )
                )
            if not partner.commission_pit_commitment_date:
                raise ValidationError(
                    self.env._(
                        "Give the date the commitment (cam kết) of %(partner)s was received.",
                        partner=partner.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # PIT withholding rule
    # ------------------------------------------------------------------
    def _commission_pit_has_commitment(self, year):
        """A commitment for ``year`` was received (whether it exempts: see the tax code)."""
        self.ensure_one()
        partner = self.commercial_partner_id
        return bool(
            partner.commission_pit_commitment and partner.commission_pit_commitment_year == year
        )

    def _commission_pit_year_bills(self, company, year):
        """(gross, gross withheld on) of this payee's posted commission bills of ``year``, in
        company currency, credit notes deducted."""
        self.ensure_one()
        domain = [
            ("company_id", "=", company.id),
            ("parent_state", "=", "posted"),
            ("move_id.move_type", "in", ("in_invoice", "in_refund")),
            ("move_id.commercial_partner_id", "=", self.commercial_partner_id.id),
            ("move_id.commission_statement_ids", "!=", False),
            ("date", ">=", datetime.date(year, 1, 1)),
            ("date", "<=", datetime.date(year, 12, 31)),
            ("display_type", "=", "product"),
        ]
        base_lines = self.env["account.move.line"].sudo().search(domain)
        gross = sum(base_lines.mapped("balance"))
        taxed = sum(
            base_lines.filtered(lambda line: line.tax_ids.filtered("commission_pit")).mapped(
                "balance"
            )
        )
        return gross, taxed

    def _commission_pit_assess(self, company, currency, amount, date):
        """Whether a commission payment of ``amount`` (in ``currency``; negative for a credit
        note) to this payee on ``date`` is subject to PIT withholding, and why.

        Returns a dict: ``taxed``: the part of ``amount`` the withholding tax applies to (same
        sign as ``amount``; 0: nothing withheld), ``withheld``: the expected tax (same sign),
        ``reason``: a sentence for the payee and the accountant (empty when the company does not
        withhold), ``payroll``: commission to report through payroll.
        """
        self.ensure_one()
        partner = self.commercial_partner_id
        result = {"taxed": 0.0, "withheld": 0.0, "reason": "", "payroll": False}
        if not company.commission_pit_withholding:
            return result
        rate = company.commission_pit_rate
        year = date.year
        if partner.is_company:
            result["reason"] = self.env._("Paid to a company: no personal income tax withheld.")
            return result
        if partner.commission_labour_contract:
            result["payroll"] = True
            result["reason"] = self.env._(
                "Labour contract of 3 months or more: the commission is salary income, to be "
                "taxed through payroll. Nothing withheld here."
            )
            return result
        commitment = partner._commission_pit_has_commitment(year)
        if commitment and partner.vat:
            result["reason"] = self.env._(
                "Commitment (cam kết) for %(year)s with tax code %(tax_code)s: nothing withheld; "
                "listed in the year-end report.",
                year=year,
                tax_code=partner.vat,
            )
            return result
        note = (
            " " + self.env._("A commitment (cam kết) was received, but the payee has no tax code.")
            if commitment
            else ""
        )
        company_currency = company.currency_id
        if currency.compare_amounts(amount, 0) < 0:
            return partner._commission_pit_assess_refund(company, currency, amount, date, note)
        amount_company = currency._convert(amount, company_currency, company, date)
        threshold = company.commission_pit_threshold
        if company_currency.compare_amounts(amount_company, threshold) < 0:
            result["reason"] = self.env._(
                "Payment of %(amount)s below the %(threshold)s threshold: nothing withheld.",
                amount=formatLang(self.env, amount, currency_obj=currency),
                threshold=formatLang(self.env, threshold, currency_obj=company_currency),
            )
            return result
        result["taxed"] = amount
        result["withheld"] = currency.round(amount * rate / 100.0)
        result["reason"] = (
            self.env._(
                "%(rate)s%% personal income tax withheld: payment of %(amount)s, threshold "
                "%(threshold)s.",
                rate=f"{rate:g}",
                amount=formatLang(self.env, amount, currency_obj=currency),
                threshold=formatLang(self.env, threshold, currency_obj=company_currency),
            )
            + note
        )
        return result

    def _commission_pit_assess_refund(self, company, currency, amount, date, note):
        """A credit note reverses withholding in proportion to what was withheld from the
        payee's commission payments of the year: taxed part = amount × (gross withheld on /
        gross), never more than the gross withheld on."""
        self.ensure_one()
        result = {"taxed": 0.0, "withheld": 0.0, "reason": "", "payroll": False}
        company_currency = company.currency_id
        gross, taxed = self._commission_pit_year_bills(company, date.year)
        if (
            company_currency.compare_amounts(gross, 0) <= 0
            or company_currency.compare_amounts(taxed, 0) <= 0
        ):
            result["reason"] = self.env._(
                "Credit note: no personal income tax was withheld from this payee in %(year)s, "
                "none to reverse.",
                year=date.year,
            )
            return result
        ratio = min(taxed / gross, 1.0)
        # the cap is in company currency: the part of the credit note it allows
        cap = company_currency._convert(taxed, currency, company, date)
        part = currency.round(max(amount * ratio, -cap))
        rate = company.commission_pit_rate
        result["taxed"] = part
        result["withheld"] = currency.round(part * rate / 100.0)
        result["reason"] = (
            self.env._(
                "Credit note: reverses %(rate)s%% personal income tax on %(part)s, in proportion "
                "to the payments of %(year)s withheld on (%(ratio)s%%).",
                rate=f"{rate:g}",
                part=formatLang(self.env, -part, currency_obj=currency),
                year=date.year,
                ratio=f"{ratio * 100:.0f}",
            )
            + note
        )
        return result

    # ------------------------------------------------------------------
    # Referral programmes and sales partners
    # ------------------------------------------------------------------
    @api.depends("referred_partner_ids")
    def _compute_referred_count(self):
        data = dict(
            self._read_group([("referred_by_id", "in", self.ids)], ["referred_by_id"], ["__count"])
        )
        for partner in self:
            partner.referred_count = data.get(partner, 0)

    @api.constrains("referred_by_id")
    def _check_referred_by(self):
        for partner in self.filtered("referred_by_id"):
            if partner.referred_by_id.commercial_partner_id == partner.commercial_partner_id:
                raise ValidationError(
                    self.env._("%(name)s cannot refer themselves.", name=partner.display_name)
                )

    def write(self, vals):
        result = super().write(vals)
        if {"referred_by_id", "referral_date"}.intersection(vals):
            self.env["commission.compute"]._compute_or_queue(customers=self)
        return result

    def action_view_referred_customers(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Referred customers"),
            "res_model": "res.partner",
            "domain": [("referred_by_id", "=", self.id)],
            "views": [(False, "list"), (False, "form")],
        }

    # ------------------------------------------------------------------
    # Referral qualification
    # ------------------------------------------------------------------
    def _commission_owner(self, partner):
        """The referred customer of ``self`` that ``partner`` belongs to (itself or a parent)."""
        while partner:
            if partner in self:
                return partner
            partner = partner.parent_id
        return partner

    def _commission_first_events(self, trigger):
        """{customer: (day, company, sales team)} of each referred customer's first qualifying
        event after its referral date: first won opportunity, confirmed order, posted or paid
        invoice."""
        env = self.env
        Compute = env["commission.compute"]
        found = {}

        def keep(customer, day, company, team):
            if not customer or not day:
                return
            if customer.referral_date and day < customer.referral_date:
                return
            if customer not in found or day < found[customer][0]:
                found[customer] = (day, company, team)

        domain_partner = [("partner_id", "child_of", self.ids)]
        if trigger == "won":
            for lead in env["crm.lead"].search(
                [*domain_partner, ("won_status", "=", "won"), ("active", "=", True)]
            ):
                keep(
                    self._commission_owner(lead.partner_id),
                    lead._commission_date(),
                    lead._commission_company(),
                    lead.team_id,
                )
        elif trigger == "order":
            for order in env["sale.order"].search([*domain_partner, ("state", "=", "sale")]):
                keep(
                    self._commission_owner(order.partner_id),
                    Compute._local_day(order.date_order, order.user_id),
                    order.company_id,
                    order.team_id,
                )
        else:
            moves = env["account.move"].search(
                [
                    *domain_partner,
                    ("move_type", "=", CUSTOMER_INVOICE_TYPES[0]),
                    ("state", "=", "posted"),
                ]
            )
            for move in moves:
                if trigger == "invoice":
                    day = move.invoice_date
                elif move.payment_state in ("paid", "in_payment"):
                    partials = move._commission_payment_partials()
                    day = max(partials.mapped("max_date"), default=None)
                else:
                    day = None
                keep(self._commission_owner(move.partner_id), day, move.company_id, move.team_id)
        return {
            customer: value
            for customer, value in found.items()
            if isinstance(value[0], datetime.date)
        }
