"""Lowering of elementwise primitives to NumPy expressions inside the Numba function.

Numba fuses chains of array expressions into single loops; scalars (rank 0) stay scalars,
wrapped in their dtype so float32 stays float32 and int32 stays int32. Integer division and
negative integer powers are checked first, as the reference does.
"""
from rnngraph.framework import dtypes

from .emitter import NP_DTYPE, lowering, rank
from .kernels import SPECIAL_UNARY
from .lower_fused import emit_loop

_SPECIAL = "kernels.special_unary({x}, %d)"
UNARY = {
    "Neg": "-({x})", "Abs": "np.abs({x})", "Sign": "np.sign({x})", "Square": "({x}) * ({x})",
    "Reciprocal": "{one} / ({x})", "Exp": "np.exp({x})", "Expm1": "np.expm1({x})",
    "Log": "np.log({x})", "Log1p": "np.log1p({x})", "Sqrt": "np.sqrt({x})",
    "Rsqrt": "{one} / np.sqrt({x})", "Tanh": "np.tanh({x})",
    "Sigmoid": _SPECIAL % SPECIAL_UNARY["Sigmoid"], "Relu": "np.maximum({x}, {zero})",
    "Softplus": _SPECIAL % SPECIAL_UNARY["Softplus"], "Erf": _SPECIAL % SPECIAL_UNARY["Erf"], "Sin": "np.sin({x})",
    "Cos": "np.cos({x})", "Floor": "np.floor({x})", "Ceil": "np.ceil({x})",
    "Round": _SPECIAL % SPECIAL_UNARY["Round"], "LogicalNot": "np.logical_not({x})",
    "IsNan": "np.isnan({x})", "IsInf": "np.isinf({x})", "IsFinite": "np.isfinite({x})",
}

BINARY = {
    "Add": "({x}) + ({y})", "Sub": "({x}) - ({y})", "Mul": "({x}) * ({y})",
    "RealDiv": "({x}) / ({y})", "FloorDiv": "np.floor_divide({x}, {y})",
    "TruncateDiv": "kernels.truncate_div_array({x}, {y})", "FloorMod": "np.mod({x}, {y})",
    "Pow": "np.power({x}, {y})", "Maximum": "np.maximum({x}, {y})",
    "Minimum": "np.minimum({x}, {y})", "SquaredDifference": "np.square(({x}) - ({y}))",
    "Equal": "({x}) == ({y})", "NotEqual": "({x}) != ({y})", "Less": "({x}) < ({y})",
    "LessEqual": "({x}) <= ({y})", "Greater": "({x}) > ({y})", "GreaterEqual": "({x}) >= ({y})",
    "LogicalAnd": "np.logical_and({x}, {y})", "LogicalOr": "np.logical_or({x}, {y})",
    "LogicalXor": "np.logical_xor({x}, {y})",
}


def typed(e, value, expr):
    """`expr` with the dtype of `value`: scalars are wrapped; integer arrays are cast when a
    scalar operand could have widened them (Numba types int32 scalar arithmetic as int64)."""
    if rank(value) == 0:
        return "%s(%s)" % (NP_DTYPE[value.dtype], expr)
    return expr


def _name(node):
    return node.outputs[0].name or node.type


def _as_loop(e, node):
    """Elementwise ops with a fully known output shape become one explicit loop."""
    out = node.outputs[0]
    if out.shape.is_fully_defined():
        return emit_loop(e, [node], node.inputs, [out])
    return None


@lowering(*UNARY)
def lower_unary(e, node, ins):
    loop = _as_loop(e, node)
    if loop:
        return loop
    x = node.inputs[0]
    text = UNARY[node.type].format(x=ins[0], one=e.literal(1, x.dtype) if x.dtype.is_numeric else "1",
                                   zero=e.literal(0, x.dtype) if x.dtype.is_numeric else "0")
    return [e.assign(_name(node), typed(e, node.outputs[0], text))]


def _int_checks(e, node, ins):
    x, y = node.inputs
    if not y.dtype.is_integer:
        return
    if node.type in ("FloorDiv", "FloorMod", "TruncateDiv"):
        cond = "kernels.any_true(%s == 0)" % ins[1] if rank(y) else "%s == 0" % ins[1]
        e.fail_if(cond, node, "InvalidArgumentError", lambda v: "Integer division by zero")
    elif node.type == "Pow":
        cond = "kernels.any_true(%s < 0)" % ins[1] if rank(y) else "%s < 0" % ins[1]
        e.fail_if(cond, node, "InvalidArgumentError",
                  lambda v: "Integers to negative integer powers are not allowed")


@lowering(*BINARY)
def lower_binary(e, node, ins):
    _int_checks(e, node, ins)
    loop = _as_loop(e, node)
    if loop:
        return loop
    out = node.outputs[0]
    text = BINARY[node.type].format(x=ins[0], y=ins[1])
    if rank(out) and out.dtype.is_integer and any(rank(v) == 0 for v in node.inputs):
        text = "(%s).astype(%s)" % (text, NP_DTYPE[out.dtype])
    return [e.assign(_name(node), typed(e, out, text))]


@lowering("Select")
def lower_select(e, node, ins):
    loop = _as_loop(e, node)
    if loop:
        return loop
    out = node.outputs[0]
    if rank(out) == 0:
        return [e.assign(_name(node), "%s if %s else %s" % (ins[1], ins[0], ins[2]))]
    return [e.assign(_name(node), "kernels.select(%s, %s, %s, %s)" % (
        ins[0], ins[1], ins[2], _broadcast_shape_expr(e, node)))]


def _broadcast_shape_expr(e, node):
    """The output shape of a broadcasting op, as a tuple expression of the inputs' dims."""
    out = node.outputs[0]
    r = rank(out)
    dims = []
    for i in range(r):
        known = out.shape.dims[i]
        if known is not None:
            dims.append(str(known))
            continue
        parts = []
        for v in node.inputs:
            rv = rank(v)
            j = rv - r + i
            if j >= 0 and v.shape.dims[j] != 1:
                parts.append("%s.shape[%d]" % (e.expr(v), j))
        dims.append("max(%s)" % ", ".join(parts) if len(parts) > 1 else parts[0] if parts else "1")
    return "(%s)" % "".join(d + ", " for d in dims)


@lowering("Cast")
def lower_cast(e, node, ins):
    loop = _as_loop(e, node)
    if loop:
        return loop
    out = node.outputs[0]
    if rank(out) == 0:
        if out.dtype is dtypes.bool:
            return [e.assign(_name(node), "%s != 0" % ins[0])]
        return [e.assign(_name(node), "%s(%s)" % (NP_DTYPE[out.dtype], ins[0]))]
    if out.dtype is dtypes.bool:
        return [e.assign(_name(node), "%s != 0" % ins[0])]
    return [e.assign(_name(node), "%s.astype(%s)" % (ins[0], NP_DTYPE[out.dtype]))]
