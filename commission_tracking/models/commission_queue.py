"""Automatic computations deferred to the background.

A company that computes its commissions in the background (Settings) does not compute them in
the transaction that wins an opportunity, confirms an order or posts an invoice: the source is
queued here and a scheduled action, triggered at once, computes everything queued in batches
(one computation per batch: the salespeople's periods are recomputed once for all their new
deals), committing its progress after each batch. The person who clicked "Won" does not wait.
"""

import logging
from collections import defaultdict

import psycopg2

from odoo import api, fields, models
from odoo.tools import SQL

from .commission_compute import PRERENDER_KEY

_logger = logging.getLogger(__name__)

BATCH_SOURCES = 1000  # queued sources computed together between two commits
# Bus notification to the users who queued opportunities, once these are computed: their open
# opportunity forms reload (static/src/js/lead_form_refresh.js)
COMPUTED_NOTIFICATION = "commission_tracking/computed"

QUEUED_MODELS = [
    ("crm.lead", "Opportunity"),
    ("sale.order", "Sales order"),
    ("account.move", "Invoice"),
    ("res.partner", "Referred customer"),
]
# commission.compute._compute_for_sources argument of each model
SOURCE_ARGS = {
    "crm.lead": "leads",
    "sale.order": "orders",
    "account.move": "moves",
    "res.partner": "customers",
}


class CommissionQueue(models.Model):
    _name = "commission.queue"
    _description = "Commission computation in the background"
    _order = "id"

    kind = fields.Selection(
        [("compute", "Compute"), ("notify", "Notify the salesperson")],
        required=True,
        default="compute",
        readonly=True,
    )
    res_model = fields.Selection(
        QUEUED_MODELS, string="Document type", required=True, readonly=True
    )
    res_id = fields.Many2oneReference(
        string="Source ID", model_field="res_model", required=True, readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    error = fields.Text(
        readonly=True,
        help="Why this source could not be computed; it waits aside until an administrator "
        "retries it.",
    )

    _source_index = models.Index("(res_model, res_id)")

    @api.depends("res_model", "res_id")
    def _compute_display_name(self):
        for entry in self:
            record = self.env[entry.res_model].sudo().browse(entry.res_id).exists()
            entry.display_name = record.display_name if record else f"#{entry.res_id}"

    def action_retry(self):
        """Put failed entries back in the queue (after their cause was fixed)."""
        self.check_access("write")
        self.filtered("error").write({"error": False})
        self._trigger_cron()
        return True

    @api.model
    def _trigger_cron(self):
        # the id from the cached xmlid, without the existence query of ``env.ref`` at each win
        cron_id = self.env["ir.model.data"]._xmlid_to_res_id(
            "commission_tracking.ir_cron_commission_queue"
        )
        self.env["ir.cron"].sudo().browse(cron_id)._trigger()

    # ------------------------------------------------------------------
    # Queueing
    # ------------------------------------------------------------------
    @api.model
    def _source_company(self, record):
        if record._name == "crm.lead":
            return record.company_id or record.user_id.company_id or self.env.company
        if record._name == "res.partner":
            return self.env.company
        return record.company_id

    @api.model
    def _enqueue(self, sources):
        """Queue the sources of the companies that compute in the background.

        ``sources``: {model name: recordset}. Returns the same dict with the sources left to
        compute now.
        """
        companies = {
            model: [self._source_company(record).sudo() for record in records]
            for model, records in sources.items()
        }
        if not any(
            company.commission_compute_in_background
            for model_companies in companies.values()
            for company in model_companies
        ):
            return dict(sources)  # the usual case: everything is computed now
        vals_list = []
        now = {}
        for model, records in sources.items():
            keep_ids = []
            queued = self._queued_ids(model, records.ids)
            for record, company in zip(records, companies[model], strict=True):
                if not company.commission_compute_in_background:
                    keep_ids.append(record.id)
                elif record.id not in queued:  # already waiting: computed once
                    vals_list.append(
                        {"res_model": model, "res_id": record.id, "company_id": company.id}
                    )
            now[model] = records.browse(keep_ids)
        if vals_list:
            self.sudo().create(vals_list)
            self._trigger_cron()
        return now

    @api.model
    def _enqueue_notifications(self, leads):
        """Queue the commission e-mail of these opportunities for the scheduled action.

        One ``INSERT`` for all of them: a computation of thousands of opportunities queues
        thousands of e-mails, and ``create`` cost a tenth of such a computation. The rows are
        those ``create`` writes (nothing is computed from a queue row, nothing is cached)."""
        if not leads:
            return
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO commission_queue
                       (kind, res_model, res_id, company_id,
                        create_uid, create_date, write_uid, write_date)
                SELECT 'notify', 'crm.lead', source.res_id, source.company_id,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(res_ids)s::int[], %(company_ids)s::int[])
                       AS source(res_id, company_id)
                """,
                uid=self.env.uid,
                now=self.env.cr.now(),
                res_ids=leads.ids,
                company_ids=[self._source_company(lead).id for lead in leads],
            )
        )
        self._trigger_cron()

    @api.model
    def _queued_ids(self, model, ids):
        """The ids among ``ids`` of ``model`` waiting for their computation."""
        if not ids:
            return set()
        self.flush_model()
        self.env.cr.execute(
            SQL(
                "SELECT res_id FROM commission_queue "
                "WHERE kind = 'compute' AND res_model = %s AND res_id = ANY(%s) "
                "AND error IS NULL",
                model,
                list(ids),
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    # ------------------------------------------------------------------
    # Processing
    # ------------------------------------------------------------------
    @api.model
    def _cron_process(self, batch_size=BATCH_SOURCES, max_batches=None):
        """Compute what is queued, batch by batch; each batch is committed with its progress,
        so an interrupted run resumes with what is still queued. Two workers share the queue
        (``FOR UPDATE SKIP LOCKED``): neither waits for the other's rows."""
        in_cron = bool(self.env.context.get("ir_cron_progress_id"))
        IrCron = self.env["ir.cron"]
        if in_cron:
            IrCron._commit_progress(remaining=self.search_count([("error", "=", False)]))
        batches = 0
        while True:
            if max_batches is not None and batches >= max_batches:
                return not self.search_count([("error", "=", False)], limit=1)
            self.flush_model()
            self.env.cr.execute(
                SQL(
                    "SELECT id, res_model, res_id, kind FROM commission_queue "
                    "WHERE error IS NULL "
                    # computations first: they may queue e-mails
                    "ORDER BY kind = 'notify', id LIMIT %s FOR UPDATE SKIP LOCKED",
                    batch_size,
                )
            )
            rows = self.env.cr.fetchall()
            if not rows:
                return True
            compute_rows = [row[:3] for row in rows if row[3] == "compute"]
            if compute_rows:
                self._process_rows(compute_rows)
            notify_rows = [row[:3] for row in rows if row[3] == "notify"]
            if notify_rows:
                self._notify_rows(notify_rows)
            batches += 1
            if in_cron and IrCron._commit_progress(len(rows)) <= 0:
                return False  # out of time: the cron runs again at once for the rest

    def _sources_of(self, rows):
        ids = defaultdict(set)
        for _queue_id, model, res_id in rows:
            ids[model].add(res_id)
        return {
            SOURCE_ARGS[model]: self.env[model].sudo().browse(sorted(res_ids)).exists()
            for model, res_ids in ids.items()
        }

    def _process_rows(self, rows):
        compute = self.env["commission.compute"]
        failed = set()
        try:
            with self.env.cr.savepoint():
                compute._compute_for_sources(**self._sources_of(rows))
        except psycopg2.OperationalError:
            raise  # concurrency (serialization, lock): the whole run is retried by Odoo
        except Exception:  # noqa: BLE001  # pylint: disable=broad-except
            # one bad source must not block the others: compute them one by one and keep
            # the failing ones, with their error, out of the queue's way
            _logger.warning("Queued commission computation failed; retrying one by one")
            for row in rows:
                try:
                    with self.env.cr.savepoint():
                        compute._compute_for_sources(**self._sources_of([row]))
                except psycopg2.OperationalError:
                    raise
                except Exception as error:  # noqa: BLE001  # pylint: disable=broad-except
                    _logger.exception("Commission computation of %s,%s failed", row[1], row[2])
                    self.sudo().browse(row[0]).error = str(error) or repr(error)
                    failed.add(row[0])
        processed = self.sudo().browse([row[0] for row in rows])
        self._announce_computed(
            (entry.create_uid.id, entry.res_model, entry.res_id) for entry in processed
        )
        processed.filtered(lambda entry: entry.id not in failed).unlink()

    @api.model
    def _announce_computed(self, entries):
        """Tell the users who queued these opportunities that they are computed (or set aside
        with an error): their open forms reload, the banner goes and the lines show.

        ``entries``: (user id, model, record id) of the queue entries done."""
        leads_by_user = defaultdict(list)
        for user_id, model, res_id in entries:
            if model == "crm.lead" and user_id:
                leads_by_user[user_id].append(res_id)
        for user_id, lead_ids in leads_by_user.items():
            self.env["res.users"].sudo().browse(user_id)._bus_send(
                COMPUTED_NOTIFICATION, {"lead_ids": sorted(set(lead_ids))}
            )

    @api.model
    def _dequeue(self, model, ids):
        """Remove the queued computations of these records, computed meanwhile by other
        means (the *Compute commissions* button); those a running job holds are left to it."""
        if not ids:
            return
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                DELETE FROM commission_queue
                 WHERE id IN (
                        SELECT id FROM commission_queue
                         WHERE kind = 'compute' AND res_model = %s AND res_id = ANY(%s)
                           AND error IS NULL
                           FOR UPDATE SKIP LOCKED)
                RETURNING create_uid, res_model, res_id
                """,
                model,
                list(ids),
            )
        )
        done = self.env.cr.fetchall()
        if done:
            self.invalidate_model()
            self._announce_computed(done)

    def _notify_rows(self, rows):
        """Post the queued commission e-mails (rendered now: the amounts are the current
        ones). A mail problem is logged by ``_send_template`` and never blocks the queue."""
        leads = self.env["crm.lead"].sudo().browse(sorted({row[2] for row in rows})).exists()
        compute = self.env["commission.compute"]
        template = "commission_tracking.mail_template_commission_computed"
        compute._prerender_template(leads, template)
        try:
            compute._send_template(leads.with_context(mail_notify_force_send=False), template)
        finally:
            self.env.cr.cache.pop(PRERENDER_KEY, None)
        self.sudo().browse([row[0] for row in rows]).unlink()
