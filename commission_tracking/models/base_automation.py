import itertools

from odoo import models

# Context key: while automation rules run, the opportunities whose commissions the shipped rule
# asks for are collected (in the cursor's cache, under this key's value) and computed once,
# together, when the rules are done.
COMMISSION_BATCH_KEY = "commission_automation_batch"
_tokens = itertools.count(1)


def commission_batch(env):
    """The list collecting the opportunity ids of the running automation batch, or None."""
    token = env.context.get(COMMISSION_BATCH_KEY)
    if not token:
        return None
    return env.cr.cache.get(COMMISSION_BATCH_KEY, {}).get(token)


class BaseAutomation(models.Model):
    _inherit = "base.automation"

    def _process(self, records, domain_post=None):
        """Compute the commissions asked for by one run of automation rules in one batch.

        ``base.automation`` runs its server action once per record: winning 1,000 opportunities
        at once would compute 1,000 times the same salespeople's periods. The shipped action
        calls ``crm.lead._commission_compute``, which, inside this method, only collects the
        opportunities; they are computed here, once, after the rule has run on all of them.
        Nested runs (a rule triggered by another one) add to the outermost batch.
        """
        if commission_batch(self.env) is not None:
            return super()._process(records, domain_post=domain_post)
        # a token, not the list itself, in the context: environments are shared between equal
        # contexts, and two empty lists are equal
        token = next(_tokens)
        batches = self.env.cr.cache.setdefault(COMMISSION_BATCH_KEY, {})
        batch = batches[token] = []
        try:
            result = super(
                BaseAutomation, self.with_context(**{COMMISSION_BATCH_KEY: token})
            )._process(records, domain_post=domain_post)
        finally:
            batches.pop(token, None)
        if batch:
            leads = self.env["crm.lead"].browse(list(dict.fromkeys(batch)))
            leads.with_context(**{COMMISSION_BATCH_KEY: False})._commission_compute()
        return result
