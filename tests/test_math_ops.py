"""Math ops: values against NumPy, TF1 dtype rules, shape inference with unknown dims,
and run-time errors."""
import numpy as np
import pytest
import scipy.special

import rnngraph as tf
from rnngraph import errors

R = np.random.RandomState(0)
X = R.randn(3, 4).astype(np.float32)
Y = R.randn(3, 4).astype(np.float32)
POS = (np.abs(X) + 0.1).astype(np.float32)

UNARY = [
    (tf.negative, X, np.negative), (tf.abs, X, np.abs), (tf.sign, X, np.sign),
    (tf.square, X, np.square), (tf.sqrt, POS, np.sqrt), (tf.rsqrt, POS, lambda v: 1 / np.sqrt(v)),
    (tf.exp, X, np.exp), (tf.expm1, X, np.expm1), (tf.log, POS, np.log), (tf.log1p, POS, np.log1p),
    (tf.tanh, X, np.tanh), (tf.sigmoid, X, scipy.special.expit), (tf.floor, X, np.floor),
    (tf.ceil, X, np.ceil), (tf.round, X * 3, np.round), (tf.reciprocal, POS, np.reciprocal),
    (tf.sin, X, np.sin), (tf.cos, X, np.cos), (tf.erf, X, scipy.special.erf),
]


@pytest.mark.parametrize("fn,x,ref", UNARY, ids=[u[0].__name__ for u in UNARY])
def test_unary(sess, fn, x, ref):
    out = sess.run(fn(tf.constant(x)))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, ref(x), rtol=1e-6, atol=1e-6)


BINARY = [
    (tf.add, np.add), (tf.subtract, np.subtract), (tf.multiply, np.multiply),
    (tf.maximum, np.maximum), (tf.minimum, np.minimum),
    (tf.squared_difference, lambda a, b: (a - b) ** 2), (tf.pow, np.power),
    (tf.equal, np.equal), (tf.not_equal, np.not_equal), (tf.less, np.less),
    (tf.less_equal, np.less_equal), (tf.greater, np.greater), (tf.greater_equal, np.greater_equal),
]


@pytest.mark.parametrize("fn,ref", BINARY, ids=[b[0].__name__ for b in BINARY])
def test_binary_broadcasting(sess, fn, ref):
    a = POS if fn is tf.pow else X
    b = Y[:1]  # [1,4] broadcasts against [3,4]
    out = sess.run(fn(tf.constant(a), tf.constant(b)))
    np.testing.assert_allclose(out, ref(a, b), rtol=1e-6, atol=1e-6)


def test_python_operators(sess):
    a = tf.constant(X)
    out = sess.run([a + 1, 1 - a, a * 2, 2 / (a * a + 1), -a, abs(a), a ** 2, a // 1.0, a % 1.0,
                    a < 0, a >= 0, a @ tf.transpose(a)])
    refs = [X + 1, 1 - X, X * 2, 2 / (X * X + 1), -X, np.abs(X), X ** 2, X // 1, X % 1,
            X < 0, X >= 0, X @ X.T]
    for o, r in zip(out, refs):
        np.testing.assert_allclose(o, r, rtol=1e-5, atol=1e-6)
    t, f = tf.constant([True, False]), tf.constant([True, True])
    np.testing.assert_array_equal(sess.run([t & f, t | f, t ^ f, ~t]),
                                  [[True, False], [True, True], [False, True], [False, True]])


def test_division_semantics(sess):
    i = tf.constant([7, -7], name="i")
    j = tf.constant([2, 2])
    out = sess.run({"truediv": i / j, "div": tf.div(i, j), "floordiv": i // j,
                    "mod": i % j, "truncatediv": tf.truncatediv(i, j), "divide": tf.divide(i, j)})
    assert out["truediv"].dtype == np.float64  # int32 / int32 -> float64, as TF1
    np.testing.assert_array_equal(out["truediv"], [3.5, -3.5])
    np.testing.assert_array_equal(out["div"], [3, -4])  # Python 2 semantics: floor
    np.testing.assert_array_equal(out["floordiv"], [3, -4])
    np.testing.assert_array_equal(out["mod"], [1, 1])
    np.testing.assert_array_equal(out["truncatediv"], [3, -3])
    with pytest.raises(errors.InvalidArgumentError, match="Integer division by zero"):
        sess.run(i // tf.constant([1, 0]))
    f = tf.constant([7.0, -7.0])
    np.testing.assert_array_equal(sess.run(tf.div(f, 2.0)), [3.5, -3.5])


def test_integer_pow_negative_exponent_is_error(sess):
    with pytest.raises(errors.InvalidArgumentError, match="negative integer powers"):
        sess.run(tf.pow(tf.constant([2]), tf.constant([-1])))


def test_cast(sess):
    x = tf.constant([1.7, -1.7, 0.0])
    out = sess.run([tf.cast(x, tf.int32), tf.cast(x, tf.bool), tf.to_int64(x), tf.to_double(x)])
    np.testing.assert_array_equal(out[0], [1, -1, 0])
    np.testing.assert_array_equal(out[1], [True, True, False])
    assert out[2].dtype == np.int64 and out[3].dtype == np.float64
    assert tf.cast(x, tf.float32) is x


@pytest.mark.parametrize("name,np_fn", [("reduce_sum", np.sum), ("reduce_mean", np.mean),
                                        ("reduce_max", np.max), ("reduce_min", np.min),
                                        ("reduce_prod", np.prod)])
@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (1, True), (-1, False),
                                           ([0, 1], False), ((), False)])
def test_reductions(sess, name, np_fn, axis, keepdims):
    fn = getattr(tf, name)
    out = fn(tf.constant(X), axis=axis, keepdims=keepdims)
    np_axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    ref = X if np_axis == () else np_fn(X, axis=np_axis, keepdims=keepdims)
    assert out.shape.as_list() == list(np.shape(ref))
    np.testing.assert_allclose(sess.run(out), ref, rtol=1e-5, atol=1e-6)


def test_reduction_int_mean_truncates_and_keeps_dtype(sess):
    i = tf.constant([[1, 2], [4, -7]])
    out = sess.run([tf.reduce_mean(i), tf.reduce_mean(i, axis=0), tf.reduce_sum(i)])
    assert out[0] == 0 and out[0].dtype == np.int32  # 0/4 = 0
    np.testing.assert_array_equal(out[1], [2, -2])  # -5/2 truncates to -2
    assert out[2] == 0 and out[2].dtype == np.int32


def test_bool_reductions_and_legacy_arguments(sess):
    b = tf.constant([[True, False], [True, True]])
    out = sess.run([tf.reduce_all(b, 1), tf.reduce_any(b, reduction_indices=[0]),
                    tf.reduce_sum(tf.constant(X), reduction_indices=1, keep_dims=True)])
    np.testing.assert_array_equal(out[0], [False, True])
    np.testing.assert_array_equal(out[1], [True, True])
    assert out[2].shape == (3, 1)


def test_reduction_shape_inference_unknown_dims():
    x = tf.placeholder(tf.float32, [None, 4, None])
    assert tf.reduce_sum(x, 1).shape.as_list() == [None, None]
    assert tf.reduce_sum(x, [0, 2], keepdims=True).shape.as_list() == [1, 4, 1]
    u = tf.placeholder(tf.float32)
    assert tf.reduce_max(u, 0).shape.ndims is None
    with pytest.raises(ValueError, match="Invalid reduction dimension 3"):
        tf.reduce_sum(x, 3)


def test_argmax_argmin(sess):
    out = sess.run([tf.argmax(X, 1), tf.argmin(X, axis=0, output_type=tf.int32), tf.argmax(X)])
    np.testing.assert_array_equal(out[0], X.argmax(1))
    assert out[0].dtype == np.int64 and out[1].dtype == np.int32
    np.testing.assert_array_equal(out[1], X.argmin(0))
    np.testing.assert_array_equal(out[2], X.argmax(0))


def test_matmul_variants(sess):
    a = R.randn(2, 3).astype(np.float32)
    b = R.randn(4, 3).astype(np.float32)
    out = sess.run([tf.matmul(a, b, transpose_b=True), tf.matmul(b, a, transpose_a=False, transpose_b=True),
                    tf.matmul(a.T.copy(), b.T.copy(), transpose_a=True)])
    np.testing.assert_allclose(out[0], a @ b.T, rtol=1e-5)
    np.testing.assert_allclose(out[1], b @ a.T, rtol=1e-5)
    np.testing.assert_allclose(out[2], a @ b.T, rtol=1e-5)
    batch = R.randn(5, 2, 3).astype(np.float32)
    w = R.randn(3, 4).astype(np.float32)
    t = tf.matmul(batch, tf.constant(np.broadcast_to(w, (5, 3, 4)).copy()))
    assert t.shape.as_list() == [5, 2, 4]
    np.testing.assert_allclose(sess.run(t), batch @ w, rtol=1e-5)


def test_matmul_unknown_inner_dim_runtime_error(sess):
    a = tf.placeholder(tf.float32, [2, None])
    b = tf.placeholder(tf.float32, [None, 2])
    with pytest.raises(errors.InvalidArgumentError):
        sess.run(tf.matmul(a, b), {a: np.zeros((2, 3)), b: np.zeros((4, 2))})


def test_add_n_and_count_nonzero(sess):
    out = sess.run([tf.add_n([X, Y, X]), tf.count_nonzero(tf.constant([0, 1, 2, 0]))])
    np.testing.assert_allclose(out[0], X + Y + X, rtol=1e-6)
    assert out[1] == 2 and out[1].dtype == np.int64


def test_logical_and_predicates(sess):
    v = tf.constant([1.0, np.nan, np.inf])
    out = sess.run([tf.is_nan(v), tf.is_inf(v), tf.is_finite(v), tf.logical_not(tf.is_nan(v))])
    np.testing.assert_array_equal(out, [[False, True, False], [False, False, True],
                                        [True, False, False], [True, False, True]])
