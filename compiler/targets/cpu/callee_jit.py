"""`callee_njit`: Numba's njit for generated functions that only compiled code calls (the
outlined loops and Conds, the threaded elementwise nests; outline.py, lower_fused.py).

Why: Numba gives every function a CPython wrapper, the code that unboxes each argument
from a Python object, checks its type and boxes the results. An outlined function takes
tens to hundreds of arguments, so its wrapper is large, and it is optimized and turned
into machine code like the function itself, although nothing ever calls it from Python:
the program calls it natively. Compiled without it (no_cpython_wrapper=True), the
static_rnn LSTM gradient program compiled in 31-33 s instead of 37-40 s.

Numba's dispatcher would still call the missing wrapper (address 0) if Python called the
function, and crash the process. The dispatcher made here refuses a Python call with a
TypeError instead; calls from compiled code are unaffected (they are typed and linked as
for any njit function, and cached on disk the same way: jit_cache.py).
"""
from .jit_cache import GeneratedDispatcher, njit_with


class CalleeDispatcher(GeneratedDispatcher):
    """A CPU dispatcher without a Python entry point: callable from @njit code only."""

    def __call__(self, *args, **kwargs):
        raise TypeError(
            "%s.%s is part of a generated program, compiled to be called from that program's "
            "native code only (it has no Python entry point); run the program through "
            "Session.run instead" % (self.py_func.__module__, self.py_func.__name__))


def callee_njit(**options):
    """Like `numba.njit(cache=..., **options)` with no_cpython_wrapper=True, returning a
    CalleeDispatcher."""
    return njit_with(CalleeDispatcher, no_cpython_wrapper=True, **options)
