"""Helpers shared by primitive definitions: static broadcasting, dtype checks, axes.

Build-time checks raise ShapeError/TypeError (the graph adds the op's name); run-time
checks in reference implementations raise InvalidArgumentError (the runtime adds the op).
"""
import numpy as np

from ..errors import InvalidArgumentError
from ..framework import dtypes
from ..framework.primitive import ShapeError
from ..framework.tensor_shape import TensorShape, unknown_shape

FLOAT = (dtypes.float32, dtypes.float64)
INTEGER = (dtypes.int32, dtypes.int64)
NUMERIC = FLOAT + INTEGER
BOOL = (dtypes.bool,)
ALL = NUMERIC + BOOL
INDEX = INTEGER


def check_dtype(op_type, param, dtype, allowed):
    if dtype not in allowed:
        raise TypeError("Value passed to parameter '%s' of op %s has DataType %s not in list "
                        "of allowed values: %s" % (param, op_type, dtype.name,
                                                   ", ".join(d.name for d in allowed)))


def check_same_dtype(op_type, names, specs):
    first = specs[0].dtype
    for name, s in zip(names[1:], specs[1:]):
        if s.dtype != first:
            raise TypeError("Input '%s' of '%s' Op has type %s that does not match type %s of "
                            "argument '%s'." % (name, op_type, s.dtype.name, first.name, names[0]))
    return first


def broadcast_static(*shapes):
    """NumPy broadcasting of partial shapes; ShapeError when two known dims clash."""
    if any(s.ndims is None for s in shapes):
        return unknown_shape()
    rank = max(s.ndims for s in shapes)
    out = []
    for i in range(rank):
        dims = [s.dims[s.ndims - rank + i] if s.ndims - rank + i >= 0 else 1 for s in shapes]
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            a, b = sorted(known)[:2]
            raise ShapeError("Dimensions must be equal, but are %d and %d" % (a, b))
        if known:
            out.append(known.pop())
        elif any(d is None for d in dims):
            out.append(None)
        else:
            out.append(1)
    return TensorShape(out)


def broadcast_runtime(*arrays):
    """Result shape of broadcasting concrete arrays, or InvalidArgumentError like TF1's."""
    try:
        return np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        raise InvalidArgumentError(message="Incompatible shapes: %s" % " vs. ".join(
            "[%s]" % ",".join(map(str, a.shape)) for a in arrays)) from None


def normalize_axis(axis, rank, what="axis"):
    """Map a possibly negative axis into [0, rank); ShapeError if out of range."""
    if axis < -rank or axis >= max(rank, 1) and not (rank == 0 and axis in (0, -1)):
        raise ShapeError("%s %d is out of bounds for a tensor of rank %d (must be in [%d, %d))"
                         % (what.capitalize(), axis, rank, -rank, rank))
    return axis % rank if rank else 0


def const_ints(const, i, what):
    """A known integer input as a tuple of Python ints, or None when not known."""
    v = const(i)
    if v is None:
        return None
    return tuple(int(x) for x in np.asarray(v).ravel())


def shape_str(shape):
    return "[%s]" % ",".join(str(d) for d in shape)
