"""TF1 clipping: clip_by_value, clip_by_norm, global_norm, clip_by_global_norm and
clip_by_average_norm, each with TensorFlow's exact formula (tensorflow/python/ops/
clip_ops.py), so clipped gradients match TF1 bit for bit up to summation order.

Notable TF behaviours kept on purpose:
- clip_by_norm divides `t * clip_norm` by max(l2norm, clip_norm) (not a multiply by a
  ratio), treats an all-zero slice as norm 0 (no NaN), and clamps a negative clip_norm to 0.
- clip_by_global_norm returns NaN-filled tensors when the global norm is inf or NaN
  (`scale + (use_norm - use_norm)`), so a diverging step is visible rather than silently
  rescaled; None entries pass through as None.
- global_norm is sqrt(2 * sum(l2_loss(t))), as TF computes it.
"""
import collections.abc

import numpy as np

from ..framework import dtypes
from ..framework.graph import get_default_graph, name_scope
from . import array_ops, math_ops, nn_ops
from .tensor_conversion import constant, convert_to_tensor, is_tensor

__all__ = ["clip_by_value", "clip_by_norm", "global_norm", "clip_by_global_norm",
           "clip_by_average_norm"]


def _identity(x, name):
    return get_default_graph().create_op("Identity", [x], None, name).outputs[0]


def _check_no_broadcast(values, result, what):
    """Clipping must not broadcast `values` to a bigger shape (TF's assert_is_compatible_with)."""
    if not values.shape.is_compatible_with(result.shape):
        raise ValueError("Shapes %s and %s are incompatible: the %s would broadcast %s"
                         % (values.shape, result.shape, what, values.name))


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """min(max(t, clip_value_min), clip_value_max) element-wise; the bounds may be scalars
    or tensors broadcastable to t (but must not enlarge t's shape)."""
    with name_scope(name, "clip_by_value", [t, clip_value_min, clip_value_max]) as scope:
        values = convert_to_tensor(t)
        t_min = math_ops.minimum(values, clip_value_max)
        _check_no_broadcast(values, t_min, "clip_value_max")
        t_max = math_ops.maximum(t_min, clip_value_min, name=scope)
        _check_no_broadcast(values, t_max, "clip_value_min")
        return t_max


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """t * clip_norm / max(l2norm(t, axes), clip_norm): rescale so the L2 norm over `axes`
    (all axes when None) is at most clip_norm."""
    with name_scope(name, "clip_by_norm", [t, clip_norm]) as scope:
        values = convert_to_tensor(t)
        if not is_tensor(clip_norm) and np.isscalar(clip_norm):
            clip_norm = max(clip_norm, 0)
        else:
            clip_norm = math_ops.cast(math_ops.maximum(convert_to_tensor(clip_norm), 0), values.dtype)
        l2sum = math_ops.reduce_sum(values * values, axes, keepdims=True)
        pred = l2sum > 0
        # TF's two-tap where: sqrt only of positive sums (keeps gradients NaN-free).
        l2sum_safe = array_ops.where(pred, l2sum, array_ops.ones_like(l2sum))
        l2norm = array_ops.where(pred, math_ops.sqrt(l2sum_safe), l2sum)
        intermediate = values * clip_norm
        _check_no_broadcast(values, intermediate, "clip_norm")
        return _identity(intermediate / math_ops.maximum(l2norm, clip_norm), scope)


def _tensor_list(t_list):
    if not isinstance(t_list, collections.abc.Sequence) or isinstance(t_list, str):
        raise TypeError("`t_list` should be a sequence of tensors. Received %s." % type(t_list))
    return [None if t is None else convert_to_tensor(t) for t in t_list]


def global_norm(t_list, name=None):
    """sqrt(sum of squares of every element of every tensor in t_list); None entries are
    ignored."""
    values = _tensor_list(t_list)
    with name_scope(name, "global_norm", [v for v in values if v is not None]):
        half_squared_norms = [nn_ops.l2_loss(v) for v in values if v is not None]
        half_squared_norm = math_ops.reduce_sum(array_ops.stack(half_squared_norms))
        return math_ops.sqrt(half_squared_norm * constant(2.0, dtype=half_squared_norm.dtype),
                             name="global_norm")


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scale every tensor by clip_norm / max(global_norm, clip_norm).

    Returns (list_clipped, use_norm). `use_norm` (the global norm, computed when None) may be
    given to reuse one already computed. If it is inf or NaN every clipped tensor is NaN.
    """
    values = _tensor_list(t_list)
    if use_norm is None:
        use_norm = global_norm(values, name)
    use_norm = convert_to_tensor(use_norm)
    present = [v for v in values if v is not None]
    with name_scope(name, "clip_by_global_norm", present + [clip_norm]) as scope:
        scale_for_finite = clip_norm * math_ops.minimum(
            1.0 / use_norm, constant(1.0, dtype=use_norm.dtype) / clip_norm)
        # A no-op for finite use_norm; NaN for inf/-inf/NaN.
        scale = scale_for_finite + (use_norm - use_norm)
        base = scope.rstrip("/").rsplit("/", 1)[-1]
        clipped = []
        for i, v in enumerate(values):
            if v is None:
                clipped.append(None)
            else:
                clipped.append(_identity(v * math_ops.cast(scale, v.dtype), "%s_%d" % (base, i)))
        return clipped, use_norm


def clip_by_average_norm(t, clip_norm, name=None):
    """t * clip_norm / max(l2norm(t) / size(t), clip_norm) (deprecated in TF, kept for
    TF1 code); float32 only, as in TF."""
    with name_scope(name, "clip_by_average_norm", [t, clip_norm]) as scope:
        t = convert_to_tensor(t)
        n_element = math_ops.cast(array_ops.size(t), dtypes.float32)
        l2norm_inv = math_ops.rsqrt(math_ops.reduce_sum(t * t))
        return _identity(t * clip_norm * math_ops.minimum(l2norm_inv * n_element,
                                                          constant(1.0) / clip_norm), scope)
