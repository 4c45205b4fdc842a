"""Feed handling: resolve feed_dict keys to tensors and check values against them.

A feed whose shape does not fit the tensor's static shape is a ValueError and one whose
dtype cannot be converted without losing information (a float fed to an int placeholder)
is a TypeError, both naming the tensor, before anything runs (TF1's behaviour for shapes;
TF1 silently truncates floats fed to ints, which we refuse).
"""
import numpy as np

from rnngraph.framework import nest


def resolve_key(graph, key):
    if hasattr(key, "_as_feed_tensor"):
        key = key._as_feed_tensor()
    try:
        return graph.as_graph_element(key, allow_tensor=True, allow_operation=False)
    except (KeyError, ValueError) as e:
        raise TypeError("Cannot interpret feed_dict key as Tensor: %s" % e) from None
    except TypeError:
        raise TypeError("Cannot interpret feed_dict key as Tensor: %r of type %s"
                        % (key, type(key).__name__)) from None


def convert_value(tensor, value):
    """The fed value as an array of the tensor's dtype, checked for dtype and shape."""
    target = tensor.dtype.np
    try:
        arr = np.asarray(value)
    except Exception as e:
        raise TypeError("Cannot feed %r for Tensor '%s': %s" % (value, tensor.name, e)) from None
    if arr.dtype == object or arr.dtype.kind in "USVc":
        raise TypeError("Cannot feed value of type %s (numpy dtype %s) for Tensor '%s', which has "
                        "dtype %s" % (type(value).__name__, arr.dtype, tensor.name, tensor.dtype.name))
    if arr.dtype != target:
        if not np.can_cast(arr.dtype, target, casting="same_kind"):
            raise TypeError("Cannot feed value of dtype %s for Tensor '%s', which has dtype %s: "
                            "the conversion would lose information" % (arr.dtype, tensor.name,
                                                                       tensor.dtype.name))
        if arr.dtype.kind in "iu" and target.kind in "iu" and arr.size:
            info = np.iinfo(target)
            if arr.min() < info.min or arr.max() > info.max:
                raise TypeError("Cannot feed value for Tensor '%s' (dtype %s): values out of range "
                                "[%d, %d]" % (tensor.name, tensor.dtype.name, info.min, info.max))
        arr = arr.astype(target)
    if not tensor.shape.is_compatible_with(arr.shape):
        raise ValueError("Cannot feed value of shape %s for Tensor '%s', which has shape '%s'"
                         % (tuple(arr.shape), tensor.name, tensor.shape))
    return arr


def normalize_feeds(graph, feed_dict):
    """[(Tensor, ndarray)] from a feed_dict (keys: Tensors, names, or nested tuples)."""
    out = {}
    for key, value in (feed_dict or {}).items():
        if nest.is_sequence(key):  # e.g. an LSTMStateTuple fed with a tuple of arrays (TF1)
            keys = nest.flatten(key)
            values = nest.flatten_up_to(key, value) if nest.is_sequence(value) else []
            if len(values) != len(keys):
                raise ValueError("Cannot feed %r for the nested feed_dict key %r: the value must "
                                 "have the key's structure (%d tensors)" % (value, key, len(keys)))
        else:
            keys, values = [key], [value]
        for k, v in zip(keys, values):
            tensor = resolve_key(graph, k)
            out[tensor] = convert_value(tensor, v)
    return list(out.items())


