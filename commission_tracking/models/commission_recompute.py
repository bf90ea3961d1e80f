"""Large recomputations in the background.

Recomputing a whole plan over months (after adding salespeople or partners to it, or to catch
up on deals imported without the automation) may touch thousands of (beneficiary, period)
groups: it is queued as a job that a scheduled action processes in batches, committing its
progress after each batch (Odoo's cron progress API). An interrupted run resumes where it
stopped; the job shows what it has done. One plan has at most one job queued or running.
"""

import datetime
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

_logger = logging.getLogger(__name__)

BATCH_GROUPS = 50  # (beneficiary, period) groups computed between two commits


class CommissionRecompute(models.Model):
    _name = "commission.recompute"
    _description = "Commission recomputation"
    _inherit = ["mail.thread"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    plan_id = fields.Many2one(
        "commission.plan",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
        tracking=True,
    )
    company_id = fields.Many2one(related="plan_id.company_id", store=True, index=True)
    date_from = fields.Date(string="From", required=True, tracking=True)
    date_to = fields.Date(string="To", required=True, tracking=True)
    state = fields.Selection(
        selection=[
            ("draft", "Draft"),
            ("queued", "Queued"),
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
            ("cancel", "Cancelled"),
        ],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    group_total = fields.Integer(
        string="Groups", readonly=True, copy=False, help="Beneficiaries × periods to compute."
    )
    group_done = fields.Integer(string="Groups done", readonly=True, copy=False)
    progress = fields.Float(compute="_compute_progress", string="Progress (%)")
    line_count = fields.Integer(
        string="New lines", readonly=True, copy=False, help="Commission lines created."
    )
    date_start = fields.Datetime(string="Started", readonly=True, copy=False)
    date_end = fields.Datetime(string="Finished", readonly=True, copy=False)
    error = fields.Text(readonly=True, copy=False)

    # one job at a time per plan, also between two servers (the database refuses the second)
    _one_active_per_plan = models.UniqueIndex(
        "(plan_id) WHERE state IN ('queued', 'running')",
        "This plan already has a recomputation queued or running: wait for it to finish.",
    )

    @api.depends("plan_id.name", "date_from", "date_to")
    def _compute_name(self):
        for job in self:
            job.name = self.env._(
                "%(plan)s: %(start)s → %(end)s",
                plan=job.plan_id.name or "",
                start=job.date_from or "",
                end=job.date_to or "",
            )

    @api.depends("group_done", "group_total")
    def _compute_progress(self):
        for job in self:
            job.progress = 100.0 * job.group_done / job.group_total if job.group_total else 0.0

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for job in self:
            if job.date_to < job.date_from:
                raise ValidationError(
                    self.env._(
                        "The recomputation ends (%(end)s) before it starts (%(start)s).",
                        start=job.date_from,
                        end=job.date_to,
                    )
                )

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_queue(self):
        """Queue these jobs for the scheduled action (refused while another job of the same
        plan is queued or running)."""
        self.check_access("write")
        for job in self:
            if job.state not in ("draft", "failed", "cancel"):
                raise UserError(
                    self.env._("Only draft, failed or cancelled recomputations can be queued.")
                )
            if not job.plan_id.active:
                raise UserError(
                    self.env._(
                        "Plan “%(plan)s” is archived: its commissions are frozen.",
                        plan=job.plan_id.display_name,
                    )
                )
            busy = self.sudo().search_count(
                [
                    ("plan_id", "=", job.plan_id.id),
                    ("state", "in", ("queued", "running")),
                    ("id", "!=", job.id),
                ],
                limit=1,
            )
            if busy:
                raise UserError(
                    self.env._(
                        "Plan “%(plan)s” already has a recomputation queued or running: wait "
                        "for it to finish.",
                        plan=job.plan_id.display_name,
                    )
                )
        self.sudo().write(
            {"state": "queued", "group_done": 0, "group_total": 0, "line_count": 0, "error": False}
        )
        self.env.ref("commission_tracking.ir_cron_commission_recompute")._trigger()
        return True

    def action_cancel(self):
        self.check_access("write")
        if self.filtered(lambda job: job.state not in ("draft", "queued", "running")):
            raise UserError(self.env._("Only pending recomputations can be cancelled."))
        self.sudo().write({"state": "cancel"})
        return True

    # ------------------------------------------------------------------
    # Processing
    # ------------------------------------------------------------------
    def _groups(self):
        """The (plan, beneficiary, period start) groups of this job, in a stable order."""
        self.ensure_one()
        plan = self.plan_id
        beneficiaries = (
            plan.user_ids.sorted("id")
            if plan.beneficiary_type == "salesperson"
            else plan.partner_ids.sorted("id")
        )
        starts = []
        day = plan._get_period_bounds(self.date_from)[0]
        while day <= self.date_to:
            starts.append(day)
            day = plan._get_period_bounds(day)[1] + datetime.timedelta(days=1)
        return [(plan, who, start) for start in starts for who in beneficiaries]

    @api.model
    def _cron_process(self, batch_size=BATCH_GROUPS, max_batches=None):
        """Process the queued jobs batch by batch; each batch is committed with its progress,
        so an interrupted run resumes at the first group not done."""
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        IrCron = self.env["ir.cron"]
        jobs = self.sudo().search([("state", "in", ("queued", "running"))], order="id")
        remaining_groups = sum(max(len(job._groups()) - job.group_done, 0) for job in jobs)
        if in_cron:
            IrCron._commit_progress(remaining=remaining_groups)
        batches = 0
        for job in jobs:
            # another worker may be on this job: skip it rather than wait
            self.env.cr.execute(
                "SELECT id FROM commission_recompute WHERE id = %s FOR UPDATE SKIP LOCKED",
                [job.id],
            )
            if not self.env.cr.fetchone():
                continue
            groups = job._groups()
            if job.state == "queued":
                job.write(
                    {
                        "state": "running",
                        "group_total": len(groups),
                        "date_start": fields.Datetime.now(),
                    }
                )
            while job.group_done < len(groups):
                if max_batches is not None and batches >= max_batches:
                    return False
                batch = groups[job.group_done : job.group_done + batch_size]
                try:
                    with self.env.cr.savepoint():
                        created = self.env["commission.compute"]._compute_groups(set(batch))
                except Exception as error:  # noqa: BLE001 - reported on the job, never lost
                    _logger.exception("Commission recomputation %s failed", job.display_name)
                    job.write({"state": "failed", "error": str(error)})
                    break
                job.write(
                    {
                        "group_done": job.group_done + len(batch),
                        "line_count": job.line_count + len(created),
                    }
                )
                batches += 1
                if in_cron and IrCron._commit_progress(len(batch)) <= 0:
                    return False  # out of time: the cron runs again at once for the rest
            if job.state == "running":
                job.write({"state": "done", "date_end": fields.Datetime.now()})
                job.message_post(
                    body=self.env._(
                        "Recomputation done: %(groups)s groups, %(lines)s new commission lines.",
                        groups=job.group_total,
                        lines=job.line_count,
                    )
                )
        return True
