import datetime
from decimal import Decimal

import pytz
from markupsafe import Markup

from odoo import api, fields, models, tools

from .. import engine

# What the computation of a won opportunity depends on: a change of one of these (won, lost,
# reopened, reassigned, re-dated, ...) recomputes the opportunity's commissions.
COMMISSION_TRIGGER_FIELDS = (
    "won_status",
    "user_id",
    "date_closed",
    "partner_id",
    "team_id",
    "commission_partner_id",
)
# Context key: create or write opportunities without the automatic computation (the caller
# computes them itself afterwards, as the demo data does).
NO_AUTO_COMPUTE = "commission_no_auto_compute"


class CrmLead(models.Model):
    _inherit = "crm.lead"

    commission_line_ids = fields.One2many(
        "commission.line", "lead_id", string="Commission lines", readonly=True
    )
    commission_count = fields.Integer(
        compute="_compute_commission_total", string="Commission line count"
    )
    commission_total = fields.Monetary(
        compute="_compute_commission_total",
        string="Commission",
        currency_field="company_currency",
        help="Total of the commission lines of this opportunity that are not cancelled.",
    )

    commission_queued = fields.Boolean(
        compute="_compute_commission_queued",
        string="Commissions queued",
        help="The computation of this opportunity's commissions waits for the background job.",
    )
    commission_partner_id = fields.Many2one(
        "res.partner",
        string="Sales partner",
        index="btree_not_null",
        tracking=True,
        help="The reseller or agent who brought this deal and earns a partner commission. "
        "Carried to the quotations and invoices.",
    )
    commission_split_ids = fields.One2many(
        "commission.split",
        "lead_id",
        string="Credit split",
        copy=True,
        help="Credit this deal to several salespeople; shares must sum to 100 %. Empty: the "
        "salesperson gets the whole credit.",
    )
    commission_expected = fields.Monetary(
        compute="_compute_commission_expected",
        string="Expected commission",
        currency_field="company_currency",
        help="What the salesperson's commission for the period would rise by if this "
        "opportunity were won today at its expected revenue, tiers and cap included.",
    )

    commission_partner_expected = fields.Monetary(
        compute="_compute_commission_expected",
        string="Expected partner commission",
        currency_field="company_currency",
        help="What the sales partner's commission would rise by if this opportunity were won "
        "today.",
    )

    @api.depends("expected_revenue", "user_id", "won_status", "company_id", "commission_partner_id")
    @api.depends_context("uid")
    def _compute_commission_expected(self):
        Compute = self.env["commission.compute"].sudo()
        now = datetime.datetime.now()
        for lead in self:
            lead.commission_expected = lead.commission_partner_expected = 0.0
            if lead.won_status != "pending" or not lead.user_id or not lead.id:
                continue
            lead.commission_expected = Compute._forecast_for_lead(lead)
            if lead.commission_partner_id:
                candidate = lead.sudo()._commission_candidate(now)
                if candidate:
                    lead.commission_partner_expected = Compute._forecast(
                        candidate, ("partner",), lead.commission_partner_id
                    )

    def _compute_commission_queued(self):
        queued = self.env["commission.queue"]._queued_ids(self._name, self._origin.ids)
        for lead in self:
            lead.commission_queued = lead._origin.id in queued

    @api.depends("commission_line_ids.amount", "commission_line_ids.state")
    def _compute_commission_total(self):
        data = self.env["commission.line"]._commission_totals_by("lead_id", self)
        for lead in self:
            lead.commission_count, lead.commission_total = data.get(lead, (0, 0.0))

    # ------------------------------------------------------------------
    # Engine inputs
    # ------------------------------------------------------------------
    def _commission_is_won(self):
        self.ensure_one()
        return bool(self.active and self.won_status == "won" and self.user_id and self.date_closed)

    def _commission_company(self):
        self.ensure_one()
        return self.company_id or self.user_id.company_id

    def _commission_date(self, when=None):
        """The day the deal was won (or ``when``), in the salesperson's time zone."""
        self.ensure_one()
        when = when or self.date_closed
        if not when:
            return None
        tz = pytz.timezone(self.user_id.tz or self.env.user.tz or "UTC")
        return pytz.utc.localize(when).astimezone(tz).date()

    def _commission_orders(self):
        self.ensure_one()
        return self.order_ids.filtered_domain(self._get_lead_sale_order_domain())

    def _commission_deal_parts(self, plan, day=None, orders=None):
        """(order lines as engine lines, fallback revenue, source) in the plan's currency.
        ``orders``: the opportunity's ``_commission_orders()`` when the caller has them.
        Depends on the plan's company and currency only (a computation builds them once for
        the plans that share both)."""
        self.ensure_one()
        day = day or self._commission_date()
        lines = []
        for order in self._commission_orders() if orders is None else orders:
            lines += order._commission_deal_lines(plan, day)
        fallback = None
        if not lines:
            company = plan.company_id
            fallback = Decimal(
                str(
                    self.company_currency._convert(
                        self.expected_revenue, plan.currency_id, company, day
                    )
                    if self.company_currency
                    else self.expected_revenue
                )
            )
        return tuple(lines), fallback, "order"

    def _commission_prepare_deal(self, plan, day=None):
        """This won opportunity as engine input, amounts in the plan's currency."""
        self.ensure_one()
        day = day or self._commission_date()
        lines, fallback, source = self._commission_deal_parts(plan, day)
        return engine.Deal(
            key=f"crm.lead,{self.id}",
            date=day,
            lines=lines,
            fallback_revenue=fallback,
            label=self.name or "",
            source=source,
        )

    def _commission_candidate(self, when=None):
        """This opportunity as the computation's candidate, as if won at ``when``."""
        self.ensure_one()
        day = self._commission_date(when)
        if not day or not self.user_id:
            return None
        return self.env["commission.compute"]._won_candidate(self, day)

    # ------------------------------------------------------------------
    # Computation
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        leads.filtered(lambda lead: lead._commission_is_won())._commission_auto_compute()
        return leads

    def write(self, vals):
        if self.env.context.get(NO_AUTO_COMPUTE) or not (
            self._commission_watched_fields().intersection(vals)
        ):
            return super().write(vals)
        watched = self._commission_auto_leads()
        before = {lead.id: lead._commission_trigger_values() for lead in watched}
        result = super().write(vals)
        watched.filtered(
            lambda lead: lead._commission_trigger_values() != before[lead.id]
        )._commission_auto_compute()
        return result

    @api.model
    @tools.ormcache()
    def _commission_watched_fields(self):
        """The fields whose change may change a trigger field: the trigger fields and what the
        computed ones depend on (the stage and probability for ``won_status``...)."""
        names = set(COMMISSION_TRIGGER_FIELDS)
        for name in COMMISSION_TRIGGER_FIELDS:
            field = self._fields[name]
            if field.compute:
                names.update(path.split(".")[0] for path in field.get_depends(self)[0])
        return frozenset(names)

    def _commission_trigger_values(self):
        self.ensure_one()
        return tuple(self[name] for name in COMMISSION_TRIGGER_FIELDS)

    def _commission_auto_leads(self):
        """These opportunities, but those of companies that switched the automatic
        computation off (Settings > Commissions)."""
        return self.filtered(
            lambda lead: lead.id and lead.sudo()._commission_company().commission_compute_on_won
        )

    def _commission_auto_compute(self):
        """Run the shipped server action *Compute commissions of the opportunity* on these
        opportunities (won, lost, reopened, reassigned...), once for all of them and as
        superuser, as an automation rule would; not for companies that switched it off."""
        leads = not self.env.context.get(NO_AUTO_COMPUTE) and self._commission_auto_leads()
        if not leads:
            return
        # the id from the cached xmlid, without the existence query of ``env.ref`` each time
        action_id = self.env["ir.model.data"]._xmlid_to_res_id(
            "commission_tracking.action_server_compute_commissions_automation",
            raise_if_not_found=False,
        )
        if action_id:
            self.env["ir.actions.server"].sudo().browse(action_id).with_context(
                active_model=self._name, active_ids=leads.ids, active_id=leads.ids[0]
            ).run()

    def _commission_compute(self):
        """Recompute the commissions of these opportunities (won, lost or reopened).

        Called by the shipped server action when an opportunity changes, and by the other
        automatic hooks: computed at once, or queued when the company computes commissions
        in the background. The caller must be able to read the opportunities; the lines are
        then written as superuser.
        """
        self.check_access("read")
        # only won opportunities and those that had commissions (lost, reopened) change
        # anything: a new or moved open opportunity is not even queued
        leads = self.filtered(lambda lead: lead._commission_is_won())
        leads |= (
            self.env["commission.line"]
            .sudo()
            .search([("lead_id", "in", (self - leads).ids)])
            .lead_id.with_env(self.env)
        )
        return self.env["commission.compute"]._compute_or_queue(leads=leads)

    def action_compute_commissions(self):
        # asked for by a person: computed now, even in background mode
        self.check_access("read")
        lines = self.env["commission.compute"]._compute_for_leads(self)
        self.env["commission.queue"]._dequeue(self._name, self.ids)  # nothing left to do
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "Commissions computed for %(count)s opportunities (%(lines)s new lines).",
                    count=len(self),
                    lines=len(lines),
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_view_commission_lines(self):
        self.ensure_one()
        return self.env["commission.line"]._action_open_lines([("lead_id", "=", self.id)])

    def _commission_post_summary(self, lines, skipped):
        """Tell the salesperson what their commission on this deal is now (mail template, in
        their language), and note in the chatter why a rule produced nothing."""
        self.ensure_one()
        if lines:
            self.env["commission.compute"]._send_template(
                self, "commission_tracking.mail_template_commission_computed"
            )
        if skipped:
            rows = [
                self.env._(
                    "%(plan)s: %(reason)s",
                    plan=plan.name,
                    reason=engine.explain_skipped(item, _=self.env._),
                )
                for plan, item in skipped
            ]
            body = Markup("<p>%s</p><ul>%s</ul>") % (
                self.env._("Some commission rules produced nothing for this opportunity:"),
                Markup("").join(Markup("<li>%s</li>") % row for row in rows),
            )
            self.message_post(
                body=body,
                author_id=self.env.ref("base.partner_root").id,
                subtype_xmlid="mail.mt_note",
            )
