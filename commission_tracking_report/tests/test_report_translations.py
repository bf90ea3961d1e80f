from odoo.tests import TransactionCase, tagged

from odoo.addons.commission_tracking.tests.translation_check import missing_vietnamese


@tagged("post_install", "-at_install")
class TestReportVietnamese(TransactionCase):
    def test_every_term_has_a_vietnamese_translation(self):
        missing, broken = missing_vietnamese(self.env, "commission_tracking_report")
        self.assertFalse(missing, "terms without Vietnamese translation in i18n/vi.po")
        self.assertFalse(broken, "translations whose %-placeholders differ from the source")

    def test_analysis_action_opens_pivot_first(self):
        action = self.env.ref("commission_tracking_report.commission_analysis_action")
        self.assertEqual(action.res_model, "commission.analysis")
        self.assertEqual(action.view_ids.mapped("view_mode"), ["pivot", "graph", "list"])
        menu = self.env.ref("commission_tracking_report.menu_commission_analysis")
        self.assertEqual(menu.action, action)
