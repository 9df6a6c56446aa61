"""The fast engine's compiled event loop (numba): the SimPy engine's semantics, one replication after another.

It is a faithful copy of what :func:`sim.engine.milestones.simulate` asks of SimPy, not an approximation:
events are processed in (time, priority, event id) order, an event id is taken when an event is scheduled,
a process starts with an urgent initialisation event and schedules itself when it ends, a condition (all-of,
any-of, k-of-n) checks its events in the order they are processed and is itself scheduled when it is met.
Hence simultaneous events resolve exactly as in the reference engine — the one tie rule of both engines is
SimPy's (time, priority, insertion) order — and every output agrees with it (tested on every shipped and on
generated scenarios).

All state is kept in preallocated arrays (one replication at a time, reset between replications), so a
batch is one compiled call. Units: days, € bn, units of a line's product.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..calendar import DAYS_PER_YEAR

FAR = 1e7  # days: a breakpoint "never" (27,000 years), finite so that products stay finite
SAME_MOMENT = 1e-9  # days: orders placed within this of each other are served by priority
URGENT, NORMAL = 0, 1

# heap entry kinds (what happens when the entry is processed)
K_EVENT, K_INIT_MS, K_RESUME_MS, K_INIT_OPENER, K_INIT_TRIGGER, K_INIT_RISK, K_RISK = 0, 1, 2, 3, 4, 5, 6
K_INIT_PICK, K_PICK, K_INIT_DELIVER, K_DELIVER, K_INIT_WAKE, K_WAKE, K_UNTIL = 7, 8, 9, 10, 11, 12, 13
# callback kinds (what waits on an event)
CB_MS, CB_OPENER, CB_TRIGGER, CB_CHECK = 0, 1, 2, 3
# event states
PENDING, TRIGGERED, PROCESSED = 0, 1, 2
# milestone process positions (where its generator stands)
PC_START, PC_DEPS, PC_MONEY, PC_PREORDER, PC_ORDERS, PC_SHIFT, PC_OBSERVED = 0, 1, 2, 3, 4, 5, 6

# ctr slots
C_EID, C_HEAP, C_CB = 0, 1, 2


# ---------------------------------------------------------------------------------------------- heap


@njit(cache=True, _nrt=False)
def _less(hf, hi, a, b):
    if hf[a, 0] != hf[b, 0]:
        return hf[a, 0] < hf[b, 0]
    if hi[a, 0] != hi[b, 0]:
        return hi[a, 0] < hi[b, 0]
    return hi[a, 1] < hi[b, 1]


@njit(cache=True, _nrt=False)
def _swap(hf, hi, a, b):
    for c in range(hf.shape[1]):
        hf[a, c], hf[b, c] = hf[b, c], hf[a, c]
    for c in range(hi.shape[1]):
        hi[a, c], hi[b, c] = hi[b, c], hi[a, c]


@njit(cache=True, _nrt=False)
def push(hf, hi, ctr, time, prio, kind, a, b, f):
    """Schedule an entry at ``time`` with ``prio``; it takes the next event id (SimPy's insertion order)."""
    j = ctr[C_HEAP]
    if j >= hf.shape[0]:
        raise RuntimeError("event heap full")
    hf[j, 0], hf[j, 1] = time, f
    hi[j, 0], hi[j, 1], hi[j, 2], hi[j, 3], hi[j, 4] = prio, ctr[C_EID], kind, a, b
    ctr[C_EID] += 1
    ctr[C_HEAP] = j + 1
    while j > 0:
        parent = (j - 1) // 2
        if _less(hf, hi, j, parent):
            _swap(hf, hi, j, parent)
            j = parent
        else:
            break


@njit(cache=True, _nrt=False)
def pop(hf, hi, ctr):
    """Remove the earliest entry; it is left in the last slot (``ctr[C_HEAP]``) for the caller to read."""
    last = ctr[C_HEAP] - 1
    _swap(hf, hi, 0, last)
    ctr[C_HEAP] = last
    j = 0
    while True:
        left = 2 * j + 1
        if left >= last:
            break
        small = left
        if left + 1 < last and _less(hf, hi, left + 1, left):
            small = left + 1
        if _less(hf, hi, small, j):
            _swap(hf, hi, small, j)
            j = small
        else:
            break
    return last


# ---------------------------------------------------------------------------------------------- capacity curves


@njit(cache=True, _nrt=False)
def _interp(x, xp, fp, n):
    """numpy.interp(x, xp[:n], fp[:n], left=0.0, right=fp[n-1]) for one x, with numpy's arithmetic."""
    if x != x:
        return x
    if x < xp[0]:
        return 0.0
    if x > xp[n - 1]:
        return fp[n - 1]
    if x == xp[n - 1]:
        return fp[n - 1]
    j = 0
    while xp[j + 1] <= x:
        j += 1
    if xp[j] == x:
        return fp[j]
    slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
    out = slope * (x - xp[j]) + fp[j]
    if out != out:
        out = slope * (x - xp[j + 1]) + fp[j + 1]
        if out != out and fp[j] == fp[j + 1]:
            out = fp[j]
    return out


@njit(cache=True, _nrt=False)
def capacity_rate(t, left, base, added, start, ramp_t, ramp_s, n_ramp, lo, hi, factor, n_win):
    """Units per day at ``t`` (``left``: the left limit), as ``CapacityCurves.rate`` for one replication."""
    s = start if math.isfinite(start) else FAR
    share = _interp(t - s, ramp_t, ramp_s, n_ramp) if n_ramp > 1 else 0.0
    r = (base + added * share) / DAYS_PER_YEAR
    for w in range(n_win):
        if left:
            inside = lo[w] < t and t <= hi[w]
        else:
            inside = lo[w] <= t and t < hi[w]
        if inside:
            r = r * factor[w]
    return max(r, 0.0)


@njit(cache=True, _nrt=False)
def rebuild_curve(k, b, right, left, cum, nb, base, added, start, ramp_t, ramp_s, n_ramp, lo, hi, factor, n_win):
    """Breakpoints, rates and cumulative output of line ``k`` (as ``CapacityCurves._cumulative``)."""
    s = start if math.isfinite(start) else FAR
    m = 0
    b[k, m] = 0.0
    m += 1
    for j in range(n_ramp):
        b[k, m] = min(s + ramp_t[j], FAR)
        m += 1
    for w in range(n_win):
        b[k, m] = min(min(max(lo[w], 0.0), FAR), FAR)
        b[k, m + 1] = min(min(max(hi[w], 0.0), FAR), FAR)
        m += 2
    for x in range(1, m):  # insertion sort: a handful of breakpoints, and no allocation
        v = b[k, x]
        y = x - 1
        while y >= 0 and b[k, y] > v:
            b[k, y + 1] = b[k, y]
            y -= 1
        b[k, y + 1] = v
    nb[k] = m
    for j in range(m):
        right[k, j] = capacity_rate(b[k, j], False, base, added, start, ramp_t, ramp_s, n_ramp, lo, hi, factor, n_win)
        left[k, j] = capacity_rate(b[k, j], True, base, added, start, ramp_t, ramp_s, n_ramp, lo, hi, factor, n_win)
    cum[k, 0] = 0.0
    for j in range(m - 1):
        cum[k, j + 1] = cum[k, j] + (b[k, j + 1] - b[k, j]) * (right[k, j] + left[k, j + 1]) / 2


@njit(cache=True, _nrt=False)
def solve_curve(k, b, right, left, cum, nb, start, quantity):
    """When output since ``start`` reaches ``quantity`` (days; inf: never), as ``CapacityCurves.solve``."""
    m = nb[k]
    # searchsorted(b, start, side="right") - 1
    i = 0
    while i < m and b[k, i] <= start:
        i += 1
    i = max(i - 1, 0)
    if i + 1 < m and b[k, i + 1] > b[k, i]:
        r_start = right[k, i] + (left[k, i + 1] - right[k, i]) * (start - b[k, i]) / (b[k, i + 1] - b[k, i])
    else:
        r_start = right[k, i]
    goal = cum[k, i] + (start - b[k, i]) * (right[k, i] + r_start) / 2 + quantity
    # searchsorted(cum, goal, side="left") - 1
    j = 0
    while j < m and cum[k, j] < goal:
        j += 1
    j = max(j - 1, 0)
    if j >= m - 1:
        rate = right[k, m - 1]
        return b[k, m - 1] + (goal - cum[k, m - 1]) / rate if rate > 0 else np.inf
    r0, r1, width = right[k, j], left[k, j + 1], b[k, j + 1] - b[k, j]
    rest = goal - cum[k, j]
    slope = (r1 - r0) / width if width > 0 else 0.0
    if abs(slope) < 1e-15:
        dx = rest / r0 if r0 > 0 else np.inf
    else:
        disc = r0 * r0 + 2 * slope * rest
        dx = (-r0 + math.sqrt(max(disc, 0.0))) / slope
    t = max(b[k, j] + dx, start)
    return t if t < FAR / 2 else np.inf


# ---------------------------------------------------------------------------------------------- events


@njit(cache=True, _nrt=False)
def register(cb_head, cb_tail, cb_next, cb_kind, cb_arg, ctr, event, kind, arg):
    """Append a callback to ``event`` (SimPy: ``event.callbacks.append``)."""
    c = ctr[C_CB]
    if c >= cb_next.shape[0]:
        raise RuntimeError("callback pool full")
    ctr[C_CB] = c + 1
    cb_kind[c], cb_arg[c], cb_next[c] = kind, arg, -1
    if cb_head[event] < 0:
        cb_head[event] = c
    else:
        cb_next[cb_tail[event]] = c
    cb_tail[event] = c


@njit(cache=True, _nrt=False)
def succeed(st, event, now):
    """``event.succeed()``: scheduled now with normal priority."""
    st.ev_state[event] = TRIGGERED
    push(st.hf, st.hi, st.ctr, now, NORMAL, K_EVENT, event, 0, 0.0)


@njit(cache=True, _nrt=False)
def end_process(st):
    """A process that ends schedules itself (nothing waits on processes here: only the id is taken)."""
    st.ctr[C_EID] += 1


@njit(cache=True, _nrt=False)
def check(st, cond, event, now):
    """``Condition._check``: count a processed event; schedule the condition once enough are done."""
    if st.ev_state[cond] != PENDING:
        return
    st.cond_count[cond] += 1
    if st.cond_count[cond] >= st.cond_need[cond]:
        succeed(st, cond, now)


@njit(cache=True, _nrt=False)
def new_condition(st, cond, need):
    """A condition (``Condition.__init__``) met once ``need`` of the events it watches are processed."""
    st.ev_state[cond] = PENDING
    st.cond_count[cond] = 0
    st.cond_need[cond] = need


@njit(cache=True, _nrt=False)
def watch(st, cond, event, now):
    """The condition counts ``event`` now if it is processed, else when it is (SimPy: check or callback)."""
    if st.ev_state[event] == PROCESSED:
        check(st, cond, event, now)
    else:
        register(st.cb_head, st.cb_tail, st.cb_next, st.cb_kind, st.cb_arg, st.ctr, event, CB_CHECK, cond)


# ---------------------------------------------------------------------------------------------- money


@njit(cache=True, _nrt=False)
def pool_available(st, p, now):
    if now < st.open_at[p]:
        return 0.0
    rate = st.net_pool_rate[p]
    cap = st.envelope[p] if rate != rate else min(st.envelope[p], rate * (now - st.open_at[p]))
    return cap - st.committed_total[p]


@njit(cache=True, _nrt=False)
def pool_can_commit(st, p, now):
    if not (now >= st.open_at[p] and now <= st.net_commit_by[p]):
        return False
    for f in range(st.n_frozen[p]):
        if st.frozen_lo[p, f] <= now < st.frozen_hi[p, f]:
            return False
    return True


@njit(cache=True, _nrt=False)
def pool_next_change(st, p, now, amounts):
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


@njit(cache=True, _nrt=False)
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


# ---------------------------------------------------------------------------------------------- production


@njit(cache=True, _nrt=False)
def _rebuild(st, k, base, added, win_lo, win_hi, win_f):
    rebuild_curve(k, st.cb_b, st.cb_right, st.cb_left, st.cb_cum, st.cb_nb, base[k], added[k], st.curve_start[k],
                  st.net_ramp_t[k], st.net_ramp_s[k], st.net_ramp_len[k], win_lo[k], win_hi[k], win_f[k],
                  st.net_n_win[k])


@njit(cache=True, _nrt=False)
def _solve(st, k, start, quantity):
    return solve_curve(k, st.cb_b, st.cb_right, st.cb_left, st.cb_cum, st.cb_nb, start, quantity)


@njit(cache=True, _nrt=False)
def schedule_delivery(st, k, now, quantity):
    st.version[k] += 1
    end = _solve(st, k, st.busy_start[k], quantity[st.busy[k]])
    if math.isfinite(end):
        push(st.hf, st.hi, st.ctr, now, URGENT, K_INIT_DELIVER, k, st.version[k], end)


@njit(cache=True, _nrt=False)
def next_order(st, k, now, quantity, started):
    if st.busy[k] >= 0 or st.n_queue[k] == 0:
        return
    best = 0
    for q in range(1, st.n_queue[k]):
        if (st.q_prio[k, q] < st.q_prio[k, best]) or (st.q_prio[k, q] == st.q_prio[k, best] and st.q_seq[k, q] < st.q_seq[k, best]):
            best = q
    order = st.q_order[k, best]
    last = st.n_queue[k] - 1
    st.q_order[k, best], st.q_prio[k, best], st.q_seq[k, best] = st.q_order[k, last], st.q_prio[k, last], st.q_seq[k, last]
    st.n_queue[k] = last
    st.busy[k] = order
    st.busy_start[k] = now
    started[order] = now
    schedule_delivery(st, k, now, quantity)


@njit(cache=True, _nrt=False)
def set_ramp(st, k, now, quantity, base, added, win_lo, win_hi, win_f, ramp_start):
    """Start line k's added capacity at max(trigger + first output, when its workforce is trained)."""
    at = st.ramp_ready[k]
    need_line = st.net_wf_line[k]
    if need_line >= 0 and math.isfinite(at):
        at = max(at, _solve(st, need_line, 0.0, st.net_wf_need[k]))
    current = st.curve_start[k]
    if at == current or current <= now:
        return
    at = max(at, now)
    st.curve_start[k] = at
    _rebuild(st, k, base, added, win_lo, win_hi, win_f)
    ramp_start[k] = at
    if st.busy[k] >= 0:
        schedule_delivery(st, k, now, quantity)


@njit(cache=True, _nrt=False)
def place(st, k, now):
    """Orders placed at the same moment compete by priority: the idle line picks one a moment later."""
    if st.busy[k] < 0 and not st.picking[k]:
        st.picking[k] = 1
        push(st.hf, st.hi, st.ctr, now, URGENT, K_INIT_PICK, k, 0, 0.0)


# ---------------------------------------------------------------------------------------------- risks


@njit(cache=True, _nrt=False)
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


# ---------------------------------------------------------------------------------------------- milestones


@njit(cache=True, _nrt=False)
def _yield_on(st, event, i, pc):
    """The milestone process waits for ``event``; returns False if it is already processed (go on at once)."""
    if st.ev_state[event] == PROCESSED:
        return False
    register(st.cb_head, st.cb_tail, st.cb_next, st.cb_kind, st.cb_arg, st.ctr, event, CB_MS, i)
    st.pc[i] = pc
    return True


@njit(cache=True, _nrt=False)
def _timeout(st, i, now, delay, pc):
    push(st.hf, st.hi, st.ctr, now + delay, NORMAL, K_RESUME_MS, i, 0, 0.0)
    st.pc[i] = pc


@njit(cache=True, _nrt=False)
def advance_ms(st, i, now, durations, shift, amounts, quantity, done, requested, committed, committed_amount):
    """Run milestone ``i``'s process from where it stands to its next wait (the ``milestone`` generator)."""
    n = st.n_ms
    pc = st.pc[i]
    if pc == PC_OBSERVED:
        done[i] = st.net_observed[i]
        succeed(st, i, now)
        end_process(st)
        st.pc[i] = -1
        return
    if pc == PC_START:
        if st.net_gated[i]:
            end_process(st)  # done when a metric reaches its value: computed after the run
            st.pc[i] = -1
            return
        obs = st.net_observed[i]
        if obs == obs:
            _timeout(st, i, now, max(obs, 0.0), PC_OBSERVED)
            return
        a, b = st.net_dep_ptr[i], st.net_dep_ptr[i + 1]
        if b - a == 1:
            if _yield_on(st, st.net_dep_idx[a], i, PC_DEPS):
                return
        elif b - a > 1:
            cond = st.cond_base + 3 * i
            new_condition(st, cond, st.net_need[i])
            for d in range(a, b):
                watch(st, cond, st.net_dep_idx[d], now)
            if _yield_on(st, cond, i, PC_DEPS):
                return
        pc = PC_DEPS
    if pc == PC_DEPS:
        a, b = st.net_part_ptr[i], st.net_part_ptr[i + 1]
        if b > a:
            for part in range(a, b):
                requested[part] = now
                p = st.net_part_pool[part]
                st.waiting[p, st.n_waiting[p]] = part
                st.n_waiting[p] += 1
            for q in range(st.net_ms_pool_ptr[i], st.net_ms_pool_ptr[i + 1]):
                serve(st, st.net_ms_pool_idx[q], now, amounts, committed, committed_amount, n)
            pending = False
            for part in range(a, b):
                if st.ev_state[n + part] == PENDING:
                    pending = True
            if pending:
                cond = st.cond_base + 3 * i + 1
                new_condition(st, cond, b - a)
                for part in range(a, b):
                    watch(st, cond, n + part, now)
                if _yield_on(st, cond, i, PC_MONEY):
                    return
        pc = PC_MONEY
    if pc == PC_MONEY:
        if durations[i] > 0:
            _timeout(st, i, now, durations[i], PC_PREORDER)
            return
        pc = PC_PREORDER
    if pc == PC_PREORDER:
        a, b = st.net_order_ptr[i], st.net_order_ptr[i + 1]
        if b > a and st.pending[i] > 0:  # e.g. contracting slips: the order is placed later
            delay = st.pending[i]
            st.pending[i] = 0.0
            _timeout(st, i, now, delay, PC_PREORDER)
            return
        if b > a:
            for order in range(a, b):
                k = st.net_order_line[order]
                st.seq[k] += 1
                q = st.n_queue[k]
                st.q_order[k, q] = order
                st.q_prio[k, q] = -st.net_order_prio[order]
                st.q_seq[k, q] = st.seq[k]
                st.n_queue[k] = q + 1
                place(st, k, now)
            cond = st.cond_base + 3 * i + 2
            new_condition(st, cond, b - a)
            for order in range(a, b):
                watch(st, cond, st.order_base + order, now)
            if _yield_on(st, cond, i, PC_ORDERS):
                return
        pc = PC_ORDERS
    if pc == PC_ORDERS:
        if st.net_floor[i] - now > 0:  # not done by the status date: done only after it (as milestones.py)
            _timeout(st, i, now, st.net_floor[i] - now, PC_ORDERS)
            return
        if st.pending[i] > 0:  # delays from risks that hit before completion
            delay = st.pending[i]
            st.pending[i] = 0.0
            _timeout(st, i, now, delay, PC_ORDERS)
            return
        if shift[i] > 0:
            st.shielded[i] = 1
            _timeout(st, i, now, shift[i], PC_SHIFT)
            return
        pc = PC_SHIFT
    if pc == PC_SHIFT:
        done[i] = now
        succeed(st, i, now)
        end_process(st)
        st.pc[i] = -1


# ---------------------------------------------------------------------------------------------- one batch


@njit(cache=True, _nrt=False)
def _reset(st, rep, pool_env, first_output, ramp0, base, added, win_lo, win_hi, win_f, ramp_start):
    st.ctr[0] = 0
    st.ctr[1] = 0
    st.ctr[2] = 0
    st.ev_state[:] = PENDING
    st.cb_head[:] = -1
    st.pc[:] = PC_START
    st.pending[:] = 0.0
    st.shielded[:] = 0
    if st.with_money:
        for p in range(st.envelope.shape[0]):
            st.envelope[p] = pool_env[rep, p]
            st.committed_total[p] = 0.0
            st.open_at[p] = st.net_available_from[p] if st.net_pool_open[p] < 0 else np.inf
            st.wake_at[p] = np.inf
            st.n_waiting[p] = 0
            f = 0
            for a in range(st.net_freeze_ptr[p], st.net_freeze_ptr[p + 1]):
                st.frozen_lo[p, f] = st.net_freeze_lo[a]
                st.frozen_hi[p, f] = st.net_freeze_hi[a]
                f += 1
            st.n_frozen[p] = f
    if st.with_lines:
        for k in range(st.busy.shape[0]):
            st.curve_start[k] = ramp0[rep, k]
            ramp_start[rep, k] = ramp0[rep, k]
            _rebuild(st, k, base[rep], added[rep], win_lo[rep], win_hi[rep], win_f[rep])
            st.busy[k] = -1
            st.busy_start[k] = 0.0
            st.version[k] = 0
            st.seq[k] = 0
            st.picking[k] = 0
            st.n_queue[k] = 0
            st.ramp_ready[k] = first_output[rep, k] if st.net_trigger[k] < 0 else np.inf


@njit(cache=True, _nrt=False)
def _trigger(st, k, now, rep, first_output, quantity, base, added, win_lo, win_hi, win_f, ramp_start):
    st.ramp_ready[k] = now + first_output[rep, k]
    set_ramp(st, k, now, quantity[rep], base[rep], added[rep], win_lo[rep], win_hi[rep], win_f[rep], ramp_start[rep])
    for other in range(st.busy.shape[0]):  # a faster training line trains other lines' workers earlier
        if st.net_wf_line[other] == k:
            set_ramp(st, other, now, quantity[rep], base[rep], added[rep], win_lo[rep], win_hi[rep], win_f[rep],
                     ramp_start[rep])
    end_process(st)


@njit(cache=True, _nrt=False)
def _open(st, p, now, rep, amounts, committed, committed_amount):
    st.open_at[p] = max(now, st.net_available_from[p])
    serve(st, p, now, amounts, committed, committed_amount, st.n_ms)
    end_process(st)


@njit(cache=True, _nrt=False, nogil=True)
def run_batch(st, durations, shift, occurs, delay, rtime, pool_env, amounts, cut_share, first_output, quantity,
              ramp0, base, added, win_lo, win_hi, win_f,
              done, requested, committed, committed_amount, started, delivered, ramp_start, hits):
    """Simulate every replication of a batch; outputs are written into the arrays passed in (inf-filled)."""
    count = durations.shape[0]
    n = st.n_ms
    for rep in range(count):
        _reset(st, rep, pool_env, first_output, ramp0, base, added, win_lo, win_hi, win_f, ramp_start)
        now = 0.0
        d_rep, a_rep, q_rep = durations[rep], amounts[rep], quantity[rep]
        c_rep, ca_rep = committed[rep], committed_amount[rep]
        hits_rep = hits[rep]
        # setup, in the reference engine's order: openers, line triggers and workforce, risks, milestones
        if st.with_money:
            for p in range(st.envelope.shape[0]):
                if st.net_pool_open[p] >= 0:
                    push(st.hf, st.hi, st.ctr, now, URGENT, K_INIT_OPENER, p, 0, 0.0)
        if st.with_lines:
            for k in range(st.busy.shape[0]):
                if st.net_trigger[k] >= 0:
                    push(st.hf, st.hi, st.ctr, now, URGENT, K_INIT_TRIGGER, k, 0, 0.0)
                elif st.net_wf_line[k] >= 0:
                    st.curve_start[k] = np.inf  # decided below, from the training line
                    ramp_start[rep, k] = np.inf
                    _rebuild(st, k, base[rep], added[rep], win_lo[rep], win_hi[rep], win_f[rep])
                    set_ramp(st, k, now, q_rep, base[rep], added[rep], win_lo[rep], win_hi[rep], win_f[rep],
                             ramp_start[rep])
        for r in range(occurs.shape[1]):
            has_money = st.with_money and (st.net_risk_freeze_ptr[r + 1] > st.net_risk_freeze_ptr[r]
                                           or st.net_risk_cut_ptr[r + 1] > st.net_risk_cut_ptr[r])
            affects = st.net_risk_aff_ptr[r + 1] > st.net_risk_aff_ptr[r]
            if not occurs[rep, r] or not (affects or has_money):
                continue
            if not st.net_risk_windowed[r]:
                occur(st, r, now, delay[rep], cut_share[rep], pool_env[rep], a_rep, c_rep, ca_rep, hits_rep)
            else:
                push(st.hf, st.hi, st.ctr, now, URGENT, K_INIT_RISK, r, 0, 0.0)
        for i in range(n):
            push(st.hf, st.hi, st.ctr, now, URGENT, K_INIT_MS, i, 0, 0.0)
        push(st.hf, st.hi, st.ctr, st.until, URGENT, K_UNTIL, 0, 0, 0.0)
        while st.ctr[C_HEAP] > 0:
            j = pop(st.hf, st.hi, st.ctr)
            kind = st.hi[j, 2]
            if kind == K_UNTIL:
                break
            now = st.hf[j, 0]
            f = st.hf[j, 1]
            a = st.hi[j, 3]
            b = st.hi[j, 4]
            if kind == K_EVENT:
                st.ev_state[a] = PROCESSED
                c = st.cb_head[a]
                while c >= 0:
                    ck, arg = st.cb_kind[c], st.cb_arg[c]
                    if ck == CB_MS:
                        advance_ms(st, arg, now, d_rep, shift[rep], a_rep, q_rep, done[rep], requested[rep], c_rep, ca_rep)
                    elif ck == CB_CHECK:
                        check(st, arg, a, now)
                    elif ck == CB_OPENER:
                        _open(st, arg, now, rep, a_rep, c_rep, ca_rep)
                    else:
                        _trigger(st, arg, now, rep, first_output, quantity, base, added, win_lo, win_hi, win_f, ramp_start)
                    c = st.cb_next[c]
            elif kind == K_INIT_MS or kind == K_RESUME_MS:
                advance_ms(st, a, now, d_rep, shift[rep], a_rep, q_rep, done[rep], requested[rep], c_rep, ca_rep)
            elif kind == K_INIT_OPENER:
                m = st.net_pool_open[a]
                if st.ev_state[m] == PROCESSED:
                    _open(st, a, now, rep, a_rep, c_rep, ca_rep)
                else:
                    register(st.cb_head, st.cb_tail, st.cb_next, st.cb_kind, st.cb_arg, st.ctr, m, CB_OPENER, a)
            elif kind == K_INIT_TRIGGER:
                m = st.net_trigger[a]
                if st.ev_state[m] == PROCESSED:
                    _trigger(st, a, now, rep, first_output, quantity, base, added, win_lo, win_hi, win_f, ramp_start)
                else:
                    register(st.cb_head, st.cb_tail, st.cb_next, st.cb_kind, st.cb_arg, st.ctr, m, CB_TRIGGER, a)
            elif kind == K_INIT_RISK:
                push(st.hf, st.hi, st.ctr, now + rtime[rep, a], NORMAL, K_RISK, a, 0, 0.0)
            elif kind == K_RISK:
                occur(st, a, now, delay[rep], cut_share[rep], pool_env[rep], a_rep, c_rep, ca_rep, hits_rep)
                end_process(st)
            elif kind == K_INIT_PICK:
                push(st.hf, st.hi, st.ctr, now + SAME_MOMENT, NORMAL, K_PICK, a, 0, 0.0)
            elif kind == K_PICK:
                st.picking[a] = 0
                next_order(st, a, now, q_rep, started[rep])
                end_process(st)
            elif kind == K_INIT_DELIVER:
                push(st.hf, st.hi, st.ctr, now + max(f - now, 0.0), NORMAL, K_DELIVER, a, b, 0.0)
            elif kind == K_DELIVER:
                if b == st.version[a]:
                    order = st.busy[a]
                    delivered[rep, order] = now
                    st.busy[a] = -1
                    succeed(st, st.order_base + order, now)
                    next_order(st, a, now, q_rep, started[rep])
                end_process(st)  # the curve changed: a newer delivery time was scheduled
            elif kind == K_INIT_WAKE:
                push(st.hf, st.hi, st.ctr, now + (f - now), NORMAL, K_WAKE, a, 0, f)
            elif kind == K_WAKE:
                if st.wake_at[a] == f:
                    st.wake_at[a] = np.inf
                serve(st, a, now, a_rep, c_rep, ca_rep, n)
                end_process(st)
        h = st.horizon
        for i in range(n):
            if done[rep, i] > h:
                done[rep, i] = np.inf
        for part in range(committed.shape[1]):
            if committed[rep, part] > h:
                committed[rep, part] = np.inf
        for o in range(started.shape[1]):
            if started[rep, o] > h:
                started[rep, o] = np.inf
            if delivered[rep, o] > h:
                delivered[rep, o] = np.inf
