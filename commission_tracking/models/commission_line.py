import datetime
import json

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_round, split_every
from odoo.tools.misc import formatLang

from ..engine import Step, explain

# Fields that describe what was earned. Once a line is approved or paid they never change:
# a later difference is carried by a correction line instead.
LOCKED_FIELDS = {
    "plan_id",
    "rule_id",
    "user_id",
    "partner_id",
    "company_id",
    "currency_id",
    "lead_id",
    "order_id",
    "move_id",
    "customer_id",
    "product_id",
    "deal_key",
    "source_currency_id",
    "source_amount",
    "date",
    "period_start",
    "base_amount",
    "base_qty",
    "rate",
    "amount",
    "origin_line_id",
    "explanation_data",
    "is_adjustment",
    "adjustment_reason",
}
# Workflow fields: changed only by the add-on's own actions (which check rights first), never
# written directly by a user or through RPC.
WORKFLOW_FIELDS = {"state", "payment_date", "statement_id"}
# Columns of the table, as this module defines them: ``_insert_computed`` writes exactly these
# (another module adding a stored field makes it fall back to ``create``).
INSERT_COLUMNS = (
    LOCKED_FIELDS
    | WORKFLOW_FIELDS
    | {"name", "team_id", "beneficiary_type", "trigger", "product_categ_id"}
    | {"is_correction", "has_open_dispute"}
    | {"create_uid", "create_date", "write_uid", "write_date"}
)
# Rows per INSERT statement.
INSERT_BATCH = 1000


class CommissionLine(models.Model):
    _name = "commission.line"
    _description = "Commission Line"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Source", required=True, readonly=True)
    plan_id = fields.Many2one(
        "commission.plan",
        readonly=True,
        index=True,
        ondelete="restrict",
        check_company=True,
        tracking=True,
    )
    rule_id = fields.Many2one(
        "commission.rule",
        readonly=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    rule_base = fields.Selection(related="rule_id.base", string="Base type")
    beneficiary_type = fields.Selection(
        related="plan_id.beneficiary_type", store=True, string="Beneficiary type"
    )
    trigger = fields.Selection(related="plan_id.trigger", store=True, string="Trigger")
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True, index=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Payee",
        readonly=True,
        index=True,
        tracking=True,
        help="The partner who is paid this commission (the salesperson's contact).",
    )
    team_id = fields.Many2one("crm.team", string="Sales team", readonly=True, index=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    lead_id = fields.Many2one(
        "crm.lead", string="Opportunity", readonly=True, index="btree_not_null"
    )
    order_id = fields.Many2one(
        "sale.order", string="Sales order", readonly=True, index="btree_not_null"
    )
    move_id = fields.Many2one(
        "account.move", string="Invoice", readonly=True, index="btree_not_null"
    )
    customer_id = fields.Many2one(
        "res.partner",
        readonly=True,
        index="btree_not_null",
        help="The customer of the deal (for a referral: the referred customer).",
    )
    product_id = fields.Many2one(
        "product.product",
        readonly=True,
        index="btree_not_null",
        help="The product, when the line comes from one order or invoice line.",
    )
    product_categ_id = fields.Many2one(
        related="product_id.categ_id", store=True, string="Product category"
    )
    source_currency_id = fields.Many2one(
        "res.currency",
        string="Document currency",
        readonly=True,
        help="Currency of the invoice or order the base comes from.",
    )
    source_amount = fields.Monetary(
        string="Base in document currency",
        currency_field="source_currency_id",
        readonly=True,
        help="The base in the currency of the invoice or order, before conversion at the "
        "document's rate into the commission currency.",
    )
    deal_key = fields.Char(
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Technical: identifies the deal (opportunity, order, invoice line, payment or "
        "referred customer) this line was computed from.",
    )
    date = fields.Date(required=True, readonly=True, index=True, help="Date the deal counts.")
    period_start = fields.Date(
        required=True, readonly=True, index=True, help="First day of the plan period."
    )
    base_amount = fields.Monetary(
        string="Base",
        readonly=True,
        help="Revenue or margin the rule was applied to.",
    )
    base_qty = fields.Float(
        string="Base quantity",
        digits=(16, 2),
        readonly=True,
        help="Units, deals or referred customers the rule was applied to.",
    )
    rate = fields.Float(
        digits=(16, 4),
        readonly=True,
        tracking=True,
        help="Percentage, or fixed amount per unit, applied. "
        "For marginal tiers: the effective rate.",
    )
    rate_type = fields.Selection(related="rule_id.rate_type")
    rate_display = fields.Char(
        string="Rate applied",
        compute="_compute_rate_display",
        help="The rate as a percentage, or the amount per unit, deal or referred customer.",
    )
    amount = fields.Monetary(readonly=True, tracking=True)
    state = fields.Selection(
        selection=[
            ("pending", "Pending"),
            ("approved", "Approved"),
            ("paid", "Paid"),
            ("cancel", "Cancelled"),
        ],
        default="pending",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    payment_date = fields.Date(readonly=True, copy=False, tracking=True)
    origin_line_id = fields.Many2one(
        "commission.line",
        string="Corrects",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="The approved or paid line this line corrects.",
    )
    correction_ids = fields.One2many("commission.line", "origin_line_id", string="Corrections")
    is_correction = fields.Boolean(compute="_compute_is_correction", store=True)
    explanation_data = fields.Json(readonly=True, copy=False)
    explanation = fields.Text(compute="_compute_explanation")
    statement_id = fields.Many2one(
        "commission.statement",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        check_company=True,
    )
    statement_state = fields.Selection(related="statement_id.state", string="Statement status")
    is_adjustment = fields.Boolean(
        string="Adjustment", readonly=True, help="A manual adjustment added by a manager."
    )
    adjustment_reason = fields.Text(readonly=True)
    dispute_ids = fields.One2many("commission.dispute", "line_id", string="Disputes")
    has_open_dispute = fields.Boolean(
        string="Disputed", compute="_compute_has_open_dispute", store=True, index=True
    )

    _plan_or_adjustment = models.Constraint(
        "CHECK(plan_id IS NOT NULL OR is_adjustment IS TRUE)",
        "A commission line comes from a plan, unless it is a manual adjustment.",
    )
    _adjustment_has_reason = models.Constraint(
        "CHECK(NOT is_adjustment OR adjustment_reason IS NOT NULL)",
        "An adjustment needs a reason.",
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("dispute_ids.state")
    def _compute_has_open_dispute(self):
        for line in self:
            line.has_open_dispute = any(d.state == "open" for d in line.dispute_ids)

    @api.depends("rate", "rule_id.rate_type", "currency_id")
    @api.depends_context("lang")
    def _compute_rate_display(self):
        for line in self:
            if not line.rule_id:
                line.rate_display = False
            elif line.sudo().rule_id.rate_type == "percent":
                line.rate_display = f"{formatLang(self.env, line.rate, digits=2)} %"
            else:
                line.rate_display = formatLang(self.env, line.rate, currency_obj=line.currency_id)

    @api.depends("origin_line_id")
    def _compute_is_correction(self):
        for line in self:
            line.is_correction = bool(line.origin_line_id)

    @api.depends("explanation_data", "currency_id")
    @api.depends_context("lang")
    def _compute_explanation(self):
        for line in self:
            if line.is_adjustment:
                line.explanation = self.env._(
                    "Manual adjustment: %(reason)s", reason=line.adjustment_reason or ""
                )
                continue
            data = line.explanation_data or {}
            currency = line.currency_id

            def money(value, currency=currency):
                return formatLang(self.env, float(value), currency_obj=currency)

            def number(value):
                value = float(value)
                digits = 0 if value == int(value) else 2
                return formatLang(self.env, value, digits=digits)

            steps = [Step(code=s["code"], params=s["params"]) for s in data.get("steps", [])]
            line.explanation = explain(steps, _=self.env._, money=money, number=number)

    @api.depends("name", "rule_id.name", "rule_id.base")
    def _compute_display_name(self):
        for line in self:
            line.display_name = (
                # the rule's name only: users who may read a line may not read plans
                f"{line.name} · {line.sudo().rule_id.display_name}"
                if line.rule_id
                else line.name or ""
            )

    def _commission_deal_key(self):
        """The engine's deal key of this line (lines written before keys were stored: their
        opportunity)."""
        self.ensure_one()
        return self.deal_key or f"crm.lead,{self.lead_id.id}"

    def _is_frozen(self):
        """Settled, or in a statement that left the draft state: never edited any more."""
        self.ensure_one()
        return self.state in ("approved", "paid") or (
            self.statement_id and self.statement_id.state != "draft"
        )

    def _check_company(self, fnames=None):
        """The ORM's check, once per distinct company and linked records.

        A computation creates thousands of lines that share a few plans, rules and statements;
        the ORM checks every line and field one by one (a domain filter each). Lines with the
        same company and the same linked records get the same verdict: one of each is checked.
        """
        if self.env.context.get("commission_check_statements_later") and fnames:
            checked = {
                name for name in fnames if getattr(self._fields[name], "check_company", False)
            }
            if checked <= {"statement_id"}:
                # statement generation: its check of the lines against their statements
                # (payee, company and currency equal) runs after all the writes and is
                # stricter than this one
                return None
        if len(self) < 2:
            return super()._check_company(fnames)
        names = [
            name for name, field in self._fields.items() if field.relational and field.check_company
        ]
        representatives = {}
        for line in self.sudo():
            key = (line.company_id.id, *(tuple(line[name].ids) for name in names))
            representatives.setdefault(key, line.id)
        return super(CommissionLine, self.browse(list(representatives.values())))._check_company(
            fnames
        )

    @api.constrains("statement_id", "partner_id", "company_id", "currency_id")
    def _check_statement(self):
        if self.env.context.get("commission_check_statements_later"):
            return  # the caller checks all its statements at once (statement generation)
        self.statement_id._check_lines()

    # ------------------------------------------------------------------
    # Batch creation (computations)
    # ------------------------------------------------------------------
    @api.model
    def _insert_computed(self, vals_list):
        """Create the lines of a computation: what ``create(vals_list)`` creates, with one
        ``INSERT`` per thousand lines.

        A computation creates thousands of lines from values it built itself
        (``commission.compute._prepare_line_vals``): complete, one company and currency per
        plan, amounts rounded by the engine. ``create`` spends most of its time per value
        there (a new record per amount to find its currency, a cache entry per field, the
        stored related fields recomputed line by line, mail's per-record bookkeeping), six
        times the INSERT itself. This writes the same row, the stored related and computed
        fields included, then does what ``create`` does after its INSERT: the inverse
        relations and whatever depends on the new lines are refreshed, the Python
        constraints and the company check run, and the access right is checked. No chatter
        message and no follower, as ``create`` with ``mail_create_nolog`` and
        ``mail_create_nosubscribe``; the ``default_*`` keys of the context are not applied
        (the values are complete: a computation's lines never take a caller's defaults).

        Falls back to ``create`` when another module extends the line's creation or adds a
        stored field, or when the values hold a field the insert does not write.
        """
        Line = self.with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
        if not vals_list:
            return self.browse()
        if not self._insert_computed_supported() or any(
            not INSERT_COLUMNS.issuperset(vals) for vals in vals_list
        ):
            return Line.create(vals_list)

        plans = (
            self.env["commission.plan"]
            .sudo()
            .browse({vals["plan_id"] for vals in vals_list if vals.get("plan_id")})
        )
        products = (
            self.env["product.product"]
            .sudo()
            .browse({vals["product_id"] for vals in vals_list if vals.get("product_id")})
        )
        related = {
            "beneficiary_type": {plan.id: plan.beneficiary_type for plan in plans},
            "trigger": {plan.id: plan.trigger for plan in plans},
            "product_categ_id": {product.id: product.categ_id.id for product in products},
        }
        currency_ids = {vals["currency_id"] for vals in vals_list} | {
            vals["source_currency_id"] for vals in vals_list if vals.get("source_currency_id")
        }
        currencies = {
            currency.id: (currency.rounding, currency.decimal_places)
            for currency in self.env["res.currency"].sudo().browse(currency_ids)
        }
        now = fields.Datetime.to_string(self.env.cr.now())
        rows = []
        for vals in vals_list:
            row = dict(vals)
            row["beneficiary_type"] = related["beneficiary_type"].get(row.get("plan_id"))
            row["trigger"] = related["trigger"].get(row.get("plan_id"))
            row["product_categ_id"] = related["product_categ_id"].get(row.get("product_id"))
            row["is_correction"] = bool(row.get("origin_line_id"))
            row.setdefault("has_open_dispute", False)
            row.setdefault("state", "pending")
            row["create_uid"] = row["write_uid"] = self.env.uid
            row["create_date"] = row["write_date"] = now
            rows.append(row)

        columns = sorted(INSERT_COLUMNS)
        converters = {name: self._insert_converter(name, currencies) for name in columns}
        # False is NULL but for numbers and booleans
        nullable = {
            name
            for name in columns
            if self._fields[name].type not in ("boolean", "float", "monetary", "integer")
        }
        column_list = SQL(", ").join(map(SQL.identifier, columns))
        ids = []
        for batch in split_every(INSERT_BATCH, rows):
            # one JSON document per batch (a column left out is NULL): a VALUES list of a
            # thousand rows, composed parameter by parameter, costs more than the INSERT
            document = []
            for row in batch:
                item = {}
                for name, value in row.items():
                    if value is None or (value is False and name in nullable):
                        continue
                    convert = converters[name]
                    item[name] = convert(value, row) if convert else value
                document.append(item)
            ids.extend(
                id_
                for (id_,) in self.env.execute_query(
                    SQL(
                        "INSERT INTO commission_line (%s) SELECT %s "
                        "FROM json_populate_recordset(NULL::commission_line, %s) RETURNING id",
                        column_list,
                        column_list,
                        json.dumps(document),
                    )
                )
            )
        lines = Line.browse(ids)
        # the relations to the new lines (opportunity's lines, corrections...) are read again
        for name in columns:
            for inverse in self.pool.field_inverses[self._fields[name]]:
                self.env[inverse.model_name].invalidate_model([inverse.name])
        # what depends on the lines (totals...) is recomputed; the stored related and computed
        # fields of the new lines are already written
        written = [self._fields[name] for name in columns if self._fields[name].compute]
        with self.env.protecting(written, lines):
            lines.modified(columns, create=True)
        lines._validate_fields(columns)
        # the company check of create, on one line per distinct company and linked records
        linked = ["company_id"] + [
            name for name in columns if getattr(self._fields[name], "check_company", False)
        ]
        representatives = self.env.execute_query(
            SQL(
                "SELECT MIN(id) FROM commission_line WHERE id = ANY(%s) GROUP BY %s",
                ids,
                SQL(", ").join(map(SQL.identifier, linked)),
            )
        )
        lines.browse([id_ for (id_,) in representatives])._check_company()
        lines.check_access("create")
        return lines

    def _insert_converter(self, name, currencies):
        """Function (value, row) -> JSON value of column ``name``, as the ORM converts it for
        SQL, or None when the value goes as it is; amounts are rounded by their currency
        (``currencies``: {id: (rounding, digits)})."""
        field = self._fields[name]
        if field.type == "monetary":
            currency_field = field.get_currency_field(self)

            def convert(value, row):
                value = float(value or 0.0)
                if row.get(currency_field) not in currencies:
                    return value
                rounding, digits = currencies[row[currency_field]]
                # float_repr(float_round(...), digits) of the ORM: "+ 0.0" is float_repr's
                # zero without sign (the rounded value is 0.0, -0.0 or at least one unit)
                return "%.*f" % (digits, float_round(value, precision_rounding=rounding) + 0.0)

            return convert
        if field.type == "float":
            digits = field.get_digits(self.env)
            if not digits:
                return lambda value, row: float(value or 0.0)
            scale = digits[1]
            # Float.convert_to_column: float_repr(float_round(value, scale), scale)
            return lambda value, row: (
                "%.*f"
                % (
                    scale,
                    float_round(float(value or 0.0), precision_digits=scale) + 0.0,
                )
            )
        if field.type == "date":
            return lambda value, row: (
                value.isoformat()
                if type(value) is datetime.date
                else fields.Date.to_string(fields.Date.to_date(value))
            )
        if field.type == "datetime":
            return lambda value, row: (
                value
                if isinstance(value, str)  # create_date and write_date: already a string
                else fields.Datetime.to_string(fields.Datetime.to_datetime(value))
            )
        if field.type in ("many2one", "char", "text", "selection", "boolean", "integer", "json"):
            return None  # as it is (a JSON value goes in the document as it is)
        raise NotImplementedError(f"{self._name}.{name}: {field.type} column")

    @api.model
    def _insert_computed_supported(self):
        """True unless another module extends the creation of lines or their stored fields."""
        own = {"odoo.orm.models", "odoo.addons.mail.models.mail_thread", __name__}
        for cls in type(self).__mro__:
            if any(name in vars(cls) for name in ("create", "_create", "_prepare_create_values")):
                if cls.__module__ not in own:
                    return False
        stored = {name for name, field in self._fields.items() if field.store and field.column_type}
        return stored - {"id"} == INSERT_COLUMNS

    # ------------------------------------------------------------------
    # Protection
    # ------------------------------------------------------------------
    def write(self, vals):
        if not self.env.su:
            self.check_access("write")  # rights first: no hint to who may not write at all
        locked = LOCKED_FIELDS.intersection(vals)
        if locked and any(line._is_frozen() for line in self):
            raise UserError(
                self.env._(
                    "Commission lines that are approved, paid or under review in a statement "
                    "cannot be changed. A difference is recorded as a correction line instead."
                )
            )
        if not self.env.su and (LOCKED_FIELDS | WORKFLOW_FIELDS).intersection(vals):
            raise UserError(
                self.env._(
                    "Commission lines are computed: they change only through their buttons "
                    "(approve, dispute, adjustments), not by editing them."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_settled(self):
        if any(line.state in ("approved", "paid") for line in self):
            raise UserError(
                self.env._(
                    "Approved or paid commission lines cannot be deleted. "
                    "Record a correction instead."
                )
            )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_approve(self):
        not_pending = self.filtered(lambda line: line.state != "pending")
        if not_pending:
            raise UserError(
                self.env._(
                    "Only pending commission lines can be approved: %(lines)s",
                    lines=", ".join(not_pending.mapped("display_name")),
                )
            )
        self.check_access("write")
        self.sudo().write({"state": "approved"})
        return True

    def action_reset_to_pending(self):
        not_approved = self.filtered(lambda line: line.state != "approved")
        if not_approved:
            raise UserError(
                self.env._(
                    "Only approved commission lines can be set back to pending: %(lines)s",
                    lines=", ".join(not_approved.mapped("display_name")),
                )
            )
        self.check_access("write")
        self.sudo().write({"state": "pending"})
        return True

    @api.model
    def _commission_totals_by(self, field_name, records):
        """{record: (line count, total amount)} of the lines that are not cancelled."""
        return {
            record: (count, total)
            for record, count, total in self._read_group(
                [(field_name, "in", records.ids), ("state", "!=", "cancel")],
                [field_name],
                ["__count", "amount:sum"],
            )
        }

    @api.model
    def _action_open_lines(self, domain):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "commission_tracking.commission_line_action_all"
        )
        action["domain"] = domain
        action["context"] = {}
        return action

    def action_dispute(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Dispute this commission"),
            "res_model": "commission.dispute",
            "view_mode": "form",
            "target": "new",
            "context": {"default_line_id": self.id},
        }

    def action_open_source(self):
        self.ensure_one()
        record = self.lead_id or self.order_id or self.move_id
        if not record:
            return False
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "views": [(False, "form")],
        }
