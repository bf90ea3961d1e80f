import datetime
from unittest.mock import patch

from odoo.tests import tagged

from .common import CommissionCommon

TIERS = ((0, 3), (100_000_000, 5), (500_000_000, 7))
# Queries the computation may need beyond the smaller batch's count (cache misses that depend
# on which records happen to be read first): a constant, whatever the batch size. The smaller
# batch has 2 sales orders, the larger 7: a query per order would exceed it.
SLACK = 3
# What the mail side effects of one more opportunity may cost. A batch computation queues the
# commission e-mail of each opportunity for the scheduled action (a queue row each, written in
# one batch); a single opportunity is notified at once. The bound also covers the e-mails
# being posted in the computation's transaction, as before they were queued.
MAIL_QUERIES_PER_LEAD = 75


@tagged("post_install", "-at_install")
class TestQueryCount(CommissionCommon):
    """The batch computation reads and writes per batch, not per opportunity."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        salespeople = cls.salesperson | cls.salesperson_2
        cls._create_plan(
            [{"base": "revenue", "tier_mode": "marginal", "tier_ids": cls._tiers(*TIERS)}],
            users=salespeople,
            name="Marginal",
        )
        cls._create_plan(
            [{"base": "revenue", "rate": 2}, {"base": "deal", "rate": 500_000}],
            users=salespeople,
            name="Hybrid",
        )
        # won below in batch, computed by the batch API only
        cls.company.commission_compute_on_won = False

    def _won_leads(self, count, month):
        leads = self.env["crm.lead"]
        for index in range(count):
            lead = self._create_lead(
                f"Deal {month}-{index}",
                user=(self.salesperson, self.salesperson_2)[index % 2],
                revenue=10_000_000 * (index + 1),
            )
            if index % 3 == 0:
                self._create_order(lead, [(self.product_license, index + 1, 10_000_000)])
            leads |= lead
        leads.action_set_won()
        # noon in Ho Chi Minh City, in its own month: the two batches share no period
        leads.date_closed = datetime.datetime(2026, month, 10, 5, 0)
        self.env.flush_all()
        self.env.invalidate_all()
        return leads

    def _count_queries(self, leads):
        leads = leads.browse(leads.ids)  # a fresh prefetch set
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        lines = leads._commission_compute()
        self.env.flush_all()
        count = self.env.cr.sql_log_count - before
        self.assertEqual(len(lines), 3 * len(leads), "one marginal + two hybrid lines per deal")
        return count

    def test_computation_queries_do_not_grow_with_batch_size(self):
        """Reading the deals, plans and existing lines and writing the lines: per batch."""
        small, large = self._won_leads(5, 3), self._won_leads(20, 4)
        Compute = type(self.env["commission.compute"])
        Line = type(self.env["commission.line"])
        # the per-record mail side effects are counted by the next test
        with (
            patch.object(Compute, "_notify", autospec=True, return_value=None),
            patch.object(Line, "_message_auto_subscribe", autospec=True, return_value=True),
        ):
            small_count = self._count_queries(small)
            large_count = self._count_queries(large)
        self.assertLessEqual(
            large_count,
            small_count + SLACK,
            f"{small_count} queries for 5 opportunities, {large_count} for 20",
        )

    def test_mail_cost_per_opportunity_is_bounded(self):
        """With the e-mails, each opportunity adds a bounded number of queries (linear)."""
        small, large = self._won_leads(5, 3), self._won_leads(20, 4)
        small_count = self._count_queries(small)
        large_count = self._count_queries(large)
        self.assertLessEqual(
            large_count - small_count,
            15 * MAIL_QUERIES_PER_LEAD,
            f"{small_count} queries for 5 opportunities, {large_count} for 20",
        )
