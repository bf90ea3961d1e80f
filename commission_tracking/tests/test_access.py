"""Who reads and changes what: roles, record rules, multi-company, and the side doors (grouped
totals, exports, name search, related fields on documents, RPC, server actions).

Every check runs as the user (``with_user``) on fresh recordsets with an empty cache, so the ORM
cache never hides an access check. Record rules filter searches and aggregates silently: the
"no leak" proof compares totals with what the user may see. Reading a forbidden record raises.
"""

import datetime

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.service.model import call_kw
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .test_statement import MARCH, MARCH_FROM, MARCH_TO, StatementCommon

MONEY_FIELDS = ["name", "amount", "user_id", "state"]


class AccessCommon(StatementCommon):
    """Two teams of one company, each with its plan, lines and statements.

    - team (led by ``manager``): An (5 % plan, 100M → 5M, draft statement), Bình (5 % plan,
      40M → 2M, approved statement), the manager himself (2 % plan, 50M → 1M, draft statement);
    - other team (led by ``other_manager``): Chi (marginal tiers 3 % then 4 % from 100M,
      200M → 7M, statement to approve).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        user_values = {
            "company_id": cls.company.id,
            "company_ids": [Command.set(cls.company.ids)],
            "tz": "Asia/Ho_Chi_Minh",
        }
        cls.other_manager = new_test_user(
            cls.env,
            login="ct_other_leader",
            name="Phạm Trưởng Nhóm",
            groups="sales_team.group_sale_salesman_all_leads,"
            "commission_tracking.group_commission_manager",
            **user_values,
        )
        cls.salesperson_3 = new_test_user(
            cls.env,
            login="ct_sales_chi",
            name="Đỗ Thị Chi",
            groups="sales_team.group_sale_salesman",
            **user_values,
        )
        cls.plain_user = new_test_user(
            cls.env, login="ct_plain", name="Nhân Viên", groups="base.group_user", **user_values
        )
        cls.portal_user = new_test_user(
            cls.env, login="ct_portal", name="Cổng Khách", groups="base.group_portal", **user_values
        )
        (
            cls.salesperson
            | cls.salesperson_2
            | cls.salesperson_3
            | cls.manager
            | cls.other_manager
            | cls.admin
            | cls.accountant
            | cls.plain_user
            | cls.portal_user
        ).write({"group_ids": [Command.link(cls.env.ref("base.group_allow_export").id)]})
        cls.other_team = cls.env["crm.team"].create(
            {
                "name": "Đội bán hàng miền Bắc",
                "company_id": cls.company.id,
                "user_id": cls.other_manager.id,
                "member_ids": [Command.set(cls.salesperson_3.ids)],
            }
        )
        cls.manager_plan = cls._create_plan(
            [{"base": "revenue", "rate": 2}], users=cls.manager, name="Kế hoạch trưởng nhóm"
        )
        cls.other_plan = cls._create_plan(
            [
                {
                    "base": "revenue",
                    "tier_mode": "marginal",
                    "tier_ids": cls._tiers((0, 3), (100_000_000, 4)),
                }
            ],
            users=cls.salesperson_3,
            name="Kế hoạch miền Bắc",
        )
        cls.lead_an = cls._win(cls._create_lead("Deal An", revenue=100_000_000), MARCH)
        cls.lead_binh = cls._win(
            cls._create_lead("Deal Bình", user=cls.salesperson_2, revenue=40_000_000), MARCH
        )
        cls.lead_mgr = cls._win(
            cls._create_lead("Deal Quản Lý", user=cls.manager, revenue=50_000_000), MARCH
        )
        cls.lead_chi = cls._win(
            cls._create_lead(
                "Deal Chi",
                user=cls.salesperson_3,
                revenue=200_000_000,
                team_id=cls.other_team.id,
            ),
            MARCH,
        )
        Statement = cls.env["commission.statement"]
        statements = Statement._generate_statements(
            cls.company, MARCH_FROM, MARCH_TO, Statement._gather_lines(cls.company, MARCH_TO)
        )
        by_user = {statement.user_id: statement for statement in statements}
        cls.st_an = by_user[cls.salesperson]
        cls.st_binh = by_user[cls.salesperson_2]
        cls.st_mgr = by_user[cls.manager]
        cls.st_chi = by_user[cls.salesperson_3]
        cls.st_binh.action_submit()
        cls.st_binh.with_user(cls.manager).action_approve()
        cls.st_chi.action_submit()
        cls.line_an = cls.st_an.line_ids
        cls.line_binh = cls.st_binh.line_ids
        cls.line_mgr = cls.st_mgr.line_ids
        cls.line_chi = cls.st_chi.line_ids
        # every line of the company: the statements' lines, and the first computation of each
        # deal (made on the day it was won, cancelled when the win was back-dated to March)
        cls.all_lines = cls.env["commission.line"].search([("company_id", "=", cls.company.id)])
        cls.all_statements = cls.st_an | cls.st_binh | cls.st_mgr | cls.st_chi
        cls.all_plans = cls.plan | cls.manager_plan | cls.other_plan

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _as(self, user, model):
        """A fresh, empty recordset of ``model`` for ``user``, with an empty cache."""
        self.env.invalidate_all()
        return self.env[model].with_user(user)

    def _assert_sees_exactly(self, user, expected, universe, fname="display_name", by_name=True):
        """``user`` finds exactly ``expected`` among ``universe`` (all of the company's records)
        through every read API, and gets an AccessError on each record of ``universe`` they
        may not see. ``fname`` is the field read; ``by_name`` includes ``name_search``."""
        model = universe._name
        expected_ids = sorted(expected.ids)
        Model = self._as(user, model)
        self.assertEqual(sorted(Model.search([]).ids), expected_ids, f"search {user.login}")
        self.assertEqual(Model.search_count([]), len(expected), f"search_count {user.login}")
        rows = self._as(user, model).search_read([], [fname])
        self.assertEqual(sorted(row["id"] for row in rows), expected_ids)
        if by_name:
            names = self._as(user, model).name_search("", limit=1000)
            self.assertEqual(sorted(record_id for record_id, _name in names), expected_ids)
        rows = self._as(user, model).browse(expected.ids).read([fname])
        self.assertEqual(sorted(row["id"] for row in rows), expected_ids)
        for record in universe - expected:
            with self.assertRaises(AccessError, msg=f"{user.login} reads {record}"):
                self._as(user, model).browse(record.id).read([fname])
            with self.assertRaises(AccessError, msg=f"{user.login} exports {record}"):
                self._as(user, model).browse(record.id).export_data([fname])

    def _lines_of(self, *users):
        return self.all_lines.filtered(lambda line: line.user_id in users)

    def _assert_money(self, user, model, field, expected_records):
        """Totals computed as ``user`` (grouped or not) are those of ``expected_records``."""
        expected_total = sum(expected_records.mapped(field))
        [(total, count)] = self._as(user, model)._read_group([], [], [f"{field}:sum", "__count"])
        self.assertEqual((total, count), (expected_total, len(expected_records)), user.login)
        [group] = self._as(user, model).formatted_read_group([], [], [f"{field}:sum"])
        self.assertEqual(group[f"{field}:sum"], expected_total, user.login)
        per_user = self._as(user, model).formatted_read_group(
            [], ["user_id"], [f"{field}:sum", "__count"]
        )
        self.assertEqual(
            {group["user_id"][0]: group[f"{field}:sum"] for group in per_user},
            {
                salesperson.id: sum(
                    expected_records.filtered_domain([("user_id", "=", salesperson.id)]).mapped(
                        field
                    )
                )
                for salesperson in expected_records.user_id
            },
            user.login,
        )
        export = self._as(user, model).search([]).export_data([field])["datas"]
        self.assertEqual(sum(row[0] for row in export), expected_total, user.login)

    def _assert_no_access_at_all(self, user, records):
        """No access right: every call raises, even the ones that would return nothing."""
        model = records._name
        for call in (
            lambda Model: Model.search([]),
            lambda Model: Model.search_count([]),
            lambda Model: Model.search_read([], ["display_name"]),
            lambda Model: Model.name_search(""),
            lambda Model: Model.formatted_read_group([], [], ["__count"]),
            lambda Model: Model.browse(records.ids).read(["display_name"]),
            lambda Model: Model.browse(records.ids).export_data(["display_name"]),
        ):
            with self.assertRaises(AccessError, msg=f"{user.login} on {model}"):
                call(self._as(user, model))


@tagged("post_install", "-at_install")
class TestAccessRoles(AccessCommon):
    """Own / team / all, and the accountants, on lines, statements and plans."""

    def test_fixture_amounts(self):
        self.assertEqual(len(self.all_lines), 8)
        self.assertEqual(
            self.all_lines.filtered(lambda line: line.state != "cancel"),
            self.line_an | self.line_binh | self.line_mgr | self.line_chi,
        )
        self.assertRecordValues(
            (self.line_an | self.line_binh | self.line_mgr | self.line_chi).sorted("amount"),
            [
                {"user_id": self.manager.id, "team_id": self.team.id, "amount": 1_000_000},
                {"user_id": self.salesperson_2.id, "team_id": self.team.id, "amount": 2_000_000},
                {"user_id": self.salesperson.id, "team_id": self.team.id, "amount": 5_000_000},
                {
                    "user_id": self.salesperson_3.id,
                    "team_id": self.other_team.id,
                    "amount": 7_000_000,
                },
            ],
        )
        self.assertEqual(
            self.all_statements.mapped("state"), ["draft", "approved", "draft", "to_approve"]
        )
        self.assertEqual(self.st_chi.team_id, self.other_team)

    def test_groups_imply_each_other(self):
        user_group = self.env.ref("commission_tracking.group_commission_user")
        manager_group = self.env.ref("commission_tracking.group_commission_manager")
        admin_group = self.env.ref("commission_tracking.group_commission_admin")
        self.assertEqual(
            (user_group | manager_group | admin_group).privilege_id.name, "Commissions"
        )
        self.assertEqual(len((user_group | manager_group | admin_group).privilege_id), 1)
        self.assertIn(user_group, manager_group.implied_ids)
        self.assertIn(manager_group, admin_group.implied_ids)
        self.assertTrue(self.admin.has_group("commission_tracking.group_commission_user"))
        self.assertFalse(self.manager.has_group("commission_tracking.group_commission_admin"))
        # sales users get the User role by default; accountants and other employees do not
        newcomer = new_test_user(
            self.env,
            login="ct_newcomer",
            groups="sales_team.group_sale_salesman",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.assertTrue(newcomer.has_group("commission_tracking.group_commission_user"))
        self.assertFalse(newcomer.has_group("commission_tracking.group_commission_manager"))
        self.assertFalse(self.accountant.has_group("commission_tracking.group_commission_user"))
        self.assertFalse(self.plain_user.has_group("commission_tracking.group_commission_user"))

    # ------------------------------------------------------------------
    # Lines
    # ------------------------------------------------------------------
    def test_lines_per_role(self):
        expected = {
            self.salesperson: self._lines_of(self.salesperson),
            self.salesperson_2: self._lines_of(self.salesperson_2),
            self.salesperson_3: self._lines_of(self.salesperson_3),
            self.manager: self._lines_of(self.salesperson, self.salesperson_2, self.manager),
            self.other_manager: self._lines_of(self.salesperson_3),
            self.admin: self.all_lines,
        }
        self.assertEqual(len(expected[self.manager]), 6)  # cancelled first computations too
        for user, lines in expected.items():
            with self.subTest(user=user.login):
                self._assert_sees_exactly(user, lines, self.all_lines)
                self._assert_money(user, "commission.line", "amount", lines)
        # accountants: the lines of approved statements only (for display_name and name_search,
        # see test_accountant_reads_line_names)
        self._assert_sees_exactly(
            self.accountant, self.line_binh, self.all_lines, fname="name", by_name=False
        )
        self._assert_money(self.accountant, "commission.line", "amount", self.line_binh)

    def test_line_totals_do_not_leak(self):
        active = [("state", "!=", "cancel")]
        everything = self.env["commission.line"].search(
            [("company_id", "=", self.company.id), *active]
        )
        self.assertEqual(sum(everything.mapped("amount")), 15_000_000)
        [(mine,)] = self._as(self.salesperson, "commission.line")._read_group(
            active, [], ["amount:sum"]
        )
        self.assertEqual(mine, 5_000_000)
        [(team,)] = self._as(self.manager, "commission.line")._read_group(
            active, [], ["amount:sum"]
        )
        self.assertEqual(team, 8_000_000)
        # filtering explicitly on somebody else's lines finds nothing, it does not reveal them
        [(count, total)] = self._as(self.salesperson, "commission.line")._read_group(
            [("user_id", "=", self.salesperson_3.id)], [], ["__count", "amount:sum"]
        )
        self.assertEqual((count, total), (0, 0.0))
        self.assertEqual(
            self._as(self.manager, "commission.line").search_count(
                [("team_id", "=", self.other_team.id)]
            ),
            0,
        )

    def test_salesperson_cannot_create_edit_approve_or_delete_lines(self):
        Line = self._as(self.salesperson, "commission.line")
        with self.assertRaises(AccessError):
            Line.browse(self.line_an.id).write({"amount": 9_000_000})
        with self.assertRaises(AccessError):
            Line.browse(self.line_an.id).action_approve()
        with self.assertRaises(AccessError):
            Line.browse(self.line_an.id).unlink()
        with self.assertRaises(AccessError):
            Line.create(
                {
                    "name": "Tự thưởng",
                    "is_adjustment": True,
                    "adjustment_reason": "Tự thưởng",
                    "user_id": self.salesperson.id,
                    "company_id": self.company.id,
                    "currency_id": self.vnd.id,
                    "date": MARCH,
                    "period_start": MARCH_FROM,
                    "amount": 1_000_000,
                }
            )
        self.assertRecordValues(self.line_an, [{"amount": 5_000_000, "state": "pending"}])

    def test_manager_approves_team_lines_only(self):
        pending = self.line_an
        self.st_an.action_cancel()  # the line goes back to the pool, out of any statement
        self.assertRecordValues(pending, [{"statement_id": False, "state": "pending"}])
        self.env["commission.line"].browse(pending.id).with_user(self.manager).action_approve()
        self.assertEqual(pending.state, "approved")
        # not their own line
        self.st_mgr.action_cancel()
        self.assertRecordValues(self.line_mgr, [{"statement_id": False, "state": "pending"}])
        with self.assertRaises(AccessError):
            self._as(self.manager, "commission.line").browse(self.line_mgr.id).action_approve()
        # not another team's line: they cannot even read it
        with self.assertRaises(AccessError):
            self._as(self.manager, "commission.line").browse(self.line_chi.id).action_approve()
        with self.assertRaises(AccessError):
            self._as(self.other_manager, "commission.line").browse(pending.id).read(["amount"])
        self.assertEqual(self.line_mgr.state, "pending")
        self.assertEqual(self.line_chi.state, "pending")

    def test_locked_line_refused_through_rpc(self):
        locked = self.line_binh  # approved, in an approved statement
        self.assertEqual(locked.state, "approved")
        Line = self.env["commission.line"]

        def rpc(user, method, line, *args):
            self.env.invalidate_all()
            return call_kw(Line.with_user(user), method, [line.ids, *args], {})

        # what was earned never changes, whoever asks: the administrator is told why, the
        # others may not write it at all
        for vals in ({"amount": 1}, {"rate": 50}, {"user_id": self.salesperson.id}):
            with self.assertRaisesRegex(UserError, "cannot be changed", msg=str(vals)):
                rpc(self.admin, "write", locked, vals)
            for user in (self.manager, self.salesperson_2, self.accountant):
                with self.assertRaises(AccessError, msg=user.login):
                    rpc(user, "write", locked, vals)
        # the team leader cannot unlock it either: no status change, no reset, no unlinking
        # from its statement
        for vals in ({"state": "pending"}, {"statement_id": False}, {"payment_date": MARCH}):
            with self.assertRaises(AccessError, msg=str(vals)):
                rpc(self.manager, "write", locked, vals)
        with self.assertRaises(AccessError):
            rpc(self.manager, "action_reset_to_pending", locked)
        with self.assertRaises(AccessError):
            rpc(self.salesperson_2, "write", locked, {"state": "pending"})
        with self.assertRaises(AccessError):
            rpc(self.salesperson_2, "unlink", locked)
        # under review (statement submitted) is locked as well
        self.st_an.with_user(self.salesperson).action_submit()
        with self.assertRaisesRegex(UserError, "cannot be changed"):
            rpc(self.admin, "write", self.line_an, {"amount": 1})
        with self.assertRaises(AccessError):
            rpc(self.manager, "write", self.line_an, {"amount": 1})
        with self.assertRaises(AccessError):
            rpc(self.manager, "action_approve", self.line_an)
        self.env.invalidate_all()
        self.assertRecordValues(
            locked | self.line_an,
            [
                {"amount": 2_000_000, "state": "approved", "statement_id": self.st_binh.id},
                {"amount": 5_000_000, "state": "pending", "statement_id": self.st_an.id},
            ],
        )

    # ------------------------------------------------------------------
    # Statements
    # ------------------------------------------------------------------
    def test_statements_per_role(self):
        expected = {
            self.salesperson: self.st_an,
            self.salesperson_2: self.st_binh,
            self.salesperson_3: self.st_chi,
            self.manager: self.st_an | self.st_binh | self.st_mgr,
            self.other_manager: self.st_chi,
            self.admin: self.all_statements,
            self.accountant: self.st_binh,
        }
        for user, statements in expected.items():
            with self.subTest(user=user.login):
                self._assert_sees_exactly(user, statements, self.all_statements)
                self._assert_money(user, "commission.statement", "amount_total", statements)

    def test_salesperson_cannot_create_edit_approve_or_delete_statements(self):
        Statement = self._as(self.salesperson, "commission.statement")
        mine = Statement.browse(self.st_an.id)
        with self.assertRaises(AccessError):
            mine.write({"date_to": datetime.date(2026, 4, 30)})
        with self.assertRaises(AccessError):
            mine.unlink()
        with self.assertRaises(AccessError):
            Statement.create(
                {
                    "partner_id": self.salesperson.partner_id.id,
                    "user_id": self.salesperson.id,
                    "date_from": MARCH_FROM,
                    "date_to": MARCH_TO,
                }
            )
        with self.assertRaises(AccessError):
            self.env["commission.adjustment"].with_user(self.salesperson).create(
                {"statement_id": self.st_an.id, "amount": 1_000_000, "reason": "Thưởng"}
            )
        mine.action_submit()
        with self.assertRaisesRegex(UserError, "own commission"):
            self._as(self.salesperson, "commission.statement").browse(
                self.st_an.id
            ).action_approve()
        # somebody else's statement: not even readable
        with self.assertRaises(AccessError):
            self._as(self.salesperson, "commission.statement").browse(
                self.st_chi.id
            ).action_approve()
        self.assertEqual((self.st_an | self.st_chi).mapped("state"), ["to_approve", "to_approve"])
        self.assertEqual(self.st_an.amount_total, 5_000_000)

    def test_manager_handles_team_statements_only(self):
        self.st_an.with_user(self.salesperson).action_submit()
        self._as(self.manager, "commission.statement").browse(self.st_an.id).action_approve()
        self.assertEqual(self.st_an.state, "approved")
        # another team's statement to approve: invisible, so neither approved nor rejected
        Other = self._as(self.manager, "commission.statement").browse(self.st_chi.id)
        with self.assertRaises(AccessError):
            Other.action_approve()
        with self.assertRaises(AccessError):
            self._as(self.manager, "commission.statement").browse(self.st_chi.id).action_reject(
                "Không"
            )
        with self.assertRaises(AccessError):
            self._as(self.manager, "commission.statement").browse(
                self.st_chi.id
            ).action_reset_to_draft()
        self.assertEqual(self.st_chi.state, "to_approve")
        # their own statement: read, but never handled by themselves
        Own = self._as(self.manager, "commission.statement").browse(self.st_mgr.id)
        self.assertEqual(Own.amount_total, 1_000_000)
        with self.assertRaises(AccessError):
            Own.action_cancel()
        with self.assertRaises(AccessError):
            self._as(self.manager, "commission.statement").browse(self.st_mgr.id).write(
                {"date_to": datetime.date(2026, 4, 30)}
            )
        with self.assertRaises(AccessError):
            self._as(self.manager, "commission.statement").browse(self.st_mgr.id).unlink()
        self.assertEqual(self.st_mgr.state, "draft")
        # statements created by hand: for their team's salespeople only
        Statement = self._as(self.manager, "commission.statement")
        for salesperson in (self.salesperson_3, self.manager):
            with self.assertRaises(AccessError, msg=salesperson.login):
                Statement.create(
                    {
                        "partner_id": salesperson.partner_id.id,
                        "user_id": salesperson.id,
                        "date_from": datetime.date(2026, 4, 1),
                        "date_to": datetime.date(2026, 4, 30),
                    }
                )
        created = Statement.create(
            {
                "partner_id": self.salesperson_2.partner_id.id,
                "user_id": self.salesperson_2.id,
                "date_from": datetime.date(2026, 4, 1),
                "date_to": datetime.date(2026, 4, 30),
            }
        )
        self.assertEqual(created.team_id, self.team)

    def test_manager_adds_adjustments_to_team_statements_only(self):
        Adjustment = self.env["commission.adjustment"].with_user(self.manager)
        Adjustment.create(
            {"statement_id": self.st_an.id, "amount": 500_000, "reason": "Thưởng quý"}
        ).action_add()
        self.assertEqual(self.st_an.amount_total, 5_500_000)
        for statement in (self.st_mgr, self.st_chi):
            wizard = Adjustment.create(
                {"statement_id": statement.id, "amount": 9_000_000, "reason": "Tự thưởng"}
            )
            with self.assertRaises(AccessError, msg=statement.display_name):
                wizard.action_add()
        self.assertEqual(self.st_mgr.amount_total, 1_000_000)
        self.assertEqual(self.st_chi.amount_total, 7_000_000)
        self.assertEqual(
            self.env["commission.line"].search_count(
                [("is_adjustment", "=", True), ("company_id", "=", self.company.id)]
            ),
            1,
        )

    # ------------------------------------------------------------------
    # Accountants
    # ------------------------------------------------------------------
    def test_accountant_bills_approved_statements(self):
        Statement = self._as(self.accountant, "commission.statement")
        approved = Statement.browse(self.st_binh.id)
        [values] = approved.read(
            ["name", "partner_id", "user_id", "amount_total", "line_ids", "state", "currency_id"]
        )
        self.assertEqual(values["amount_total"], 2_000_000)
        self.assertEqual(values["line_ids"], self.line_binh.ids)
        [line] = (
            self._as(self.accountant, "commission.line")
            .browse(self.line_binh.id)
            .read(["name", "amount", "base_amount", "rate", "plan_id", "rule_id", "state"])
        )
        self.assertEqual(line["plan_id"], (self.plan.id, self.plan.display_name))
        self.assertEqual((line["amount"], line["rate"]), (2_000_000, 5))
        approved.action_create_bills()
        self.assertEqual(self.st_binh.state, "billed")
        self.assertEqual(self.st_binh.bill_id.amount_total, 2_000_000)
        self.assertIn(self.plan.name, self.st_binh.bill_id.invoice_line_ids.name)
        # statements not approved yet cannot be billed
        self.st_an.with_user(self.salesperson).action_submit()
        with self.assertRaises(AccessError):
            self._as(self.accountant, "commission.statement").browse(
                self.st_an.id
            ).action_create_bills()
        self.assertFalse(self.st_an.bill_id)

    def test_accountant_reads_line_names(self):
        """Accountants read lines' names (with the rule's name) without reading plans."""
        [line] = (
            self._as(self.accountant, "commission.line")
            .browse(self.line_binh.id)
            .read(["display_name"])
        )
        self.assertEqual(line["display_name"], self.line_binh.display_name)
        names = self._as(self.accountant, "commission.line").name_search("")
        self.assertEqual([record_id for record_id, _name in names], self.line_binh.ids)

    def test_accountant_never_writes_paid_statements(self):
        self.st_binh.with_user(self.accountant).action_create_bills()
        bill = self.st_binh.bill_id
        bill.with_user(self.accountant).action_post()
        self._pay(bill)
        self.assertEqual(self.st_binh.state, "paid")
        Paid = self._as(self.accountant, "commission.statement").browse(self.st_binh.id)
        self.assertEqual(Paid.amount_total, 2_000_000)
        with self.assertRaises(AccessError):
            Paid.write({"payment_date": datetime.date(2027, 1, 1)})
        self.assertEqual(self.st_binh.payment_date, datetime.date(2026, 4, 20))

    def test_accountant_sees_no_plan_configuration(self):
        for model in ("commission.plan", "commission.rule", "commission.rule.tier"):
            with self.subTest(model=model):
                records = {
                    "commission.plan": self.all_plans,
                    "commission.rule": self.all_plans.rule_ids,
                    "commission.rule.tier": self.all_plans.rule_ids.tier_ids,
                }[model]
                self._assert_no_access_at_all(self.accountant, records)

    # ------------------------------------------------------------------
    # Plans, rules and tiers
    # ------------------------------------------------------------------
    def test_plans_per_role(self):
        expected = {
            self.salesperson: self.plan,
            self.salesperson_3: self.other_plan,
            # plans covering themselves or the members of the team they lead
            self.manager: self.plan | self.manager_plan,
            self.other_manager: self.other_plan,
            self.admin: self.all_plans,
        }
        for user, plans in expected.items():
            with self.subTest(user=user.login):
                self._assert_sees_exactly(user, plans, self.all_plans)
                self._assert_sees_exactly(user, plans.rule_ids, self.all_plans.rule_ids)
                self._assert_sees_exactly(
                    user, plans.rule_ids.tier_ids, self.all_plans.rule_ids.tier_ids
                )
                [(count,)] = self._as(user, "commission.plan")._read_group([], [], ["__count"])
                self.assertEqual(count, len(plans))

    def test_salesperson_reads_own_plan_summary(self):
        [plan] = (
            self._as(self.salesperson, "commission.plan")
            .browse(self.plan.id)
            .read(["summary", "line_count", "rule_ids"])
        )
        self.assertIn("Covers: Lê Thị Bình, Nguyễn Văn An.", plan["summary"])
        self.assertIn("5.00 % of revenue", plan["summary"])
        # their own lines (the March one and the cancelled first computation), not Bình's
        self.assertEqual(plan["line_count"], 2)
        self.assertEqual(plan["rule_ids"], self.plan.rule_ids.ids)
        self.env.invalidate_all()
        self.assertEqual(self.plan.line_count, 4)
        # another plan's tiers stay hidden
        with self.assertRaises(AccessError):
            self._as(self.salesperson, "commission.plan").browse(self.other_plan.id).read(
                ["summary"]
            )
        tier = self.other_plan.rule_ids.tier_ids[:1]
        self.assertEqual(len(tier), 1)
        with self.assertRaises(AccessError):
            self._as(self.salesperson, "commission.rule.tier").browse(tier.id).read(["rate"])

    def test_only_admins_change_plans(self):
        for user in (self.salesperson, self.manager):
            with self.assertRaises(AccessError, msg=user.login):
                self._as(user, "commission.plan").browse(self.plan.id).write({"name": "Mới"})
            with self.assertRaises(AccessError, msg=user.login):
                self._as(user, "commission.rule").browse(self.plan.rule_ids.id).write(
                    {"name": "Mới"}
                )
        self._as(self.admin, "commission.plan").browse(self.plan.id).write({"name": "Mới"})
        self.assertEqual(self.plan.name, "Mới")

    def test_removed_salesperson_still_reads_past_lines(self):
        self.plan.user_ids = [Command.unlink(self.salesperson_2.id)]
        [line] = (
            self._as(self.salesperson_2, "commission.line")
            .browse(self.line_binh.id)
            .read(["display_name", "amount", "plan_id", "rule_id"])
        )
        self.assertEqual(line["amount"], 2_000_000)
        self.assertEqual(line["display_name"], self.line_binh.display_name)
        # the plan that paid them stays readable
        plan = self._as(self.salesperson_2, "commission.plan").browse(self.plan.id)
        self.assertNotIn("Lê Thị Bình", plan.summary)

    # ------------------------------------------------------------------
    # No access at all
    # ------------------------------------------------------------------
    def test_plain_employee_has_no_access(self):
        for records in (self.all_lines, self.all_statements, self.all_plans):
            with self.subTest(model=records._name):
                self._assert_no_access_at_all(self.plain_user, records)

    def test_portal_user_has_no_access(self):
        self._assert_no_access_at_all(self.portal_user, self.all_plans)
        for records in (self.all_lines, self.all_statements):
            with self.subTest(model=records._name):
                Model = self._as(self.portal_user, records._name)
                if Model.has_access("read"):
                    # portal payees may read their own commissions: none of these are theirs
                    self.assertFalse(Model.search([]))
                    self.assertEqual(Model._read_group([], [], ["__count"]), [(0,)])
                    for record in records:
                        with self.assertRaises(AccessError):
                            self._as(self.portal_user, records._name).browse(record.id).read(
                                ["display_name"]
                            )
                else:
                    self._assert_no_access_at_all(self.portal_user, records)


@tagged("post_install", "-at_install")
class TestAccessDocuments(AccessCommon):
    """The commission fields of opportunities, orders and invoices follow the lines' rules."""

    def test_related_fields_show_visible_lines_only(self):
        lead = self._create_lead("Deal chia đôi", revenue=0)
        order = self._create_order(lead, [(self.product_license, 2, 10_000_000)])
        self._win(lead)
        own = self.env["commission.line"].search([("lead_id", "=", lead.id)])
        self.assertRecordValues(
            own, [{"user_id": self.salesperson.id, "order_id": order.id, "amount": 1_000_000}]
        )
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_user_id": self.salesperson.id,
                "company_id": self.company.id,
                "invoice_line_ids": [
                    Command.create({"product_id": self.product_license.id, "price_unit": 1})
                ],
            }
        )
        own.move_id = invoice
        # Bình shares the deal: a line of hers on the same opportunity, order and invoice
        shared = self.env["commission.line"].create(
            {
                "name": "Deal chia đôi (Bình)",
                "plan_id": self.plan.id,
                "rule_id": self.plan.rule_ids.id,
                "user_id": self.salesperson_2.id,
                "partner_id": self.salesperson_2.partner_id.id,
                "team_id": self.team.id,
                "company_id": self.company.id,
                "currency_id": self.vnd.id,
                "lead_id": lead.id,
                "order_id": order.id,
                "move_id": invoice.id,
                "date": own.date,
                "period_start": own.period_start,
                "amount": 400_000,
            }
        )
        fields = ["commission_line_ids", "commission_total", "commission_count"]
        cases = [
            (self.salesperson, own, 1_000_000),
            (self.manager, own | shared, 1_400_000),
            (self.admin, own | shared, 1_400_000),
            # reads every opportunity of the company, but none of these commissions
            (self.other_manager, shared.browse(), 0.0),
        ]
        for user, lines, total in cases:
            for record in (lead, order, invoice):
                with self.subTest(user=user.login, model=record._name):
                    [values] = self._as(user, record._name).browse(record.id).read(fields)
                    self.assertEqual(sorted(values["commission_line_ids"]), sorted(lines.ids))
                    self.assertEqual(values["commission_total"], total)
                    self.assertEqual(values["commission_count"], len(lines))
                    [row] = self._as(user, record._name).search_read(
                        [("id", "=", record.id)], ["commission_total"]
                    )
                    self.assertEqual(row["commission_total"], total)
                    [exported] = (
                        self._as(user, record._name)
                        .browse(record.id)
                        .export_data(["commission_total", "commission_count"])["datas"]
                    )
                    self.assertEqual(exported, [total, len(lines)])
        # the salesperson of the shared line cannot open the opportunity of somebody else
        with self.assertRaises(AccessError):
            self._as(self.salesperson_2, "crm.lead").browse(lead.id).read(fields)
        # accountants read the invoice, not the commissions earned on it
        [values] = self._as(self.accountant, "account.move").browse(invoice.id).read(fields)
        self.assertEqual(values["commission_total"], 0.0)  # no approved statement holds them
        self.assertEqual(values["commission_line_ids"], [])


@tagged("post_install", "-at_install")
class TestAccessServerAction(AccessCommon):
    """Computing commissions from the opportunities needs the right to read them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.limited_manager = new_test_user(
            cls.env,
            login="ct_limited_manager",
            name="Quản Lý Hạn Chế",
            groups="sales_team.group_sale_salesman,commission_tracking.group_commission_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        # a plan added after the deals were won: the deals earn on it only when recomputed
        cls.late_plan = cls._create_plan(
            [{"base": "deal", "rate": 300_000}],
            users=cls.salesperson | cls.salesperson_2,
            name="Thưởng mỗi hợp đồng",
        )

    def _run(self, xmlid, user, leads):
        action = self.env.ref(xmlid).with_user(user)
        self.env.invalidate_all()
        return action.with_context(
            active_model="crm.lead", active_ids=leads.ids, active_id=leads[:1].id
        ).run()

    def _late_lines(self):
        return self.env["commission.line"].search([("plan_id", "=", self.late_plan.id)])

    @mute_logger("odoo.addons.base.models.ir_actions")
    def test_server_action_needs_read_access(self):
        manual = "commission_tracking.action_server_compute_commissions"
        # a salesperson cannot run the managers' action at all
        with self.assertRaises(AccessError):
            self._run(manual, self.salesperson, self.lead_an)
        # a manager who cannot read An's opportunity cannot compute it
        with self.assertRaises(AccessError):
            self._run(manual, self.limited_manager, self.lead_an)
        self.assertFalse(self._late_lines())
        # the automation's action either: it asks for write access on the opportunities
        automation = "commission_tracking.action_server_compute_commissions_automation"
        with self.assertRaises(AccessError):
            self._run(automation, self.salesperson_2, self.lead_an)
        with self.assertRaises(AccessError):
            call_kw(
                self.env["crm.lead"].with_user(self.salesperson_2),
                "action_compute_commissions",
                [self.lead_an.ids],
                {},
            )
        with self.assertRaises(AccessError):
            call_kw(
                self.env["crm.lead"].with_user(self.manager),
                "_commission_compute",
                [self.lead_an.ids],
                {},
            )
        self.assertFalse(self._late_lines())
        # a readable opportunity is computed, and only that one
        self._run(manual, self.manager, self.lead_an)
        self.assertRecordValues(
            self._late_lines(), [{"lead_id": self.lead_an.id, "amount": 300_000}]
        )
        call_kw(
            self.env["crm.lead"].with_user(self.salesperson_2),
            "action_compute_commissions",
            [self.lead_binh.ids],
            {},
        )
        self.assertEqual(self._late_lines().lead_id, self.lead_an | self.lead_binh)


@tagged("post_install", "-at_install")
class TestAccessMultiCompany(AccessCommon):
    """Nothing crosses companies; a user of two companies sees each one's data under it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create(
            {"name": "Chi nhánh Hà Nội", "currency_id": cls.vnd.id}
        )
        (cls.salesperson | cls.manager | cls.admin).write(
            {"company_ids": [Command.link(cls.company_b.id)]}
        )
        env_b = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company_b.ids))
        cls.plan_b = (
            env_b["commission.plan"]
            .create(
                {
                    "name": "Kế hoạch Hà Nội",
                    "company_id": cls.company_b.id,
                    "currency_id": cls.vnd.id,
                    "user_ids": [Command.set(cls.salesperson.ids)],
                    "rule_ids": [Command.create({"base": "revenue", "rate": 10})],
                }
            )
            .with_env(cls.env)
        )
        lead_b = env_b["crm.lead"].create(
            {
                "name": "Deal Hà Nội",
                "type": "opportunity",
                "user_id": cls.salesperson.id,
                "team_id": False,
                "company_id": cls.company_b.id,
                "expected_revenue": 30_000_000,
            }
        )
        cls._win(lead_b, MARCH)
        Statement = env_b["commission.statement"]
        cls.st_b = Statement._generate_statements(
            cls.company_b,
            MARCH_FROM,
            MARCH_TO,
            Statement._gather_lines(cls.company_b, MARCH_TO),
        ).with_env(cls.env)
        cls.line_b = cls.st_b.line_ids

    def _in(self, user, model, companies):
        return self._as(user, model).with_context(allowed_company_ids=companies.ids)

    def test_fixture(self):
        self.assertRecordValues(
            self.line_b,
            [
                {
                    "company_id": self.company_b.id,
                    "amount": 3_000_000,
                    "user_id": self.salesperson.id,
                }
            ],
        )
        self.assertEqual(self.st_b.company_id, self.company_b)

    def test_each_company_under_its_own_name(self):
        both = self.company | self.company_b
        cases = [
            ("commission.line", self.line_an, self.line_b),
            ("commission.statement", self.st_an, self.st_b),
            ("commission.plan", self.plan, self.plan_b),
            ("commission.rule", self.plan.rule_ids, self.plan_b.rule_ids),
        ]
        for user in (self.salesperson, self.admin):
            for model, record_a, record_b in cases:
                with self.subTest(user=user.login, model=model):
                    found_a = self._in(user, model, self.company).search(
                        [("id", "in", (record_a | record_b).ids)]
                    )
                    self.assertEqual(found_a.ids, record_a.ids)
                    found_b = self._in(user, model, self.company_b).search(
                        [("id", "in", (record_a | record_b).ids)]
                    )
                    self.assertEqual(found_b.ids, record_b.ids)
                    found = self._in(user, model, both).search(
                        [("id", "in", (record_a | record_b).ids)]
                    )
                    self.assertEqual(sorted(found.ids), sorted((record_a | record_b).ids))
                    with self.assertRaises(AccessError):
                        self._in(user, model, self.company).browse(record_b.id).read(
                            ["display_name"]
                        )
                    with self.assertRaises(AccessError):
                        self._in(user, model, self.company_b).browse(record_a.id).read(
                            ["display_name"]
                        )
        active = [("state", "!=", "cancel")]
        for companies, total in (
            (self.company, 5_000_000),
            (self.company_b, 3_000_000),
            (both, 8_000_000),
        ):
            Line = self._in(self.salesperson, "commission.line", companies)
            [(amount,)] = Line._read_group(active, [], ["amount:sum"])
            self.assertEqual(amount, total, companies.mapped("name"))
            [group] = Line.formatted_read_group(active, [], ["amount:sum"])
            self.assertEqual(group["amount:sum"], total)

    def test_users_of_one_company_never_see_the_other(self):
        # the manager leads no team in the second company and sees nothing of it
        self.assertFalse(self._in(self.manager, "commission.line", self.company_b).search([]))
        for user in (self.salesperson_2, self.accountant, self.other_manager):
            with self.subTest(user=user.login):
                with self.assertRaises(AccessError):
                    self._as(user, "commission.line").browse(self.line_b.id).read(["amount"])
                with self.assertRaises(AccessError):
                    self._as(user, "commission.statement").browse(self.st_b.id).read(
                        ["amount_total"]
                    )
                self.assertNotIn(self.line_b, self._as(user, "commission.line").search([]))


@tagged("post_install", "-at_install")
class TestWorkflowFieldsOverRpc(StatementCommon):
    """Workflow fields change only through the actions: never by a plain write over RPC."""

    def test_manager_cannot_write_state_directly(self):
        self.company.commission_double_approval_amount = 1_000_000
        statement = self._statement()
        statement.action_submit()
        with self.assertRaisesRegex(UserError, "only through its buttons"):
            statement.with_user(self.manager).write({"state": "approved"})
        with self.assertRaisesRegex(UserError, "only through its buttons"):
            statement.with_user(self.admin).write({"approved_by_id": self.admin.id})
        self.assertEqual(statement.state, "to_approve")

    def test_manager_cannot_rewrite_a_pending_line(self):
        line = self._statement().line_ids
        with self.assertRaisesRegex(UserError, "change only through their buttons"):
            line.with_user(self.manager).write({"amount": 99_000_000})
        with self.assertRaisesRegex(UserError, "change only through their buttons"):
            line.with_user(self.admin).write({"state": "paid"})
        self.assertEqual(line.amount, 5_000_000)
        self.assertEqual(line.state, "pending")

    def test_generation_wizard_shows_only_my_teams(self):
        other_team_user = new_test_user(
            self.env,
            login="ct_other_team_sales",
            groups="sales_team.group_sale_salesman",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.env["crm.team"].create(
            {
                "name": "Đội miền Bắc",
                "company_id": self.company.id,
                "member_ids": [Command.set(other_team_user.ids)],
            }
        )
        self.plan.sudo().write({"user_ids": [Command.link(other_team_user.id)]})
        lead = self._create_lead(revenue=100_000_000, user=other_team_user, team_id=False)
        self._win(lead, MARCH)
        self._win(self._create_lead(revenue=100_000_000), MARCH)
        wizard = (
            self.env["commission.statement.generate"]
            .with_user(self.manager)
            .create({"company_id": self.company.id, "date_from": MARCH_FROM, "date_to": MARCH_TO})
        )
        self.assertEqual(wizard.line_count, 1)
        self.assertNotIn("ct_other_team_sales", wizard.preview)
