import datetime

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.misc import formatLang


class ResPartner(models.Model):
    """Who a commission payee is, for personal income tax (PIT) withholding.

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
