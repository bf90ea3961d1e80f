"""Bridge between Odoo records and the pure-Python commission engine.

A *source* is what earns a commission: a won opportunity, a confirmed order, a posted customer
invoice line, a payment of a customer invoice, or a referred customer. Each source becomes a
*candidate* (the engine's deal, plus who it credits); candidates are assigned to *groups*
``(plan, beneficiary, period start)`` where the beneficiary is a salesperson (``res.users``) or a
sales partner / referrer (``res.partner``).

For every affected group the sources are gathered in batch, the engine computes the period, and
the difference with what already exists is written: pending lines are updated, approved and paid
lines are never edited but corrected by new lines, and lines of deals that no longer count
(lost, cancelled, reset to draft, unreconciled, clawed back) are cancelled or corrected.
"""

import datetime
import logging
from collections import defaultdict
from decimal import Decimal
from typing import Any, NamedTuple

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain

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
# What the computation reads of invoice lines and existing commission lines: fetched alone,
# instead of every column of thousands of rows (prefetching reads them all).
INVOICE_LINE_FIELDS = [
    "move_id",
    "display_type",
    "product_id",
    "name",
    "balance",
    "quantity",
    "product_uom_id",
    "price_subtotal",
    "sale_line_ids",
]
# (with the fields the chatter tracks, read when a line is updated)
EXISTING_LINE_FIELDS = [
    "deal_key",
    "lead_id",
    "rule_id",
    "state",
    "statement_id",
    "amount",
    "plan_id",
    "partner_id",
    "rate",
    "payment_date",
]
TEMPLATE_FIELDS = {"subject", "body_html", "partner_to"}
# Per-transaction store of notification values rendered in batch by ``_notify``.
PRERENDER_KEY = "commission_tracking.prerendered_templates"
CUSTOMER_INVOICE_TYPES = ("out_invoice", "out_refund")
CLAWBACK_BATCH = 200  # invoices recomputed between two commits of the clawback
# more opportunities notified by one computation than this: their e-mails are queued
NOTIFY_NOW_MAX = 1
ONE = Decimal(1)


def _dec(value):
    return Decimal(str(value or 0))


def _per_company_currency(build):
    """``build(plan)`` run once per plan company and currency: a deal's lines depend on the
    plan only through them (the currency they are converted to, the company's rates), and a
    deal often counts in several plans (the salesperson's, the team leader's)."""
    built = {}

    def shared(plan):
        key = (plan.company_id.id, plan.currency_id.id)
        if key not in built:
            built[key] = build(plan)
        return built[key]

    return shared


class Candidate(NamedTuple):
    """One source that may earn commissions, before plans are applied."""

    key: str  # the engine's deal key, stored on the lines as ``deal_key``
    family: str  # "won", "order", "invoice", "payment" or "referral"
    record: Any  # the source record
    day: datetime.date
    company: Any
    credits: tuple  # ((res.users, Decimal share), ...): the salespeople credited
    partner: Any  # the sales partner (res.partner, maybe empty)
    referrer: Any  # the referrer of a referred customer (referral candidates only)
    team: Any
    customer: Any
    vals: dict  # source fields of the commission line (lead_id, order_id, move_id...)
    build: Any  # build(plan) -> (tuple of engine.DealLine, fallback revenue or None, source)
    trigger: str = ""  # referral candidates: the qualifying event they were found for


class CommissionCompute(models.AbstractModel):
    _name = "commission.compute"
    _description = "Commission computation"

    # ------------------------------------------------------------------
    # Entry points
    # ------------------------------------------------------------------
    @api.model
    def _compute_for_leads(self, leads):
        """Recompute every plan period touched by ``leads`` (won, lost, reopened or reassigned).

        Runs as superuser: callers check the user's access to ``leads`` first.
        """
        return self._compute_for_sources(leads=leads)

    @api.model
    def _compute_for_sources(self, leads=None, orders=None, moves=None, customers=None):
        """Recompute every plan period touched by these sources (any state change).

        ``moves`` are customer invoices / credit notes (their lines and payments); ``customers``
        are referred customers. Runs as superuser: callers check the user's access first.
        """
        self = self.sudo()
        env = self.env
        Line = env["commission.line"]
        leads = (leads or env["crm.lead"]).sudo().with_context(active_test=False)
        orders = (orders or env["sale.order"]).sudo()
        moves = (
            (moves or env["account.move"])
            .sudo()
            .filtered(lambda move: move.move_type in CUSTOMER_INVOICE_TYPES)
        )
        customers = (customers or env["res.partner"]).sudo()
        customers |= (leads.partner_id | orders.partner_id | moves.partner_id).commercial_partner_id
        customers = customers.with_context(active_test=False)

        groups = set()
        # Periods where these sources already have commissions.
        domains = []
        if leads:
            domains.append(Domain("lead_id", "in", leads.ids))
        if orders:
            domains.append(Domain("order_id", "in", orders.ids))
        if moves:
            domains.append(Domain("move_id", "in", moves.ids))
        if customers:
            domains.append(
                Domain("customer_id", "in", customers.ids)
                & Domain("beneficiary_type", "=", "referrer")
            )
        if domains:
            groups.update(
                key
                for key, _ids in self._line_groups(
                    Domain.OR(domains)
                    & Domain(
                        [
                            ("state", "!=", "cancel"),
                            ("is_adjustment", "=", False),
                            # an archived plan is frozen: its lines are left as they are
                            ("plan_id.active", "=", True),
                        ]
                    )
                )
            )
        # Periods where the sources count now (only for the kinds of plans that exist).
        companies = env["res.company"].union(
            leads.company_id, leads.user_id.company_id, orders.company_id, moves.company_id
        )
        if customers:
            # a referred customer may buy in any company
            companies |= env["res.company"].search([], limit=None)
        plans = self._get_plans(companies)
        families = {
            "referral" if plan.beneficiary_type == "referrer" else plan.trigger for plan in plans
        }
        candidates = []
        if "won" in families:
            candidates += self._candidates_won(leads)
        if "order" in families:
            candidates += self._candidates_order(orders.filtered(lambda o: o.state == "sale"))
        if "invoice" in families:
            candidates += self._candidates_invoice(moves.invoice_line_ids)
        if "payment" in families:
            candidates += self._candidates_payment(moves._commission_payment_partials())
        if "referral" in families:
            triggers = set(
                plans.filtered(lambda p: p.beneficiary_type == "referrer").mapped("trigger")
            )
            for trigger in triggers:
                candidates += self._candidates_referral(customers, trigger)
        for key, _candidate, _scope, _share in self._assign(candidates, plans):
            groups.add(key)
        if not groups:
            return Line
        return self._compute_groups(
            groups,
            touched_leads=leads,
            known={candidate.key: candidate for candidate in candidates},
        )

    @api.model
    def _compute_or_queue(self, leads=None, orders=None, moves=None, customers=None):
        """Automatic recomputation after a change of these sources: computed now, or queued
        for the background job when their company computes commissions in the background
        (Settings). Returns the lines created now."""
        sources = {
            "crm.lead": leads or self.env["crm.lead"],
            "sale.order": orders or self.env["sale.order"],
            "account.move": moves or self.env["account.move"],
            "res.partner": customers or self.env["res.partner"],
        }
        now = self.env["commission.queue"]._enqueue(
            {model: records for model, records in sources.items() if records}
        )
        if not any(now.values()):
            return self.env["commission.line"]
        return self._compute_for_sources(
            leads=now.get("crm.lead"),
            orders=now.get("sale.order"),
            moves=now.get("account.move"),
            customers=now.get("res.partner"),
        )

    @api.model
    def _get_plans(self, companies):
        if not companies:
            return self.env["commission.plan"]
        return self.env["commission.plan"].search([("company_id", "in", companies.ids)])

    @api.model
    def _cron_clawback_unpaid(self):
        """Reverse the commissions of invoices still unpaid ``clawback_days`` after their due
        date (plans with a clawback). Payment restores them (the payment recomputes)."""
        plans = (
            self.env["commission.plan"]
            .sudo()
            .search([("clawback_days", ">", 0), ("trigger", "=", "invoice")])
        )
        today = fields.Date.context_today(self)
        move_ids = []
        for plan in plans:
            # overdue unpaid invoices whose commission of this plan is not yet clawed back
            # (non-zero): an invoice clawed back on an earlier day is not recomputed again
            groups = (
                self.env["commission.line"]
                .sudo()
                ._read_group(
                    [
                        ("plan_id", "=", plan.id),
                        ("state", "!=", "cancel"),
                        ("move_id.move_type", "=", "out_invoice"),
                        ("move_id.state", "=", "posted"),
                        ("move_id.payment_state", "not in", ("paid", "in_payment", "reversed")),
                        (
                            "move_id.invoice_date_due",
                            "<",
                            today - datetime.timedelta(days=plan.clawback_days),
                        ),
                    ],
                    ["move_id"],
                    having=[("amount:sum", "!=", 0)],
                )
            )
            move_ids.extend(move.id for (move,) in groups)
        moves = self.env["account.move"].sudo().browse(list(dict.fromkeys(move_ids)))
        # in batches, each committed with its progress (Odoo's cron progress API); a run
        # stopped by its time limit starts again at once (invoices already clawed back
        # recompute to no change)
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        IrCron = self.env["ir.cron"]
        if in_cron:
            IrCron._commit_progress(remaining=len(moves))
        for start in range(0, len(moves), CLAWBACK_BATCH):
            batch = moves[start : start + CLAWBACK_BATCH]
            self._compute_for_sources(moves=batch)
            if in_cron and IrCron._commit_progress(len(batch)) <= 0:
                return

    # ------------------------------------------------------------------
    # Candidates: one per source
    # ------------------------------------------------------------------
    @api.model
    def _local_day(self, when, user):
        if not when:
            return None
        tz = pytz.timezone(user.tz or self.env.user.tz or "UTC")
        return pytz.utc.localize(when).astimezone(tz).date()

    @api.model
    def _credits(self, splits, user):
        if splits:
            return tuple((split.user_id, _dec(split.share) / 100) for split in splits)
        return ((user, ONE),) if user else ()

    @api.model
    def _candidates_won(self, leads, known=None):
        """Candidates of the won opportunities among ``leads`` (``known``: {key: candidate}
        already built in this computation, reused)."""
        known = known or {}
        result = []
        for lead in leads:
            candidate = known.get(f"crm.lead,{lead.id}")  # built from a won opportunity
            if candidate:
                result.append(candidate)
            elif lead._commission_is_won():
                result.append(self._won_candidate(lead, lead._commission_date()))
        return result

    @api.model
    def _won_candidate(self, lead, day):
        orders = lead._commission_orders()
        return Candidate(
            key=f"crm.lead,{lead.id}",
            family="won",
            record=lead,
            day=day,
            company=lead._commission_company(),
            credits=self._credits(lead.commission_split_ids, lead.user_id),
            partner=lead.commission_partner_id,
            referrer=None,
            team=lead.team_id,
            customer=lead.partner_id.commercial_partner_id,
            vals={
                "name": lead.name,
                "lead_id": lead.id,
                "order_id": orders.id if len(orders) == 1 else False,
            },
            build=_per_company_currency(
                lambda plan: lead._commission_deal_parts(plan, day, orders)
            ),
        )

    @api.model
    def _candidates_order(self, orders):
        result = []
        for order in orders:
            confirmed = order.state == "sale" or order.env.context.get(
                "commission_assume_confirmed"
            )
            if not confirmed or not order.date_order:
                continue
            result.append(
                Candidate(
                    key=f"sale.order,{order.id}",
                    family="order",
                    record=order,
                    day=self._local_day(order.date_order, order.user_id),
                    company=order.company_id,
                    credits=self._credits(order.commission_split_ids, order.user_id),
                    partner=order.commission_partner_id,
                    referrer=None,
                    team=order.team_id,
                    customer=order.partner_id.commercial_partner_id,
                    vals={
                        "name": order.name,
                        "order_id": order.id,
                        "lead_id": order.opportunity_id.id,
                    },
                    build=_per_company_currency(
                        lambda plan, order=order: (
                            tuple(order._commission_deal_lines(plan, order._commission_date())),
                            None,
                            "order",
                        )
                    ),
                )
            )
        return result

    @api.model
    def _invoice_credits(self, move):
        orders = move.invoice_line_ids.sale_line_ids.order_id
        splits = orders.commission_split_ids if len(orders) == 1 else orders.browse()
        return self._credits(splits, move.invoice_user_id)

    @api.model
    def _invoice_counts(self, move):
        """A posted customer invoice counts, unless clawed back as unpaid (per plan, later)."""
        return move.state == "posted" and move.move_type in CUSTOMER_INVOICE_TYPES

    @api.model
    def _candidates_invoice(self, move_lines, known=None):
        """Candidates of the product lines of posted customer invoices among ``move_lines``
        (``known``: {key: candidate} already built in this computation, reused)."""
        known = known or {}
        move_lines.fetch(INVOICE_LINE_FIELDS)
        result = []
        # what the lines of one invoice share, computed once per invoice; what the engine lines
        # of one invoice or one product share (account.move.line._commission_deal_line)
        by_move = {}
        facts = {}
        for aml in move_lines:
            candidate = known.get(f"account.move.line,{aml.id}")
            if candidate:
                result.append(candidate)
                continue
            move = aml.move_id
            if aml.display_type != "product":
                continue
            shared = by_move.get(move.id)
            if shared is None:
                shared = by_move[move.id] = (
                    {
                        "day": move.invoice_date or move.date,
                        "company": move.company_id,
                        "credits": self._invoice_credits(move),
                        "partner": move.commission_partner_id,
                        "team": move.team_id,
                        "customer": move.partner_id.commercial_partner_id,
                        "sign": -1 if move.move_type == "out_refund" else 1,
                        "name": move.name,
                        "currency_id": move.currency_id.id,
                    }
                    if self._invoice_counts(move)
                    else False
                )
            if not shared:
                continue
            product = aml.product_id
            result.append(
                Candidate(
                    key=f"account.move.line,{aml.id}",
                    family="invoice",
                    record=aml,
                    day=shared["day"],
                    company=shared["company"],
                    credits=shared["credits"],
                    partner=shared["partner"],
                    referrer=None,
                    team=shared["team"],
                    customer=shared["customer"],
                    vals={
                        "name": f"{shared['name']} · {product.display_name or aml.name or ''}",
                        "move_id": move.id,
                        "product_id": product.id,
                        "order_id": aml.sale_line_ids.order_id[:1].id,
                        "source_currency_id": shared["currency_id"],
                        "source_amount": aml.price_subtotal * shared["sign"],
                    },
                    build=_per_company_currency(
                        lambda plan, aml=aml: (
                            (aml._commission_deal_line(plan, facts=facts),),
                            None,
                            "invoice",
                        )
                    ),
                )
            )
        return result

    @api.model
    def _candidates_payment(self, partials):
        """One candidate per (payment partial, customer invoice): the invoice's lines in the
        proportion of the invoice paid by this partial, dated by the payment."""
        result = []
        for partial in partials:
            for aml in partial.debit_move_id | partial.credit_move_id:
                move = aml.move_id
                if move.move_type not in CUSTOMER_INVOICE_TYPES or move.state != "posted":
                    continue
                other = (partial.debit_move_id | partial.credit_move_id) - aml
                if other.move_id.move_type != "entry":
                    continue  # a credit note reconciled with its invoice is not a payment
                total = abs(move.amount_total_signed)
                if not total:
                    continue
                fraction = _dec(partial.amount) / _dec(total)
                result.append(
                    Candidate(
                        key=f"account.partial.reconcile,{partial.id},{move.id}",
                        family="payment",
                        record=partial,
                        day=partial.max_date,
                        company=move.company_id,
                        credits=self._invoice_credits(move),
                        partner=move.commission_partner_id,
                        referrer=None,
                        team=move.team_id,
                        customer=move.partner_id.commercial_partner_id,
                        vals={
                            "name": self.env._(
                                "%(invoice)s · payment %(date)s",
                                invoice=move.name,
                                date=partial.max_date,
                            ),
                            "move_id": move.id,
                            "order_id": move.invoice_line_ids.sale_line_ids.order_id[:1].id,
                            "source_currency_id": move.currency_id.id,
                            "source_amount": move.amount_untaxed * float(fraction),
                        },
                        build=lambda plan, move=move, fraction=fraction: (
                            tuple(
                                aml._commission_deal_line(plan, fraction)
                                for aml in move.invoice_line_ids
                                if aml.display_type == "product"
                            ),
                            None,
                            "payment",
                        ),
                    )
                )
        return result

    @api.model
    def _candidates_referral(self, customers, trigger):
        """Referred customers whose first qualifying event (first won opportunity, confirmed
        order, posted invoice or paid invoice, after the referral date) happened: one
        candidate per customer, ever."""
        referred = customers.filtered("referred_by_id")
        if not referred:
            return []
        events = referred._commission_first_events(trigger)
        # once settled, a referral stays with its referrer: a customer referred again (by
        # someone else) never earns a second referral
        settled = {
            line.customer_id: line.partner_id
            for line in self.env["commission.line"].search(
                [
                    ("beneficiary_type", "=", "referrer"),
                    ("customer_id", "in", referred.ids),
                    ("state", "in", ("approved", "paid")),
                    ("origin_line_id", "=", False),
                    ("amount", ">", 0),
                ],
                order="id desc",
            )
        }
        result = []
        for customer in referred:
            day, company, team = events.get(customer, (None, None, None))
            if not day:
                continue
            result.append(
                Candidate(
                    key=f"res.partner,{customer.id}",
                    family="referral",
                    record=customer,
                    day=day,
                    company=company,
                    credits=(),
                    partner=None,
                    referrer=settled.get(customer) or customer.referred_by_id,
                    team=team,
                    customer=customer,
                    vals={"name": customer.display_name},
                    build=lambda plan: ((), None, "order"),
                    trigger=trigger,
                )
            )
        return result

    # ------------------------------------------------------------------
    # Assignment of candidates to (plan, beneficiary, period) groups
    # ------------------------------------------------------------------
    @api.model
    def _assign(self, candidates, plans):
        """Yield ``(group key, candidate, scope, share)`` for every plan the candidate counts
        in. Group keys are ``(plan, beneficiary, period start)``."""
        by_family = defaultdict(list)
        for plan in plans:
            family = "referral" if plan.beneficiary_type == "referrer" else plan.trigger
            by_family[family].append(plan)
        # what is read of a plan for every candidate, read once per plan (and day, and invoice)
        plan_data = {}
        starts = {}
        claws_back = {}

        def data_of(plan):
            data = plan_data.get(plan)
            if data is None:
                data = plan_data[plan] = {
                    "company": plan.company_id,
                    "type": plan.beneficiary_type,
                    "user_ids": frozenset(plan.user_ids.ids),
                    "partner_ids": frozenset(plan.partner_ids.ids),
                    "team": plan.beneficiary_type not in ("referrer", "partner")
                    and plan._commission_has_team_rules(),
                }
            return data

        def start_of(plan, day):
            """The plan's period start for ``day``, or None if the plan does not cover it."""
            key = (plan, day)
            if key not in starts:
                starts[key] = plan._get_period_bounds(day)[0] if plan._covers_date(day) else None
            return starts[key]

        def claws_back_of(plan, move):
            key = (plan, move)
            if key not in claws_back:
                claws_back[key] = plan._commission_claws_back(move)
            return claws_back[key]

        for candidate in candidates:
            if candidate.day is None:
                continue
            family_plans = by_family.get(candidate.family, ())
            if candidate.family == "referral":
                family_plans = [p for p in family_plans if p.trigger == candidate.trigger]
            for plan in family_plans:
                data = data_of(plan)
                if data["company"] != candidate.company:
                    continue
                start = start_of(plan, candidate.day)
                if start is None:
                    continue
                if candidate.family == "invoice" and claws_back_of(plan, candidate.record.move_id):
                    continue
                if data["type"] == "referrer":
                    if candidate.referrer and candidate.referrer.id in data["partner_ids"]:
                        yield (plan, candidate.referrer, start), candidate, "own", ONE
                    continue
                if data["type"] == "partner":
                    if candidate.partner and candidate.partner.id in data["partner_ids"]:
                        yield (plan, candidate.partner, start), candidate, "own", ONE
                    continue
                for user, share in candidate.credits:
                    if user.id in data["user_ids"]:
                        yield (plan, user, start), candidate, "own", share
                if data["team"]:
                    leader = candidate.team.user_id
                    if not leader or leader.id not in data["user_ids"]:
                        continue
                    share = sum(
                        (
                            share
                            for user, share in candidate.credits
                            if user != leader or plan.team_override_own_deals
                        ),
                        Decimal(0),
                    )
                    if share > 0:
                        yield (plan, leader, start), candidate, "team", min(share, ONE)

    # ------------------------------------------------------------------
    # Search of the candidates of groups
    # ------------------------------------------------------------------
    @api.model
    def _search_won_leads(self, users, first, last, partners=None, teams=None):
        """Won opportunities of ``users`` (or of ``partners``, or of ``teams``) that may fall
        between the days ``first`` and ``last``.

        One day wider on each side: the salesperson's time zone decides the day a deal is won,
        callers filter on ``crm.lead._commission_date()``.
        """
        who = Domain("user_id", "in", users.ids)
        if users:
            who |= Domain("commission_split_ids.user_id", "in", users.ids)
        if partners:
            who |= Domain("commission_partner_id", "in", partners.ids)
        if teams:
            who |= Domain("team_id", "in", teams.ids)
        return self.env["crm.lead"].search(
            who
            & Domain(
                [
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
                        datetime.datetime.combine(last, datetime.time.min)
                        + datetime.timedelta(days=2),
                    ),
                ]
            )
        )

    @api.model
    def _search_candidates(self, family, plans, beneficiaries, first, last, known=None):
        """All candidates of ``family`` that may count for ``beneficiaries`` between ``first``
        and ``last`` (inclusive days); the caller assigns them to groups. ``known``: {key:
        candidate} already built in this computation, reused."""
        users = self.env["res.users"].union(*(b for b in beneficiaries if b._name == "res.users"))
        partners = self.env["res.partner"].union(
            *(b for b in beneficiaries if b._name == "res.partner")
        )
        teams = self.env["crm.team"]
        if any(plan._commission_has_team_rules() for plan in plans):
            teams = self.env["crm.team"].search([("user_id", "in", users.ids)])
        wide_first = datetime.datetime.combine(first, datetime.time.min) - datetime.timedelta(1)
        wide_last = datetime.datetime.combine(last, datetime.time.min) + datetime.timedelta(2)
        if family == "won":
            leads = self._search_won_leads(users, first, last, partners, teams)
            # the order lines the deals are built from, for all orders at once
            leads.order_ids.order_line.fetch(ORDER_LINE_FIELDS)
            return self._candidates_won(leads, known)
        if family == "order":
            who = Domain("user_id", "in", users.ids) | Domain(
                "commission_split_ids.user_id", "in", users.ids
            )
            if partners:
                who |= Domain("commission_partner_id", "in", partners.ids)
            if teams:
                who |= Domain("team_id", "in", teams.ids)
            orders = self.env["sale.order"].search(
                who
                & Domain(
                    [
                        ("state", "=", "sale"),
                        ("date_order", ">=", wide_first),
                        ("date_order", "<", wide_last),
                    ]
                )
            )
            orders.order_line.fetch(ORDER_LINE_FIELDS)
            return self._candidates_order(orders)
        if family in ("invoice", "payment"):
            who = Domain("invoice_user_id", "in", users.ids) | Domain(
                "invoice_line_ids.sale_line_ids.order_id.commission_split_ids.user_id",
                "in",
                users.ids,
            )
            if partners:
                who |= Domain("commission_partner_id", "in", partners.ids)
            if teams:
                who |= Domain("team_id", "in", teams.ids)
            base = who & Domain(
                [("move_type", "in", CUSTOMER_INVOICE_TYPES), ("state", "=", "posted")]
            )
            if family == "invoice":
                moves = self.env["account.move"].search(
                    base & Domain([("invoice_date", ">=", first), ("invoice_date", "<=", last)])
                )
                return self._candidates_invoice(moves.invoice_line_ids, known)
            partials = self.env["account.partial.reconcile"].search(
                [("max_date", ">=", first), ("max_date", "<=", last)]
            )
            invoices = (partials.debit_move_id | partials.credit_move_id).move_id.filtered_domain(
                base
            )
            return self._candidates_payment(
                partials.filtered(lambda p: (p.debit_move_id | p.credit_move_id).move_id & invoices)
            )
        if family == "referral":
            customers = (
                self.env["res.partner"]
                .with_context(active_test=False)
                .search([("referred_by_id", "in", partners.ids)])
            )
            # and the customers whose referral stays with these referrers (settled before the
            # customer was referred again)
            customers |= (
                self.env["commission.line"]
                .search(
                    [
                        ("beneficiary_type", "=", "referrer"),
                        ("partner_id", "in", partners.ids),
                        ("state", "in", ("approved", "paid")),
                    ]
                )
                .customer_id
            )
            result = []
            for trigger in set(plans.mapped("trigger")):
                result += self._candidates_referral(customers, trigger)
            return result
        raise UserError(self.env._("Unknown commission source: %(family)s", family=family))

    # ------------------------------------------------------------------
    # Deals of groups
    # ------------------------------------------------------------------
    @api.model
    def _gather_deals(self, groups, known=None):
        """{group key: [(candidate, deal key, engine.Deal)]} for the groups, in batch per source
        family (one search per family for all the groups). ``known``: {key: candidate} already
        built in this computation, reused."""
        by_family = defaultdict(set)
        for key in groups:
            plan = key[0]
            family = "referral" if plan.beneficiary_type == "referrer" else plan.trigger
            by_family[family].add(key)
        deals = defaultdict(list)
        for family, keys in by_family.items():
            plans = self.env["commission.plan"].union(*(k[0] for k in keys))
            bounds = {k: k[0]._get_period_bounds(k[2]) for k in keys}
            first = min(b[0] for b in bounds.values())
            last = max(b[1] for b in bounds.values())
            candidates = self._search_candidates(
                family, plans, [k[1] for k in keys], first, last, known
            )
            for key, candidate, scope, share in self._assign(candidates, plans):
                if key not in keys:
                    continue
                for deal_key, deal in self._engine_deals(key[0], key[1], candidate, scope, share):
                    deals[key].append((candidate, deal_key, deal))
        return deals

    @api.model
    def _engine_deals(self, plan, beneficiary, candidate, scope, share):
        """[(deal key, engine.Deal)] of ``candidate`` in ``plan`` for ``beneficiary``.

        A sales partner with rates agreed for the deal's customer or for product categories
        gets one engine deal per agreed rate (the lines it applies to), and one for the rest.
        """
        lines, fallback, source = candidate.build(plan)
        base_key = candidate.key if scope == "own" else f"team:{candidate.key}"

        def make(key, deal_lines, deal_fallback, agreed):
            return engine.Deal(
                key=key,
                date=candidate.day,
                lines=deal_lines,
                fallback_revenue=deal_fallback,
                label=candidate.vals.get("name") or "",
                share=share,
                scope=scope,
                source=source,
                rate=_dec(agreed.rate) if agreed else None,
            )

        rates = self.env["commission.partner.rate"]
        if plan.beneficiary_type == "partner":
            rates = plan.partner_rate_ids.filtered(lambda rate: rate.partner_id == beneficiary)
        if not rates:
            return [(base_key, make(base_key, lines, fallback, None))]

        def best(categ):
            matching = [rate for rate in rates if rate._matches(candidate.customer, categ)]
            return max(matching, key=lambda rate: rate._specificity(), default=None)

        if not lines:
            return [(base_key, make(base_key, lines, fallback, best(None)))]
        Category = self.env["product.category"]
        buckets = defaultdict(list)
        for line in lines:
            buckets[best(Category.browse(line.categ_id or ()))].append(line)
        result = []
        for agreed in sorted(buckets, key=lambda rate: rate.id if rate else 0):
            key = f"{base_key}#rate{agreed.id}" if agreed else base_key
            result.append((key, make(key, tuple(buckets[agreed]), None, agreed)))
        return result

    # ------------------------------------------------------------------
    # Batch computation of (plan, beneficiary, period) groups
    # ------------------------------------------------------------------
    @api.model
    def _compute_groups(self, groups, touched_leads=None, known=None):
        Line = self.env["commission.line"]
        Lead = self.env["crm.lead"].with_context(active_test=False)
        groups = set(groups)
        # two transactions never compute the same group at once (see commission.group.lock)
        self.env["commission.group.lock"]._acquire(groups)
        plans = self.env["commission.plan"].union(*(key[0] for key in groups))
        deals_by_group = self._gather_deals(groups, known)
        # Existing lines of all groups, in one search.
        beneficiaries = [key[1] for key in groups]
        users = self.env["res.users"].union(*(b for b in beneficiaries if b._name == "res.users"))
        partners = self.env["res.partner"].union(
            *(b for b in beneficiaries if b._name == "res.partner")
        )
        existing_ids = defaultdict(list)
        for key, ids in self._line_groups(
            Domain(
                [
                    ("plan_id", "in", plans.ids),
                    ("period_start", "in", sorted({key[2] for key in groups})),
                    ("state", "!=", "cancel"),
                    ("is_adjustment", "=", False),
                ]
            )
            & (Domain("user_id", "in", users.ids) | Domain("partner_id", "in", partners.ids))
        ):
            if key in groups:
                # a group's lines may differ in the other beneficiary field (payee changed)
                existing_ids[key] = sorted(existing_ids[key] + ids)
        existing = Line.browse(sorted(id_ for ids in existing_ids.values() for id_ in ids))
        existing.fetch(EXISTING_LINE_FIELDS)
        existing_by_group = defaultdict(
            lambda: Line, {key: Line.browse(ids) for key, ids in existing_ids.items()}
        )

        refund_origins = self._refund_origin_lines(
            candidate.record
            for entries in deals_by_group.values()
            for candidate, _deal_key, _deal in entries
            if candidate.family == "invoice"
        )
        to_create = []
        rules = {}

        def rules_of(plan):
            """The plan's rules for the engine, built once per plan."""
            if plan not in rules:
                rules[plan] = plan._commission_engine_rules()
            return rules[plan]

        # ids of the lines changed, by opportunity id; the opportunities with a changed line
        # of a plan triggered by the win (they are notified)
        changed_by_lead = defaultdict(list)
        won_lead_ids = set()
        skipped_by_lead = defaultdict(list)
        for key in sorted(groups, key=lambda k: (k[0].id, k[1]._name, k[1].id, k[2])):
            plan, beneficiary, start = key
            entries = deals_by_group.get(key, [])
            candidates = {deal_key: candidate for candidate, deal_key, _deal in entries}
            result = engine.compute_period(
                rules_of(plan),
                [deal for _candidate, _key, deal in entries],
                cap=_dec(plan.cap_amount),
                rounding=_dec(plan.currency_id.rounding),
            )
            for skipped in result.skipped:
                candidate = candidates[skipped.deal_key]
                if candidate.family == "won":
                    skipped_by_lead[candidate.record].append((plan, skipped))
            lines = existing_by_group[key].with_prefetch(existing._prefetch_ids)
            reconciliation = engine.reconcile(
                result.lines,
                [
                    engine.Existing(
                        id=line.id,
                        deal_key=line._commission_deal_key(),
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
                line = Line.browse(line_id).with_prefetch(existing._prefetch_ids)
                vals = self._result_vals(plan, line_result)
                vals["amount"] = float(line_result.amount)
                candidate = candidates.get(line_result.deal_key)
                if candidate:
                    vals["date"] = candidate.day
                line.write(vals)
                if line.lead_id:
                    changed_by_lead[line.lead_id.id].append(line.id)
                    if plan.trigger == "won":
                        won_lead_ids.add(line.lead_id.id)
            if reconciliation.cancels:
                cancelled = Line.browse(reconciliation.cancels)
                cancelled.write({"state": "cancel"})
                for line in cancelled:
                    if line.lead_id:
                        changed_by_lead[line.lead_id.id].append(line.id)
                        if plan.trigger == "won":
                            won_lead_ids.add(line.lead_id.id)
            for line_result, amount, origin_id in reconciliation.creates:
                to_create.append(
                    self._prepare_line_vals(
                        plan,
                        beneficiary,
                        start,
                        candidates.get(line_result.deal_key),
                        line_result,
                        amount,
                        origin_id,
                        refund_origins=refund_origins,
                    )
                )
        # No "created" chatter message per line: the opportunity's chatter tells the story.
        created = Line._insert_computed(to_create)
        # the new lines' opportunities and plans from their values (in the order of the ids);
        # only opportunities are notified: lines without one (invoices, orders, payments,
        # referrals) are not collected
        trigger_of = {plan.id: plan.trigger for plan in plans}
        for vals, line_id in zip(to_create, created.ids, strict=True):
            if vals.get("lead_id"):
                changed_by_lead[vals["lead_id"]].append(line_id)
                if trigger_of.get(vals["plan_id"]) == "won":
                    won_lead_ids.add(vals["lead_id"])
        changed_ids = [id_ for lead_id in won_lead_ids for id_ in changed_by_lead[lead_id]]
        changed_leads = {
            Lead.browse(lead_id): Line.browse(changed_by_lead[lead_id]).with_prefetch(changed_ids)
            for lead_id in sorted(won_lead_ids)
        }
        self._notify(changed_leads, skipped_by_lead, touched_leads or Lead)
        return created

    @api.model
    def _line_groups(self, domain):
        """[(group key, ids in id order)] of the lines matching ``domain``, grouped in SQL.
        A group key is (plan, beneficiary, period start): the engine computes lines group by
        group; the beneficiary is the salesperson, or the payee for partner and referrer
        plans."""
        return [
            ((plan, user if beneficiary_type == "salesperson" else partner, start), sorted(ids))
            for plan, user, partner, start, beneficiary_type, ids in self.env[
                "commission.line"
            ]._read_group(
                domain,
                ["plan_id", "user_id", "partner_id", "period_start:day", "beneficiary_type"],
                ["id:array_agg"],
            )
        ]

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
    def _prepare_line_vals(
        self,
        plan,
        beneficiary,
        period_start,
        candidate,
        result,
        amount,
        origin_id,
        refund_origins=None,
    ):
        origin = self.env["commission.line"].browse(origin_id)
        vals = self._result_vals(plan, result)
        if beneficiary._name == "res.users":
            user, payee = beneficiary, beneficiary._commission_payee()
        else:
            user, payee = self.env["res.users"], beneficiary
        if candidate:
            source = dict(candidate.vals)
            team = candidate.team
            customer = candidate.customer
            day = candidate.day
        else:
            # a deal that no longer counts (lost, cancelled...) is corrected on its original
            # date, with its original source
            source = {
                "name": origin.name,
                "lead_id": origin.lead_id.id,
                "order_id": origin.order_id.id,
                "move_id": origin.move_id.id,
                "product_id": origin.product_id.id,
                "source_currency_id": origin.source_currency_id.id,
                "source_amount": -origin.source_amount,
            }
            team, customer, day = origin.team_id, origin.customer_id, origin.date
        vals.update(source)
        vals.update(
            {
                "plan_id": plan.id,
                "rule_id": result.rule_key,
                "user_id": user.id,
                "partner_id": payee.id,
                "team_id": team.id,
                "customer_id": customer.id,
                "company_id": plan.company_id.id,
                "currency_id": plan.currency_id.id,
                "deal_key": result.deal_key,
                "date": day or period_start,
                "period_start": period_start,
                "amount": float(amount),
                "origin_line_id": origin_id or False,
            }
        )
        if not origin_id and candidate and candidate.family == "invoice":
            vals["origin_line_id"] = self._refund_origin(
                plan, payee, candidate, result, refund_origins
            )
        return vals

    @api.model
    def _refund_origin_lines(self, move_lines):
        """For ``_refund_origin``, in one search: the original commission lines of the invoices
        the credit notes of these invoice lines reverse, by (invoice, plan, rule, payee,
        product)."""
        reversed_moves = self.env["account.move"].union(
            *(
                aml.move_id.reversed_entry_id
                for aml in move_lines
                if aml.move_id.move_type == "out_refund"
            )
        )
        result = {"move_ids": set(reversed_moves.ids), "lines": defaultdict(list)}
        if not reversed_moves:
            return result
        for line in self.env["commission.line"].search(
            [
                ("move_id", "in", reversed_moves.ids),
                ("state", "!=", "cancel"),
                ("origin_line_id", "=", False),
            ]
        ):
            key = (
                line.move_id.id,
                line.plan_id.id,
                line.rule_id.id,
                line.partner_id.id,
                line.product_id.id,
            )
            result["lines"][key].append(line)
        return result

    @api.model
    def _refund_origin(self, plan, payee, candidate, result, prefetched=None):
        """The commission line of the invoice a credit note line reverses (same plan, rule,
        payee and product), so that the clawback is linked to what it takes back.

        ``prefetched`` (from ``_refund_origin_lines``) avoids a search per credit note line:
        its lines are filtered and ordered as the search would (they may have been cancelled
        or re-dated since it was made; none can have been created meanwhile).
        """
        move = candidate.record.move_id
        if move.move_type != "out_refund" or not move.reversed_entry_id:
            return False
        if prefetched is not None and move.reversed_entry_id.id in prefetched["move_ids"]:
            key = (
                move.reversed_entry_id.id,
                plan.id,
                result.rule_key,
                payee.id,
                candidate.record.product_id.id,
            )
            lines = [
                line
                for line in prefetched["lines"].get(key, ())
                if line.state != "cancel" and not line.origin_line_id
            ]
            if not lines:
                return False
            # the model's order, "date desc, id desc" (PostgreSQL puts NULL first in DESC)
            first = max(
                lines,
                key=lambda line: (line.date is False or line.date is None, line.date or 0, line.id),
            )
            return first.id
        origin = self.env["commission.line"].search(
            [
                ("move_id", "=", move.reversed_entry_id.id),
                ("plan_id", "=", plan.id),
                ("rule_id", "=", result.rule_key),
                ("partner_id", "=", payee.id),
                ("product_id", "=", candidate.record.product_id.id),
                ("state", "!=", "cancel"),
                ("origin_line_id", "=", False),
            ],
            limit=1,
        )
        return origin.id or False

    # ------------------------------------------------------------------
    # Read-only computations: forecast and simulation
    # ------------------------------------------------------------------
    @api.model
    def _forecast(self, candidate, beneficiary_types=("salesperson",), beneficiary=None):
        """Increase of the period commission of the beneficiaries if ``candidate`` counted.

        Compares the engine's period total with and without this deal, so tiers (a deal that
        lifts the period into a retroactive tier earns the uplift of the whole period) and caps
        are taken into account. Read-only: nothing is written. Amounts in the company currency.
        """
        plans = self._get_plans(candidate.company).filtered(
            lambda p: p.beneficiary_type in beneficiary_types
        )
        total = 0.0
        for key, _cand, scope, share in self._assign([candidate], plans):
            plan, who, start = key
            if beneficiary is not None and who != beneficiary:
                continue
            others = [
                deal
                for cand, _deal_key, deal in self._gather_deals({key}).get(key, [])
                if cand.key != candidate.key
            ]
            hypothetical = [
                deal for _key, deal in self._engine_deals(plan, who, candidate, scope, share)
            ]
            rules = plan._commission_engine_rules()
            cap = _dec(plan.cap_amount)
            rounding = _dec(plan.currency_id.rounding)
            without = engine.compute_period(rules, others, cap=cap, rounding=rounding).total
            with_deal = engine.compute_period(
                rules, [*others, *hypothetical], cap=cap, rounding=rounding
            ).total
            total += plan.currency_id._convert(
                float(with_deal - without),
                candidate.company.currency_id,
                candidate.company,
                candidate.day,
            )
        return total

    @api.model
    def _forecast_for_lead(self, lead):
        """Increase of the salesperson's period commission if ``lead`` were won today."""
        self = self.sudo()
        lead = lead.sudo()
        candidate = lead._commission_candidate(datetime.datetime.now())
        return self._forecast(candidate, beneficiary=lead.user_id) if candidate else 0.0

    @api.model
    def _simulate_plan(self, plan, date_from, date_to, rules=None):
        """What the plan's beneficiaries would earn in the periods of ``date_from`` …
        ``date_to``: ``{(beneficiary, period_start): engine.PeriodResult}``.

        ``rules`` (engine rules) replace the plan's rules, e.g. for a what-if on changed rates.
        Writes nothing.
        """
        self = self.sudo()
        plan = plan.sudo()
        beneficiaries = (
            plan.user_ids if plan.beneficiary_type == "salesperson" else (plan.partner_ids)
        )
        starts = []
        day = plan._get_period_bounds(date_from)[0]
        while day <= date_to:
            starts.append(day)
            day = plan._get_period_bounds(day)[1] + datetime.timedelta(days=1)
        groups = {(plan, who, start) for who in beneficiaries for start in starts}
        if not groups:
            return {}
        deals = self._gather_deals(groups)
        rules = rules if rules is not None else plan._commission_engine_rules()
        return {
            (who, start): engine.compute_period(
                rules,
                [deal for _c, _k, deal in deals.get((plan, who, start), [])],
                cap=_dec(plan.cap_amount),
                rounding=_dec(plan.currency_id.rounding),
            )
            for _plan, who, start in sorted(groups, key=lambda k: (k[1].id, k[2]))
        }

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
        """Tell the salespeople. One opportunity (a win in the UI): its e-mail is posted now.
        Several (a batch win, an import, a recomputation): the e-mails are queued for the
        scheduled action, so that the computation does not wait for hundreds of e-mails to be
        rendered; the notes on rules that produced nothing are written now."""
        leads = touched_leads | self.env["crm.lead"].union(*changed_leads)
        notified = leads.filtered(lambda lead: changed_leads.get(lead))
        if len(notified) > NOTIFY_NOW_MAX:
            self.env["commission.queue"]._enqueue_notifications(notified)
            changed_leads = {}
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
