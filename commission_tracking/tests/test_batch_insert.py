"""The computation's batch insert of commission lines writes what ``create`` writes."""

import datetime
from unittest.mock import patch

from psycopg2.errors import CheckViolation

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import CommissionCommon

# columns that differ between two creations of the same values
VOLATILE = ("id", "create_date", "write_date")


@tagged("post_install", "-at_install")
class TestBatchInsert(CommissionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.usd = cls.env.ref("base.USD")
        cls.plan = cls._create_plan(
            [
                {"base": "revenue", "rate": 3.3333},
                {"base": "quantity", "rate": 12_500},
            ],
            trigger="invoice",
        )
        cls.rule_revenue, cls.rule_units = cls.plan.rule_ids
        cls.lead = cls._create_lead(revenue=10_000_000)
        cls.other_company = cls.env["res.company"].create(
            {"name": "Công ty khác", "currency_id": cls.vnd.id}
        )

    def _vals(self, **values):
        vals = {
            "name": "INV/2026/00001",
            "plan_id": self.plan.id,
            "rule_id": self.rule_revenue.id,
            "user_id": self.salesperson.id,
            "partner_id": self.salesperson.partner_id.id,
            "team_id": self.team.id,
            "customer_id": self.customer.id,
            "company_id": self.company.id,
            "currency_id": self.vnd.id,
            "deal_key": "account.move.line,1",
            "date": datetime.date(2026, 3, 10),
            "period_start": datetime.date(2026, 3, 1),
            "base_amount": 10_000_000.4,
            "base_qty": 0.0,
            "rate": 3.33333,
            "amount": 333_333.3333,
            "origin_line_id": False,
            "explanation_data": {"steps": [{"code": "rate", "params": {"rate": "3.3333"}}]},
        }
        vals.update(values)
        return vals

    def _vals_list(self):
        """Lines as a computation builds them: from an invoice line in dollars (product,
        category), from units, from an opportunity (no product, no document currency), a
        correction of another line, a zero amount."""
        origin = self.Line.sudo().create(self._vals(deal_key="origin"))
        return [
            self._vals(
                product_id=self.product_license.id,
                source_currency_id=self.usd.id,
                source_amount=401.23456,
                move_id=False,
            ),
            self._vals(
                rule_id=self.rule_units.id,
                product_id=self.product_training.id,
                base_amount=0.0,
                base_qty=3.456,
                rate=12_500,
                amount=43_200,
            ),
            self._vals(
                name=self.lead.name, lead_id=self.lead.id, deal_key=f"crm.lead,{self.lead.id}"
            ),
            self._vals(origin_line_id=origin.id, amount=-333_333, base_amount=-10_000_000),
            self._vals(amount=0.0, base_amount=0.0, rate=0.0, team_id=False, customer_id=False),
        ]

    def _rows(self, lines):
        columns = [
            name
            for name, field in self.Line._fields.items()
            if field.store and field.column_type and name not in VOLATILE
        ]
        self.env.flush_all()
        return self.env.execute_query_dict(
            SQL(
                "SELECT %s FROM commission_line WHERE id = ANY(%s) ORDER BY id",
                SQL(", ").join(map(SQL.identifier, columns)),
                lines.ids,
            )
        )

    def test_supported_with_the_installed_modules(self):
        """The computations of this database use the batch insert (no module extends lines)."""
        self.assertTrue(self.Line._insert_computed_supported())

    def test_same_rows_as_create(self):
        self.maxDiff = None
        vals_list = self._vals_list()
        Line = self.Line.sudo()
        created = Line.with_context(mail_create_nolog=True, mail_create_nosubscribe=True).create(
            [dict(vals) for vals in vals_list]
        )
        with patch.object(type(self.Line), "create", side_effect=AssertionError("create called")):
            inserted = Line._insert_computed([dict(vals) for vals in vals_list])
        self.assertEqual(len(inserted), 5)
        self.assertEqual(self._rows(inserted), self._rows(created))
        # real values, not only equal ones: rounded through the currencies, related fields set
        # what every line of an invoice plan's salesperson gets, and what differs
        common = {"trigger": "invoice", "beneficiary_type": "salesperson", "state": "pending"}
        columns = ("amount", "base_amount", "source_amount", "product_categ_id")
        columns += ("is_correction", "rate")
        expected = [
            (333_333.0, 10_000_000.0, 401.23, self.categ_software.id, False, 3.3333),
            (43_200.0, 0.0, 0.0, self.categ_service.id, False, 12_500.0),
            (333_333.0, 10_000_000.0, 0.0, False, False, 3.3333),
            (-333_333.0, -10_000_000.0, 0.0, False, True, 3.3333),
            (0.0, 0.0, 0.0, False, False, 0.0),
        ]
        self.assertRecordValues(
            inserted, [dict(common, **dict(zip(columns, row, strict=True))) for row in expected]
        )
        self.assertEqual(inserted[1].base_qty, 3.46)
        self.assertIn("3.3333", inserted[0].explanation_data["steps"][0]["params"]["rate"])
        self.assertEqual(
            inserted.create_uid, self.env.user, "created by whoever ran the computation"
        )
        # no chatter message, no follower, as with create
        self.assertFalse(inserted.message_ids | created.message_ids)
        self.assertFalse(inserted.message_follower_ids | created.message_follower_ids)

    def test_relations_and_totals_refreshed(self):
        """What was read before the insert is read again: the opportunity's lines and total,
        the corrections of a line."""
        origin = self.Line.sudo().create(self._vals(deal_key="origin", lead_id=self.lead.id))
        self.assertEqual(self.lead.commission_line_ids, origin)
        self.assertEqual(self.lead.commission_total, 333_333)
        self.assertFalse(origin.correction_ids)
        inserted = self.Line.sudo()._insert_computed(
            [self._vals(lead_id=self.lead.id, origin_line_id=origin.id, amount=-100_000)]
        )
        self.assertEqual(self.lead.commission_line_ids, origin | inserted)
        self.assertEqual(self.lead.commission_total, 233_333)
        self.assertEqual(origin.correction_ids, inserted)

    def test_company_check_refuses_and_writes_nothing(self):
        count = self.Line.sudo().search_count([])
        with self.assertRaises(UserError), self.env.cr.savepoint():
            # checked on one line per company and linked records: the bad one is among them
            self.Line.sudo()._insert_computed(
                [
                    self._vals(deal_key="ok 1"),
                    self._vals(deal_key="ok 2"),
                    self._vals(deal_key="bad", company_id=self.other_company.id),
                ]
            )
        self.assertEqual(self.Line.sudo().search_count([]), count)

    def test_constraint_refuses_and_writes_nothing(self):
        count = self.Line.sudo().search_count([])
        plan_less = self._vals(plan_id=False, rule_id=False)
        with self.assertRaises(CheckViolation), self.env.cr.savepoint():
            self.Line.sudo()._insert_computed([plan_less])
        self.assertEqual(self.Line.sudo().search_count([]), count)

    def test_falls_back_to_create(self):
        """Another module extending the lines, or values the insert does not know: create."""
        Line = type(self.Line)
        calls = []
        original = Line.create

        def spy(records, vals_list):
            calls.append(len(vals_list))
            return original(records, vals_list)

        with patch.object(Line, "create", spy):
            with patch.object(Line, "_insert_computed_supported", return_value=False):
                self.Line.sudo()._insert_computed([self._vals(deal_key="a")])
            self.Line.sudo()._insert_computed([self._vals(deal_key="b", dispute_ids=[])])
            self.Line.sudo()._insert_computed([self._vals(deal_key="c")])
        self.assertEqual(calls, [1, 1], "the third one used the batch insert")
        self.assertEqual(
            self.Line.sudo().search([("deal_key", "in", ["a", "b", "c"])]).mapped("deal_key"),
            ["c", "b", "a"],
        )

    def test_computation_uses_the_batch_insert(self):
        plan = self._create_plan([{"base": "revenue", "rate": 5}], name="Won")
        lead = self._create_lead(revenue=20_000_000)
        with patch.object(type(self.Line), "create", side_effect=AssertionError("create called")):
            self._win(lead, when=datetime.date(2026, 3, 10))
        line = self._lines(lead)
        self.assertRecordValues(
            line,
            [{"plan_id": plan.id, "amount": 1_000_000, "trigger": "won", "state": "pending"}],
        )
        self.assertEqual(lead.commission_total, 1_000_000)
