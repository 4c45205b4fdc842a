"""Lowering of elementwise work to explicit loops: a fused group (compiler/fuse.py), or a
single elementwise op, becomes one loop nest writing each output element from a scalar
expression. No temporaries, nothing for Numba to type but scalar math, and loops LLVM
vectorizes. A flat loop is used when every input is a scalar or has the output's shape;
otherwise nested loops index broadcast inputs at 0 along their size-1 axes.
"""
import numpy as np

from rnngraph.framework import dtypes

from .emitter import NP_DTYPE, lowering, rank

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
    if out is not dtypes.bool and t not in ("Cast",):
        text = "%s(%s)" % (NP_DTYPE[out], text)
    return text


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
    e.line("%s = np.empty(%s, %s)" % (result, "(%s)" % "".join("%d, " % d for d in shape),
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


# Eigen's rational tanh for float32 (what TF's CPU kernels compute): polynomials in x
# only, so the loop around it vectorizes; max relative error 3e-7 against tanh.
_TANH_CLAMP = 7.90531110763549805
_TANH_ALPHA = (4.89352455891786e-03, 6.37261928875436e-04, 1.48572235717979e-05,
               5.12229709037114e-08, -8.60467152213735e-11, 2.00018790482477e-13,
               -2.76076847742355e-16)
_TANH_BETA = (4.89352518554385e-03, 2.26843463243900e-03, 1.18534705686654e-04,
              1.19825839466702e-06)


def _f32(v):
    return "np.float32(%r)" % float(np.float32(v))


def _fast_tanh(e, x):
    """Emit statements computing tanh(x) for a float32 scalar x; returns the result name."""
    xc, x2, p, q, r = (e.fresh(n) for n in ("tx", "tx2", "tp", "tq", "th"))
    e.line("%s = min(max(%s, %s), %s)" % (xc, x, _f32(-_TANH_CLAMP), _f32(_TANH_CLAMP)))
    e.line("%s = %s * %s" % (x2, xc, xc))
    a = _TANH_ALPHA
    e.line("%s = %s * %s + %s" % (p, x2, _f32(a[6]), _f32(a[5])))
    for k in (4, 3, 2, 1, 0):
        e.line("%s = %s * %s + %s" % (p, x2, p, _f32(a[k])))
    b = _TANH_BETA
    e.line("%s = %s * %s + %s" % (q, x2, _f32(b[3]), _f32(b[2])))
    e.line("%s = %s * %s + %s" % (q, x2, q, _f32(b[1])))
    e.line("%s = %s * %s + %s" % (q, x2, q, _f32(b[0])))
    e.line("%s = %s if abs(%s) < %s else %s * %s / %s" % (r, x, x, _f32(0.0004), xc, p, q))
    return r


def _member(e, m, args):
    """The scalar value of member m: a vectorizable polynomial for float32 tanh/sigmoid,
    else the expression of SCALAR_UNARY/SCALAR_BINARY."""
    if m.type in ("Tanh", "Sigmoid") and m.inputs[0].dtype is dtypes.float32:
        if m.type == "Tanh":
            return _fast_tanh(e, args[0])
        half = _f32(0.5)
        t = _fast_tanh(e, "%s * %s" % (half, args[0]))
        return "%s * %s + %s" % (half, t, half)
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
