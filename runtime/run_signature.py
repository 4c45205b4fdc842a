"""The signature of a Session.run call, so that a repeated call skips resolving and checking.

A training or inference loop calls `sess.run(train_op, {x: batch})` with the same fetch
objects and feed tensors, and arrays of the same shapes and dtypes, thousands of times.
Resolving the fetches (FetchPlan), checking the feeds (normalize_feeds) and finding the
executable took about 5 microseconds of every call, a twentieth of a tiny LSTM's forward
pass. `run_signature` is a hashable key for the calls whose answer cannot change while the
key is the same: fetches that are a Tensor, an Operation or a plain list or tuple of them
(graph elements are never renamed or removed, so each resolves to itself), and feeds keyed
by Tensors with NumPy arrays as values (the key holds their shapes and dtypes, all that
normalize_feeds checks of them). Anything else (names, nested structures, Python values)
has no signature and takes the general path every time.
"""
import numpy as np

from rnngraph.framework.graph import Operation, Tensor


def run_signature(fetches, feed_dict):
    """A hashable key for this call, or None where it has none (see the module doc)."""
    kind = type(fetches)
    if kind is Tensor or kind is Operation:
        fetch_key = fetches
    elif (kind is list or kind is tuple) and all(
            type(f) is Tensor or type(f) is Operation for f in fetches):
        fetch_key = (kind, *fetches)
    else:
        return None
    if not feed_dict:
        return fetch_key, ()
    if type(feed_dict) is not dict:
        return None
    feed_key = []
    for tensor, value in feed_dict.items():
        if type(tensor) is not Tensor or type(value) is not np.ndarray:
            return None
        feed_key += (tensor, value.shape, value.dtype)
    return fetch_key, tuple(feed_key)


def feeds_pass_unchanged(feed_dict, feeds):
    """Whether normalize_feeds kept every fed array as it was (no dtype conversion): only
    then may a later call with the same signature pass its arrays straight through."""
    return len(feeds) == len(feed_dict or ()) and all(
        value is feed_dict.get(tensor) for tensor, value in feeds)
