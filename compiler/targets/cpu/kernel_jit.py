"""`kernel_njit`: Numba's njit for the kernels generated code calls (kernels.py, panels.py),
compiled once per argument type, never per constant.

Why: a call from compiled code types each constant argument as a literal (`3` as
Literal[int](3), `True` as Literal[bool](True), `(1, 4)` as a tuple of literals), and a
plain njit dispatcher compiles the callee for exactly those types: every program passed
its own check ids, flags and shapes, so kernels.ta_scatter and ta_gather (3,500
instructions each, about 0.8 s to compile) were compiled again for each id a program
numbered, reshape for each literal shape, panel_matmul for each width (the suite's
generated code held 280 distinct literal argument lists for the two TensorArray kernels
alone). This dispatcher types a call with the literals' plain types (int64, bool, a tuple
of int64), so one compiled kernel serves every constant; a literal argument still converts
to it at the call. No kernel needs a compile-time constant argument.

Touches a Numba internal: `Dispatcher.get_call_template`, how a call from compiled code is
typed (Python calls never see literals).
"""
from numba import types
from numba.core.registry import CPUDispatcher

from .jit_cache import njit_with
from .numba_pipeline import BorrowingCompiler


class KernelDispatcher(CPUDispatcher):
    """A CPU dispatcher that compiles for the non-literal types of its arguments."""

    def get_call_template(self, args, kws):
        return super().get_call_template(tuple(types.unliteral(a) for a in args),
                                         {k: types.unliteral(v) for k, v in kws.items()})


def kernel_njit(**options):
    """Like `numba.njit(**options)` (cache=True for the kernels), returning a
    KernelDispatcher that compiles with numba_pipeline.BorrowingCompiler."""
    return njit_with(KernelDispatcher, pipeline_class=BorrowingCompiler, **options)
