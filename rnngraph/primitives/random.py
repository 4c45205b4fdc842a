"""Stateful random primitives: RandomUniform, RandomStandardNormal, TruncatedNormal and
RandomUniformInt, drawn from Philox streams.

attrs seed/seed2 come from TF1's seed rules (rnngraph.ops.random_seed.get_seed). Each run of
the op draws fresh values, deterministically for fixed seeds: the run context gives the op's
key and how many times it has run in this session (`ctx.random_stream(op)`).
"""
import numpy as np

from ..errors import InvalidArgumentError
from ..framework.primitive import Primitive, ShapeError, TensorSpec, register
from .common import FLOAT, INDEX, INTEGER, check_dtype
from .philox import box_muller, to_unit_float32, to_unit_float64, uint32_stream

_TRUNCATE_AT = 2.0


def uniform(key, call, n, dtype, offset=0):
    """n uniforms in [0, 1) of `dtype` from words starting at `offset` (multiple of 4)."""
    if dtype == np.float32:
        return to_unit_float32(uint32_stream(key, call, n, offset))
    words = uint32_stream(key, call, 2 * n, offset)
    return to_unit_float64(words[0::2], words[1::2])


def _words_per(dtype):
    return 1 if dtype == np.float32 else 2


def normal(key, call, n, dtype, offset=0):
    """n standard normals (Box-Muller on pairs of uniforms)."""
    m = n + (n & 1)
    u = uniform(key, call, m, dtype, offset)
    z0, z1 = box_muller(u[0::2], u[1::2])
    out = np.empty(m, dtype=dtype)
    out[0::2], out[1::2] = z0, z1
    return out[:n]


def truncated_normal(key, call, n, dtype):
    """n standard normals with |x| < 2, re-drawing rejected values from later words."""
    out = np.empty(n, dtype=dtype)
    filled, offset = 0, 0
    while filled < n:
        chunk = max(64, 2 * (n - filled))
        chunk += (-chunk) % 4
        z = normal(key, call, chunk, dtype, offset)
        offset += chunk * _words_per(dtype)
        z = z[np.abs(z) < _TRUNCATE_AT][:n - filled]
        out[filled:filled + z.size] = z
        filled += z.size
    return out


class _RandomOp(Primitive):
    stateful = True
    allowed = FLOAT

    def infer(self, inputs, attrs, known):
        check_dtype(self.type, "shape", inputs[0].dtype, INDEX)
        check_dtype(self.type, "dtype", attrs["dtype"], self.allowed)
        if inputs[0].shape.ndims not in (None, 1):
            raise ShapeError("shape must be a vector, got shape %s" % inputs[0].shape.short())
        return [TensorSpec(attrs["dtype"], known.as_shape(0))]

    def reference(self, ctx, inputs, attrs):
        shape = [int(d) for d in inputs[0]]
        if any(d < 0 for d in shape):
            raise InvalidArgumentError(message="Random shape must be non-negative, got %s" % shape)
        key, call = ctx.random_stream(ctx.op)
        n = int(np.prod(shape, dtype=np.int64))
        return [self.sample(key, call, n, attrs["dtype"].np, inputs[1:]).reshape(shape)]


@register
class RandomUniform(_RandomOp):
    """Uniform in [0, 1) of the given shape and float dtype."""

    type = "RandomUniform"

    def sample(self, key, call, n, dtype, extra):
        return uniform(key, call, n, dtype)


@register
class RandomStandardNormal(_RandomOp):
    """Standard normal samples."""

    type = "RandomStandardNormal"

    def sample(self, key, call, n, dtype, extra):
        return normal(key, call, n, dtype)


@register
class TruncatedNormal(_RandomOp):
    """Standard normal samples restricted to (-2, 2) by re-drawing."""

    type = "TruncatedNormal"

    def sample(self, key, call, n, dtype, extra):
        return truncated_normal(key, call, n, dtype)


@register
class RandomUniformInt(_RandomOp):
    """Integers uniform in [minval, maxval) (scalar inputs 1 and 2)."""

    type = "RandomUniformInt"
    allowed = INTEGER

    def infer(self, inputs, attrs, known):
        for t in inputs[1:]:
            if t.dtype != attrs["dtype"]:
                raise TypeError("minval and maxval must be %s, got %s" % (attrs["dtype"].name, t.dtype.name))
        return super().infer(inputs, attrs, known)

    def sample(self, key, call, n, dtype, extra):
        lo, hi = (int(v) for v in extra)
        if hi <= lo:
            raise InvalidArgumentError(message="Need minval < maxval, got %d >= %d" % (lo, hi))
        bits = uint32_stream(key, call, 2 * n).astype(np.uint64)
        wide = (bits[0::2] << np.uint64(32)) | bits[1::2]
        return (lo + (wide % np.uint64(hi - lo)).astype(np.int64)).astype(dtype)

