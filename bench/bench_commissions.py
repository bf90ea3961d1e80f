#!/usr/bin/env python3
# pylint: disable=print-used
# (a command-line benchmark: printing is its job)
"""Benchmark of the commission computation, statements and XLSX export.

Creates a fresh database (a copy of ``--template``, or an empty one), installs
``commission_tracking`` and ``commission_tracking_report`` when the copy does not have them,
builds a synthetic company with batch creates, measures, prints a table and drops the
database (unless ``--keep``).

Measured (numbers refer to the performance issue's items):

1. computing the commissions of N won opportunities, for each N of ``--opportunities``:
   (a) winning them in one ``action_set_won()`` with the automatic computation on,
   (b) winning them with the automatic computation off (Settings), then
   ``leads._commission_compute()``;
   time, lines per second and SQL queries per opportunity;
2. invoice-triggered computation: ``--invoice-lines`` posted customer invoice lines (invoices
   of ``--lines-per-invoice`` lines, created with ``create(vals_list)`` and posted by batches of
   ``--post-batch``), computed by ``commission.compute._compute_for_sources(moves=...)`` for
   an invoice-triggered plan, against (7) a raw ``INSERT ... SELECT`` of as many rows;
3. ``_gather_lines`` + ``_generate_statements`` for ``--payees`` payees;
5. ``_generate_xlsx`` of one statement with ``--xlsx-lines`` lines (in a child process, so
   that its peak RSS is its own);
6. winning one opportunity at a time (``--single-wins`` of them), automatic computation on vs
   off; creating and posting ``--post-invoices`` customer invoices (same batches as (2))
   with the invoice-triggered plan active, archived, and with the add-on's invoice hook
   disabled (same run, same invoices, rolled back between), in the month of (2), whose
   invoices and commission lines stay;
7. baseline: as many commission rows written by one ``INSERT ... SELECT``.

Examples::

    python3 bench/bench_commissions.py --template ct_base            # small, a few minutes
    python3 bench/bench_commissions.py --template ct_base --opportunities 1000 10000

Connection: the libpq variables PGHOST, PGPORT, PGUSER, PGPASSWORD (default localhost, 5432,
odoo, odoo), as for the tests.
"""

import argparse
import datetime
import json
import os
import random
import resource
import subprocess
import sys
import time
from contextlib import contextmanager

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, "tests"))

import odoo_env  # noqa: E402  pylint: disable=wrong-import-position

MODULES = ("commission_tracking", "commission_tracking_report")
TIERS = ((0, 3), (100_000, 5), (500_000, 7))


# ----------------------------------------------------------------------
# Database
# ----------------------------------------------------------------------
def _pg_env():
    env = dict(os.environ)
    env.update(odoo_env.db_settings())
    env.pop("PGDATABASE", None)  # Odoo 19 reads it as its -d option
    return env


def create_database(dbname, template):
    os.environ.update(odoo_env.db_settings())
    os.environ.pop("PGDATABASE", None)
    conn = odoo_env._connect()  # pylint: disable=protected-access
    conn.autocommit = True
    with conn.cursor() as cur:
        if template:
            cur.execute(f'CREATE DATABASE "{dbname}" TEMPLATE "{template}"')
        else:
            cur.execute(f"CREATE DATABASE \"{dbname}\" ENCODING 'UTF8' TEMPLATE template0")
    conn.close()
    installed = set()
    conn = odoo_env._connect(dbname)  # pylint: disable=protected-access
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('ir_module_module') IS NOT NULL")
        if cur.fetchone()[0]:
            cur.execute(
                "SELECT name FROM ir_module_module WHERE state = 'installed' AND name = ANY(%s)",
                [list(MODULES)],
            )
            installed = {row[0] for row in cur.fetchall()}
    conn.close()
    missing = [name for name in MODULES if name not in installed]
    if missing:
        print(f"Installing {', '.join(missing)} into {dbname} (takes a few minutes)...")
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "odoo",
                "-d",
                dbname,
                f"--addons-path={odoo_env.addons_path(with_tests=False)}",
                "-i",
                ",".join(missing),
                "--stop-after-init",
                "--log-level=warn",
            ],
            check=True,
            env=_pg_env(),
        )
        print(f"  installed in {time.perf_counter() - start:.0f} s")


def load_registry(dbname):
    import odoo.modules.registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    settings = odoo_env.db_settings()
    config.parse_config(
        [
            f"--addons-path={odoo_env.addons_path(with_tests=True)}",
            f"--db_host={settings['PGHOST']}",
            f"--db_port={settings['PGPORT']}",
            f"--db_user={settings['PGUSER']}",
            f"--db_password={settings['PGPASSWORD']}",
            "--log-level=warn",
        ],
        setup_logging=True,
    )
    return odoo.modules.registry.Registry(dbname)


def drop_database(dbname):
    import odoo.sql_db  # noqa: PLC0415

    odoo.sql_db.close_db(dbname)
    conn = odoo_env._connect()  # pylint: disable=protected-access
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid() AND usename = current_user",
            [dbname],
        )
        cur.execute(f'DROP DATABASE IF EXISTS "{dbname}"')
    conn.close()


# ----------------------------------------------------------------------
# Measuring
# ----------------------------------------------------------------------
class Probe:
    """Wall time and SQL queries of a block (the ORM is flushed at the end)."""

    def __init__(self, env):
        self.env = env
        self.seconds = 0.0
        self.queries = 0

    @contextmanager
    def measure(self):
        self.env.flush_all()
        queries = self.env.cr.sql_log_count
        start = time.perf_counter()
        yield self
        self.env.flush_all()
        self.seconds = time.perf_counter() - start
        self.queries = self.env.cr.sql_log_count - queries


def set_automation(env, active):
    """The automatic computation of opportunities on (the shipped server action run when an
    opportunity is won, lost, reopened or reassigned) or off (Settings > Commissions)."""
    env["res.company"].search([]).commission_compute_on_won = active
    env.cr.commit()


def set_background(env, data, active):
    data["company"].commission_compute_in_background = active
    env.cr.commit()


def measure_queue(env, result, lines_before):
    """Run the background queue's scheduled action: its time, queries and lines."""
    probe = Probe(env)
    with probe.measure():
        env["commission.queue"]._cron_process()  # pylint: disable=protected-access
    result["queue_s"], result["queue_q"] = probe.seconds, probe.queries
    result["queue_lines"] = line_count(env) - lines_before


def rollback(env):
    env.cr.rollback()
    env.invalidate_all()


def line_count(env):
    env.cr.execute("SELECT count(*) FROM commission_line")
    return env.cr.fetchone()[0]


# ----------------------------------------------------------------------
# Synthetic company
# ----------------------------------------------------------------------
def create_users(env, count, prefix):
    from odoo import Command  # noqa: PLC0415

    company = env.company
    group = env.ref("sales_team.group_sale_salesman")
    return (
        env["res.users"]
        .with_context(no_reset_password=True, mail_create_nolog=True, tracking_disable=True)
        .create(
            [
                {
                    "name": f"{prefix} {index:05d}",
                    "login": f"{prefix.lower()}{index:05d}@bench.example.com",
                    "company_id": company.id,
                    "company_ids": [Command.set(company.ids)],
                    "group_ids": [Command.link(group.id)],
                    "tz": "Asia/Ho_Chi_Minh",
                }
                for index in range(count)
            ]
        )
    )


def build_company(env, args):
    from odoo import Command  # noqa: PLC0415

    company = env.company
    salespeople = create_users(env, args.salespeople, "Sales")
    manager = create_users(env, 1, "Manager")
    team = env["crm.team"].create(
        {
            "name": "Bench team",
            "company_id": company.id,
            "user_id": manager.id,
            "member_ids": [Command.set(salespeople.ids)],
        }
    )
    categ = env["product.category"].create({"name": "Bench products"})
    products = env["product.product"].create(
        [
            {
                "name": f"Bench product {index}",
                "type": "service",
                "list_price": 1_000 * (index + 1),
                "standard_price": 600 * (index + 1),
                "categ_id": categ.id,
                "taxes_id": [Command.clear()],
            }
            for index in range(3)
        ]
    )
    customers = env["res.partner"].create(
        [{"name": f"Bench customer {index}", "company_id": company.id} for index in range(20)]
    )
    plans = env["commission.plan"].create(
        [
            {
                "name": "Marginal revenue",
                "company_id": company.id,
                "currency_id": company.currency_id.id,
                "user_ids": [Command.set(salespeople.ids)],
                "rule_ids": [
                    Command.create(
                        {
                            "base": "revenue",
                            "tier_mode": "marginal",
                            "tier_ids": [
                                Command.create({"threshold": t, "rate": r, "sequence": i})
                                for i, (t, r) in enumerate(TIERS)
                            ],
                        }
                    )
                ],
            },
            {
                "name": "Hybrid revenue + per deal",
                "company_id": company.id,
                "currency_id": company.currency_id.id,
                "user_ids": [Command.set(salespeople.ids)],
                "rule_ids": [
                    Command.create({"base": "revenue", "rate": 2}),
                    Command.create({"base": "deal", "rate": 50}),
                ],
            },
        ]
    )
    return {
        "company": company,
        "salespeople": salespeople,
        "team": team,
        "products": products,
        "customers": customers,
        "plans": plans,
    }


def create_opportunities(env, data, count, order_ratio, seed):
    from odoo import Command  # noqa: PLC0415

    rnd = random.Random(seed)
    salespeople, customers = data["salespeople"], data["customers"]
    leads = (
        env["crm.lead"]
        .with_context(mail_create_nolog=True, tracking_disable=True)
        .create(
            [
                {
                    "name": f"Bench deal {seed}-{index:06d}",
                    "type": "opportunity",
                    "user_id": salespeople[index % len(salespeople)].id,
                    "team_id": data["team"].id,
                    "partner_id": customers[index % len(customers)].id,
                    "company_id": data["company"].id,
                    "expected_revenue": rnd.randrange(1_000, 50_000),
                }
                for index in range(count)
            ]
        )
    )
    with_order = leads[: int(count * order_ratio)]
    if with_order:
        orders = (
            env["sale.order"]
            .with_context(mail_create_nolog=True, tracking_disable=True)
            .create(
                [
                    {
                        "partner_id": lead.partner_id.id,
                        "opportunity_id": lead.id,
                        "user_id": lead.user_id.id,
                        "team_id": lead.team_id.id,
                        "company_id": lead.company_id.id,
                        "order_line": [
                            Command.create(
                                {
                                    "product_id": product.id,
                                    "product_uom_qty": rnd.randrange(1, 10),
                                }
                            )
                            for product in data["products"][: rnd.randrange(1, 4)]
                        ],
                    }
                    for lead in with_order
                ]
            )
        )
        orders.with_context(mail_notrack=True).action_confirm()
    return leads


# ----------------------------------------------------------------------
# Phases
# ----------------------------------------------------------------------
def phase_compute(env, data, size, args, keep):
    """(1) and (7) for ``size`` opportunities."""
    result = {"size": size}
    start = time.perf_counter()
    leads = create_opportunities(env, data, size, args.order_ratio, seed=size)
    env.cr.commit()
    result["setup_s"] = time.perf_counter() - start
    lead_ids = leads.ids

    # (1a) winning in batch, automatic computation on (one computation for the write)
    if size <= args.automation_max:
        before = line_count(env)
        probe = Probe(env)
        with probe.measure():
            env["crm.lead"].browse(lead_ids).action_set_won()
        result["auto_s"], result["auto_q"] = probe.seconds, probe.queries
        result["auto_lines"] = line_count(env) - before
        rollback(env)

    # (1c) background mode: winning in batch queues the opportunities, the scheduled action
    # computes the queue (its notifications included)
    if size <= args.background_max:
        phase_background_wins(env, data, lead_ids, result)

    # (1b) automatic computation off: winning in batch, then the batch API
    set_automation(env, False)
    leads = env["crm.lead"].browse(lead_ids)
    before = line_count(env)
    probe = Probe(env)
    with probe.measure():
        leads.action_set_won()
    result["win_s"], result["win_q"] = probe.seconds, probe.queries
    probe = Probe(env)
    with probe.measure():
        leads._commission_compute()  # pylint: disable=protected-access
    result["batch_s"], result["batch_q"] = probe.seconds, probe.queries
    result["batch_lines"] = line_count(env) - before
    # the same computation without the e-mails to the salespeople (diagnostic: what the
    # e-mails cost; the shipped computation always sends them)
    env.cr.execute("SAVEPOINT bench_no_mail")
    env.invalidate_all()
    compute_class = type(env["commission.compute"])
    notify = compute_class._notify  # pylint: disable=protected-access
    compute_class._notify = lambda *args, **kwargs: None  # pylint: disable=protected-access
    try:
        env.cr.execute("DELETE FROM commission_line WHERE lead_id = ANY(%s)", [lead_ids])
        env.invalidate_all()
        probe = Probe(env)
        with probe.measure():
            env["crm.lead"].browse(lead_ids)._commission_compute()  # pylint: disable=protected-access
        result["nomail_s"], result["nomail_q"] = probe.seconds, probe.queries
    finally:
        compute_class._notify = notify  # pylint: disable=protected-access
    env.cr.execute("ROLLBACK TO SAVEPOINT bench_no_mail")
    env.invalidate_all()

    # (7) the same number of rows by one INSERT ... SELECT: every (won lead, rule of a plan
    # covering its salesperson), a flat rate on the expected revenue
    env.cr.execute("SAVEPOINT bench_baseline")
    start = time.perf_counter()
    env.cr.execute(
        """
        INSERT INTO commission_line (
            name, plan_id, rule_id, user_id, partner_id, team_id, company_id, currency_id,
            lead_id, date, period_start, base_amount, base_qty, rate, amount, state,
            is_adjustment, has_open_dispute, is_correction, create_uid, write_uid,
            create_date, write_date)
        SELECT lead.name, plan.id, rule.id, lead.user_id, usr.partner_id, lead.team_id,
               plan.company_id, plan.currency_id, lead.id, lead.date_closed::date,
               date_trunc('month', lead.date_closed)::date, lead.expected_revenue, 0,
               COALESCE(rule.rate, 0), lead.expected_revenue * COALESCE(rule.rate, 0) / 100,
               'pending', false, false, false, 1, 1, now(), now()
          FROM crm_lead lead
          JOIN res_users usr ON usr.id = lead.user_id
          JOIN commission_plan_res_users_rel rel ON rel.user_id = lead.user_id
          JOIN commission_plan plan ON plan.id = rel.plan_id AND plan.active
          JOIN commission_rule rule ON rule.plan_id = plan.id
         WHERE lead.id = ANY(%s)
        """,
        [lead_ids],
    )
    result["sql_s"] = time.perf_counter() - start
    result["sql_rows"] = env.cr.rowcount
    env.cr.execute("ROLLBACK TO SAVEPOINT bench_baseline")
    if keep:
        env.cr.commit()  # the last size's won deals stay: the background of (6)
    else:
        rollback(env)
    set_automation(env, True)
    return result


def phase_background_wins(env, data, lead_ids, result):
    """(1c) background mode: winning in batch queues the opportunities; the scheduled action
    computes them and sends the e-mails."""
    set_background(env, data, True)
    before = line_count(env)
    probe = Probe(env)
    with probe.measure():
        env["crm.lead"].browse(lead_ids).action_set_won()
    result["queue_win_s"], result["queue_win_q"] = probe.seconds, probe.queries
    measure_queue(env, result, before)
    rollback(env)
    set_background(env, data, False)


def phase_single_wins(env, data, args):
    """(6) winning one opportunity at a time, automatic computation on vs off."""
    leads = create_opportunities(env, data, args.single_wins, args.order_ratio, seed=7)
    env.cr.commit()
    lead_ids = leads.ids
    result = {"count": len(lead_ids)}
    for label, active, background in (
        ("active", True, False),
        ("archived", False, False),
        ("background", True, True),
    ):
        set_automation(env, active)
        set_background(env, data, background)
        if background:
            # e-mails queued by the earlier phases (their batch computations) are sent first:
            # only the 30 wins' computations and e-mails are measured below
            env["commission.queue"]._cron_process()  # pylint: disable=protected-access
            env.cr.commit()
        seconds = queries = 0.0
        for lead_id in lead_ids:
            probe = Probe(env)
            with probe.measure():
                env["crm.lead"].browse(lead_id).action_set_won()
            seconds += probe.seconds
            queries += probe.queries
        result[f"{label}_s"] = seconds / len(lead_ids)
        result[f"{label}_q"] = queries / len(lead_ids)
        if background:
            probe = Probe(env)
            with probe.measure():
                env["commission.queue"]._cron_process()  # pylint: disable=protected-access
            result["queue_s"] = probe.seconds / len(lead_ids)
        rollback(env)
    set_automation(env, True)
    set_background(env, data, False)
    return result


# ----------------------------------------------------------------------
# Invoices: (2) and the second half of (6)
# ----------------------------------------------------------------------
def create_invoice_plan(env, data):
    """An invoice-triggered plan for all the salespeople: marginal tiers on the revenue of
    each posted invoice line."""
    from odoo import Command  # noqa: PLC0415

    company = data["company"]
    return env["commission.plan"].create(
        {
            "name": "Invoiced revenue",
            "company_id": company.id,
            "currency_id": company.currency_id.id,
            "trigger": "invoice",
            "user_ids": [Command.set(data["salespeople"].ids)],
            "rule_ids": [
                Command.create(
                    {
                        "base": "revenue",
                        "tier_mode": "marginal",
                        "tier_ids": [
                            Command.create({"threshold": t * 10, "rate": r, "sequence": i})
                            for i, (t, r) in enumerate(TIERS)
                        ],
                    }
                )
            ],
        }
    )


def analyze(env):
    """Refresh the planner statistics, as autovacuum does on a live database: without them,
    a query of Odoo's payment state (``_compute_reconciled_payment_ids``, run when posting)
    takes seconds on a fresh copy with thousands of new journal items."""
    env.cr.execute("ANALYZE")
    env.cr.commit()


def get_invoice_plan(env, data):
    plan = (
        env["commission.plan"]
        .with_context(active_test=False)
        .search([("trigger", "=", "invoice"), ("company_id", "=", data["company"].id)], limit=1)
    )
    return plan or create_invoice_plan(env, data)


def invoice_vals_list(data, count, lines_per_invoice, seed):
    """Values of customer invoices with ``count`` product lines in all, dated this month."""
    from odoo import Command  # noqa: PLC0415

    rnd = random.Random(seed)
    salespeople, customers, products = data["salespeople"], data["customers"], data["products"]
    today = datetime.date.today()
    vals_list = []
    number = 0
    while number < count:
        size = min(lines_per_invoice, count - number)
        index = len(vals_list)
        vals_list.append(
            {
                "move_type": "out_invoice",
                "partner_id": customers[index % len(customers)].id,
                "invoice_user_id": salespeople[index % len(salespeople)].id,
                "team_id": data["team"].id,
                "company_id": data["company"].id,
                "invoice_date": today.replace(day=1 + index % today.day),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": products[(number + k) % len(products)].id,
                            "quantity": rnd.randrange(1, 10),
                            "price_unit": rnd.randrange(100, 5_000),
                            "tax_ids": [Command.clear()],
                        }
                    )
                    for k in range(size)
                ],
            }
        )
        number += size
    return vals_list


def create_and_post(env, vals_list, batch, progress=False):
    """``create(vals_list)`` then ``action_post()`` per batch of ``batch`` invoices."""
    Move = env["account.move"].with_context(mail_create_nolog=True, tracking_disable=True)
    ids = []
    for index in range(0, len(vals_list), batch):
        start = time.perf_counter()
        chunk = Move.create(vals_list[index : index + batch])
        created = time.perf_counter()
        chunk.action_post()
        ids += chunk.ids
        if progress:
            env.cr.commit()
            env.invalidate_all()  # keep the cache small over many batches
            if (index // batch) % 5 == 0:
                analyze(env)
            print(
                f"  invoices {index + len(chunk)}/{len(vals_list)}: create "
                f"{created - start:.1f} s, post {time.perf_counter() - created:.1f} s",
                flush=True,
            )
    return env["account.move"].browse(ids)


def phase_invoices(env, data, args):
    """(2) + (7): the computation of an invoice-triggered plan for ``--invoice-lines`` posted
    invoice lines, and the same number of rows written by one ``INSERT ... SELECT``."""
    result = {"lines": args.invoice_lines}
    plan = get_invoice_plan(env, data)
    plan.active = False  # posting the invoices below computes nothing
    env.cr.commit()
    start = time.perf_counter()
    vals_list = invoice_vals_list(data, args.invoice_lines, args.lines_per_invoice, seed=2)
    moves = create_and_post(env, vals_list, args.post_batch, progress=True)
    env.cr.commit()
    result["setup_s"] = time.perf_counter() - start
    result["invoices"] = len(moves)
    move_ids = moves.ids
    env.invalidate_all()
    plan.active = True
    env.cr.commit()
    analyze(env)

    moves = env["account.move"].browse(move_ids)
    before = line_count(env)
    probe = Probe(env)
    with probe.measure():
        env["commission.compute"]._compute_for_sources(moves=moves)  # pylint: disable=protected-access
    result["compute_s"], result["compute_q"] = probe.seconds, probe.queries
    result["compute_lines"] = line_count(env) - before

    # (7) the same rows (every product line x rule of the plan) by one INSERT ... SELECT
    env.cr.execute("SAVEPOINT bench_baseline")
    start = time.perf_counter()
    env.cr.execute(
        """
        INSERT INTO commission_line (
            name, plan_id, rule_id, user_id, partner_id, team_id, company_id, currency_id,
            move_id, product_id, customer_id, deal_key, date, period_start, base_amount,
            base_qty, rate, amount, state, is_adjustment, has_open_dispute, is_correction,
            create_uid, write_uid, create_date, write_date)
        SELECT move.name, plan.id, rule.id, move.invoice_user_id, usr.partner_id,
               move.team_id, plan.company_id, plan.currency_id, move.id, aml.product_id,
               move.commercial_partner_id, 'account.move.line,' || aml.id, move.invoice_date,
               date_trunc('month', move.invoice_date)::date, -aml.balance, 0,
               COALESCE(rule.rate, 0), -aml.balance * COALESCE(rule.rate, 0) / 100,
               'pending', false, false, false, 1, 1, now(), now()
          FROM account_move_line aml
          JOIN account_move move ON move.id = aml.move_id
          JOIN res_users usr ON usr.id = move.invoice_user_id
          JOIN commission_plan_res_users_rel rel ON rel.user_id = move.invoice_user_id
          JOIN commission_plan plan ON plan.id = rel.plan_id AND plan.id = %s
          JOIN commission_rule rule ON rule.plan_id = plan.id
         WHERE move.id = ANY(%s) AND aml.display_type = 'product'
        """,
        [plan.id, move_ids],
    )
    result["sql_s"] = time.perf_counter() - start
    result["sql_rows"] = env.cr.rowcount
    env.cr.execute("ROLLBACK TO SAVEPOINT bench_baseline")
    env.cr.commit()  # the computed lines stay: the background of (6)
    return result


def timed(function, spent):
    """``function``, adding the seconds it runs to ``spent[0]``."""

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start

    return wrapper


def phase_post_invoices(env, data, args):
    """(6), second half: creating and posting the same ``--post-invoices`` invoices with the
    invoice-triggered plan active, archived, and with the add-on's invoice hook disabled."""
    from odoo.addons.commission_tracking.models.account_move import (  # noqa: PLC0415
        AccountMove,
    )

    plan = get_invoice_plan(env, data)
    env.cr.commit()
    analyze(env)
    vals_list = invoice_vals_list(
        data, args.post_invoices * args.lines_per_invoice, args.lines_per_invoice, seed=6
    )
    result = {"invoices": len(vals_list), "lines": args.post_invoices * args.lines_per_invoice}
    hook = AccountMove._commission_compute_sources
    configs = (("warmup", True, True), ("active", True, True), ("archived", False, True),
               ("no_hook", False, False), ("active2", True, True),
               ("background", True, True))  # fmt: skip
    for label, active, with_hook in configs:
        plan.active = active
        # the last run: the company computes in the background (posting only queues)
        data["company"].commission_compute_in_background = label == "background"
        env.cr.commit()
        before = line_count(env)
        # the time spent in the hook itself, inside the measured run: the add-on's cost of
        # this very run, not a difference between two runs (this VM varies by +-10 %)
        spent = [0.0]
        AccountMove._commission_compute_sources = (
            timed(hook, spent) if with_hook else (lambda self: self.env["commission.line"])
        )
        try:
            probe = Probe(env)
            with probe.measure():
                create_and_post(env, vals_list, args.post_batch)
        finally:
            AccountMove._commission_compute_sources = hook
        if label != "warmup":
            result[f"{label}_s"], result[f"{label}_q"] = probe.seconds, probe.queries
            result[f"{label}_lines"] = line_count(env) - before
            result[f"{label}_hook_s"] = spent[0]
        if label == "background":
            measure_queue(env, result, before)
        rollback(env)
    plan.active = True
    data["company"].commission_compute_in_background = False
    env.cr.commit()
    return result


# ----------------------------------------------------------------------
# (4) the analysis pivot over many lines
# ----------------------------------------------------------------------
# what the pivot view asks for, in one request (grouping sets): totals, rows, columns, cells
PIVOT_CALLS = (
    [],
    ["user_id"],
    ["date:month"],
    ["user_id", "date:month"],
)
PIVOT_MEASURES = ["base_amount:sum", "amount:sum", "effective_rate:avg", "__count"]


def insert_pivot_lines(env, data, count):
    """``count`` commission lines by one INSERT ... SELECT (set-up only, not measured): the
    salespeople in turn, over the 24 months before this one."""
    plan = data["plans"][0]
    salespeople = data["salespeople"]
    first = (datetime.date.today().replace(day=1) - datetime.timedelta(days=730)).replace(day=1)
    env.cr.execute(
        """
        INSERT INTO commission_line (
            name, plan_id, rule_id, user_id, partner_id, team_id, company_id, currency_id,
            date, period_start, base_amount, base_qty, rate, amount, state, beneficiary_type,
            "trigger", deal_key, is_adjustment, has_open_dispute, is_correction,
            create_uid, write_uid, create_date, write_date)
        SELECT 'Pivot ' || n, %(plan)s, %(rule)s, u.user_id, u.partner_id, %(team)s,
               %(company)s, %(currency)s, d.day, date_trunc('month', d.day)::date,
               1000 + n %% 9000, 0, 3, (1000 + n %% 9000) * 0.03,
               CASE WHEN n %% 10 = 0 THEN 'approved' ELSE 'pending' END, 'salesperson', 'won',
               'bench,' || n, false, false, false, 1, 1, now(), now()
          FROM generate_series(1, %(count)s) AS n
          JOIN LATERAL (
              SELECT (%(first)s::date + (n %% 730))::date AS day
          ) d ON true
          JOIN (
              SELECT row_number() OVER (ORDER BY id) - 1 AS idx, id AS user_id, partner_id
                FROM res_users WHERE id = ANY(%(users)s)
          ) u ON u.idx = n %% %(nusers)s
        """,
        {
            "plan": plan.id,
            "rule": plan.rule_ids[0].id,
            "team": data["team"].id,
            "company": data["company"].id,
            "currency": plan.currency_id.id,
            "count": count,
            "first": first,
            "users": salespeople.ids,
            "nusers": len(salespeople),
        },
    )
    env.cr.commit()
    analyze(env)


def phase_pivot(env, data, count):
    """(4) the pivot of the analysis (salesperson x month) over ``count`` lines, as the
    administrator (no record rule) and as the team's manager (team record rule)."""
    start = time.perf_counter()
    insert_pivot_lines(env, data, count)
    result = {"lines": count, "setup_s": time.perf_counter() - start}
    result.update(measure_pivot(env, data))
    return result


def measure_pivot(env, data):
    """The request of Odoo 19's pivot view (``formatted_read_grouping_sets``, one query) with
    the natural order of the groups, as the superuser and as the team's manager."""
    from odoo import Command  # noqa: PLC0415

    result = {}
    manager = data["team"].user_id
    manager.group_ids = [Command.link(env.ref("commission_tracking.group_commission_manager").id)]
    env.cr.commit()
    analyses = (
        ("admin", env["commission.analysis"]),  # superuser: no record rule
        ("manager", env["commission.analysis"].with_user(manager)),  # the team rule
    )
    for label, Analysis in analyses:
        for run in ("cold", "warm"):
            env.invalidate_all()
            probe = Probe(env)
            with probe.measure():
                groups = Analysis.formatted_read_grouping_sets(
                    [("kind", "=", "earned")], [list(g) for g in PIVOT_CALLS], PIVOT_MEASURES
                )
            result[f"{label}_{run}_s"], result[f"{label}_{run}_q"] = probe.seconds, probe.queries
        result[f"{label}_cells"] = len(groups[-1])
        result[f"{label}_total"] = groups[0][0]["amount:sum"]
    env.cr.rollback()
    return result


def last_month(today):
    first_this = today.replace(day=1)
    last = first_this - datetime.timedelta(days=1)
    return last.replace(day=1), last


def phase_statements(env, data, args):
    """(3) statements for ``--payees`` payees, ``--lines-per-payee`` lines each."""
    start = time.perf_counter()
    extra = max(0, args.payees - len(data["salespeople"]))
    payees = data["salespeople"][: args.payees] | create_users(env, extra, "Payee")
    date_from, date_to = last_month(datetime.date.today())
    plan = data["plans"][0]
    rule = plan.rule_ids[0]
    company = data["company"]
    vals = []
    for index, user in enumerate(payees):
        for number in range(args.lines_per_payee):
            day = date_from + datetime.timedelta(days=(index + number) % 28)
            vals.append(
                {
                    "name": f"Bench line {index}-{number}",
                    "plan_id": plan.id,
                    "rule_id": rule.id,
                    "user_id": user.id,
                    "partner_id": user.partner_id.id,
                    "company_id": company.id,
                    "currency_id": plan.currency_id.id,
                    "date": day,
                    "period_start": date_from,
                    "base_amount": 10_000.0,
                    "rate": 3.0,
                    "amount": 300.0,
                }
            )
    env["commission.line"].with_context(mail_create_nolog=True, tracking_disable=True).create(vals)
    env.cr.commit()
    result = {"payees": len(payees), "setup_s": time.perf_counter() - start}
    Statement = env["commission.statement"]
    probe = Probe(env)
    with probe.measure():
        lines = Statement._gather_lines(company, date_to)  # pylint: disable=protected-access
    result["gather_s"], result["gather_q"], result["lines"] = (
        probe.seconds,
        probe.queries,
        len(lines),
    )
    probe = Probe(env)
    with probe.measure():
        statements = Statement._generate_statements(  # pylint: disable=protected-access
            company, date_from, date_to, lines
        )
    result["generate_s"], result["generate_q"] = probe.seconds, probe.queries
    result["statements"] = len(statements)
    env.cr.commit()
    return result


def prepare_xlsx_statement(env, data, count):
    """One draft statement with ``count`` lines, inserted in SQL."""
    company = data["company"]
    plan = data["plans"][0]
    user = data["salespeople"][0]
    date_from, date_to = last_month(datetime.date.today())
    statement = env["commission.statement"].create(
        {
            "partner_id": user.partner_id.id,
            "user_id": user.id,
            "company_id": company.id,
            "currency_id": plan.currency_id.id,
            "date_from": date_from - datetime.timedelta(days=366),
            "date_to": date_to - datetime.timedelta(days=366),
        }
    )
    env.flush_all()
    # the explanation of a real line of the marginal plan (computed by phase 1)
    env.cr.execute(
        "SELECT explanation_data FROM commission_line WHERE plan_id = %s"
        " AND explanation_data IS NOT NULL ORDER BY id DESC LIMIT 1",
        [plan.id],
    )
    row = env.cr.fetchone()
    explanation = row[0] if row else {"steps": []}
    env.cr.execute(
        """
        INSERT INTO commission_line (
            name, plan_id, rule_id, user_id, partner_id, company_id, currency_id, date,
            period_start, base_amount, base_qty, rate, amount, state, statement_id,
            explanation_data, is_adjustment, has_open_dispute, is_correction,
            create_uid, write_uid, create_date, write_date)
        SELECT 'Bench XLSX deal ' || n, %(plan)s, %(rule)s, %(user)s, %(partner)s,
               %(company)s, %(currency)s, %(day)s::date + (n %% 28), %(day)s,
               1000 + n, 0, 3, (1000 + n) * 0.03, 'pending', %(statement)s,
               %(explanation)s::jsonb, false, false, false, 1, 1, now(), now()
          FROM generate_series(1, %(count)s) AS n
        """,
        {
            "plan": plan.id,
            "rule": plan.rule_ids[0].id,
            "user": user.id,
            "partner": user.partner_id.id,
            "company": company.id,
            "currency": plan.currency_id.id,
            "day": statement.date_from,
            "statement": statement.id,
            "count": count,
            "explanation": json.dumps(explanation),
        },
    )
    env.invalidate_all()
    statement._compute_amount_total()  # pylint: disable=protected-access
    env.cr.commit()
    return statement.id


def _rss_kb():
    with open("/proc/self/status", encoding="ascii") as status:
        for row in status:
            if row.startswith("VmRSS:"):
                return int(row.split()[1])
    return 0


def xlsx_child(dbname, statement_id):
    """Run in a child process: its peak RSS is the export's, not the benchmark's."""
    import odoo.api  # noqa: PLC0415

    registry = load_registry(dbname)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.api.SUPERUSER_ID, {})
        statement = env["commission.statement"].browse(statement_id)
        statement.name  # noqa: B018  pylint: disable=pointless-statement
        rss_before = _rss_kb()
        start = time.perf_counter()
        content = statement._generate_xlsx()  # pylint: disable=protected-access
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(
            json.dumps(
                {
                    "seconds": seconds,
                    "bytes": len(content),
                    "rss_before_mb": rss_before / 1024,
                    "peak_rss_mb": peak / 1024,
                }
            )
        )


def phase_xlsx(env, data, dbname, count):
    start = time.perf_counter()
    statement_id = prepare_xlsx_statement(env, data, count)
    setup = time.perf_counter() - start
    child = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--xlsx-child", dbname, str(statement_id)],
        check=False,
        capture_output=True,
        text=True,
        env=_pg_env(),
    )
    if child.returncode:
        raise RuntimeError(f"XLSX child failed:\n{child.stderr}")
    result = json.loads(child.stdout.strip().splitlines()[-1])
    result.update(lines=count, setup_s=setup)
    return result


# ----------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------
def _rate(count, seconds):
    return count / seconds if seconds else float("inf")


def print_report(results):
    rows = []
    sizes = results["compute"]
    for res in sizes:
        n = res["size"]
        e2e = res["win_s"] + res["batch_s"]
        auto = "auto_s" in res
        if auto:
            rows.append(
                (f"(1) N={n} win in batch, automatic computation on", f"{res['auto_s']:.2f} s",
                 f"{_rate(n, res['auto_s']):.0f} opp/s, "
                 f"{_rate(res['auto_lines'], res['auto_s']):.0f} lines/s, "
                 f"{res['auto_q'] / n:.1f} q/opp ({res['auto_lines']} lines)")
            )  # fmt: skip
        else:
            rows.append(
                (f"(1) N={n} win in batch, automatic computation on", "not run", "--automation-max")
            )
        rows += [
            (f"(1) N={n} win in batch, automatic computation off", f"{res['win_s']:.2f} s",
             f"{res['win_q'] / n:.1f} q/opp"),
            (f"(1) N={n} leads._commission_compute()", f"{res['batch_s']:.2f} s",
             f"{_rate(n, res['batch_s']):.0f} opp/s, "
             f"{_rate(res['batch_lines'], res['batch_s']):.0f} lines/s, "
             f"{res['batch_q'] / n:.2f} q/opp ({res['batch_lines']} lines)"),
            (f"(1) N={n} same, without the e-mails (diagnostic)", f"{res['nomail_s']:.2f} s",
             f"{_rate(res['batch_lines'], res['nomail_s']):.0f} lines/s, "
             f"{_rate(n, res['nomail_s']):.0f} opp/s, {res['nomail_q'] / n:.2f} q/opp"),
            (f"(1) N={n} end to end (win + compute)", f"{e2e:.2f} s",
             f"{_rate(n, e2e):.0f} opp/s"),
        ]  # fmt: skip
        if "queue_s" in res:
            rows += [
                (f"(1) N={n} background: win in batch (queued)", f"{res['queue_win_s']:.2f} s",
                 f"{res['queue_win_q'] / n:.1f} q/opp"),
                (f"(1) N={n} background: scheduled action", f"{res['queue_s']:.2f} s",
                 f"{_rate(n, res['queue_s']):.0f} opp/s, "
                 f"{_rate(res['queue_lines'], res['queue_s']):.0f} lines/s, "
                 f"{res['queue_q'] / n:.1f} q/opp ({res['queue_lines']} lines)"),
            ]  # fmt: skip
        rows += [
            (f"(7) N={n} INSERT ... SELECT baseline", f"{res['sql_s']:.3f} s",
             f"{res['sql_rows']} rows; compute / baseline = "
             f"{res['batch_s'] / res['sql_s']:.0f}x, end to end / baseline = "
             f"{e2e / res['sql_s']:.0f}x"
             + (f", automatic / baseline = {res['auto_s'] / res['sql_s']:.0f}x" if auto else "")),
        ]  # fmt: skip
    if len(sizes) > 1:
        small, big = sizes[0], sizes[-1]
        rows.append(
            (
                f"(1) q/opp N={small['size']} vs N={big['size']}",
                "",
                f"batch {small['batch_q'] / small['size']:.2f} -> "
                f"{big['batch_q'] / big['size']:.2f}"
                + (
                    f"; automatic {small['auto_q'] / small['size']:.1f} -> "
                    f"{big['auto_q'] / big['size']:.1f}"
                    if "auto_q" in big
                    else ""
                ),
            )
        )
    if "invoices" in results:
        res = results["invoices"]
        rows += [
            (f"(2) {res['compute_lines']} commission lines from {res['lines']} invoice lines "
             f"({res['invoices']} invoices)", f"{res['compute_s']:.2f} s",
             f"{_rate(res['lines'], res['compute_s']):.0f} invoice lines/s, "
             f"{res['compute_q'] / res['lines']:.3f} q/line ({res['compute_q']} queries)"),
            (f"(7) invoices: INSERT ... SELECT of {res['sql_rows']} rows", f"{res['sql_s']:.3f} s",
             f"compute / baseline = {res['compute_s'] / res['sql_s']:.1f}x"),
        ]  # fmt: skip
    if "post" in results:
        res = results["post"]
        rows.append(
            (f"(6) create + post {res['invoices']} invoices ({res['lines']} lines)",
             f"{res['active_s']:.2f} s / {res['active2_s']:.2f} s vs {res['archived_s']:.2f} s"
             f" / {res['no_hook_s']:.2f} s",
             f"active / archived plan = {res['active_s'] / res['archived_s']:.2f}x "
             f"(2nd run {res['active2_s'] / res['archived_s']:.2f}x), active / no hook = "
             f"{res['active_s'] / res['no_hook_s']:.2f}x; queries {res['active_q']} vs "
             f"{res['archived_q']} vs {res['no_hook_q']}; {res['active_lines']} lines")
        )  # fmt: skip
        for label in ("active", "active2"):
            total, spent = res[f"{label}_s"], res[f"{label}_hook_s"]
            rows.append(
                (f"(6) {label}: time in the add-on's invoice hook",
                 f"{spent:.2f} s of {total:.2f} s",
                 f"run / run without the hook's time = {total / (total - spent):.3f}x")
            )  # fmt: skip
        rows.append(
            ("(6) same, background mode: post (queued), then the scheduled action",
             f"{res['background_s']:.2f} s, then {res['queue_s']:.2f} s",
             f"background / archived plan = {res['background_s'] / res['archived_s']:.2f}x; "
             f"{res['queue_lines']} lines computed by the scheduled action")
        )  # fmt: skip
    if "statements" in results:
        res = results["statements"]
        total = res["gather_s"] + res["generate_s"]
        rows += [
            (f"(3) _gather_lines, {res['payees']} payees", f"{res['gather_s']:.2f} s",
             f"{res['lines']} lines, {res['gather_q']} queries"),
            ("(3) _generate_statements", f"{res['generate_s']:.2f} s",
             f"{res['statements']} statements, {res['generate_q']} queries"),
            ("(3) statements total", f"{total:.2f} s",
             f"{_rate(res['lines'], total):.0f} lines/s"),
        ]  # fmt: skip
    if "xlsx" in results:
        res = results["xlsx"]
        rows.append(
            (
                f"(5) _generate_xlsx, {res['lines']} lines",
                f"{res['seconds']:.2f} s",
                f"peak RSS {res['peak_rss_mb']:.0f} MB (process, {res['rss_before_mb']:.0f} MB "
                f"before the export), {res['bytes'] / 1e6:.1f} MB file",
            )
        )
    if "pivot" in results:
        res = results["pivot"]
        for label in ("admin", "manager"):
            rows.append(
                (f"(4) pivot salesperson x month, {res['lines']} lines, as {label}",
                 f"{res[f'{label}_cold_s']:.2f} s cold, {res[f'{label}_warm_s']:.2f} s warm",
                 f"{len(PIVOT_CALLS)} grouping sets, {res[f'{label}_cold_q']} queries, "
                 f"{res[f'{label}_cells']} cells")
            )  # fmt: skip
    if "single" in results:
        res = results["single"]
        rows.append(
            (
                f"(6) win 1 opportunity (avg of {res['count']})",
                f"{res['active_s'] * 1000:.1f} ms vs {res['archived_s'] * 1000:.1f} ms",
                f"ratio {res['active_s'] / res['archived_s']:.2f}x; queries "
                f"{res['active_q']:.0f} vs {res['archived_q']:.0f}",
            )
        )
        rows.append(
            (
                f"(6) win 1 opportunity, background mode (avg of {res['count']})",
                f"{res['background_s'] * 1000:.1f} ms vs {res['archived_s'] * 1000:.1f} ms",
                f"ratio {res['background_s'] / res['archived_s']:.2f}x; queries "
                f"{res['background_q']:.0f}; then {res['queue_s'] * 1000:.1f} ms per "
                "opportunity in the scheduled action",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    header = ("Measure", "Time", "Rates and ratios")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    print()
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |")


# ----------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------
def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--template", help="database to copy (else an empty one)")
    parser.add_argument("--db", help="name of the benchmark database")
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--salespeople", type=int, default=200)
    parser.add_argument(
        "--opportunities", type=int, nargs="+", default=[1000], help="one or more N for (1)"
    )
    parser.add_argument(
        "--automation-max",
        type=int,
        default=1000,
        help="measure (1a), the automatic computation, only for N up to this (it is slow)",
    )
    parser.add_argument(
        "--background-max",
        type=int,
        default=1000,
        help="measure (1c), the background mode, only for N up to this",
    )
    parser.add_argument("--order-ratio", type=float, default=0.1, help="share with an order")
    parser.add_argument(
        "--invoice-lines", type=int, default=100_000, help="(2): posted invoice lines; 0 skips it"
    )
    parser.add_argument("--lines-per-invoice", type=int, default=10, help="(2) and (6)")
    parser.add_argument("--post-batch", type=int, default=500, help="invoices posted at once")
    parser.add_argument(
        "--post-invoices", type=int, default=500, help="(6): invoices created and posted"
    )
    parser.add_argument("--skip-leads", action="store_true", help="skip (1) and the wins of (6)")
    parser.add_argument("--payees", type=int, default=1000, help="(3); 0 skips it")
    parser.add_argument("--lines-per-payee", type=int, default=10, help="(3)")
    parser.add_argument("--xlsx-lines", type=int, default=100_000, help="(5); 0 skips it")
    parser.add_argument(
        "--pivot-lines", type=int, default=1_000_000, help="(4): lines inserted; 0 skips it"
    )
    parser.add_argument("--single-wins", type=int, default=50, help="(6); 0 skips it")
    parser.add_argument("--json", help="also write the raw results to this file")
    parser.add_argument("--xlsx-child", nargs=2, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.xlsx_child:
        xlsx_child(args.xlsx_child[0], int(args.xlsx_child[1]))
        return
    import odoo.api  # noqa: PLC0415

    dbname = args.db or f"ct_bench_{datetime.datetime.now():%Y%m%d_%H%M%S}_{os.getpid()}"
    print(f"Database {dbname}" + (f" (copy of {args.template})" if args.template else ""))
    create_database(dbname, args.template)
    results = {"compute": []}
    try:
        registry = load_registry(dbname)
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.api.SUPERUSER_ID, {})
            start = time.perf_counter()
            data = build_company(env, args)
            cr.commit()  # pylint: disable=invalid-commit
            print(f"Company built in {time.perf_counter() - start:.1f} s")
            sizes = [] if args.skip_leads else sorted(args.opportunities)
            for index, size in enumerate(sizes):
                res = phase_compute(env, data, size, args, keep=index == len(sizes) - 1)
                results["compute"].append(res)
                print(f"(1) N={size} done: {json.dumps(res)}")
            if args.single_wins and not args.skip_leads:
                results["single"] = phase_single_wins(env, data, args)
                print(f"(6) done: {json.dumps(results['single'])}")
            if args.invoice_lines:
                results["invoices"] = phase_invoices(env, data, args)
                print(f"(2) done: {json.dumps(results['invoices'])}")
            # (6) on invoices after (2): their month already holds (2)'s invoices and lines
            if args.post_invoices:
                results["post"] = phase_post_invoices(env, data, args)
                print(f"(6) invoices done: {json.dumps(results['post'])}")
            if args.payees:
                results["statements"] = phase_statements(env, data, args)
                print(f"(3) done: {json.dumps(results['statements'])}")
            if args.xlsx_lines:
                results["xlsx"] = phase_xlsx(env, data, dbname, args.xlsx_lines)
                print(f"(5) done: {json.dumps(results['xlsx'])}")
            if args.pivot_lines:
                results["pivot"] = phase_pivot(env, data, args.pivot_lines)
                print(f"(4) done: {json.dumps(results['pivot'])}")
        print_report(results)
        if args.json:
            with open(args.json, "w", encoding="utf-8") as out:
                json.dump(results, out, indent=2)
    finally:
        if args.keep:
            print(f"Database {dbname} kept.")
        else:
            drop_database(dbname)
            print(f"Database {dbname} dropped.")


if __name__ == "__main__":
    main()
