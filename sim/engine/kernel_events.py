"""The compiled engine's event machinery (numba): SimPy's heap, events, callbacks and conditions, in arrays.

Entries are ordered by (time, priority, event id), the id taken when an entry is scheduled — SimPy's own
order, so simultaneous events resolve as in the reference engine. ``ev`` is the kernel's event record built
by :mod:`sim.engine.fast` (heap, callbacks, conditions): preallocated arrays, reset between replications.
"""

from __future__ import annotations

from .compiled import compiled

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
# ... at a commitment reported by the facts: of a programme under way, of a programme reported done
PC_COMMIT, PC_OBSERVED_COMMIT = 7, 8

# ctr slots
C_EID, C_HEAP, C_CB = 0, 1, 2


# ---------------------------------------------------------------------------------------------- heap


@compiled(python=False)
def _less(hf, hi, a, b):
    if hf[a, 0] != hf[b, 0]:
        return hf[a, 0] < hf[b, 0]
    if hi[a, 0] != hi[b, 0]:
        return hi[a, 0] < hi[b, 0]
    return hi[a, 1] < hi[b, 1]


@compiled(python=False)
def _swap(hf, hi, a, b):
    for c in range(hf.shape[1]):
        hf[a, c], hf[b, c] = hf[b, c], hf[a, c]
    for c in range(hi.shape[1]):
        hi[a, c], hi[b, c] = hi[b, c], hi[a, c]


@compiled()
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


@compiled()
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


# ---------------------------------------------------------------------------------------------- events


@compiled()
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


@compiled(python=False)
def succeed(ev, event, now):
    """``event.succeed()``: scheduled now with normal priority."""
    ev.ev_state[event] = TRIGGERED
    push(ev.hf, ev.hi, ev.ctr, now, NORMAL, K_EVENT, event, 0, 0.0)


@compiled(python=False)
def end_process(ev):
    """A process that ends schedules itself (nothing waits on processes here: only the id is taken)."""
    ev.ctr[C_EID] += 1


@compiled(python=False)
def check(ev, cond, event, now):
    """``Condition._check``: count a processed event; schedule the condition once enough are done."""
    if ev.ev_state[cond] != PENDING:
        return
    ev.cond_count[cond] += 1
    if ev.cond_count[cond] >= ev.cond_need[cond]:
        succeed(ev, cond, now)


@compiled(python=False)
def new_condition(ev, cond, need):
    """A condition (``Condition.__init__``) met once ``need`` of the events it watches are processed."""
    ev.ev_state[cond] = PENDING
    ev.cond_count[cond] = 0
    ev.cond_need[cond] = need


@compiled(python=False)
def watch(ev, cond, event, now):
    """The condition counts ``event`` now if it is processed, else when it is (SimPy: check or callback)."""
    if ev.ev_state[event] == PROCESSED:
        check(ev, cond, event, now)
    else:
        register(ev.cb_head, ev.cb_tail, ev.cb_next, ev.cb_kind, ev.cb_arg, ev.ctr, event, CB_CHECK, cond)
