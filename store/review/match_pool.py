"""A job over chunks in forked worker processes, results in order: the corpus match's pool.

The job (a matcher, the run's entity keys and precision, a closure over them) is inherited by
fork, never pickled: only the chunk goes out (a list of ids) and only the job's compact result
comes back. Before the fork the collector's generations are frozen (`gc.freeze`), so a worker's
collections never walk (and so never copy) the big matcher its parent built; the pages stay
shared until something writes to them.

At most `AHEAD` chunks per worker are handed out before their results are taken, so a run over
a million articles holds a few chunks' results, not all of them.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

from store.workers import die_with_parent

AHEAD = 3  # chunks handed out per worker before the first result is taken

T = TypeVar("T")
R = TypeVar("R")

_JOB: Callable[[Any], Any] | None = None  # the running job, inherited by the forked workers


def can_fork() -> bool:
    """Whether worker processes can inherit a job (fork: Linux, not macOS's default)."""
    return "fork" in multiprocessing.get_all_start_methods()


def _run(chunk: Any) -> Any:
    assert _JOB is not None
    return _JOB(chunk)


def fork_map(job: Callable[[T], R], chunks: Iterable[T], workers: int) -> Iterator[R]:
    """`job(chunk)` for every chunk, in `workers` forked processes; the results in the order of
    the chunks. The job's objects are shared with the workers by fork (copy on write)."""
    global _JOB
    _JOB = job
    gc.collect()
    gc.freeze()  # what exists now is never walked by a worker's collector
    try:
        context = multiprocessing.get_context("fork")
        pool = ProcessPoolExecutor(
            workers, mp_context=context, initializer=die_with_parent, initargs=(os.getpid(),)
        )
        pending: deque[Future[R]] = deque()
        try:
            for chunk in chunks:
                pending.append(pool.submit(_run, chunk))
                if len(pending) >= workers * AHEAD:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:  # stopped (an error, ctrl+c): the chunks not begun are dropped
            pool.shutdown(wait=True, cancel_futures=True)
    finally:
        _JOB = None
        gc.unfreeze()
