"""tf.nn: activations, softmax, cross-entropy losses, bias_add, dropout, embedding lookup
and moments, as compositions of primitives with TF1's formulas.

Each op follows the TF kernel or Python wrapper it mirrors (tensorflow/python/ops/nn_ops.py,
nn_impl.py, embedding_ops.py and the C++ functors), including its numerically stable form:
softmax shifts by the max along the axis, the softmax cross-entropies compute
sum(labels * (logsumexp - shifted)), the sigmoid cross-entropy uses
max(x, 0) - x*z + log1p(exp(-|x|)). Ops are built inside a name scope named like TF's op, and
the result tensor carries that name ("Softmax", "BiasAdd", ...), so graphs read like TF's.

Run-time validation: values TF's kernels reject (sparse labels outside [0, num_classes),
sharded embedding ids outside every shard) are checked with an Assert op that gates the
computation through a control dependency; a bad value is an InvalidArgumentError naming it,
never a silently wrong result.
"""
import numbers

import numpy as np

from ..errors import InvalidArgumentError
from ..framework import dtypes
from ..framework.graph import get_default_graph, name_scope
from ..framework.tensor_shape import as_shape
from . import array_ops, control_flow_ops, math_ops, random_seed
from .tensor_conversion import constant, convert_to_tensor, is_tensor

__all__ = [
    "relu", "relu6", "elu", "selu", "leaky_relu", "softplus", "softsign", "relu_layer",
    "softmax", "log_softmax",
    "softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits_v2",
    "sparse_softmax_cross_entropy_with_logits", "sigmoid_cross_entropy_with_logits",
    "weighted_cross_entropy_with_logits", "l2_loss",
    "bias_add", "xw_plus_b", "dropout", "embedding_lookup", "moments", "l2_normalize",
    "in_top_k",
]

_FLOAT = (dtypes.float32, dtypes.float64)
_INDEX = (dtypes.int32, dtypes.int64)


def _op(op_type, inputs, attrs=None, name=None):
    return get_default_graph().create_op(op_type, inputs, attrs, name or op_type).outputs[0]


def _check_dtype(x, param, op_type, allowed=_FLOAT):
    if x.dtype not in allowed:
        raise TypeError("Value passed to parameter '%s' of op %s has DataType %s not in list of "
                        "allowed values: %s" % (param, op_type, x.dtype.name,
                                                ", ".join(d.name for d in allowed)))


def _axis_arg(axis, dim):
    """TF's deprecated_argument_lookup("axis", axis, "dim", dim)."""
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'dim' and 'axis'.")
        return dim
    return axis


def _class_axis(x, axis):
    """`axis` as an int; validated against x's rank when the rank is static."""
    if is_tensor(axis):
        from ..framework.constant_folding import constant_value
        value = constant_value(convert_to_tensor(axis))
        if value is None:
            raise NotImplementedError("a softmax axis computed at run time is not supported")
        axis = value
    axis = int(np.asarray(axis).reshape(()))
    rank = x.shape.ndims
    if rank is not None:
        if rank == 0:
            raise ValueError("logits must have >= 1 dimension, got shape %s (%s)" % (x.shape, x.name))
        if not -rank <= axis < rank:
            raise InvalidArgumentError(message="`dim` must be in the range [%d, %d) where %d is "
                                       "the number of dimensions in the input. Received: dim=%d"
                                       % (-rank, rank, rank, axis))
        axis %= rank
    return axis


def _shifted_and_logsumexp(logits, axis):
    """(logits - max, log(sum(exp(logits - max)))) along `axis`, keeping dims: the stable
    core of softmax, log_softmax and both cross-entropies (TF's SoftmaxEigenImpl)."""
    shifted = logits - math_ops.reduce_max(logits, axis, keepdims=True)
    return shifted, math_ops.log(math_ops.reduce_sum(math_ops.exp(shifted), axis, keepdims=True))


# --- activations --------------------------------------------------------------------------

def relu(features, name=None):
    """max(features, 0)."""
    return _op("Relu", [convert_to_tensor(features)], name=name or "Relu")


def relu6(features, name=None):
    """min(max(features, 0), 6)."""
    with name_scope(name, "Relu6", [features]) as scope:
        x = convert_to_tensor(features)
        return math_ops.minimum(relu(x), 6, name=scope)


def _exponential_linear(features, name, default_name, scale=None, alpha=None):
    """x if x >= 0 else exp(x) - 1, both sides scaled for SELU: the ELU family, as TF's
    Elu/Selu functors compute it (exp(x) - 1, not expm1)."""
    with name_scope(name, default_name, [features]) as scope:
        x = convert_to_tensor(features)
        _check_dtype(x, "features", default_name)
        negative = math_ops.exp(x) - 1
        positive = x
        if scale is not None:
            negative = negative * (scale * alpha)
            positive = positive * scale
        return _op("Select", [math_ops.less(x, 0), negative, positive], name=scope)


def elu(features, name=None):
    """x if x >= 0 else exp(x) - 1."""
    return _exponential_linear(features, name, "Elu")


_SELU_SCALE = 1.0507009873554804934193349852946
_SELU_ALPHA = 1.6732632423543772848170429916717


def selu(features, name=None):
    """scale * (x if x >= 0 else alpha * (exp(x) - 1)) with the self-normalizing constants."""
    return _exponential_linear(features, name, "Selu", _SELU_SCALE, _SELU_ALPHA)


def leaky_relu(features, alpha=0.2, name=None):
    """x if x > 0 else alpha * x (integer features are cast to float32, as in TF)."""
    with name_scope(name, "LeakyRelu", [features, alpha]) as scope:
        x = convert_to_tensor(features)
        if x.dtype.is_integer:
            x = math_ops.cast(x, dtypes.float32)
        if isinstance(alpha, np.ndarray):
            alpha = alpha.item()
        return _op("Select", [math_ops.greater(x, 0), x, x * alpha], name=scope)


def softplus(features, name=None):
    """log(exp(features) + 1), computed stably."""
    return _op("Softplus", [convert_to_tensor(features)], name=name or "Softplus")


def softsign(features, name=None):
    """features / (|features| + 1)."""
    with name_scope(name, "Softsign", [features]) as scope:
        x = convert_to_tensor(features)
        _check_dtype(x, "features", "Softsign")
        return math_ops.truediv(x, math_ops.abs(x) + 1, name=scope)


def relu_layer(x, weights, biases, name=None):
    """relu(matmul(x, weights) + biases)."""
    with name_scope(name, "relu_layer", [x, weights, biases]) as scope:
        return relu(bias_add(math_ops.matmul(x, weights), biases), name=scope)


# --- softmax ------------------------------------------------------------------------------

def _softmax(logits, axis, name, op_type):
    with name_scope(name, op_type, [logits]) as scope:
        logits = convert_to_tensor(logits)
        _check_dtype(logits, "logits", op_type)
        axis = _class_axis(logits, -1 if axis is None else axis)
        shifted, logsumexp = _shifted_and_logsumexp(logits, axis)
        if op_type == "LogSoftmax":
            return math_ops.subtract(shifted, logsumexp, name=scope)
        e = math_ops.exp(shifted)
        # TF multiplies by the reciprocal of the sum (softmax_op_functor.h).
        return math_ops.multiply(e, math_ops.reciprocal(math_ops.reduce_sum(e, axis, keepdims=True)),
                                 name=scope)


def softmax(logits, axis=None, name=None, dim=None):
    """exp(logits) / sum(exp(logits), axis), along `axis` (default last; `dim` is TF1's alias)."""
    return _softmax(logits, _axis_arg(axis, dim), name, "Softmax")


def log_softmax(logits, axis=None, name=None, dim=None):
    """logits - log(sum(exp(logits), axis)), along `axis` (default last)."""
    return _softmax(logits, _axis_arg(axis, dim), name, "LogSoftmax")


# --- cross-entropy losses -----------------------------------------------------------------

def _ensure_xent_args(fn_name, sentinel, labels, logits):
    """TF1's rule that the cross-entropies take labels= and logits= by keyword."""
    if sentinel is not None:
        raise ValueError("Only call `%s` with named arguments (labels=..., logits=..., ...)" % fn_name)
    if labels is None or logits is None:
        raise ValueError("Both labels and logits must be provided.")


def softmax_cross_entropy_with_logits_v2(labels, logits, axis=None, name=None, dim=None):
    """-sum(labels * log_softmax(logits), axis) per example (labels are soft targets and are
    not required to sum to 1). The result has logits' shape without `axis`."""
    axis = _axis_arg(axis, dim)
    with name_scope(name, "softmax_cross_entropy_with_logits", [logits, labels]) as scope:
        logits = convert_to_tensor(logits)
        _check_dtype(logits, "features", "SoftmaxCrossEntropyWithLogits")
        labels = math_ops.cast(convert_to_tensor(labels), logits.dtype)
        axis = _class_axis(logits, -1 if axis is None else axis)
        shifted, logsumexp = _shifted_and_logsumexp(logits, axis)
        # TF's kernel: sum(labels * (log(sum(exp(shifted))) - shifted)) along classes.
        return math_ops.reduce_sum(labels * (logsumexp - shifted), axis, name=scope)


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1, name=None,
                                      axis=None):
    """TF1's (deprecated) softmax cross-entropy: like _v2 but labels get no gradient
    (stop_gradient). Call with keyword arguments."""
    dim = dim if axis is None else axis  # TF raises when axis= is used (dim defaults to -1)
    _ensure_xent_args("softmax_cross_entropy_with_logits", _sentinel, labels, logits)
    with name_scope(name, "softmax_cross_entropy_with_logits_sg", [logits, labels]) as scope:
        labels = array_ops.stop_gradient(labels, name="labels_stop_gradient")
    return softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits, axis=dim, name=scope)


def _checked_labels(labels, logits, num_classes):
    """`labels` gated by run-time checks: shape equal to logits' shape minus the class axis
    (when not static), every value in [0, num_classes). A failure is an InvalidArgumentError
    showing the labels."""
    checks = []
    if not (labels.shape.is_fully_defined() and logits.shape[:-1].is_fully_defined()):
        checks.append(control_flow_ops.assert_equal(
            array_ops.shape(labels), array_ops.shape(logits)[:-1],
            data=["labels shape must equal logits shape except for the last dimension; labels "
                  "shape:", array_ops.shape(labels), "logits shape:", array_ops.shape(logits)]))
    in_range = math_ops.logical_and(math_ops.greater_equal(labels, 0),
                                    math_ops.less(labels, num_classes))
    # Only cheap elementwise work on the hot path: the labels themselves are the Assert's
    # data (summarized on failure), no dynamic-shape gather of the bad ones.
    limit = str(num_classes) if isinstance(num_classes, int) else "num_classes"
    data = ["Received a label value outside the valid range of [0, %s). Label values:" % limit,
            labels]
    if not isinstance(num_classes, int):
        data += ["num_classes:", num_classes]
    checks.append(control_flow_ops.Assert(math_ops.reduce_all(in_range), data, summarize=10,
                                          name="check_labels"))
    return control_flow_ops.with_dependencies(checks, labels)


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """-log_softmax(logits)[label] per example: labels int32/int64 of shape logits.shape[:-1]
    holding class indices in [0, num_classes). An index outside that range is an
    InvalidArgumentError at run time (as on TF's CPU kernel)."""
    _ensure_xent_args("sparse_softmax_cross_entropy_with_logits", _sentinel, labels, logits)
    with name_scope(name, "SparseSoftmaxCrossEntropyWithLogits", [labels, logits]):
        labels = convert_to_tensor(labels)
        logits = convert_to_tensor(logits)
        _check_dtype(logits, "features", "SparseSoftmaxCrossEntropyWithLogits")
        _check_dtype(labels, "labels", "SparseSoftmaxCrossEntropyWithLogits", _INDEX)
        lshape, xshape = labels.shape, logits.shape
        if xshape.ndims == 0:
            raise ValueError("`logits` cannot be a scalar. Received logits=%s`" % logits)
        if xshape.ndims is not None and lshape.ndims is not None and lshape.ndims != xshape.ndims - 1:
            raise ValueError("`labels.shape.rank` must equal `logits.shape.rank - 1`. Received: "
                             "labels.shape=%s of rank %d and logits.shape=%s of rank %d"
                             % (lshape, lshape.ndims, xshape, xshape.ndims))
        if xshape.ndims is not None and not lshape.is_compatible_with(xshape[:-1]):
            raise ValueError("`labels.shape` must equal `logits.shape` except for the last "
                             "dimension. Received: labels.shape=%s and logits.shape=%s"
                             % (lshape, xshape))
        num_classes = xshape[-1] if xshape.ndims is not None else None
        if num_classes is None:
            num_classes = math_ops.cast(array_ops.shape(logits)[-1], labels.dtype)
        labels = _checked_labels(labels, logits, num_classes)
        shifted, logsumexp = _shifted_and_logsumexp(logits, -1)
        classes = array_ops.range(0, num_classes, 1, dtype=labels.dtype)
        hot = math_ops.equal(array_ops.expand_dims(labels, -1), classes)
        picked = array_ops.where_v2(hot, logsumexp - shifted, constant(0, dtype=logits.dtype))
        cost = math_ops.reduce_sum(picked, -1, name="SparseSoftmaxCrossEntropyWithLogits")
        cost.set_shape(lshape.merge_with(xshape[:-1]) if xshape.ndims is not None else lshape)
        return cost


def _same_shape_logits_labels(logits, labels):
    logits = convert_to_tensor(logits)
    labels = convert_to_tensor(labels, dtype=None if is_tensor(labels) else logits.dtype)
    if not labels.shape.is_compatible_with(logits.shape):
        raise ValueError("`logits` and `labels` must have the same shape, received (%s vs %s)."
                         % (logits.shape, labels.shape))
    return logits, labels


def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """Element-wise logistic loss, TF's stable form
    max(x, 0) - x * z + log(1 + exp(-|x|)) with x = logits, z = labels."""
    _ensure_xent_args("sigmoid_cross_entropy_with_logits", _sentinel, labels, logits)
    with name_scope(name, "logistic_loss", [logits, labels]) as scope:
        logits, labels = _same_shape_logits_labels(logits, labels)
        zeros = array_ops.zeros_like(logits, dtype=logits.dtype)
        cond = logits >= zeros
        relu_logits = array_ops.where(cond, logits, zeros)
        neg_abs_logits = array_ops.where(cond, -logits, logits)
        return math_ops.add(relu_logits - logits * labels,
                            math_ops.log1p(math_ops.exp(neg_abs_logits)), name=scope)


def weighted_cross_entropy_with_logits(labels=None, logits=None, pos_weight=None, name=None,
                                       targets=None):
    """Logistic loss with positives weighted by pos_weight (TF's stable form
    (1 - z) * x + (1 + (q - 1) * z) * (log1p(exp(-|x|)) + max(-x, 0))). `targets` is TF1's
    deprecated alias of labels."""
    if targets is not None:
        if labels is not None:
            raise ValueError("Cannot specify both 'targets' and 'labels'.")
        labels = targets
    with name_scope(name, "logistic_loss", [logits, labels]) as scope:
        logits, labels = _same_shape_logits_labels(logits, labels)
        log_weight = 1 + (pos_weight - 1) * labels
        return math_ops.add(
            (1 - labels) * logits,
            log_weight * (math_ops.log1p(math_ops.exp(-math_ops.abs(logits))) + relu(-logits)),
            name=scope)


def l2_loss(t, name=None):
    """sum(t ** 2) / 2 (TF's L2Loss)."""
    with name_scope(name, "L2Loss", [t]) as scope:
        t = convert_to_tensor(t)
        _check_dtype(t, "t", "L2Loss")
        return math_ops.multiply(math_ops.reduce_sum(math_ops.square(t)),
                                 constant(0.5, dtype=t.dtype), name=scope)


# --- layers -------------------------------------------------------------------------------

def _shape_error(message, op_name, *tensors):
    return ValueError("%s for '%s' (op: 'BiasAdd') with input shapes: %s." % (
        message, op_name.rstrip("/"), ", ".join(t.shape.short() for t in tensors)))


def bias_add(value, bias, data_format=None, name=None):
    """value + bias, with `bias` 1-D of the size of value's channel dimension: the last one
    (data_format None / 'N...C') or the second one ('NC...')."""
    with name_scope(name, "BiasAdd", [value, bias]) as scope:
        if data_format is None or (data_format.startswith("N") and data_format.endswith("C")):
            channels_last = True
        elif data_format.startswith("NC"):
            channels_last = False
        else:
            raise ValueError("`data_format` must be of the form `N...C` or `NC...`. Received: "
                             "data_format=%s" % data_format)
        value = convert_to_tensor(value)
        bias = convert_to_tensor(bias, dtype=None if is_tensor(bias) else value.dtype)
        if bias.dtype != value.dtype:
            raise TypeError("Input 'bias' of 'BiasAdd' Op has type %s that does not match type %s "
                            "of argument 'value'." % (bias.dtype.name, value.dtype.name))
        rank, min_rank = value.shape.ndims, 2 if channels_last else 3
        if rank is not None and rank < min_rank:
            raise _shape_error("Shape must be at least rank %d but is rank %d" % (min_rank, rank),
                               scope, value, bias)
        if bias.shape.ndims is not None and bias.shape.ndims != 1:
            raise _shape_error("Shape must be rank 1 but is rank %d" % bias.shape.ndims,
                               scope, value, bias)
        channels = None if rank is None else value.shape[-1 if channels_last else 1]
        size = bias.shape[0] if bias.shape.ndims == 1 else None
        if channels is not None and size is not None and channels != size:
            raise _shape_error("Dimensions must be equal, but are %d and %d" % (channels, size),
                               scope, value, bias)
        if channels is None or size is None:
            # Add would broadcast a wrong-sized bias of 1: check it at run time.
            channel_dim = array_ops.shape(value)[-1 if channels_last else 1]
            check = control_flow_ops.assert_equal(
                array_ops.size(bias), channel_dim,
                data=["Must provide as many biases as the channel dimension of the input "
                      "tensor; bias shape:", array_ops.shape(bias), "value shape:",
                      array_ops.shape(value)])
            bias = control_flow_ops.with_dependencies([check], bias)
        if not channels_last:
            if rank is None:
                raise NotImplementedError("bias_add with data_format %r of a tensor of unknown "
                                          "rank (%s)" % (data_format, value.name))
            bias = array_ops.reshape(bias, [-1] + [1] * (rank - 2))
        return math_ops.add(value, bias, name=scope)


def xw_plus_b(x, weights, biases, name=None):
    """matmul(x, weights) + biases (x and weights 2-D, biases 1-D)."""
    with name_scope(name, "xw_plus_b", [x, weights, biases]) as scope:
        return bias_add(math_ops.matmul(x, weights), biases, name=scope)


# --- dropout ------------------------------------------------------------------------------

def _noise_shape(x, noise_shape):
    """The shape of the keep/drop mask: x's shape, or `noise_shape` with None entries taken
    from x (statically when known, else from tf.shape(x))."""
    if noise_shape is None:
        return array_ops.shape(x) if not x.shape.is_fully_defined() else x.shape.as_list()
    try:
        dims = list(as_shape(noise_shape).dims or [])
    except (TypeError, ValueError):  # a tensor, or a list holding scalar tensors
        return noise_shape
    if x.shape.ndims is not None and len(dims) == x.shape.ndims:
        dims = [xd if d is None else d for d, xd in zip(dims, x.shape.dims)]
    if all(d is not None for d in dims):
        return dims
    if x.shape.ndims != len(dims):
        raise ValueError("noise_shape %s has unknown dimensions that cannot be taken from x "
                         "(shape %s)" % (noise_shape, x.shape))
    dynamic = array_ops.shape(x)
    return array_ops.stack([dynamic[i] if d is None else d for i, d in enumerate(dims)])


def _random_uniform(shape, dtype, seed):
    """U[0, 1) of `shape` (TF's random_uniform fast path, seeded by TF1's seed rules)."""
    with name_scope(None, "random_uniform", [shape]):
        shape = array_ops.int_vector(shape)
        seed1, seed2 = random_seed.get_seed(seed)
        return _op("RandomUniform", [shape], {"dtype": dtype, "seed": seed1 or 0, "seed2": seed2 or 0})


def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Zero each element with probability `rate` (= 1 - keep_prob) and scale the rest by
    1 / (1 - rate), so the expected sum is unchanged (TF's dropout_v2: the mask is
    `random_uniform(noise_shape) >= rate`). Give exactly one of keep_prob and rate; a
    Python rate of 0 (keep_prob 1) returns x itself. `noise_shape` (broadcastable to x's
    shape) shares one decision along its size-1 dimensions."""
    try:
        rate_from_keep_prob = 1. - keep_prob if keep_prob is not None else None
    except TypeError:
        raise ValueError("`keep_prob` must be a floating point number or Tensor. Received: "
                         "keep_prob=%s" % (keep_prob,)) from None
    if rate_from_keep_prob is not None:
        if rate is not None:
            raise ValueError("Cannot specify both 'keep_prob' and 'rate'.")
        rate = rate_from_keep_prob
    if rate is None:
        raise ValueError("`rate` must be provided. Received: rate=None")
    with name_scope(name, "dropout", [x]):
        is_rate_number = isinstance(rate, numbers.Real) and not is_tensor(rate)
        if is_rate_number and (rate < 0 or rate >= 1):
            raise ValueError("`rate` must be a scalar tensor or a float in the range [0, 1). "
                             "Received: rate=%s" % (rate,))
        x = convert_to_tensor(x)
        if not x.dtype.is_floating:
            raise ValueError("`x.dtype` must be a floating point tensor as `x` will be scaled. "
                             "Received: x_dtype=%s" % x.dtype.name)
        if is_rate_number and rate == 0:
            random_seed.get_seed(seed)  # consume the op seed as TF does (dummy_rng_step)
            return x
        if is_rate_number:
            ret = math_ops.multiply(x, constant(1 / (1 - rate), dtype=x.dtype))
        elif is_tensor(rate):
            rate = convert_to_tensor(rate)
            if rate.shape.ndims not in (None, 0):
                raise ValueError("Shape %s must have rank 0 (dropout rate %s)" % (rate.shape, rate.name))
            if rate.dtype != x.dtype:
                if not rate.dtype.is_floating:
                    raise ValueError("`x.dtype` must be compatible with `rate.dtype`. Received: "
                                     "x.dtype=%s and rate.dtype=%s" % (x.dtype.name, rate.dtype.name))
                rate = math_ops.cast(rate, x.dtype, name="rate")
            ret = math_ops.truediv(x, math_ops.subtract(constant(1, dtype=x.dtype), rate))
        else:
            raise ValueError("`rate` must be a scalar or scalar tensor. Received: rate=%s" % (rate,))
        random_tensor = _random_uniform(_noise_shape(x, noise_shape), x.dtype, seed)
        keep_mask = math_ops.greater_equal(random_tensor, rate)
        ret = array_ops.where_v2(keep_mask, ret, constant(0, dtype=x.dtype))
        ret.set_shape(x.shape)
        return ret


# --- embeddings ---------------------------------------------------------------------------

def _clip_embeddings(embeddings, ids, max_norm):
    """clip_by_norm of each looked-up embedding vector (the axes after ids' axes)."""
    if max_norm is None:
        return embeddings
    from . import clip_ops
    ids_rank, rank = ids.shape.ndims, embeddings.shape.ndims
    if ids_rank is None or rank is None:
        raise NotImplementedError("embedding_lookup with max_norm needs ids and params of static "
                                  "rank (ids %s, params %s)" % (ids.shape, embeddings.shape))
    return clip_ops.clip_by_norm(embeddings, max_norm, axes=list(range(ids_rank, rank)))


def _shard_rows(flat_ids, params, strategy):
    """(shard, row) of every id for TF's 'mod' or 'div' partitioning of ids over shards."""
    n = len(params)
    if strategy == "mod":
        return flat_ids % n, flat_ids // n
    dims = [p.shape[0] if p.shape.ndims else None for p in params]
    if all(d is not None for d in dims):
        total = constant(sum(dims), dtype=flat_ids.dtype)
    else:
        total = math_ops.add_n([math_ops.cast(array_ops.shape(p)[0], flat_ids.dtype) for p in params])
    per_shard = total // n
    extras = total % n
    shard = math_ops.maximum(flat_ids // (per_shard + 1), (flat_ids - extras) // per_shard)
    row = array_ops.where(shard < extras, flat_ids % (per_shard + 1), (flat_ids - extras) % per_shard)
    return shard, row


def _sharded_lookup(params, ids, strategy, scope):
    """Look ids up in a list of shards: the shards are concatenated and each id is mapped to
    offset[shard] + row, after checking at run time that its row exists in its shard."""
    n = len(params)
    flat_ids = array_ops.reshape(ids, [-1])
    shard, row = _shard_rows(flat_ids, params, strategy)
    sizes = [p.shape[0] if p.shape.ndims else None for p in params]
    if all(s is not None for s in sizes):
        sizes_t = constant(np.asarray(sizes), dtype=flat_ids.dtype)
        offsets_t = constant(np.concatenate([[0], np.cumsum(sizes)[:-1]]), dtype=flat_ids.dtype)
    else:
        parts = [constant(s, dtype=flat_ids.dtype) if s is not None
                 else math_ops.cast(array_ops.shape(p)[0], flat_ids.dtype) for s, p in zip(sizes, params)]
        sizes_t = array_ops.stack(parts)
        offsets = [constant(0, dtype=flat_ids.dtype)]
        for part in parts[:-1]:
            offsets.append(offsets[-1] + part)
        offsets_t = array_ops.stack(offsets)
    safe_shard = math_ops.minimum(math_ops.maximum(shard, 0), n - 1)
    valid = math_ops.logical_and(
        math_ops.equal(shard, safe_shard),
        math_ops.logical_and(row >= 0, row < array_ops.gather(sizes_t, safe_shard)))
    bad = array_ops.gather(flat_ids, array_ops.reshape(array_ops.where(math_ops.logical_not(valid)), [-1]))
    check = control_flow_ops.Assert(
        math_ops.reduce_all(valid),
        ["embedding_lookup: ids outside the %d shards (partition_strategy %r). Shard sizes:"
         % (n, strategy), sizes_t, "Invalid ids:", bad], summarize=10, name="check_ids")
    index = control_flow_ops.with_dependencies([check], array_ops.gather(offsets_t, safe_shard) + row)
    table = array_ops.concat(params, 0)
    element_shape = params[0].shape[1:]
    for p in params[1:]:
        element_shape = element_shape.merge_with(p.shape[1:])
    if element_shape.is_fully_defined():
        element_dims = array_ops.int_vector(element_shape.as_list())
    else:
        element_dims = array_ops.shape(params[0])[1:]
    gathered = array_ops.gather(table, index)
    out_shape = array_ops.concat([array_ops.shape(ids), element_dims], 0)
    ret = array_ops.reshape(gathered, out_shape, name=scope)
    ret.set_shape(ids.shape.concatenate(element_shape))
    return ret


def embedding_lookup(params, ids, partition_strategy="mod", name=None, validate_indices=True,
                     max_norm=None):
    """params[ids] (rows of an embedding table), shape ids.shape + params.shape[1:].

    params: one tensor (or Variable), or a list of shards split along dimension 0 as TF's
    `partition_strategy` says: 'mod' puts id i in shard i % n at row i // n, 'div' splits
    the ids contiguously (the first shards one row bigger when uneven). An id outside the
    table is an InvalidArgumentError. max_norm: clip each embedding to that L2 norm.
    """
    if params is None:
        raise ValueError("params must be specified")
    if isinstance(params, (list, tuple)) and not params:
        raise ValueError("Length of params is currently 0. Need at least one param.")
    if not isinstance(params, (list, tuple)):
        params = [params]
    params = list(params)
    with name_scope(name, "embedding_lookup", params + [ids]) as scope:
        params = [convert_to_tensor(p) for p in params]
        ids = convert_to_tensor(ids)
        _check_dtype(ids, "indices", "GatherV2", _INDEX)
        if len(params) == 1:
            result = _clip_embeddings(array_ops.gather(params[0], ids, name=scope), ids, max_norm)
            return array_ops.identity(result)
        if partition_strategy not in ("mod", "div"):
            raise ValueError("Unrecognized partition strategy: %s.Must be one of either `mod` or "
                             "`div`." % partition_strategy)
        return _clip_embeddings(_sharded_lookup(params, ids, partition_strategy, scope), ids, max_norm)


# --- statistics and normalization ---------------------------------------------------------

def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """(mean, variance) of x over `axes` (population variance, E[(x - mean)^2]); `shift` is
    unused, as in TF."""
    if keepdims is not None:
        if keep_dims is not None:
            raise ValueError("Cannot specify both 'keep_dims' and 'keepdims'.")
        keep_dims = keepdims
    with name_scope(name, "moments", [x, axes]):
        y = convert_to_tensor(x)
        mean = math_ops.reduce_mean(y, axes, keepdims=True, name="mean")
        variance = math_ops.reduce_mean(
            math_ops.squared_difference(y, array_ops.stop_gradient(mean)), axes, keepdims=True,
            name="variance")
        if not keep_dims:
            axes_list = [axes] if isinstance(axes, (int, np.integer)) else list(axes)
            mean = array_ops.squeeze(mean, axes_list)
            variance = array_ops.squeeze(variance, axes_list)
        return mean, variance


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """x / sqrt(max(sum(x ** 2, axis), epsilon)) along `axis` (all axes when None)."""
    axis = _axis_arg(axis, dim)
    with name_scope(name, "l2_normalize", [x]) as scope:
        x = convert_to_tensor(x)
        square_sum = math_ops.reduce_sum(math_ops.square(x), axis, keepdims=True)
        x_inv_norm = math_ops.rsqrt(math_ops.maximum(square_sum, epsilon))
        return math_ops.multiply(x, x_inv_norm, name=scope)


def in_top_k(predictions, targets, k, name=None):
    """out[i] = whether predictions[i, targets[i]] is among the k largest of row i: fewer
    than k entries are strictly larger (so ties count in its favour). False when the target
    is out of range or the row holds a non-finite value (TF's InTopK kernel)."""
    with name_scope(name, "in_top_k", [predictions, targets]) as scope:
        predictions = convert_to_tensor(predictions)
        targets = convert_to_tensor(targets)
        _check_dtype(predictions, "predictions", "InTopKV2", (dtypes.float32,))
        _check_dtype(targets, "targets", "InTopKV2", _INDEX)
        if predictions.shape.ndims not in (None, 2) or targets.shape.ndims not in (None, 1):
            raise ValueError("in_top_k needs predictions of rank 2 and targets of rank 1, got "
                             "shapes %s and %s" % (predictions.shape, targets.shape))
        num_classes = predictions.shape[1]
        if num_classes is None:
            num_classes = math_ops.cast(array_ops.shape(predictions)[1], targets.dtype)
        classes = array_ops.range(0, num_classes, 1, dtype=targets.dtype)
        hot = math_ops.equal(array_ops.expand_dims(targets, -1), classes)
        target_value = math_ops.reduce_sum(
            array_ops.where_v2(hot, predictions, constant(0, dtype=predictions.dtype)), 1, keepdims=True)
        larger = math_ops.reduce_sum(
            math_ops.cast(math_ops.greater(predictions, target_value), dtypes.int32), 1)
        known = math_ops.logical_and(math_ops.reduce_any(hot, 1),
                                     math_ops.reduce_all(math_ops.is_finite(predictions), 1))
        k = convert_to_tensor(k, dtype=dtypes.int32 if not is_tensor(k) else None)
        return math_ops.logical_and(known, math_ops.less(larger, math_ops.cast(k, dtypes.int32)),
                                    name=scope)
