"""The code emitter: turns a compiler Function into the Python source of one Numba function.

Every Value becomes a Python expression (usually a local name). Rank-0 values are Numba
scalars, everything else arrays. Variables are array arguments read and written in place
(`var_k`, with a 1-element buffer for scalars) plus an `var_init` flag array; random ops
advance their counters in `rng`; TensorArrays are a (buffer, written, cleared, size) group.

A failing run-time check writes its id and up to 16 values into `err_i`/`err_f` and raises
(through `kernels.raise_check`);
the executable turns that into the rnngraph error type with the message of the op that
failed (CpuExecutable._error, from the Check recorded here). Lowering rules per op type
live in lower_*.py.
"""
import contextlib
import keyword
import re

import numpy as np

from rnngraph.framework import dtypes

from . import native_call

NP_DTYPE = {dtypes.float32: "np.float32", dtypes.float64: "np.float64", dtypes.int32: "np.int32",
            dtypes.int64: "np.int64", dtypes.bool: "np.bool_"}
LOWERINGS = {}
# Names of the generated modules' imports and of the functions' fixed parameters.
RESERVED = {"np", "math", "njit", "callee_njit", "call_native", "kernels", "generated", "program",
            "outlined", "var_init", "ids", "rng", "err_i", "err_f", "fptrs", "min", "max", "abs",
            "range", "len"}
OUTLINED = {}  # op type -> fn(emitter, node, rule, ins): output exprs, or None to inline (outline.py)


def lowering(*op_types):
    """Decorator registering a lowering rule: fn(emitter, node, input_exprs) -> output exprs."""
    def deco(fn):
        for t in op_types:
            LOWERINGS[t] = fn
        return fn
    return deco


class TAExpr:
    """A TensorArray in generated code: names of its buffer, written/cleared masks, size."""

    __slots__ = ("buf", "written", "cleared", "size", "rank", "dtype", "attrs")

    def __init__(self, buf, written, cleared, size, rank, dtype, attrs):
        self.buf, self.written, self.cleared, self.size = buf, written, cleared, size
        self.rank, self.dtype, self.attrs = rank, dtype, attrs

    def parts(self):
        return [self.buf, self.written, self.cleared, self.size]

    def with_parts(self, parts):
        return TAExpr(*parts, self.rank, self.dtype, self.attrs)


class Check:
    """One run-time check: which op, error class, and how to word the message."""

    def __init__(self, node, error, fmt):
        self.op = node.op if node is not None else None
        self.error = error
        self.fmt = fmt  # callable(values: list of float) -> message
        self.inputs = "" if node is None or not node.inputs else " (inputs: %s)" % ", ".join(
            "'%s' %s%s" % (v.name, v.dtype.name, v.shape.short()) for v in node.inputs)

    def message(self, values):
        return self.fmt(values) + self.inputs


class Emitter:
    """Emits one generated function. `parent` is set for an outlined function (outline.py):
    its names come from the ops' short names (not the graph's scopes), its variable init
    flags and check ids are relative to the `ids` argument, so that identical loops emit
    identical source wherever they occur and share one compiled, cached function."""

    def __init__(self, parent=None):
        self.parent = parent
        self.lines = []
        self.level = 1
        self.used = set()
        self.const_args = []        # (name, ndarray)
        self.var_ops = []           # VariableV2 operations, index = k in var_k
        self.rng_ops = []           # random operations, index = row of rng
        self.checks = []
        self.exprs = {}             # Value -> expression
        self.refs = {}              # Value -> variable index (values that are variable refs)
        self.rebound = set()        # variables whose shape can change: rebound, returned
        self.overrides = {}         # node -> rule replacing its lowering (loop planning)
        self.skipped = set()        # nodes whose value a planned rewrite made unnecessary
        self.destinations = {}      # Value -> array expression its loop nest writes it into
        self.placed = set()         # Values written into their destination
        self.adopting = set()       # scatters that may adopt their values, with their arrays' TensorArrayNew
        self.verified = set()       # variables known initialized from here on (checked at entry or in straight-line code)
        self.globals = {}           # module-level scalar constants: name -> defining expression
        self.prologue = {}          # outlined: constant arrays made on entry: definition -> name
        self.int_args = {}          # outlined: integer constants passed as arguments: name -> (value, dtype)
        self.modules = []           # (module name, source) of outlined functions, callees first
        self.imports = []           # module names of the outlined functions this one calls
        self.native_slots = []      # the callee at each slot of the table (native_call.py)
        self.native_tables = {}     # program: slot of an outlined callee -> its table's (base, size)
        self.only_loop = False      # the program has one While: it is inlined (outline.py)
        self.pending = {}           # lazy name -> (line index, level, definition) until a line reads it
        self.rows = {}              # lazy name -> (array, index, its line): row `index` of `array`
        self.elements = {}          # name of a small vector -> (its elements' expressions, its line)

    # --- text ---------------------------------------------------------------------------------
    def line(self, text):
        if self.pending and not text.startswith("#"):
            for name in set(re.findall(r"[A-Za-z_]\w*", text)) & self.pending.keys():
                if name in self.pending:
                    self._materialize(name)
        self.lines.append(self._indented(text, self.level))

    def _indented(self, text, level):
        table = self.kernel_table()
        if table and "kernels." in text:
            text = native_call.through_table(text, self._kernel_slot, table)
        return "    " * level + text

    def lazy(self, hint, definition, row=None):
        """A name for `definition`, assigned here only if a later line reads the name: a
        placeholder line now, filled when one does. Array views and one-element arrays
        that a loop nest reads through other expressions (`row`: (array, index), see
        row_of) then cost nothing: a view costs two atomic reference-count operations, an
        allocation far more, every iteration of a loop."""
        name = self.fresh(hint)
        self.pending[name] = (len(self.lines), self.level, definition)
        self.lines.append("")
        if row is not None:
            self.rows[name] = tuple(row) + (len(self.lines) - 1,)
        return name

    def _materialize(self, name):
        k, level, definition = self.pending.pop(name)
        for other in set(re.findall(r"[A-Za-z_]\w*", definition)) & self.pending.keys():
            self._materialize(other)  # a lazy name defined earlier
        self.lines[k] = self._indented("%s = %s" % (name, definition), level)

    def row_of(self, name):
        """(array, index) when the lazy name `name` is row `index` of `array` and neither
        name has been rebound since, nor a while loop begun (whose later iterations could
        see them rebound): reading `array[index, ...]` here then reads the elements the
        view would. Else None."""
        if name not in self.rows:
            return None
        array, index, k = self.rows[name]
        return (array, index) if self._unchanged("%s %s" % (array, index), k) else None

    def element(self, name, i):
        """The expression of element i of the rank-1 array `name`: the scalar it was made
        from (`elements`), if that is a name still bound as it was, else `name[i]`."""
        if name in self.elements:
            items, k = self.elements[name]
            if items[i].isidentifier() and self._unchanged(items[i], k):
                return items[i]
        return "%s[%d]" % (name, i)

    def _unchanged(self, text, k):
        """Whether no name in `text` is rebound after line k, nor a while loop begun."""
        names = set(re.findall(r"[A-Za-z_]\w*", text))
        for line in self.lines[k + 1:]:
            target = re.match(r"\s*([\w\s,]+?)\s*[-+*/]?=(?!=)", line)
            if line.lstrip().startswith("while ") or \
                    target and names & {t.strip() for t in target.group(1).split(",")}:
                return False
        return True

    def kernel_table(self):
        """The name of the table of entry points this function calls its large kernels
        through: the program's `fptrs`; `ktab`, a range of it, in a function the program
        calls (native_call.py); none in deeper ones (they are linked into their caller)."""
        if self.parent is None:
            return "fptrs"
        return "ktab" if self.parent.parent is None else None

    def _kernel_slot(self, name):
        """A new slot of this function's table of entry points, for kernel `name`."""
        self.native_slots.append("kernels." + name)
        return len(self.native_slots) - 1

    @contextlib.contextmanager
    def block(self, header):
        self.line(header)
        self.level += 1
        yield
        self.level -= 1

    def label(self, name):
        """How a graph name appears in the source: as is at top level; in an outlined
        function only its last component without numeric parts (`.../cond_4_grad/add_3:0`
        -> `add`, `cond_4_grad` -> `cond_grad`), so the source does not depend on where the
        loop sits in the graph."""
        if self.parent is None:
            return name
        return re.sub(r"[_:]\d+(?=[_:]|$)", "", name.rsplit("/", 1)[-1]) or "t"

    def fresh(self, hint):
        hint = self.label(hint)
        base = re.sub(r"\W", "_", hint).strip("_")[-40:].lstrip("_0123456789") or "t"
        if base in RESERVED or keyword.iskeyword(base) or re.match(r"(var_\d+|rg_)", base):
            base = "t_" + base
        name, k = base, 1
        while name in self.used:
            k += 1
            name = "%s_%d" % (base, k)
        self.used.add(name)
        return name

    def used_names(self):
        """Every identifier the function's text uses (its lines and on-entry definitions)."""
        return set(re.findall(r"[A-Za-z_]\w*", "\n".join(self.lines + list(self.prologue))))

    def drop_unused(self):
        """Forget the on-entry definitions, integer arguments and scalar globals that the
        text never uses. A node's lowering gets an expression for each of its inputs, also
        for constant ones whose value its rule reads at compile time (a StridedSlice's end
        and strides): in an outlined function each was a line on entry and an argument
        (an LSTM's backward loop had 26 such of its 56 parameters)."""
        while True:
            used = self.used_names()
            dead = [d for d, name in self.prologue.items() if name not in used]
            if not dead:
                break
            for d in dead:
                del self.prologue[d]
        self.int_args = {n: v for n, v in self.int_args.items() if n in used}
        self.globals = {n: d for n, d in self.globals.items() if n in used}

    def assign(self, hint, expr):
        name = self.fresh(hint)
        self.line("%s = %s" % (name, expr))
        return name

    # --- values -------------------------------------------------------------------------------
    def literal(self, value, dtype):
        """A scalar constant of `dtype` (keeps float32 arithmetic float32).

        Numbers become module-level globals (`F32_0`), which Numba freezes into the machine
        code: a typed literal such as `np.float32(0.5)` inline would be a call that Numba
        types and lowers at every use, the largest part of a program's compile time."""
        value = np.asarray(value, dtype=dtype.np).item()
        if self.parent is not None and dtype.is_integer:
            return self.int_arg(value, dtype)
        if dtype is dtypes.bool:
            return "True" if value else "False"
        if isinstance(value, float) and not np.isfinite(value):
            text = "np.nan" if np.isnan(value) else "np.inf" if value > 0 else "-np.inf"
        else:
            text = repr(value)
        definition = "%s(%s)" % (NP_DTYPE[dtype], text)
        for name, known in self.globals.items():
            if known == definition:
                return name
        name = self.fresh("K_" + dtype.name.upper().replace("FLOAT", "F").replace("INT", "I"))
        self.globals[name] = definition
        return name

    def int_arg(self, value, dtype):
        """An integer constant of an outlined function, passed as an argument: integers are
        mostly step indices and sizes that differ between otherwise identical loops (the
        per-step Conds of static_rnn), so freezing them would split the shared function."""
        name = self.fresh("I_" + dtype.name.upper())  # one per use: equal values may differ elsewhere
        self.int_args[name] = (value, dtype)
        return name

    def const(self, value, dtype, hint="c"):
        value = np.asarray(value, dtype=dtype.np)
        if value.ndim == 0:
            return self.literal(value, dtype)
        one = one_value(value) if self.parent is not None else None
        if one is not None:
            return self.filled(value.shape, one, dtype)
        name = self.fresh("const_" + hint)
        self.const_args.append((name, np.ascontiguousarray(value)))
        return name

    def filled(self, shape, value, dtype):
        """An outlined function's constant array of one value (zeros of a gradient, mostly),
        made once on entry instead of passed in: fewer arguments, and the same source for
        loops that differ only in such constants."""
        return self.on_entry("filled", "kernels.full(%s, %s(%s))" % (
            int_tuple(shape), NP_DTYPE[dtype], self.literal(value, dtype)))

    def on_entry(self, hint, definition):
        """A name for `definition` (an expression of the function's arguments) computed once
        when an outlined function starts, not where it is used (maybe every iteration)."""
        if definition not in self.prologue:
            self.prologue[definition] = self.fresh(hint)
        return self.prologue[definition]

    def expr(self, value):
        if value in self.exprs:
            return self.exprs[value]
        if value.const is not None:
            e = self.const(value.const, value.dtype, value.name or "c")
            self.exprs[value] = e
            return e
        raise KeyError("rnngraph bug: no expression for %s" % value.name)

    def var_index(self, op):
        if op not in self.var_ops:
            self.var_ops.append(op)
        return self.var_ops.index(op)

    def rng_index(self, op):
        self.rng_ops.append(op)
        return len(self.rng_ops) - 1

    # --- checks -------------------------------------------------------------------------------
    def fail_if(self, condition, node, error, fmt, values=(), statements=()):
        """Emit: if `condition`: record check + values (expressions for err_f[0..15]) or run
        `statements` (that fill err_f themselves), and raise."""
        self.checks.append(Check(node, error, fmt))
        k = len(self.checks)
        with self.block("if %s:" % condition):
            self.line("err_i[0] = %s" % (k if self.parent is None else "ids[0] + %d" % k))
            for i, v in enumerate(values[:16]):
                self.line("err_f[%d] = %s" % (i, v))
            for statement in statements:
                self.line(statement)
            # A call, not a `raise` here: Numba lowers every raise site into its own
            # exception-return machinery, which made up 40% of a gradient program's compile.
            self.line("kernels.raise_check()")

    def kernel_checks(self, node, checks):
        """Number the checks a kernel makes itself ((error class, fmt) pairs, in the
        kernel's order); returns the expression of the first one's id, the `base` the
        kernel reports failures from (base + k for the k-th)."""
        first = len(self.checks) + 1
        self.checks += [Check(node, error, fmt) for error, fmt in checks]
        return str(first) if self.parent is None else "ids[0] + %d" % first

    def init_flag(self, k):
        """The expression of variable k's initialized flag."""
        return "var_init[%s]" % (k if self.parent is None else "ids[%d]" % (k + 1))

    def is_verified(self, k):
        if k in self.verified:
            return True
        return self.parent is not None and self.parent.is_verified(self.parent.var_index(self.var_ops[k]))

    def check_initialized(self, k, node):
        if self.is_verified(k):
            return
        op = self.var_ops[k]
        self.fail_if("not %s" % self.init_flag(k), node, "FailedPreconditionError",
                     lambda v, name=op.name: "Attempting to use uninitialized value %s" % name)
        if self.level == 1:
            # Straight-line code of the function (no loop or branch around the check): every
            # later read is after it, and a flag never goes back to false, so later reads
            # need no check of their own (a training program checked its variables 32 times).
            self.verified.add(k)

    # --- functions ----------------------------------------------------------------------------
    def emit_function(self, fn, arg_exprs):
        """Inline the nodes of `fn` with its args bound to `arg_exprs`; returns output exprs."""
        for a, e in zip(fn.args, arg_exprs):
            self.exprs[a] = e
        for node in fn.nodes:
            self.emit_node(node)
        return [self.expr(v) for v in fn.outputs]

    def emit_node(self, node):
        if node in self.skipped:
            return
        rule = self.overrides.get(node) or LOWERINGS.get(node.type)
        if rule is None:
            raise NotImplementedError("op type %s (%s) has no lowering for the cpu target"
                                      % (node.type, node.name))
        ins = []
        for i, v in enumerate(node.inputs):
            if v in self.refs and i not in node.prim.ref_inputs:
                self.check_initialized(self.refs[v], node)
            ins.append(None if v.node in self.skipped else self.expr(v))
        self.line("# %s = %s(%s)" % (", ".join(self.label(o.name) for o in node.outputs) or "()",
                                     node.type, ", ".join(self.label(v.name or "?") for v in node.inputs)))
        outs = None
        if node.type in OUTLINED:
            outs = OUTLINED[node.type](self, node, rule, ins)
        if outs is None:
            outs = rule(self, node, ins)
        for v, e in zip(node.outputs, outs or ()):
            self.exprs[v] = e


def one_value(array):
    """The value every element of a non-empty array equals, else None (a gradient's
    zeros_like/ones_like: a literal in loops, a fill in outlined functions)."""
    if array.size == 0:
        return None
    first = array.flat[0]
    return first if (array == first).all() else None


def rank(value):
    r = value.shape.ndims
    if r is None:
        raise NotImplementedError("a tensor of unknown rank (%s) on the cpu target" % value.name)
    return r


def int_tuple(items):
    """A tuple expression of the int64 values `items` (ints or expressions). Integer
    literals are wrapped in np.int64: Numba types a literal tuple by its values, so a
    function called with one would compile (and cache) a version per shape instead of per
    rank. Kernels are typed by plain types anyway (kernel_jit.py); outlined functions
    calling their nested ones directly are not."""
    return "(%s)" % "".join("np.int64(%s), " % i if str(i).lstrip("-").isdigit() else "%s, " % i
                            for i in items)


def shape_expr(expr, value):
    """Python expression for the shape tuple of array expression `expr`."""
    r = rank(value)
    if r == 0:
        return "()"
    return "(%s,)" % ", ".join("%s.shape[%d]" % (expr, i) for i in range(r))
