import datetime
import io

import openpyxl
from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from odoo.addons.commission_tracking.tests.common import CommissionCommon

MARCH = datetime.date(2026, 3, 10)
MARCH_FROM, MARCH_TO = datetime.date(2026, 3, 1), datetime.date(2026, 3, 31)
TIERS = ((0, 3), (100_000_000, 5), (500_000_000, 7))


@tagged("post_install", "-at_install")
@freeze_time("2026-05-15")
class TestSimulator(CommissionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plan = cls._create_plan(
            [
                {
                    "name": "Bậc thang",
                    "base": "revenue",
                    "tier_mode": "marginal",
                    "tier_ids": cls._tiers(*TIERS),
                }
            ],
            users=cls.salesperson | cls.salesperson_2,
        )
        cls._win(cls._create_lead(revenue=400_000_000), MARCH)
        cls._win(cls._create_lead(revenue=200_000_000), MARCH + datetime.timedelta(days=3))
        cls._win(cls._create_lead(revenue=50_000_000, user=cls.salesperson_2), MARCH)

    def _wizard(self, user=None):
        form = Form(self.env["commission.simulator"].with_user(user or self.manager))
        form.plan_id = self.plan
        form.date_from = MARCH_FROM
        form.date_to = MARCH_TO
        return form

    def test_unchanged_plan_equals_engine_and_earned(self):
        lines_before = self.env["commission.line"].search_count([])
        wizard = self._wizard().save()
        wizard.action_simulate()
        engine = self.env["commission.compute"]._simulate_plan(self.plan, MARCH_FROM, MARCH_TO)
        expected = {
            (who.display_name, start): float(result.total)
            for (who, start), result in engine.items()
        }
        got = {(r.name, r.period_start): r.simulated_amount for r in wizard.result_ids}
        self.assertEqual(got, expected)
        # the marginal example of the brief: 3 % of 100M + 5 % of 400M + 7 % of 100M = 30M
        self.assertRecordValues(
            wizard.result_ids.sorted("name"),
            [
                {
                    "name": "Lê Thị Bình",
                    "actual_amount": 1_500_000,
                    "simulated_amount": 1_500_000,
                    "deal_count": 1,
                },
                {
                    "name": "Nguyễn Văn An",
                    "actual_amount": 30_000_000,
                    "simulated_amount": 30_000_000,
                    "deal_count": 2,
                },
            ],
        )
        self.assertEqual(wizard.difference_total, 0)
        self.assertEqual(self.env["commission.line"].search_count([]), lines_before)

    def test_changed_rates_write_nothing(self):
        lines = self.env["commission.line"].search([])
        snapshot = lines.read(["amount", "state", "rate"])
        form = self._wizard()
        with form.rule_ids.edit(0) as rule:
            with rule.tier_ids.edit(2) as tier:
                tier.rate = 10  # the top tier at 10 % instead of 7 %
        wizard = form.save()
        wizard.action_simulate()
        an = wizard.result_ids.filtered(lambda r: r.user_id == self.salesperson)
        # 3M + 20M + 10 % of 100M = 33M
        self.assertRecordValues(an, [{"actual_amount": 30_000_000, "simulated_amount": 33_000_000}])
        self.assertEqual(an.difference_amount, 3_000_000)
        engine_rules = wizard._engine_rules()
        engine = self.env["commission.compute"]._simulate_plan(
            self.plan, MARCH_FROM, MARCH_TO, rules=engine_rules
        )
        self.assertEqual(float(engine[(self.salesperson, MARCH_FROM)].total), 33_000_000)
        # nothing written: plan terms and lines unchanged
        self.assertEqual(self.plan.rule_ids.tier_ids.sorted("threshold").mapped("rate"), [3, 5, 7])
        self.assertEqual(self.env["commission.line"].search([]), lines)
        self.assertEqual(lines.read(["amount", "state", "rate"]), snapshot)

    def test_export_xlsx(self):
        wizard = self._wizard().save()
        with self.assertRaises(UserError):
            wizard.action_export_xlsx()
        wizard.action_simulate()
        action = wizard.action_export_xlsx()
        self.assertIn("/web/content/", action["url"])
        book = openpyxl.load_workbook(io.BytesIO(wizard._generate_xlsx()), data_only=True)
        sheet = book.active
        rows = [row for row in sheet.iter_rows(values_only=True) if row and row[0] == "Total"]
        self.assertEqual(rows[0][3:6], (31_500_000, 31_500_000, 0))
        formulas = openpyxl.load_workbook(io.BytesIO(wizard._generate_xlsx())).active
        self.assertTrue(
            any(
                str(cell.value).startswith("=SUM(E") for row in formulas.iter_rows() for cell in row
            )
        )

    def test_errors(self):
        form = self._wizard()
        form.date_to = datetime.date(2026, 12, 31)
        with self.assertRaises(ValidationError):
            form.save()
        form = self._wizard()
        with form.rule_ids.edit(0) as rule:
            rule.rate = -1
        wizard = form.save()
        with self.assertRaises(UserError):
            wizard.action_simulate()
        with self.assertRaises(AccessError):
            self.env["commission.simulator"].with_user(self.salesperson).create(
                {"plan_id": self.plan.id, "date_from": MARCH_FROM, "date_to": MARCH_TO}
            )
