"""Human explanations of the structured steps.

Every English sentence is written as a literal ``_("... %(name)s ...") % {...}`` where ``_`` is the
translator passed by the caller (Odoo's ``self.env._`` inside Odoo), so that Odoo's translation
exporter, which extracts ``_("...")`` calls from every Python file of the add-on, finds them.
``money`` and ``number`` receive the value as a string (``'600000000'``) and return its display.
"""

# ``_`` is the one-argument translator injected by the caller (SPEC.md), not ``odoo._``: the
# contract requires the ``_("... %(x)s ...") % {...}`` form, which pylint-odoo cannot know.
# pylint: disable=translation-not-lazy,prefer-env-translation

MONEY_BASES = ("revenue", "margin")


def _identity(text):
    return text


class _Render:
    """Formatting helpers bound to one translator and two value formatters."""

    def __init__(self, _, money, number):
        self._ = _
        self.money = money
        self.number = number

    def base_value(self, params, value):
        """Display a value in the rule's base unit: money for revenue/margin, else a number."""
        if params.get("base_type") in MONEY_BASES:
            return self.money(value)
        return self.number(value)

    def rate(self, params):
        """Display a rate: ``3 %`` for percent rules, ``50,000 per deal`` for fixed ones."""
        _ = self._
        rate = params.get("rate", "0")
        if params.get("rate_type") == "percent":
            return _("%(rate)s %%") % {"rate": self.number(rate)}
        base_type = params.get("base_type")
        if base_type == "deal":
            return _("%(rate)s per deal") % {"rate": self.money(rate)}
        if base_type == "referral":
            return _("%(rate)s per referral") % {"rate": self.money(rate)}
        return _("%(rate)s per unit") % {"rate": self.money(rate)}


def _base_revenue(r, p):
    _ = r._
    values = {"base": r.money(p["base"])}
    if p.get("source") == "invoice":
        return _("Base: revenue of the invoice line %(base)s") % values
    if p.get("source") == "payment":
        return _("Base: revenue paid by this payment %(base)s") % values
    if p.get("filtered"):
        return _("Base: revenue of matching order lines %(base)s") % values
    return _("Base: revenue of the order lines %(base)s") % values


def _base_fallback(r, p):
    _ = r._
    return _("Base: expected revenue of the opportunity %(base)s (no order lines)") % {
        "base": r.money(p["base"])
    }


def _base_margin(r, p):
    _ = r._
    values = {"base": r.money(p["base"])}
    if p.get("source") == "invoice":
        return _("Base: margin of the invoice line %(base)s") % values
    if p.get("source") == "payment":
        return _("Base: margin paid by this payment %(base)s") % values
    if p.get("filtered"):
        return _("Base: margin of matching order lines %(base)s") % values
    return _("Base: margin of the order lines %(base)s") % values


def _base_quantity(r, p):
    _ = r._
    values = {"base": r.number(p["base"])}
    if p.get("source") == "invoice":
        return _("Base: quantity of the invoice line %(base)s") % values
    if p.get("source") == "payment":
        return _("Base: quantity paid by this payment %(base)s") % values
    if p.get("filtered"):
        return _("Base: quantity of matching order lines %(base)s") % values
    return _("Base: quantity of the order lines %(base)s") % values


def _base_deal(r, p):
    _ = r._
    values = {"base": r.number(p["base"])}
    if p.get("source") in ("invoice", "payment"):
        return _("Base: deals %(base)s") % values
    if not p.get("filtered"):
        return _("Base: won deals %(base)s") % values
    if p.get("base") == "0":
        return _("Base: no order line matches the rule's products or categories")
    return _("Base: won deals with a matching order line %(base)s") % values


def _share(r, p):
    _ = r._
    return _("Credit split: %(share)s %% of the deal's base %(full)s") % {
        "share": r.number(p["share"]),
        "full": r.base_value(p, p["full_base"]),
    }


def _base_referral(r, p):
    _ = r._
    return _("Base: referred customers %(base)s") % {"base": r.number(p["base"])}


def _cumulative(r, p):
    _ = r._
    return _("Accumulated period base: %(before)s before this deal, %(after)s after it") % {
        "before": r.base_value(p, p["before"]),
        "after": r.base_value(p, p["after"]),
    }


def _flat(r, p):
    _ = r._
    return _("%(base)s at %(rate)s: %(amount)s") % {
        "base": r.base_value(p, p["base"]),
        "rate": r.rate(p),
        "amount": r.money(p["amount"]),
    }


def _flat_agreed(r, p):
    _ = r._
    return _("%(base)s at the agreed rate %(rate)s: %(amount)s") % {
        "base": r.base_value(p, p["base"]),
        "rate": r.rate(p),
        "amount": r.money(p["amount"]),
    }


def _tier_slice(r, p):
    _ = r._
    return _("Tier %(from)s → %(to)s at %(rate)s: %(amount)s") % {
        "from": r.base_value(p, p["from"]),
        "to": r.base_value(p, p["to"]),
        "rate": r.rate(p),
        "amount": r.money(p["amount"]),
    }


def _below_first_tier(r, p):
    _ = r._
    return _("%(from)s → %(to)s is below the first tier (%(threshold)s): no commission") % {
        "from": r.base_value(p, p["from"]),
        "to": r.base_value(p, p["to"]),
        "threshold": r.base_value(p, p["threshold"]),
    }


def _negative_slice(r, p):
    _ = r._
    values = {
        "from": r.base_value(p, p["from"]),
        "to": r.base_value(p, p["to"]),
        "rate": r.rate(p),
        "amount": r.money(p["amount"]),
    }
    if p.get("has_zero_tier"):
        return (
            _("Below zero %(from)s → %(to)s at the rate of the tier from 0 (%(rate)s): %(amount)s")
            % values
        )
    return _("Below zero %(from)s → %(to)s: no tier starts at 0, no commission") % values


def _no_tiers(r, p):
    _ = r._
    return _("The rule has no tiers: no commission")


def _retro_rate(r, p):
    _ = r._
    return _("Whole period base %(total)s at the highest tier reached (%(rate)s)") % {
        "total": r.base_value(p, p["total"]),
        "rate": r.rate(p),
    }


def _retro_no_tier(r, p):
    _ = r._
    return _(
        "Whole period base %(total)s is below the first tier (%(threshold)s): no commission"
    ) % {
        "total": r.base_value(p, p["total"]),
        "threshold": r.base_value(p, p["threshold"]),
    }


def _retro_negative(r, p):
    _ = r._
    values = {"total": r.base_value(p, p["total"]), "rate": r.rate(p)}
    if p.get("has_zero_tier"):
        return (
            _("Negative period base %(total)s at the rate of the tier from 0 (%(rate)s)") % values
        )
    return _("Negative period base %(total)s and no tier starts at 0: no commission") % values


def _retro_deal(r, p):
    _ = r._
    return _("This deal: %(base)s at %(rate)s: %(amount)s") % {
        "base": r.base_value(p, p["base"]),
        "rate": r.rate(p),
        "amount": r.money(p["amount"]),
    }


def _rounding(r, p):
    _ = r._
    return _(
        "Rounded to the currency: %(raw)s → %(amount)s "
        "(rounding is cumulative so that the lines add up to the period total)"
    ) % {"raw": r.money(p["raw"]), "amount": r.money(p["amount"])}


def _cap(r, p):
    _ = r._
    return _("Capped at %(cap)s per period: reduced from %(uncapped)s to %(amount)s") % {
        "cap": r.money(p["cap"]),
        "uncapped": r.money(p["uncapped"]),
        "amount": r.money(p["amount"]),
    }


def _correction(r, p):
    _ = r._
    return _(
        "Correction: new amount %(target)s, already approved or paid %(settled)s, "
        "difference %(delta)s"
    ) % {
        "target": r.money(p["target"]),
        "settled": r.money(p["settled"]),
        "delta": r.money(p["delta"]),
    }


def _removed(r, p):
    _ = r._
    return _("The deal no longer earns a commission under this rule")


_RENDERERS = {
    "base_revenue": _base_revenue,
    "base_fallback": _base_fallback,
    "base_margin": _base_margin,
    "base_quantity": _base_quantity,
    "base_deal": _base_deal,
    "base_referral": _base_referral,
    "cumulative": _cumulative,
    "flat": _flat,
    "flat_agreed": _flat_agreed,
    "tier_slice": _tier_slice,
    "below_first_tier": _below_first_tier,
    "negative_slice": _negative_slice,
    "no_tiers": _no_tiers,
    "retro_rate": _retro_rate,
    "retro_no_tier": _retro_no_tier,
    "retro_negative": _retro_negative,
    "retro_deal": _retro_deal,
    "rounding": _rounding,
    "cap": _cap,
    "correction": _correction,
    "removed": _removed,
}

STEP_CODES = tuple(_RENDERERS)


def _unknown(r, code, params):
    _ = r._
    details = ", ".join(f"{key}={value}" for key, value in sorted(params.items()))
    return _("%(code)s: %(details)s") % {"code": code, "details": details}


def explain(steps, _=_identity, money=str, number=str):
    """Render steps as a human explanation, one sentence per line."""
    render = _Render(_, money, number)
    sentences = []
    for step in steps:
        renderer = _RENDERERS.get(step.code)
        if renderer is None:
            sentences.append(_unknown(render, step.code, step.params))
        else:
            sentences.append(renderer(render, step.params))
        if step.code.startswith("base_") and "share" in step.params:
            sentences.append(_share(render, step.params))
    return "\n".join(sentences)


def explain_skipped(skipped, _=_identity, money=str, number=str):
    """Render why a (deal, rule) pair earned nothing."""
    render = _Render(_, money, number)
    params = skipped.params
    if skipped.code == "no_lines_margin":
        return _("No sales order, margin unknown")
    if skipped.code == "no_lines_quantity":
        return _("No sales order, quantity unknown")
    if skipped.code == "filter_without_lines":
        return _(
            "The product/category filter cannot apply without order lines: "
            "expected revenue %(amount)s not counted"
        ) % {"amount": money(params.get("fallback_revenue", "0"))}
    return _unknown(render, skipped.code, params)
