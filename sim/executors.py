"""Where chunks of replications run: this process, worker processes, or a Dask cluster.

Replication *i* always gets the same sampled inputs (:func:`sim.sampling.sample`) and the engine is a pure
function of them, so the executor changes only where the work is done, never the results. An executor has the
small interface the runner uses of :class:`concurrent.futures.ProcessPoolExecutor` — ``map(fn, *iterables)``
returning results in order, ``shutdown(wait=True, cancel_futures=False)`` — and ``workers``, the number of
parallel workers (the runner cuts each batch into ``4 × workers`` chunks).

Dask is an optional dependency (``pip install 'readiness-sim[dask]'``), imported only when asked for.
"""

from __future__ import annotations

import contextlib
import re

__all__ = ["DaskExecutor", "DaskUnavailable", "dask_executor", "parse_dask"]

_LOCAL = re.compile(r"^local(?::(\d+))?$")
_KEEP_SCATTERED = 16  # objects kept on the workers between map calls (the networks of a comparison or sweep)


class DaskUnavailable(RuntimeError):
    """``--dask`` was asked for but dask.distributed is not installed, or the scheduler cannot be reached."""


def parse_dask(spec: str) -> tuple[str, int | None]:
    """``local[:WORKERS]`` → ``("local", WORKERS or None)``; a scheduler address → ``(address, None)``.

    Raises
    ------
    ValueError
        For anything else, saying what is accepted.
    """
    spec = spec.strip()
    m = _LOCAL.match(spec)
    if m:
        workers = int(m[1]) if m[1] else None
        if workers is not None and workers < 1:
            raise ValueError(f"--dask: found '{spec}'; the number of workers must be at least 1")
        return "local", workers
    if re.match(r"^(tcp|tls|ucx|inproc)://\S+$", spec):
        return spec, None
    raise ValueError(f"--dask: found '{spec}'; expected local, local:WORKERS (e.g. local:4) or a scheduler "
                     f"address such as tcp://scheduler:8786")


class DaskExecutor:
    """Chunks on a Dask cluster through a ``distributed.Client``.

    Parameters
    ----------
    client : distributed.Client
        A connected client.
    cluster : distributed.LocalCluster, optional
        A cluster this executor started and must close.
    """

    def __init__(self, client, cluster=None) -> None:
        self.client, self.cluster = client, cluster
        self._scattered: dict[int, tuple[object, object]] = {}

    @property
    def workers(self) -> int:
        """Threads over all workers (each runs one chunk at a time per thread); at least 1."""
        info = self.client.scheduler_info(n_workers=-1) if _takes_n_workers(self.client) else self.client.scheduler_info()
        return max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def _shared(self, obj):
        # A scenario network repeated for every chunk is sent to the workers once, not once per chunk.
        # Keyed by id: the entry holds the object itself, so its id cannot be reused while the entry exists;
        # the oldest entries go (a sweep makes a network per step), releasing their data on the workers.
        key = id(obj)
        if key not in self._scattered:
            while len(self._scattered) >= _KEEP_SCATTERED:
                self._scattered.pop(next(iter(self._scattered)))
            self._scattered[key] = (obj, self.client.scatter(obj, broadcast=True, hash=False))
        return self._scattered[key][1]

    def _scattered_column(self, column: list) -> list:
        """``column`` with each of its few distinct objects replaced by its copy on the workers."""
        distinct = {id(x): x for x in column}
        if not column or len(distinct) > _KEEP_SCATTERED or any(
                isinstance(x, (str, int, float, bool, type(None))) for x in distinct.values()):
            return column
        shared = {key: self._shared(x) for key, x in distinct.items()}
        return [shared[id(x)] for x in column]

    def map(self, fn, *iterables):
        """``fn`` over the zipped ``iterables`` on the cluster; the results in order (like ``Executor.map``).

        An argument that takes only a few distinct objects over the calls (the network of each scenario of a
        comparison or a sweep) is scattered once per object, not sent with every call.
        """
        columns = [list(it) for it in iterables]
        count = min((len(c) for c in columns), default=0)
        args = [self._scattered_column(column[:count]) for column in columns]
        # pure=False: identical inputs are still separate tasks (never deduplicated into one result).
        futures = self.client.map(fn, *args, pure=False) if count else []
        try:
            return self.client.gather(futures)
        except BaseException:
            self.client.cancel(futures)
            raise

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        """Close the client, and the local cluster if this executor started it."""
        self._scattered.clear()
        with contextlib.suppress(Exception):
            self.client.close()
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close()


def _takes_n_workers(client) -> bool:
    import inspect

    try:
        return "n_workers" in inspect.signature(client.scheduler_info).parameters
    except (TypeError, ValueError):
        return False


def dask_executor(spec: str, processes: bool = True) -> DaskExecutor:
    """Connect to Dask as ``--dask`` says.

    Parameters
    ----------
    spec : str
        ``local`` (a ``LocalCluster``, one single-threaded worker per CPU), ``local:WORKERS``, or the address of
        a running scheduler (``tcp://HOST:PORT``) whose workers have readiness-sim installed.
    processes : bool, default True
        For a local cluster: worker processes (True) or threads in this process (False; the compiled engine
        releases the GIL, and tests start faster).

    Returns
    -------
    DaskExecutor
        Close it with ``shutdown()`` (or use it in a ``with`` block via :func:`contextlib.closing`).
    """
    where, workers = parse_dask(spec)
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise DaskUnavailable("--dask needs dask.distributed: pip install 'readiness-sim[dask]'") from None
    if where == "local":
        from . import workers as _workers

        n = workers or _workers.cpu_count()
        # One thread per worker: the engine is single-threaded per chunk (threads=1), so threads would only
        # contend for the GIL in the Python parts; the dashboard is of no use to a command-line run.
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=processes, dashboard_address=":0")
        return DaskExecutor(Client(cluster), cluster)
    try:
        client = Client(where, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise DaskUnavailable(f"--dask: cannot reach the Dask scheduler at {where}: {exc}") from None
    return DaskExecutor(client)
