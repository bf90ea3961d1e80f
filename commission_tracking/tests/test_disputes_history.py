from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .test_statement import MARCH, StatementCommon


@tagged("post_install", "-at_install")
class TestDisputes(StatementCommon):
    """A salesperson disputes a line; the approver accepts (adjustment) or rejects it."""

    def _dispute(self, line, message="Thiếu đơn hàng thứ hai", user=None):
        return (
            self.env["commission.dispute"]
            .with_user(user or self.salesperson)
            .create({"line_id": line.id, "message": message})
        )

    def test_dispute_blocks_approval_until_resolved(self):
        statement = self._statement()
        line = statement.line_ids
        dispute = self._dispute(line)
        self.assertTrue(line.has_open_dispute)
        self.assertEqual(dispute.activity_ids.user_id, self.manager)
        self.assertTrue(line.message_ids.filtered(lambda m: "Thiếu đơn hàng" in (m.body or "")))
        statement.action_submit()
        with self.assertRaisesRegex(UserError, "open dispute"):
            statement.with_user(self.manager).action_approve()
        self.assertEqual(statement.state, "to_approve")
        # accepted: the corrected amount becomes an adjustment line in the draft statement
        statement.with_user(self.manager).action_open_reject_wizard()
        statement.action_reset_to_draft()
        dispute.with_user(self.manager).corrected_amount = 6_000_000
        dispute.with_user(self.manager).action_accept()
        self.assertRecordValues(dispute, [{"state": "accepted", "resolved_by_id": self.manager.id}])
        self.assertRecordValues(
            dispute.adjustment_line_id,
            [
                {
                    "amount": 1_000_000,
                    "is_adjustment": True,
                    "statement_id": statement.id,
                    "origin_line_id": line.id,
                }
            ],
        )
        self.assertFalse(line.has_open_dispute)
        self.assertEqual(statement.amount_total, 6_000_000)
        statement.action_submit()
        statement.with_user(self.manager).action_approve()
        self.assertEqual(statement.state, "approved")

    def test_adjustment_survives_recomputation(self):
        statement = self._statement()
        line = statement.line_ids
        dispute = self._dispute(line).with_user(self.manager)
        dispute.corrected_amount = 5_500_000
        dispute.action_accept()
        line.lead_id._commission_compute()
        self.assertEqual(dispute.adjustment_line_id.state, "pending")
        self.assertEqual(statement.amount_total, 5_500_000)

    def test_rejection_needs_a_reason(self):
        line = self._statement().line_ids
        dispute = self._dispute(line)
        with self.assertRaisesRegex(UserError, "reason"):
            dispute.with_user(self.manager).action_reject()
        dispute.with_user(self.manager).resolution_note = "Đơn hàng thứ hai thuộc tháng 4"
        dispute.with_user(self.manager).action_reject()
        self.assertEqual(dispute.state, "rejected")
        self.assertFalse(line.has_open_dispute)
        self.assertTrue(dispute.message_ids.filtered(lambda m: "thuộc tháng 4" in (m.body or "")))

    def test_override_approves_despite_disputes(self):
        statement = self._statement()
        self._dispute(statement.line_ids)
        statement.action_submit()
        statement.with_user(self.manager).action_approve_override_disputes()
        self.assertEqual(statement.state, "approved")
        self.assertTrue(
            statement.message_ids.filtered(lambda m: "despite open disputes" in (m.body or ""))
        )

    def test_who_may_dispute_and_resolve(self):
        line = self._statement().line_ids
        with self.assertRaises(AccessError):
            self._dispute(line, user=self.salesperson_2)
        with self.assertRaisesRegex(UserError, "Say what is wrong"):
            self._dispute(line, message="   ")
        dispute = self._dispute(line)
        with self.assertRaises(AccessError):
            dispute.with_user(self.salesperson).action_reject()
        with self.assertRaisesRegex(UserError, "equals the line's amount"):
            dispute.with_user(self.manager).write({"corrected_amount": line.amount})
            dispute.with_user(self.manager).action_accept()
        self.assertEqual(dispute.state, "open")

    def test_cancelled_line_cannot_be_disputed(self):
        line = self._statement().line_ids
        line.lead_id.stage_id = self.env["crm.stage"].search([("is_won", "=", False)], limit=1)
        self.assertEqual(line.state, "cancel")
        with self.assertRaisesRegex(UserError, "pending or approved"):
            self._dispute(line)


@tagged("post_install", "-at_install")
class TestHistoryAndBadInput(StatementCommon):
    """Plan terms never rewrite history; bad input is refused and writes nothing."""

    def test_plan_terms_locked_once_used(self):
        self._win(self._create_lead(revenue=100_000_000), MARCH)
        rule = self.plan.rule_ids
        with self.assertRaisesRegex(UserError, "already has commission lines"):
            rule.write({"rate": 7})
        with self.assertRaisesRegex(UserError, "already has commission lines"):
            self.plan.write({"period": "quarter"})
        with self.assertRaisesRegex(UserError, "already has commission lines"):
            self.plan.write({"rule_ids": [Command.create({"base": "deal", "rate": 1})]})
        self.assertEqual(rule.rate, 5)
        # harmless edits still work, and a copy carries the terms to change
        self.plan.write({"name": "Kế hoạch 2026 (cũ)", "period": "month"})
        copy = self.plan.copy({"name": "Kế hoạch 2026 (mới)"})
        copy.rule_ids.rate = 7
        self.assertEqual(copy.rule_ids.rate, 7)

    def test_archive_plan_with_pending_lines_asks(self):
        self._win(self._create_lead(revenue=100_000_000), MARCH)
        line = self.Line.search([("plan_id", "=", self.plan.id), ("state", "=", "pending")])
        action = self.plan.with_user(self.admin).action_archive()
        self.assertEqual(action["res_model"], "commission.plan.archive")
        self.assertTrue(self.plan.active)
        wizard = Form(
            self.env["commission.plan.archive"]
            .with_user(self.admin)
            .with_context(**action["context"])
        )
        self.assertEqual(wizard.pending_count, 1)
        wizard.pending_policy = "cancel"
        wizard.save().action_archive()
        self.assertFalse(self.plan.active)
        self.assertEqual(line.state, "cancel")

    def test_archive_plan_keeping_pending_lines(self):
        self._win(self._create_lead(revenue=100_000_000), MARCH)
        line = self.Line.search([("plan_id", "=", self.plan.id), ("state", "=", "pending")])
        action = self.plan.action_archive()
        self.env["commission.plan.archive"].with_context(**action["context"]).create(
            {"pending_policy": "keep"}
        ).action_archive()
        self.assertFalse(self.plan.active)
        self.assertEqual(line.state, "pending")

    def test_plan_currency_must_be_company_currency(self):
        usd = self.env.ref("base.USD")
        with self.assertRaisesRegex(ValidationError, "must be in VND"), self.env.cr.savepoint():
            self._create_plan([{"base": "revenue", "rate": 3}], currency_id=usd.id)

    def test_statement_mixing_payees_refused(self):
        statement = self._statement()
        other = self._statement(user=self.salesperson_2)
        with self.assertRaisesRegex(ValidationError, "only hold commission lines of its payee"):
            other.line_ids.sudo().write({"statement_id": statement.id})

    def test_approving_an_empty_statement_refused(self):
        statement = self._statement()
        statement.action_submit()
        statement.line_ids.sudo().write({"statement_id": False})
        with self.assertRaisesRegex(UserError, "no commission line"):
            statement.with_user(self.manager).action_approve()
        self.assertEqual(statement.state, "to_approve")

    def test_billing_an_unapproved_statement_refused(self):
        statement = self._statement()
        with self.assertRaisesRegex(UserError, "Only approved statements"):
            statement.with_user(self.accountant).sudo().action_create_bills()
        self.assertFalse(statement.bill_id)

    def test_statement_period_end_before_start_refused(self):
        wizard = self.env["commission.statement.generate"].create(
            {
                "company_id": self.company.id,
                "date_from": "2026-03-31",
                "date_to": "2026-03-01",
            }
        )
        with self.assertRaisesRegex(UserError, "ends before it starts"):
            wizard.action_generate()

    def test_audit_trail_tracks_amount_and_state(self):
        statement = self._statement()
        line = statement.line_ids
        # Odoo tracks records from the transaction after their creation (a new request)
        self.env.flush_all()
        self.env.cr.precommit.run()
        statement.action_submit()
        statement.with_user(self.manager).action_approve()
        self.env.flush_all()
        self.env.cr.precommit.run()  # tracking values are written at commit time
        tracked = line.message_ids.sudo().tracking_value_ids.mapped("field_id.name")
        self.assertIn("state", tracked)
        statement_tracked = statement.message_ids.sudo().tracking_value_ids.mapped("field_id.name")
        self.assertIn("state", statement_tracked)
        self.assertIn("approved_by_id", statement_tracked)
