"""Reconciliation of a recomputed period with the commission lines already stored."""

from dataclasses import replace

from .core import engine_context, fmt, round_amount
from .data import (
    SETTLED_STATES,
    ZERO,
    Existing,
    LineResult,
    Reconciliation,
    Step,
)


def _group_existing(existing):
    groups = {}
    seen = set()
    for line in existing:
        if not isinstance(line, Existing):
            raise TypeError("reconcile expects Existing records")
        if line.id in seen:
            raise ValueError(f"duplicate existing line id {line.id!r}")
        seen.add(line.id)
        groups.setdefault((line.deal_key, line.rule_key), []).append(line)
    return groups


def _index_results(results):
    indexed = {}
    for result in results:
        key = (result.deal_key, result.rule_key)
        if key in indexed:
            raise ValueError(f"two results for deal {key[0]!r} and rule {key[1]!r}")
        indexed[key] = result
    return indexed


def _new_result(key, result, has_settled, target, settled, delta):
    """The LineResult a written line carries: amount ``delta``, with a leading correction step
    when approved/paid lines already exist for the key."""
    if result is None:
        result = LineResult(
            deal_key=key[0],
            rule_key=key[1],
            base=ZERO,
            rate=ZERO,
            amount=ZERO,
            uncapped_amount=ZERO,
            cumulative_before=ZERO,
            steps=(Step("removed", {}),),
        )
    steps = result.steps
    if has_settled:
        params = {"target": fmt(target), "settled": fmt(settled), "delta": fmt(delta)}
        steps = (Step("correction", params),) + steps
    return replace(result, amount=delta, steps=steps)


def reconcile(results, existing, *, rounding=None):
    """What to update, create and cancel so that the stored lines match ``results``.

    :param results: the ``LineResult`` of the recomputed period (``compute_period(...).lines``)
    :param existing: the stored non-cancelled lines of the same period, as ``Existing``
    :param rounding: optional currency rounding; when given, stored amounts (which may come from
        floats) are rounded with it before being compared and summed
    """

    def rounded(value):
        return value if rounding is None else round_amount(value, rounding)

    indexed = _index_results(results)
    groups = _group_existing(existing)
    orphans = sorted(
        (key for key in groups if key not in indexed),
        key=lambda key: min(line.id for line in groups[key]),
    )
    updates, creates, cancels = [], [], []
    with engine_context():
        for key in list(indexed) + orphans:
            result = indexed.get(key)
            lines = groups.get(key, [])
            settled_lines = [line for line in lines if line.state in SETTLED_STATES]
            pending = sorted(
                (line for line in lines if line.state == "pending"), key=lambda line: line.id
            )
            settled = sum((rounded(line.amount) for line in settled_lines), ZERO)
            target = rounded(result.amount) if result is not None else ZERO
            delta = target - settled
            if delta == 0:
                cancels.extend(line.id for line in pending)
                continue
            new = _new_result(key, result, bool(settled_lines), target, settled, delta)
            if pending:
                first, others = pending[0], pending[1:]
                cancels.extend(line.id for line in others)
                changed = first.result is not None and first.result != new
                if rounded(first.amount) != delta or changed:
                    updates.append((first.id, new))
            elif settled_lines:
                origin = max(line.id for line in settled_lines)
                creates.append((new, delta, origin))
            else:
                creates.append((new, delta, None))
    return Reconciliation(
        updates=tuple(updates),
        creates=tuple(creates),
        cancels=tuple(sorted(cancels)),
    )
