"""Bridge between Odoo records and the pure-Python commission engine.

Gathers the inputs of every affected (plan, salesperson, period) in batch, lets the engine compute
the period, then writes the difference with what already exists: pending lines are updated,
approved and paid lines are never edited but corrected by new lines, and lines of deals that no
longer count are cancelled.
"""

import datetime
import logging
from collections import defaultdict
from decimal import Decimal

from odoo import api, models
from odoo.exceptions import UserError

from .. import engine

_logger = logging.getLogger(__name__)

ORDER_LINE_FIELDS = [
    "display_type",
    "is_downpayment",
    "product_id",
    "product_uom_id",
    "product_uom_qty",
    "price_subtotal",
    "margin",
]
TEMPLATE_FIELDS = {"subject", "body_html", "partner_to"}
# Per-transaction store of notification values rendered in batch by ``_notify``.
PRERENDER_KEY = "commission_tracking.prerendered_templates"


def _dec(value):
    return Decimal(str(value or 0))


class CommissionCompute(models.AbstractModel):
    _name = "commission.compute"
    _description = "Commission computation"

    # ------------------------------------------------------------------
    # Entry point
    # ------------------------------------------------------------------
    @api.model
    def _compute_for_leads(self, leads):
        """Recompute every plan period touched by ``leads`` (won, lost, reopened or reassigned).

        Runs as superuser: callers check the user's access to ``leads`` first.
        """
        self = self.sudo()
        leads = leads.sudo().with_context(active_test=False)
        Line = self.env["commission.line"]
        groups = set()
        # Periods where these leads already have commissions (lost, reopened, reassigned...).
        for plan, user, period_start in Line._read_group(
            [
                ("lead_id", "in", leads.ids),
                ("state", "!=", "cancel"),
                # an archived plan is frozen: its lines are left as they are
                ("plan_id.active", "=", True),
            ],
            ["plan_id", "user_id", "period_start:day"],
        ):
            groups.add((plan, user, period_start))
        # Periods where won leads count now.
        won = leads.filtered(lambda lead: lead._commission_is_won())
        plans = self._get_plans(
            self.env["res.company"].union(*(lead._commission_company() for lead in won))
        )
        for lead in won:
            for plan in self._plans_for_lead(plans, lead):
                groups.add(
                    (plan, lead.user_id, plan._get_period_bounds(lead._commission_date())[0])
                )
        if not groups:
            return Line
        return self._compute_groups(groups, touched_leads=leads)

    @api.model
    def _get_plans(self, companies):
        if not companies:
            return self.env["commission.plan"]
        return self.env["commission.plan"].search(
            [
                ("company_id", "in", companies.ids),
                ("beneficiary_type", "=", "salesperson"),
                ("trigger", "=", "won"),
            ]
        )

    @api.model
    def _plans_for_lead(self, plans, lead, day=None):
        day = day or lead._commission_date()
        company = lead._commission_company()
        return plans.filtered(
            lambda plan: (
                plan.company_id == company
                and lead.user_id in plan.user_ids
                and plan._covers_date(day)
            )
        )

    @api.model
    def _search_won_leads(self, users, first, last):
        """Won opportunities of ``users`` that may fall between the days ``first`` and ``last``.

        One day wider on each side: the salesperson's time zone decides the day a deal is won,
        callers filter on ``crm.lead._commission_date()``.
        """
        return self.env["crm.lead"].search(
            [
                ("user_id", "in", users.ids),
                ("won_status", "=", "won"),
                ("active", "=", True),
                (
                    "date_closed",
                    ">=",
                    datetime.datetime.combine(first, datetime.time.min)
                    - datetime.timedelta(days=1),
                ),
                (
                    "date_closed",
                    "<",
                    datetime.datetime.combine(last, datetime.time.min) + datetime.timedelta(days=2),
                ),
            ]
        )

    # ------------------------------------------------------------------
    # Forecast for an open opportunity
    # ------------------------------------------------------------------
    @api.model
    def _forecast_for_lead(self, lead):
        """Increase of the salesperson's period commission if ``lead`` were won today.

        Compares the engine's period total with and without this deal, so tiers (a deal that
        lifts the period into a retroactive tier earns the uplift of the whole period) and caps
        are taken into account. Read-only: nothing is written.
        """
        self = self.sudo()
        lead = lead.sudo()
        day = lead._commission_date(datetime.datetime.now())
        company = lead._commission_company()
        plans = self._plans_for_lead(self._get_plans(company), lead, day)
        total = 0.0
        for plan in plans:
            start, end = plan._get_period_bounds(day)
            won = self._search_won_leads(lead.user_id, start, end) - lead
            deals = [
                other._commission_prepare_deal(plan)
                for other in won
                if start <= other._commission_date() <= end
                and other._commission_company() == company
            ]
            rules = plan._commission_engine_rules()
            cap = _dec(plan.cap_amount)
            rounding = _dec(plan.currency_id.rounding)
            without = engine.compute_period(rules, deals, cap=cap, rounding=rounding).total
            hypothetical = lead._commission_prepare_deal(plan, day)
            with_deal = engine.compute_period(
                rules, [*deals, hypothetical], cap=cap, rounding=rounding
            ).total
            total += plan.currency_id._convert(
                float(with_deal - without), lead.company_currency or plan.currency_id, company, day
            )
        return total

    # ------------------------------------------------------------------
    # Batch computation of (plan, user, period) groups
    # ------------------------------------------------------------------
    @api.model
    def _compute_groups(self, groups, touched_leads=None):
        Line = self.env["commission.line"]
        Lead = self.env["crm.lead"].with_context(active_test=False)
        plans = self.env["commission.plan"].union(*(plan for plan, _user, _start in groups))
        users = self.env["res.users"].union(*(user for _plan, user, _start in groups))
        bounds = {
            (plan, user, start): (start, plan._get_period_bounds(start)[1])
            for plan, user, start in groups
        }
        first = min(start for start, _end in bounds.values())
        last = max(end for _start, end in bounds.values())
        candidates = self._search_won_leads(users, first, last)
        # the order lines the deals are built from, for all orders at once (not 2 queries each)
        candidates.order_ids.order_line.fetch(ORDER_LINE_FIELDS)
        # Only the groups of the lead's salesperson can hold it: index them by salesperson
        # instead of testing every (lead, group) pair.
        bounds_by_user = defaultdict(list)
        for key, (start, end) in bounds.items():
            bounds_by_user[key[1].id].append((key, start, end))
        leads_by_group = defaultdict(lambda: Lead)
        for lead in candidates:
            day = lead._commission_date()
            for key, start, end in bounds_by_user.get(lead.user_id.id, ()):
                plan, user, _start = key
                if (
                    lead.user_id == user
                    and start <= day <= end
                    and plan.company_id == lead._commission_company()
                    and user in plan.user_ids
                    and plan._covers_date(day)
                ):
                    leads_by_group[key] |= lead
        # Existing lines of all groups, in one search.
        existing = Line.search(
            [
                ("plan_id", "in", plans.ids),
                ("user_id", "in", users.ids),
                ("period_start", "in", sorted({start for _p, _u, start in groups})),
                ("state", "!=", "cancel"),
                ("lead_id", "!=", False),
                ("is_adjustment", "=", False),
            ],
            order="id",
        )
        existing_by_group = defaultdict(lambda: Line)
        for line in existing:
            key = (line.plan_id, line.user_id, line.period_start)
            if key in bounds:
                existing_by_group[key] |= line

        to_create = []
        changed_leads = defaultdict(lambda: Line)
        skipped_by_lead = defaultdict(list)
        for key in sorted(bounds, key=lambda k: (k[0].id, k[1].id, k[2])):
            plan, user, start = key
            # read the orders, order lines... of all the groups' leads at once, not per group
            group_leads = leads_by_group[key].with_prefetch(candidates._prefetch_ids)
            deals = [lead._commission_prepare_deal(plan) for lead in group_leads]
            result = engine.compute_period(
                plan._commission_engine_rules(),
                deals,
                cap=_dec(plan.cap_amount),
                rounding=_dec(plan.currency_id.rounding),
            )
            for skipped in result.skipped:
                skipped_by_lead[Lead.browse(skipped.deal_key)].append((plan, skipped))
            lines = existing_by_group[key].with_prefetch(existing._prefetch_ids)
            reconciliation = engine.reconcile(
                result.lines,
                [
                    engine.Existing(
                        id=line.id,
                        deal_key=line.lead_id.id,
                        rule_key=line.rule_id.id,
                        # a line under review (statement submitted) is not edited any more:
                        # a difference becomes a correction line, as for approved lines
                        state="approved" if line._is_frozen() else line.state,
                        amount=_dec(line.amount),
                    )
                    for line in lines
                ],
                rounding=_dec(plan.currency_id.rounding),
            )
            for line_id, line_result in reconciliation.updates:
                line = Line.browse(line_id)
                line.write(self._prepare_line_update_vals(plan, line_result))
                changed_leads[line.lead_id] |= line
            if reconciliation.cancels:
                cancelled = Line.browse(reconciliation.cancels)
                cancelled.write({"state": "cancel"})
                for line in cancelled:
                    changed_leads[line.lead_id] |= line
            for line_result, amount, origin_id in reconciliation.creates:
                to_create.append(
                    self._prepare_line_vals(
                        plan,
                        user,
                        start,
                        Lead.browse(line_result.deal_key),
                        line_result,
                        amount,
                        origin_id,
                    )
                )
        # No "created" chatter message per line: the opportunity's chatter tells the story.
        created = Line.with_context(mail_create_nolog=True, mail_create_nosubscribe=True).create(
            to_create
        )
        for line in created:
            changed_leads[line.lead_id] |= line
        self._notify(changed_leads, skipped_by_lead, touched_leads or Lead)
        return created

    # ------------------------------------------------------------------
    # Values
    # ------------------------------------------------------------------
    @api.model
    def _result_vals(self, plan, result):
        rule = self.env["commission.rule"].browse(result.rule_key)
        money_base = rule.base in ("revenue", "margin")
        return {
            "base_amount": float(result.base) if money_base else 0.0,
            "base_qty": 0.0 if money_base else float(result.base),
            "rate": float(result.rate),
            "explanation_data": {
                "steps": [{"code": s.code, "params": s.params} for s in result.steps]
            },
        }

    @api.model
    def _prepare_line_update_vals(self, plan, result):
        lead = self.env["crm.lead"].browse(result.deal_key)
        vals = self._result_vals(plan, result)
        vals["amount"] = float(result.amount)
        if lead._commission_date():
            vals["date"] = lead._commission_date()
        return vals

    @api.model
    def _prepare_line_vals(self, plan, user, period_start, lead, result, amount, origin_id):
        orders = lead._commission_orders()
        origin = self.env["commission.line"].browse(origin_id)
        vals = self._result_vals(plan, result)
        vals.update(
            {
                "name": lead.name,
                "plan_id": plan.id,
                "rule_id": result.rule_key,
                "user_id": user.id,
                "partner_id": user._commission_payee().id,
                "team_id": lead.team_id.id,
                "company_id": plan.company_id.id,
                "currency_id": plan.currency_id.id,
                "lead_id": lead.id,
                "order_id": orders.id if len(orders) == 1 else False,
                # a deal that no longer counts (lost, reopened) is corrected on its original date
                "date": lead._commission_date() or origin.date or period_start,
                "period_start": period_start,
                "amount": float(amount),
                "origin_line_id": origin_id or False,
            }
        )
        return vals

    # ------------------------------------------------------------------
    # Mail
    # ------------------------------------------------------------------
    @api.model
    def _send_template(self, records, xmlid):
        """Post the mail template on each record, in the recipient's language.

        A mail problem is logged, never raised: the commission workflow goes on. The e-mails
        themselves are queued and sent by Odoo's mail queue, following the company's mail
        settings.
        """
        template = self.env.ref(xmlid, raise_if_not_found=False)
        if not template:
            return
        author = self.env.ref("base.partner_root")
        prerendered = self.env.cr.cache.get(PRERENDER_KEY, {})
        for record in records:
            try:
                with self.env.cr.savepoint():
                    values = prerendered.get((template.id, record._name, record.id))
                    if values is None:
                        values = template._generate_template(record.ids, TEMPLATE_FIELDS)[record.id]
                    record.with_context(mail_notify_author_mention=True).message_post(
                        body=values["body_html"],
                        subject=values["subject"],
                        partner_ids=values.get("partner_ids", []),
                        author_id=author.id,
                        subtype_xmlid="mail.mt_comment",
                        message_type="comment",
                    )
            except (UserError, ValueError):
                _logger.warning(
                    "Commission notification %s on %s could not be prepared",
                    xmlid,
                    record,
                    exc_info=True,
                )

    # ------------------------------------------------------------------
    # Notification of the salesperson
    # ------------------------------------------------------------------
    @api.model
    def _prerender_template(self, records, xmlid):
        """Render ``xmlid`` on all ``records`` at once (one template compilation, batched reads)
        for ``_send_template``, which posts each record's message with these values.

        Best effort: if the batch cannot be rendered, nothing is stored and ``_send_template``
        renders (and reports) record by record, as without this step.
        """
        template = self.env.ref(xmlid, raise_if_not_found=False)
        if not template or not records:
            return
        try:
            with self.env.cr.savepoint():
                values = template._generate_template(records.ids, TEMPLATE_FIELDS)
        except (UserError, ValueError):
            return
        prerendered = self.env.cr.cache.setdefault(PRERENDER_KEY, {})
        for record in records:
            prerendered[(template.id, record._name, record.id)] = values[record.id]

    @api.model
    def _notify(self, changed_leads, skipped_by_lead, touched_leads):
        leads = touched_leads | self.env["crm.lead"].union(*changed_leads)
        self.with_env(leads.env)._prerender_template(
            leads.filtered(lambda lead: changed_leads.get(lead)),
            "commission_tracking.mail_template_commission_computed",
        )
        try:
            for lead in leads:
                lines = changed_leads.get(lead, self.env["commission.line"])
                skipped = skipped_by_lead.get(lead, [])
                if not lines and not skipped:
                    continue
                lead._commission_post_summary(lines, skipped)
        finally:
            self.env.cr.cache.pop(PRERENDER_KEY, None)
