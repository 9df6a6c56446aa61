"""Pools, production lines and risks in the compiled engine (numba).

The SimPy engine's ``serve``, line queue and ``occur``, on the kernel's records of one replication (built by
:mod:`sim.engine.fast`): ``ev`` events, ``ms`` milestones, ``rk`` risks, ``mo`` money pools, ``ln`` production
lines, ``cv`` their capacity curves. Each function takes only the records it uses: compile time grows with
the size of a function's arguments.

Units: days, € bn, units of a line's product.
"""

from __future__ import annotations

import math

import numpy as np

from .compiled import compiled
from .kernel_curves import rebuild_curve, solve_curve
from .kernel_events import K_INIT_DELIVER, K_INIT_PICK, K_INIT_WAKE, PENDING, URGENT, end_process, push, succeed

SAME_MOMENT = 1e-9  # days: orders placed within this of each other are served by priority


# ---------------------------------------------------------------------------------------------- money


@compiled(python=False)
def pool_available(mo, p, now):
    """Money pool ``p`` can commit at ``now`` (€ bn): what has come in (envelope, or inflow so far), less commitments."""
    if now < mo.open_at[p]:
        return 0.0
    rate = mo.net_pool_rate[p]
    cap = mo.envelope[p] if rate != rate else min(mo.envelope[p], rate * (now - mo.open_at[p]))
    return cap - mo.committed_total[p]


@compiled(python=False)
def pool_can_commit(mo, p, now):
    """Whether pool ``p`` commits at ``now``: open, not past its commit deadline, not frozen."""
    if not (now >= mo.open_at[p] and now <= mo.net_commit_by[p]):
        return False
    for f in range(mo.n_frozen[p]):
        if mo.frozen_lo[p, f] <= now < mo.frozen_hi[p, f]:
            return False
    return True


@compiled(python=False)
def pool_next_change(mo, p, now, amounts):
    """When pool ``p`` may next be able to commit (a freeze ends, it opens, inflow covers the smallest request)."""
    best = np.inf
    commit_by = mo.net_commit_by[p]
    for f in range(mo.n_frozen[p]):
        if mo.frozen_lo[p, f] <= now < mo.frozen_hi[p, f]:
            t = mo.frozen_hi[p, f]
            if t > now and t <= commit_by and t < best:
                best = t
    open_at = mo.open_at[p]
    if now < open_at < np.inf:
        if open_at > now and open_at <= commit_by and open_at < best:
            best = open_at
    rate = mo.net_pool_rate[p]
    if rate == rate and mo.n_waiting[p] > 0 and now >= open_at:
        smallest = np.inf
        for w in range(mo.n_waiting[p]):
            smallest = min(smallest, amounts[mo.waiting[p, w]])
        need = mo.committed_total[p] + smallest
        if need <= mo.envelope[p] + 1e-12:
            t = open_at + need / rate
            if t > now and t <= commit_by and t < best:
                best = t
    return best


@compiled(python=False)
def serve(ev, mo, p, now, amounts, committed, committed_amount, n_ms):
    """Commit every waiting request that fits, in request order; schedule the next look (``serve`` in SimPy)."""
    if pool_can_commit(mo, p, now):
        # iterate over a snapshot of the waiting list, removing committed entries as we go
        count = mo.n_waiting[p]
        for w in range(count):
            mo.snapshot[w] = mo.waiting[p, w]
        for w in range(count):
            part = mo.snapshot[w]
            amount = amounts[part]
            available = pool_available(mo, p, now)
            remaining = mo.envelope[p] - mo.committed_total[p]
            if amount <= available + 1e-9:
                take = amount
            elif available >= remaining - 1e-9 and remaining > 1e-9:
                take = remaining
            else:
                take = 0.0
            if take > 0:
                mo.committed_total[p] += take
                committed[part] = now
                committed_amount[part] = take
                # remove from the waiting list, keeping the order of the rest
                m = mo.n_waiting[p]
                pos = 0
                while mo.waiting[p, pos] != part:
                    pos += 1
                for q in range(pos, m - 1):
                    mo.waiting[p, q] = mo.waiting[p, q + 1]
                mo.n_waiting[p] = m - 1
                succeed(ev, n_ms + part, now)
    later = pool_next_change(mo, p, now, amounts)
    if mo.n_waiting[p] > 0 and later < mo.wake_at[p]:
        mo.wake_at[p] = later
        push(ev, now, URGENT, K_INIT_WAKE, p, 0, later)


@compiled(python=False)
def take(mo, i, now, amounts, requested, committed, committed_amount):
    """Programme ``i``'s money was committed now by the facts: every part at once, at most what the envelope has left.

    Openings, freezes and inflow do not hold a fact back (``MoneyDesk.take`` in SimPy); no event is created.
    """
    for part in range(mo.net_part_ptr[i], mo.net_part_ptr[i + 1]):
        p = mo.net_part_pool[part]
        amount = min(amounts[part], max(mo.envelope[p] - mo.committed_total[p], 0.0))
        mo.committed_total[p] += amount
        requested[part] = now
        committed[part] = now
        committed_amount[part] = amount


@compiled(python=False)
def open_pool(ev, mo, p, now, amounts, committed, committed_amount, n_ms):
    """Pool ``p``'s opening milestone is done: it commits from then (or its availability date)."""
    mo.open_at[p] = max(now, mo.net_available_from[p])
    serve(ev, mo, p, now, amounts, committed, committed_amount, n_ms)
    end_process(ev)


# ---------------------------------------------------------------------------------------------- production


@compiled(python=False)
def rebuild_line(cv, k, base, added, win_lo, win_hi, win_f):
    """Rebuild line ``k``'s capacity curve in the state after its ramp start changed."""
    rebuild_curve(k, cv.cb_b, cv.cb_right, cv.cb_left, cv.cb_cum, cv.cb_nb, base[k], added[k], cv.curve_start[k],
                  cv.net_ramp_t[k], cv.net_ramp_s[k], cv.net_ramp_len[k], win_lo[k], win_hi[k], win_f[k],
                  cv.net_n_win[k])


@compiled(python=False)
def solve_line(cv, k, start, quantity):
    """When line ``k``'s output since ``start`` reaches ``quantity`` (days; inf: never)."""
    return solve_curve(k, cv.cb_b, cv.cb_right, cv.cb_left, cv.cb_cum, cv.cb_nb, start, quantity)


@compiled(python=False)
def schedule_delivery(ev, ln, cv, k, now, quantity):
    """Schedule when line ``k``'s current order is complete (a new version replaces an older schedule)."""
    ln.version[k] += 1
    end = solve_line(cv, k, ln.busy_start[k], quantity[ln.busy[k]])
    if math.isfinite(end):
        push(ev, now, URGENT, K_INIT_DELIVER, k, ln.version[k], end)


@compiled(python=False)
def next_order(ev, ln, cv, k, now, quantity, started):
    """An idle line ``k`` starts its best queued order: highest priority, then first placed."""
    if ln.busy[k] >= 0 or ln.n_queue[k] == 0:
        return
    best = 0
    for q in range(1, ln.n_queue[k]):
        prio, best_prio = ln.q_prio[k, q], ln.q_prio[k, best]
        if prio < best_prio or (prio == best_prio and ln.q_seq[k, q] < ln.q_seq[k, best]):
            best = q
    order = ln.q_order[k, best]
    last = ln.n_queue[k] - 1
    ln.q_order[k, best], ln.q_prio[k, best], ln.q_seq[k, best] = ln.q_order[k, last], ln.q_prio[k, last], ln.q_seq[k, last]
    ln.n_queue[k] = last
    ln.busy[k] = order
    ln.busy_start[k] = now
    started[order] = now
    schedule_delivery(ev, ln, cv, k, now, quantity)


@compiled(python=False)
def set_ramp(ev, ln, cv, k, now, quantity, base, added, win_lo, win_hi, win_f, ramp_start):
    """Start line k's added capacity at max(trigger + first output, when its workforce is trained)."""
    at = ln.ramp_ready[k]
    need_line = ln.net_wf_line[k]
    if need_line >= 0 and math.isfinite(at):
        at = max(at, solve_line(cv, need_line, 0.0, ln.net_wf_need[k]))
    current = cv.curve_start[k]
    if at == current or current <= now:
        return
    at = max(at, now)
    cv.curve_start[k] = at
    rebuild_line(cv, k, base, added, win_lo, win_hi, win_f)
    ramp_start[k] = at
    if ln.busy[k] >= 0:
        schedule_delivery(ev, ln, cv, k, now, quantity)


@compiled(python=False)
def place(ev, ln, k, now):
    """Orders placed at the same moment compete by priority: the idle line picks one a moment later."""
    if ln.busy[k] < 0 and not ln.picking[k]:
        ln.picking[k] = 1
        push(ev, now, URGENT, K_INIT_PICK, k, 0, 0.0)


# ---------------------------------------------------------------------------------------------- risks


@compiled(python=False)
def occur(ev, ms, rk, mo, r, now, delay, cut_share, pool_env, amounts, committed, committed_amount, hits):
    """Risk ``r`` happens now: delays on milestones not yet done, freezes and cuts of pools."""
    for a in range(rk.net_risk_aff_ptr[r], rk.net_risk_aff_ptr[r + 1]):
        i = rk.net_risk_aff_idx[a]
        if ev.ev_state[i] == PENDING and not ms.shielded[i]:
            if mo.with_money:
                hits[i, r] = now
            ms.pending[i] += delay[r]
    if not mo.with_money:
        return
    for a in range(rk.net_risk_freeze_ptr[r], rk.net_risk_freeze_ptr[r + 1]):
        p = rk.net_risk_freeze_idx[a]
        f = mo.n_frozen[p]
        mo.frozen_lo[p, f] = now
        mo.frozen_hi[p, f] = now + delay[r]
        mo.n_frozen[p] = f + 1
        serve(ev, mo, p, now, amounts, committed, committed_amount, ms.n_ms)
    for a in range(rk.net_risk_cut_ptr[r], rk.net_risk_cut_ptr[r + 1]):
        p = rk.net_risk_cut_idx[a]
        mo.envelope[p] = max(mo.committed_total[p], mo.envelope[p] - cut_share[r] * pool_env[p])


@compiled(python=False)
def trigger_line(ev, ln, cv, k, now, rep, inp, out):
    """Line ``k``'s trigger milestone is done: its added capacity ramps after the first output (and workers)."""
    ln.ramp_ready[k] = now + inp.first_output[rep, k]
    quantity, base, added = inp.quantity[rep], inp.base[rep], inp.added[rep]
    win_lo, win_hi, win_f, ramp_start = inp.win_lo[rep], inp.win_hi[rep], inp.win_f[rep], out.ramp_start[rep]
    set_ramp(ev, ln, cv, k, now, quantity, base, added, win_lo, win_hi, win_f, ramp_start)
    for other in range(ln.busy.shape[0]):  # a faster training line trains other lines' workers earlier
        if ln.net_wf_line[other] == k:
            set_ramp(ev, ln, cv, other, now, quantity, base, added, win_lo, win_hi, win_f, ramp_start)
    end_process(ev)
