"""Numba lowering that borrows a function's array arguments instead of counting them.

Why: Numba passes arguments borrowed (the caller keeps its reference for the whole call),
yet the callee increments each argument's reference count when it binds the parameter and
decrements it when the parameter dies. Numba's reference-count pruning removes the pair
only when the code between them is simple; in a kernel with a loop and error paths, or in
a generated function, it stays: two atomic operations per array argument per call. The
tiny LSTM's training step made ~200 atomic reference-count operations per time step,
which took a quarter of its time (measured by making them non-atomic: 0.34 -> 0.25 ms a
training step); binding the parameters of the kernels and functions its loops call were
30 of them (the emitter avoids most of the others: lower_control, lower_fused).

How: a parameter bound once (the entry block's `x = arg(i)`, no other assignment: Numba's
SSA form gives every reassignment a new name) holds the caller's reference for the whole
call, so its increment at binding and its decrements where it dies cancel; both are left
out. Everything else counts as before: a copy of the parameter into another variable, a
view of it, a value returned (the return takes its own reference) or stored in a tuple.

Touches Numba internals: Lower.lower_assign, Lower.delvar and Lower.incref/decref, the
lowering passes' `lowering_class`.
"""
import collections
import contextlib

from numba.core import ir
from numba.core.lowering import Lower
from numba.core.typed_passes import NativeLowering, NativeParforLowering
from numba.parfors.parfor_lowering import ParforLower
from numba.core.compiler_machinery import register_pass


class BorrowedArgumentsMixin:
    """Leaves out the reference counting of parameters bound once (see the module)."""

    def init(self):
        super().init()
        self._borrowed = self._parameters_bound_once()
        self._uncounted = False

    def _parameters_bound_once(self):
        if self.func_ir.func_id.is_generator:
            return frozenset()
        assignments, parameters = collections.Counter(), set()
        for block in self.func_ir.blocks.values():
            for inst in block.body:
                if isinstance(inst, ir.Assign):
                    assignments[inst.target.name] += 1
                    if isinstance(inst.value, ir.Arg):
                        parameters.add(inst.target.name)
        return frozenset(name for name in parameters if assignments[name] == 1)

    @contextlib.contextmanager
    def _without_counting(self):
        self._uncounted = True
        try:
            yield
        finally:
            self._uncounted = False

    def lower_assign(self, ty, inst):
        if isinstance(inst.value, ir.Arg) and inst.target.name in self._borrowed:
            with self._without_counting():
                return super().lower_assign(ty, inst)
        return super().lower_assign(ty, inst)

    def delvar(self, name):
        if name in self._borrowed:
            with self._without_counting():
                return super().delvar(name)
        return super().delvar(name)

    def incref(self, typ, val):
        if not self._uncounted:
            super().incref(typ, val)

    def decref(self, typ, val):
        if not self._uncounted:
            super().decref(typ, val)


def _borrowing(numba_pass, lower):
    """Numba's lowering pass `numba_pass` lowering with `lower` made borrowing."""
    borrowed = type("Borrowed" + lower.__name__, (BorrowedArgumentsMixin, lower), {})
    return register_pass(mutates_CFG=True, analysis_only=False)(type(
        "Borrowing" + numba_pass.__name__, (numba_pass,),
        {"_name": "rnngraph_borrowing_" + numba_pass._name, "lowering_class": property(lambda self: borrowed)}))


# The lowering pass each of Numba's is replaced by.
REPLACEMENTS = {numba_pass: _borrowing(numba_pass, lower) for numba_pass, lower in (
    (NativeLowering, Lower), (NativeParforLowering, ParforLower))}
