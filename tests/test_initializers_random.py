"""Random ops, TF1's seed rules, and the initializers: op names, seed attributes,
determinism across runs and sessions, and sample statistics (20000 samples each).

Names, seed attributes and messages marked "TF" were produced by TensorFlow 2.21's
compat.v1 with tf.disable_v2_behavior(). rnngraph's Philox streams are not bit-identical
to TF's, so values are checked statistically.
"""
import numpy as np
import pytest

import rnngraph as tf
from rnngraph.ops import init_ops, random_seed

N = 20000


def run(t):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(t)


def sample(initializer, shape=(100, 200), dtype=tf.float32):
    return run(initializer(list(shape), dtype=dtype))


# --- random ops: names and seeds ---------------------------------------------------------------
def test_random_op_names_match_tf(fresh_graph):
    r = [tf.random_uniform([2, 3]), tf.random_uniform([2], minval=-1.0, maxval=1.0),
         tf.random_uniform([2], 0, 5), tf.random_uniform([2], 0, 5, dtype=tf.int32),
         tf.random_normal([2]), tf.truncated_normal([2], stddev=2.0, name="tn"),
         tf.random.uniform([3], seed=3)]
    # TF
    assert [t.name for t in r] == [
        "random_uniform/RandomUniform:0", "random_uniform_1:0", "random_uniform_2/Mul:0",
        "random_uniform_3:0", "random_normal:0", "tn:0", "random_uniform_4/RandomUniform:0"]
    assert [op.name for op in fresh_graph.get_operations()] == [
        "random_uniform/shape", "random_uniform/RandomUniform", "random_uniform_1/shape",
        "random_uniform_1/min", "random_uniform_1/max", "random_uniform_1/RandomUniform",
        "random_uniform_1/sub", "random_uniform_1/mul", "random_uniform_1",
        "random_uniform_2/shape", "random_uniform_2/min", "random_uniform_2/max",
        "random_uniform_2/RandomUniform", "random_uniform_2/Mul", "random_uniform_3/shape",
        "random_uniform_3/min", "random_uniform_3/max", "random_uniform_3", "random_normal/shape",
        "random_normal/mean", "random_normal/stddev", "random_normal/RandomStandardNormal",
        "random_normal/mul", "random_normal", "tn/shape", "tn/mean", "tn/stddev",
        "tn/TruncatedNormal", "tn/mul", "tn", "random_uniform_4/shape",
        "random_uniform_4/RandomUniform"]
    seeds = [(op.get_attr("seed"), op.get_attr("seed2")) for op in fresh_graph.get_operations()
             if op.type.startswith(("Random", "Truncated"))]
    assert seeds == [(0, 0)] * 6 + [(87654321, 3)]  # TF
    assert r[0].shape.as_list() == [2, 3] and r[3].dtype == tf.int32


def test_get_seed_rules(fresh_graph):
    assert random_seed.get_seed(None) == (None, None)
    assert random_seed.get_seed(5) == (87654321, 5)
    assert random_seed.get_seed(2 ** 31) == (87654321, 1)  # reduced modulo 2**31 - 1
    assert random_seed.get_seed(0) == (87654321, 0)  # TF
    tf.set_random_seed(0)
    assert random_seed.get_seed(0) == (0, 2 ** 31 - 1)  # TF: (0, 0) is reserved
    tf.set_random_seed(7)
    tf.constant(1.0)
    assert random_seed.get_seed(None) == (7, 1)  # the op seed is graph._last_id
    assert random_seed.get_seed(5) == (7, 5)
    assert tf.random.get_seed is random_seed.get_seed


def test_op_seed_attrs(fresh_graph):
    tf.set_random_seed(7)
    a = tf.random_uniform([2, 3])
    b = tf.random_normal([2], seed=5)
    ops = [a.op, b.op.inputs[0].op.inputs[0].op]
    assert [(op.get_attr("seed"), op.get_attr("seed2")) for op in ops] == [(7, 1), (7, 5)]


def test_random_uniform_errors():
    with pytest.raises(ValueError, match="Must specify maxval for integer dtype"):
        tf.random_uniform([2], dtype=tf.int32)
    with pytest.raises(ValueError, match="Argument `dtype` got invalid value"):
        tf.random_uniform([2], dtype=tf.bool)


# --- determinism -----------------------------------------------------------------------------
def _draws(fetches, graph, runs=2):
    with tf.Session(graph=graph) as sess:
        return [sess.run(fetches) for _ in range(runs)]


def test_graph_seed_repeats_across_sessions(fresh_graph):
    tf.set_random_seed(1234)
    a = tf.random_uniform([4])
    b = tf.random_normal([4])
    first = _draws([a, b], fresh_graph)
    second = _draws([a, b], fresh_graph)
    np.testing.assert_array_equal(np.array(first), np.array(second))
    assert not np.array_equal(first[0][0], first[1][0])  # each run draws anew
    assert not np.array_equal(first[0][0], first[0][1][:4])  # ops draw different streams


def test_graph_seed_repeats_across_graphs():
    def build():
        g = tf.Graph()
        with g.as_default():
            tf.set_random_seed(3)
            return g, tf.truncated_normal([5])
    (g1, t1), (g2, t2) = build(), build()
    np.testing.assert_array_equal(_draws(t1, g1), _draws(t2, g2))


def test_op_seeds(fresh_graph):
    a = tf.random_uniform([5], seed=1)
    b = tf.random_uniform([5], seed=2)
    c = tf.random_uniform([5], seed=1)
    va, vb, vc = _draws([a, b, c], fresh_graph, runs=1)[0]
    assert not np.array_equal(va, vb)
    np.testing.assert_array_equal(va, vc)  # same (seed, seed2): same stream, as in TF
    np.testing.assert_array_equal(_draws(a, fresh_graph, runs=1)[0], va)


def test_unseeded_ops_differ_between_sessions(fresh_graph):
    a = tf.random_uniform([8])
    first, second = _draws(a, fresh_graph, runs=1)[0], _draws(a, fresh_graph, runs=1)[0]
    assert not np.array_equal(first, second)


def test_seeded_initializer_gives_same_variable_in_every_session(fresh_graph):
    w = tf.get_variable("w", [3, 4], initializer=tf.glorot_uniform_initializer(seed=9))
    values = []
    for _ in range(2):
        with tf.Session(graph=fresh_graph) as sess:
            sess.run(w.initializer)
            values.append(sess.run(w))
    np.testing.assert_array_equal(values[0], values[1])


# --- random op statistics ----------------------------------------------------------------------
def test_random_uniform_statistics():
    x = run(tf.random_uniform([N], minval=-1.0, maxval=3.0, seed=1))
    assert x.dtype == np.float32 and x.min() >= -1.0 and x.max() < 3.0
    assert abs(x.mean() - 1.0) < 0.05 and abs(x.std() - 4 / np.sqrt(12)) < 0.03
    d = run(tf.random_uniform([N], dtype=tf.float64, seed=1))
    assert d.dtype == np.float64 and 0.0 <= d.min() and d.max() < 1.0 and abs(d.mean() - 0.5) < 0.02
    i = run(tf.random_uniform([N], minval=-2, maxval=3, dtype=tf.int64, seed=1))
    assert i.dtype == np.int64 and set(np.unique(i)) == {-2, -1, 0, 1, 2}
    np.testing.assert_allclose(np.bincount(i + 2) / N, 0.2, atol=0.02)


def test_random_normal_and_truncated_normal_statistics():
    x = run(tf.random_normal([N], mean=2.0, stddev=3.0, seed=1))
    assert abs(x.mean() - 2.0) < 0.1 and abs(x.std() - 3.0) < 0.08
    t = run(tf.truncated_normal([N], mean=1.0, stddev=2.0, seed=1))
    assert np.abs(t - 1.0).max() < 4.0
    assert abs(t.mean() - 1.0) < 0.06 and abs(t.std() - 2.0 * 0.8796) < 0.05
    d = run(tf.random.normal([N], dtype=tf.float64, seed=2))
    assert d.dtype == np.float64 and abs(d.std() - 1.0) < 0.03


# --- initializer statistics -------------------------------------------------------------------
@pytest.mark.parametrize("make, mean, std", [
    (lambda: tf.random_uniform_initializer(-2.0, 2.0, seed=1), 0.0, 4 / np.sqrt(12)),
    (lambda: tf.random_normal_initializer(1.0, 0.5, seed=1), 1.0, 0.5),
    (lambda: tf.truncated_normal_initializer(0.0, 0.5, seed=1), 0.0, 0.5 * 0.8796),
    (lambda: tf.glorot_uniform_initializer(seed=1), 0.0, np.sqrt(2 / 300)),
    (lambda: tf.glorot_normal_initializer(seed=1), 0.0, np.sqrt(2 / 300)),
    (lambda: tf.variance_scaling_initializer(seed=1), 0.0, np.sqrt(1 / 100)),
    (lambda: tf.variance_scaling_initializer(2.0, "fan_out", "untruncated_normal", seed=1),
     0.0, np.sqrt(2 / 200)),
    (lambda: tf.variance_scaling_initializer(3.0, "fan_avg", "uniform", seed=1), 0.0,
     np.sqrt(3 / 150)),
    (lambda: tf.variance_scaling_initializer(distribution="normal", seed=1), 0.0, 0.1),
    (lambda: tf.initializers.he_normal(seed=1), 0.0, np.sqrt(2 / 100)),
    (lambda: tf.initializers.lecun_uniform(seed=1), 0.0, np.sqrt(1 / 100)),
    (lambda: tf.uniform_unit_scaling_initializer(seed=1), 0.0, np.sqrt(1 / 100)),
    (lambda: init_ops.xavier_initializer(uniform=False, seed=1), 0.0, np.sqrt(1.3 / 150) * 0.8796),
])
def test_initializer_statistics(make, mean, std):
    x = sample(make())
    assert x.shape == (100, 200) and x.dtype == np.float32
    assert abs(x.mean() - mean) < 0.03 * max(std, 0.1)
    assert abs(x.std() / std - 1) < 0.03


def test_uniform_initializers_respect_their_limits():
    x = sample(tf.glorot_uniform_initializer(seed=2))
    limit = np.sqrt(6 / 300)
    assert np.abs(x).max() <= limit and np.abs(x).max() > 0.99 * limit
    np.testing.assert_array_equal(sample(init_ops.xavier_initializer(seed=2)), sample(
        tf.glorot_uniform_initializer(seed=2)))
    t = sample(tf.glorot_normal_initializer(seed=2))
    assert np.abs(t).max() < 2 * np.sqrt(2 / 300) / 0.8796


def test_variance_scaling_fans_for_convolution_kernels():
    # fan_in = 3 * 3 * 20 = 180 (receptive field times input channels)
    x = sample(tf.variance_scaling_initializer(seed=1, distribution="untruncated_normal"),
               shape=(3, 3, 20, 120))
    assert abs(x.std() / np.sqrt(1 / 180) - 1) < 0.03


@pytest.mark.parametrize("shape", [(6, 6), (8, 3), (3, 8), (2, 3, 4), (1, 5)])
def test_orthogonal(shape):
    w = sample(tf.orthogonal_initializer(seed=3), shape=shape, dtype=tf.float64)
    m = w.reshape(-1, shape[-1])
    small = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(small, np.eye(min(m.shape)), atol=1e-10)
    g = sample(tf.orthogonal_initializer(gain=2.0, seed=3), shape=shape, dtype=tf.float64)
    np.testing.assert_allclose(g, 2 * w, atol=1e-12)


def test_orthogonal_in_a_variable(sess):
    w = tf.get_variable("w", [4, 4], initializer=tf.orthogonal_initializer())
    sess.run(w.initializer)
    value = sess.run(w)
    np.testing.assert_allclose(value.T @ value, np.eye(4), atol=1e-5)
    with pytest.raises(ValueError, match="must be at least two-dimensional. Received shape=\\[3\\]"):
        tf.orthogonal_initializer()([3])  # TF


# --- deterministic initializers ----------------------------------------------------------------
def test_constant_zeros_ones_identity():
    np.testing.assert_array_equal(run(tf.zeros_initializer()([2, 2])), np.zeros([2, 2]))
    ones = run(tf.ones_initializer(dtype=tf.int32)([3]))
    assert ones.dtype == np.int32 and list(ones) == [1, 1, 1]
    np.testing.assert_array_equal(run(tf.constant_initializer(3.0)([2])), [3.0, 3.0])
    np.testing.assert_array_equal(run(tf.constant_initializer([1, 2, 3, 4])([2, 2])),
                                  [[1, 2], [3, 4]])
    np.testing.assert_array_equal(run(tf.constant_initializer(np.arange(6.0))([3, 2], tf.float64)),
                                  np.arange(6.0).reshape(3, 2))
    eye = run(tf.initializers.identity(gain=2.0)([2, 3]))
    np.testing.assert_array_equal(eye, [[2, 0, 0], [0, 2, 0]])


def test_constant_initializer_shape_rules_match_tf():
    # TF: a short list is padded with its last element; too long is an error.
    np.testing.assert_array_equal(run(tf.constant_initializer([1.0, 2.0])([4])),
                                  [1.0, 2.0, 2.0, 2.0])
    with pytest.raises(ValueError, match="^Too many elements provided. Takes at most 4, but got 5.$"):
        tf.constant_initializer([1.0, 2.0, 3.0, 4.0, 5.0])([4])
    with pytest.raises(TypeError, match=r"^Expected Tensor's shape: \(4,\), but got \(2,\).$"):
        tf.constant_initializer([1.0, 2.0], verify_shape=True)([4])
    with pytest.raises(TypeError, match="^Invalid type for initial value={1: 2} of type: dict."):
        tf.constant_initializer({1: 2})
    v = tf.get_variable("x", [2, 2], initializer=tf.constant_initializer([1.0, 2.0, 3.0, 4.0]))
    assert v.initial_value.name == "x/Initializer/Const:0"  # TF


def test_initializer_argument_errors():
    # TF
    with pytest.raises(ValueError, match="^Argument `dtype` is expected to be floating point."):
        tf.random_normal_initializer(dtype=tf.int32)
    with pytest.raises(ValueError, match="^Argument `mode` should be one of"):
        tf.variance_scaling_initializer(mode="x")
    with pytest.raises(ValueError, match="^Argument `distribution` should be one of"):
        tf.variance_scaling_initializer(distribution="x")
    with pytest.raises(ValueError, match="^Argument `scale` must be a positive float. Received: 0.0"):
        tf.variance_scaling_initializer(scale=0.0)


def test_get_config_round_trip():
    init = tf.variance_scaling_initializer(2.0, "fan_out", "uniform", seed=4)
    clone = type(init).from_config(init.get_config())
    assert clone.get_config() == init.get_config() == {
        "scale": 2.0, "mode": "fan_out", "distribution": "uniform", "seed": 4, "dtype": "float32"}


def test_namespaces():
    assert tf.random.uniform is tf.random_uniform
    assert tf.random.normal is tf.random_normal
    assert tf.random.truncated_normal is tf.truncated_normal
    assert tf.random.set_random_seed is tf.set_random_seed
    assert tf.initializers.zeros is tf.zeros_initializer
    assert tf.initializers.glorot_uniform is tf.glorot_uniform_initializer
    assert tf.initializers.variance_scaling is tf.variance_scaling_initializer
    assert tf.initializers.orthogonal is tf.orthogonal_initializer
    assert tf.initializers.global_variables is tf.global_variables_initializer
