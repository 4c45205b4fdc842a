"""Property-based tests (hypothesis): static shape inference agrees with the values the
reference target computes, for broadcasting, reductions, slicing and reshapes, with any mix
of known and unknown dimensions."""
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnngraph as tf
from rnngraph.primitives.common import broadcast_static
from rnngraph.framework.primitive import ShapeError
from rnngraph.framework.tensor_shape import TensorShape

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

dims = st.integers(min_value=1, max_value=4)
shapes = st.lists(dims, min_size=0, max_size=4)


@st.composite
def broadcastable_pair(draw):
    """Two shapes that broadcast: each dim of the shorter is 1 or equal to the longer's."""
    out = draw(shapes)
    k = draw(st.integers(0, len(out)))
    other = [draw(st.sampled_from([1, d])) for d in out[len(out) - k:]]
    return (out, other) if draw(st.booleans()) else (other, out)


def _hide(shape, mask):
    """The shape with dims hidden (None) where mask is true: what a placeholder may know."""
    return [None if m else d for d, m in zip(shape, mask)]


@SETTINGS
@given(broadcastable_pair(), st.data())
def test_broadcast_inference_matches_numpy(pair, data):
    a_shape, b_shape = pair
    a_mask = data.draw(st.lists(st.booleans(), min_size=len(a_shape), max_size=len(a_shape)))
    b_mask = data.draw(st.lists(st.booleans(), min_size=len(b_shape), max_size=len(b_shape)))
    with tf.Graph().as_default():
        a = tf.placeholder(tf.float32, _hide(a_shape, a_mask))
        b = tf.placeholder(tf.float32, _hide(b_shape, b_mask))
        for op in (tf.add, tf.multiply, tf.maximum, tf.less):
            out = op(a, b)
            expected = np.broadcast_shapes(tuple(a_shape), tuple(b_shape))
            assert out.shape.is_compatible_with(expected)
            assert out.shape.ndims == len(expected)
            with tf.Session() as s:
                value = s.run(out, {a: np.ones(a_shape), b: np.ones(b_shape)})
            assert value.shape == expected


@SETTINGS
@given(shapes, shapes)
def test_broadcast_static_rejects_exactly_what_numpy_rejects(a, b):
    try:
        expected = np.broadcast_shapes(tuple(a), tuple(b))
    except ValueError:
        expected = None
    try:
        got = broadcast_static(TensorShape(a), TensorShape(b))
    except ShapeError:
        got = None
    assert (got is None) == (expected is None)
    if got is not None:
        assert got.as_list() == list(expected)


@SETTINGS
@given(st.lists(dims, min_size=1, max_size=4), st.data())
def test_reduction_inference_matches_values(shape, data):
    rank = len(shape)
    axes = data.draw(st.lists(st.integers(-rank, rank - 1), max_size=rank, unique=True))
    keep = data.draw(st.booleans())
    mask = data.draw(st.lists(st.booleans(), min_size=rank, max_size=rank))
    x_val = np.random.RandomState(0).randn(*shape).astype(np.float32)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, _hide(shape, mask))
        normalized = {a % rank for a in axes}
        if len(normalized) != len(axes):
            return
        out = tf.reduce_sum(x, axis=axes or None, keepdims=keep)
        with tf.Session() as s:
            value = s.run(out, {x: x_val})
    ref = np.sum(x_val, axis=tuple(axes) if axes else None, keepdims=keep)
    assert out.shape.is_compatible_with(ref.shape)
    np.testing.assert_allclose(value, ref, rtol=1e-5, atol=1e-5)


index_item = st.one_of(
    st.integers(-4, 3),
    st.builds(slice, st.one_of(st.none(), st.integers(-5, 5)), st.one_of(st.none(), st.integers(-5, 5)),
              st.one_of(st.none(), st.sampled_from([-2, -1, 1, 2, 3]))),
    st.just(Ellipsis), st.none())


@SETTINGS
@given(st.lists(dims, min_size=1, max_size=3), st.lists(index_item, min_size=1, max_size=3), st.data())
def test_getitem_matches_numpy(shape, index, data):
    if sum(i is Ellipsis for i in index) > 1:
        return
    value = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    try:
        ref = value[tuple(index)]
    except IndexError:
        ref = None
    mask = data.draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)))
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, _hide(shape, mask))
        try:
            out = x[tuple(index)]
        except ValueError:  # statically out of range: numpy must agree
            assert ref is None
            return
        with tf.Session() as s:
            if ref is None:
                try:
                    s.run(out, {x: value})
                except tf.errors.InvalidArgumentError:
                    return
                raise AssertionError("expected an out-of-range error")
            got = s.run(out, {x: value})
    assert out.shape.is_compatible_with(ref.shape)
    np.testing.assert_array_equal(got, ref)


@SETTINGS
@given(st.lists(dims, min_size=1, max_size=4), st.data())
def test_reshape_with_inferred_dim(shape, data):
    n = int(np.prod(shape))
    divisors = [d for d in range(1, n + 1) if n % d == 0]
    d = data.draw(st.sampled_from(divisors))
    target = data.draw(st.permutations([d, -1]))
    mask = data.draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)))
    value = np.arange(n, dtype=np.float32).reshape(shape)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, _hide(shape, mask))
        out = tf.reshape(x, target)
        with tf.Session() as s:
            got = s.run(out, {x: value})
    ref = value.reshape(target)
    assert out.shape.is_compatible_with(ref.shape)
    np.testing.assert_array_equal(got, ref)
