"""TF1 math: elementwise arithmetic, comparisons, logic, casts, reductions, matmul.

Binary ops convert a Python/NumPy operand to the tensor operand's dtype (TF1's rule), so
`x * 2` works for float x and `tf.add(1, 2.5)` is a TypeError. Default op names are TF1's
("Add" for tf.add, "add" for `a + b`).
"""
import numpy as np

from ..framework import dtypes
from ..framework.graph import get_default_graph, name_scope
from .indexed_slices import IndexedSlices
from .tensor_conversion import constant, convert_to_tensor, is_tensor

__all__ = [
    "add", "subtract", "multiply", "divide", "truediv", "div", "floordiv", "floor_div",
    "truncatediv", "mod", "floormod", "pow", "matmul", "negative", "abs", "sign", "square",
    "sqrt", "rsqrt", "exp", "expm1", "log", "log1p", "tanh", "sigmoid", "floor", "ceil", "round",
    "reciprocal", "sin", "cos", "erf", "is_nan", "is_inf", "is_finite", "maximum", "minimum",
    "squared_difference", "add_n", "equal", "not_equal", "less", "less_equal", "greater",
    "greater_equal", "logical_and", "logical_or", "logical_not", "logical_xor", "cast",
    "to_float", "to_double", "to_int32", "to_int64", "reduce_sum", "reduce_mean", "reduce_max",
    "reduce_min", "reduce_prod", "reduce_all", "reduce_any", "argmax", "argmin",
    "count_nonzero", "scalar_mul",
]


def _op(op_type, inputs, attrs=None, name=None):
    return get_default_graph().create_op(op_type, inputs, attrs, name or op_type).outputs[0]


def binary_operands(x, y):
    """Convert x and y to tensors, a non-tensor side taking the tensor side's dtype."""
    if is_tensor(x):
        x = convert_to_tensor(x)
        y = convert_to_tensor(y, dtype=None if is_tensor(y) else x.dtype)
    elif is_tensor(y):
        y = convert_to_tensor(y)
        x = convert_to_tensor(x, dtype=y.dtype)
    else:
        x = convert_to_tensor(x)
        y = convert_to_tensor(y, dtype=x.dtype)
    return x, y


def _binary(op_type, default_name):
    def fn(x, y, name=None):
        x, y = binary_operands(x, y)
        return _op(op_type, [x, y], name=name or default_name)
    fn.__name__ = default_name
    fn.__doc__ = "Elementwise %s with broadcasting (primitive %s)." % (default_name, op_type)
    return fn


def _unary(op_type, default_name):
    def fn(x, name=None):
        return _op(op_type, [convert_to_tensor(x)], name=name or default_name)
    fn.__name__ = default_name
    fn.__doc__ = "Elementwise %s (primitive %s)." % (default_name, op_type)
    return fn


add = _binary("Add", "Add")
subtract = _binary("Sub", "Sub")
multiply = _binary("Mul", "Mul")
floordiv = _binary("FloorDiv", "floordiv")
floor_div = _binary("FloorDiv", "FloorDiv")
truncatediv = _binary("TruncateDiv", "TruncateDiv")
floormod = _binary("FloorMod", "FloorMod")
mod = _binary("FloorMod", "mod")
pow = _binary("Pow", "Pow")  # noqa: A001 (TF1 name)
maximum = _binary("Maximum", "Maximum")
minimum = _binary("Minimum", "Minimum")
squared_difference = _binary("SquaredDifference", "SquaredDifference")
equal = _binary("Equal", "Equal")
not_equal = _binary("NotEqual", "NotEqual")
less = _binary("Less", "Less")
less_equal = _binary("LessEqual", "LessEqual")
greater = _binary("Greater", "Greater")
greater_equal = _binary("GreaterEqual", "GreaterEqual")
logical_and = _binary("LogicalAnd", "LogicalAnd")
logical_or = _binary("LogicalOr", "LogicalOr")
logical_xor = _binary("LogicalXor", "LogicalXor")

negative = _unary("Neg", "Neg")
abs = _unary("Abs", "Abs")  # noqa: A001
sign = _unary("Sign", "Sign")
square = _unary("Square", "Square")
sqrt = _unary("Sqrt", "Sqrt")
rsqrt = _unary("Rsqrt", "Rsqrt")
exp = _unary("Exp", "Exp")
expm1 = _unary("Expm1", "Expm1")
log = _unary("Log", "Log")
log1p = _unary("Log1p", "Log1p")
tanh = _unary("Tanh", "Tanh")
sigmoid = _unary("Sigmoid", "Sigmoid")
floor = _unary("Floor", "Floor")
ceil = _unary("Ceil", "Ceil")
round = _unary("Round", "Round")  # noqa: A001
reciprocal = _unary("Reciprocal", "Reciprocal")
sin = _unary("Sin", "Sin")
cos = _unary("Cos", "Cos")
erf = _unary("Erf", "Erf")
is_nan = _unary("IsNan", "IsNan")
is_inf = _unary("IsInf", "IsInf")
is_finite = _unary("IsFinite", "IsFinite")
logical_not = _unary("LogicalNot", "LogicalNot")

# Python 3 true division: integers are converted to floats first (TF1 _TRUEDIV_TABLE).
_TRUEDIV_FLOAT = {dtypes.int32: dtypes.float64, dtypes.int64: dtypes.float64,
                  dtypes.float32: None, dtypes.float64: None}


def truediv(x, y, name=None):
    """x / y in floating point; int32/int64 operands are cast to float64 first."""
    x, y = binary_operands(x, y)
    if x.dtype.is_bool:
        raise TypeError("Invalid dtype bool in __truediv__")
    with name_scope(name, "truediv", [x, y]) as scope:
        target = _TRUEDIV_FLOAT[x.dtype]
        if target is not None:
            x, y = cast(x, target), cast(y, target)
        return _op("RealDiv", [x, y], name=scope)


def divide(x, y, name=None):
    """tf.divide: Python 3 division (see truediv)."""
    return truediv(x, y, name=name or "truediv")


def div(x, y, name=None):
    """TF1 tf.div: Python 2 division, floor division for integers."""
    x, y = binary_operands(x, y)
    if x.dtype.is_integer:
        return _op("FloorDiv", [x, y], name=name or "div")
    return _op("RealDiv", [x, y], name=name or "div")


def scalar_mul(scalar, x, name=None):
    return multiply(scalar, x, name=name or "mul")


def add_n(inputs, name=None):
    """Sum of a list of same-shaped tensors."""
    inputs = [convert_to_tensor(t) for t in inputs]
    if not inputs:
        raise ValueError("inputs must be a non-empty list of tensors")
    if len(inputs) == 1:
        return inputs[0] if name is None else _op("Identity", inputs, name=name)
    with name_scope(name, "AddN", inputs) as scope:
        total = inputs[0]
        for i, t in enumerate(inputs[1:], 1):
            total = _op("Add", [total, t], name=scope if i == len(inputs) - 1 else "add")
        return total


def cast(x, dtype, name=None):
    """Convert x to dtype (float -> int truncates toward zero); a no-op if already dtype.
    IndexedSlices stay IndexedSlices with their values converted, as in TF1."""
    dtype = dtypes.as_dtype(dtype)
    if isinstance(x, IndexedSlices):
        return IndexedSlices(cast(x.values, dtype, name), x.indices, x.dense_shape)
    x = convert_to_tensor(x)
    if x.dtype == dtype:
        return x
    return _op("Cast", [x], {"dtype": dtype}, name=name or "Cast")


def to_float(x, name="ToFloat"):
    return cast(x, dtypes.float32, name)


def to_double(x, name="ToDouble"):
    return cast(x, dtypes.float64, name)


def to_int32(x, name="ToInt32"):
    return cast(x, dtypes.int32, name)


def to_int64(x, name="ToInt64"):
    return cast(x, dtypes.int64, name)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, name=None):
    """Matrix product of the last two axes (batch axes broadcast); adjoint = transpose."""
    a, b = binary_operands(a, b)
    return _op("MatMul", [a, b], {"transpose_a": bool(transpose_a or adjoint_a),
                                  "transpose_b": bool(transpose_b or adjoint_b)},
               name=name or "MatMul")


def static_axes(axis, rank, op_name):
    """Reduction axes as a sorted tuple of non-negative ints (or None for all axes)."""
    if axis is None:
        return None
    if is_tensor(axis):
        from ..framework.constant_folding import constant_value
        value = constant_value(convert_to_tensor(axis))
        if value is None:
            raise NotImplementedError("%s with an axis computed at run time (%s) is not supported; "
                                      "pass Python ints" % (op_name, convert_to_tensor(axis).name))
        axis = value
    axes = [int(a) for a in np.asarray(axis).ravel()]
    if rank is None:
        return tuple(axes)
    for a in axes:
        if not -rank <= a < max(rank, 1):
            raise ValueError("Invalid reduction dimension %d for input with %d dimensions for "
                             "'%s'" % (a, rank, op_name))
    return tuple(sorted({a % rank if rank else 0 for a in axes}))


def _reduction(op_type, default_name, allowed_bool=False):
    def fn(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
           keep_dims=None):
        x = convert_to_tensor(input_tensor)
        if axis is None:
            axis = reduction_indices
        keep = bool(keepdims if keepdims is not None else keep_dims)
        axes = static_axes(axis, x.shape.ndims, name or default_name)
        if axes is not None and len(axes) == 0:
            return _op("Identity", [x], name=name or default_name)
        return _op(op_type, [x], {"axis": axes, "keepdims": keep}, name=name or default_name)
    fn.__name__ = "reduce_" + op_type.lower()
    fn.__doc__ = "Reduce with %s over `axis` (all axes when None); keepdims keeps them as 1." % op_type
    return fn


reduce_sum = _reduction("Sum", "Sum")
reduce_mean = _reduction("Mean", "Mean")
reduce_max = _reduction("Max", "Max")
reduce_min = _reduction("Min", "Min")
reduce_prod = _reduction("Prod", "Prod")
reduce_all = _reduction("All", "All")
reduce_any = _reduction("Any", "Any")


def _arg_reduction(op_type):
    def fn(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
        if axis is None:
            axis = 0 if dimension is None else dimension
        x = convert_to_tensor(input)
        (axis,) = static_axes(axis, x.shape.ndims, op_type) if x.shape.ndims else (int(axis),)
        return _op(op_type, [x], {"axis": axis, "output_type": dtypes.as_dtype(output_type)},
                   name=name or op_type)
    fn.__name__ = op_type.lower()
    fn.__doc__ = "Index of the %s value along `axis` (default 0), as output_type." % op_type[3:].lower()
    return fn


argmax = _arg_reduction("ArgMax")
argmin = _arg_reduction("ArgMin")


def count_nonzero(input_tensor, axis=None, keepdims=None, dtype=dtypes.int64, name=None,
                  reduction_indices=None, keep_dims=None):
    with name_scope(name, "count_nonzero", [input_tensor]):
        x = convert_to_tensor(input_tensor)
        zero = constant(0, dtype=x.dtype) if not x.dtype.is_bool else constant(False)
        nonzero = cast(not_equal(x, zero), dtypes.int64)
        return cast(reduce_sum(nonzero, axis, keepdims, reduction_indices=reduction_indices,
                               keep_dims=keep_dims), dtype)
