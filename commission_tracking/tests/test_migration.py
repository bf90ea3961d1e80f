"""The upgrade to 19.0.1.1.0 keeps the automatic computation off where the old automation rule
had been archived."""

import importlib.util
from pathlib import Path

from odoo.tests import tagged

from .common import CommissionCommon

SCRIPT = Path(__file__).parents[1] / "migrations" / "19.0.1.1.0" / "post-migrate.py"


def _migrate(cr, version):
    spec = importlib.util.spec_from_file_location("commission_post_migrate_19_0_1_1_0", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.migrate(cr, version)


@tagged("post_install", "-at_install")
class TestMigration(CommissionCommon):
    def _old_rule(self, active):
        """The automation rule of 19.0.1.0.0, under its old xmlid."""
        rule = self.env["base.automation"].create(
            {
                "name": "Commissions: compute when an opportunity is won, lost or reopened",
                "model_id": self.env["ir.model"]._get_id("crm.lead"),
                "trigger": "on_create_or_write",
                "active": active,
            }
        )
        self.env["ir.model.data"].create(
            {
                "module": "commission_tracking",
                "name": "automation_compute_commissions_on_won",
                "model": "base.automation",
                "res_id": rule.id,
            }
        )
        self.env.flush_all()
        return rule

    def _settings(self):
        self.env["res.company"].invalidate_model(["commission_compute_on_won"])
        return set(self.env["res.company"].search([]).mapped("commission_compute_on_won"))

    def test_archived_rule_becomes_the_setting_off(self):
        self._old_rule(active=False)
        self.assertEqual(self._settings(), {True})
        _migrate(self.env.cr, "19.0.1.0.0")
        self.assertEqual(self._settings(), {False})

    def test_active_rule_keeps_the_setting_on(self):
        self._old_rule(active=True)
        _migrate(self.env.cr, "19.0.1.0.0")
        self.assertEqual(self._settings(), {True})

    def test_fresh_install_or_no_rule_changes_nothing(self):
        _migrate(self.env.cr, "19.0.1.0.0")
        _migrate(self.env.cr, None)
        self.assertEqual(self._settings(), {True})
