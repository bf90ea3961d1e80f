from odoo import api, fields, models
from odoo.tools import SQL

# Money bases: their lines carry a base amount, so they take part in the effective rate.
MONEY_BASES = ("revenue", "margin")
# Measures whose grouped value is not the sum of the rows: aggregate spec -> SQL builder.
WEIGHTED_MEASURES = ("effective_rate", "deal_count", "referred_count")


class CommissionAnalysis(models.Model):
    """Commission lines (earned) and the weighted commission of the open pipeline (forecast),
    as one read-only SQL view for pivot and graph analysis.

    Grouped rows compute their own ratios and distinct counts (see ``_read_group_select``): the
    effective rate of a group is its commission on revenue and margin divided by that base, the
    number of deals counts each deal once.
    """

    _name = "commission.analysis"
    _description = "Commission Analysis"
    _auto = False
    _rec_name = "name"
    _order = "date desc, id desc"

    name = fields.Char(string="Source", readonly=True)
    kind = fields.Selection(
        selection=[("earned", "Earned"), ("forecast", "Forecast")],
        readonly=True,
        help="Earned: commission lines. Forecast: commission the open opportunities would earn, "
        "weighted by their probability.",
    )
    line_id = fields.Many2one("commission.line", string="Commission line", readonly=True)
    lead_id = fields.Many2one("crm.lead", string="Opportunity", readonly=True)
    order_id = fields.Many2one("sale.order", string="Sales order", readonly=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales team", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Payee", readonly=True)
    beneficiary_type = fields.Selection(
        selection=[
            ("salesperson", "Salesperson"),
            ("partner", "Partner"),
            ("referrer", "Referrer"),
        ],
        readonly=True,
    )
    agent_id = fields.Many2one(
        "res.partner",
        string="Partner",
        readonly=True,
        help="The payee of commissions paid to partners (resellers, agencies).",
    )
    referrer_id = fields.Many2one(
        "res.partner",
        readonly=True,
        help="The payee of referral commissions.",
    )
    customer_id = fields.Many2one("res.partner", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    product_categ_id = fields.Many2one("product.category", string="Product category", readonly=True)
    plan_id = fields.Many2one("commission.plan", readonly=True)
    rule_id = fields.Many2one("commission.rule", readonly=True)
    date = fields.Date(readonly=True)
    period_start = fields.Date(string="Period start", readonly=True)
    state = fields.Selection(
        selection=[
            ("pending", "Pending"),
            ("approved", "Approved"),
            ("paid", "Paid"),
        ],
        string="Status",
        readonly=True,
    )
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    base_amount = fields.Monetary(
        string="Base",
        readonly=True,
        help="Revenue or margin the commission was computed on (weighted expected revenue for "
        "forecasts).",
    )
    rated_amount = fields.Monetary(
        string="Commission on revenue and margin",
        readonly=True,
        help="Commission of the lines computed on revenue or margin: the numerator of the "
        "effective rate.",
    )
    amount = fields.Monetary(string="Commission", readonly=True)
    effective_rate = fields.Float(
        string="Effective rate (%)",
        digits=(16, 2),
        readonly=True,
        aggregator="avg",
        help="Commission on revenue and margin divided by that base, weighted in every group.",
    )
    deal_ref = fields.Char(string="Deal reference", readonly=True)
    deal_count = fields.Integer(
        string="Deals",
        readonly=True,
        help="Number of distinct deals (opportunities, orders, invoices).",
    )
    referred_customer_id = fields.Many2one("res.partner", string="Referred customer", readonly=True)
    referred_count = fields.Integer(
        string="Referred customers",
        readonly=True,
        help="Number of distinct customers brought by referrers.",
    )

    # ------------------------------------------------------------------
    # Query
    # ------------------------------------------------------------------
    def _select_earned(self):
        money_bases = SQL("(%s)", SQL(", ").join(SQL("%s", b) for b in MONEY_BASES))
        return SQL(
            """
            SELECT
                l.id * 2 AS id,
                'earned'::varchar AS kind,
                l.name AS name,
                l.id AS line_id,
                l.lead_id AS lead_id,
                l.order_id AS order_id,
                l.move_id AS move_id,
                l.user_id AS user_id,
                l.team_id AS team_id,
                l.partner_id AS partner_id,
                l.beneficiary_type AS beneficiary_type,
                CASE WHEN l.beneficiary_type = 'partner' THEN l.partner_id END AS agent_id,
                CASE WHEN l.beneficiary_type = 'referrer' THEN l.partner_id END AS referrer_id,
                l.customer_id AS customer_id,
                l.product_id AS product_id,
                l.product_categ_id AS product_categ_id,
                l.plan_id AS plan_id,
                l.rule_id AS rule_id,
                l.date AS date,
                l.period_start AS period_start,
                l.state AS state,
                l.company_id AS company_id,
                l.currency_id AS currency_id,
                CASE WHEN r.base IN %(money)s THEN l.base_amount ELSE 0 END AS base_amount,
                CASE WHEN r.base IN %(money)s THEN l.amount ELSE 0 END AS rated_amount,
                l.amount AS amount,
                CASE WHEN r.base IN %(money)s AND l.base_amount <> 0
                     THEN l.amount / l.base_amount * 100 ELSE 0 END AS effective_rate,
                %(deal_ref)s AS deal_ref,
                CASE WHEN %(deal_ref)s IS NULL THEN 0 ELSE 1 END AS deal_count,
                CASE WHEN l.beneficiary_type = 'referrer' THEN l.customer_id END
                    AS referred_customer_id,
                CASE WHEN l.beneficiary_type = 'referrer' AND l.customer_id IS NOT NULL
                     THEN 1 ELSE 0 END AS referred_count
            FROM commission_line l
            LEFT JOIN commission_rule r ON r.id = l.rule_id
            WHERE l.state != 'cancel'
            """,
            money=money_bases,
            deal_ref=SQL(
                """COALESCE(
                    l.deal_key,
                    'crm.lead,' || l.lead_id,
                    'sale.order,' || l.order_id,
                    'account.move,' || l.move_id
                )"""
            ),
        )

    def _select_forecast(self):
        return SQL(
            """
            SELECT
                f.id * 2 + 1 AS id,
                'forecast'::varchar AS kind,
                f.name AS name,
                NULL::integer AS line_id,
                f.lead_id AS lead_id,
                NULL::integer AS order_id,
                NULL::integer AS move_id,
                f.user_id AS user_id,
                f.team_id AS team_id,
                NULL::integer AS partner_id,
                'salesperson'::varchar AS beneficiary_type,
                NULL::integer AS agent_id,
                NULL::integer AS referrer_id,
                f.customer_id AS customer_id,
                NULL::integer AS product_id,
                NULL::integer AS product_categ_id,
                NULL::integer AS plan_id,
                NULL::integer AS rule_id,
                f.date AS date,
                date_trunc('month', f.date)::date AS period_start,
                NULL::varchar AS state,
                f.company_id AS company_id,
                f.currency_id AS currency_id,
                f.weighted_revenue AS base_amount,
                f.weighted_amount AS rated_amount,
                f.weighted_amount AS amount,
                CASE WHEN f.weighted_revenue <> 0
                     THEN f.weighted_amount / f.weighted_revenue * 100 ELSE 0 END
                    AS effective_rate,
                ('crm.lead,' || f.lead_id)::varchar AS deal_ref,
                1 AS deal_count,
                NULL::integer AS referred_customer_id,
                0 AS referred_count
            FROM commission_forecast f
            """
        )

    @property
    def _table_query(self):
        return SQL("%s UNION ALL %s", self._select_earned(), self._select_forecast())

    # ------------------------------------------------------------------
    # Grouped measures
    # ------------------------------------------------------------------
    @api.model
    def _read_grouping_sets(self, domain, grouping_sets, aggregates=(), order=None):
        """The pivot's natural order of groups, without sorting every line by name.

        The web client asks for the groups in their natural order (``order`` = the groupby
        fields): for a salesperson, PostgreSQL then joins each of the (possibly millions of)
        lines to its user and partner and sorts them all by name before aggregating. Here the
        lines are aggregated by id, and the few resulting groups are sorted by name in Python
        (the order of the salespeople, teams, plans... is their display name).
        """
        natural = ", ".join(dict.fromkeys(spec for specs in grouping_sets for spec in specs))
        if not order or order.replace(" ", "") != natural.replace(" ", ""):
            return super()._read_grouping_sets(domain, grouping_sets, aggregates, order=order)
        results = super()._read_grouping_sets(domain, grouping_sets, aggregates, order="")
        sorted_results = []
        for specs, groups in zip(grouping_sets, results, strict=True):
            size = len(specs)
            sorted_results.append(
                sorted(groups, key=lambda group, size=size: self._group_sort_key(group[:size]))
            )
        return sorted_results

    @staticmethod
    def _group_sort_key(values):
        key = []
        for value in values:
            if isinstance(value, models.BaseModel):
                # empty last, like PostgreSQL's NULLS LAST for ascending orders
                key.append((not value, (value.display_name or "").casefold(), value.id or 0))
            else:
                key.append((value is None or value is False, value or 0))
        return tuple(key)

    def _read_group_select(self, aggregate_spec, query):
        """Ratios and distinct counts are recomputed for each group, never summed."""
        fname = aggregate_spec.split(":")[0]
        if fname not in WEIGHTED_MEASURES or aggregate_spec.split(":")[-1] in (
            "array_agg",
            "array_agg_distinct",
            "recordset",
        ):
            return super()._read_group_select(aggregate_spec, query)

        def column(name):
            return self._field_to_sql(self._table, name, query)

        if fname == "effective_rate":
            return SQL(
                "COALESCE(SUM(%s) / NULLIF(SUM(%s), 0) * 100, 0)",
                column("rated_amount"),
                column("base_amount"),
            )
        if fname == "deal_count":
            return SQL("COUNT(DISTINCT %s)", column("deal_ref"))
        return SQL("COUNT(DISTINCT %s)", column("referred_customer_id"))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    @api.readonly
    def action_open_source(self):
        self.ensure_one()
        record = self.line_id or self.lead_id
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "views": [(False, "form")],
        }
