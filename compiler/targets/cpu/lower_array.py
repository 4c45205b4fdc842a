"""Lowering of reductions, MatMul and shape/layout primitives.

Static facts (axes, permutations, slice specs, and shapes known after specialization) are
baked into the generated code; anything only known at run time is read from the arrays.
"""
import numpy as np

from rnngraph.primitives.shape import strided_index
from rnngraph.primitives.common import shape_str

from .emitter import NP_DTYPE, int_tuple, lowering, rank, shape_expr
from .lower_fused import emit_concat, in_place_outputs
from .panels import THREADED


def _out(node):
    return node.outputs[0].name or node.type


def _tuple(items):
    return int_tuple(items)


def _dims(e, value, expr):
    """Per-axis size expressions: the static size when known, else read from the array."""
    return [str(d) if d is not None else "%s.shape[%d]" % (expr, i)
            for i, d in enumerate(value.shape.dims)]


def transposed(expr, perm):
    """Expression for a C-contiguous copy of array `expr` with axes permuted by `perm`
    (expr should be a name: its shape is read once per output axis); a large one is
    copied on Numba's threads where the threading layer allows."""
    return "kernels.transpose(%s, %s, %s, %s)" % (
        expr, _tuple(perm), _tuple("%s.shape[%d]" % (expr, p) for p in perm), THREADED)


def _static_ints(value, what, node):
    if value.const is None:
        raise NotImplementedError("%s of %s (%s) computed at run time on the cpu target"
                                  % (what, node.type, node.name))
    return [int(x) for x in np.asarray(value.const).ravel()]


# --- reductions --------------------------------------------------------------------------------
_ROWS = {"Sum": "sum_rows", "Prod": "prod_rows", "Max": "max_rows", "Min": "min_rows",
         "All": "all_rows", "Any": "any_rows", "Mean": "sum_rows"}


def _reduced_axes(node, x):
    """(sorted reduced axes, kept axes) of a reduction of x."""
    r = rank(x)
    axes = node.attrs.get("axis")
    axes = list(range(r)) if axes is None else sorted(a % r for a in axes)
    return axes, [i for i in range(r) if i not in axes]


def _rows_view(e, node, x, xe):
    """x with reduced axes last, as a contiguous [kept, reduced] array; returns
    (name, kept dims exprs, reduced size expr, axes)."""
    axes, keep = _reduced_axes(node, x)
    dims = _dims(e, x, xe)
    kept = " * ".join(dims[i] for i in keep) or "1"
    red = " * ".join(dims[i] for i in axes) or "1"
    src = xe if rank(x) else "kernels.full(1, %s)" % xe
    if keep and axes and keep != list(range(len(keep))):
        src = transposed(xe, keep + axes)
    view = e.assign("rows", "kernels.reshape(%s, (%s, %s))" % (src, kept, red))
    return view, [dims[i] for i in keep], red, axes


def _sum(e, node, x, xe):
    """The sums of x over node's axes as a flat array (kept positions in order), summed in
    float64 (int64 for integers) like kernels.sum_rows; returns (name, kept dims, axes).
    When the reduced axes lead (a bias gradient sums over the batch), x is read as
    [reduced, kept] rows by kernels.sum_cols: no transposed copy."""
    zero = "np.int64(0)" if x.dtype.is_integer else "0.0"
    axes, keep = _reduced_axes(node, x)
    if keep and axes and axes == list(range(len(axes))):
        dims = _dims(e, x, xe)
        view = e.assign("cols", "kernels.reshape(%s, (%s, %s))" % (
            xe, " * ".join(dims[i] for i in axes), " * ".join(dims[i] for i in keep)))
        call = "kernels.sum_cols(%s, kernels.empty(%s.shape[1], %s), %s)" % (view, view, NP_DTYPE[x.dtype], zero)
        return e.assign("red", call), [dims[i] for i in keep], axes
    view, kept, _, axes = _rows_view(e, node, x, xe)
    call = "kernels.sum_rows(%s, kernels.empty(%s.shape[0], %s), %s)" % (view, view, NP_DTYPE[x.dtype], zero)
    return e.assign("red", call), kept, axes


@lowering(*_ROWS)
def lower_reduction(e, node, ins):
    x, out = node.inputs[0], node.outputs[0]
    dt = x.dtype
    kind = node.type
    if kind in ("Sum", "Mean"):
        res, kept, axes = _sum(e, node, x, ins[0])
        red = " * ".join(_dims(e, x, ins[0])[i] for i in axes) or "1"
    else:
        view, kept, red, axes = _rows_view(e, node, x, ins[0])
        buf = "kernels.empty(%s.shape[0], %s)" % (view, NP_DTYPE[dt])
        if kind == "Max":
            call = "kernels.max_rows(%s, %s, %s)" % (view, buf, e.literal(-np.inf if dt.is_floating else dt.min, dt))
        elif kind == "Min":
            call = "kernels.min_rows(%s, %s, %s)" % (view, buf, e.literal(np.inf if dt.is_floating else dt.max, dt))
        else:
            call = "kernels.%s(%s, %s)" % (_ROWS[kind], view, buf)
        res = e.assign("red", call)
    if kind == "Mean":
        count = e.assign("count", red)
        if dt.is_integer:
            n = e.assign("count", "%s(max(%s, 1))" % (NP_DTYPE[dt], count))
            res = e.assign("mean", "kernels.truncate_div_array(%s, %s)" % (res, n))
        else:
            res = e.assign("mean", "(%s / %s(%s)).astype(%s)" % (res, NP_DTYPE[dt], count, NP_DTYPE[dt]))
    if rank(out) == 0:
        return [e.assign(_out(node), "%s(%s[0])" % (NP_DTYPE[dt], res))]
    if node.attrs.get("keepdims"):
        dims = _dims(e, x, ins[0])
        shape = [("1" if i in axes else dims[i]) for i in range(rank(x))]
    else:
        shape = kept
    return [e.assign(_out(node), "%s.reshape(%s)" % (res, _tuple(shape)))]


@lowering("ArgMax", "ArgMin")
def lower_arg_reduction(e, node, ins):
    x, out = node.inputs[0], node.outputs[0]
    r = rank(x)
    axis = node.attrs["axis"] % r
    e.fail_if("%s.shape[%d] == 0" % (ins[0], axis), node, "InvalidArgumentError",
              lambda v, a=axis: "Reduction axis %d is empty" % a)
    fake = type("N", (), {"attrs": {"axis": (axis,)}})()
    view, kept, red, _ = _rows_view(e, fake, x, ins[0])
    fn = "argmax_rows" if node.type == "ArgMax" else "argmin_rows"
    res = e.assign("arg", "kernels.%s(%s, kernels.empty(%s.shape[0], %s))" % (
        fn, view, view, NP_DTYPE[out.dtype]))
    if rank(out) == 0:
        return [e.assign(_out(node), "%s(%s[0])" % (NP_DTYPE[out.dtype], res))]
    return [e.assign(_out(node), "%s.reshape(%s)" % (res, _tuple(kept)))]


def _static_equal(a, b):
    """Both sizes known when the program was specialized, and equal: no run-time check."""
    return a is not None and b is not None and a == b


# --- matmul -----------------------------------------------------------------------------------
@lowering("MatMul")
def lower_matmul(e, node, ins):
    a, b = node.inputs
    ta, tb = node.attrs.get("transpose_a"), node.attrs.get("transpose_b")
    ia, ib = rank(a) - (2 if ta else 1), rank(b) - (1 if tb else 2)  # the contracted axes
    matmul_checks(e, node, ["%s.shape[%d]" % (ins[0], k) for k in range(rank(a))],
                  ["%s.shape[%d]" % (ins[1], k) for k in range(rank(b))])
    if rank(a) == 2 and rank(b) == 2:
        if a.dtype.is_floating:
            b_rows = "%s[%d:%d]" % ((ins[1],) + node.attrs["b_rows"]) if "b_rows" in node.attrs else ins[1]
            return [e.assign(_out(node), "kernels.matmul(%s, %s, %s, %s)" % (ins[0], b_rows, bool(ta), bool(tb)))]
        ae = e.assign("mm_a", transposed(ins[0], (1, 0))) if ta else ins[0]
        be = e.assign("mm_b", transposed(ins[1], (1, 0))) if tb else ins[1]
        return [e.assign(_out(node), "kernels.matmul_loops(kernels.contiguous(%s), "
                                     "kernels.contiguous(%s))" % (ae, be))]
    return [_batched_matmul(e, node, ins)]


def matmul_checks(e, node, a_dims, b_dims):
    """The MatMul's run-time check that its inner dimensions agree (operand shapes as
    expressions), unless its static shapes say they do (also emitted by the windowed
    projection, which multiplies the operands' parts: lower_control._windowed_projection).
    The message names both shapes, as the reference's (each after its transpose flag)."""
    a, b = node.inputs
    a_dims, b_dims = list(a_dims), list(b_dims)
    for dims, flag in ((a_dims, "transpose_a"), (b_dims, "transpose_b")):
        if node.attrs.get(flag):
            dims[-2:] = dims[:-3:-1]
    ia = rank(a) - (2 if node.attrs.get("transpose_a") else 1)
    ib = rank(b) - (1 if node.attrs.get("transpose_b") else 2)
    if not _static_equal(a.shape.dims[ia], b.shape.dims[ib]):
        ra, rb = len(a_dims), len(b_dims)
        e.fail_if("%s != %s" % (a_dims[-1], b_dims[-2]), node, "InvalidArgumentError",
                  lambda v: "Matrix size-incompatible: In[0]: %s, In[1]: %s"
                  % (_dims_str(v[:ra]), _dims_str(v[ra:ra + rb])), a_dims + b_dims)


def _dims_str(values):
    """A shape as TF prints it ([2,5]) from a failed check's values (floats)."""
    return shape_str(int(x) for x in values)


def _batched_matmul(e, node, ins):
    a, b = node.inputs
    out = node.outputs[0]
    r = rank(out)
    if rank(a) != r or rank(b) != r:
        raise NotImplementedError("batched MatMul with operands of different ranks on the cpu "
                                  "target (%s)" % node.name)
    ta, tb = node.attrs.get("transpose_a"), node.attrs.get("transpose_b")
    perm = tuple(range(r - 2)) + (r - 1, r - 2)
    ae = e.assign("mm_ta", transposed(ins[0], perm)) if ta else ins[0]
    be = e.assign("mm_tb", transposed(ins[1], perm)) if tb else ins[1]
    av = e.assign("mm_a", "kernels.broadcast_copy(%s, %s + %s.shape[-2:])" % (
        ae, _batch_shape(e, node), ae))
    bv = e.assign("mm_b", "kernels.broadcast_copy(%s, %s + %s.shape[-2:])" % (
        be, _batch_shape(e, node), be))
    nb = e.assign("mm_n", " * ".join("%s.shape[%d]" % (av, i) for i in range(r - 2)))
    a3 = e.assign("mm_a3", "%s.reshape((%s, %s.shape[-2], %s.shape[-1]))" % (av, nb, av, av))
    b3 = e.assign("mm_b3", "%s.reshape((%s, %s.shape[-2], %s.shape[-1]))" % (bv, nb, bv, bv))
    res = e.assign("mm", "kernels.empty((%s, %s.shape[1], %s.shape[2]), %s)" % (nb, a3, b3, NP_DTYPE[out.dtype]))
    fn = "kernels.matmul(%s[i], %s[i], False, False)" if out.dtype.is_floating else "kernels.matmul_loops(%s[i], %s[i])"
    with e.block("for i in range(%s):" % nb):
        e.line("%s[i] = %s" % (res, fn % (a3, b3)))
    return e.assign(_out(node), "%s.reshape(%s + (%s.shape[1], %s.shape[2]))" % (
        res, _batch_shape(e, node), a3, b3))


def _batch_shape(e, node):
    out = node.outputs[0]
    dims = []
    for i, d in enumerate(out.shape.dims[:-2]):
        if d is not None:
            dims.append(str(d))
        else:
            parts = ["%s.shape[%d]" % (e.expr(v), i) for v in node.inputs]
            dims.append("max(%s)" % ", ".join(parts))
    return _tuple(dims)


# --- shapes --------------------------------------------------------------------------------------
def _reshaped(e, node, expr, dims):
    """`expr` (node's first input) reshaped to `dims` (C-contiguous); dropping a leading
    axis of size 1, it is that input's row 0, which a loop nest reads in the input itself
    (lazy: made only if a line names it)."""
    x = node.inputs[0]
    reshaped = "kernels.reshape(%s, %s)" % (expr, _tuple(dims))
    if x.shape.is_fully_defined() and rank(x) > 1 and x.shape.as_list()[0] == 1 and \
            [str(d) for d in x.shape.as_list()[1:]] == [str(d) for d in dims]:
        return e.lazy(_out(node), reshaped, (expr, "0"))
    return e.assign(_out(node), reshaped)


@lowering("Reshape")
def lower_reshape(e, node, ins):
    x, shape = node.inputs
    out = node.outputs[0]
    if rank(x) == 0:  # a Numba scalar
        if rank(out) == 0:
            return [ins[0]]
        ins = [e.assign("as_array", "kernels.full(1, %s)" % ins[0])] + list(ins[1:])
    if rank(out) == 0:
        e.fail_if("%s.size != 1" % ins[0], node, "InvalidArgumentError",
                  lambda v: "Input to reshape is a tensor with %d values, but the requested shape has 1"
                  % v[0], ["%s.size" % ins[0]])
        return [e.assign(_out(node), "kernels.flat(%s)[0]" % ins[0])]
    if out.shape.is_fully_defined():
        dims = [str(d) for d in out.shape.dims]
    else:
        target = e.assign("target", "kernels.resolve_reshape(%s, %s.size)" % (ins[1], ins[0]))
        dims = ["%s[%d]" % (target, i) for i in range(rank(out))]
    if not (x.shape.is_fully_defined() and out.shape.is_fully_defined()):  # else checked statically
        total = " * ".join(dims)
        e.fail_if("%s.size != %s" % (ins[0], total), node, "InvalidArgumentError",
                  lambda v: "Input to reshape is a tensor with %d values, but the requested shape "
                  "has %d" % (v[0], v[1]), ["%s.size" % ins[0], total])
    return [_reshaped(e, node, ins[0], dims)]


@lowering("Transpose")
def lower_transpose(e, node, ins):
    return [e.assign(_out(node), transposed(ins[0], node.attrs["perm"]))]


@lowering("ExpandDims", "Squeeze")
def lower_expand_squeeze(e, node, ins):
    out = node.outputs[0]
    x = node.inputs[0]
    if rank(out) == 0:
        return [e.assign(_out(node), "kernels.flat(%s)[0]" % ins[0])]
    if rank(x) == 0:  # lazy: a StridedSlice's begin reads the scalar (e.element)
        name = e.lazy(_out(node), "kernels.full(%s, %s)" % (_tuple(["1"] * rank(out)), ins[0]))
        if rank(out) == 1:
            e.elements[name] = ([ins[0]], len(e.lines) - 1)
        return [name]
    if out.shape.is_fully_defined():
        dims = [str(d) for d in out.shape.dims]
    elif node.type == "ExpandDims":
        dims = _dims(e, x, ins[0])
        dims.insert(node.attrs["axis"] % (rank(x) + 1), "1")
    else:
        axes = node.attrs.get("axis") or [i for i, d in enumerate(x.shape.dims) if d == 1]
        axes = {a % rank(x) for a in axes}
        for a in axes:
            e.fail_if("%s.shape[%d] != 1" % (ins[0], a), node, "InvalidArgumentError",
                      lambda v, a=a: "Can not squeeze dim[%d], expected a dimension of 1, got %d"
                      % (a, v[0]), ["%s.shape[%d]" % (ins[0], a)])
        dims = [d for i, d in enumerate(_dims(e, x, ins[0])) if i not in axes]
    return [_reshaped(e, node, ins[0], dims)]


@lowering("Shape", "Size", "Rank")
def lower_shape_query(e, node, ins):
    x = node.inputs[0]
    dt = NP_DTYPE[node.outputs[0].dtype]
    if node.type == "Shape":
        return [e.assign(_out(node), "np.array(%s, %s)" % (shape_expr(ins[0], x), dt)
                         if rank(x) else "kernels.zeros(np.int64(0), %s)" % dt)]
    if node.type == "Size":
        return [e.assign(_out(node), "%s(%s)" % (dt, "%s.size" % ins[0] if rank(x) else "1"))]
    return [e.literal(rank(x), node.outputs[0].dtype)]


@lowering("Fill")
def lower_fill(e, node, ins):
    out = node.outputs[0]
    r = rank(out)
    if r == 0:
        return [ins[1]]
    dims = [str(d) for d in out.shape.dims] if out.shape.is_fully_defined() else \
        ["%s[%d]" % (ins[0], i) for i in range(r)]
    if not out.shape.is_fully_defined():
        e.fail_if("kernels.any_true(%s < 0)" % ins[0], node, "InvalidArgumentError",
                  lambda v: "Fill dimensions must be >= 0")
    return [e.assign(_out(node), "kernels.full(%s, %s)" % (_tuple(dims), ins[1]))]


@lowering("Range")
def lower_range(e, node, ins):
    dt = node.outputs[0].dtype
    start, limit, delta = ins
    e.fail_if("%s == 0" % delta, node, "InvalidArgumentError", lambda v: "Requires delta != 0")
    e.fail_if("(%s > 0 and %s > %s) or (%s < 0 and %s < %s)" % (delta, start, limit, delta, start, limit),
              node, "InvalidArgumentError",
              lambda v: "Requires start <= limit when delta > 0 (or >= when delta < 0): %s/%s" % (v[0], v[1]),
              [start, limit])
    n = e.assign("n", "int(np.ceil(abs((%s - %s) / %s)))" % (limit, start, delta))
    return [e.assign(_out(node), "kernels.range_values(%s, %s, %s, kernels.empty(%s, %s))" % (
        start, delta, n, n, NP_DTYPE[dt]))]


@lowering("Concat")
def lower_concat(e, node, ins):
    axis = concat_checks(e, node, ins)
    if in_place_outputs(node):
        return emit_concat(e, node)
    return [e.assign(_out(node), "kernels.concat(%s, %d)" % (
        _tuple("kernels.contiguous(%s)" % x for x in ins), axis))]


def concat_checks(e, node, ins):
    """The Concat's run-time checks that its inputs agree off its axis (also emitted where
    loop planning makes no concat: lower_control._windowed_projection); returns the axis."""
    r = rank(node.outputs[0])
    axis = node.attrs["axis"] % r
    for i in range(1, len(ins)):
        for d in range(r):
            if d != axis and not _static_equal(node.inputs[0].shape.dims[d], node.inputs[i].shape.dims[d]):
                e.fail_if("%s.shape[%d] != %s.shape[%d]" % (ins[0], d, ins[i], d), node,
                          "InvalidArgumentError",
                          lambda v, i=i: "ConcatOp : Dimensions of inputs should match: "
                          "shape[0] = %s vs. shape[%d] = %s" % (_dims_str(v[:r]), i, _dims_str(v[r:2 * r])),
                          ["%s.shape[%d]" % (x, k) for x in (ins[0], ins[i]) for k in range(r)])
    return axis


@lowering("Slice")
def lower_slice(e, node, ins):
    x = node.inputs[0]
    r = rank(x)
    idx = []
    begins, sizes = node.inputs[1].const, node.inputs[2].const
    for i in range(r):
        dim = x.shape.dims[i]
        if begins is not None and sizes is not None and dim is not None:
            b, sz = int(begins[i]), int(sizes[i])  # validated when the program was specialized
            idx.append("%d:%d" % (b, dim if sz == -1 else b + sz))
            continue
        b = "%s[%d]" % (ins[1], i) if begins is None else str(int(begins[i]))
        s = "%s[%d]" % (ins[2], i) if sizes is None else str(int(sizes[i]))
        size = e.assign("size", "%s if %s != -1 else %s.shape[%d] - %s" % (s, s, ins[0], i, b))
        e.fail_if("%s < 0 or %s < 0 or %s + %s > %s.shape[%d]" % (b, size, b, size, ins[0], i), node,
                  "InvalidArgumentError",
                  lambda v, i=i: "Expected begin[%d] in [0, %d] and size[%d] in [0, %d], but got "
                  "begin %d and size %d" % (i, v[2], i, v[2] - max(v[0], 0), v[0], v[1]),
                  [b, size, "%s.shape[%d]" % (ins[0], i)])
        idx.append("%s:%s + %s" % (b, b, size))
    return [e.assign(_out(node), "%s[%s]" % (ins[0], ", ".join(idx)))]


def _strided_parts(e, node, xe, r):
    """Index expressions (one per part of TF's slice spec) of a StridedSlice-like node whose
    inputs 1..3 are begin, end and strides, applied to array `xe` of rank r; integer indices
    are bounds-checked."""
    consts = [v.const for v in node.inputs[1:4]]
    strides = _static_ints(node.inputs[3], "strides", node)
    begin = None if consts[0] is None else [int(v) for v in consts[0]]
    end = None if consts[1] is None else [int(v) for v in consts[1]]
    bx = [e.element(e.expr(node.inputs[1]), i) for i in range(len(strides))] if begin is None else begin
    ex = [e.element(e.expr(node.inputs[2]), i) for i in range(len(strides))] if end is None else end
    index = strided_index(bx, ex, strides, node.attrs)
    consumed = sum(1 for it in index if it is not None and it is not Ellipsis)
    parts, pos = [], 0
    for it in index:
        if it is Ellipsis:
            k = r - consumed
            parts.extend([":"] * k)
            pos += k
        elif it is None:
            parts.append("np.newaxis")
        elif isinstance(it, slice):
            parts.append("%s:%s:%s" % ("" if it.start is None else it.start,
                                       "" if it.stop is None else it.stop, it.step))
            pos += 1
        else:
            iv = e.assign("idx", "%s" % it)
            e.fail_if("%s < -%s.shape[%d] or %s >= %s.shape[%d]" % (iv, xe, pos, iv, xe, pos),
                      node, "InvalidArgumentError",
                      lambda v, p=pos: "slice index %d of dimension %d out of bounds." % (v[0], p), [iv])
            parts.append("%s if %s >= 0 else %s + %s.shape[%d]" % (iv, iv, iv, xe, pos))
            pos += 1
    return parts


def _index_expr(parts):
    return ", ".join(p if ":" in p or p == "np.newaxis" else "(%s)" % p for p in parts)


@lowering("StridedSlice")
def lower_strided_slice(e, node, ins):
    parts = _strided_parts(e, node, ins[0], rank(node.inputs[0]))
    out = node.outputs[0]
    expr = "%s[%s]" % (ins[0], _index_expr(parts))
    if rank(out) == 0:
        return [e.assign(_out(node), expr)]
    if "np.newaxis" in parts:
        return [_newaxis_slice(e, node, ins[0], parts)]
    if ":" not in parts[0] and all(p == "::1" for p in parts[1:]):  # one row: lazy
        return [e.lazy(_out(node), expr, (ins[0], "(%s)" % parts[0]))]
    return [e.assign(_out(node), expr)]


@lowering("StridedSliceGrad")
def lower_strided_slice_grad(e, node, ins):
    """Zeros of the sliced tensor's shape with dy stored where the slice read."""
    out = node.outputs[0]
    r = rank(out)
    dt = NP_DTYPE[out.dtype]
    zeros = e.assign(_out(node), "kernels.zeros(%s, %s)" % (_tuple("np.int64(%s[%d])" % (ins[0], i)
                                                              for i in range(r)), dt))
    plain = [p for p in _strided_parts(e, node, zeros, r) if p != "np.newaxis"]
    dy = ins[4]
    if all(":" not in p for p in plain) and len(plain) == r:
        e.line("%s[%s] = %s" % (zeros, _index_expr(plain), dy if rank(node.inputs[4]) == 0
                                else "kernels.flat(%s)[0]" % dy))
        return [zeros]
    view = e.assign("view", "%s[%s]" % (zeros, _index_expr(plain)) if plain else zeros)
    src = dy if rank(node.inputs[4]) else "kernels.full(1, %s)" % dy
    e.line("kernels.assign(%s, kernels.contiguous(%s).reshape(%s.shape))" % (view, src, view))
    return [zeros]


def _sum_to_run_time_shape(e, node, ins):
    """SumToShape when shapes are known only at run time: a kernel walks x once."""
    r, lead = rank(node.inputs[0]), rank(node.inputs[0]) - rank(node.outputs[0])
    if lead < 0:
        raise NotImplementedError("SumToShape (%s) to a higher rank" % node.name)
    # a tuple of int64 (the kernel indexes it by position; never empty: a scalar x is
    # summed as a 1-element array)
    target = e.assign("target", _tuple(["1"] * max(lead, 1 - r) + [
        "np.int64(%s[%d])" % (ins[1], i) for i in range(r - lead)]))
    src = ins[0] if r else "kernels.full(1, %s)" % ins[0]
    flat = e.assign("summed", "kernels.sum_to_shape(%s, %s)" % (src, target))
    e.fail_if("not %s[1]" % flat, node, "InvalidArgumentError",
              lambda v: "Cannot sum a tensor down to a shape that does not broadcast to it")
    if rank(node.outputs[0]) == 0:
        return e.assign(_out(node), "%s[0][0]" % flat)
    return e.assign(_out(node), "%s[0].reshape(%s)" % (flat, _tuple(
        "np.int64(%s[%d])" % (ins[1], i) for i in range(r - lead))))


@lowering("SumToShape")
def lower_sum_to_shape(e, node, ins):
    """A Sum over the axes broadcasting added, known once shapes are (after specialization)."""
    x, out = node.inputs[0], node.outputs[0]
    if not (x.shape.is_fully_defined() and out.shape.is_fully_defined()):
        return [_sum_to_run_time_shape(e, node, ins)]
    from rnngraph.primitives.reduction import broadcast_axes
    axes = broadcast_axes(x.shape.as_list(), out.shape.as_list())
    if x.shape.num_elements() == out.shape.num_elements():  # the axes summed have size 1
        return [_reshaped(e, node, ins[0], out.shape.as_list())]
    fake = type("N", (), {"attrs": {"axis": axes}})()
    res, _, _ = _sum(e, fake, x, ins[0])
    if rank(out) == 0:
        return [e.assign(_out(node), "%s(%s[0])" % (NP_DTYPE[x.dtype], res))]
    return [e.assign(_out(node), "%s.reshape(%s)" % (res, _tuple(out.shape.as_list())))]


def _newaxis_slice(e, node, xe, parts):
    """Numba indexes without np.newaxis: slice first, then reshape the new axes in."""
    plain = [p for p in parts if p != "np.newaxis"]
    sliced = e.assign("sl", "%s[%s]" % (xe, ", ".join(p if ":" in p else "(%s)" % p for p in plain))) \
        if plain else xe
    dims, k = [], 0
    for p in parts:
        if p == "np.newaxis":
            dims.append("1")
        elif ":" in p:
            dims.append("%s.shape[%d]" % (sliced, k))
            k += 1
    sliced_rank = rank(node.inputs[0]) - sum(1 for p in plain if ":" not in p)
    dims += ["%s.shape[%d]" % (sliced, j) for j in range(k, sliced_rank)]  # implicit trailing axes
    k = max(k, sliced_rank)
    if k == 0 and plain:  # every other index was an integer: the slice is a scalar
        return e.assign(_out(node), "kernels.full(%s, %s)" % (_tuple(dims), sliced))
    return e.assign(_out(node), "kernels.reshape(%s, %s)" % (sliced, _tuple(dims)))


@lowering("Tile")
def lower_tile(e, node, ins):
    """Repeat along one axis at a time: view as [before, axis, after], tile the middle."""
    x = node.inputs[0]
    r = rank(x)
    e.fail_if("kernels.any_true(%s < 0)" % ins[1], node, "InvalidArgumentError",
              lambda v: "Expected multiples to be non-negative")
    cur = ins[0]
    for axis in range(r):
        dims = ["%s.shape[%d]" % (cur, i) for i in range(r)]
        before = " * ".join(["1"] + dims[:axis])
        after = " * ".join(["1"] + dims[axis + 1:])
        k = "%s[%d]" % (ins[1], axis)
        mid = e.assign("tile3", "kernels.tile_mid(kernels.reshape(%s, (%s, %s, %s)), %s)"
                       % (cur, before, dims[axis], after, k))
        new_dims = dims[:axis] + ["%s * %s" % (dims[axis], k)] + dims[axis + 1:]
        cur = e.assign("tile", "%s.reshape(%s)" % (mid, _tuple(new_dims)))
    return [cur]


@lowering("Pad")
def lower_pad(e, node, ins):
    """The input copied into the middle of a filled array; REFLECT and SYMMETRIC then copy,
    axis by axis, the rows each padding mirrors. Paddings known at compile time are
    literals; fed ones are read (and validated) at run time."""
    x = node.inputs[0]
    r = rank(x)
    mode = node.attrs["mode"]
    shift = 1 if mode == "REFLECT" else 0  # REFLECT's mirror leaves out the edge
    dims = _dims(e, x, ins[0])
    pads = _paddings(e, node, ins[1], r)
    for axis, (a, b) in enumerate(pads):
        if mode == "CONSTANT" and node.inputs[1].const is not None:
            continue  # checked when the graph was built
        limit = "%s.shape[%d] - %d" % (ins[0], axis, shift) if mode != "CONSTANT" else None
        e.fail_if("%s < 0 or %s < 0%s" % (a, b, " or %s > %s or %s > %s" % (a, limit, b, limit)
                                          if limit else ""),
                  node, "InvalidArgumentError",
                  lambda v, axis=axis: "paddings must be non-negative%s: dimension %d has "
                  "paddings %d, %d" % ("" if mode == "CONSTANT" else " and at most %d" % v[2],
                                       axis, v[0], v[1]), [a, b, limit or "0"])
    new = ["%s + %s + %s" % (d, a, b) for d, (a, b) in zip(dims, pads)]
    res = e.assign("pad", "kernels.full(%s, %s)" % (_tuple(new), ins[2]))
    e.line("%s[%s] = %s" % (res, ", ".join("%s:%s + %s" % (a, a, d) for d, (a, _) in zip(dims, pads)),
                            ins[0]))
    if mode == "CONSTANT":
        return [res]
    for axis, (a, b) in enumerate(pads):
        j = e.fresh("j")
        with e.block("for %s in range(%s):" % (j, a)):
            e.line("%s[%s] = %s[%s]" % (res, _axis_index(r, axis, j), res,
                                        _axis_index(r, axis, "2 * %s - %s - %d" % (a, j, 1 - shift))))
        with e.block("for %s in range(%s):" % (j, b)):
            e.line("%s[%s] = %s[%s]" % (
                res, _axis_index(r, axis, "%s + %s + %s" % (a, dims[axis], j)), res,
                _axis_index(r, axis, "%s + %s - %s - %d" % (a, dims[axis], j, 1 + shift))))
    return [res]


def _paddings(e, node, expr, r):
    """(before, after) expressions per axis: literals when the paddings are constant."""
    pads = node.inputs[1].const
    if pads is not None:
        return [(str(int(a)), str(int(b))) for a, b in np.asarray(pads).reshape(r, 2)]
    if node.inputs[1].shape.dims != [r, 2]:
        raise NotImplementedError("Pad (%s) with paddings of shape %s computed at run time on the "
                                  "cpu target" % (node.name, node.inputs[1].shape))
    return [(e.assign("pad_before", "np.int64(%s[%d, 0])" % (expr, i)),
             e.assign("pad_after", "np.int64(%s[%d, 1])" % (expr, i))) for i in range(r)]


def _axis_index(r, axis, idx):
    return ", ".join(idx if i == axis else ":" for i in range(r))


@lowering("Reverse")
def lower_reverse(e, node, ins):
    r = rank(node.inputs[0])
    axes = {a % r for a in node.attrs["axis"]}
    return [e.assign(_out(node), "kernels.contiguous(%s[%s])" % (
        ins[0], ", ".join("::-1" if i in axes else ":" for i in range(r))))]


@lowering("ReverseSequence")
def lower_reverse_sequence(e, node, ins):
    x = node.inputs[0]
    r = rank(x)
    sa, ba = node.attrs["seq_axis"], node.attrs["batch_axis"]
    e.fail_if("%s.shape[0] != %s.shape[%d]" % (ins[1], ins[0], ba), node, "InvalidArgumentError",
              lambda v, ba=ba: "len(seq_lens) != input.dims(%d), (%d vs. %d)" % (ba, v[0], v[1]),
              ["%s.shape[0]" % ins[1], "%s.shape[%d]" % (ins[0], ba)])
    bad = e.assign("bad", "kernels.first_out_of_range(%s, %s.shape[%d] + 1, False)" % (ins[1], ins[0], sa))
    e.fail_if("%s >= 0" % bad, node, "InvalidArgumentError",
              lambda v, sa=sa: "seq_lens(%d) = %d is outside [0, %d] (input.dims(%d))" % (v[0], v[1], v[2], sa),
              [bad, "%s[%s]" % (ins[1], bad), "%s.shape[%d]" % (ins[0], sa)])
    rest = [i for i in range(r) if i not in (ba, sa)]
    perm = (ba, sa) + tuple(rest)
    moved = e.assign("rs", transposed(ins[0], perm))
    flat = e.assign("rs3", "%s.reshape((%s.shape[0], %s.shape[1], %s))" % (
        moved, moved, moved, " * ".join(["1"] + ["%s.shape[%d]" % (moved, i) for i in range(2, r)])))
    res = e.assign("rs_out", "kernels.reverse_sequence_2d(%s, %s, kernels.empty(%s.shape, %s.dtype))" % (
        flat, ins[1], flat, flat))
    back = e.assign("rs_back", "%s.reshape(%s.shape)" % (res, moved))
    inv = tuple(int(i) for i in np.argsort(perm))
    return [e.assign(_out(node), transposed(back, inv))]

