"""Pools, production lines and risks in the compiled engine (numba).

The SimPy engine's ``serve``, line queue and ``occur``, on the kernel state ``st`` of one replication.

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
def pool_available(st, p, now):
    """Money pool ``p`` can commit at ``now`` (€ bn): what has come in (envelope, or inflow so far), less commitments."""
    if now < st.open_at[p]:
        return 0.0
    rate = st.net_pool_rate[p]
    cap = st.envelope[p] if rate != rate else min(st.envelope[p], rate * (now - st.open_at[p]))
    return cap - st.committed_total[p]


@compiled(python=False)
def pool_can_commit(st, p, now):
    """Whether pool ``p`` commits at ``now``: open, not past its commit deadline, not frozen."""
    if not (now >= st.open_at[p] and now <= st.net_commit_by[p]):
        return False
    for f in range(st.n_frozen[p]):
        if st.frozen_lo[p, f] <= now < st.frozen_hi[p, f]:
            return False
    return True


@compiled(python=False)
def pool_next_change(st, p, now, amounts):
    """When pool ``p`` may next be able to commit (a freeze ends, it opens, inflow covers the smallest request)."""
    best = np.inf
    commit_by = st.net_commit_by[p]
    for f in range(st.n_frozen[p]):
        if st.frozen_lo[p, f] <= now < st.frozen_hi[p, f]:
            t = st.frozen_hi[p, f]
            if t > now and t <= commit_by and t < best:
                best = t
    open_at = st.open_at[p]
    if now < open_at < np.inf:
        if open_at > now and open_at <= commit_by and open_at < best:
            best = open_at
    rate = st.net_pool_rate[p]
    if rate == rate and st.n_waiting[p] > 0 and now >= open_at:
        smallest = np.inf
        for w in range(st.n_waiting[p]):
            smallest = min(smallest, amounts[st.waiting[p, w]])
        need = st.committed_total[p] + smallest
        if need <= st.envelope[p] + 1e-12:
            t = open_at + need / rate
            if t > now and t <= commit_by and t < best:
                best = t
    return best


@compiled(python=False)
def serve(st, p, now, amounts, committed, committed_amount, n_ms):
    """Commit every waiting request that fits, in request order; schedule the next look (``serve`` in SimPy)."""
    if pool_can_commit(st, p, now):
        # iterate over a snapshot of the waiting list, removing committed entries as we go
        count = st.n_waiting[p]
        for w in range(count):
            st.snapshot[w] = st.waiting[p, w]
        for w in range(count):
            part = st.snapshot[w]
            amount = amounts[part]
            available = pool_available(st, p, now)
            remaining = st.envelope[p] - st.committed_total[p]
            if amount <= available + 1e-9:
                take = amount
            elif available >= remaining - 1e-9 and remaining > 1e-9:
                take = remaining
            else:
                take = 0.0
            if take > 0:
                st.committed_total[p] += take
                committed[part] = now
                committed_amount[part] = take
                # remove from the waiting list, keeping the order of the rest
                m = st.n_waiting[p]
                pos = 0
                while st.waiting[p, pos] != part:
                    pos += 1
                for q in range(pos, m - 1):
                    st.waiting[p, q] = st.waiting[p, q + 1]
                st.n_waiting[p] = m - 1
                succeed(st, n_ms + part, now)
    later = pool_next_change(st, p, now, amounts)
    if st.n_waiting[p] > 0 and later < st.wake_at[p]:
        st.wake_at[p] = later
        push(st.hf, st.hi, st.ctr, now, URGENT, K_INIT_WAKE, p, 0, later)


@compiled(python=False)
def take(st, i, now, amounts, requested, committed, committed_amount):
    """Programme ``i``'s money was committed now by the facts: every part at once, at most what the envelope has left.

    Openings, freezes and inflow do not hold a fact back (``MoneyDesk.take`` in SimPy); no event is created.
    """
    for part in range(st.net_part_ptr[i], st.net_part_ptr[i + 1]):
        p = st.net_part_pool[part]
        amount = min(amounts[part], max(st.envelope[p] - st.committed_total[p], 0.0))
        st.committed_total[p] += amount
        requested[part] = now
        committed[part] = now
        committed_amount[part] = amount


@compiled(python=False)
def open_pool(st, p, now, rep, amounts, committed, committed_amount):
    """Pool ``p``'s opening milestone is done: it commits from then (or its availability date)."""
    st.open_at[p] = max(now, st.net_available_from[p])
    serve(st, p, now, amounts, committed, committed_amount, st.n_ms)
    end_process(st)


# ---------------------------------------------------------------------------------------------- production


@compiled(python=False)
def rebuild_line(st, k, base, added, win_lo, win_hi, win_f):
    """Rebuild line ``k``'s capacity curve in the state after its ramp start changed."""
    rebuild_curve(k, st.cb_b, st.cb_right, st.cb_left, st.cb_cum, st.cb_nb, base[k], added[k], st.curve_start[k],
                  st.net_ramp_t[k], st.net_ramp_s[k], st.net_ramp_len[k], win_lo[k], win_hi[k], win_f[k],
                  st.net_n_win[k])


@compiled(python=False)
def solve_line(st, k, start, quantity):
    """When line ``k``'s output since ``start`` reaches ``quantity`` (days; inf: never)."""
    return solve_curve(k, st.cb_b, st.cb_right, st.cb_left, st.cb_cum, st.cb_nb, start, quantity)


@compiled(python=False)
def schedule_delivery(st, k, now, quantity):
    """Schedule when line ``k``'s current order is complete (a new version replaces an older schedule)."""
    st.version[k] += 1
    end = solve_line(st, k, st.busy_start[k], quantity[st.busy[k]])
    if math.isfinite(end):
        push(st.hf, st.hi, st.ctr, now, URGENT, K_INIT_DELIVER, k, st.version[k], end)


@compiled(python=False)
def next_order(st, k, now, quantity, started):
    """An idle line ``k`` starts its best queued order: highest priority, then first placed."""
    if st.busy[k] >= 0 or st.n_queue[k] == 0:
        return
    best = 0
    for q in range(1, st.n_queue[k]):
        prio, best_prio = st.q_prio[k, q], st.q_prio[k, best]
        if prio < best_prio or (prio == best_prio and st.q_seq[k, q] < st.q_seq[k, best]):
            best = q
    order = st.q_order[k, best]
    last = st.n_queue[k] - 1
    st.q_order[k, best], st.q_prio[k, best], st.q_seq[k, best] = st.q_order[k, last], st.q_prio[k, last], st.q_seq[k, last]
    st.n_queue[k] = last
    st.busy[k] = order
    st.busy_start[k] = now
    started[order] = now
    schedule_delivery(st, k, now, quantity)


@compiled(python=False)
def set_ramp(st, k, now, quantity, base, added, win_lo, win_hi, win_f, ramp_start):
    """Start line k's added capacity at max(trigger + first output, when its workforce is trained)."""
    at = st.ramp_ready[k]
    need_line = st.net_wf_line[k]
    if need_line >= 0 and math.isfinite(at):
        at = max(at, solve_line(st, need_line, 0.0, st.net_wf_need[k]))
    current = st.curve_start[k]
    if at == current or current <= now:
        return
    at = max(at, now)
    st.curve_start[k] = at
    rebuild_line(st, k, base, added, win_lo, win_hi, win_f)
    ramp_start[k] = at
    if st.busy[k] >= 0:
        schedule_delivery(st, k, now, quantity)


@compiled(python=False)
def place(st, k, now):
    """Orders placed at the same moment compete by priority: the idle line picks one a moment later."""
    if st.busy[k] < 0 and not st.picking[k]:
        st.picking[k] = 1
        push(st.hf, st.hi, st.ctr, now, URGENT, K_INIT_PICK, k, 0, 0.0)


# ---------------------------------------------------------------------------------------------- risks


@compiled(python=False)
def occur(st, r, now, delay, cut_share, pool_env, amounts, committed, committed_amount, hits):
    """Risk ``r`` happens now: delays on milestones not yet done, freezes and cuts of pools."""
    for a in range(st.net_risk_aff_ptr[r], st.net_risk_aff_ptr[r + 1]):
        i = st.net_risk_aff_idx[a]
        if st.ev_state[i] == PENDING and not st.shielded[i]:
            if st.with_money:
                hits[i, r] = now
            st.pending[i] += delay[r]
    if not st.with_money:
        return
    for a in range(st.net_risk_freeze_ptr[r], st.net_risk_freeze_ptr[r + 1]):
        p = st.net_risk_freeze_idx[a]
        f = st.n_frozen[p]
        st.frozen_lo[p, f] = now
        st.frozen_hi[p, f] = now + delay[r]
        st.n_frozen[p] = f + 1
        serve(st, p, now, amounts, committed, committed_amount, st.n_ms)
    for a in range(st.net_risk_cut_ptr[r], st.net_risk_cut_ptr[r + 1]):
        p = st.net_risk_cut_idx[a]
        st.envelope[p] = max(st.committed_total[p], st.envelope[p] - cut_share[r] * pool_env[p])


@compiled(python=False)
def trigger_line(st, k, now, rep, first_output, quantity, base, added, win_lo, win_hi, win_f, ramp_start):
    """Line ``k``'s trigger milestone is done: its added capacity ramps after the first output (and workers)."""
    st.ramp_ready[k] = now + first_output[rep, k]
    set_ramp(st, k, now, quantity[rep], base[rep], added[rep], win_lo[rep], win_hi[rep], win_f[rep], ramp_start[rep])
    for other in range(st.busy.shape[0]):  # a faster training line trains other lines' workers earlier
        if st.net_wf_line[other] == k:
            set_ramp(st, other, now, quantity[rep], base[rep], added[rep], win_lo[rep], win_hi[rep], win_f[rep],
                     ramp_start[rep])
    end_process(st)
