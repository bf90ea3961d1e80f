"""Large recomputations run in the background, in batches, resume, and never twice at once."""

import datetime

import psycopg2

from odoo import Command, api
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL, mute_logger

from .common import CommissionCommon


def _committed_plan(registry, name):
    """A plan committed in its own transaction (for tests with two real cursors)."""
    with registry.cursor() as cr:
        env = api.Environment(cr, api.SUPERUSER_ID, {})
        company = env.ref("base.main_company")
        plan = env["commission.plan"].create(
            {
                "name": name,
                "company_id": company.id,
                "currency_id": company.currency_id.id,
                "rule_ids": [Command.create({"base": "revenue", "rate": 1})],
            }
        )
        return plan.id


def _drop_plan(registry, plan_id):
    with registry.cursor() as cr:
        for table in ("commission_recompute", "commission_group_lock", "commission_rule"):
            cr.execute(SQL("DELETE FROM %s WHERE plan_id = %s", SQL.identifier(table), plan_id))
        cr.execute("DELETE FROM commission_plan WHERE id = %s", [plan_id])


@tagged("post_install", "-at_install")
class TestRecompute(CommissionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.leads = cls.env["crm.lead"]
        for month, user in ((1, cls.salesperson), (2, cls.salesperson_2), (3, cls.salesperson)):
            lead = cls._create_lead(f"Deal {month}", user=user, revenue=10_000_000 * month)
            cls._win(lead, datetime.date(2026, month, 10))
            cls.leads |= lead
        # a plan added afterwards: nothing computed it yet
        cls.plan = cls._create_plan(
            [{"base": "revenue", "rate": 5}], users=cls.salesperson | cls.salesperson_2
        )

    def _job(self, **values):
        return self.env["commission.recompute"].create(
            {
                "plan_id": self.plan.id,
                "date_from": datetime.date(2026, 1, 1),
                "date_to": datetime.date(2026, 3, 31),
                **values,
            }
        )

    def test_batches_resume_and_match_a_direct_computation(self):
        job = self._job()
        job.with_user(self.admin).action_queue()
        self.assertEqual(job.state, "queued")
        Recompute = self.env["commission.recompute"]
        # an interrupted run: one batch of 2 groups (of 2 salespeople × 3 months)
        self.assertFalse(Recompute._cron_process(batch_size=2, max_batches=1))
        self.assertRecordValues(job, [{"state": "running", "group_total": 6, "group_done": 2}])
        self.assertAlmostEqual(job.progress, 100 * 2 / 6)
        self.assertTrue(self.plan.recompute_running)
        # the next run resumes at the third group
        self.assertTrue(Recompute._cron_process(batch_size=2))
        self.assertRecordValues(job, [{"state": "done", "group_done": 6, "line_count": 3}])
        lines = self.plan.line_ids.sorted("date")
        self.assertEqual(lines.mapped("amount"), [500_000, 1_000_000, 1_500_000])
        self.assertEqual(lines.lead_id, self.leads)
        # the same as computing the deals directly: nothing left to change
        self.leads._commission_compute()
        self.assertEqual(self.plan.line_ids, lines)
        self.assertEqual(lines.mapped("amount"), [500_000, 1_000_000, 1_500_000])

    def test_one_recomputation_per_plan(self):
        first = self._job()
        first.action_queue()
        second = self._job()
        with self.assertRaisesRegex(UserError, "already has a recomputation queued or running"):
            second.action_queue()
        self.assertEqual(second.state, "draft")
        # once the first is done, the plan can be recomputed again
        self.env["commission.recompute"]._cron_process()
        second.action_queue()
        self.assertEqual(second.state, "queued")

    def test_bad_input_is_refused(self):
        with self.assertRaisesRegex(ValidationError, "ends .* before it starts"):
            self._job(date_to=datetime.date(2025, 12, 31))
        self.plan.active = False
        job = self._job()
        with self.assertRaisesRegex(UserError, "archived"):
            job.action_queue()

    def test_only_admins_start_recomputations(self):
        job = self._job()
        with self.assertRaises(UserError), mute_logger("odoo.addons.base.models.ir_model"):
            job.with_user(self.manager).action_queue()
        self.assertEqual(job.state, "draft")

    def test_plan_button_opens_a_prefilled_job(self):
        action = self.plan.action_recompute()
        self.assertEqual(action["res_model"], "commission.recompute")
        self.assertEqual(action["context"]["default_plan_id"], self.plan.id)


@tagged("post_install", "-at_install")
class TestRecomputeConcurrency(CommissionCommon):
    """Two servers queueing the same plan at the same moment: the database keeps one."""

    def test_two_cursors(self):
        registry = self.env.registry
        plan_id = _committed_plan(registry, "Concurrency plan")
        values = {"plan_id": plan_id, "date_from": "2026-01-01", "date_to": "2026-01-31"}
        try:
            with registry.cursor() as cr_first, registry.cursor() as cr_second:
                env_first = api.Environment(cr_first, api.SUPERUSER_ID, {})
                env_second = api.Environment(cr_second, api.SUPERUSER_ID, {})
                env_first["commission.recompute"].create({**values, "state": "queued"})
                env_first.flush_all()
                # the second server does not see the first's uncommitted job: its check
                # passes, the database refuses when the first commits
                job = env_second["commission.recompute"].create(values)
                cr_first.commit()
                with (
                    self.assertRaises(psycopg2.errors.UniqueViolation),
                    mute_logger("odoo.sql_db"),
                ):
                    job.write({"state": "queued"})
                    env_second.flush_all()
                cr_second.rollback()
        finally:
            _drop_plan(registry, plan_id)


@tagged("post_install", "-at_install")
class TestGroupLock(CommissionCommon):
    """Two workers computing the same (plan, salesperson, period): the second is retried."""

    def test_same_group_in_one_transaction_is_idempotent(self):
        plan = self._create_plan([{"base": "revenue", "rate": 5}])
        group = (plan, self.salesperson, datetime.date(2026, 3, 1))
        Lock = self.env["commission.group.lock"]
        Lock._acquire([group])
        Lock._acquire([group, group])
        self.assertEqual(Lock.search_count([("plan_id", "=", plan.id)]), 1)

    def test_two_cursors(self):
        registry = self.env.registry
        plan_id = _committed_plan(registry, "Lock plan")
        user_id = self.env.ref("base.user_admin").id
        day = datetime.date(2026, 3, 1)
        try:
            with registry.cursor() as cr_first, registry.cursor() as cr_second:
                env_first = api.Environment(cr_first, api.SUPERUSER_ID, {})
                env_second = api.Environment(cr_second, api.SUPERUSER_ID, {})
                group_first = (
                    env_first["commission.plan"].browse(plan_id),
                    env_first["res.users"].browse(user_id),
                    day,
                )
                group_second = (
                    env_second["commission.plan"].browse(plan_id),
                    env_second["res.users"].browse(user_id),
                    day,
                )
                # the second worker's transaction has started (its snapshot is taken)
                cr_second.execute("SELECT 1 FROM commission_plan WHERE id = %s", [plan_id])
                env_first["commission.group.lock"]._acquire([group_first])
                cr_first.commit()
                # ... and cannot compute on a snapshot that misses the first one's work
                with (
                    self.assertRaises(psycopg2.errors.SerializationFailure),
                    mute_logger("odoo.sql_db"),
                ):
                    env_second["commission.group.lock"]._acquire([group_second])
                cr_second.rollback()
                # retried in a new transaction, it goes through
                env_second["commission.group.lock"]._acquire([group_second])
                cr_second.rollback()
        finally:
            _drop_plan(registry, plan_id)
