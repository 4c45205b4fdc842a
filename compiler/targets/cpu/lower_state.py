"""Lowering of state and structure: constants, variables (in-place buffers with init
flags), assigns, asserts, identities, gathers/scatters and random ops."""
import numpy as np

from rnngraph.framework import dtypes
from rnngraph.primitives.control import assert_message, summary_text

from .emitter import NP_DTYPE, lowering, rank


def _out(node):
    return node.outputs[0].name or node.type


@lowering("Const")
def lower_const(e, node, ins):
    return [e.const(node.attrs["value"], node.attrs["dtype"], node.name)]


@lowering("PlaceholderWithDefault", "Identity", "StopGradient")
def lower_identity(e, node, ins):
    v = node.inputs[0]
    if v in e.refs and node.type in ("Identity", "PlaceholderWithDefault"):
        e.refs[node.outputs[0]] = e.refs[v]  # still a reference (TF1 aliasing)
    return [ins[0]]


@lowering("NoOp")
def lower_noop(e, node, ins):
    return []


@lowering("VariableV2")
def lower_variable(e, node, ins):
    k = e.var_index(node.op)
    out = node.outputs[0]
    if not out.shape.is_fully_defined():
        rank(out)  # a variable's rank must be known; its dims may change (validate_shape=False)
        e.rebound.add(k)
    e.refs[out] = k
    return ["var_%d[0]" % k if rank(out) == 0 else "var_%d" % k]


def _var(e, node):
    ref = node.inputs[0]
    if ref not in e.refs:
        raise NotImplementedError("%s on something other than a variable (%s)" % (node.type, node.name))
    return e.refs[ref]


@lowering("Assign")
def lower_assign(e, node, ins):
    k = _var(e, node)
    value = node.inputs[1]
    buf = "var_%d" % k
    if k in e.rebound:  # the variable may take another shape: bind a new buffer
        e.line("%s = kernels.contiguous(%s).copy()" % (buf, ins[1]))
    elif rank(value) == 0:
        e.line("%s[0] = %s" % (buf, ins[1]))
    else:
        var_shape = e.var_ops[k].attrs["shape"]
        known = value.shape.dims if value.shape.ndims == var_shape.ndims else [None] * var_shape.ndims
        for i, d in enumerate(var_shape.dims):
            if known[i] == d:
                continue  # the value's static (specialized) shape already agrees
            e.fail_if("%s.shape[%d] != %d" % (ins[1], i, d), node, "InvalidArgumentError",
                      lambda v, s=var_shape: "Assign requires shapes of both tensors to match. "
                      "lhs shape= %s" % s.short())
        e.line("kernels.assign(%s, %s)" % (buf, ins[1]))
    e.line("%s = True" % e.init_flag(k))
    e.refs[node.outputs[0]] = k
    return [e.exprs[node.inputs[0]]]


@lowering("AssignAdd", "AssignSub")
def lower_assign_update(e, node, ins):
    k = _var(e, node)
    e.check_initialized(k, node)
    op = "+=" if node.type == "AssignAdd" else "-="
    if rank(node.inputs[0]) == 0:
        e.line("var_%d[0] %s %s" % (k, op, ins[1]))
    else:
        e.line("kernels.assign(var_%d, var_%d %s %s)" % (k, k, op[0], ins[1]))
    e.refs[node.outputs[0]] = k
    return [e.exprs[node.inputs[0]]]


@lowering("IsVariableInitialized")
def lower_is_initialized(e, node, ins):
    return [e.init_flag(_var(e, node))]


@lowering("Assert")
def lower_assert(e, node, ins):
    """On failure, record each data tensor's size and first `summarize` elements, so the
    message is the reference's (rnngraph.primitives.control.assert_message)."""
    cond = node.inputs[0]
    if cond.const is not None and bool(np.all(cond.const)):
        return []  # holds whatever is fed: nothing to check
    data = node.inputs[1:]
    n = min(node.attrs.get("summarize", 3), 16 // max(len(data), 1) - 1)
    slots, statements = [], []
    for v, x in zip(data, ins[1:]):
        start = len(slots) * (n + 1)
        slots.append((start, v.dtype))
        if rank(v) == 0:
            statements += ["err_f[%d] = 1" % start, "err_f[%d] = %s" % (start + 1, x)]
        else:
            statements.append("kernels.summarize(err_f, %d, %s, %d)" % (start, x, n))

    def fmt(vals, slots=slots, n=n, attrs=node.attrs):
        texts = []
        for start, dtype in slots:
            size = int(vals[start])
            first = vals[start + 1:start + 1 + min(n, size)]
            first = [bool(x) if dtype.is_bool else int(x) if dtype.is_integer else dtype.np.type(x)
                     for x in first]
            texts.append(summary_text(np.asarray(first, dtype=dtype.np), size))
        return assert_message(attrs, texts)
    e.fail_if("not %s" % ins[0], node, "InvalidArgumentError", fmt, statements=statements)
    return []


@lowering("Gather")
def lower_gather(e, node, ins):
    params, indices = node.inputs
    axis = node.attrs.get("axis", 0) % rank(params)
    bad = e.assign("bad", "kernels.first_out_of_range(%s, %s.shape[%d], False)" % (
        ins[1] if rank(indices) else "kernels.full((1,), %s)" % ins[1], ins[0], axis))
    flat_idx = ins[1] if rank(indices) else "kernels.full((1,), %s)" % ins[1]
    e.fail_if("%s >= 0" % bad, node, "InvalidArgumentError",
              lambda v: "indices[%d] = %d is not in [0, %d)" % (v[0], v[1], v[2]),
              [bad, "kernels.flat(%s)[%s]" % (flat_idx, bad), "%s.shape[%d]" % (ins[0], axis)])
    r = rank(params)
    pd = ["%s.shape[%d]" % (ins[0], i) for i in range(r)]
    before = " * ".join(["1"] + pd[:axis])
    after = " * ".join(["1"] + pd[axis + 1:])
    p3 = e.assign("g_params", "kernels.reshape(%s, (%s, %s.shape[%d], %s))" % (
        ins[0], before, ins[0], axis, after))
    idx = e.assign("g_idx", "kernels.flat(%s).astype(np.int64)" % flat_idx)
    res = e.assign("g", "kernels.gather_mid(%s, %s)" % (p3, idx))
    out_dims = pd[:axis] + ["%s.shape[%d]" % (ins[1], i) for i in range(rank(indices))] + pd[axis + 1:]
    if not out_dims:
        return [e.assign(_out(node), "%s[0, 0, 0]" % res)]
    return [e.assign(_out(node), "%s.reshape((%s,))" % (res, ", ".join(out_dims)))]


@lowering("UnsortedSegmentSum")
def lower_segment_sum(e, node, ins):
    data, ids, num = node.inputs
    bad = e.assign("bad", "kernels.first_out_of_range(%s, %s, True)" % (ins[1], ins[2]))
    e.fail_if("%s >= 0" % bad, node, "InvalidArgumentError",
              lambda v: "segment_ids[%d] = %d is out of range [0, %d)" % (v[0], v[1], v[2]),
              [bad, "kernels.flat(%s)[%s]" % (ins[1], bad), ins[2]])
    k = rank(ids)
    r = rank(data)
    tail = " * ".join(["1"] + ["%s.shape[%d]" % (ins[0], i) for i in range(k, r)])
    d2 = e.assign("seg_data", "kernels.reshape(%s, (%s.size, %s))" % (ins[0], ins[1], tail))
    res = e.assign("seg", "kernels.segment_sum(%s, kernels.flat(%s), %s)" % (d2, ins[1], ins[2]))
    # int64 like the shape entries: Numba rejects a reshape tuple mixing int32 and int64.
    dims = ["np.int64(%s)" % ins[2]] + ["%s.shape[%d]" % (ins[0], i) for i in range(k, r)]
    return [e.assign(_out(node), "%s.reshape((%s,))" % (res, ", ".join(dims)))]


@lowering("Where")
def lower_where(e, node, ins):
    return [e.assign(_out(node), "kernels.argwhere(%s)" % ins[0])]


@lowering("Qr")
def lower_qr(e, node, ins):
    if node.attrs.get("full_matrices"):
        raise NotImplementedError("Qr(full_matrices=True) on the cpu target (%s)" % node.name)
    q, r = e.fresh("q"), e.fresh("r")
    e.line("%s, %s = kernels.qr(%s)" % (q, r, ins[0]))
    return [q, r]


@lowering("RandomUniform", "RandomStandardNormal", "TruncatedNormal", "RandomUniformInt")
def lower_random(e, node, ins):
    out = node.outputs[0]
    k = e.rng_index(node.op)
    n = e.assign("n", " * ".join(["1"] + ["%s[%d]" % (ins[0], i) for i in range(rank(out))]))
    is32 = "True" if out.dtype is dtypes.float32 else "False"
    key = "rng[%d, 0], rng[%d, 1], rng[%d, 2]" % (k, k, k)
    if node.type == "RandomUniform":
        fn = "uniform_f32" if out.dtype is dtypes.float32 else "uniform_f64"
        flat = "kernels.%s(%s, 0, %s)" % (fn, key, n)
    elif node.type == "RandomStandardNormal":
        flat = "kernels.normal(%s, 0, %s, %s).astype(%s)" % (key, n, is32, NP_DTYPE[out.dtype])
    elif node.type == "TruncatedNormal":
        flat = "kernels.truncated_normal(%s, %s, %s).astype(%s)" % (key, n, is32, NP_DTYPE[out.dtype])
    else:
        e.fail_if("%s <= %s" % (ins[2], ins[1]), node, "InvalidArgumentError",
                  lambda v: "Need minval < maxval, got %d >= %d" % (v[0], v[1]), [ins[1], ins[2]])
        flat = "kernels.uniform_int(%s, %s, %s, %s).astype(%s)" % (key, n, ins[1], ins[2], NP_DTYPE[out.dtype])
    res = e.assign("rnd", flat)
    e.line("rng[%d, 2] += 1" % k)
    if rank(out) == 0:
        return [e.assign(_out(node), "%s[0]" % res)]
    return [e.assign(_out(node), "%s.reshape((%s,))" % (res, ", ".join("%s[%d]" % (ins[0], i)
                                                                       for i in range(rank(out)))))]


