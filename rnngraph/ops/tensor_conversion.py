"""Turning Python and NumPy values into graph tensors (tf.constant, convert_to_tensor).

TF1's rules: Python floats become float32 and ints int32; NumPy arrays keep their dtype;
a requested dtype converts compatible values (ints to float) and refuses lossy ones
(1.5 to int32) with TypeError.
"""
import numpy as np

from ..framework import dtypes
from ..framework.graph import Tensor, get_default_graph
from ..framework.tensor_shape import as_shape


def _as_array(value, dtype):
    if dtype is None:
        dtype = dtypes.dtype_of_value(value)
        return np.asarray(value, dtype=dtype.np), dtype
    arr = np.asarray(value)
    if arr.dtype == object or arr.dtype.kind in "USV":
        raise TypeError("Failed to convert %r to a tensor of dtype %s." % (value, dtype.name))
    if arr.size and arr.dtype.kind == "f" and dtype.is_integer:
        if not np.all(np.isfinite(arr)) or np.any(arr != np.trunc(arr)):
            raise TypeError("Expected %s, got %r of type '%s' instead."
                            % (dtype.name, value, type(value).__name__))
    if arr.dtype.kind in "iuf" and dtype.is_bool:
        raise TypeError("Expected bool, got %r of type '%s' instead." % (value, type(value).__name__))
    return arr.astype(dtype.np), dtype


def constant(value, dtype=None, shape=None, name="Const", verify_shape=False):
    """A Const op (TF1's tf.constant). With `shape`, the value fills it in row-major order,
    its last element repeated when it is short (a scalar fills everything); more elements
    than the shape holds is a ValueError; with verify_shape the shapes must match exactly."""
    dtype = None if dtype is None else dtypes.as_dtype(dtype)
    arr, dtype = _as_array(value, dtype)
    if shape is not None:
        shape = as_shape(shape).as_list()
        size = int(np.prod(shape))
        if verify_shape and list(arr.shape) != shape:
            raise TypeError("Expected Tensor's shape: %s, but got %s." % (tuple(shape), arr.shape))
        if arr.size > max(size, 1):
            raise ValueError("Too many elements provided. Takes at most %d, but got %d."
                             % (size, arr.size))
        flat = arr.ravel()[:size]
        if 0 < flat.size < size:
            flat = np.concatenate([flat, np.repeat(flat[-1:], size - flat.size)])
        arr = flat.reshape(shape)
    arr.setflags(write=False)
    return get_default_graph().create_op("Const", [], {"value": arr, "dtype": dtype}, name).outputs[0]


def convert_to_tensor(value, dtype=None, name=None, preferred_dtype=None, dtype_hint=None):
    """A Tensor for `value` (Tensor, Variable, or Python/NumPy data)."""
    dtype = None if dtype is None else dtypes.as_dtype(dtype)
    if hasattr(value, "_as_tensor"):
        value = value._as_tensor()
    if isinstance(value, Tensor):
        if dtype is not None and value.dtype != dtype:
            raise ValueError("Tensor conversion requested dtype %s for Tensor with dtype %s: %r"
                             % (dtype.name, value.dtype.name, value))
        return value
    if isinstance(value, (list, tuple)) and _holds_tensor(value):
        return _autopack(value, dtype, name or "packed")
    if dtype is None and (preferred_dtype or dtype_hint) is not None:
        try:
            return constant(value, dtypes.as_dtype(preferred_dtype or dtype_hint), name=name or "Const")
        except (TypeError, ValueError):
            pass
    return constant(value, dtype, name=name or "Const")


def _holds_tensor(value):
    if isinstance(value, (list, tuple)):
        return any(_holds_tensor(v) for v in value)
    return is_tensor(value)


def _first_tensor_dtype(value):
    if isinstance(value, (list, tuple)):
        for v in value:
            d = _first_tensor_dtype(v)
            if d is not None:
                return d
        return None
    return convert_to_tensor(value).dtype if is_tensor(value) else None


def _autopack(value, dtype, name):
    """TF1's autopacking: a (nested) list holding tensors becomes tf.stack of its elements,
    Python numbers taking the tensors' dtype."""
    from .array_ops import stack
    dtype = dtype or _first_tensor_dtype(value)
    return stack([_autopack(v, dtype, "packed") if isinstance(v, (list, tuple)) and _holds_tensor(v)
                  else convert_to_tensor(v, dtype=dtype) for v in value], name=name)


def convert_n_to_tensor(values, dtype=None, name=None):
    return [convert_to_tensor(v, dtype) for v in values]


def is_tensor(x):
    return isinstance(x, Tensor) or hasattr(x, "_as_tensor")
