from odoo.tests import TransactionCase, tagged

from .translation_check import missing_vietnamese


@tagged("post_install", "-at_install")
class TestVietnamese(TransactionCase):
    def test_every_term_has_a_vietnamese_translation(self):
        missing, broken = missing_vietnamese(self.env, "commission_tracking")
        self.assertFalse(missing, "terms without Vietnamese translation in i18n/vi.po")
        self.assertFalse(broken, "translations whose %-placeholders differ from the source")

    def test_vietnamese_is_used_at_runtime(self):
        self.env["res.lang"]._activate_lang("vi_VN")
        self.env["ir.module.module"]._load_module_terms(["commission_tracking"], ["vi_VN"])
        env_vi = self.env(context=dict(self.env.context, lang="vi_VN"))
        states = dict(env_vi["commission.line"]._fields["state"]._description_selection(env_vi))
        self.assertEqual(states["pending"], "Đang chờ xử lý")
        self.assertEqual(states["approved"], "Đã duyệt")
        self.assertEqual(states["paid"], "Đã thanh toán")
        menu = env_vi.ref("commission_tracking.menu_commission_root")
        self.assertEqual(menu.name, "Hoa hồng")
