"""clip_by_value, clip_by_norm, global_norm, clip_by_global_norm, clip_by_average_norm
against NumPy versions of TF's formulas."""
import numpy as np
import pytest

import rnngraph as tf


def run(fetches, feed=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed)


RNG = np.random.RandomState(7)
X = (RNG.randn(3, 4) * 2).astype(np.float32)


def np_clip_by_norm(t, c, axes=None):
    l2 = np.sqrt(np.sum(t * t, axis=axes, keepdims=True))
    return t * c / np.maximum(l2, c)


# --- clip_by_value ---------------------------------------------------------------------------

def test_clip_by_value_scalars_tensors_ints():
    lo = RNG.randn(3, 4).astype(np.float32) - 1
    hi = lo + 2
    out = run({"s": tf.clip_by_value(X, -0.5, 0.5),
               "t": tf.clip_by_value(tf.constant(X), tf.constant(lo), tf.constant(hi)),
               "i": tf.clip_by_value(tf.constant([-5, 0, 3, 9]), 0, 4)})
    np.testing.assert_array_equal(out["s"], np.clip(X, -0.5, 0.5))
    np.testing.assert_array_equal(out["t"], np.minimum(np.maximum(X, lo), hi))
    np.testing.assert_array_equal(out["i"], [0, 0, 3, 4])
    assert out["i"].dtype == np.int32 and out["s"].dtype == np.float32


def test_clip_by_value_shape_name_and_no_broadcast():
    x = tf.placeholder(tf.float64, [None, 4])
    y = tf.clip_by_value(x, 0.0, 1.0)
    assert y.shape.as_list() == [None, 4] and y.dtype == tf.float64
    assert y.name == "clip_by_value:0"
    with pytest.raises(ValueError, match="incompatible"):
        tf.clip_by_value(tf.zeros([4]), tf.zeros([3, 4]), 1.0)


# --- clip_by_norm ----------------------------------------------------------------------------

def test_clip_by_norm_values():
    x = tf.constant(X)
    out = run({"above": tf.clip_by_norm(x, 1.0), "below": tf.clip_by_norm(x, 100.0),
               "axes1": tf.clip_by_norm(x, 1.5, axes=[1]), "axes0": tf.clip_by_norm(x, 1.5, axes=0),
               "tensor": tf.clip_by_norm(x, tf.constant(2.0)),
               "zeros": tf.clip_by_norm(tf.zeros([2, 2]), 1.0)})
    np.testing.assert_allclose(out["above"], np_clip_by_norm(X, 1.0), rtol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(out["above"]), 1.0, rtol=1e-6)
    np.testing.assert_allclose(out["below"], X, rtol=1e-6)
    np.testing.assert_allclose(out["axes1"], np_clip_by_norm(X, 1.5, axes=1), rtol=1e-6)
    np.testing.assert_allclose(out["axes0"], np_clip_by_norm(X, 1.5, axes=0), rtol=1e-6)
    np.testing.assert_allclose(out["tensor"], np_clip_by_norm(X, 2.0), rtol=1e-6)
    np.testing.assert_array_equal(out["zeros"], np.zeros((2, 2)))  # no NaN for a zero norm


def test_clip_by_norm_negative_clip_norm_is_zero():
    out = run([tf.clip_by_norm(X, -1.0), tf.clip_by_norm(X, tf.constant(-1.0))])
    for v in out:
        np.testing.assert_array_equal(v, np.zeros_like(X))


def test_clip_by_norm_shape_and_name():
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.clip_by_norm(x, 1.0, axes=[1], name="clipped")
    assert y.shape.as_list() == [None, 3] and y.name == "clipped:0"
    v = RNG.randn(5, 3).astype(np.float32)
    np.testing.assert_allclose(run(y, {x: v}), np_clip_by_norm(v, 1.0, axes=1), rtol=1e-6)


# --- global_norm / clip_by_global_norm -------------------------------------------------------

A = RNG.randn(3, 4).astype(np.float32)
B = RNG.randn(5).astype(np.float32)
C = RNG.randn(2, 2, 2).astype(np.float32)


def np_global_norm(*ts):
    return np.sqrt(sum(np.sum(t.astype(np.float64) ** 2) for t in ts))


def test_global_norm():
    a, b = tf.constant(A), tf.constant(B)
    n = tf.global_norm([a, None, b])
    assert n.shape.as_list() == [] and n.name == "global_norm/global_norm:0"
    np.testing.assert_allclose(run(n), np_global_norm(A, B), rtol=1e-6)
    np.testing.assert_allclose(run(tf.global_norm((b,))), np.linalg.norm(B), rtol=1e-6)
    with pytest.raises(TypeError, match="sequence of tensors"):
        tf.global_norm(a)


def test_clip_by_global_norm_values():
    ts = [tf.constant(A), tf.constant(B), tf.constant(C)]
    norm = np_global_norm(A, B, C)
    clipped, n = tf.clip_by_global_norm(ts, 1.0)
    unclipped, n2 = tf.clip_by_global_norm(ts, 100.0)
    out = run([clipped, n, unclipped, n2])
    np.testing.assert_allclose(out[1], norm, rtol=1e-6)
    np.testing.assert_allclose(out[3], norm, rtol=1e-6)
    for got, want in zip(out[0], (A, B, C)):
        np.testing.assert_allclose(got, want / norm, rtol=1e-5)
    for got, want in zip(out[2], (A, B, C)):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    np.testing.assert_allclose(np_global_norm(*out[0]), 1.0, rtol=1e-5)


def test_clip_by_global_norm_use_norm_and_none():
    ts = [tf.constant(A), None, tf.constant(B)]
    clipped, n = tf.clip_by_global_norm(ts, 2.0, use_norm=tf.constant(4.0))
    assert clipped[1] is None
    got = run([clipped[0], clipped[2], n])
    np.testing.assert_allclose(got[0], A * 0.5, rtol=1e-6)
    np.testing.assert_allclose(got[1], B * 0.5, rtol=1e-6)
    assert got[2] == 4.0


def test_clip_by_global_norm_inf_gives_nan():
    clipped, n = tf.clip_by_global_norm([tf.constant(A), tf.constant([np.inf, 1.0])], 1.0)
    got = run([clipped, n])
    assert np.isinf(got[1])
    assert np.all(np.isnan(got[0][0])) and np.all(np.isnan(got[0][1]))


def test_clip_by_global_norm_shapes():
    x = tf.placeholder(tf.float32, [None, 4])
    clipped, n = tf.clip_by_global_norm([x, tf.constant(B)], 1.0)
    assert clipped[0].shape.as_list() == [None, 4] and clipped[1].shape.as_list() == [5]
    assert n.shape.as_list() == []


# --- clip_by_average_norm --------------------------------------------------------------------

@pytest.mark.parametrize("clip", [0.3, 30.0])
def test_clip_by_average_norm(clip):
    got = run(tf.clip_by_average_norm(tf.constant(X), clip))
    l2norm_inv = 1 / np.sqrt(np.sum(X.astype(np.float64) ** 2))
    want = X * clip * np.minimum(l2norm_inv * X.size, 1.0 / clip)
    np.testing.assert_allclose(got, want, rtol=1e-5)
