"""compiler/targets/cpu/omp_parts.py: a loop's parts on the threads, started through the
OpenMP runtime directly (under the workqueue layer, all on the caller). Every part runs
once, on any number of threads; a thread's parts are contiguous; arguments of any layout arrive intact and are not reference-counted by the
workers; a failing part raises in the caller; and a function that launches parts can be
cached by Numba (no process address in its code)."""
import sys

import numba
import numpy as np
import pytest
from numba import njit

from compiler.targets.cpu import omp_parts

@njit(nogil=True)
def _record(lo, hi, out, ids, view, scale, offset):
    """Part p: out[p] = sum of view's row p * scale + offset; ids[p] = the thread's id and
    its call's range, ids[p] = id * 10**6 + lo * 10**3 + hi."""
    for p in range(lo, hi):
        total = 0.0
        for j in range(view.shape[1]):
            total += view[p, j]
        out[p] += total * scale + offset
        ids[p] = numba.get_thread_id() * 10 ** 6 + lo * 10 ** 3 + hi


_run_record = omp_parts.runner(_record)


@njit(nogil=True)
def _launch_record(parts, out, ids, view, scale, offset):
    _run_record(parts, (out, ids, view, scale, offset))


def _threads_available():
    return numba.config.NUMBA_NUM_THREADS


def _launcher(monkeypatch, launch):
    """A function launching _record's parts, compiled with omp_parts.LAUNCH = launch."""
    if launch != omp_parts.LAUNCH:
        if launch == "GOMP_parallel":
            pytest.skip("this process starts its teams through numba_parallel_for")
        monkeypatch.setattr(omp_parts, "LAUNCH", launch)

    @njit(nogil=True)
    def launch_record(parts, out, ids, view, scale, offset):
        _run_record(parts, (out, ids, view, scale, offset))
    return launch_record


@pytest.mark.parametrize("launch", ["GOMP_parallel", "numba_parallel_for"])
@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("parts", [0, 1, 2, 7, 64])
def test_every_part_runs_once_in_contiguous_ranges(monkeypatch, launch, threads, parts):
    """Through either way of starting the team (omp_parts.LAUNCH)."""
    if threads > _threads_available():
        pytest.skip("Numba has %d threads" % _threads_available())
    launch_record = _launcher(monkeypatch, launch)
    rng = np.random.RandomState(parts)
    base = rng.randn(parts + 3, 12)
    view = base[2:parts + 2, ::3]  # neither C- nor F-contiguous: an 'A' array
    out = np.zeros(parts)  # added to: a part run twice would show
    ids = np.full(parts, -1, np.int64)
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        launch_record(parts, out, ids, view, 2.5, np.int32(3))
    finally:
        numba.set_num_threads(previous)
    np.testing.assert_allclose(out, view.sum(axis=1) * 2.5 + 3)
    assert (launch in launch_record.inspect_llvm(launch_record.signatures[0])) == omp_parts.AVAILABLE
    team = threads if omp_parts.AVAILABLE else 1  # workqueue: the caller runs every part
    thread, lo, hi = ids // 10 ** 6, ids // 10 ** 3 % 10 ** 3, ids % 10 ** 3
    assert ((thread >= 0) & (thread < threads)).all(), ids
    assert ((lo <= np.arange(parts)) & (np.arange(parts) < hi)).all(), ids
    # one call per thread, each a contiguous range (as Numba's static schedule splits)
    calls = sorted(set(zip(lo.tolist(), hi.tolist(), thread.tolist())))
    assert len(calls) == min(parts, team) and len({t for _, _, t in calls}) == len(calls), calls
    assert [c[0] for c in calls] == ([0] + [c[1] for c in calls[:-1]] if calls else []), calls


def test_launches_leave_reference_counts_as_they_were():
    """The workers get the arrays without their meminfo (nothing to count); the caller's
    own counting balances."""
    out, ids, base = np.zeros(16), np.zeros(16, np.int64), np.ones((16, 8))
    view = base[:, ::2]
    _launch_record(16, out, ids, view, 1.0, np.int32(0))
    before = [sys.getrefcount(a) for a in (out, ids, view, base)]
    for _ in range(100):
        _launch_record(16, out, ids, view, 1.0, np.int32(0))
    assert [sys.getrefcount(a) for a in (out, ids, view, base)] == before


@njit(nogil=True)
def _fail_at(lo, hi, bad, out):
    for p in range(lo, hi):
        if p == bad:
            raise ValueError("part failed")
        out[p] = 1.0


_run_fail = omp_parts.runner(_fail_at)


@njit(nogil=True)
def _launch_fail(parts, bad, out):
    _run_fail(parts, (bad, out))


@pytest.mark.parametrize("threads", [1, 2])
def test_a_failing_part_raises_in_the_caller(threads):
    """On one thread the body's own exception; from a worker, a RuntimeError saying how to
    see that one."""
    if threads > _threads_available():
        pytest.skip("Numba has %d threads" % _threads_available())
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        out = np.zeros(8)
        _launch_fail(8, -1, out)
        assert (out == 1).all()
        alone = threads == 1 or not omp_parts.AVAILABLE  # the caller runs every part
        with pytest.raises(ValueError if alone else RuntimeError,
                           match="part failed" if alone else "intra_op_parallelism_threads=1"):
            _launch_fail(8, 5, np.zeros(8))
    finally:
        numba.set_num_threads(previous)


def test_a_launching_function_can_be_cached():
    """numba.get_num_threads and a function passed as a value compile to process
    addresses, which make Numba refuse to cache the caller (the generated loops'
    modules would then be compiled again in every process)."""
    out, ids, view = np.zeros(4), np.zeros(4, np.int64), np.ones((4, 2))
    _launch_record(4, out, ids, view, 1.0, np.int32(0))
    for signature in _launch_record.signatures:
        assert not _launch_record.overloads[signature].library.has_dynamic_globals
