"""tf.nn ops against NumPy versions of TF's formulas: activations, softmax, the
cross-entropies, bias_add, dropout, embedding_lookup, moments, l2_normalize, in_top_k."""
import numpy as np
import pytest
import scipy.special

import rnngraph as tf
from rnngraph.errors import InvalidArgumentError


def run(fetches, feed=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed)


RNG = np.random.RandomState(3)
X = (RNG.randn(3, 5) * 3).astype(np.float32)
X3 = RNG.randn(2, 3, 4).astype(np.float32)
BIG = np.array([-100, -20, -1e-3, 0, 1e-3, 20, 100], np.float32)


def np_log_softmax(x, axis=-1):
    x = x.astype(np.float64)
    return x - scipy.special.logsumexp(x, axis=axis, keepdims=True)


def np_softmax(x, axis=-1):
    return np.exp(np_log_softmax(x, axis))


def test_namespace():
    assert tf.nn.sigmoid is tf.sigmoid and tf.nn.tanh is tf.tanh
    for name in ("relu", "softmax", "dropout", "embedding_lookup", "bias_add", "moments"):
        assert callable(getattr(tf.nn, name))


# --- activations ---------------------------------------------------------------------------

SELU_SCALE, SELU_ALPHA = 1.0507009873554805, 1.6732632423543772

ACTIVATIONS = {
    "relu": (tf.nn.relu, lambda x: np.maximum(x, 0)),
    "relu6": (tf.nn.relu6, lambda x: np.minimum(np.maximum(x, 0), 6)),
    "elu": (tf.nn.elu, lambda x: np.where(x < 0, np.exp(x) - 1, x)),
    "selu": (tf.nn.selu, lambda x: SELU_SCALE * np.where(x < 0, SELU_ALPHA * (np.exp(x) - 1), x)),
    "leaky_relu": (tf.nn.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x)),
    "softplus": (tf.nn.softplus, lambda x: np.logaddexp(x, 0)),
    "softsign": (tf.nn.softsign, lambda x: x / (1 + np.abs(x))),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activation_values(name, dtype):
    fn, ref = ACTIVATIONS[name]
    for v in (X.astype(dtype), BIG.astype(dtype)):
        got = run(fn(tf.constant(v)))
        assert got.dtype == dtype
        np.testing.assert_allclose(got, ref(v.astype(np.float64)), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_shape_and_name(name):
    x = tf.placeholder(tf.float32, [None, 5])
    y = ACTIVATIONS[name][0](x, name="act")
    assert y.shape.as_list() == [None, 5] and y.name == "act:0"


def test_relu_int_and_leaky_relu_variants():
    got = run({"relu": tf.nn.relu(tf.constant([-3, 0, 2])),
               "relu6": tf.nn.relu6(tf.constant([-1, 3, 9])),
               "leaky_int": tf.nn.leaky_relu(tf.constant([-3, 2, 0])),
               "leaky_a": tf.nn.leaky_relu(tf.constant(X), alpha=1.5)})
    np.testing.assert_array_equal(got["relu"], [0, 0, 2])
    np.testing.assert_array_equal(got["relu6"], [0, 3, 6])
    assert got["leaky_int"].dtype == np.float32  # TF casts integer features to float32
    np.testing.assert_allclose(got["leaky_int"], [-0.6, 2, 0], rtol=1e-6)
    np.testing.assert_allclose(got["leaky_a"], np.where(X > 0, X, 1.5 * X), rtol=1e-6)


def test_relu_layer():
    w = RNG.randn(5, 2).astype(np.float32)
    got = run(tf.nn.relu_layer(tf.constant(X), tf.constant(w), tf.constant([0.5, -0.5])))
    np.testing.assert_allclose(got, np.maximum(X @ w + [0.5, -0.5], 0), rtol=1e-5, atol=1e-6)


# --- softmax -------------------------------------------------------------------------------

def test_softmax_and_log_softmax_axes():
    x2, x3 = tf.constant(X), tf.constant(X3)
    got = run({"r2": tf.nn.softmax(x2), "axis0": tf.nn.softmax(x2, axis=0),
               "dim0": tf.nn.softmax(x2, dim=0), "r3_ax1": tf.nn.softmax(x3, axis=1),
               "r3_m2": tf.nn.softmax(x3, axis=-2), "r1": tf.nn.softmax(tf.constant([1.0, 2.0, 3.0])),
               "log_r2": tf.nn.log_softmax(x2), "log_r3_ax1": tf.nn.log_softmax(x3, axis=1)})
    np.testing.assert_allclose(got["r2"], np_softmax(X), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got["axis0"], np_softmax(X, 0), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got["dim0"], np_softmax(X, 0), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got["r3_ax1"], np_softmax(X3, 1), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got["r3_m2"], np_softmax(X3, 1), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got["r1"], np_softmax(np.array([1.0, 2.0, 3.0])), rtol=1e-5)
    np.testing.assert_allclose(got["log_r2"], np_log_softmax(X), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got["log_r3_ax1"], np_log_softmax(X3, 1), rtol=1e-5, atol=1e-6)


def test_softmax_large_and_infinite_logits():
    v = np.array([[1000, 1001, 1002], [-1000, 0, 1000], [-np.inf, 0, 1]], np.float32)
    sm, lsm = run([tf.nn.softmax(tf.constant(v)), tf.nn.log_softmax(tf.constant(v))])
    np.testing.assert_allclose(sm, np_softmax(v), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(lsm, np_log_softmax(v), rtol=1e-5, atol=1e-5)
    assert np.isneginf(lsm[2, 0]) and sm[2, 0] == 0


def test_softmax_shapes_names_dtypes():
    x = tf.placeholder(tf.float64, [None, None])
    y = tf.nn.softmax(x)
    assert y.shape.as_list() == [None, None] and y.dtype == tf.float64 and y.name == "Softmax:0"
    assert tf.nn.log_softmax(x).name == "LogSoftmax:0"
    u = tf.nn.softmax(tf.placeholder(tf.float32))
    assert u.shape.ndims is None
    v = RNG.randn(2, 3)
    np.testing.assert_allclose(run(y, {x: v}), np_softmax(v), rtol=1e-12)


def test_softmax_unknown_rank_runs():
    u = tf.placeholder(tf.float32)
    labels = tf.placeholder(tf.int32)
    y = tf.nn.softmax(u)
    c = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=u)
    got = run([y, c], {u: X, labels: [0, 1, 2]})
    np.testing.assert_allclose(got[0], np_softmax(X), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got[1], -np_log_softmax(X)[[0, 1, 2], [0, 1, 2]], rtol=1e-5)


def test_softmax_errors():
    with pytest.raises(InvalidArgumentError, match="must be in the range"):
        tf.nn.softmax(tf.zeros([2, 3]), axis=2)
    with pytest.raises(ValueError, match="Cannot specify both 'dim' and 'axis'"):
        tf.nn.softmax(tf.zeros([2, 3]), axis=1, dim=1)
    with pytest.raises(TypeError, match="int32"):
        tf.nn.softmax(tf.constant([1, 2]))


# --- cross-entropies -----------------------------------------------------------------------

def soft_labels(*shape):
    lab = RNG.rand(*shape).astype(np.float32)
    return lab / lab.sum(-1, keepdims=True)


def np_xent(labels, logits, axis=-1):
    return -np.sum(labels * np_log_softmax(logits, axis), axis=axis)


def test_softmax_xent_v2_values():
    lab = soft_labels(3, 5)
    lab3 = np.swapaxes(soft_labels(2, 4, 3), 1, 2).copy()  # distributions along axis 1
    unnorm = (RNG.rand(3, 5) * 2).astype(np.float32)
    got = run({"soft": tf.nn.softmax_cross_entropy_with_logits_v2(labels=lab, logits=X),
               "unnorm": tf.nn.softmax_cross_entropy_with_logits_v2(labels=unnorm, logits=X),
               "rank3_ax1": tf.nn.softmax_cross_entropy_with_logits_v2(
                   labels=lab3, logits=X3, axis=1),
               "dim": tf.nn.softmax_cross_entropy_with_logits_v2(lab, X, dim=-1)})
    np.testing.assert_allclose(got["soft"], np_xent(lab, X), rtol=1e-5)
    np.testing.assert_allclose(got["unnorm"], np_xent(unnorm, X), rtol=1e-5)
    np.testing.assert_allclose(got["rank3_ax1"], np_xent(lab3, X3, 1), rtol=1e-5)
    np.testing.assert_allclose(got["dim"], np_xent(lab, X), rtol=1e-5)


def test_softmax_xent_v1_keyword_only_and_values():
    lab = soft_labels(3, 5)
    hard = np.eye(5, dtype=np.float32)[[0, 4, 2]]
    got = run([tf.nn.softmax_cross_entropy_with_logits(labels=lab, logits=X),
               tf.nn.softmax_cross_entropy_with_logits(labels=hard, logits=X),
               tf.nn.softmax_cross_entropy_with_logits(labels=lab.T.copy(), logits=X.T.copy(), dim=0)])
    np.testing.assert_allclose(got[0], np_xent(lab, X), rtol=1e-5)
    np.testing.assert_allclose(got[1], -np_log_softmax(X)[[0, 1, 2], [0, 4, 2]], rtol=1e-5)
    np.testing.assert_allclose(got[2], np_xent(lab, X), rtol=1e-5)
    with pytest.raises(ValueError, match="named arguments"):
        tf.nn.softmax_cross_entropy_with_logits(lab, X)
    with pytest.raises(ValueError, match="Both labels and logits"):
        tf.nn.softmax_cross_entropy_with_logits(logits=X)


def test_softmax_xent_large_logits_and_shape():
    logits = np.array([[1000, 0, -1000], [50, 50, 50]], np.float32)
    labels = np.array([[0, 0.5, 0.5], [1, 0, 0]], np.float32)
    got = run(tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits))
    np.testing.assert_allclose(got, [1500, np.log(3)], rtol=1e-5)
    x = tf.placeholder(tf.float32, [None, 5])
    y = tf.nn.softmax_cross_entropy_with_logits_v2(labels=x, logits=x)
    assert y.shape.as_list() == [None] and y.name == "softmax_cross_entropy_with_logits_1:0"


def test_sparse_xent_values():
    lab64 = tf.placeholder(tf.int64, [None])
    l3 = np.array([[0, 1, 3], [3, 3, 2]])
    got = run({"i32": tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, 4, 2], logits=X),
               "i64": tf.nn.sparse_softmax_cross_entropy_with_logits(labels=lab64, logits=X),
               "r3": tf.nn.sparse_softmax_cross_entropy_with_logits(labels=l3, logits=X3)},
              {lab64: np.array([1, 1, 3])})
    lsm = np_log_softmax(X)
    np.testing.assert_allclose(got["i32"], -lsm[[0, 1, 2], [0, 4, 2]], rtol=1e-5)
    np.testing.assert_allclose(got["i64"], -lsm[[0, 1, 2], [1, 1, 3]], rtol=1e-5)
    want3 = -np.take_along_axis(np_log_softmax(X3), l3[..., None], -1)[..., 0]
    np.testing.assert_allclose(got["r3"], want3, rtol=1e-5)
    assert got["i32"].dtype == np.float32


def test_sparse_xent_shapes_and_names():
    logits = tf.placeholder(tf.float32, [None, 4])
    y = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.placeholder(tf.int32), logits=logits)
    assert y.shape.as_list() == [None]
    assert y.name == "SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits:0"
    y3 = tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.placeholder(tf.int64, [2, None]), logits=tf.placeholder(tf.float64, [None, 3, 4]))
    assert y3.shape.as_list() == [2, 3] and y3.dtype == tf.float64


@pytest.mark.parametrize("bad", [[0, 5, 1], [0, -1, 2], [7, 0, 0]])
def test_sparse_xent_bad_labels_raise_at_run_time(bad):
    labels = tf.placeholder(tf.int32, [None])
    y = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=X)
    with pytest.raises(InvalidArgumentError, match=r"outside the valid range of \[0, 5\)") as info:
        run(y, {labels: bad})
    assert "Label values = [%s]" % " ".join(map(str, bad)) in str(info.value)
    # the same graph with good labels runs
    np.testing.assert_allclose(run(y, {labels: [0, 1, 2]}), -np_log_softmax(X)[[0, 1, 2], [0, 1, 2]],
                               rtol=1e-5)


def test_sparse_xent_bad_constant_label_and_unknown_classes():
    with pytest.raises(InvalidArgumentError, match="label value outside"):
        run(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, 3], logits=tf.zeros([2, 3])))
    logits = tf.placeholder(tf.float32, [None, None])
    labels = tf.placeholder(tf.int64, [None])
    y = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    with pytest.raises(InvalidArgumentError, match="num_classes = \\[3\\]"):
        run(y, {logits: np.zeros((2, 3)), labels: [0, 3]})
    np.testing.assert_allclose(run(y, {logits: np.zeros((2, 3)), labels: [0, 2]}), [np.log(3)] * 2,
                               rtol=1e-6)


def test_sparse_xent_shape_errors():
    with pytest.raises(ValueError, match="rank"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.zeros([2, 2], tf.int32),
                                                       logits=tf.zeros([2, 3]))
    with pytest.raises(ValueError, match="except for the last"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, 1, 2], logits=tf.zeros([2, 3]))
    with pytest.raises(ValueError, match="scalar"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=0, logits=1.0)
    with pytest.raises(TypeError, match="labels"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0.0, 1.0], logits=tf.zeros([2, 3]))
    with pytest.raises(ValueError, match="named arguments"):
        tf.nn.sparse_softmax_cross_entropy_with_logits([0, 1], tf.zeros([2, 3]))
    labels = tf.placeholder(tf.int32, [None])
    y = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=tf.zeros([2, 3]))
    with pytest.raises(InvalidArgumentError, match="labels shape"):
        run(y, {labels: [0]})  # would otherwise broadcast silently


def np_sigmoid_xent(z, x):
    return np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))


def test_sigmoid_xent():
    z = (RNG.rand(3, 5) > 0.5).astype(np.float32)
    soft = RNG.rand(3, 5).astype(np.float32)
    got = run([tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=X),
               tf.nn.sigmoid_cross_entropy_with_logits(labels=soft, logits=tf.constant(X)),
               tf.nn.sigmoid_cross_entropy_with_logits(labels=[1.0, 0, 0.5, 1, 0, 1, 0], logits=BIG)])
    np.testing.assert_allclose(got[0], np_sigmoid_xent(z, X), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1], np_sigmoid_xent(soft, X), rtol=1e-5, atol=1e-6)
    want = np_sigmoid_xent(np.array([1.0, 0, 0.5, 1, 0, 1, 0]), BIG.astype(np.float64))
    np.testing.assert_allclose(got[2], want, rtol=1e-5, atol=1e-6)
    assert np.all(np.isfinite(got[2]))
    with pytest.raises(ValueError, match="same shape"):
        tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.zeros([3]), logits=tf.zeros([4]))
    with pytest.raises(ValueError, match="named arguments"):
        tf.nn.sigmoid_cross_entropy_with_logits(tf.zeros([3]), tf.zeros([3]))
    x = tf.placeholder(tf.float32, [None, 2])
    y = tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=x, name="loss")
    assert y.shape.as_list() == [None, 2] and y.name == "loss:0"


def test_weighted_xent():
    z = (RNG.rand(3, 5) > 0.5).astype(np.float32)
    q = 2.5
    got = run([tf.nn.weighted_cross_entropy_with_logits(labels=z, logits=X, pos_weight=q),
               tf.nn.weighted_cross_entropy_with_logits(targets=z, logits=X, pos_weight=1.0)])
    lw = 1 + (q - 1) * z
    want = (1 - z) * X + lw * (np.log1p(np.exp(-np.abs(X))) + np.maximum(-X, 0))
    np.testing.assert_allclose(got[0], want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1], np_sigmoid_xent(z, X), rtol=1e-5, atol=1e-6)


def test_l2_loss():
    got = run([tf.nn.l2_loss(X), tf.nn.l2_loss(tf.constant([3.0, 4.0])), tf.nn.l2_loss(X.astype(np.float64))])
    np.testing.assert_allclose(got[0], np.sum(X.astype(np.float64) ** 2) / 2, rtol=1e-6)
    assert got[1] == 12.5 and got[0].dtype == np.float32 and got[2].dtype == np.float64
    assert tf.nn.l2_loss(tf.placeholder(tf.float32, [None])).name == "L2Loss_3:0"


# --- bias_add / xw_plus_b ------------------------------------------------------------------

def test_bias_add_values():
    b = RNG.randn(4).astype(np.float32)
    x = tf.placeholder(tf.float32, [None, 4])
    x4 = RNG.randn(2, 2, 3, 4).astype(np.float32)
    xc = RNG.randn(2, 4, 3, 3).astype(np.float32)
    xv = RNG.randn(3, 4).astype(np.float32)
    got = run({"r2": tf.nn.bias_add(x, b), "r4": tf.nn.bias_add(x4, b),
               "int": tf.nn.bias_add(tf.constant([[1, 2], [3, 4]]), [10, 20]),
               "nchw": tf.nn.bias_add(xc, b, data_format="NCHW")}, {x: xv})
    np.testing.assert_array_equal(got["r2"], xv + b)
    np.testing.assert_array_equal(got["r4"], x4 + b)
    np.testing.assert_array_equal(got["int"], [[11, 22], [13, 24]])
    np.testing.assert_array_equal(got["nchw"], xc + b[:, None, None])


def test_bias_add_shape_and_name():
    y = tf.nn.bias_add(tf.placeholder(tf.float32, [None, 4]), tf.zeros([4]))
    assert y.shape.as_list() == [None, 4] and y.name == "BiasAdd:0"


def test_bias_add_static_errors():
    with pytest.raises(ValueError, match="Shape must be rank 1 but is rank 2"):
        tf.nn.bias_add(tf.zeros([3, 4]), tf.zeros([1, 4]))
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 4 and 3"):
        tf.nn.bias_add(tf.zeros([3, 4]), tf.zeros([3]))
    with pytest.raises(ValueError, match="at least rank 2"):
        tf.nn.bias_add(tf.zeros([4]), tf.zeros([4]))
    with pytest.raises(ValueError, match="data_format"):
        tf.nn.bias_add(tf.zeros([3, 4]), tf.zeros([4]), data_format="HWC")
    with pytest.raises(TypeError, match="bias"):
        tf.nn.bias_add(tf.zeros([3, 4]), tf.zeros([4], tf.float64))


def test_bias_add_run_time_size_check():
    x = tf.placeholder(tf.float32, [None, None])
    b = tf.placeholder(tf.float32, [None])
    y = tf.nn.bias_add(x, b)
    np.testing.assert_array_equal(run(y, {x: np.zeros((2, 3)), b: [1, 2, 3]}), [[1, 2, 3]] * 2)
    with pytest.raises(InvalidArgumentError, match="as many biases"):
        run(y, {x: np.zeros((2, 3)), b: [1]})  # Add alone would broadcast it


def test_xw_plus_b():
    x = tf.placeholder(tf.float32, [None, 5])
    w = RNG.randn(5, 3).astype(np.float32)
    b = RNG.randn(3).astype(np.float32)
    y = tf.nn.xw_plus_b(x, w, b)
    assert y.shape.as_list() == [None, 3] and y.name == "xw_plus_b:0"
    np.testing.assert_allclose(run(y, {x: X}), X @ w + b, rtol=1e-5, atol=1e-6)


# --- dropout -------------------------------------------------------------------------------

POS = (0.5 + 2 * RNG.rand(200, 200)).astype(np.float32)  # strictly positive: 0 means dropped


@pytest.mark.parametrize("kwargs, keep", [({"keep_prob": 0.7}, 0.7), ({"rate": 0.25}, 0.75),
                                          ({"keep_prob": 0.1}, 0.1)])
def test_dropout_statistics(kwargs, keep):
    y = run(tf.nn.dropout(tf.constant(POS), seed=5, **kwargs))
    kept = y != 0
    assert abs(kept.mean() - keep) < 0.01
    # kept values are scaled by exactly 1 / keep_prob (in float32, as TF computes it)
    np.testing.assert_array_equal(y[kept], POS[kept] * np.float32(1 / keep))
    assert y.dtype == np.float32 and y.shape == POS.shape


def test_dropout_fed_keep_prob_and_rate_tensor():
    x = tf.placeholder(tf.float32, [None, 200])
    kp = tf.placeholder(tf.float32, [])
    rate = tf.placeholder(tf.float64, [])
    y1 = tf.nn.dropout(x, keep_prob=kp, seed=1)
    y2 = tf.nn.dropout(x, rate=rate, seed=2)
    assert y1.shape.as_list() == [None, 200]
    a, b = run([y1, y2], {x: POS, kp: 0.6, rate: 0.5})
    assert abs((a != 0).mean() - 0.6) < 0.01 and abs((b != 0).mean() - 0.5) < 0.01
    np.testing.assert_allclose(a[a != 0], POS[a != 0] / np.float32(0.6), rtol=1e-6)
    np.testing.assert_allclose(b[b != 0], POS[b != 0] * 2, rtol=1e-6)


def test_dropout_keep_all_returns_x():
    x = tf.constant(X)
    assert tf.nn.dropout(x, keep_prob=1.0) is x
    assert tf.nn.dropout(x, rate=0) is x


def test_dropout_argument_errors():
    x = tf.constant(X)
    with pytest.raises(ValueError, match="Cannot specify both 'keep_prob' and 'rate'"):
        tf.nn.dropout(x, keep_prob=0.5, rate=0.5)
    with pytest.raises(ValueError, match="must be provided"):
        tf.nn.dropout(x)
    for bad in ({"rate": 1.0}, {"rate": -0.1}, {"keep_prob": 0.0}):
        with pytest.raises(ValueError, match=r"range \[0, 1\)"):
            tf.nn.dropout(x, **bad)
    with pytest.raises(ValueError, match="floating point"):
        tf.nn.dropout(tf.constant([1, 2]), rate=0.5)
    with pytest.raises(ValueError, match="keep_prob"):
        tf.nn.dropout(x, keep_prob="half")
    with pytest.raises(ValueError, match="rank 0"):
        tf.nn.dropout(x, rate=tf.constant([0.5]))


def test_dropout_same_seed_same_mask_and_fresh_masks_per_run():
    x = tf.constant(POS)
    a = tf.nn.dropout(x, rate=0.5, seed=11)
    b = tf.nn.dropout(x, rate=0.5, seed=11)
    c = tf.nn.dropout(x, rate=0.5, seed=12)
    with tf.Session() as sess:
        va, vb, vc = sess.run([a, b, c])
        va2 = sess.run(a)
    np.testing.assert_array_equal(va != 0, vb != 0)  # same seeds -> same mask in a run
    assert np.mean((va != 0) != (vc != 0)) > 0.3     # another seed -> another mask
    assert np.mean((va != 0) != (va2 != 0)) > 0.3    # each run draws a new mask
    with tf.Session() as sess:                       # and a new session repeats the sequence
        np.testing.assert_array_equal(sess.run(a), va)


def test_dropout_graph_seed():
    tf.set_random_seed(1234)
    x = tf.constant(POS)
    a, b = tf.nn.dropout(x, rate=0.5), tf.nn.dropout(x, rate=0.5)
    va, vb = run([a, b])
    assert np.mean((va != 0) != (vb != 0)) > 0.3  # op seeds differ by op
    np.testing.assert_array_equal(run(a), va)     # but each is repeatable


def test_dropout_noise_shape_broadcasting():
    x = tf.constant(POS)
    rows = tf.nn.dropout(x, keep_prob=0.8, noise_shape=[200, 1], seed=3)
    cols = tf.nn.dropout(x, keep_prob=0.8, noise_shape=[1, 200], seed=4)
    none_dim = tf.nn.dropout(tf.placeholder_with_default(POS, [None, 200]), keep_prob=0.8,
                             noise_shape=[None, 1], seed=5)
    packed = tf.nn.dropout(x, keep_prob=0.8, noise_shape=[tf.shape(x)[0], 1], seed=6)
    assert none_dim.shape.as_list() == [None, 200]
    r, c, n, p = run([rows, cols, none_dim, packed])
    for m, axis in ((r != 0, 1), (c != 0, 0), (n != 0, 1), (p != 0, 1)):
        assert np.all(m.all(axis=axis) | ~m.any(axis=axis))  # one decision per row/column
        assert abs(m.mean() - 0.8) < 0.08
    np.testing.assert_array_equal(r[r != 0], POS[r != 0] * np.float32(1 / 0.8))


def test_dropout_float64():
    y = run(tf.nn.dropout(tf.constant(POS.astype(np.float64)), rate=0.5, seed=1))
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y[y != 0], POS.astype(np.float64)[y != 0] * 2)


# --- embedding_lookup ----------------------------------------------------------------------

TABLE = np.arange(40, dtype=np.float32).reshape(10, 4)


def test_embedding_lookup_single():
    ids = tf.placeholder(tf.int32, [None, None])
    e = tf.nn.embedding_lookup(TABLE, ids)
    assert e.shape.as_list() == [None, None, 4] and e.name == "embedding_lookup/Identity:0"
    assert e.op.inputs[0].op.name == "embedding_lookup"
    idv = np.array([[1, 2, 3], [9, 0, 1]])
    got = run({"m": e, "vec": tf.nn.embedding_lookup([tf.constant(TABLE)], [9, 0, 9]),
               "scalar": tf.nn.embedding_lookup(TABLE, 3)}, {ids: idv})
    np.testing.assert_array_equal(got["m"], TABLE[idv])
    np.testing.assert_array_equal(got["vec"], TABLE[[9, 0, 9]])
    np.testing.assert_array_equal(got["scalar"], TABLE[3])


def test_embedding_lookup_out_of_range():
    ids = tf.placeholder(tf.int32, [None])
    e = tf.nn.embedding_lookup(TABLE[:5], ids)
    with pytest.raises(InvalidArgumentError, match=r"indices\[1\] = 5 is not in \[0, 5\)"):
        run(e, {ids: [1, 5]})


@pytest.mark.parametrize("strategy", ["mod", "div"])
def test_embedding_lookup_sharded(strategy):
    if strategy == "mod":
        shards = [TABLE[s::3] for s in range(3)]
    else:  # 10 ids over 3 shards: sizes 4, 3, 3
        shards = [TABLE[0:4], TABLE[4:7], TABLE[7:10]]
    ids = tf.placeholder(tf.int64, [None, 4])
    e = tf.nn.embedding_lookup([tf.constant(s) for s in shards], ids, partition_strategy=strategy)
    assert e.shape.as_list() == [None, 4, 4]
    idv = np.array([[0, 1, 2, 3], [9, 8, 5, 4]])
    np.testing.assert_array_equal(run(e, {ids: idv}), TABLE[idv])
    for bad, wrong in (([[0, 1, 2, 10]], 10), ([[0, -1, 2, 3]], -1)):
        with pytest.raises(InvalidArgumentError, match=r"Invalid ids = \[%d\]" % wrong):
            run(e, {ids: bad})
    with pytest.raises(ValueError, match="Unrecognized partition strategy"):
        tf.nn.embedding_lookup([tf.constant(s) for s in shards], ids, partition_strategy="range")


def test_embedding_lookup_max_norm():
    ids = np.array([[0, 2], [1, 1]])
    got = run([tf.nn.embedding_lookup(TABLE, ids, max_norm=5.0),
               tf.nn.embedding_lookup([TABLE[0::2], TABLE[1::2]], ids, max_norm=5.0)])
    rows = TABLE[ids]
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    want = rows * 5.0 / np.maximum(norms, 5.0)
    for g in got:
        np.testing.assert_allclose(g, want, rtol=1e-6)


def test_embedding_lookup_errors():
    with pytest.raises(ValueError, match="Need at least one param"):
        tf.nn.embedding_lookup([], [0])
    with pytest.raises(TypeError, match="int32"):
        tf.nn.embedding_lookup(TABLE, [0.5])


# --- moments / l2_normalize / in_top_k -----------------------------------------------------

def test_moments():
    x = tf.placeholder(tf.float32, [2, None, 4])
    m, v = tf.nn.moments(x, [0, 2])
    mk, vk = tf.nn.moments(x, [1], keep_dims=True)
    assert m.shape.as_list() == [None] and mk.shape.as_list() == [2, 1, 4]
    got = run([m, v, mk, vk], {x: X3})
    np.testing.assert_allclose(got[0], X3.mean((0, 2)), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got[1], X3.var((0, 2)), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got[2], X3.mean(1, keepdims=True), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got[3], X3.var(1, keepdims=True), rtol=1e-5, atol=1e-7)


def test_l2_normalize():
    zero_row = np.array([[0, 0], [3, 4]], np.float32)
    got = run([tf.nn.l2_normalize(X, 1), tf.nn.l2_normalize(X), tf.nn.l2_normalize(X, dim=0),
               tf.nn.l2_normalize(zero_row, axis=1, epsilon=1e-6)])
    np.testing.assert_allclose(got[0], X / np.linalg.norm(X, axis=1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(got[1], X / np.linalg.norm(X), rtol=1e-5)
    np.testing.assert_allclose(got[2], X / np.linalg.norm(X, axis=0, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(got[3], [[0, 0], [0.6, 0.8]], rtol=1e-6)


def test_in_top_k():
    preds = np.array([[0.1, 0.5, 0.5, 0.2], [0.3, 0.3, 0.1, np.nan], [1, 2, 3, 4]], np.float32)
    targets = tf.placeholder(tf.int32, [None])
    outs = [tf.nn.in_top_k(preds, targets, k) for k in (1, 2, 3)]
    got = run(outs, {targets: [2, 0, 0]})
    # ties count in the target's favour; a non-finite row is never "in top k"
    np.testing.assert_array_equal(got[0], [True, False, False])
    np.testing.assert_array_equal(got[1], [True, False, False])
    np.testing.assert_array_equal(got[2], [True, False, False])
    np.testing.assert_array_equal(run(tf.nn.in_top_k(preds, [3, 1, 1], 3)), [True, False, True])
    np.testing.assert_array_equal(run(tf.nn.in_top_k([[1.0, 2.0]], [5], 2)), [False])
