"""Lowering of elementwise work to explicit loops: a fused group (compiler/fuse.py), or a
single elementwise op, becomes one loop nest writing each output element from a scalar
expression. No temporaries, nothing for Numba to type but scalar math, and loops LLVM
vectorizes. A flat loop is used when every input is a scalar or has the output's shape;
otherwise nested loops index broadcast inputs at 0 along their size-1 axes.
"""
import numpy as np

from rnngraph.framework import dtypes

from .emitter import NP_DTYPE, int_tuple, lowering, rank

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


def emit_loop(e, members, leaves, out):
    """Emit the loop nest computing `out` from `leaves` through `members` (in order)."""
    shape = out.shape.as_list()
    r = len(shape)
    flat = all(rank(v) == 0 or v.shape.as_list() == shape for v in leaves)
    index = {}
    for v in leaves:
        x = e.expr(v)
        if rank(v) == 0:
            index[v.id] = x
        elif flat:
            name = e.assign("flat_" + (v.name or "x"), "%s.ravel()" % x)
            index[v.id] = "%s[i]" % name
        else:
            index[v.id] = "%s[%s]" % (x, ", ".join(_leaf_index(e, v, x, r)))
    result = e.fresh(out.name or "fused")
    if r == 0:
        e.line("%s = %s" % (result, _body(e, members, index)))
        return result
    e.line("%s = kernels.empty(%s, %s)" % (result, int_tuple(shape),
                                       NP_DTYPE[out.dtype]))
    if flat:
        target = e.assign(result + "_flat", "%s.ravel()" % result)
        with e.block("for i in range(%d):" % out.shape.num_elements()):
            e.line("%s[i] = %s" % (target, _body(e, members, index)))
        return result
    for k, d in enumerate(shape):
        e.line("for i%d in range(%d):" % (k, d))
        e.level += 1
    e.line("%s[%s] = %s" % (result, ", ".join("i%d" % k for k in range(r)), _body(e, members, index)))
    e.level -= r
    return result


def _leaf_index(e, v, x, r):
    """Index expressions of a broadcast leaf inside an r-deep loop nest."""
    dims = v.shape.dims
    out = []
    for j, d in enumerate(dims):
        k = r - len(dims) + j
        if d == 1:
            out.append("0")
        elif d is None:
            out.append("(i%d if %s.shape[%d] != 1 else 0)" % (k, x, j))
        else:
            out.append("i%d" % k)
    return out


def _member(e, m, args):
    """The scalar value of member m: a vectorizable polynomial for float32 tanh/sigmoid,
    else the expression of SCALAR_UNARY/SCALAR_BINARY."""
    if m.type in ("Tanh", "Sigmoid") and m.inputs[0].dtype is dtypes.float32:
        return "kernels.%s_f32(%s)" % (m.type.lower(), args[0])
    return _scalar(e, m, args)


def _body(e, members, index):
    """Emit one scalar temporary per member (at the current indentation); returns the
    root's temporary. Each leaf is read once per element."""
    exprs = {}
    for vid, x in index.items():
        if "[" in x:
            name = e.fresh("s")
            e.line("%s = %s" % (name, x))
            exprs[vid] = name
        else:
            exprs[vid] = x
    for m in members[:-1]:
        name = e.fresh("s")
        e.line("%s = %s" % (name, _member(e, m, [exprs[v.id] for v in m.inputs])))
        exprs[m.outputs[0].id] = name
    root = members[-1]
    return _member(e, root, [exprs[v.id] for v in root.inputs])


@lowering("FusedElementwise")
def lower_fused(e, node, ins):
    return [emit_loop(e, node.members, node.inputs, node.outputs[0])]
