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

# ctr slots: the next event id, heap size, callbacks used; per priority p, where its queue of entries due now
# starts (C_QHEAD + 2p) and how many it holds (C_QSIZE + 2p)
C_EID, C_HEAP, C_CB, C_QHEAD, C_QSIZE = 0, 1, 2, 3, 4
# qt slots: the time of the entry popped last (the clock), then per priority p the time of its queue (1 + p)
T_CLOCK = 0
PRIO_SHIFT = 62  # a heap key is prio << 62 | id: (priority, id) compare as one integer


# ---------------------------------------------------------------------------------------------- heap
# Most entries are scheduled for the current instant (a succeeded event, a process starting or resuming).
# Their ids only grow, so entries due at one instant with one priority are already in (time, priority, id)
# order in a first-in first-out queue; only later entries go through the binary heap. ``pop`` takes the least
# of the heap's top and the two queues' heads by the same (time, priority, id) comparison, so entries come
# out in exactly the order of one heap (SimPy's), at a fraction of the cost (issue 9: 800 entries a baseline
# replication, most of them due at once).


@compiled()
def push(ev, time, prio, kind, a, b, f):
    """Schedule an entry at ``time`` with ``prio``; it takes the next event id (SimPy's insertion order).

    Parameters
    ----------
    ev : Events
        The event record (heap, queues, counters).
    time : float
        When the entry is due (days).
    prio : int
        ``URGENT`` or ``NORMAL``.
    kind, a, b : int
        What the entry does (``K_*``) and its two integer arguments.
    f : float
        Its floating-point argument.
    """
    ctr, qt = ev.ctr, ev.qt
    eid = ctr[C_EID]
    ctr[C_EID] = eid + 1
    size = ctr[C_QSIZE + 2 * prio]
    # a queue holds entries of one instant only: the clock's when it is empty, its own time when not
    if time == (qt[T_CLOCK] if size == 0 else qt[1 + prio]):
        cap = ev.qf.shape[1]
        if size >= cap:
            raise RuntimeError("event queue full")
        q = ctr[C_QHEAD + 2 * prio] + size
        if q >= cap:
            q -= cap
        ev.qi[prio, q, 0], ev.qi[prio, q, 1], ev.qi[prio, q, 2], ev.qi[prio, q, 3] = eid, kind, a, b
        ev.qf[prio, q] = f
        qt[1 + prio] = time
        ctr[C_QSIZE + 2 * prio] = size + 1
        return
    _heap_push(ev.hf, ev.hi, ctr, time, (prio << PRIO_SHIFT) | eid, kind, a, b, f)


@compiled(python=False)
def _heap_push(hf, hi, ctr, time, key, kind, a, b, f):
    """Add an entry to the heap (a function of its own: ``push`` is inlined everywhere, the sift need not be)."""
    j = ctr[C_HEAP]
    if j >= hf.shape[0]:
        raise RuntimeError("event heap full")
    ctr[C_HEAP] = j + 1
    while j > 0:  # sift the hole up while the parent is later (the new entry is written once, at the end)
        parent = (j - 1) // 2
        pt = hf[parent, 0]
        if time != pt:
            if not time < pt:
                break
        elif not key < hi[parent, 0]:
            break
        hf[j, 0], hf[j, 1] = pt, hf[parent, 1]
        hi[j, 0], hi[j, 1], hi[j, 2], hi[j, 3] = hi[parent, 0], hi[parent, 1], hi[parent, 2], hi[parent, 3]
        j = parent
    hf[j, 0], hf[j, 1] = time, f
    hi[j, 0], hi[j, 1], hi[j, 2], hi[j, 3] = key, kind, a, b


@compiled(python=False)
def _heap_remove_top(hf, hi, ctr):
    """Remove the heap's top: the last entry is sifted down from the root."""
    last = ctr[C_HEAP] - 1
    ctr[C_HEAP] = last
    if last == 0:
        return
    t, key = hf[last, 0], hi[last, 0]
    j = 0
    while True:
        small = 2 * j + 1
        if small >= last:
            break
        right = small + 1
        if right < last:  # the earlier child (the left one on a tie, as a swapping heap)
            if hf[right, 0] != hf[small, 0]:
                if hf[right, 0] < hf[small, 0]:
                    small = right
            elif hi[right, 0] < hi[small, 0]:
                small = right
        st = hf[small, 0]
        if st != t:
            if not st < t:
                break
        elif not hi[small, 0] < key:
            break
        hf[j, 0], hf[j, 1] = st, hf[small, 1]
        hi[j, 0], hi[j, 1], hi[j, 2], hi[j, 3] = hi[small, 0], hi[small, 1], hi[small, 2], hi[small, 3]
        j = small
    hf[j, 0], hf[j, 1] = t, hf[last, 1]
    hi[j, 0], hi[j, 1], hi[j, 2], hi[j, 3] = key, hi[last, 1], hi[last, 2], hi[last, 3]


@compiled()
def queued(ev):
    """How many entries are scheduled and not yet popped."""
    return ev.ctr[C_HEAP] + ev.ctr[C_QSIZE] + ev.ctr[C_QSIZE + 2]


@compiled()
def pop(ev):
    """Remove the earliest entry (there must be one) and return it: ``(time, f, kind, a, b)``."""
    ctr, qt, hf, hi = ev.ctr, ev.qt, ev.hf, ev.hi
    src = -1  # the heap
    if ctr[C_HEAP] > 0:
        best_t, best_key = hf[0, 0], hi[0, 0]
    else:
        src = -2  # none yet
        best_t, best_key = 0.0, 0
    for prio in range(2):
        if ctr[C_QSIZE + 2 * prio] > 0:
            t = qt[1 + prio]
            key = (prio << PRIO_SHIFT) | ev.qi[prio, ctr[C_QHEAD + 2 * prio], 0]
            if src == -2 or (t < best_t if t != best_t else key < best_key):
                src, best_t, best_key = prio, t, key
    if src == -1:
        f, kind, a, b = hf[0, 1], hi[0, 1], hi[0, 2], hi[0, 3]
        _heap_remove_top(hf, hi, ctr)
    else:
        q = ctr[C_QHEAD + 2 * src]
        f, kind, a, b = ev.qf[src, q], ev.qi[src, q, 1], ev.qi[src, q, 2], ev.qi[src, q, 3]
        q += 1
        ctr[C_QHEAD + 2 * src] = 0 if q == ev.qf.shape[1] else q
        ctr[C_QSIZE + 2 * src] -= 1
    qt[T_CLOCK] = best_t
    return best_t, f, kind, a, b


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
    push(ev, now, NORMAL, K_EVENT, event, 0, 0.0)


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
