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

import numpy as np

from .compiled import compiled
from .kernel_events import (
    C_HEAP,
    CB_CHECK,
    CB_MS,
    CB_OPENER,
    CB_TRIGGER,
    K_DELIVER,
    K_EVENT,
    K_INIT_DELIVER,
    K_INIT_MS,
    K_INIT_OPENER,
    K_INIT_PICK,
    K_INIT_RISK,
    K_INIT_TRIGGER,
    K_INIT_WAKE,
    K_PICK,
    K_RESUME_MS,
    K_RISK,
    K_UNTIL,
    K_WAKE,
    NORMAL,
    PC_COMMIT,
    PC_DEPS,
    PC_MONEY,
    PC_OBSERVED,
    PC_OBSERVED_COMMIT,
    PC_ORDERS,
    PC_PREORDER,
    PC_SHIFT,
    PC_START,
    PENDING,
    PROCESSED,
    URGENT,
    check,
    end_process,
    new_condition,
    pop,
    push,
    register,
    succeed,
    watch,
)
from .kernel_resources import (
    SAME_MOMENT,
    next_order,
    occur,
    open_pool,
    place,
    rebuild_line,
    serve,
    set_ramp,
    take,
    trigger_line,
)

WAITING = -2  # a phase of the milestone process that yielded (or ended it) returns this instead of the next one


# ---------------------------------------------------------------------------------------------- milestones


@compiled(python=False)
def _yield_on(st, event, i, pc):
    """The milestone process waits for ``event``; returns False if it is already processed (go on at once)."""
    if st.ev_state[event] == PROCESSED:
        return False
    register(st.cb_head, st.cb_tail, st.cb_next, st.cb_kind, st.cb_arg, st.ctr, event, CB_MS, i)
    st.pc[i] = pc
    return True


@compiled(python=False)
def _timeout(st, i, now, delay, pc):
    push(st.hf, st.hi, st.ctr, now + delay, NORMAL, K_RESUME_MS, i, 0, 0.0)
    st.pc[i] = pc


@compiled(python=False)
def _complete(st, i, now, done, when):
    """The milestone is done at ``when``: its event succeeds and its process ends."""
    done[i] = when
    succeed(st, i, now)
    end_process(st)
    st.pc[i] = -1


@compiled(python=False)
def _await_dependencies(st, i, now):
    """Start: an observed or gated milestone takes its own path; others wait for all / any / k of their deps."""
    if st.net_gated[i]:
        end_process(st)  # done when a metric reaches its value: computed after the run
        st.pc[i] = -1
        return WAITING
    obs = st.net_observed[i]
    commit = st.net_commit_observed[i]
    if obs == obs:
        if commit == commit:  # a programme reported done: its money first (as milestones.py)
            _timeout(st, i, now, commit, PC_OBSERVED_COMMIT)
        else:
            _timeout(st, i, now, max(obs, 0.0), PC_OBSERVED)
        return WAITING
    if commit == commit:  # under way: its money was committed on a reported date
        _timeout(st, i, now, max(commit, 0.0), PC_COMMIT)
        return WAITING
    a, b = st.net_dep_ptr[i], st.net_dep_ptr[i + 1]
    if b - a == 1:
        if _yield_on(st, st.net_dep_idx[a], i, PC_DEPS):
            return WAITING
    elif b - a > 1:
        cond = st.cond_base + 3 * i
        new_condition(st, cond, st.net_need[i])
        for d in range(a, b):
            watch(st, cond, st.net_dep_idx[d], now)
        if _yield_on(st, cond, i, PC_DEPS):
            return WAITING
    return PC_DEPS


@compiled(python=False)
def _await_money(st, i, now, amounts, requested, committed, committed_amount):
    """Ask every pool for this programme's parts, then wait until all are committed."""
    n = st.n_ms
    a, b = st.net_part_ptr[i], st.net_part_ptr[i + 1]
    if b == a:
        return PC_MONEY
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
            return WAITING
    return PC_MONEY


@compiled(python=False)
def _await_orders(st, i, now):
    """Place the milestone's orders (after any delay that hit before) and wait until all are delivered."""
    a, b = st.net_order_ptr[i], st.net_order_ptr[i + 1]
    if b == a:
        return PC_ORDERS
    if st.pending[i] > 0:  # e.g. contracting slips: the order is placed later
        delay = st.pending[i]
        st.pending[i] = 0.0
        _timeout(st, i, now, delay, PC_PREORDER)
        return WAITING
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
        return WAITING
    return PC_ORDERS


@compiled(python=False)
def _await_delays(st, i, now, shift):
    """Wait out the status-date floor, then risk delays that hit before completion, then a delay shock."""
    if st.net_floor[i] - now > 0:  # not done by the status date: done only after it (as milestones.py)
        _timeout(st, i, now, st.net_floor[i] - now, PC_ORDERS)
        return WAITING
    if st.pending[i] > 0:  # delays from risks that hit before completion
        delay = st.pending[i]
        st.pending[i] = 0.0
        _timeout(st, i, now, delay, PC_ORDERS)
        return WAITING
    if shift[i] > 0:
        st.shielded[i] = 1
        _timeout(st, i, now, shift[i], PC_SHIFT)
        return WAITING
    return PC_SHIFT


@compiled(python=False)
def advance_ms(st, i, now, durations, shift, amounts, done, requested, committed, committed_amount):
    """Run milestone ``i``'s process from where it stands to its next wait (the ``milestone`` generator)."""
    pc = st.pc[i]
    if pc == PC_OBSERVED:
        _complete(st, i, now, done, st.net_observed[i])
        return
    if pc == PC_OBSERVED_COMMIT:
        take(st, i, now, amounts, requested, committed, committed_amount)
        _timeout(st, i, now, max(st.net_observed[i], 0.0) - st.net_commit_observed[i], PC_OBSERVED)
        return
    if pc == PC_START:
        pc = _await_dependencies(st, i, now)
    if pc == PC_COMMIT:
        take(st, i, now, amounts, requested, committed, committed_amount)
        pc = PC_MONEY
    if pc == PC_DEPS:
        pc = _await_money(st, i, now, amounts, requested, committed, committed_amount)
    if pc == PC_MONEY:
        if durations[i] > 0:
            _timeout(st, i, now, durations[i], PC_PREORDER)
            return
        pc = PC_PREORDER
    if pc == PC_PREORDER:
        pc = _await_orders(st, i, now)
    if pc == PC_ORDERS:
        pc = _await_delays(st, i, now, shift)
    if pc == PC_SHIFT:
        _complete(st, i, now, done, now)


# ---------------------------------------------------------------------------------------------- one batch


@compiled(python=False)
def _reset(st, rep, pool_env, first_output, ramp0, base, added, win_lo, win_hi, win_f, ramp_start):
    """Reset the state for replication ``rep``: no events, envelopes and lines as at day 0."""
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
            rebuild_line(st, k, base[rep], added[rep], win_lo[rep], win_hi[rep], win_f[rep])
            st.busy[k] = -1
            st.busy_start[k] = 0.0
            st.version[k] = 0
            st.seq[k] = 0
            st.picking[k] = 0
            st.n_queue[k] = 0
            st.ramp_ready[k] = first_output[rep, k] if st.net_trigger[k] < 0 else np.inf


@compiled(python=False)
def _schedule_start(st, rep, occurs, delay, cut_share, pool_env, amounts, committed, committed_amount, hits,
                    quantity, base, added, win_lo, win_hi, win_f, ramp_start):
    """Day 0, in the reference engine's order: pool openers, line triggers and workforce, risks, milestones."""
    now = 0.0
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
                rebuild_line(st, k, base[rep], added[rep], win_lo[rep], win_hi[rep], win_f[rep])
                set_ramp(st, k, now, quantity[rep], base[rep], added[rep], win_lo[rep], win_hi[rep], win_f[rep],
                         ramp_start[rep])
    for r in range(occurs.shape[1]):
        has_money = st.with_money and (st.net_risk_freeze_ptr[r + 1] > st.net_risk_freeze_ptr[r]
                                       or st.net_risk_cut_ptr[r + 1] > st.net_risk_cut_ptr[r])
        affects = st.net_risk_aff_ptr[r + 1] > st.net_risk_aff_ptr[r]
        if not occurs[rep, r] or not (affects or has_money):
            continue
        if not st.net_risk_windowed[r]:
            occur(st, r, now, delay[rep], cut_share[rep], pool_env[rep], amounts[rep], committed[rep],
                  committed_amount[rep], hits[rep])
        else:
            push(st.hf, st.hi, st.ctr, now, URGENT, K_INIT_RISK, r, 0, 0.0)
    for i in range(st.n_ms):
        push(st.hf, st.hi, st.ctr, now, URGENT, K_INIT_MS, i, 0, 0.0)
    push(st.hf, st.hi, st.ctr, st.until, URGENT, K_UNTIL, 0, 0, 0.0)


@compiled(python=False)
def _run_events(st, rep, d_rep, a_rep, q_rep, c_rep, ca_rep, hits_rep, shift, delay, rtime, pool_env, cut_share,
                first_output, quantity, base, added, win_lo, win_hi, win_f, done, requested, committed, started,
                delivered, ramp_start):
    """Process replication ``rep``'s events in (time, priority, id) order until the horizon."""
    n = st.n_ms
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
                    advance_ms(st, arg, now, d_rep, shift[rep], a_rep, done[rep], requested[rep], c_rep, ca_rep)
                elif ck == CB_CHECK:
                    check(st, arg, a, now)
                elif ck == CB_OPENER:
                    open_pool(st, arg, now, rep, a_rep, c_rep, ca_rep)
                else:
                    trigger_line(st, arg, now, rep, first_output, quantity, base, added, win_lo, win_hi, win_f, ramp_start)
                c = st.cb_next[c]
        elif kind == K_INIT_MS or kind == K_RESUME_MS:
            advance_ms(st, a, now, d_rep, shift[rep], a_rep, done[rep], requested[rep], c_rep, ca_rep)
        elif kind == K_INIT_OPENER:
            m = st.net_pool_open[a]
            if st.ev_state[m] == PROCESSED:
                open_pool(st, a, now, rep, a_rep, c_rep, ca_rep)
            else:
                register(st.cb_head, st.cb_tail, st.cb_next, st.cb_kind, st.cb_arg, st.ctr, m, CB_OPENER, a)
        elif kind == K_INIT_TRIGGER:
            m = st.net_trigger[a]
            if st.ev_state[m] == PROCESSED:
                trigger_line(st, a, now, rep, first_output, quantity, base, added, win_lo, win_hi, win_f, ramp_start)
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


@compiled(python=False)
def _clip_to_horizon(st, rep, done, committed, started, delivered):
    """Whatever happens after the horizon is 'not done' (inf), as in the reference engine."""
    h = st.horizon
    for i in range(st.n_ms):
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


@compiled(nogil=True)
def run_batch(st, durations, shift, occurs, delay, rtime, pool_env, amounts, cut_share, first_output, quantity,
              ramp0, base, added, win_lo, win_hi, win_f,
              done, requested, committed, committed_amount, started, delivered, ramp_start, hits):
    """Simulate every replication of a batch; outputs are written into the arrays passed in (inf-filled).

    The event loop is a function of its own (``_run_events``): so compiled, the small functions it calls
    are inlined into it, which made the kernel 10 % faster than one long function — and twice as fast as the
    same loop sharing a function with the set-up (measured: 112, 125 and 239 ms per 1,000 baseline replications).
    """
    for rep in range(durations.shape[0]):
        _reset(st, rep, pool_env, first_output, ramp0, base, added, win_lo, win_hi, win_f, ramp_start)
        _schedule_start(st, rep, occurs, delay, cut_share, pool_env, amounts, committed, committed_amount, hits,
                        quantity, base, added, win_lo, win_hi, win_f, ramp_start)
        _run_events(st, rep, durations[rep], amounts[rep], quantity[rep], committed[rep], committed_amount[rep], hits[rep],
                    shift, delay, rtime, pool_env, cut_share, first_output, quantity, base, added, win_lo, win_hi,
                    win_f, done, requested, committed, started, delivered, ramp_start)
        _clip_to_horizon(st, rep, done, committed, started, delivered)
