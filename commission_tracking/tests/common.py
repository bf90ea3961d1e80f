import datetime
from contextlib import contextmanager
from unittest.mock import patch

from odoo import Command
from odoo.tests import TransactionCase, new_test_user


class CommissionCommon(TransactionCase):
    """Fixtures shared by the commission tests (and by the end-to-end add-on).

    A Vietnamese company in VND, a sales team led by a manager, two salespeople, products with a
    cost (for margins), and helpers to build plans and win opportunities.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vnd = cls.env.ref("base.VND")
        cls.vnd.active = True
        cls.company = cls.env["res.company"].create(
            {"name": "Công ty Bán Hàng VN", "currency_id": cls.vnd.id}
        )
        cls.env = cls.env(
            context=dict(
                cls.env.context,
                allowed_company_ids=[cls.company.id],
                mail_create_nolog=True,
            )
        )
        user_values = {
            "company_id": cls.company.id,
            "company_ids": [Command.set(cls.company.ids)],
            "tz": "Asia/Ho_Chi_Minh",
        }
        cls.manager = new_test_user(
            cls.env,
            login="ct_manager",
            name="Trần Quản Lý",
            groups="sales_team.group_sale_salesman_all_leads,"
            "commission_tracking.group_commission_manager",
            **user_values,
        )
        cls.salesperson = new_test_user(
            cls.env,
            login="ct_sales_an",
            name="Nguyễn Văn An",
            groups="sales_team.group_sale_salesman",
            **user_values,
        )
        cls.salesperson_2 = new_test_user(
            cls.env,
            login="ct_sales_binh",
            name="Lê Thị Bình",
            groups="sales_team.group_sale_salesman",
            **user_values,
        )
        cls.admin = new_test_user(
            cls.env,
            login="ct_admin",
            name="Commission Admin",
            groups="sales_team.group_sale_manager,commission_tracking.group_commission_admin",
            **user_values,
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Đội bán hàng miền Nam",
                "company_id": cls.company.id,
                "user_id": cls.manager.id,
                "member_ids": [Command.set((cls.salesperson | cls.salesperson_2).ids)],
            }
        )
        cls.categ_software = cls.env["product.category"].create({"name": "Phần mềm"})
        cls.categ_service = cls.env["product.category"].create({"name": "Dịch vụ"})
        cls.product_license = cls.env["product.product"].create(
            {
                "name": "Giấy phép phần mềm",
                "type": "service",
                "list_price": 10_000_000,
                "standard_price": 6_000_000,
                "categ_id": cls.categ_software.id,
                "taxes_id": [Command.clear()],
            }
        )
        cls.product_training = cls.env["product.product"].create(
            {
                "name": "Đào tạo",
                "type": "service",
                "list_price": 5_000_000,
                "standard_price": 1_000_000,
                "categ_id": cls.categ_service.id,
                "taxes_id": [Command.clear()],
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Khách hàng Phương Nam", "company_id": cls.company.id}
        )
        cls.Line = cls.env["commission.line"]

    @classmethod
    def _setup_accounting(cls, accountant_login=None):
        """A chart of accounts (the company stays in VND), its bank journal, and an accountant
        when ``accountant_login`` is given."""
        cls.env["account.chart.template"].try_loading(
            "generic_coa", company=cls.company, install_demo=False
        )
        # the generic chart sets its own currency: the company stays in VND
        cls.company.currency_id = cls.vnd
        cls.bank_journal = cls.env["account.journal"].search(
            [("company_id", "=", cls.company.id), ("type", "=", "bank")], limit=1
        )
        if accountant_login:
            cls.accountant = new_test_user(
                cls.env,
                login=accountant_login,
                name="Kế Toán Hoa",
                groups="account.group_account_invoice",
                company_id=cls.company.id,
                company_ids=[Command.set(cls.company.ids)],
            )

    # ------------------------------------------------------------------
    # Builders
    # ------------------------------------------------------------------
    @classmethod
    def _create_plan(cls, rules, users=None, **values):
        vals = {
            "name": values.pop("name", "Kế hoạch hoa hồng"),
            "company_id": cls.company.id,
            "currency_id": cls.vnd.id,
            "user_ids": [Command.set((users or cls.salesperson).ids)],
            "rule_ids": [Command.create(rule) for rule in rules],
        }
        vals.update(values)
        return cls.env["commission.plan"].create(vals)

    @staticmethod
    def _tiers(*pairs):
        return [
            Command.create({"threshold": threshold, "rate": rate, "sequence": index})
            for index, (threshold, rate) in enumerate(pairs)
        ]

    @classmethod
    def _create_lead(cls, name="Cơ hội", user=None, revenue=0.0, **values):
        vals = {
            "name": name,
            "type": "opportunity",
            "partner_id": cls.customer.id,
            "user_id": (user or cls.salesperson).id,
            "team_id": cls.team.id,
            "company_id": cls.company.id,
            "expected_revenue": revenue,
        }
        vals.update(values)
        return cls.env["crm.lead"].create(vals)

    @classmethod
    def _create_order(cls, lead, lines, confirm=True):
        order = cls.env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "opportunity_id": lead.id,
                "user_id": lead.user_id.id,
                "team_id": lead.team_id.id,
                "company_id": cls.company.id,
                "order_line": [
                    Command.create(
                        {"product_id": product.id, "product_uom_qty": qty, "price_unit": price}
                    )
                    for product, qty, price in lines
                ],
            }
        )
        if confirm:
            order.action_confirm()
        return order

    @staticmethod
    def _win(lead, when=None):
        """Win the opportunity; ``when`` (a date) back-dates the win to noon, Vietnam time."""
        lead.action_set_won()
        if when:
            # noon in Ho Chi Minh City is 05:00 UTC
            lead.date_closed = datetime.datetime.combine(when, datetime.time(5, 0))
        return lead

    @contextmanager
    def _spy_computations(self):
        """Record the computations run inside the block: the keyword arguments (``leads``,
        ``orders``, ``moves``, ``customers``) of each ``_compute_for_sources`` call."""
        Compute = type(self.env["commission.compute"])
        original = Compute._compute_for_sources
        calls = []

        def spy(compute, **sources):
            calls.append(sources)
            return original(compute, **sources)

        with patch.object(Compute, "_compute_for_sources", spy):
            yield calls

    def _lines(self, lead, wanted=("pending", "approved", "paid")):
        return self.Line.search([("lead_id", "=", lead.id), ("state", "in", list(wanted))])
