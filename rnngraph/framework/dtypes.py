"""Data types: the five dtypes rnngraph supports, with TF1's names and conversions.

A DType wraps a NumPy dtype. Anything else TF1 knows (float16, complex, string, ...)
is rejected with a TypeError that lists what is supported, so a ported script fails at
the line that asked for it rather than somewhere deep in a kernel.
"""
import builtins

import numpy as np


class DType:
    """A tensor element type (TF1's tf.DType), backed by a NumPy dtype."""

    __slots__ = ("name", "_np")

    def __init__(self, name, np_dtype):
        self.name = name
        self._np = np.dtype(np_dtype)

    @property
    def as_numpy_dtype(self):
        return self._np.type

    @property
    def np(self):
        """The NumPy dtype object."""
        return self._np

    @property
    def base_dtype(self):
        return self

    @property
    def real_dtype(self):
        return self

    @property
    def is_floating(self):
        return self._np.kind == "f"

    @property
    def is_integer(self):
        return self._np.kind in "iu"

    @property
    def is_bool(self):
        return self._np.kind == "b"

    @property
    def is_numeric(self):
        return not self.is_bool

    @property
    def is_complex(self):
        return False

    @property
    def is_unsigned(self):
        return self._np.kind == "u"

    @property
    def size(self):
        return self._np.itemsize

    @property
    def min(self):
        return np.finfo(self._np).min if self.is_floating else (
            False if self.is_bool else np.iinfo(self._np).min)

    @property
    def max(self):
        return np.finfo(self._np).max if self.is_floating else (
            True if self.is_bool else np.iinfo(self._np).max)

    def is_compatible_with(self, other):
        return self is as_dtype(other)

    def __repr__(self):
        return "tf.%s" % self.name

    def __str__(self):
        return "<dtype: %r>" % self.name

    def __eq__(self, other):
        if other is None:
            return False
        try:
            return self is as_dtype(other)
        except TypeError:
            return False

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self.name)

    def __reduce__(self):
        return as_dtype, (self.name,)


float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
bool = DType("bool", np.bool_)  # noqa: A001  (TF1 exposes tf.bool)

double = float64
# The value of a TensorArray flowing through the graph (TF's "flow"/handle). Internal: not
# a dtype users can ask for, so it is not in SUPPORTED.
tensor_array = DType("tensor_array", object)
SUPPORTED = (float32, float64, int32, int64, bool)

_BY_NAME = {d.name: d for d in SUPPORTED}
_BY_NAME["double"] = float64
_BY_NP = {d.np: d for d in SUPPORTED}


def as_dtype(value):
    """Convert a DType, NumPy dtype/type, Python type or name to a supported DType."""
    if isinstance(value, DType):
        return value
    if isinstance(value, str):
        name = value[:-4] if value.endswith("_ref") else value
        if name in _BY_NAME:
            return _BY_NAME[name]
        raise TypeError(_unsupported(value))
    if value is float:
        return float32
    if value is int:
        return int32
    if value is builtins.bool:
        return bool
    try:
        npd = np.dtype(value)
    except TypeError:
        raise TypeError("Cannot convert %r to an rnngraph dtype. %s" % (value, _supported_text()))
    if npd in _BY_NP:
        return _BY_NP[npd]
    raise TypeError(_unsupported(npd))


def _supported_text():
    return "Supported dtypes: %s." % ", ".join(d.name for d in SUPPORTED)


def _unsupported(value):
    return "dtype %s is not supported by rnngraph. %s" % (value, _supported_text())


def dtype_of_value(value):
    """The DType TF1 would give a Python or NumPy value converted to a tensor.

    Python floats become float32 and Python ints int32 (TF1's defaults); NumPy arrays keep
    their dtype (float64 stays float64, int64 stays int64).
    """
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        return as_dtype(value.dtype)
    arr = np.asarray(value)
    if arr.dtype.kind == "f":
        return float32
    if arr.dtype.kind in "iu":
        if arr.size and (arr.max() > np.iinfo(np.int32).max or arr.min() < np.iinfo(np.int32).min):
            return int64
        return int32
    if arr.dtype.kind == "b":
        return bool
    raise TypeError("Cannot convert %r (numpy dtype %s) to a tensor. %s"
                    % (value, arr.dtype, _supported_text()))
