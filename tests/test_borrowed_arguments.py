"""borrowed_arguments.py: functions lowered with borrowed parameters count no references
for them, and every reference that escapes the call (a returned parameter, a view of it, a
tuple holding it, a rebound parameter) is still counted, so nothing is freed early or kept."""
import numpy as np
import pytest
from numba import njit

from compiler.targets.cpu.numba_pipeline import BorrowingCompiler

borrowing = njit(pipeline_class=BorrowingCompiler)


def scaled_sum(a, n):
    s = 0.0
    for i in range(n):
        t = np.empty(2)  # a decrement inside the loop: Numba's pruning keeps a's pair
        t[0] = a[i % a.shape[0]]
        s += t[0]
    return s


def itself(a):
    return a


def view(a):
    return a[1:]


def in_tuple(a, b):
    return (a, b[::2])


def rebound(a, grow):
    if grow:
        a = np.zeros(a.shape[0] + 1)
    return a


_scaled_sum, _itself = borrowing(scaled_sum), borrowing(itself)


def through_callee(a):
    return _scaled_sum(a, 2) + _itself(a)[0]


@njit
def _owned(n):
    """An array whose memory Numba owns: its MemInfo's reference count is observable."""
    return np.arange(n, dtype=np.float64)


def _refcount(a):
    return a.base.refcount


def _counts(dispatcher):
    """(increments, decrements) the compiled function's own body makes (its LLVM IR's
    first function; the CPython wrapper that follows counts its own)."""
    body = next(iter(dispatcher.inspect_llvm().values())).split("\ndefine ")[1]
    return body.count("call void @NRT_incref("), body.count("call void @NRT_decref(")


def test_a_parameter_bound_once_is_not_counted():
    """Numba's own lowering counts `a` at binding and where it dies (its pruning pass keeps
    the pair: another array dies in between); the borrowing lowering leaves both out."""
    default, borrowed = njit(scaled_sum), borrowing(scaled_sum)
    a = np.arange(4.0)
    assert default(a, 6) == borrowed(a, 6) == 7.0
    (inc, dec), (inc_b, dec_b) = _counts(default), _counts(borrowed)
    assert inc >= 1 and inc_b == inc - 1 and dec_b == dec - 1


@pytest.mark.parametrize("fn, args, expected", [
    (itself, (), lambda a: a),
    (view, (), lambda a: a[1:]),
    (in_tuple, ("a",), lambda a: (a, a[::2])),
    (rebound, (False,), lambda a: a),
    (rebound, (True,), lambda a: np.zeros(6)),
    (through_callee, (), lambda a: 1.0),
])
def test_references_that_escape_are_counted(fn, args, expected):
    """Results that share the argument's memory stay valid after the caller drops it, and
    once they are dropped too its count is back where it was (nothing leaks)."""
    compiled = borrowing(fn)
    a = _owned(5)
    want = expected(a.copy())
    before = _refcount(a)
    for _ in range(3):
        result = compiled(a, *[a if x == "a" else x for x in args])
        _assert_equal(result, want)
        del result
        assert _refcount(a) == before
    kept = _owned(5)
    result = compiled(kept, *[kept if x == "a" else x for x in args])
    del kept
    np.zeros(1000)  # reuse freed memory, if any was freed early
    _assert_equal(result, want)


def _assert_equal(result, want):
    if isinstance(want, tuple):
        for r, w in zip(result, want):
            np.testing.assert_array_equal(r, w)
    else:
        np.testing.assert_array_equal(result, want)
