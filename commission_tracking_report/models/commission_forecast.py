from odoo import api, fields, models
from odoo.exceptions import AccessError


class CommissionForecast(models.Model):
    """Expected commission of an open opportunity, weighted by its probability.

    A snapshot refreshed by a scheduled action (and a button): computing the engine on every
    open opportunity at each pivot refresh would be too slow. Shown in the commission analysis
    beside the earned commission (dimension "Kind").
    """

    _name = "commission.forecast"
    _description = "Commission Forecast"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Opportunity name", required=True, readonly=True)
    lead_id = fields.Many2one(
        "crm.lead", string="Opportunity", required=True, readonly=True, ondelete="cascade"
    )
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True, index=True)
    team_id = fields.Many2one("crm.team", string="Sales team", readonly=True, index=True)
    customer_id = fields.Many2one("res.partner", readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    date = fields.Date(string="Expected closing", required=True, readonly=True, index=True)
    probability = fields.Float(readonly=True, digits=(5, 2))
    expected_revenue = fields.Monetary(readonly=True)
    weighted_revenue = fields.Monetary(readonly=True)
    amount = fields.Monetary(
        string="Commission if won",
        readonly=True,
        help="What the salesperson's period commission would rise by if the opportunity were "
        "won at its expected revenue (tiers and cap included).",
    )
    weighted_amount = fields.Monetary(
        string="Expected commission",
        readonly=True,
        help="Commission if won, multiplied by the probability.",
    )

    _lead_unique = models.UniqueIndex("(lead_id)")

    @api.model
    def _open_leads_domain(self, companies):
        return [
            ("type", "=", "opportunity"),
            ("won_status", "=", "pending"),
            ("user_id", "!=", False),
            ("probability", ">", 0),
            ("company_id", "in", companies.ids),
        ]

    @api.model
    def _prepare_forecast_vals(self, lead, amount):
        company = lead._commission_company()
        currency = company.currency_id
        probability = lead.probability or 0.0
        return {
            "name": lead.name,
            "lead_id": lead.id,
            "user_id": lead.user_id.id,
            "team_id": lead.team_id.id,
            "customer_id": lead.partner_id.id,
            "company_id": company.id,
            "currency_id": currency.id,
            "date": lead.date_deadline or fields.Date.context_today(self),
            "probability": probability,
            "expected_revenue": lead.expected_revenue,
            "weighted_revenue": currency.round(lead.expected_revenue * probability / 100),
            "amount": amount,
            "weighted_amount": currency.round(amount * probability / 100),
        }

    @api.model
    def _refresh(self, companies=None):
        """Replace the forecast of ``companies`` (default: all) by the current pipeline."""
        self = self.sudo()
        # default: every company with an active plan
        companies = (
            companies or self.env["commission.plan"].search([("active", "=", True)]).company_id
        )
        Compute = self.env["commission.compute"]
        leads = self.env["crm.lead"].search(self._open_leads_domain(companies))
        vals_list = []
        for lead in leads:
            amount = Compute._forecast_for_lead(lead)
            if not lead._commission_company().currency_id.is_zero(amount):
                vals_list.append(self._prepare_forecast_vals(lead, amount))
        self.search([("company_id", "in", companies.ids)]).unlink()
        return self.create(vals_list)

    @api.model
    def _cron_refresh(self):
        self._refresh()

    @api.model
    def action_refresh(self):
        """Button of the analysis and dashboard: refresh the forecast of the user's companies."""
        if not self.env.user.has_group("commission_tracking.group_commission_manager"):
            raise AccessError(self.env._("Only commission managers can refresh the forecast."))
        self._refresh(self.env.companies)
        return {"type": "ir.actions.client", "tag": "soft_reload"}
