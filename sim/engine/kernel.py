"""The fast engine's compiled event loop (numba): the SimPy engine's semantics, one replication after another.

It is a faithful copy of what :func:`sim.engine.milestones.simulate` asks of SimPy, not an approximation:
events are processed in (time, priority, event id) order, an event id is taken when an event is scheduled,
a process starts with an urgent initialisation event and schedules itself when it ends, a condition (all-of,
any-of, k-of-n) checks its events in the order they are processed and is itself scheduled when it is met.
Hence simultaneous events resolve exactly as in the reference engine — the one tie rule of both engines is
SimPy's (time, priority, insertion) order — and every output agrees with it (tested on every shipped and on
generated scenarios).

All state is kept in preallocated arrays (one replication at a time, reset between replications), so a
batch is one compiled call. The arrays come in a few records (namedtuples built by :mod:`sim.engine.fast`):
``ev`` events, ``ms`` milestones, ``rk`` risks, ``mo`` money pools, ``ln`` production lines, ``cv`` their
capacity curves, ``inp`` the batch's sampled inputs and ``out`` its outputs. Each function takes only the
records it uses, as compile time grows with the size of a function's arguments (docs/design.md, "Why numba").
Units: days, € bn, units of a line's product.
"""

from __future__ import annotations

import numpy as np

from .compiled import compiled
from .kernel_events import (
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
    T_CLOCK,
    URGENT,
    check,
    end_process,
    new_condition,
    pop,
    push,
    queued,
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
def _yield_on(ev, ms, event, i, pc):
    """The milestone process waits for ``event``; returns False if it is already processed (go on at once)."""
    if ev.ev_state[event] == PROCESSED:
        return False
    register(ev.cb_head, ev.cb_tail, ev.cb_next, ev.cb_kind, ev.cb_arg, ev.ctr, event, CB_MS, i)
    ms.pc[i] = pc
    return True


@compiled(python=False)
def _timeout(ev, ms, i, now, delay, pc):
    push(ev, now + delay, NORMAL, K_RESUME_MS, i, 0, 0.0)
    ms.pc[i] = pc


@compiled(python=False)
def _complete(ev, ms, i, now, done, when):
    """The milestone is done at ``when``: its event succeeds and its process ends."""
    done[i] = when
    succeed(ev, i, now)
    end_process(ev)
    ms.pc[i] = -1


@compiled(python=False)
def _await_dependencies(ev, ms, i, now):
    """Start: an observed or gated milestone takes its own path; others wait for all / any / k of their deps."""
    if ms.net_gated[i]:
        end_process(ev)  # done when a metric reaches its value: computed after the run
        ms.pc[i] = -1
        return WAITING
    obs = ms.net_observed[i]
    commit = ms.net_commit_observed[i]
    if obs == obs:
        if commit == commit:  # a programme reported done: its money first (as milestones.py)
            _timeout(ev, ms, i, now, commit, PC_OBSERVED_COMMIT)
        else:
            _timeout(ev, ms, i, now, max(obs, 0.0), PC_OBSERVED)
        return WAITING
    if commit == commit:  # under way: its money was committed on a reported date
        _timeout(ev, ms, i, now, max(commit, 0.0), PC_COMMIT)
        return WAITING
    a, b = ms.net_dep_ptr[i], ms.net_dep_ptr[i + 1]
    if b - a == 1:
        if _yield_on(ev, ms, ms.net_dep_idx[a], i, PC_DEPS):
            return WAITING
    elif b - a > 1:
        cond = ms.cond_base + 3 * i
        new_condition(ev, cond, ms.net_need[i])
        for d in range(a, b):
            watch(ev, cond, ms.net_dep_idx[d], now)
        if _yield_on(ev, ms, cond, i, PC_DEPS):
            return WAITING
    return PC_DEPS


@compiled(python=False)
def _await_money(ev, ms, mo, i, now, amounts, requested, committed, committed_amount):
    """Ask every pool for this programme's parts, then wait until all are committed."""
    n = ms.n_ms
    a, b = mo.net_part_ptr[i], mo.net_part_ptr[i + 1]
    if b == a:
        return PC_MONEY
    for part in range(a, b):
        requested[part] = now
        p = mo.net_part_pool[part]
        mo.waiting[p, mo.n_waiting[p]] = part
        mo.n_waiting[p] += 1
    for q in range(mo.net_ms_pool_ptr[i], mo.net_ms_pool_ptr[i + 1]):
        serve(ev, mo, mo.net_ms_pool_idx[q], now, amounts, committed, committed_amount, n)
    pending = False
    for part in range(a, b):
        if ev.ev_state[n + part] == PENDING:
            pending = True
    if pending:
        cond = ms.cond_base + 3 * i + 1
        new_condition(ev, cond, b - a)
        for part in range(a, b):
            watch(ev, cond, n + part, now)
        if _yield_on(ev, ms, cond, i, PC_MONEY):
            return WAITING
    return PC_MONEY


@compiled(python=False)
def _await_orders(ev, ms, ln, i, now):
    """Place the milestone's orders (after any delay that hit before) and wait until all are delivered."""
    a, b = ln.net_order_ptr[i], ln.net_order_ptr[i + 1]
    if b == a:
        return PC_ORDERS
    if ms.pending[i] > 0:  # e.g. contracting slips: the order is placed later
        delay = ms.pending[i]
        ms.pending[i] = 0.0
        _timeout(ev, ms, i, now, delay, PC_PREORDER)
        return WAITING
    for order in range(a, b):
        k = ln.net_order_line[order]
        ln.seq[k] += 1
        q = ln.n_queue[k]
        ln.q_order[k, q] = order
        ln.q_prio[k, q] = -ln.net_order_prio[order]
        ln.q_seq[k, q] = ln.seq[k]
        ln.n_queue[k] = q + 1
        place(ev, ln, k, now)
    cond = ms.cond_base + 3 * i + 2
    new_condition(ev, cond, b - a)
    for order in range(a, b):
        watch(ev, cond, ms.order_base + order, now)
    if _yield_on(ev, ms, cond, i, PC_ORDERS):
        return WAITING
    return PC_ORDERS


@compiled(python=False)
def _await_delays(ev, ms, i, now, shift):
    """Wait out the status-date floor, then risk delays that hit before completion, then a delay shock."""
    if ms.net_floor[i] - now > 0:  # not done by the status date: done only after it (as milestones.py)
        _timeout(ev, ms, i, now, ms.net_floor[i] - now, PC_ORDERS)
        return WAITING
    if ms.pending[i] > 0:  # delays from risks that hit before completion
        delay = ms.pending[i]
        ms.pending[i] = 0.0
        _timeout(ev, ms, i, now, delay, PC_ORDERS)
        return WAITING
    if shift[i] > 0:
        ms.shielded[i] = 1
        _timeout(ev, ms, i, now, shift[i], PC_SHIFT)
        return WAITING
    return PC_SHIFT


@compiled(python=False)
def _advance_plain(ev, ms, i, now, pc, durations, shift, done, part_ptr, order_ptr):
    """Run milestone ``i``'s process from ``pc`` until it waits (``WAITING``) or reaches money or orders (that ``pc``).

    The common path, in a function that takes neither the pools nor the lines: every array a function uses is
    passed to it as 7-9 machine words, and the event loop's call of the whole process passed some 500 words per
    event, most of the kernel's time (issue 9). :func:`advance_ms` goes on from where this stops.
    """
    if pc == PC_OBSERVED:
        _complete(ev, ms, i, now, done, ms.net_observed[i])
        return WAITING
    if pc == PC_OBSERVED_COMMIT:
        return pc
    if pc == PC_START:
        pc = _await_dependencies(ev, ms, i, now)
    if pc == PC_COMMIT:
        return pc
    if pc == PC_DEPS:
        if part_ptr[i + 1] > part_ptr[i]:
            return pc
        pc = PC_MONEY
    if pc == PC_MONEY:
        if durations[i] > 0:
            _timeout(ev, ms, i, now, durations[i], PC_PREORDER)
            return WAITING
        pc = PC_PREORDER
    if pc == PC_PREORDER:
        if order_ptr[i + 1] > order_ptr[i]:
            return pc
        pc = PC_ORDERS
    if pc == PC_ORDERS:
        if ms.net_floor[i] - now > 0 or ms.pending[i] > 0 or shift[i] > 0:  # else _await_delays does nothing
            pc = _await_delays(ev, ms, i, now, shift)
        else:
            pc = PC_SHIFT
    if pc == PC_SHIFT:
        _complete(ev, ms, i, now, done, now)
    return WAITING


@compiled(python=False)
def advance_ms(ev, ms, mo, ln, i, now, pc, durations, shift, amounts, done, requested, committed, committed_amount):
    """Go on from position ``pc`` of milestone ``i``'s process, which takes money or places orders, to its next wait.

    Together with :func:`_advance_plain` (called first, by the event loop) the ``milestone`` generator.
    """
    while pc != WAITING:
        if pc == PC_OBSERVED_COMMIT:
            take(mo, i, now, amounts, requested, committed, committed_amount)
            _timeout(ev, ms, i, now, max(ms.net_observed[i], 0.0) - ms.net_commit_observed[i], PC_OBSERVED)
            return
        if pc == PC_COMMIT:
            take(mo, i, now, amounts, requested, committed, committed_amount)
            pc = PC_MONEY
        elif pc == PC_DEPS:
            pc = _await_money(ev, ms, mo, i, now, amounts, requested, committed, committed_amount)
        else:
            pc = _await_orders(ev, ms, ln, i, now)
        pc = _advance_plain(ev, ms, i, now, pc, durations, shift, done, mo.net_part_ptr, ln.net_order_ptr)


# ---------------------------------------------------------------------------------------------- one batch


@compiled(python=False)
def _reset(ev, ms, mo, ln, cv, inp, out, rep):
    """Reset the state for replication ``rep``: no events, envelopes and lines as at day 0."""
    ev.ctr[:] = 0
    ev.qt[T_CLOCK] = 0.0  # day 0's entries go to the queues of the current instant
    ev.ev_state[:] = PENDING
    ev.cb_head[:] = -1
    ms.pc[:] = PC_START
    ms.pending[:] = 0.0
    ms.shielded[:] = 0
    if mo.with_money:
        for p in range(mo.envelope.shape[0]):
            mo.envelope[p] = inp.pool_env[rep, p]
            mo.committed_total[p] = 0.0
            mo.open_at[p] = mo.net_available_from[p] if mo.net_pool_open[p] < 0 else np.inf
            mo.wake_at[p] = np.inf
            mo.n_waiting[p] = 0
            f = 0
            for a in range(mo.net_freeze_ptr[p], mo.net_freeze_ptr[p + 1]):
                mo.frozen_lo[p, f] = mo.net_freeze_lo[a]
                mo.frozen_hi[p, f] = mo.net_freeze_hi[a]
                f += 1
            mo.n_frozen[p] = f
    if ln.with_lines:
        base, added = inp.base[rep], inp.added[rep]
        win_lo, win_hi, win_f = inp.win_lo[rep], inp.win_hi[rep], inp.win_f[rep]
        for k in range(ln.busy.shape[0]):
            cv.curve_start[k] = inp.ramp0[rep, k]
            out.ramp_start[rep, k] = inp.ramp0[rep, k]
            rebuild_line(cv, k, base, added, win_lo, win_hi, win_f)
            ln.busy[k] = -1
            ln.busy_start[k] = 0.0
            ln.version[k] = 0
            ln.seq[k] = 0
            ln.picking[k] = 0
            ln.n_queue[k] = 0
            ln.ramp_ready[k] = inp.first_output[rep, k] if ln.net_trigger[k] < 0 else np.inf


@compiled(python=False)
def _schedule_start(ev, ms, rk, mo, ln, cv, inp, out, rep):
    """Day 0, in the reference engine's order: pool openers, line triggers and workforce, risks, milestones."""
    now = 0.0
    if mo.with_money:
        for p in range(mo.envelope.shape[0]):
            if mo.net_pool_open[p] >= 0:
                push(ev, now, URGENT, K_INIT_OPENER, p, 0, 0.0)
    if ln.with_lines:
        quantity, base, added = inp.quantity[rep], inp.base[rep], inp.added[rep]
        win_lo, win_hi, win_f, ramp_start = inp.win_lo[rep], inp.win_hi[rep], inp.win_f[rep], out.ramp_start[rep]
        for k in range(ln.busy.shape[0]):
            if ln.net_trigger[k] >= 0:
                push(ev, now, URGENT, K_INIT_TRIGGER, k, 0, 0.0)
            elif ln.net_wf_line[k] >= 0:
                cv.curve_start[k] = np.inf  # decided below, from the training line
                ramp_start[k] = np.inf
                rebuild_line(cv, k, base, added, win_lo, win_hi, win_f)
                set_ramp(ev, ln, cv, k, now, quantity, base, added, win_lo, win_hi, win_f, ramp_start)
    occurs = inp.occurs
    for r in range(occurs.shape[1]):
        has_money = mo.with_money and (rk.net_risk_freeze_ptr[r + 1] > rk.net_risk_freeze_ptr[r]
                                       or rk.net_risk_cut_ptr[r + 1] > rk.net_risk_cut_ptr[r])
        affects = rk.net_risk_aff_ptr[r + 1] > rk.net_risk_aff_ptr[r]
        if not occurs[rep, r] or not (affects or has_money):
            continue
        if not rk.net_risk_windowed[r]:
            occur(ev, ms, rk, mo, r, now, inp.delay[rep], inp.cut_share[rep], inp.pool_env[rep], inp.amounts[rep],
                  out.committed[rep], out.committed_amount[rep], out.hits[rep])
        else:
            push(ev, now, URGENT, K_INIT_RISK, r, 0, 0.0)
    for i in range(ms.n_ms):
        push(ev, now, URGENT, K_INIT_MS, i, 0, 0.0)
    push(ev, ms.until, URGENT, K_UNTIL, 0, 0, 0.0)


@compiled(python=False)
def _run_events(ev, ms, rk, mo, ln, cv, inp, out, rep):
    """Process replication ``rep``'s events in (time, priority, id) order until the horizon."""
    n = ms.n_ms
    d_rep, s_rep, a_rep, q_rep = inp.durations[rep], inp.shift[rep], inp.amounts[rep], inp.quantity[rep]
    done, requested, c_rep, ca_rep = out.done[rep], out.requested[rep], out.committed[rep], out.committed_amount[rep]
    part_ptr, order_ptr = mo.net_part_ptr, ln.net_order_ptr
    while queued(ev) > 0:
        now, f, kind, a, b = pop(ev)
        if kind == K_UNTIL:
            break
        if kind == K_EVENT:
            ev.ev_state[a] = PROCESSED
            c = ev.cb_head[a]
            while c >= 0:
                ck, arg = ev.cb_kind[c], ev.cb_arg[c]
                if ck == CB_MS:
                    pc = _advance_plain(ev, ms, arg, now, ms.pc[arg], d_rep, s_rep, done, part_ptr, order_ptr)
                    if pc != WAITING:
                        advance_ms(ev, ms, mo, ln, arg, now, pc, d_rep, s_rep, a_rep, done, requested, c_rep, ca_rep)
                elif ck == CB_CHECK:
                    check(ev, arg, a, now)
                elif ck == CB_OPENER:
                    open_pool(ev, mo, arg, now, a_rep, c_rep, ca_rep, n)
                else:
                    trigger_line(ev, ln, cv, arg, now, rep, inp, out)
                c = ev.cb_next[c]
        elif kind == K_INIT_MS or kind == K_RESUME_MS:
            pc = _advance_plain(ev, ms, a, now, ms.pc[a], d_rep, s_rep, done, part_ptr, order_ptr)
            if pc != WAITING:
                advance_ms(ev, ms, mo, ln, a, now, pc, d_rep, s_rep, a_rep, done, requested, c_rep, ca_rep)
        elif kind == K_INIT_OPENER:
            m = mo.net_pool_open[a]
            if ev.ev_state[m] == PROCESSED:
                open_pool(ev, mo, a, now, a_rep, c_rep, ca_rep, n)
            else:
                register(ev.cb_head, ev.cb_tail, ev.cb_next, ev.cb_kind, ev.cb_arg, ev.ctr, m, CB_OPENER, a)
        elif kind == K_INIT_TRIGGER:
            m = ln.net_trigger[a]
            if ev.ev_state[m] == PROCESSED:
                trigger_line(ev, ln, cv, a, now, rep, inp, out)
            else:
                register(ev.cb_head, ev.cb_tail, ev.cb_next, ev.cb_kind, ev.cb_arg, ev.ctr, m, CB_TRIGGER, a)
        elif kind == K_INIT_RISK:
            push(ev, now + inp.rtime[rep, a], NORMAL, K_RISK, a, 0, 0.0)
        elif kind == K_RISK:
            occur(ev, ms, rk, mo, a, now, inp.delay[rep], inp.cut_share[rep], inp.pool_env[rep], a_rep, c_rep, ca_rep,
                  out.hits[rep])
            end_process(ev)
        elif kind == K_INIT_PICK:
            push(ev, now + SAME_MOMENT, NORMAL, K_PICK, a, 0, 0.0)
        elif kind == K_PICK:
            ln.picking[a] = 0
            next_order(ev, ln, cv, a, now, q_rep, out.started[rep])
            end_process(ev)
        elif kind == K_INIT_DELIVER:
            push(ev, now + max(f - now, 0.0), NORMAL, K_DELIVER, a, b, 0.0)
        elif kind == K_DELIVER:
            if b == ln.version[a]:
                order = ln.busy[a]
                out.delivered[rep, order] = now
                ln.busy[a] = -1
                succeed(ev, ms.order_base + order, now)
                next_order(ev, ln, cv, a, now, q_rep, out.started[rep])
            end_process(ev)  # the curve changed: a newer delivery time was scheduled
        elif kind == K_INIT_WAKE:
            push(ev, now + (f - now), NORMAL, K_WAKE, a, 0, f)
        elif kind == K_WAKE:
            if mo.wake_at[a] == f:
                mo.wake_at[a] = np.inf
            serve(ev, mo, a, now, a_rep, c_rep, ca_rep, n)
            end_process(ev)


@compiled(python=False)
def _clip_to_horizon(ms, out, rep):
    """Whatever happens after the horizon is 'not done' (inf), as in the reference engine."""
    h = ms.horizon
    done, committed, started, delivered = out.done, out.committed, out.started, out.delivered
    for i in range(ms.n_ms):
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
def run_batch(ev, ms, rk, mo, ln, cv, inp, out):
    """Simulate every replication of a batch; outputs are written into the ``out`` arrays (inf-filled).

    The event loop is a function of its own (``_run_events``): so compiled, the small functions it calls
    are inlined into it, which made the kernel 10 % faster than one long function — and twice as fast as the
    same loop sharing a function with the set-up (measured: 112, 125 and 239 ms per 1,000 baseline replications).
    """
    for rep in range(inp.durations.shape[0]):
        _reset(ev, ms, mo, ln, cv, inp, out, rep)
        _schedule_start(ev, ms, rk, mo, ln, cv, inp, out, rep)
        _run_events(ev, ms, rk, mo, ln, cv, inp, out, rep)
        _clip_to_horizon(ms, out, rep)
