"""Lowering of elementwise work to explicit loops: a fused group (compiler/fuse.py), or a
single elementwise op, becomes one loop nest writing each output element from scalar
expressions. No temporaries, nothing for Numba to type but scalar math, and loops LLVM
vectorizes. A flat loop is used when every input is a scalar or has the output's shape
(and no member shifts the index); otherwise nested loops index the inputs: at 0 along their
size-1 axes (broadcasting), shifted by the begin of the Slices between them and the output.
"""
import contextlib
from collections import namedtuple

import numpy as np

from rnngraph.framework import dtypes

from ...fuse import ELEMENTWISE
from .emitter import NP_DTYPE, Emitter, int_tuple, lowering, one_value, rank
from .outline import add_module, call, typed_arg
from .omp_parts import AVAILABLE as THREADED  # whether loops may run on OpenMP's threads
from .panels import SERIAL_MAX, panel_width

SCALAR_UNARY = {
    "Neg": "(-{x})", "Abs": "abs({x})", "Sign": "np.sign({x})", "Square": "({x} * {x})",
    "Reciprocal": "({one} / {x})", "Exp": "math.exp({x})", "Expm1": "math.expm1({x})",
    "Log": "math.log({x})", "Log1p": "math.log1p({x})", "Sqrt": "math.sqrt({x})",
    "Rsqrt": "({one} / math.sqrt({x}))", "Tanh": "math.tanh({x})",
    "Sigmoid": "({one} / ({one} + math.exp(-{x})))",
    "Relu": "({x} if ({x} > {zero} or {x} != {x}) else {zero})",
    "Softplus": "kernels.softplus({x})", "Erf": "math.erf({x})", "Sin": "math.sin({x})",
    "Cos": "math.cos({x})", "Floor": "np.floor({x})", "Ceil": "np.ceil({x})",
    "Round": "kernels.round_half_even({x})", "LogicalNot": "(not {x})",
    "IsNan": "({x} != {x})", "IsInf": "math.isinf({x})", "IsFinite": "math.isfinite({x})",
}

SCALAR_BINARY = {
    "Add": "({x} + {y})", "Sub": "({x} - {y})", "Mul": "({x} * {y})", "RealDiv": "({x} / {y})",
    "FloorDiv": None, "TruncateDiv": "kernels.truncate_div({x}, {y})", "FloorMod": "({x} % {y})",
    "Pow": "({x} ** {y})", "Maximum": "({x} if ({x} > {y} or {x} != {x}) else {y})",
    "Minimum": "({x} if ({x} < {y} or {x} != {x}) else {y})",
    "SquaredDifference": "(({x} - {y}) * ({x} - {y}))", "Equal": "({x} == {y})",
    "NotEqual": "({x} != {y})", "Less": "({x} < {y})", "LessEqual": "({x} <= {y})",
    "Greater": "({x} > {y})", "GreaterEqual": "({x} >= {y})", "LogicalAnd": "({x} and {y})",
    "LogicalOr": "({x} or {y})", "LogicalXor": "({x} != {y})",
}


def _scalar(e, node, args):
    """The scalar expression of one elementwise node over argument expressions."""
    t = node.type
    dt = node.inputs[0].dtype
    if t in SCALAR_UNARY:
        text = SCALAR_UNARY[t].format(x=args[0], one=_lit(e, 1, dt), zero=_lit(e, 0, dt))
    elif t == "FloorDiv":
        text = "(%s // %s)" % tuple(args) if dt.is_integer else "np.floor(%s / %s)" % tuple(args)
    elif t in SCALAR_BINARY:
        text = SCALAR_BINARY[t].format(x=args[0], y=args[1])
    elif t == "Select":
        text = "(%s if %s else %s)" % (args[1], args[0], args[2])
    elif t == "Cast":
        out = node.outputs[0].dtype
        text = "(%s != 0)" % args[0] if out is dtypes.bool else "%s(%s)" % (NP_DTYPE[out], args[0])
    else:
        raise NotImplementedError("elementwise op %s in a fused loop" % t)
    out = node.outputs[0].dtype
    if out is not dtypes.bool and t != "Cast" and not _keeps_float_type(node):
        text = "%s(%s)" % (NP_DTYPE[out], text)
    return text


# Ops whose Numba result already has the type of their (same-typed) float operands, so the
# scalar expression needs no cast (integer arithmetic does: Numba widens int32 to int64).
FLOAT_PRESERVING = {"Add", "Sub", "Mul", "RealDiv", "Neg", "Abs", "Square", "Maximum",
                    "Minimum", "Relu", "SquaredDifference", "Select", "Reciprocal"}


def _keeps_float_type(node):
    out = node.outputs[0].dtype
    operands = node.inputs[1:] if node.type == "Select" else node.inputs
    return (node.type in FLOAT_PRESERVING and out.is_floating
            and all(v.dtype is out for v in operands))


def _lit(e, value, dtype):
    return e.literal(value, dtype) if dtype.is_numeric else str(bool(value))


# A loop nest with at least this many points and elementwise members runs on OpenMP's
# threads (parts of its outer loop, in outlined functions of their own: _threaded).
# The medium LSTM step's loop (32 x 256 points, 20 members, five of them tanh/sigmoid): 20
# us on one thread, 11.6 on two. The small one's (16 x 128 points) threaded made the small
# LSTM's forward 2.38 -> 2.26 ms on session 20's machine (Zen 4); on session 21's, whose
# cores run this loop twice as fast, it made it 4-6% slower and the training step 7%
# (interleaved A/B), while the medium step still gains (7% forward, 3% training). Each
# such function costs about 0.5 s more to compile the first time (then it is cached), so
# a loop of one or two ops (a gradient's fill) is not worth it either.
THREADED_MIN_POINTS = 1 << 12
THREADED_MIN_MEMBERS = 4


def emit_loop(e, members, leaves, outputs, loop_shape=None, product=None):
    """Emit the loop nest computing `outputs` (Values) from `leaves` through `members` (in
    order); returns their expressions. The loop runs over `loop_shape` (the first output's
    shape by default); each output is written at every point of it, a Concat's inputs at
    their offsets along its axis. Large nests run on OpenMP's threads. `product`: an
    EpilogueProduct not computed yet, which the threads compute as well."""
    shape = (loop_shape or outputs[0].shape).as_list()
    r = len(shape)
    producer = {m.outputs[0].id: m for m in members}
    ones = {v.id: u for v in leaves for u in [uniform(v)] if u is not None}  # read as literals
    flat = all(m.type not in ("Slice", "Concat") for m in members) and all(
        rank(v) == 0 or v.id in ones or v.shape.as_list() == shape for v in leaves)
    point = (0,) * r
    if r == 0:
        values = _Values(e, producer, _flat_reader(e, leaves, ones))
        return [values.at(out, point, out.name or "fused") for out in outputs]
    results, stores = [], []  # stores: (index of the result, value, offset); None: a read
    for j, out in enumerate(outputs):
        results.append(result_array(e, out, out.name or "fused"))
        sink = producer.get(out.id)
        if sink is not None and sink.type == "Concat":
            axis = sink.attrs["axis"] % r
            stores += [(j, v, tuple(k * shape[axis] if d == axis else 0 for d in range(r)))
                       for k, v in enumerate(sink.inputs)]
        else:
            stores.append((j, out, point))
    # leaves the loop overwrites (a loop variable's array: CarriedArray) are read first at
    # each point, before any store there
    first = [v for v in leaves if v.id not in ones and rank(v) > 0 and e.expr(v) in results]
    stores = [(None, v, point) for v in first] + stores
    if product is not None:
        _threaded(e, producer, leaves, ones, outputs, results, stores, shape, flat, product)
    elif THREADED and np.prod(shape) >= THREADED_MIN_POINTS and shape[0] > 1 and \
            sum(m.type not in ("Slice", "Concat") for m in members) >= THREADED_MIN_MEMBERS:
        _threaded(e, producer, leaves, ones, outputs, results, stores, shape, flat)
    else:
        _nest(e, producer, leaves, ones, results, stores, shape, flat)
    return results


def result_array(e, out, hint):
    """The name of the array a loop nest writes Value `out` into: a new one, or where the
    value goes (e.destinations, each with resolve(e, hint, fresh) -> name): a row of a
    stack (lower_control._StackRow) or of a TensorArray (lower_tensor_array.TensorArrayRow),
    or a loop variable's own array (lower_control.CarriedArray)."""
    fresh = "kernels.empty(%s, %s)" % (int_tuple(out.shape.as_list()), NP_DTYPE[out.dtype])
    dest = e.destinations.get(out)
    if dest is None:
        return e.assign(hint, fresh)
    e.placed.add(out)
    return dest.resolve(e, hint, fresh)


def in_place_outputs(node):
    """The outputs that node's lowering writes by loop nests into result_array, honouring
    e.destinations: a fused group's; an elementwise op's of static shape
    (lower_elementwise); a Concat's of static shapes (emit_concat)."""
    if node.type == "FusedElementwise" or node.type in ELEMENTWISE and node.outputs[0].shape.is_fully_defined() \
            or node.type == "Concat" and all(v.shape.is_fully_defined() for v in node.inputs):
        return node.outputs
    return []


def read_points(node, leaf):
    """The points, as offsets from the loop's, at which node's loop nest (in_place_outputs)
    reads its input `leaf`; None where they are not points of the loop (a Concat's, a
    broadcast input's)."""
    if node.type == "FusedElementwise":
        return node.read_points(leaf)
    out = node.outputs[0]
    if node.type in ELEMENTWISE and leaf.shape.as_list() == out.shape.as_list():
        return {(0,) * rank(out)}
    return None


def copy_row(e, buf, row, x, dims):
    """buf[row] = x by a loop nest over x's dims (None: x's size at run time); x a name,
    or a scalar expression when dims is empty. No kernel call: a call costs Numba about
    fifteen atomic reference-count operations, a small row's copy far less."""
    index = [e.fresh("r") for _ in dims]
    with contextlib.ExitStack() as nest:
        for k, (i, d) in enumerate(zip(index, dims)):
            nest.enter_context(e.block("for %s in range(%s):" % (i, d if d is not None else "%s.shape[%d]" % (x, k))))
        e.line("%s[%s] = %s" % (buf, ", ".join([row] + index), "%s[%s]" % (x, ", ".join(index)) if dims else x))


def emit_concat(e, node):
    """A Concat of static shapes as a loop nest per input storing it at its offset along
    the axis: no kernel call (whose tuple of arrays costs a dozen atomic reference-count
    operations), rows read through their arrays, and the result written where it goes (a
    saved value's stack row)."""
    out = node.outputs[0]
    r = rank(out)
    axis = node.attrs["axis"] % r
    result = result_array(e, out, out.name or "concat")
    targets, reader = [_target(e, result)], _nested_reader(e, r, {})
    offset = 0
    for x in node.inputs:
        dims = x.shape.as_list()
        header = ["for i%d in range(%d):" % (k, d) for k, d in enumerate(dims)]
        store = (0, x, tuple(offset if k == axis else 0 for k in range(r)))
        _body(e, {}, reader, targets, [store], header, False, r)
        offset += dims[axis]
    return [result]


# A product a loop computes before its elementwise work (product_epilogue): leaf = a @ B
# (+= with `accumulate`), B packed in `panels`; a and panels are expressions; the loop reads
# the leaf at column offsets `offsets`.
EpilogueProduct = namedtuple("EpilogueProduct", "leaf a panels accumulate offsets")


def product_epilogue(node, leaf, k):
    """The column offsets c at which the FusedElementwise `node` reads `leaf` = a @ B
    ([m, k] @ [k, n], B packed by panels.py) when the loop can compute that product itself
    (emit_loop's `product`), else None. Its points (i0, i1) must read the leaf only at
    (i0, i1 + c) (a cell's gates: Slices of the product), each c and the loop's width a
    multiple of NR, and the product large enough to thread: the loop then runs over parts of
    NR columns on OpenMP's threads, each part first computing the product's columns it reads
    (c + its columns, for every c). One parallel region per step instead of two (the
    product's, the loop's), the gates read by the core that wrote them, and the loop threaded
    where alone it did not pay (the small LSTM's 16 x 128 points)."""
    shape = (node.loop_shape or node.outputs[0].shape).as_list()
    if not THREADED or len(shape) != 2 or rank(leaf) != 2 or leaf.shape.as_list()[0] != shape[0] or \
            any(m.type == "Concat" for m in node.members):
        return None
    points = node.read_points(leaf)
    m, n = leaf.shape.as_list()
    nr = panel_width(leaf.dtype.np)
    offsets = sorted(c for _, c in points)
    if not offsets or any(r != 0 for r, _ in points) or shape[1] % nr or shape[1] < 2 * nr or \
            any(c % nr or c + shape[1] > n for c in offsets) or m * k * n <= SERIAL_MAX:
        return None
    return offsets


def _nest(e, producer, leaves, ones, results, stores, shape, flat, bounds=None):
    """The loop nest itself; with `bounds` (names lo, hi: _threaded), its outermost loop
    runs over range(lo, hi) only."""
    def outer(extent):
        return "range(%s, %s)" % bounds if bounds else "range(%d)" % extent
    if flat:
        reader = _flat_reader(e, leaves, ones)
        # ravel, not kernels.flat: writes go through these views (see kernels.flat)
        targets = [_target(e, x) if len(shape) == 1 else e.assign(x + "_flat", "%s.ravel()" % x) + "["
                   for x in results]
        header = ["for i in %s:" % outer(int(np.prod(shape)))]
    else:
        reader = _nested_reader(e, len(shape), ones)
        targets = [_target(e, x) for x in results]
        header = ["for i%d in %s:" % (k, outer(d) if k == 0 else "range(%d)" % d) for k, d in enumerate(shape)]
    _body(e, producer, reader, targets, stores, header, flat, len(shape))


def _target(e, x):
    """How a store into array `x` begins: `x[`, or for a row of an array not taken as a
    view (e.row_of), `array[index, `."""
    row = e.row_of(x)
    return "%s[" % x if row is None else "%s[%s, " % row


def _body(e, producer, reader, targets, stores, header, flat, r):
    """The loops of `header` around the stores of every output at one point (targets: how
    each output's store begins, _target)."""
    for h in header:
        e.line(h)
        e.level += 1
    values = _Values(e, producer, reader)
    point = (0,) * r
    for j, v, offset in stores:
        if j is None:  # a read only (emit_loop's `first`)
            values.at(v, point)
            continue
        index = "i" if flat else ", ".join(_shifted(k, o) for k, o in enumerate(offset))
        e.line("%s%s] = %s" % (targets[j], index, values.at(v, point)))
    e.level -= len(header)


def _column_parts(e, producer, ones, results, stores, shape, product, a, panels, bounds):
    """The 2-D nest over parts of NR columns, those of range(lo, hi) (`bounds`: their
    names, _threaded), each part computing the product's columns it reads first
    (product_epilogue); returns the number of parts."""
    nr = panel_width(product.leaf.dtype.np)
    parts = shape[1] // nr
    e.line("for part in range(%s, %s):" % bounds)
    e.level += 1
    # The mask (no-op: part < parts) tells LLVM that j0 is not negative: it then drops
    # Numba's negative-index wraparound from the inner loop's reads, which otherwise kept
    # that loop from vectorizing (3 times slower, the medium LSTM's cell).
    j0 = e.assign("j0", "(part & %d) * %d" % ((1 << parts.bit_length()) - 1, nr))
    for c in product.offsets:
        e.line("kernels.panel_columns(%s, %s, %s, %s, %s + %d, %s)" % (
            a, panels, e.expr(product.leaf), "%s + %d" % (j0, c) if c else j0, j0, c + nr, product.accumulate))
    header = ["for i0 in range(%d):" % shape[0], "for i1 in range(%s, %s + %d):" % (j0, j0, nr)]
    _body(e, producer, _nested_reader(e, 2, ones), [x + "[" for x in results], stores, header, False, 2)
    e.level -= 1
    return parts


def _threaded(e, producer, leaves, ones, outputs, results, stores, shape, flat, product=None):
    """The nest on OpenMP's threads: an outlined function `outlined(lo, hi, ...)` running
    parts lo .. hi-1 of its outermost loop (of its column parts with a `product`), and an
    outlined function launching it over all of them (omp_parts.runner), called with the
    leaves and the output arrays (and the operands of the `product` it computes). Their
    source depends only on the computation (outline.py), so the same cell's loop in any
    program shares the compiled functions."""
    sub = Emitter(parent=e)
    bounds = sub.fresh("lo"), sub.fresh("hi")
    params, args = [], []
    for v in {v.id: v for v in leaves if v.id not in ones}.values():
        name = sub.fresh("in_" + (v.name or "x"))
        params.append(name)
        args.append(typed_arg(v.dtype, e.expr(v)) if rank(v) == 0 else e.expr(v))
        sub.exprs[v] = name
    if product is not None:
        operands = [sub.fresh("in_a"), sub.fresh("in_panels")]
        params += operands
        args += [product.a, product.panels]
    names = [sub.fresh("out_" + (v.name or "x")) for v in outputs]
    if product is not None:
        parts = _column_parts(sub, producer, ones, names, stores, shape, product, *operands, bounds)
    else:
        parts = int(np.prod(shape)) if flat else shape[0]
        _nest(sub, producer, leaves, ones, names, stores, shape, flat, bounds)
    params += names + list(sub.int_args)
    args += results + [typed_arg(dt, e.literal(value, dt)) for value, dt in sub.int_args.values()]
    what = "FusedElementwise over %s points%s" % ("x".join(map(str, shape)), " with its product" if product else "")
    launcher = Emitter(parent=e)
    body = add_module(launcher, sub, list(bounds) + params, "%s: parts %s .. %s-1 of %d" % (what, *bounds, parts))
    launcher.globals["run_parts"] = "omp_parts.runner(%s.outlined)" % body
    launcher.line("run_parts(%d, (%s))" % (parts, "".join("%s, " % p for p in params)))
    e.line(call(e, add_module(e, launcher, params, what + " on OpenMP's threads"), args))


class _Values:
    """Scalar temporaries of the group's values at points (offsets from the loop index),
    each emitted once, producers first."""

    def __init__(self, e, producer, reader):
        self.e, self.producer, self.reader = e, producer, reader
        self.memo = {}

    def at(self, v, point, hint="s"):
        key = (v.id, point)
        if key not in self.memo:
            self.memo[key] = self._compute(v, point, hint)
        return self.memo[key]

    def _compute(self, v, point, hint):
        m = self.producer.get(v.id)
        if m is None:
            x = self.reader(v, point)
            return self.e.assign(hint, x) if "[" in x else x
        if m.type == "Slice":
            begin = [int(b) for b in m.inputs[1].const]
            return self.at(m.inputs[0], tuple(p + b for p, b in zip(point, begin)), hint)
        return self.e.assign(hint, _member(self.e, m, [self.at(u, point) for u in m.inputs]))


def uniform(v):
    """The one value of a constant array leaf whose elements are all equal (a gradient's
    zeros_like or ones_like, which TF1 makes a full-size Const), else None. Loops read it as
    a literal: the LSTM train step's sum gradient no longer streams a [batch, time, units]
    array of zeros from memory."""
    c = v.const
    if c is None and v.node is not None and v.node.type == "Const":
        c = v.node.attrs["value"]  # too large to fold: a node of its own
    return None if c is None or np.ndim(c) == 0 else one_value(np.asarray(c))


def _leaf(e, v, ones):
    """The expression of a leaf read as a whole: a literal for a uniform constant."""
    return _lit(e, ones[v.id], v.dtype) if v.id in ones else e.expr(v)


def _flat_reader(e, leaves, ones):
    """Leaf reads in a flat loop: every array leaf has the loop's shape. A vector is read
    as it is, a row of a matrix in the matrix (a view costs two atomic reference-count
    operations)."""
    flat = {}
    for v in leaves:
        if rank(v) > 0 and v.id not in ones and v.id not in flat:
            array, lead = _indexed(e, v)
            if rank(v) == 1 and array.isidentifier():
                flat[v.id] = "%s[%s" % (array, "".join(x + ", " for x in lead))
            else:
                flat[v.id] = e.assign("flat_" + (v.name or "x"), "kernels.flat(%s)" % e.expr(v)) + "["
    return lambda v, point: "%si]" % flat[v.id] if v.id in flat else _leaf(e, v, ones)


def _indexed(e, v):
    """(array, leading indices) through which to read array leaf v: v's own expression and
    none, or, for a row of an array not yet taken as a view (e.row_of), that array and the
    row's index."""
    x = e.expr(v)
    row = e.row_of(x)
    return (x, []) if row is None else (row[0], [row[1]])


def _nested_reader(e, r, ones):
    """Leaf reads in an r-deep loop nest: broadcast along size-1 axes, shifted by the point."""
    def read(v, point):
        if rank(v) == 0 or v.id in ones:
            return _leaf(e, v, ones)
        x, lead = _indexed(e, v)
        dims = v.shape.dims
        index = list(lead)
        for j, d in enumerate(dims):
            k = r - len(dims) + j
            if d == 1:
                index.append("0")
            elif d is None:
                index.append("(%s if %s.shape[%d] != 1 else 0)" % (_shifted(k, point[k]), x, j + len(lead)))
            else:
                index.append(_shifted(k, point[k]))
        return "%s[%s]" % (x, ", ".join(index))
    return read


def _shifted(k, offset):
    return "i%d" % k if offset == 0 else "(i%d + %d)" % (k, offset)


def _member(e, m, args):
    """The scalar value of member m: a vectorizable polynomial for float32 tanh/sigmoid,
    else the expression of SCALAR_UNARY/SCALAR_BINARY."""
    if m.type in ("Tanh", "Sigmoid") and m.inputs[0].dtype is dtypes.float32:
        return "kernels.%s_f32(%s)" % (m.type.lower(), args[0])
    return _scalar(e, m, args)


@lowering("FusedElementwise")
def lower_fused(e, node, ins, product=None):
    return emit_loop(e, node.members, node.inputs, node.outputs, node.loop_shape, product)
