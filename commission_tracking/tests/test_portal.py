from markupsafe import escape

from odoo import Command, http
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .test_statement import MARCH_FROM, MARCH_TO, StatementCommon

REPORT = "commission_tracking.action_report_commission_statement"


@tagged("post_install", "-at_install")
class TestCommissionPortal(HttpCase, StatementCommon):
    """Payees outside the company (referrers, agencies) follow their commissions in the portal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        portal_values = {
            "groups": "base.group_portal",
            "company_id": cls.company.id,
            "company_ids": [Command.set(cls.company.ids)],
        }
        cls.portal_user = new_test_user(
            cls.env, login="ct_portal_referrer", name="Võ Minh Giới Thiệu", **portal_values
        )
        cls.other_portal_user = new_test_user(
            cls.env, login="ct_portal_other", name="Đối tác Khác", **portal_values
        )
        cls.portal_partner = cls.portal_user.partner_id
        cls.other_partner = cls.other_portal_user.partner_id
        cls.salesperson.commission_payee_id = cls.portal_partner
        cls.salesperson_2.commission_payee_id = cls.other_partner

    def setUp(self):
        super().setUp()
        # 100,000,000 won in March at 5 %: an approved statement of 5,000,000 for the referrer
        self.statement = self._approved()
        # 30,000,000 at 5 % for the other partner: 1,500,000
        self.other_statement = self._approved(revenue=30_000_000, user=self.salesperson_2)
        # a deal won today: 2,000,000 pending, in no statement yet
        self._win(self._create_lead(name="Cơ hội đang chờ", revenue=40_000_000))

    def _portal_get(self, url, login="ct_portal_referrer"):
        self.authenticate(login, login)
        return self.url_open(url, allow_redirects=False)

    def _assert_refused(self, response, *secrets):
        self.assertIn(response.status_code, (403, 404))
        for secret in secrets:
            self.assertNotIn(secret, response.text)

    # ------------------------------------------------------------------
    # What the payee sees
    # ------------------------------------------------------------------
    def test_fixtures(self):
        self.assertEqual(self.statement.partner_id, self.portal_partner)
        self.assertRecordValues(self.statement, [{"state": "approved", "amount_total": 5_000_000}])
        self.assertEqual(self.other_statement.partner_id, self.other_partner)
        self.assertEqual(self.other_statement.amount_total, 1_500_000)

    def test_home_counter(self):
        self.authenticate("ct_portal_referrer", "ct_portal_referrer")
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["commission_statement_count"]}
        )
        self.assertEqual(counters["commission_statement_count"], 1)
        home = self.url_open("/my")
        self.assertEqual(home.status_code, 200)
        self.assertIn('href="/my/commissions"', home.text)

    def test_list_shows_statements_and_totals(self):
        response = self._portal_get("/my/commissions")
        self.assertEqual(response.status_code, 200)
        html = response.text
        self.assertIn(f'href="/my/commissions/{self.statement.id}"', html)
        self.assertIn("5,000,000", html)
        self.assertIn("Approved", html)
        # totals: pending (today's deal), approved (the statement), paid (nothing yet)
        self.assertIn("2,000,000", html)
        self.assertIn("o_commission_total_paid", html)
        # nothing of the other partner
        self.assertNotIn(f"/my/commissions/{self.other_statement.id}", html)
        self.assertNotIn("1,500,000", html)
        self.assertNotIn("Đối tác Khác", html)

    def test_paid_statement(self):
        self.env["res.partner.bank"].create(
            {"acc_number": "0071000654321", "partner_id": self.portal_partner.id}
        )
        self.statement.with_user(self.accountant).action_create_bills()
        self.statement.bill_id.with_user(self.accountant).action_post()
        self._pay(self.statement.bill_id)
        self.assertEqual(self.statement.state, "paid")
        html = self._portal_get("/my/commissions").text
        self.assertIn("Paid", html)
        self.assertIn("04/20/2026", html)  # payment date
        paid_card = html.split("o_commission_total_paid", 1)[1][:400]
        self.assertIn("5,000,000", paid_card)

    def test_detail_shows_lines(self):
        response = self._portal_get(f"/my/commissions/{self.statement.id}")
        self.assertEqual(response.status_code, 200)
        html = response.text
        line = self.statement.line_ids
        self.assertIn("Khách hàng Phương Nam", html)  # customer of the opportunity
        self.assertIn(line.lead_id.name, html)  # the document
        self.assertIn("100,000,000", html)  # base
        self.assertIn("5,000,000", html)  # amount
        self.assertIn("Kế hoạch hoa hồng", html)  # plan name, read as superuser
        first_sentence = line.with_user(self.portal_user).explanation.splitlines()[0]
        self.assertIn(str(escape(first_sentence)), html)
        self.assertIn(f"/my/commissions/{self.statement.id}?report_type=pdf", html)
        # the XLSX link only when the reporting add-on provides the spreadsheet
        if self.statement._portal_xlsx_available():
            self.assertIn(str(escape(self.statement._get_portal_xlsx_url())), html)
        else:
            self.assertNotIn("o_commission_download_xlsx", html)

    def test_pdf_download(self):
        response = self._portal_get(
            f"/my/commissions/{self.statement.id}?report_type=pdf&download=true"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertIn("attachment", response.headers["Content-Disposition"])
        # in tests the report falls back to its HTML: check what it holds
        self.assertIn("5,000,000", response.text)
        self.assertIn("Khách hàng Phương Nam", response.text)

    def test_pdf_rendering(self):
        report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        content, content_type = report._render_qweb_pdf(REPORT, self.statement.ids)
        self.assertEqual(content_type, "pdf")
        self.assertTrue(content.startswith(b"%PDF"))
        html = self.env["ir.actions.report"]._render_qweb_html(REPORT, self.statement.ids)[0]
        html = html.decode()
        self.assertIn("Võ Minh Giới Thiệu", html)
        self.assertIn("5,000,000", html)
        self.assertIn("Trần Quản Lý", html)  # approved by
        # VND has no decimals
        self.assertNotIn("5,000,000.00", html)

    def test_report_printable_by_internal_users(self):
        """An accountant prints it from the form, without reading plans."""
        action = self.env.ref(REPORT)
        self.assertEqual(action.binding_model_id.model, "commission.statement")
        html = (
            self.env["ir.actions.report"]
            .with_user(self.accountant)
            ._render_qweb_html(REPORT, self.statement.ids)[0]
            .decode()
        )
        self.assertIn("Kế hoạch hoa hồng", html)

    def test_vietnamese_portal_and_report(self):
        self.env["res.lang"]._activate_lang("vi_VN")
        self.env["ir.module.module"]._load_module_terms(["commission_tracking"], ["vi_VN"])
        self.portal_partner.lang = "vi_VN"
        self.authenticate("ct_portal_referrer", "ct_portal_referrer")
        html = self.url_open("/my/commissions").text
        for text in ("Hoa hồng của tôi", "Đang chờ xử lý", "Đã duyệt", "Ngày thanh toán"):
            self.assertIn(text, html)
        self.assertIn("5.000.000", html)
        html = self.url_open(f"/my/commissions/{self.statement.id}").text
        for text in ("Bảng kê hoa hồng", "Tải PDF", "Người nhận", "Cơ sở tính", "Cách tính"):
            self.assertIn(text, html)
        report = self.env["ir.actions.report"]._render_qweb_html(REPORT, self.statement.ids)[0]
        for text in ("Bảng kê hoa hồng", "Nguồn / khách hàng", "Kế hoạch / quy tắc", "Tỷ lệ"):
            self.assertIn(text, report.decode())

    # ------------------------------------------------------------------
    # What the payee never sees
    # ------------------------------------------------------------------
    @mute_logger("odoo.http", "werkzeug")
    def test_other_payee_statement_refused(self):
        for url in (
            f"/my/commissions/{self.other_statement.id}",
            f"/my/commissions/{self.other_statement.id}?report_type=pdf",
            f"/my/commissions/{self.other_statement.id}?report_type=pdf&download=true",
            f"/my/commissions/{self.other_statement.id}?report_type=xlsx",
        ):
            with self.subTest(url=url):
                self._assert_refused(self._portal_get(url), "1,500,000", "Đối tác Khác")

    @mute_logger("odoo.http", "werkzeug")
    def test_unknown_statement_refused(self):
        missing_id = self.env["commission.statement"].search([], order="id desc", limit=1).id + 1000
        response = self._portal_get(f"/my/commissions/{missing_id}")
        self._assert_refused(response)
        # the same answer as for an existing statement of someone else
        other = self._portal_get(f"/my/commissions/{self.other_statement.id}")
        self.assertEqual(response.status_code, other.status_code)

    @mute_logger("odoo.http", "werkzeug")
    def test_draft_statement_not_shown(self):
        self.statement.write({"state": "draft"})
        self.assertNotIn(
            "5,000,000", self._portal_get("/my/commissions").text.split("o_commission_totals")[0]
        )
        self._assert_refused(self._portal_get(f"/my/commissions/{self.statement.id}"))

    def test_public_user_redirected_to_login(self):
        self.authenticate(None, None)
        response = self.url_open(f"/my/commissions/{self.statement.id}", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])

    # ------------------------------------------------------------------
    # Access rights (ORM)
    # ------------------------------------------------------------------
    def test_orm_access(self):
        Statement = self.env["commission.statement"].with_user(self.portal_user)
        self.assertEqual(Statement.search([]), self.statement)
        with self.assertRaises(AccessError):
            self.other_statement.with_user(self.portal_user).read(["amount_total"])
        with self.assertRaises(AccessError):
            self.statement.with_user(self.portal_user).write({"state": "paid"})
        lines = self.env["commission.line"].with_user(self.portal_user).search([])
        self.assertEqual(lines.partner_id, self.portal_partner)
        self.assertEqual(sorted(lines.mapped("state")), ["approved", "pending"])
        with self.assertRaises(AccessError):
            self.other_statement.line_ids.with_user(self.portal_user).read(["amount"])
        # plans' configuration stays hidden
        with self.assertRaises(AccessError):
            self.plan.with_user(self.portal_user).read(["name"])
        with self.assertRaises(AccessError):
            self.plan.rule_ids.with_user(self.portal_user).read(["rate"])

    def test_agency_contact_sees_the_agency_statements(self):
        agency = self.env["res.partner"].create({"name": "Đại lý Minh Phát", "is_company": True})
        contact = new_test_user(
            self.env,
            login="ct_portal_agency_contact",
            name="Nhân viên Đại lý",
            groups="base.group_portal",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        colleague = self.env["res.partner"].create({"name": "Đồng nghiệp", "parent_id": agency.id})
        contact.partner_id.parent_id = agency
        Statement = self.env["commission.statement"]
        values = {
            "company_id": self.company.id,
            "currency_id": self.vnd.id,
            "date_from": MARCH_FROM,
            "date_to": MARCH_TO,
            "state": "approved",
        }
        agency_statement = Statement.create({**values, "partner_id": agency.id})
        colleague_statement = Statement.create({**values, "partner_id": colleague.id})
        visible = Statement.with_user(contact).search([])
        self.assertEqual(visible, agency_statement)
        self.assertNotIn(colleague_statement, visible)

    # ------------------------------------------------------------------
    # Disputes from the portal
    # ------------------------------------------------------------------
    def _post_dispute(self, statement, line, message, login="ct_portal_referrer"):
        self.authenticate(login, login)
        return self.url_open(
            f"/my/commissions/{statement.id}/dispute",
            data={
                "line_id": line.id,
                "message": message,
                "csrf_token": http.Request.csrf_token(self),
            },
            allow_redirects=False,
        )

    def test_payee_disputes_a_line_from_the_portal(self):
        line = self.statement.line_ids
        page = self._portal_get(f"/my/commissions/{self.statement.id}")
        self.assertIn("Dispute this line", page.text)
        response = self._post_dispute(self.statement, line, "Thiếu đơn hàng thứ hai")
        self.assertEqual(response.status_code, 303)
        self.assertIn("dispute_sent=1", response.headers["Location"])
        self.assertRecordValues(
            line.dispute_ids, [{"state": "open", "message": "Thiếu đơn hàng thứ hai"}]
        )
        self.assertTrue(line.has_open_dispute)
        self.assertEqual(line.dispute_ids.activity_ids.user_id, self.manager)
        page = self._portal_get(f"/my/commissions/{self.statement.id}?dispute_sent=1")
        self.assertIn("Disputed", page.text)

    def test_portal_dispute_refused_for_others_and_blank(self):
        other_line = self.other_statement.line_ids
        response = self._post_dispute(self.other_statement, other_line, "Không phải của tôi")
        self.assertEqual(response.status_code, 404)
        # a line of another statement smuggled into mine
        response = self._post_dispute(self.statement, other_line, "Không phải của tôi")
        self.assertEqual(response.status_code, 404)
        response = self._post_dispute(self.statement, self.statement.line_ids, "   ")
        self.assertIn("dispute_error=1", response.headers["Location"])
        self.assertFalse(
            self.env["commission.dispute"].search(
                [("line_id", "in", (other_line | self.statement.line_ids).ids)]
            )
        )
