"""Elementwise primitives: unary math, binary math and comparisons with NumPy
broadcasting, Select (broadcasting three-way choice) and Cast.

Each unary/binary primitive is one row of a table (name, allowed dtypes, NumPy function,
result dtype), so adding one is a one-line change and all share inference and checks.
"""
import numpy as np

from ..errors import InvalidArgumentError
from ..framework import dtypes
from ..framework.primitive import Primitive, TensorSpec, register
from .common import (ALL, BOOL, FLOAT, INTEGER, NUMERIC, broadcast_runtime, broadcast_static,
                     check_dtype, check_same_dtype)


def _expit(x):
    import scipy.special  # imported on first use: it costs 0.4 s at start-up
    return scipy.special.expit(x)


def _erf(x):
    import scipy.special
    return scipy.special.erf(x)


def _errstate(fn):
    def wrapped(*args):
        with np.errstate(all="ignore"):
            return fn(*args)
    return wrapped


def _rsqrt(x):
    return 1 / np.sqrt(x)


def _round_half_even(x):
    return np.round(x) if x.dtype.kind == "f" else x


def _softplus(x):
    return np.logaddexp(x, np.zeros_like(x))


def _relu(x):
    return np.maximum(x, np.zeros_like(x))


def _sign(x):
    return np.sign(x)


# name: (allowed input dtypes, numpy function, output dtype or None for "same as input")
UNARY = {
    "Neg": (NUMERIC, np.negative, None),
    "Abs": (NUMERIC, np.abs, None),
    "Sign": (NUMERIC, _sign, None),
    "Square": (NUMERIC, np.square, None),
    "Reciprocal": (FLOAT, np.reciprocal, None),
    "Exp": (FLOAT, np.exp, None),
    "Expm1": (FLOAT, np.expm1, None),
    "Log": (FLOAT, np.log, None),
    "Log1p": (FLOAT, np.log1p, None),
    "Sqrt": (FLOAT, np.sqrt, None),
    "Rsqrt": (FLOAT, _rsqrt, None),
    "Tanh": (FLOAT, np.tanh, None),
    "Sigmoid": (FLOAT, _expit, None),
    "Relu": (NUMERIC, _relu, None),
    "Softplus": (FLOAT, _softplus, None),
    "Erf": (FLOAT, _erf, None),
    "Sin": (FLOAT, np.sin, None),
    "Cos": (FLOAT, np.cos, None),
    "Floor": (FLOAT, np.floor, None),
    "Ceil": (FLOAT, np.ceil, None),
    "Round": (NUMERIC, _round_half_even, None),
    "LogicalNot": (BOOL, np.logical_not, None),
    "IsNan": (FLOAT, np.isnan, dtypes.bool),
    "IsInf": (FLOAT, np.isinf, dtypes.bool),
    "IsFinite": (FLOAT, np.isfinite, dtypes.bool),
}


def _check_int_divisor(y):
    if y.dtype.kind in "iu" and np.any(y == 0):
        raise InvalidArgumentError(message="Integer division by zero")


def _floordiv(x, y):
    _check_int_divisor(y)
    return np.floor_divide(x, y)


def _floormod(x, y):
    _check_int_divisor(y)
    return np.mod(x, y)


def _realdiv(x, y):
    return np.true_divide(x, y)


def _truncatediv(x, y):
    _check_int_divisor(y)
    q = np.abs(x) // np.abs(y)
    return np.where((x < 0) ^ (y < 0), -q, q)


def _pow(x, y):
    if y.dtype.kind in "iu" and np.any(y < 0):
        raise InvalidArgumentError(message="Integers to negative integer powers are not allowed")
    return np.power(x, y)


def _squared_difference(x, y):
    return np.square(x - y)


def _logical_xor(x, y):
    return np.logical_xor(x, y)


BINARY = {
    "Add": (NUMERIC, np.add, None),
    "Sub": (NUMERIC, np.subtract, None),
    "Mul": (NUMERIC, np.multiply, None),
    "RealDiv": (FLOAT, _realdiv, None),
    "FloorDiv": (NUMERIC, _floordiv, None),
    "TruncateDiv": (INTEGER, _truncatediv, None),
    "FloorMod": (NUMERIC, _floormod, None),
    "Pow": (NUMERIC, _pow, None),
    "Maximum": (NUMERIC, np.maximum, None),
    "Minimum": (NUMERIC, np.minimum, None),
    "SquaredDifference": (NUMERIC, _squared_difference, None),
    "Equal": (ALL, np.equal, dtypes.bool),
    "NotEqual": (ALL, np.not_equal, dtypes.bool),
    "Less": (NUMERIC, np.less, dtypes.bool),
    "LessEqual": (NUMERIC, np.less_equal, dtypes.bool),
    "Greater": (NUMERIC, np.greater, dtypes.bool),
    "GreaterEqual": (NUMERIC, np.greater_equal, dtypes.bool),
    "LogicalAnd": (BOOL, np.logical_and, None),
    "LogicalOr": (BOOL, np.logical_or, None),
    "LogicalXor": (BOOL, _logical_xor, None),
}


class Unary(Primitive):
    """y = f(x) elementwise; `allowed`, `fn` and `out_dtype` come from the UNARY table."""

    allowed = fn = out_dtype = None

    def infer(self, inputs, attrs, const):
        (x,) = inputs
        check_dtype(self.type, "x", x.dtype, self.allowed)
        return [TensorSpec(self.out_dtype or x.dtype, x.shape)]

    def reference(self, ctx, inputs, attrs):
        return [self.fn(inputs[0])]


class Binary(Primitive):
    """z = f(x, y) elementwise with NumPy broadcasting; rows of the BINARY table."""

    allowed = fn = out_dtype = None

    def infer(self, inputs, attrs, const):
        x, y = inputs
        dtype = check_same_dtype(self.type, ["x", "y"], inputs)
        check_dtype(self.type, "x", dtype, self.allowed)
        return [TensorSpec(self.out_dtype or dtype, broadcast_static(x.shape, y.shape))]

    def reference(self, ctx, inputs, attrs):
        broadcast_runtime(*inputs)
        return [self.fn(*inputs)]


def _define(base, table):
    for name, (allowed, fn, out_dtype) in table.items():
        register(type(name, (base,), {
            "type": name, "allowed": allowed, "fn": staticmethod(_errstate(fn)),
            "out_dtype": out_dtype,
            "__doc__": "Elementwise %s (%s)." % (name, base.__name__.lower())}))


_define(Unary, UNARY)
_define(Binary, BINARY)


@register
class Select(Primitive):
    """out = cond ? x : y, all three broadcast together (TF's SelectV2 / where_v2)."""

    type = "Select"

    def infer(self, inputs, attrs, const):
        cond, x, y = inputs
        check_dtype(self.type, "condition", cond.dtype, BOOL)
        dtype = check_same_dtype(self.type, ["t", "e"], [x, y])
        return [TensorSpec(dtype, broadcast_static(cond.shape, x.shape, y.shape))]

    def reference(self, ctx, inputs, attrs):
        broadcast_runtime(*inputs)
        return [np.where(*inputs)]


@register
class Cast(Primitive):
    """Convert to attrs['dtype'] (float->int truncates toward zero, as in C and TF)."""

    type = "Cast"

    def infer(self, inputs, attrs, const):
        return [TensorSpec(attrs["dtype"], inputs[0].shape)]

    def reference(self, ctx, inputs, attrs):
        with np.errstate(all="ignore"):
            return [inputs[0].astype(attrs["dtype"].np)]
