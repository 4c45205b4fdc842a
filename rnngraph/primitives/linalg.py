"""Linear algebra primitives: MatMul (optionally batched, with transpose flags) and Qr.

MatMul covers TF1's MatMul and BatchMatMulV2: rank-2 operands, or rank >= 2 with the
leading (batch) dimensions broadcast. The compiler lowers it to BLAS.
"""
import numpy as np

from ..framework.primitive import Primitive, ShapeError, TensorSpec, register
from ..framework.tensor_shape import TensorShape, unknown_shape
from .common import FLOAT, NUMERIC, broadcast_runtime, broadcast_static, check_dtype, check_same_dtype


@register
class MatMul(Primitive):
    """a @ b with attrs transpose_a / transpose_b (applied to the last two axes)."""

    type = "MatMul"

    def infer(self, inputs, attrs, const):
        a, b = inputs
        dtype = check_same_dtype(self.type, ["a", "b"], inputs)
        check_dtype(self.type, "a", dtype, NUMERIC)
        if a.shape.ndims is None or b.shape.ndims is None:
            return [TensorSpec(dtype, unknown_shape())]
        for name, s in (("a", a.shape), ("b", b.shape)):
            if s.ndims < 2:
                raise ShapeError("Shape must be rank >= 2 but is rank %d for input '%s'" % (s.ndims, name))
        m, ka = a.shape.dims[-2:][::-1] if attrs.get("transpose_a") else a.shape.dims[-2:]
        kb, n = b.shape.dims[-2:][::-1] if attrs.get("transpose_b") else b.shape.dims[-2:]
        if ka is not None and kb is not None and ka != kb:
            raise ShapeError("Dimensions must be equal, but are %d and %d" % (ka, kb))
        if a.shape.ndims == 2 and b.shape.ndims == 2:
            batch = TensorShape([])
        else:
            batch = broadcast_static(a.shape[:-2], b.shape[:-2])
        return [TensorSpec(dtype, batch.concatenate([m, n]))]

    def reference(self, ctx, inputs, attrs):
        a, b = inputs
        if attrs.get("transpose_a"):
            a = np.swapaxes(a, -1, -2)
        if attrs.get("transpose_b"):
            b = np.swapaxes(b, -1, -2)
        if a.shape[-1] != b.shape[-2]:
            from ..errors import InvalidArgumentError
            raise InvalidArgumentError(
                message="Matrix size-incompatible: In[0]: [%s], In[1]: [%s]" % (
                    ",".join(map(str, a.shape)), ",".join(map(str, b.shape))))
        if a.ndim > 2 or b.ndim > 2:
            broadcast_runtime(a[..., :1, :1], b[..., :1, :1])
        return [np.matmul(a, b)]


@register
class Qr(Primitive):
    """QR decomposition of a matrix (attrs full_matrices); used by the orthogonal initializer."""

    type = "Qr"

    def infer(self, inputs, attrs, const):
        (a,) = inputs
        check_dtype(self.type, "input", a.dtype, FLOAT)
        s = a.shape.with_rank(2) if a.shape.ndims is not None else unknown_shape(2)
        m, n = s.dims
        k = None if m is None or n is None else min(m, n)
        if attrs.get("full_matrices"):
            return [TensorSpec(a.dtype, [m, m]), TensorSpec(a.dtype, [m, n])]
        return [TensorSpec(a.dtype, [m, k]), TensorSpec(a.dtype, [k, n])]

    def reference(self, ctx, inputs, attrs):
        q, r = np.linalg.qr(inputs[0], mode="complete" if attrs.get("full_matrices") else "reduced")
        return [q, r]
