"""Tiered execution: a loop-free program runs on the reference interpreter the first time
a session runs it, and is compiled when it runs a second time.

Why: Numba needs about a second to compile even a small program, while the programs a
script runs once -- the variable initializer, `Variable.load`, a checkpoint restore, a
one-off evaluation -- take the interpreter microseconds to milliseconds (NumPy does the
work, with no loop to interpret step by step). A program with a While loop anywhere in it
is compiled before its first run: interpreting it would cost Python work per iteration.
JIT compilers tier the same way (interpret first, compile what runs again).

The two targets agree to 1e-6 relative on every op (the test suite checks each op on
both) and random ops draw the same Philox streams, so which tier ran a program is not
visible in its results beyond that rounding.

$RNNGRAPH_INTERPRET_FIRST=0 compiles every program before its first run; the test suite
sets it, so every test of a compiled target exercises the compiled code.
"""
import os
import threading

from rnngraph.framework.func_graph import FuncGraph


def interpret_first():
    """Whether loop-free programs run interpreted once before they are compiled."""
    return os.environ.get("RNNGRAPH_INTERPRET_FIRST", "1") != "0"


def has_loop(ops):
    """Whether any of `ops`, or an op in a function body they hold, is a While loop."""
    for op in ops:
        if op.type == "While":
            return True
        for body in op.attrs.values():
            if isinstance(body, FuncGraph) and has_loop(body.get_operations()):
                return True
    return False


class TieredExecutable:
    """Runs `lowered` on the reference interpreter once, then compiles it with `compile`
    (a function returning the compiled Executable) and runs that from then on. Asking for
    its source compiles it at once."""

    def __init__(self, lowered, compile):
        self.lowered = lowered
        self._compile = compile
        self._interpreter = lowered.compile("reference")
        self._compiled = None
        self._lock = threading.Lock()
        self.interpreted_runs = 0

    @property
    def compiled(self):
        """The compiled Executable (compiled now if it was not yet; once, whichever of
        several threads running the program gets here first)."""
        if self._compiled is None:
            with self._lock:
                if self._compiled is None:
                    self._compiled = self._compile()
        return self._compiled

    @property
    def peak_bytes(self):
        """The compiled program's peak temporaries (0 until it is compiled)."""
        return self._compiled.peak_bytes if self._compiled is not None else 0

    def run(self, feed_values, state):
        if self._compiled is None and self.interpreted_runs == 0:
            self.interpreted_runs += 1
            return self._interpreter.run(feed_values, state)
        return self.compiled.run(feed_values, state)

    def source(self):
        return self.compiled.source()
