import base64
import logging

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

_logger = logging.getLogger(__name__)


class CrmTeam(models.Model):
    _inherit = "crm.team"

    commission_report_partner_ids = fields.Many2many(
        "res.partner",
        relation="crm_team_commission_report_partner_rel",
        column1="team_id",
        column2="partner_id",
        string="Commission report recipients",
        help="Receive the team's monthly commission workbook. Empty: the team leader.",
    )

    def _commission_report_recipients(self):
        self.ensure_one()
        return self.commission_report_partner_ids or self.user_id.partner_id

    def _commission_report_env_user(self):
        """Build the workbook with the leader's rights when they manage commissions (the
        workbook then holds exactly what the leader may see), else as superuser."""
        self.ensure_one()
        leader = self.user_id
        if leader and leader.has_group("commission_tracking.group_commission_manager"):
            return leader
        return None

    @api.model
    def _cron_send_commission_reports(self, today=None):
        """E-mail each team's recipients the commission workbook of the last closed month."""
        date_from, date_to = self.env["commission.statement"]._last_closed_month(today)
        teams = self.search([("user_id", "!=", False)]) | self.search(
            [("commission_report_partner_ids", "!=", False)]
        )
        teams = teams.filtered(
            lambda team: (team.company_id or self.env.company).commission_team_report_mail
        )
        mails = self.env["mail.mail"]
        for team in teams:
            try:
                with self.env.cr.savepoint():
                    mails |= team._commission_send_report(date_from, date_to)
            except (UserError, AccessError, ValueError):
                _logger.exception("Commission report of team %s could not be sent", team.name)
        return mails

    def _commission_send_report(self, date_from, date_to):
        """Queue the e-mail with the team's workbook; nothing when the team earned nothing."""
        self.ensure_one()
        recipients = self._commission_report_recipients().filtered("email")
        if not recipients:
            return self.env["mail.mail"]
        company = self.company_id or self.env.company
        lang = recipients[:1].lang or self.user_id.lang or self.env.lang
        user = self._commission_report_env_user()
        Analysis = (
            self.env["commission.analysis"]
            .with_company(company)
            .with_context(lang=lang, allowed_company_ids=company.ids)
        )
        Analysis = Analysis.with_user(user) if user else Analysis.sudo()
        domain = Analysis._period_workbook_domain(date_from, date_to, self)
        if not Analysis.search_count(domain):
            return self.env["mail.mail"]
        content = Analysis._generate_period_workbook(date_from, date_to, self)
        filename = Analysis._period_workbook_filename(date_from, date_to, self)
        attachment = self.env["ir.attachment"].create(
            {
                "name": filename,
                "datas": base64.b64encode(content),
                "res_model": self._name,
                "res_id": self.id,
                "mimetype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        )
        env = self.with_context(lang=lang).env
        subject = env._(
            "Commission report %(team)s: %(date_from)s → %(date_to)s",
            team=self.name,
            date_from=date_from,
            date_to=date_to,
        )
        body = Markup("<p>%s</p>") % env._(
            "The commission analysis of %(team)s from %(date_from)s to %(date_to)s is attached: "
            "one sheet per salesperson, product, partner and month, and every line.",
            team=self.name,
            date_from=date_from,
            date_to=date_to,
        )
        return (
            self.env["mail.mail"]
            .sudo()
            .create(
                {
                    "subject": subject,
                    "body_html": body,
                    "email_from": company.email_formatted or self.env.user.email_formatted,
                    "recipient_ids": [fields.Command.set(recipients.ids)],
                    "attachment_ids": [fields.Command.set(attachment.ids)],
                    "model": self._name,
                    "res_id": self.id,
                    "auto_delete": True,
                }
            )
        )
