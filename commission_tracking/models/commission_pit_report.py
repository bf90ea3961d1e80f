from odoo import api, fields, models
from odoo.tools import SQL


class CommissionPitReport(models.Model):
    """Year-end personal income tax list: per company, year and individual payee, the
    commission paid (posted vendor bills minus credit notes, by accounting date) and the tax
    withheld on it, in company currency."""

    _name = "commission.pit.report"
    _description = "Commission PIT year-end report"
    _auto = False
    _order = "year desc, company_id, partner_name, partner_id"
    _rec_name = "partner_id"
    # flushed before the report is read
    _depends = {
        "account.move": ["company_id", "date", "commercial_partner_id", "state", "move_type"],
        "account.move.line": ["move_id", "display_type", "balance", "tax_line_id"],
        "account.tax": ["commission_pit"],
        "commission.statement": ["bill_id"],
        "res.company": ["currency_id"],
        "res.partner": [
            "name",
            "vat",
            "is_company",
            "commission_labour_contract",
            "commission_pit_commitment",
            "commission_pit_commitment_year",
        ],
    }

    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    year = fields.Integer(readonly=True, aggregator=None)
    partner_id = fields.Many2one("res.partner", string="Payee", readonly=True)
    partner_name = fields.Char(string="Full name", readonly=True)
    tax_code = fields.Char(string="Tax code", readonly=True, help="The payee's Tax ID.")
    labour_contract = fields.Boolean(
        string="Labour contract",
        readonly=True,
        help="Labour contract of 3 months or more: report the commission through payroll.",
    )
    commitment = fields.Boolean(
        readonly=True, help="A commitment (cam kết) was received for this year."
    )
    amount_paid = fields.Monetary(
        string="Income paid", readonly=True, help="Gross commission of the posted bills."
    )
    amount_withheld = fields.Monetary(string="PIT withheld", readonly=True)
    amount_net = fields.Monetary(string="Net paid", readonly=True)
    bill_count = fields.Integer(string="Bills", readonly=True)

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT MIN(line.id) AS id,
                   move.company_id,
                   company.currency_id,
                   EXTRACT(YEAR FROM move.date)::integer AS year,
                   move.commercial_partner_id AS partner_id,
                   partner.name AS partner_name,
                   partner.vat AS tax_code,
                   COALESCE(partner.commission_labour_contract, FALSE) AS labour_contract,
                   COALESCE(
                       partner.commission_pit_commitment
                       AND partner.commission_pit_commitment_year = EXTRACT(YEAR FROM move.date),
                       FALSE
                   ) AS commitment,
                   SUM(CASE WHEN line.display_type = 'product' THEN line.balance ELSE 0 END)
                       AS amount_paid,
                   SUM(CASE WHEN tax.commission_pit THEN -line.balance ELSE 0 END)
                       AS amount_withheld,
                   SUM(
                       CASE WHEN line.display_type = 'product' OR tax.commission_pit
                       THEN line.balance ELSE 0 END
                   ) AS amount_net,
                   COUNT(DISTINCT move.id) AS bill_count
              FROM account_move_line line
              JOIN account_move move ON move.id = line.move_id
              JOIN res_company company ON company.id = move.company_id
              JOIN res_partner partner ON partner.id = move.commercial_partner_id
         LEFT JOIN account_tax tax ON tax.id = line.tax_line_id
             WHERE move.state = 'posted'
               AND move.move_type IN ('in_invoice', 'in_refund')
               AND NOT COALESCE(partner.is_company, FALSE)
               AND EXISTS (
                   SELECT 1 FROM commission_statement statement WHERE statement.bill_id = move.id
               )
          GROUP BY move.company_id,
                   company.currency_id,
                   EXTRACT(YEAR FROM move.date),
                   move.commercial_partner_id,
                   partner.name,
                   partner.vat,
                   partner.commission_labour_contract,
                   partner.commission_pit_commitment,
                   partner.commission_pit_commitment_year
            """
        )

    @api.model
    def _get_year_rows(self, company, year):
        """The report's rows of ``company`` and ``year``, as the user may read them."""
        return self.search(
            [("company_id", "=", company.id), ("year", "=", year)],
            order="partner_name, partner_id",
        )
