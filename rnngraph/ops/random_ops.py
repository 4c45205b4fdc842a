"""TF1's random tensors: random_uniform (floats and ints), random_normal, truncated_normal.

Each is one stateful random primitive (Philox-based, see rnngraph/primitives/random.py)
seeded by TF1's graph/op seed rules (random_seed.py), plus the affine scaling TF1 builds
around it, with TF1's op names: everything lives in a `random_uniform/`-style name scope
and the scaled result is the op named after the scope itself (`random_normal:0`).
Each run of a random op draws new values; with a seed the sequence of draws repeats in
every new session.
"""
from ..framework import dtypes
from ..framework.graph import get_default_graph, name_scope
from . import math_ops
from .array_ops import int_vector
from .random_seed import get_seed, op_seed_attrs, set_random_seed
from .tensor_conversion import convert_to_tensor

__all__ = ["random_uniform", "random_normal", "truncated_normal", "set_random_seed", "get_seed"]

_UNIFORM_DTYPES = (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64)


def _random_op(op_type, inputs, dtype, seed, name=None):
    """Create one random primitive with seed attrs from TF1's rules; its output tensor."""
    attrs = {"dtype": dtype}
    attrs.update(op_seed_attrs(seed))
    return get_default_graph().create_op(op_type, inputs, attrs, name or op_type).outputs[0]


def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Uniform values in [minval, maxval) (maxval defaults to 1 for floats; required for
    integers, whose result is exactly uniform over the integers in range).

    Floats are `rnd * (maxval - minval) + minval` for rnd uniform in [0, 1); as in TF, the
    scaling ops are left out when minval and maxval are the Python ints 0 and 1.
    """
    dtype = dtypes.as_dtype(dtype)
    if dtype not in _UNIFORM_DTYPES:
        raise ValueError("Argument `dtype` got invalid value %r. Accepted dtypes are %s."
                         % (dtype, ", ".join(d.name for d in _UNIFORM_DTYPES)))
    if maxval is None:
        if dtype.is_integer:
            raise ValueError("Must specify maxval for integer dtype %r" % dtype)
        maxval = 1
    with name_scope(name, "random_uniform", [shape, minval, maxval]) as scope:
        shape = int_vector(shape)
        minval_is_zero = isinstance(minval, int) and minval == 0
        maxval_is_one = isinstance(maxval, int) and maxval == 1
        if not minval_is_zero or not maxval_is_one or dtype.is_integer:
            minval = convert_to_tensor(minval, dtype=dtype, name="min")
            maxval = convert_to_tensor(maxval, dtype=dtype, name="max")
        if dtype.is_integer:
            return _random_op("RandomUniformInt", [shape, minval, maxval], dtype, seed, name=scope)
        rnd = _random_op("RandomUniform", [shape], dtype, seed)
        if minval_is_zero:
            return rnd if maxval_is_one else math_ops.multiply(rnd, maxval)
        return math_ops.add(rnd * (maxval - minval), minval, name=scope)


def _scaled(op_type, default_name, shape, mean, stddev, dtype, seed, name):
    """`rnd * stddev + mean` for rnd from the standard distribution `op_type`."""
    dtype = dtypes.as_dtype(dtype)
    with name_scope(name, default_name, [shape, mean, stddev]) as scope:
        shape = int_vector(shape)
        mean = convert_to_tensor(mean, dtype=dtype, name="mean")
        stddev = convert_to_tensor(stddev, dtype=dtype, name="stddev")
        rnd = _random_op(op_type, [shape], dtype, seed)
        return math_ops.add(rnd * stddev, mean, name=scope)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal values with the given mean and standard deviation."""
    return _scaled("RandomStandardNormal", "random_normal", shape, mean, stddev, dtype, seed, name)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Normal values re-drawn until within two standard deviations of the mean (so the
    result's standard deviation is about 0.88 * stddev)."""
    return _scaled("TruncatedNormal", "truncated_normal", shape, mean, stddev, dtype, seed, name)
