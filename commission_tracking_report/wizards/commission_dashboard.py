from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools.misc import formatLang

TOP = 5
TREND_MONTHS = 12


class CommissionDashboard(models.TransientModel):
    """The managers' commission dashboard: tiles computed from the analysis, as the user.

    A transient record opened in a form: every tile reads ``commission.analysis`` (or the
    statements) with the user's record rules, and each button opens the records behind it.
    """

    _name = "commission.dashboard"
    _description = "Commission Dashboard"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date(
        string="Period start", required=True, default=lambda self: self._default_date_from()
    )
    date_to = fields.Date(string="Period end", compute="_compute_date_to")
    amount_pending = fields.Monetary(string="Pending", compute="_compute_totals")
    amount_approved = fields.Monetary(string="Approved", compute="_compute_totals")
    amount_paid = fields.Monetary(string="Paid", compute="_compute_totals")
    amount_forecast = fields.Monetary(string="Forecast", compute="_compute_totals")
    statement_to_approve_count = fields.Integer(
        string="Statements to approve", compute="_compute_statement_to_approve_count"
    )
    top_salespeople_html = fields.Html(
        string="Top salespeople", compute="_compute_tables", sanitize=False
    )
    top_products_html = fields.Html(
        string="Top products by rate", compute="_compute_tables", sanitize=False
    )
    trend_html = fields.Html(string="Trend", compute="_compute_tables", sanitize=False)

    @api.depends("date_from")
    def _compute_display_name(self):
        for dashboard in self:
            dashboard.display_name = self.env._(
                "Commission dashboard %(month)s",
                month=dashboard.date_from.strftime("%m/%Y") if dashboard.date_from else "",
            )

    def _default_date_from(self):
        return fields.Date.context_today(self).replace(day=1)

    @api.depends("date_from")
    def _compute_date_to(self):
        for dashboard in self:
            dashboard.date_to = dashboard.date_from + relativedelta(months=1, days=-1)

    # ------------------------------------------------------------------
    # Domains
    # ------------------------------------------------------------------
    def _period_domain(self, kind="earned"):
        self.ensure_one()
        return [
            ("kind", "=", kind),
            ("company_id", "=", self.company_id.id),
            ("date", ">=", self.date_from),
            ("date", "<=", self.date_to),
        ]

    def _trend_domain(self):
        self.ensure_one()
        first = self.date_from - relativedelta(months=TREND_MONTHS - 1)
        return [
            ("company_id", "=", self.company_id.id),
            ("date", ">=", first),
            ("date", "<=", self.date_to),
        ]

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("date_from", "company_id")
    def _compute_totals(self):
        Analysis = self.env["commission.analysis"]
        for dashboard in self:
            by_state = dict(
                Analysis._read_group(dashboard._period_domain(), ["state"], ["amount:sum"])
            )
            dashboard.amount_pending = by_state.get("pending", 0.0)
            dashboard.amount_approved = by_state.get("approved", 0.0)
            dashboard.amount_paid = by_state.get("paid", 0.0)
            [[forecast]] = Analysis._read_group(
                dashboard._period_domain("forecast"), [], ["amount:sum"]
            )
            dashboard.amount_forecast = forecast

    @api.depends("company_id")
    def _compute_statement_to_approve_count(self):
        Statement = self.env["commission.statement"]
        for dashboard in self:
            dashboard.statement_to_approve_count = Statement.search_count(
                dashboard._statements_to_approve_domain()
            )

    def _statements_to_approve_domain(self):
        return [("state", "=", "to_approve"), ("company_id", "=", self.company_id.id)]

    def _money(self, amount):
        return formatLang(self.env, amount, currency_obj=self.currency_id)

    def _html_table(self, headers, rows):
        head = Markup("").join(Markup("<th>%s</th>") % header for header in headers)
        body = Markup("").join(
            Markup("<tr>%s</tr>") % Markup("").join(Markup("<td>%s</td>") % cell for cell in row)
            for row in rows
        )
        if not rows:
            body = Markup('<tr><td colspan="%s" class="text-muted">%s</td></tr>') % (
                len(headers),
                self.env._("Nothing yet for this period."),
            )
        return Markup(
            '<table class="table table-sm mb-0"><thead><tr>%s</tr></thead><tbody>%s</tbody></table>'
        ) % (head, body)

    @api.depends("date_from", "company_id")
    def _compute_tables(self):
        Analysis = self.env["commission.analysis"]
        for dashboard in self:
            sellers = Analysis._read_group(
                dashboard._period_domain() + [("user_id", "!=", False)],
                ["user_id"],
                ["amount:sum", "deal_count:sum"],
                order="amount:sum DESC",
                limit=TOP,
            )
            dashboard.top_salespeople_html = dashboard._html_table(
                [self.env._("Salesperson"), self.env._("Deals"), self.env._("Commission")],
                [(user.name, deals, dashboard._money(amount)) for user, amount, deals in sellers],
            )
            products = Analysis._read_group(
                dashboard._period_domain()
                + [("product_id", "!=", False), ("base_amount", "!=", 0)],
                ["product_id"],
                ["effective_rate:avg", "amount:sum"],
                order="effective_rate:avg DESC",
                limit=TOP,
            )
            dashboard.top_products_html = dashboard._html_table(
                [self.env._("Product"), self.env._("Rate"), self.env._("Commission")],
                [
                    (
                        product.display_name,
                        f"{formatLang(self.env, rate, digits=2)} %",
                        dashboard._money(amount),
                    )
                    for product, rate, amount in products
                ],
            )
            dashboard.trend_html = dashboard._trend_html()

    def _trend_html(self):
        """Earned and forecast commission of the last 12 months, as plain HTML bars."""
        self.ensure_one()
        data = {}
        for month, kind, amount in self.env["commission.analysis"]._read_group(
            self._trend_domain(), ["date:month", "kind"], ["amount:sum"]
        ):
            data[(month, kind)] = amount
        months = [
            self.date_from - relativedelta(months=offset)
            for offset in reversed(range(TREND_MONTHS))
        ]
        peak = max([abs(amount) for amount in data.values()] or [0]) or 1
        rows = []
        for month in months:
            earned = data.get((month, "earned"), 0.0)
            forecast = data.get((month, "forecast"), 0.0)
            bars = Markup(
                '<div class="bg-primary" style="height: 8px; width: %s%%;"></div>'
                '<div class="bg-info" style="height: 4px; width: %s%%;"></div>'
            ) % (round(abs(earned) * 100 / peak, 1), round(abs(forecast) * 100 / peak, 1))
            rows.append(
                (
                    fields.Date.to_string(month)[:7],
                    bars,
                    self._money(earned),
                    self._money(forecast) if forecast else "",
                )
            )
        return self._html_table(
            [
                self.env._("Month"),
                "",
                self.env._("Earned"),
                self.env._("Forecast"),
            ],
            rows,
        )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    @api.model
    def action_open_dashboard(self):
        dashboard = self.create({})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Commission dashboard"),
            "res_model": self._name,
            "res_id": dashboard.id,
            "views": [
                (
                    self.env.ref("commission_tracking_report.commission_dashboard_view_form").id,
                    "form",
                )
            ],
            "target": "current",
            "context": {"form_view_initial_mode": "edit"},
        }

    def _open_analysis(self, name, domain, context=None, xmlid=None):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            xmlid or "commission_tracking_report.commission_analysis_action"
        )
        action.update({"name": name, "domain": domain, "context": context or {}})
        return action

    def action_open_pending(self):
        return self._open_analysis(
            self.env._("Pending commissions"),
            self._period_domain() + [("state", "=", "pending")],
        )

    def action_open_approved(self):
        return self._open_analysis(
            self.env._("Approved commissions"),
            self._period_domain() + [("state", "=", "approved")],
        )

    def action_open_paid(self):
        return self._open_analysis(
            self.env._("Paid commissions"), self._period_domain() + [("state", "=", "paid")]
        )

    def action_open_forecast(self):
        return self._open_analysis(
            self.env._("Forecast commissions"), self._period_domain("forecast")
        )

    def action_open_top_salespeople(self):
        return self._open_analysis(
            self.env._("Top salespeople"),
            self._period_domain(),
            {
                "group_by": ["user_id"],
                "pivot_row_groupby": ["user_id"],
                "pivot_column_groupby": ["state"],
                "pivot_measures": ["amount", "deal_count"],
                "graph_groupbys": ["user_id"],
                "graph_order": "DESC",
            },
        )

    def action_open_top_products(self):
        return self._open_analysis(
            self.env._("Top products by rate"),
            self._period_domain() + [("product_id", "!=", False), ("base_amount", "!=", 0)],
            {
                "group_by": ["product_id"],
                "pivot_row_groupby": ["product_id"],
                "pivot_column_groupby": [],
                "pivot_measures": ["effective_rate", "base_amount", "amount"],
                "graph_groupbys": ["product_id"],
                "graph_measure": "effective_rate",
                "graph_order": "DESC",
            },
        )

    def action_open_trend(self):
        return self._open_analysis(
            self.env._("Commission trend"),
            self._trend_domain(),
            {"graph_groupbys": ["date:month", "kind"]},
            xmlid="commission_tracking_report.commission_analysis_action_trend",
        )

    def action_open_statements_to_approve(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "commission_tracking.commission_statement_action"
        )
        action.update(
            {
                "name": self.env._("Statements to approve"),
                "domain": self._statements_to_approve_domain(),
                "context": {},
            }
        )
        return action

    def action_refresh_forecast(self):
        self.env["commission.forecast"].action_refresh()
        return True

    def action_export_xlsx(self):
        self.ensure_one()
        wizard = self.env["commission.analysis.export"].create(
            {"date_from": self.date_from, "date_to": self.date_to}
        )
        return wizard.action_export()
