"""Gradients of elementwise math, reductions and matmul (TF1's math_grad.py formulas, so
results agree with TF1 to rounding: e.g. tanh' = g * (1 - y*y) from the output y)."""
import numpy as np

from ..framework import dtypes
from ..framework.graph import get_default_graph
from ..ops import array_ops, math_ops
from ..ops.tensor_conversion import constant
from .registry import gradient, not_differentiable

not_differentiable(
    "Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual", "LogicalAnd",
    "LogicalOr", "LogicalXor", "LogicalNot", "IsNan", "IsInf", "IsFinite", "All", "Any",
    "ArgMax", "ArgMin", "FloorDiv", "TruncateDiv", "Floor", "Ceil", "Round")


def _op(op_type, inputs, attrs=None, name=None):
    return get_default_graph().create_op(op_type, inputs, attrs, name or op_type).outputs[0]


def shape_of(t):
    """t's shape as a tensor: a constant when it is known statically. Otherwise the Shape op
    is made next to t, so a loop's gradient saves the shape of a body value, not the value."""
    if t.shape.is_fully_defined():
        return constant(np.array(t.shape.as_list(), np.int32))
    with t.graph.as_default(), t.graph.control_dependencies(None):
        return array_ops.shape(t)


def sum_to(g, x):
    """g summed down to x's shape (the gradient of broadcasting x up to g's shape): g itself
    where the shapes are known to agree, else one SumToShape, to x's shape as a constant
    when it is known. One form whatever the graph knew: once specialization knows the shapes
    both give the same program, so a loop's gradient body is the same code (and shares its
    compiled function) whether the input's shape was static or fed."""
    if g is None:
        return None
    if g.shape.ndims is not None and g.shape.ndims == x.shape.ndims and all(
            a is not None and a == b for a, b in zip(g.shape.dims, x.shape.dims)):
        return g
    return _op("SumToShape", [g, shape_of(x)])


def _binary(fn):
    """Register fn(op, g, x, y) -> (dx, dy) before broadcasting, then sum each to its input."""
    def grad(op, grads):
        x, y = op.inputs
        dx, dy = fn(op, grads[0], x, y)
        return [sum_to(dx, x), sum_to(dy, y)]
    return grad


# --- unary ---------------------------------------------------------------------------------
def _unary(fn):
    def grad(op, grads):
        return [fn(grads[0], op.inputs[0], op.outputs[0])]
    return grad


UNARY_GRADIENTS = {
    "Neg": lambda g, x, y: -g,
    "Abs": lambda g, x, y: g * math_ops.sign(x),
    "Square": lambda g, x, y: g * (x * constant(2, dtype=x.dtype)),
    "Reciprocal": lambda g, x, y: -g * (y * y),
    "Exp": lambda g, x, y: g * y,
    "Expm1": lambda g, x, y: g * math_ops.exp(x),
    "Log": lambda g, x, y: g * math_ops.reciprocal(x),
    "Log1p": lambda g, x, y: g * math_ops.reciprocal(x + constant(1, dtype=x.dtype)),
    "Sqrt": lambda g, x, y: g * constant(0.5, dtype=y.dtype) / y,
    "Rsqrt": lambda g, x, y: g * (constant(-0.5, dtype=y.dtype) * (y * y * y)),
    "Tanh": lambda g, x, y: g * (constant(1, dtype=y.dtype) - y * y),
    "Sigmoid": lambda g, x, y: g * (y * (constant(1, dtype=y.dtype) - y)),
    "Relu": lambda g, x, y: array_ops.where_v2(y > constant(0, dtype=y.dtype), g,
                                               array_ops.zeros_like(g)),
    "Softplus": lambda g, x, y: g * math_ops.sigmoid(x),
    "Erf": lambda g, x, y: g * (constant(2 / np.sqrt(np.pi), dtype=x.dtype) *
                                math_ops.exp(-(x * x))),
    "Sin": lambda g, x, y: g * math_ops.cos(x),
    "Sign": lambda g, x, y: array_ops.zeros_like(g),  # TF1's _SignGrad: zeros, not None
    "Cos": lambda g, x, y: -g * math_ops.sin(x),
}
for _name, _fn in UNARY_GRADIENTS.items():
    gradient(_name)(_unary(_fn))


# --- binary --------------------------------------------------------------------------------
@gradient("Add")
@_binary
def _add(op, g, x, y):
    return g, g


@gradient("Sub")
@_binary
def _sub(op, g, x, y):
    return g, -g


@gradient("Mul")
@_binary
def _mul(op, g, x, y):
    return g * y, x * g


@gradient("RealDiv")
@_binary
def _realdiv(op, g, x, y):
    return g / y, g * (-x / y / y)


@gradient("FloorMod")
@_binary
def _floormod(op, g, x, y):
    return g, -g * math_ops.floor(x / y) if x.dtype.is_floating else None


@gradient("Pow")
@_binary
def _pow(op, g, x, y):
    z = op.outputs[0]
    one = constant(1, dtype=x.dtype)
    dx = g * y * math_ops.pow(x, y - one)
    zero = array_ops.zeros_like(x)
    safe = array_ops.where_v2(x > zero, x, array_ops.ones_like(x))
    dy = g * z * array_ops.where_v2(x > zero, math_ops.log(safe), zero)
    return dx, dy


def _select_by(mask, g):
    zeros = array_ops.zeros_like(g)
    return array_ops.where_v2(mask, g, zeros), array_ops.where_v2(mask, zeros, g)


@gradient("Maximum")
@_binary
def _maximum(op, g, x, y):
    return _select_by(x >= y, g)


@gradient("Minimum")
@_binary
def _minimum(op, g, x, y):
    return _select_by(x <= y, g)


@gradient("SquaredDifference")
@_binary
def _squared_difference(op, g, x, y):
    d = g * (constant(2, dtype=x.dtype) * (x - y))
    return d, -d


@gradient("Select")
def _select(op, grads):
    c, x, y = op.inputs
    g = grads[0]
    zeros = array_ops.zeros_like(g)
    return [None, sum_to(array_ops.where_v2(c, g, zeros), x),
            sum_to(array_ops.where_v2(c, zeros, g), y)]


@gradient("Cast", indexed_slices=True)
def _cast(op, grads):
    """The gradient cast back to the input's type; a Gather's IndexedSlices stay sparse
    (TF1's _CastGrad casts them as they are), so an optimizer still updates only the
    looked-up rows of a table read through a Cast."""
    x = op.inputs[0]
    if not (x.dtype.is_floating and op.outputs[0].dtype.is_floating):
        return [None]
    return [math_ops.cast(grads[0], x.dtype)]


# --- reductions ----------------------------------------------------------------------------
def _kept_shape(x, axes):
    """x's shape with the reduced axes set to 1 (static when known)."""
    if x.shape.ndims is None:  # rank known at run time only
        rank = array_ops.rank(x)
        if axes is None:
            return array_ops.fill(array_ops.reshape(rank, [1]), constant(1))
        positions = array_ops.expand_dims(array_ops.range(rank), 1)
        reduced = math_ops.reduce_any(math_ops.equal(positions, _run_time_axes(x, axes)), axis=1)
        return array_ops.where_v2(reduced, array_ops.ones_like(positions[:, 0]), array_ops.shape(x))
    if axes is None:
        axes = range(x.shape.ndims)
    if x.shape.is_fully_defined():
        return constant(np.array([1 if i in axes else d for i, d in enumerate(x.shape.as_list())],
                                 np.int32))
    ones = constant(np.ones(x.shape.ndims, np.int32))
    mask = constant(np.array([i in axes for i in range(x.shape.ndims)]))
    return array_ops.where_v2(mask, ones, shape_of(x))


def _spread(g, x, axes):
    """g (reduced over `axes` of x) broadcast back to x's shape."""
    g = array_ops.reshape(g, _kept_shape(x, axes))
    return g + array_ops.zeros_like(x)


def _run_time_axes(x, axes):
    """Static (maybe negative) axes of x of unknown rank, as a [1, k] tensor in [0, rank)."""
    return array_ops.reshape(math_ops.floormod(constant(np.array(axes, np.int32)),
                                               array_ops.rank(x)), [1, -1])


def _axes(op):
    axes = op.attrs.get("axis")
    if axes is None or op.inputs[0].shape.ndims is None:
        return None if axes is None else tuple(axes)
    return tuple(a % max(op.inputs[0].shape.ndims, 1) for a in axes)



@gradient("Sum")
def _sum(op, grads):
    return [_spread(grads[0], op.inputs[0], _axes(op))]


@gradient("Mean")
def _mean(op, grads):
    x = op.inputs[0]
    axes = _axes(op)
    if axes is None:
        count = array_ops.size(x)
    elif x.shape.ndims is None:
        count = math_ops.reduce_prod(array_ops.gather(array_ops.shape(x),
                                                      array_ops.reshape(_run_time_axes(x, axes), [-1])))
    else:
        count = math_ops.reduce_prod(array_ops.gather(shape_of(x), list(axes)))
    return [_spread(grads[0], x, axes) / math_ops.cast(count, x.dtype)]


@gradient("Max", "Min")
def _max_min(op, grads):
    x, axes = op.inputs[0], _axes(op)
    y = array_ops.reshape(op.outputs[0], _kept_shape(x, axes))
    hits = math_ops.cast(math_ops.equal(x, y), x.dtype)
    count = array_ops.reshape(math_ops.reduce_sum(hits, axes), _kept_shape(x, axes))
    return [hits / count * array_ops.reshape(grads[0], _kept_shape(x, axes))]


@gradient("Prod")
def _prod(op, grads):
    """The product of the other elements: p/x where x has no zeros in its group; with one
    zero, the product of the rest at the zero and 0 elsewhere; with two or more, 0."""
    x, axes = op.inputs[0], _axes(op)
    zero = array_ops.zeros_like(x)
    is_zero = math_ops.equal(x, zero)
    safe = array_ops.where_v2(is_zero, array_ops.ones_like(x), x)
    rest = math_ops.reduce_prod(safe, axes, keepdims=True)
    zeros = math_ops.reduce_sum(math_ops.cast(is_zero, x.dtype), axes, keepdims=True)
    one = constant(1, dtype=x.dtype)
    others = array_ops.where_v2(
        is_zero, array_ops.where_v2(math_ops.equal(zeros, one), rest + zero, zero),
        array_ops.where_v2(math_ops.equal(zeros, zero), rest / safe, zero))
    return [others * array_ops.reshape(grads[0], _kept_shape(x, axes))]


# --- matmul --------------------------------------------------------------------------------
@gradient("MatMul")
def _matmul(op, grads):
    a, b = op.inputs
    g = grads[0]
    ta, tb = op.attrs.get("transpose_a", False), op.attrs.get("transpose_b", False)
    mm = math_ops.matmul
    if not ta and not tb:
        da, db = mm(g, b, transpose_b=True), mm(a, g, transpose_a=True)
    elif not ta and tb:
        da, db = mm(g, b), mm(g, a, transpose_a=True)
    elif ta and not tb:
        da, db = mm(b, g, transpose_b=True), mm(a, g)
    else:
        da, db = mm(b, g, transpose_a=True, transpose_b=True), mm(g, a, transpose_a=True, transpose_b=True)
    if a.shape.ndims == 2 and b.shape.ndims == 2:
        return [da, db]
    return [sum_to(da, a), sum_to(db, b)]

