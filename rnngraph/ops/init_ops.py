"""TF1's variable initializers (tf.zeros_initializer, tf.glorot_uniform_initializer, ...).

An initializer is a configuration object; calling it as `init(shape, dtype=None,
partition_info=None)` builds the ops that compute an initial value of that shape and
returns the tensor. Keeping configuration apart from shape is what lets tf.get_variable
take one initializer for a whole variable scope and apply it to every variable created
there, each with its own shape. Random initializers pass their `seed` through TF1's seed
rules (random_seed.py), so a graph seed makes every initial value repeatable.

The classes mirror TF1's init_ops (constructor arguments, defaults, errors and get_config)
and the lower-case names are TF1's aliases. `partition_info` is accepted for signature
compatibility; rnngraph has no partitioned variables.
"""
import math

import numpy as np

from ..framework import dtypes
from ..framework.graph import get_default_graph, name_scope
from ..framework.tensor_shape import as_shape
from . import array_ops, math_ops, random_ops
from .tensor_conversion import constant

__all__ = [
    "zeros_initializer", "ones_initializer", "constant_initializer",
    "random_uniform_initializer", "random_normal_initializer", "truncated_normal_initializer",
    "uniform_unit_scaling_initializer", "variance_scaling_initializer",
    "glorot_uniform_initializer", "glorot_normal_initializer", "orthogonal_initializer",
]

# TF's stddev correction for a normal truncated at two standard deviations: the
# standard deviation of a unit normal restricted to (-2, 2).
_TRUNCATED_NORMAL_STDDEV = .87962566103423978


def _assert_float_dtype(dtype):
    if not dtype.is_floating:
        raise ValueError("Argument `dtype` is expected to be floating point. Received: %s." % dtype)
    return dtype


def _static_dims(shape):
    """`shape` (list, tuple or TensorShape) as a list of ints; it must be fully known."""
    shape = as_shape(shape)
    if not shape.is_fully_defined():
        raise ValueError("An initializer needs a fully defined shape, got %s" % shape)
    return shape.as_list()


def _compute_fans(shape):
    """(fan_in, fan_out) of a weight shape: the matrix dimensions times the receptive
    field (all leading dimensions) for convolution kernels, TF's convention."""
    if len(shape) < 1:
        fan_in = fan_out = 1
    elif len(shape) == 1:
        fan_in = fan_out = shape[0]
    elif len(shape) == 2:
        fan_in, fan_out = shape
    else:
        receptive_field = int(np.prod(shape[:-2]))
        fan_in = shape[-2] * receptive_field
        fan_out = shape[-1] * receptive_field
    return int(fan_in), int(fan_out)


class Initializer:
    """Base class: `__call__(shape, dtype=None, partition_info=None)` returns a Tensor."""

    def __call__(self, shape, dtype=None, partition_info=None):
        raise NotImplementedError("%s must define __call__ (an abstract Initializer)"
                                  % type(self).__name__)

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _dtype(self, dtype):
        return self.dtype if dtype is None else dtypes.as_dtype(dtype)


class Zeros(Initializer):
    """All zeros."""

    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return array_ops.zeros(shape, self._dtype(dtype))

    def get_config(self):
        return {"dtype": self.dtype.name}


class Ones(Initializer):
    """All ones."""

    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return array_ops.ones(shape, self._dtype(dtype))

    def get_config(self):
        return {"dtype": self.dtype.name}


class Constant(Initializer):
    """A constant: a scalar fills the shape; a list or array fills it in row-major order,
    its last element repeated if it is short (TF1's tf.constant rule). More elements than
    the shape holds is a ValueError; with verify_shape the shapes must match exactly."""

    def __init__(self, value=0, dtype=dtypes.float32, verify_shape=False):
        if not (np.isscalar(value) or isinstance(value, (list, tuple, np.ndarray))):
            raise TypeError("Invalid type for initial value=%s of type: %s. Expected Python "
                            "scalar, list or tuple of values, or numpy.ndarray."
                            % (value, type(value).__name__))
        self.value = value
        self.dtype = dtypes.as_dtype(dtype)
        self._verify_shape = verify_shape

    def __call__(self, shape, dtype=None, partition_info=None, verify_shape=None):
        dtype = self._dtype(dtype)
        verify_shape = self._verify_shape if verify_shape is None else verify_shape
        return constant(self.value, dtype=dtype, shape=_static_dims(shape), verify_shape=verify_shape)

    def get_config(self):
        return {"value": self.value, "dtype": self.dtype.name}


class RandomUniform(Initializer):
    """Uniform in [minval, maxval) (maxval None: 1 for floats)."""

    def __init__(self, minval=.0, maxval=None, seed=None, dtype=dtypes.float32):
        self.minval = minval
        self.maxval = maxval
        self.seed = seed
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return random_ops.random_uniform(shape, self.minval, self.maxval, self._dtype(dtype),
                                         seed=self.seed)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed,
                "dtype": self.dtype.name}


class RandomNormal(Initializer):
    """Normal with the given mean and stddev."""

    _sample = staticmethod(random_ops.random_normal)

    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed
        self.dtype = _assert_float_dtype(dtypes.as_dtype(dtype))

    def __call__(self, shape, dtype=None, partition_info=None):
        return self._sample(shape, self.mean, self.stddev, self._dtype(dtype), seed=self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed,
                "dtype": self.dtype.name}


class TruncatedNormal(RandomNormal):
    """Normal with the given mean and stddev, re-drawn beyond two stddevs of the mean."""

    _sample = staticmethod(random_ops.truncated_normal)


class UniformUnitScaling(Initializer):
    """Uniform in +-sqrt(3 / input_size) * factor, input_size the product of all but the
    last dimension (TF1's deprecated uniform_unit_scaling_initializer)."""

    def __init__(self, factor=1.0, seed=None, dtype=dtypes.float32):
        self.factor = factor
        self.seed = seed
        self.dtype = _assert_float_dtype(dtypes.as_dtype(dtype))

    def __call__(self, shape, dtype=None, partition_info=None):
        dims = _static_dims(shape)
        input_size = max(float(np.prod(dims[:-1])), 1.0)
        max_val = math.sqrt(3 / input_size) * self.factor
        return random_ops.random_uniform(dims, -max_val, max_val, self._dtype(dtype), seed=self.seed)

    def get_config(self):
        return {"factor": self.factor, "seed": self.seed, "dtype": self.dtype.name}


class VarianceScaling(Initializer):
    """Samples whose variance is `scale / n`, n the fan_in, fan_out or their average.

    distribution "truncated_normal" (or its old name "normal") divides the stddev by
    0.8796..., the stddev of a unit normal truncated to (-2, 2), so the truncated samples
    have the intended variance; "untruncated_normal" samples a plain normal; "uniform" is
    uniform in +-sqrt(3 * scale / n).
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 dtype=dtypes.float32):
        if scale <= 0.:
            raise ValueError("Argument `scale` must be a positive float. Received: %s" % scale)
        if mode not in {"fan_in", "fan_out", "fan_avg"}:
            raise ValueError("Argument `mode` should be one of ('fan_in', 'fan_out', 'fan_avg'). "
                             "Received: %s" % mode)
        distribution = distribution.lower()
        if distribution not in {"normal", "uniform", "truncated_normal", "untruncated_normal"}:
            raise ValueError("Argument `distribution` should be one of ('normal', uniform', "
                             "'truncated_normal', 'untruncated_normal'). Received: %s" % distribution)
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.seed = seed
        self.dtype = _assert_float_dtype(dtypes.as_dtype(dtype))

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = self._dtype(dtype)
        dims = _static_dims(shape)
        fan_in, fan_out = _compute_fans(dims)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.}[self.mode]
        scale = self.scale / max(1., n)
        if self.distribution in ("normal", "truncated_normal"):
            stddev = math.sqrt(scale) / _TRUNCATED_NORMAL_STDDEV
            return random_ops.truncated_normal(dims, 0.0, stddev, dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return random_ops.random_normal(dims, 0.0, math.sqrt(scale), dtype, seed=self.seed)
        limit = math.sqrt(3.0 * scale)
        return random_ops.random_uniform(dims, -limit, limit, dtype, seed=self.seed)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed, "dtype": self.dtype.name}


class GlorotUniform(VarianceScaling):
    """Glorot/Xavier uniform: uniform in +-sqrt(6 / (fan_in + fan_out)).
    The default initializer of tf.get_variable for floats."""

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(scale=1.0, mode="fan_avg", distribution="uniform", seed=seed, dtype=dtype)

    def get_config(self):
        return {"seed": self.seed, "dtype": self.dtype.name}


class GlorotNormal(VarianceScaling):
    """Glorot/Xavier normal: truncated normal with stddev sqrt(2 / (fan_in + fan_out))."""

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(scale=1.0, mode="fan_avg", distribution="truncated_normal", seed=seed,
                         dtype=dtype)

    def get_config(self):
        return {"seed": self.seed, "dtype": self.dtype.name}


def _diag_part(square):
    """The diagonal of a statically shaped square matrix: every (n+1)-th flat element."""
    n = square.shape.as_list()[0]
    with name_scope("DiagPart") as scope:
        flat = array_ops.reshape(square, [-1])
        return array_ops.strided_slice(flat, [0], [0], [n + 1], end_mask=1, name=scope)


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix times `gain`; shapes of rank > 2 are treated as a matrix
    of (product of leading dims) x (last dim), as TF does for convolution kernels.

    TF's algorithm: QR-decompose a normal matrix of shape (max(rows, cols), min(rows,
    cols)), scale Q's columns by the signs of R's diagonal (making the result uniformly
    distributed over orthogonal matrices), transpose when rows < cols, reshape.
    """

    def __init__(self, gain=1.0, seed=None, dtype=dtypes.float32):
        self.gain = gain
        self.dtype = _assert_float_dtype(dtypes.as_dtype(dtype))
        self.seed = seed

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = self._dtype(dtype)
        dims = _static_dims(shape)
        if len(dims) < 2:
            raise ValueError("The tensor to initialize, specified by argument `shape` must be at "
                             "least two-dimensional. Received shape=%s" % list(shape))
        num_rows = int(np.prod(dims[:-1]))
        num_cols = int(dims[-1])
        flat_shape = (num_cols, num_rows) if num_rows < num_cols else (num_rows, num_cols)
        a = random_ops.random_normal(flat_shape, dtype=dtype, seed=self.seed)
        q, r = get_default_graph().create_op(
            "Qr", [a], {"full_matrices": False}, "Qr").outputs
        q *= math_ops.sign(_diag_part(r))
        if num_rows < num_cols:
            with name_scope("matrix_transpose"):
                q = array_ops.transpose(q, [1, 0])
        return self.gain * array_ops.reshape(q, dims)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed, "dtype": self.dtype.name}


class Identity(Initializer):
    """`gain` times the identity matrix (2-D shapes only; non-square gives ones on the
    main diagonal)."""

    def __init__(self, gain=1.0, dtype=dtypes.float32):
        self.gain = gain
        self.dtype = _assert_float_dtype(dtypes.as_dtype(dtype))

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = self._dtype(dtype)
        dims = _static_dims(shape)
        if len(dims) != 2:
            raise ValueError("The tensor to initialize, specified by argument `shape` must be at "
                             "least two-dimensional. Received shape=%s" % list(shape))
        return self.gain * constant(np.eye(*dims), dtype=dtype, name="eye")

    def get_config(self):
        return {"gain": self.gain, "dtype": self.dtype.name}


zeros_initializer = Zeros
ones_initializer = Ones
constant_initializer = Constant
random_uniform_initializer = RandomUniform
random_normal_initializer = RandomNormal
truncated_normal_initializer = TruncatedNormal
uniform_unit_scaling_initializer = UniformUnitScaling
variance_scaling_initializer = VarianceScaling
glorot_uniform_initializer = GlorotUniform
glorot_normal_initializer = GlorotNormal
orthogonal_initializer = Orthogonal
identity_initializer = Identity


def lecun_normal(seed=None):
    """Truncated normal with variance 1 / fan_in."""
    return VarianceScaling(scale=1., mode="fan_in", distribution="truncated_normal", seed=seed)


def lecun_uniform(seed=None):
    """Uniform with variance 1 / fan_in."""
    return VarianceScaling(scale=1., mode="fan_in", distribution="uniform", seed=seed)


def he_normal(seed=None):
    """Truncated normal with variance 2 / fan_in."""
    return VarianceScaling(scale=2., mode="fan_in", distribution="truncated_normal", seed=seed)


def he_uniform(seed=None):
    """Uniform with variance 2 / fan_in."""
    return VarianceScaling(scale=2., mode="fan_in", distribution="uniform", seed=seed)


def xavier_initializer(uniform=True, seed=None, dtype=dtypes.float32):
    """tf.contrib.layers.xavier_initializer: Glorot uniform, or with uniform=False a
    truncated normal of stddev sqrt(1.3 / fan_avg) (contrib's constant, which differs
    slightly from glorot_normal's 1 / 0.8796**2 = 1.2925).

    Not in the tf namespace (TF1 has it only under tf.contrib.layers).
    """
    if uniform:
        return GlorotUniform(seed=seed, dtype=dtype)
    # VarianceScaling divides the stddev by _TRUNCATED_NORMAL_STDDEV; pre-multiply the
    # scale by its square so the stddev comes out as contrib's sqrt(1.3 / n).
    return VarianceScaling(scale=1.3 * _TRUNCATED_NORMAL_STDDEV ** 2, mode="fan_avg",
                           distribution="truncated_normal", seed=seed, dtype=dtype)
