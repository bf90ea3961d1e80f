"""Automatic computations in batches: one computation per write of opportunities, and the
background mode where winning, confirming or posting only queues the computation."""

import datetime
import json
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import CommissionCommon

MARCH = datetime.date(2026, 3, 10)


@tagged("post_install", "-at_install")
class TestComputationBatch(CommissionCommon):
    def test_batch_win_is_computed_once(self):
        self._create_plan(
            [{"base": "revenue", "rate": 3}], users=self.salesperson | self.salesperson_2
        )
        leads = self.env["crm.lead"].union(
            *(
                self._create_lead(f"Deal {index}", user=user, revenue=10_000_000 * index)
                for index, user in enumerate(
                    (self.salesperson, self.salesperson_2, self.salesperson), start=1
                )
            )
        )
        with self._spy_computations() as calls:
            leads.action_set_won()  # one write of the 3 opportunities
        self.assertEqual(len(calls), 1, "one computation for the write, not one each")
        self.assertEqual(calls[0]["leads"], leads)
        self.assertEqual(
            sorted(self.Line.search([("lead_id", "in", leads.ids)]).mapped("amount")),
            [300_000, 600_000, 900_000],
        )

    def test_batch_e_mails_are_queued_and_sent_by_the_cron(self):
        self._create_plan(
            [{"base": "revenue", "rate": 3}], users=self.salesperson | self.salesperson_2
        )
        leads = self._create_lead("Deal A", revenue=10_000_000) | self._create_lead(
            "Deal B", user=self.salesperson_2, revenue=20_000_000
        )
        leads.action_set_won()
        # computed at once (immediate mode), the e-mails wait for the scheduled action
        self.assertEqual(len(self.Line.search([("lead_id", "in", leads.ids)])), 2)

        def notified(lead):
            return lead.message_ids.filtered(
                lambda message: lead.user_id.partner_id in message.partner_ids
            )

        self.assertFalse(notified(leads[0]) | notified(leads[1]))
        Queue = self.env["commission.queue"]
        self.assertEqual(set(Queue.search([]).mapped("kind")), {"notify"})
        # one row per opportunity, as create writes it (company, who queued, when)
        self.assertEqual(
            [
                (entry.res_model, entry.res_id, entry.company_id, entry.create_uid)
                for entry in Queue.search([], order="res_id")
            ],
            [("crm.lead", lead.id, self.env.company, self.env.user) for lead in leads.sorted("id")],
        )
        self.assertEqual(set(Queue.search([]).mapped("create_date")), {self.env.cr.now()})
        self.assertFalse(leads[0].commission_queued, "the lines are there: nothing pending")
        self.assertTrue(Queue._cron_process())
        self.assertIn("300,000", notified(leads[0]).body)
        self.assertIn("600,000", notified(leads[1]).body)
        self.assertFalse(Queue.search([]))

    def test_company_check_still_refuses_another_companys_plan(self):
        """Lines are checked once per distinct company and plan, and still checked."""
        other = self.env["res.company"].create({"name": "Other", "currency_id": self.vnd.id})
        plan = self._create_plan([{"base": "revenue", "rate": 3}])
        vals = {
            "name": "Forged",
            "plan_id": plan.id,
            "rule_id": plan.rule_ids.id,
            "user_id": self.salesperson.id,
            "partner_id": self.salesperson.partner_id.id,
            "currency_id": self.vnd.id,
            "date": MARCH,
            "period_start": MARCH.replace(day=1),
            "amount": 1,
        }
        with self.assertRaisesRegex(UserError, "company inconsistencies"), self.env.cr.savepoint():
            self.Line.sudo().create(
                [
                    {**vals, "company_id": self.company.id},
                    {**vals, "company_id": self.company.id},
                    {**vals, "company_id": other.id},
                ]
            )
        self.assertFalse(self.Line.sudo().search([("name", "=", "Forged")]))


@tagged("post_install", "-at_install")
class TestBackgroundComputation(CommissionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.commission_compute_in_background = True
        cls.plan = cls._create_plan(
            [{"base": "revenue", "rate": 3}], users=cls.salesperson | cls.salesperson_2
        )
        cls.Queue = cls.env["commission.queue"]

    def test_win_is_queued_and_computed_by_the_cron(self):
        lead = self._win(self._create_lead(revenue=100_000_000), MARCH)
        self.assertFalse(self._lines(lead), "nothing computed in the win's transaction")
        self.assertTrue(lead.commission_queued)
        self.assertEqual(set(self.Queue.search([]).mapped("res_id")), {lead.id})
        self.assertTrue(self.Queue._cron_process())
        self.assertEqual(self._lines(lead).amount, 3_000_000)
        self.assertFalse(self.Queue.search([]))
        lead.invalidate_recordset(["commission_queued"])
        self.assertFalse(lead.commission_queued)
        # the salesperson is told, by the job
        notified = lead.message_ids.filtered(
            lambda message: self.salesperson.partner_id in message.partner_ids
        )
        self.assertIn("3,000,000", notified[0].body)

    def _computed_notifications(self):
        """Payloads of the "computed" bus notifications sent so far, by partner channel."""
        self.env.cr.precommit.run()  # the bus records are written before the commit
        found = {}
        for bus in self.env["bus.bus"].sudo().search([]):
            message = json.loads(bus.message)
            if message["type"] == "commission_tracking/computed":
                found.setdefault(json.loads(bus.channel)[-1], []).append(message["payload"])
        return found

    def test_who_queued_the_opportunity_is_told_when_it_is_computed(self):
        """The open forms of the user who won reload (see lead_form_refresh.js): the job tells
        that user which opportunities are computed; the button computing them meanwhile
        takes them out of the queue and tells too."""
        Lead = self.env["crm.lead"].with_user(self.manager)
        first = self._win(Lead.browse(self._create_lead(revenue=100_000_000).id), MARCH)
        second = self._win(Lead.browse(self._create_lead(revenue=40_000_000).id), MARCH)
        computations = [("kind", "=", "compute")]
        self.assertEqual(self.Queue.search(computations).create_uid, self.manager)
        channel = self.manager.partner_id.id
        self.env["bus.bus"].sudo().search([]).unlink()
        # the button computes the second at once: it leaves the queue
        second.action_compute_commissions()
        self.assertEqual(self.Queue.search(computations).mapped("res_id"), [first.id])
        self.assertEqual(self._computed_notifications(), {channel: [{"lead_ids": [second.id]}]})
        self.env["bus.bus"].sudo().search([]).unlink()
        self.assertTrue(self.Queue._cron_process())
        self.assertEqual(self._computed_notifications(), {channel: [{"lead_ids": [first.id]}]})
        self.assertEqual(self._lines(first).amount + self._lines(second).amount, 4_200_000)

    def test_queue_is_processed_in_batches_and_resumes(self):
        # three (salesperson, month) periods: each queued opportunity is its own computation
        leads = self.env["crm.lead"].union(
            *(
                self._win(
                    self._create_lead(f"Deal {month}", user=user, revenue=10_000_000 * month),
                    datetime.date(2026, month, 10),
                )
                for month, user in (
                    (1, self.salesperson),
                    (2, self.salesperson_2),
                    (3, self.salesperson),
                )
            )
        )
        self.assertFalse(self.Queue._cron_process(batch_size=2, max_batches=1))
        self.assertEqual(
            len(self.Queue.search([("kind", "=", "compute")])),
            1,
            "the third waits for the next run",
        )
        self.assertEqual(len(self.Line.search([("lead_id", "in", leads.ids)])), 2)
        self.assertTrue(self.Queue._cron_process(batch_size=2))
        self.assertFalse(self.Queue.search([]), "computed, and the e-mails sent")
        self.assertEqual(
            sorted(self.Line.search([("lead_id", "in", leads.ids)]).mapped("amount")),
            [300_000, 600_000, 900_000],
        )

    def test_button_computes_at_once(self):
        lead = self._create_lead(revenue=100_000_000)
        self._win(lead, MARCH)
        self.Queue.search([]).unlink()
        lead.with_user(self.manager).action_compute_commissions()
        self.assertEqual(self._lines(lead).amount, 3_000_000)

    def test_confirmed_order_is_queued(self):
        plan = self._create_plan([{"base": "revenue", "rate": 5}], trigger="order")
        order = self._create_order(
            self._create_lead(revenue=0), [(self.product_license, 2, 10_000_000)]
        )
        self.assertFalse(self.Line.search([("order_id", "=", order.id)]))
        self.assertIn(order.id, self.Queue._queued_ids("sale.order", order.ids))
        self.Queue._cron_process()
        self.assertEqual(
            self.Line.search([("order_id", "=", order.id), ("plan_id", "=", plan.id)]).amount,
            1_000_000,
        )

    def test_failing_source_does_not_block_the_others(self):
        good = self._win(self._create_lead("Good", revenue=100_000_000), MARCH)
        # another salesperson and month: computing the good one does not touch its period
        bad = self._win(
            self._create_lead("Bad", user=self.salesperson_2, revenue=50_000_000),
            datetime.date(2026, 4, 10),
        )
        Compute = type(self.env["commission.compute"])
        original = Compute._compute_for_sources

        def fail_on_bad(compute, leads=None, **kwargs):
            if leads and bad in leads:
                raise ValueError("broken opportunity")
            return original(compute, leads=leads, **kwargs)

        with (
            patch.object(Compute, "_compute_for_sources", fail_on_bad),
            mute_logger("odoo.addons.commission_tracking.models.commission_queue"),
        ):
            self.assertTrue(self.Queue._cron_process())
        self.assertEqual(self._lines(good).amount, 3_000_000)
        self.assertFalse(self._lines(bad))
        failed = self.Queue.search([])
        self.assertEqual(set(failed.mapped("res_id")), {bad.id})
        self.assertIn("broken opportunity", failed[0].error)
        # kept aside: the next runs do not retry it
        self.assertTrue(self.Queue._cron_process())
        self.assertFalse(bad.commission_queued, "not shown as pending any more")
        self.assertEqual(failed.display_name, "Bad")
        # the cause fixed, an administrator retries it from the list
        failed.with_user(self.admin).action_retry()
        self.assertTrue(self.Queue._cron_process())
        self.assertEqual(self._lines(bad).amount, 1_500_000)
        self.assertFalse(self.Queue.search([]))
        with self.assertRaises(AccessError):
            self.Queue.with_user(self.manager).search([])

    def test_setting_is_in_the_settings(self):
        with Form(self.env["res.config.settings"]) as settings:
            self.assertTrue(settings.commission_compute_in_background)
            settings.commission_compute_in_background = False
        self.assertFalse(self.company.commission_compute_in_background)
        lead = self._win(self._create_lead(revenue=100_000_000), MARCH)
        self.assertEqual(self._lines(lead).amount, 3_000_000, "computed at once again")
