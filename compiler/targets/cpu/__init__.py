"""The cpu target: one Numba function per executable, generated from the optimized program.

`compile(lowered)` optimizes the program (compiler/optimize.py), emits Python source with
every op lowered (lower_*.py) and every While as a native loop, loads it through the disk
cache (cache.py) and returns a CpuExecutable. Running marshals feeds, constants, variable
buffers (updated in place), init flags and random-stream positions into the call, and turns
a failed run-time check into the rnngraph error its op would raise on the reference target.
"""
import importlib
import threading

import numpy as np
from numba.core import config

from rnngraph import errors

from ...analysis import memory_analysis

from . import (cache, late_link, lower_array, lower_control, lower_elementwise, lower_fused,  # noqa: F401
               lower_state, lower_tensor_array, native_call, outline, perf_map)
from .emitter import Emitter, TAExpr

late_link.install()


def generate(lowered):
    """(source, emitter, function) for a Lowered program."""
    fn = lowered.optimized()
    e = Emitter()
    e.only_loop = sum(n.type == "While" for n in fn.walk()) == 1
    feed_names = []
    for v in fn.args:
        feed_names.append(e.fresh("feed_" + (v.name or "x")))
    _check_read_only_variables(e, fn)
    e.adopting = lower_tensor_array.adopting_scatters(fn)
    outs = e.emit_function(fn, feed_names)
    results = []
    for v, x in zip(fn.outputs, outs):
        if isinstance(x, TAExpr):
            raise NotImplementedError("fetching a TensorArray (%s) on the cpu target" % v.name)
        if v in e.refs:
            e.check_initialized(e.refs[v], None)
        results.append(x)
    results += ["var_%d" % k for k in sorted(e.rebound)]
    e.line("return (%s)" % "".join("%s, " % r for r in results))
    e.const_args = outline.packed_constants(e)
    params = feed_names + [n for n, _ in e.const_args] + ["var_%d" % k for k in range(len(e.var_ops))] + \
        ["var_init", "rng", "err_i", "err_f"] + (["fptrs"] if e.native_slots else [])
    return outline.module_source(e, "program", params), e, fn


def _check_read_only_variables(e, fn):
    """Variables the program reads but never assigns are checked once, on entry, instead
    of at every read (reads inside a loop body would check every iteration). Uses as a ref
    (IsVariableInitialized, Assign) and control dependencies are not reads."""
    variables = [n for n in fn.walk() if n.type == "VariableV2"]
    assigned = {n.inputs[0].node.op for n in fn.walk()
                if n.prim.ref_inputs and n.type != "IsVariableInitialized" and n.inputs
                and n.inputs[0].node is not None and n.inputs[0].node.type == "VariableV2"}
    readers = {}
    for n in fn.walk():
        for i, v in enumerate(n.inputs):
            if v.node is not None and v.node.type == "VariableV2" and i not in n.prim.ref_inputs:
                readers.setdefault(v.node.op, n)
    for n in variables:
        if n.op not in assigned and n.op in readers:
            k = e.var_index(n.op)
            e.check_initialized(k, readers[n.op])  # the error names the first reader
            e.verified.add(k)


def _load_module(name):
    """A module a program calls through its table: a generated one or the kernels'."""
    return cache.generated(name) if name.startswith("rg_") else importlib.import_module(name)


def _writable(array):
    """`array`, or a writable copy of a read-only one (a graph's constants are read-only).
    Numba types a read-only array apart from a writable one, so a program or loop called
    with both (a zero initial state folded from a constant, or a fed one) would compile
    twice. The generated code never writes into a feed or a constant."""
    return array if array.flags.writeable else array.copy()


def _feed_argument(value):
    """A fed value as the program takes it: a scalar, or a writable C-contiguous array (as
    most feeds already are: those pass as they are)."""
    if type(value) is np.ndarray and value.ndim:
        flags = value.flags
        if flags.c_contiguous and flags.writeable:
            return value
    return np.asarray(value)[()] if np.ndim(value) == 0 else _writable(np.ascontiguousarray(value))


# The random-op counters of a program without random ops (never written; a new empty
# array per run cost half a microsecond).
_NO_RANDOM_OPS = np.zeros((0, 3), np.int64)

# Results smaller than this are copied without checking whether they alias (owned()).
COPY_RESULTS_BELOW = 1 << 20


class CpuExecutable:
    """A compiled program: call `run(feed_values, state)` like any target's executable."""

    def __init__(self, lowered):
        self.lowered = lowered
        self._source, e, fn = generate(lowered)
        self._callees = [text for _, text in e.modules]
        self._function, self.path = cache.load(self._source, callees=self._callees)
        self._consts = [_writable(c) for _, c in e.const_args]
        # (op, dtype, static shape) of each variable the program reads or writes
        self._var_specs = [(op, op.attrs["dtype"].np, tuple(op.attrs["shape"].as_list()))
                           for op in e.var_ops]
        self._rng_ops = list(e.rng_ops)
        self._checks = list(e.checks)
        self._out_specs = [v.spec for v in fn.outputs]
        self._rebound = sorted(e.rebound)
        self._n_slots = len(e.native_slots)
        self._tables = dict(e.native_tables)
        self._fptrs = ()  # (the table of the callees' entry points,) once linked
        self._entry = self._function  # once linked: the compiled overload the table is for
        self._linked_callees = []
        self.peak_bytes = memory_analysis(fn).peak_bytes  # how much freed memory to keep
        self._lock = threading.Lock()
        self._ready = False  # set once the machine code has loaded and run

    def source(self):
        """The generated program, followed by the outlined functions it calls."""
        return "\n\n".join([self._source] + ["# ---- %s.py ----\n%s" % (cache.module_name(text), text)
                                              for text in self._callees])

    def run(self, feed_values, state):
        feeds = [_feed_argument(v) for v in feed_values]
        bufs, init = self._variable_buffers(state)
        rng = np.array([list(state.random_key(op)) + [state.random_calls(op)] for op in self._rng_ops],
                       dtype=np.int64).reshape(-1, 3) if self._rng_ops else _NO_RANDOM_OPS
        err_i = np.zeros(2, np.int64)
        err_f = np.zeros(16, np.float64)
        args = (*feeds, *self._consts, *bufs, init, rng, err_i, err_f)
        try:
            outs = self._call(args)
            for k, buf in zip(self._rebound, outs[len(self._out_specs):]):
                bufs[k] = buf
        except RuntimeError as ex:
            if err_i[0] > 0:
                raise self._error(int(err_i[0]), err_f) from None
            raise errors.InternalError(message="rnngraph bug: compiled program failed: %s (%s)"
                                       % (ex, self.path)) from ex
        finally:
            self._store_state(state, bufs, init, rng)
        return self._owned(outs, args)

    def _owned(self, outs, args):
        """The fetched values as arrays the caller owns. A result the program allocated is
        returned as it is (copying the large LSTM's outputs, 26 MB, took 2-3 ms of a
        forward pass); one that may share memory with an argument (a feed, a constant, a
        variable's buffer), a rebound variable or another result is copied, and so is
        every small one, for which the copy costs less than the check."""
        n = len(self._out_specs)
        results = []
        for x, spec in zip(outs, self._out_specs):
            owned = isinstance(x, np.ndarray) and x.dtype == spec.dtype.np and \
                x.nbytes >= COPY_RESULTS_BELOW and not any(
                    isinstance(y, np.ndarray) and np.may_share_memory(x, y)
                    for y in (*args, *outs[n:], *results))
            results.append(x if owned else np.array(x, dtype=spec.dtype.np, copy=True))
        return results

    def _call(self, args):
        """Call the compiled function; if it has never run, a failure to load or build its
        machine code (a corrupt or stale cache entry) clears the entry and builds afresh."""
        if self._ready:
            return self._entry(*args, *self._fptrs)
        with self._lock:
            for attempt in (1, 2):
                try:
                    self._link(args)
                    out = self._entry(*args, *self._fptrs)
                except RuntimeError:
                    raise
                except Exception as ex:
                    if attempt == 2:
                        raise errors.InternalError(
                            message="rnngraph bug: the generated program %s does not compile: "
                                    "%s: %s" % (self.path, type(ex).__name__, ex)) from ex
                    cache.forget_compiled([self._source] + self._callees)
                    self._function, self.path = cache.load(self._source, callees=self._callees)
                    self._entry = self._function
                    continue
                self._ready = True
                if perf_map.enabled():
                    perf_map.write_perf_map()
                return out

    def _link(self, args):
        """Compile (or load) the program for these arguments and fill its table of the
        entry points of the outlined functions and kernels it calls (native_call.py). Then
        this executable calls that overload's entry point itself, not the dispatcher: the
        table holds the callees of that overload, and another executable of the same
        source (a program that does not depend on a dtype) may compile another overload
        with its own table. Its arguments keep their types from run to run (feeds,
        constants and variables are passed as writable C-contiguous arrays of their
        dtypes)."""
        if not self._n_slots:
            return
        fptrs = np.zeros(self._n_slots, np.int64)
        if config.DISABLE_JIT:
            self._fptrs = (fptrs,)
            return
        signature = tuple(self._function.typeof_pyval(a) for a in (*args, fptrs))
        if signature not in self._function.overloads:
            self._function.compile(signature)
        table = native_call.slot_table(self._function.overloads[signature])
        self._linked_callees = native_call.fill(fptrs, table, _load_module)
        for slot, (base, size) in self._tables.items():
            if slot in table:  # the outlined callee's own kernels, in its range of the table
                module, name, arg_types = table[slot]
                callee = getattr(_load_module(module), name).overloads[arg_types]
                self._linked_callees += native_call.fill(
                    fptrs[base:base + size], native_call.slot_table(callee), _load_module)
        self._fptrs = (fptrs,)
        self._entry = self._function.overloads[signature].entry_point

    def _variable_buffers(self, state):
        bufs, init = [], np.zeros(max(len(self._var_specs), 1), np.bool_)
        for k, (op, dtype, shape) in enumerate(self._var_specs):
            value = state.variables.get(op)
            if value is None:
                value = np.zeros([d or 0 for d in shape], dtype)
            else:
                init[k] = True
                flags = value.flags
                if not (flags.c_contiguous and flags.writeable) or value.dtype != dtype:
                    # one argument type per variable, as for feeds and constants (a value
                    # assigned from a constant is read-only)
                    value = _writable(np.ascontiguousarray(value, dtype=dtype))
                    state.variables.set(op, value)
            bufs.append(value.reshape(1) if value.ndim == 0 else value)
        return bufs, init

    def _store_state(self, state, bufs, init, rng):
        for k, (op, _, shape) in enumerate(self._var_specs):
            if init[k]:
                buf = bufs[k]
                if buf.shape != shape and k not in self._rebound:
                    buf = buf.reshape(shape)  # a scalar's 1-element view
                state.variables.set(op, buf)
        for op, row in zip(self._rng_ops, rng):
            state.set_random_calls(op, int(row[2]))

    def _error(self, k, values):
        check = self._checks[k - 1]
        cls = getattr(errors, check.error)
        return cls(None, check.op, check.message(list(values)))


def compile(lowered):  # noqa: A001 (the target protocol's name)
    return CpuExecutable(lowered)

