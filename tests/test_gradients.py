"""tf.gradients (rnngraph/autodiff) against central finite differences in float64.

`check_gradient(build_fn, feeds, ...)` builds `build_fn(*placeholders)`, asks tf.gradients for
the gradient of sum_k <w_k, y_k> (random weights w_k passed as grad_ys) with respect to the
floating placeholders (and, optionally, every trainable variable), and compares it with
(L(x + eps e_i) - L(x - eps e_i)) / 2 eps for every element of every fed input (a few
random entries of each variable, perturbed with `var.load`).

Covered: every differentiable primitive (unary, binary with static and run-time-only
broadcasting, Select, Cast, reductions, MatMul, shape/layout ops, Gather/UnsortedSegmentSum,
Identity, PlaceholderWithDefault, Fill), the composites users call (softmax family, cross
entropies, l2_loss, embedding_lookup, clip_by_global_norm, dropout, bias_add), every one of
these again inside a while-loop body and inside each branch of a tf.cond, control flow
(while_loop in several shapes, TensorArrays, cond, cond in a loop, nested loops), the RNN
API (dynamic/bidirectional/static/raw rnn with LSTM and GRU cells, gradients w.r.t. inputs
and every variable), second-order gradients, and TF1's tf.gradients semantics (None for
unconnected or integer paths, stop_gradient(s), grad_ys, several ys, a y that is an x,
unconnected_gradients="zero", Variables as xs, LookupError).
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rnngraph as tf
from rnngraph.autodiff import registry

EPS = 1e-6
RTOL = 1e-5
ATOL = 1e-7

rc = tf.nn.rnn_cell


# --- helpers ---------------------------------------------------------------------------------

def _fetch_gradients(sess, ys, grads, feed):
    """(the values of ys, the values of grads), in one run (one program to compile):
    dense arrays, also for IndexedSlices (rows summed)."""
    fetches = [(g.values, g.indices, g.dense_shape) if isinstance(g, tf.IndexedSlices) else g
               for g in grads]
    y_values, grad_values = sess.run([list(ys), fetches], feed)
    out = []
    for g, value in zip(grads, grad_values):
        if isinstance(g, tf.IndexedSlices):
            values, indices, shape = value
            value = np.zeros(shape, values.dtype)
            np.add.at(value, indices, values)
        out.append(value)
    return y_values, out


def _op_types(graph):
    """The op types of `graph` and of every body (While/Cond attribute) nested in it."""
    types = set()
    for op in graph.get_operations():
        types.add(op.type)
        for value in op.attrs.values():
            if isinstance(value, tf.Graph):
                types |= _op_types(value)
    return types


def _rand(*shape, seed=0, low=-1.0, high=1.0):
    return np.random.RandomState(seed).uniform(low, high, shape)


def check_gradient(build_fn, feeds, shapes=None, wrt=None, variables=False, var_entries=3,
                   eps=EPS, rtol=RTOL, atol=ATOL, expect_ops=(), seed=0):
    """Compare tf.gradients with central differences.

    build_fn(*placeholders) -> a tensor or a list of tensors (the ys).
    feeds: the placeholders' values (their dtypes give the placeholders' dtypes).
    shapes: the placeholders' static shapes (default: the values' shapes; None dims make
      shapes that are only known at run time).
    wrt: indices of the feeds to differentiate (default: every floating one).
    variables: also differentiate w.r.t. every trainable variable (var_entries random
      entries of each checked by finite differences, perturbed through var.load).
    expect_ops: primitive types that must appear in the forward graph (so a test really
      covers the primitive it names).
    Returns the analytic gradients of the feeds in `wrt` (dense arrays).
    The ys' shapes (for the random weights of the loss) come from a run on the reference
    interpreter; on the session's target one program computes the ys and the gradients,
    and gives both the analytic gradients and every loss of the central differences.
    """
    values = [np.array(v) for v in feeds]
    shapes = [v.shape for v in values] if shapes is None else shapes
    phs = [tf.placeholder(tf.as_dtype(v.dtype), s, name="in%d" % i)
           for i, (v, s) in enumerate(zip(values, shapes))]
    out = build_fn(*phs)
    ys = list(out) if isinstance(out, (list, tuple)) else [out]
    types = _op_types(tf.get_default_graph())
    for t in expect_ops:
        assert t in types, "the graph has no %s op (it has %s)" % (t, sorted(types))
    if wrt is None:
        wrt = [i for i, v in enumerate(values) if v.dtype.kind == "f"]
    xs = [phs[i] for i in wrt]
    var_list = tf.trainable_variables() if variables else []
    if variables:
        assert var_list, "no trainable variables to check"
    gys = [tf.placeholder(y.dtype, y.shape, name="w%d" % k) for k, y in enumerate(ys)]
    grads = tf.gradients(ys, xs + var_list, grad_ys=gys)
    for i, g in zip(wrt, grads):
        assert g is not None, "tf.gradients gave None for input %d" % i
    for v, g in zip(var_list, grads[len(xs):]):
        assert g is not None, "tf.gradients gave None for variable %s" % v.name
    feed = dict(zip(phs, values))
    rng = np.random.RandomState(seed)
    with tf.Session("reference") as probe:  # the ys' shapes, for the weights: no compile
        if var_list:
            probe.run(tf.global_variables_initializer())
        y_values = probe.run(ys, feed)
    weights = [rng.uniform(-1.5, 1.5, np.shape(v)).astype(np.asarray(v).dtype) for v in y_values]
    with tf.Session() as sess:
        if var_list:
            sess.run(tf.global_variables_initializer())
        # One program computes the ys and the gradients: the analytic gradients come from it,
        # and so do the ys the central differences take (the same fetches and feeds: one
        # compile, where a forward-only program would be a second).
        def run(vals):
            full_feed = dict(zip(phs, vals))
            full_feed.update(zip(gys, weights))
            return _fetch_gradients(sess, ys, grads, full_feed)

        analytic = run(values)[1]

        def loss(vals):
            got = run(vals)[0]
            return sum(float(np.sum(np.asarray(y, np.float64) * w.astype(np.float64)))
                       for y, w in zip(got, weights))

        for i, g in zip(wrt, analytic[:len(xs)]):
            v = values[i]
            assert g.shape == v.shape, "gradient of input %d: shape %s, input %s" % (
                i, g.shape, v.shape)
            assert g.dtype == v.dtype, "gradient of input %d: dtype %s, input %s" % (
                i, g.dtype, v.dtype)
            numeric = np.zeros(v.shape)
            for idx in np.ndindex(*v.shape):
                plus = list(values)
                minus = list(values)
                plus[i], minus[i] = v.copy(), v.copy()
                plus[i][idx] += eps
                minus[i][idx] -= eps
                numeric[idx] = (loss(plus) - loss(minus)) / (2 * eps)
            np.testing.assert_allclose(g, numeric, rtol=rtol, atol=atol,
                                       err_msg="gradient of input %d" % i)

        for var, g in zip(var_list, analytic[len(xs):]):
            base = sess.run(var)
            assert g.shape == base.shape and g.dtype == base.dtype, var.name
            flat = rng.choice(base.size, min(var_entries, base.size), replace=False)
            for f in flat:
                idx = np.unravel_index(f, base.shape)
                results = []
                for step in (eps, -eps):
                    pert = base.copy()
                    pert[idx] += step
                    var.load(pert, sess)
                    results.append(loss(values))
                var.load(base, sess)
                numeric = (results[0] - results[1]) / (2 * eps)
                np.testing.assert_allclose(g[idx], numeric, rtol=rtol, atol=atol,
                                           err_msg="gradient of %s at %s" % (var.name, idx))
    return analytic[:len(xs)]


def _run(fetches, feed=None, init=False):
    with tf.Session() as sess:
        if init:
            sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed)


# --- unary -----------------------------------------------------------------------------------

X3 = np.array([[0.3, -0.7, 1.2], [-1.4, 0.55, 0.9]])
POS = np.array([[0.3, 0.7, 1.2], [1.4, 0.55, 2.9]])

UNARY = [
    ("Neg", tf.negative, X3),
    ("Abs", tf.abs, X3),
    ("Square", tf.square, X3),
    ("Reciprocal", tf.reciprocal, X3),
    ("Exp", tf.exp, X3),
    ("Expm1", tf.expm1, X3),
    ("Log", tf.log, POS),
    ("Log1p", tf.log1p, X3 * 0.5),
    ("Sqrt", tf.sqrt, POS),
    ("Rsqrt", tf.rsqrt, POS),
    ("Tanh", tf.tanh, X3),
    ("Sigmoid", tf.sigmoid, X3),
    ("Relu", tf.nn.relu, X3),
    ("Softplus", tf.nn.softplus, X3),
    ("Erf", tf.erf, X3),
    ("Sin", tf.sin, X3),
    ("Cos", tf.cos, X3),
]


@pytest.mark.parametrize("op_type,fn,value", UNARY, ids=[u[0] for u in UNARY])
def test_unary(op_type, fn, value):
    check_gradient(fn, [value], expect_ops=[op_type])


@pytest.mark.parametrize("op_type,fn,value", UNARY, ids=[u[0] for u in UNARY])
def test_unary_unknown_shape(op_type, fn, value):
    """The same with a placeholder of unknown shape (gradient shapes only known at run time)."""
    check_gradient(fn, [value], shapes=[None], expect_ops=[op_type])


def test_unary_float32_gradient_has_float32_dtype():
    x = tf.placeholder(tf.float32, [3])
    (g,) = tf.gradients(tf.tanh(x), x)
    assert g.dtype == tf.float32
    v = np.array([0.1, -0.5, 2.0], np.float32)
    np.testing.assert_allclose(_run(g, {x: v}), 1 - np.tanh(v) ** 2, rtol=1e-5)


def test_relu_gradient_is_zero_on_the_negative_side():
    x = tf.placeholder(tf.float64, [4])
    (g,) = tf.gradients(tf.nn.relu(x), x)
    np.testing.assert_array_equal(_run(g, {x: [-1.0, 2.0, -0.5, 3.0]}), [0, 1, 0, 1])


# --- binary ----------------------------------------------------------------------------------

A = np.array([[0.9, 1.7, 0.4], [1.3, 0.6, 2.2]])
B_ROW = np.array([0.8, 1.45, 0.35])      # broadcast against A's rows
B_COL = np.array([[1.1], [0.45]])        # broadcast against A's columns

BINARY = [
    ("Add", tf.add),
    ("Sub", tf.subtract),
    ("Mul", tf.multiply),
    ("RealDiv", tf.truediv),
    ("Pow", tf.pow),
    ("Maximum", tf.maximum),
    ("Minimum", tf.minimum),
    ("SquaredDifference", tf.squared_difference),
    ("FloorMod", tf.floormod),
]

# (x, y, static shapes or None): broadcasting in both directions, both inputs broadcast,
# scalars, and [None, n] placeholders whose broadcast is only known at run time.
BROADCASTS = {
    "same": (A, A[::-1] + 0.05, None),
    "y_row": (A, B_ROW, None),
    "x_row": (B_ROW, A, None),
    "x_col_y_row": (B_COL, B_ROW, None),
    "y_scalar": (A, np.array(1.35), None),
    "x_scalar": (np.array(1.35), A, None),
    "x_3d": (np.stack([A, A * 0.7 + 0.1]), B_COL, None),
    "runtime_y_row": (A, B_ROW[None], [[None, 3], [None, 3]]),
    "runtime_x_row": (B_ROW[None], A, [[None, 3], [None, 3]]),
    "runtime_unknown_rank": (A, B_COL, [None, None]),
    "runtime_vs_static": (A, B_ROW, [[None, 3], [3]]),
}


@pytest.mark.parametrize("case", sorted(BROADCASTS))
@pytest.mark.parametrize("op_type,fn", BINARY, ids=[b[0] for b in BINARY])
def test_binary(op_type, fn, case):
    x, y, shapes = BROADCASTS[case]
    # All values are positive (Pow's base) and no pair ties (Maximum/Minimum) or sits on a
    # discontinuity of FloorMod.
    assert np.all(x > 0) and np.all(y > 0)
    xb, yb = np.broadcast_arrays(x, y)
    assert np.all(np.abs(xb - yb) > 1e-3)
    check_gradient(fn, [x, y], shapes=shapes, expect_ops=[op_type])


@pytest.mark.parametrize("op_type,fn", [("FloorMod", tf.floormod), ("RealDiv", tf.truediv)])
def test_binary_negative_operands(op_type, fn):
    x = np.array([5.3, -2.7, 1.2, -4.1])
    y = np.array([2.0, 1.5, -0.7, -1.3])
    check_gradient(fn, [x, y], expect_ops=[op_type])


def test_pow_gradient_at_zero_base_is_finite():
    """TF1: d(x**y)/dy is 0 where x <= 0 (not NaN from log(0))."""
    x = tf.placeholder(tf.float64, [2])
    y = tf.placeholder(tf.float64, [2])
    gx, gy = tf.gradients(tf.pow(x, y), [x, y])
    vx, vy = _run([gx, gy], {x: [0.0, 2.0], y: [2.0, 3.0]})
    np.testing.assert_allclose(vx, [0.0, 12.0])
    np.testing.assert_allclose(vy, [0.0, 8 * np.log(2.0)])


def test_maximum_minimum_ties_go_to_x():
    """TF1: a tie sends the whole gradient to x (x >= y for Maximum, x <= y for Minimum)."""
    x = tf.placeholder(tf.float64, [2])
    y = tf.placeholder(tf.float64, [2])
    grads = tf.gradients(tf.maximum(x, y), [x, y]) + tf.gradients(tf.minimum(x, y), [x, y])
    got = _run(grads, {x: [1.0, 2.0], y: [1.0, 3.0]})
    np.testing.assert_array_equal(got[0], [1, 0])
    np.testing.assert_array_equal(got[1], [0, 1])
    np.testing.assert_array_equal(got[2], [1, 1])
    np.testing.assert_array_equal(got[3], [0, 0])


@st.composite
def _broadcast_pair(draw):
    out = draw(st.lists(st.integers(1, 3), min_size=0, max_size=3))
    k = draw(st.integers(0, len(out)))
    other = [draw(st.sampled_from([1, d])) for d in out[len(out) - k:]]
    return (out, other) if draw(st.booleans()) else (other, out)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(_broadcast_pair(), st.booleans(), st.booleans())
def test_broadcast_gradient_property(pair, hide_x, hide_y):
    """For any broadcastable shapes (static or hidden), d<w, x*y>/dx = sum of w*y over the
    broadcast axes, reshaped to x's shape (and the same for y)."""
    xs, ys = pair
    rng = np.random.RandomState(len(xs) * 7 + len(ys))
    xv, yv = rng.uniform(-1, 1, xs), rng.uniform(-1, 1, ys)
    out_shape = np.broadcast_shapes(tuple(xs), tuple(ys))
    wv = rng.uniform(-1, 1, out_shape)
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float64, [None] * len(xs) if hide_x else xs)
        y = tf.placeholder(tf.float64, [None] * len(ys) if hide_y else ys)
        w = tf.placeholder(tf.float64, out_shape)
        gx, gy = tf.gradients(x * y, [x, y], grad_ys=w)
        with tf.Session() as sess:
            vx, vy = sess.run([gx, gy], {x: xv, y: yv, w: wv})

    def reduce_to(g, shape):
        lead = g.ndim - len(shape)
        g = g.sum(axis=tuple(range(lead)))
        axes = tuple(i for i, d in enumerate(shape) if d == 1 and g.shape[i] != 1)
        return g.sum(axis=axes, keepdims=True).reshape(shape)

    np.testing.assert_allclose(vx, reduce_to(wv * yv, xs), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(vy, reduce_to(wv * xv, ys), rtol=1e-12, atol=1e-12)


# --- Select, Cast ----------------------------------------------------------------------------

def test_select_where_v2_broadcasting():
    c = np.array([True, False, True])
    check_gradient(lambda cond, x, y: tf.where_v2(cond, x, y), [c, A, B_COL],
                   expect_ops=["Select"])


def test_select_where_v2_condition_broadcast_up():
    c = np.array([[True], [False]])
    check_gradient(lambda cond, x, y: tf.where_v2(cond, x, y), [c, B_ROW, np.array(0.5)],
                   expect_ops=["Select"])


def test_select_where_v1_same_shape_and_runtime_shapes():
    c = np.array([[True, False, True], [False, False, True]])
    check_gradient(lambda cond, x, y: tf.where(cond, x, y), [c, A, A * 2],
                   shapes=[[None, 3], [None, 3], [None, 3]], expect_ops=["Select"])


def test_cast_float64_to_float32_and_back():
    """x (f64) -> f32 -> square -> f64. Dyadic values and a power-of-two step keep the float32
    part exact, so central differences of the quadratic are exact."""
    x = np.array([0.5, -1.25, 2.0, 0.75])
    (g,) = check_gradient(lambda t: tf.cast(tf.square(tf.cast(t, tf.float32)), tf.float64), [x],
                          eps=2.0 ** -5, rtol=1e-6, atol=1e-6, expect_ops=["Cast"])
    assert g.dtype == np.float64


def test_cast_float32_to_float64():
    x = np.array([0.5, -1.25, 2.0], np.float32)
    (g,) = check_gradient(lambda t: tf.square(tf.cast(t, tf.float64)) * 3.0, [x],
                          eps=2.0 ** -5, rtol=1e-6, atol=1e-6, expect_ops=["Cast"])
    assert g.dtype == np.float32


def test_cast_through_integer_gives_none():
    x = tf.placeholder(tf.float64, [3])
    y = tf.cast(tf.cast(x, tf.int32), tf.float64) * x
    (g,) = tf.gradients(tf.cast(tf.cast(x, tf.int32), tf.float64), x)
    assert g is None
    (g2,) = tf.gradients(y, x)  # only the direct path counts
    np.testing.assert_allclose(_run(g2, {x: [1.5, 2.5, -0.5]}), [1.0, 2.0, 0.0])


# --- reductions ------------------------------------------------------------------------------

R = np.array([[[0.3, -0.8, 1.1, 0.45], [1.7, 0.2, -0.6, 0.95], [-1.3, 0.65, 0.05, 1.35]],
              [[0.75, -0.15, 0.5, -1.05], [0.25, 1.55, -0.35, 0.85], [1.25, -0.45, 0.15, -0.9]]])

REDUCTIONS = [
    ("Sum", tf.reduce_sum),
    ("Mean", tf.reduce_mean),
    ("Max", tf.reduce_max),
    ("Min", tf.reduce_min),
    ("Prod", tf.reduce_prod),
]
AXES = [None, 0, 1, -1, (0, 2), [1, 2], (0, 1, 2)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=[str(a) for a in AXES])
@pytest.mark.parametrize("op_type,fn", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reduction(op_type, fn, axis, keepdims):
    check_gradient(lambda x: fn(x, axis=axis, keepdims=keepdims), [R], expect_ops=[op_type])


@pytest.mark.parametrize("axis", [None, 1], ids=str)
@pytest.mark.parametrize("op_type,fn", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reduction_unknown_rank(op_type, fn, axis):
    check_gradient(lambda x: fn(x, axis=axis), [R], shapes=[None], expect_ops=[op_type])


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 2)], ids=str)
@pytest.mark.parametrize("op_type,fn", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reduction_runtime_shape(op_type, fn, axis):
    check_gradient(lambda x: fn(x, axis=axis), [R], shapes=[[None, 3, None]],
                   expect_ops=[op_type])


@pytest.mark.parametrize("op_type,fn", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reduction_of_a_scalar(op_type, fn):
    check_gradient(lambda x: fn(x), [np.array(1.7)], expect_ops=[op_type])


@pytest.mark.parametrize("op_type,fn", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reduction_over_no_axes(op_type, fn):
    check_gradient(lambda x: fn(x, axis=[]), [A])


@pytest.mark.parametrize("axis", [None, 0, 1], ids=str)
def test_prod_with_one_zero_in_a_group(axis):
    x = np.array([[0.0, 1.5, -2.0], [0.7, 1.3, 0.9]])
    (g,) = check_gradient(lambda t: tf.reduce_prod(t, axis=axis), [x], expect_ops=["Prod"])
    assert np.all(np.isfinite(g))


@pytest.mark.parametrize("axis", [None, 0, 1], ids=str)
def test_prod_with_two_zeros_in_a_group(axis):
    x = np.array([[0.0, 1.5, 0.0], [0.0, 1.3, 0.9]])
    (g,) = check_gradient(lambda t: tf.reduce_prod(t, axis=axis), [x], expect_ops=["Prod"])
    assert np.all(np.isfinite(g))


def test_prod_with_zeros_exact_values():
    x = tf.placeholder(tf.float64, [2, 3])
    (g,) = tf.gradients(tf.reduce_prod(x, axis=1), x)
    got = _run(g, {x: [[0.0, 2.0, 3.0], [0.0, 0.0, 5.0]]})
    np.testing.assert_array_equal(got, [[6.0, 0.0, 0.0], [0.0, 0.0, 0.0]])


@pytest.mark.parametrize("fn,expected", [(tf.reduce_max, [0, 0.5, 0.5, 0]),
                                         (tf.reduce_min, [0.5, 0, 0, 0.5])])
def test_max_min_ties_share_the_gradient(fn, expected):
    """TF1's _MinOrMaxGrad divides the gradient equally among the tied elements."""
    x = tf.placeholder(tf.float64, [4])
    (g,) = tf.gradients(fn(x), x)
    np.testing.assert_allclose(_run(g, {x: [1.0, 3.0, 3.0, 1.0]}), expected)


# --- MatMul ----------------------------------------------------------------------------------

@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
def test_matmul_transpose_flags(ta, tb):
    a = _rand(2, 3, seed=1)
    b = _rand(3, 4, seed=2)
    a = a.T.copy() if ta else a
    b = b.T.copy() if tb else b
    check_gradient(lambda x, y: tf.matmul(x, y, transpose_a=ta, transpose_b=tb), [a, b],
                   expect_ops=["MatMul"])


@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
def test_matmul_batched_broadcast_batch_dims(ta, tb):
    a = _rand(2, 1, 2, 3, seed=3)   # batch [2, 1]
    b = _rand(3, 3, 2, seed=4)      # batch [3]  -> [2, 3]
    a = np.swapaxes(a, -1, -2).copy() if ta else a
    b = np.swapaxes(b, -1, -2).copy() if tb else b
    check_gradient(lambda x, y: tf.matmul(x, y, transpose_a=ta, transpose_b=tb), [a, b],
                   expect_ops=["MatMul"])


def test_matmul_batched_with_a_matrix():
    check_gradient(lambda x, y: tf.matmul(x, y), [_rand(2, 2, 3, seed=5), _rand(3, 2, seed=6)],
                   expect_ops=["MatMul"])


def test_matmul_runtime_shapes():
    check_gradient(lambda x, y: tf.matmul(x, y), [_rand(2, 3, seed=7), _rand(3, 2, seed=8)],
                   shapes=[[None, 3], [3, None]], expect_ops=["MatMul"])


def test_matmul_batched_runtime_broadcast():
    check_gradient(lambda x, y: tf.matmul(x, y), [_rand(1, 2, 3, seed=9), _rand(2, 3, 2, seed=10)],
                   shapes=[[None, 2, 3], [None, 3, 2]], expect_ops=["MatMul"])


# --- shape and layout ops --------------------------------------------------------------------

X234 = _rand(2, 3, 4, seed=11)
X45 = _rand(4, 5, seed=12)
W33 = _rand(3, 3, seed=40) * 0.8
X23 = _rand(2, 3, seed=41)


def test_reshape():
    check_gradient(lambda x: tf.reshape(x, [4, -1]), [X234], expect_ops=["Reshape"])
    check_gradient(lambda x: tf.reshape(x, [-1]), [X234], shapes=[[None, 3, None]],
                   expect_ops=["Reshape"])


def test_transpose():
    check_gradient(lambda x: tf.transpose(x, [1, 2, 0]), [X234], expect_ops=["Transpose"])
    check_gradient(lambda x: tf.transpose(x), [X45], shapes=[[None, None]],
                   expect_ops=["Transpose"])


def test_expand_dims_and_squeeze():
    check_gradient(lambda x: [tf.expand_dims(x, 1), tf.expand_dims(x, -1)], [X45],
                   expect_ops=["ExpandDims"])
    x = _rand(2, 1, 3, 1, seed=13)
    check_gradient(lambda t: [tf.squeeze(t), tf.squeeze(t, [1])], [x], expect_ops=["Squeeze"])
    check_gradient(lambda t: tf.squeeze(t, [3]), [x], shapes=[[None, 1, None, 1]],
                   expect_ops=["Squeeze"])


def test_concat_static():
    check_gradient(lambda a, b, c: tf.concat([a, b, c], 1),
                   [_rand(2, 1, seed=14), _rand(2, 3, seed=15), _rand(2, 2, seed=16)],
                   expect_ops=["Concat"])
    check_gradient(lambda a, b: tf.concat([a, b], -1), [_rand(2, 2, 1), _rand(2, 2, 3, seed=2)],
                   expect_ops=["Concat"])
    check_gradient(lambda a, b: tf.concat([a, b], 0), [_rand(1, 3), _rand(2, 3, seed=3)],
                   expect_ops=["Concat"])


def test_concat_unknown_sizes():
    check_gradient(lambda a, b, c: tf.concat([a, b, c], 1),
                   [_rand(2, 1, seed=17), _rand(2, 3, seed=18), _rand(2, 2, seed=19)],
                   shapes=[[2, None], [None, None], [2, 2]], expect_ops=["Concat"])
    check_gradient(lambda a, b: tf.concat([a, b], 0), [_rand(2, 3, seed=20), _rand(1, 3, seed=21)],
                   shapes=[[None, 3], [None, 3]], expect_ops=["Concat"])


def test_stack_and_unstack():
    check_gradient(lambda a, b: tf.stack([a, b], axis=1), [_rand(2, 3), _rand(2, 3, seed=1)])
    check_gradient(lambda a: tf.unstack(a, axis=1), [X234])


def test_slice():
    check_gradient(lambda x: tf.slice(x, [1, 0, 2], [1, -1, 2]), [X234], expect_ops=["Slice"])
    check_gradient(lambda x: tf.slice(x, [1, 2], [2, 3]), [X45], shapes=[[None, None]],
                   expect_ops=["Slice"])


def test_slice_int64_begin():
    check_gradient(lambda x: tf.slice(x, np.array([1, 1], np.int64), np.array([2, 3], np.int64)),
                   [X45], expect_ops=["Slice"])


STRIDED = {
    "x[1:3]": lambda x: x[1:3],
    "x[:, ::2]": lambda x: x[:, ::2],
    "x[..., 1]": lambda x: x[..., 1],
    "x[::-1]": lambda x: x[::-1],
    "x[3:0:-2]": lambda x: x[3:0:-2],
    "x[:, -2::-2]": lambda x: x[:, -2::-2],
    "x[1]": lambda x: x[1],
    "x[-1, 2]": lambda x: x[-1, 2],
    "x[:, newaxis, 1:4]": lambda x: x[:, tf.newaxis, 1:4],
    "x[newaxis, ..., newaxis]": lambda x: x[tf.newaxis, ..., tf.newaxis],
    "x[1:, tf.newaxis, 2]": lambda x: x[1:, tf.newaxis, 2],
}


@pytest.mark.parametrize("shapes", [None, [[None, None]]], ids=["static", "runtime"])
@pytest.mark.parametrize("name", sorted(STRIDED))
def test_strided_slice(name, shapes):
    check_gradient(STRIDED[name], [X45], shapes=shapes, expect_ops=["StridedSlice"])


def test_strided_slice_3d_with_ellipsis():
    check_gradient(lambda x: x[1, ..., ::-2], [X234], expect_ops=["StridedSlice"])
    check_gradient(lambda x: tf.strided_slice(x, [0, 1], [2, 3], [1, 1], shrink_axis_mask=1),
                   [X234], expect_ops=["StridedSlice"])


def test_pad():
    check_gradient(lambda x: tf.pad(x, [[1, 0], [2, 1]]), [X45], expect_ops=["Pad"])
    check_gradient(lambda x: tf.pad(x, [[0, 2], [1, 1], [0, 0]], constant_values=3.0), [X234],
                   expect_ops=["Pad"])
    check_gradient(lambda x: tf.pad(x, [[1, 1], [0, 2]]), [X45], shapes=[[None, None]],
                   expect_ops=["Pad"])


@pytest.mark.parametrize("mode", ["REFLECT", "SYMMETRIC"])
def test_mirror_pad(mode):
    check_gradient(lambda x: tf.pad(x, [[2, 1], [1, 3]], mode=mode), [X45], expect_ops=["Pad"])
    check_gradient(lambda x: tf.pad(x, [[0, 1], [2, 2], [0, 0]], mode=mode), [X234])
    check_gradient(lambda x: tf.pad(x, [[1, 1], [0, 2]], mode=mode), [X45], shapes=[[None, None]])
    # paddings fed at run time (the largest REFLECT allows: one less than the size)
    check_gradient(lambda x, p: tf.pad(x, p, mode=mode), [X45, np.array([[3, 3], [4, 2]], np.int64)])


def test_pad_int64_paddings():
    check_gradient(lambda x: tf.pad(x, np.array([[1, 0], [2, 1]], np.int64)), [X45],
                   expect_ops=["Pad"])


def test_tile():
    check_gradient(lambda x: tf.tile(x, [2, 3]), [_rand(2, 2)], expect_ops=["Tile"])
    check_gradient(lambda x: tf.tile(x, [1, 2, 1]), [X234], shapes=[[None, 3, None]],
                   expect_ops=["Tile"])
    check_gradient(lambda x: tf.tile(x, np.array([3, 1], np.int64)), [_rand(2, 2)],
                   expect_ops=["Tile"])


def test_reverse():
    for axes in ([0], [1], [0, 2], [-1]):
        check_gradient(lambda x, a=axes: tf.reverse(x, a), [X234], expect_ops=["Reverse"])


def test_reverse_sequence():
    lengths = np.array([3, 1], np.int32)
    check_gradient(lambda x, n: tf.reverse_sequence(x, n, seq_axis=1, batch_axis=0),
                   [X234, lengths], expect_ops=["ReverseSequence"])
    check_gradient(lambda x, n: tf.reverse_sequence(x, n, seq_axis=0, batch_axis=1),
                   [np.transpose(X234, [1, 0, 2]).copy(), lengths],
                   shapes=[[None, None, 4], [None]], expect_ops=["ReverseSequence"])


def test_fill():
    check_gradient(lambda v: tf.fill([2, 3], v), [np.array(0.7)], expect_ops=["Fill"])
    check_gradient(lambda v, x: tf.fill(tf.shape(x), v) * x, [np.array(0.7), A],
                   shapes=[[], [None, None]], expect_ops=["Fill"])


def test_identity_and_placeholder_with_default():
    check_gradient(lambda x: tf.identity(x) * 2.0, [X45], expect_ops=["Identity"])
    x = tf.placeholder(tf.float64, [3])
    d = tf.placeholder_with_default(tf.sin(x), [3])
    y = tf.square(d)
    assert d.op.type == "PlaceholderWithDefault"
    (g,) = tf.gradients(y, x)
    v = np.array([0.2, -0.4, 1.1])
    np.testing.assert_allclose(_run(g, {x: v}), 2 * np.sin(v) * np.cos(v), rtol=1e-12)
    # gradient w.r.t. the PlaceholderWithDefault itself, when fed
    (gd,) = tf.gradients(y, d)
    np.testing.assert_allclose(_run(gd, {d: v}), 2 * v)


def test_placeholder_with_default_fd():
    check_gradient(lambda x: tf.tanh(tf.placeholder_with_default(x * 3.0, [None, 5])),
                   [X45], expect_ops=["PlaceholderWithDefault"])


# --- Gather / UnsortedSegmentSum -------------------------------------------------------------

def test_gather_axis0_is_indexed_slices():
    params = tf.placeholder(tf.float64, [4, 3])
    y = tf.gather(params, [2, 0, 2])
    w = tf.constant(_rand(3, 3, seed=22))
    (g,) = tf.gradients(y, params, grad_ys=w)
    assert isinstance(g, tf.IndexedSlices)
    with tf.Session() as sess:
        values, indices, shape = sess.run([g.values, g.indices, g.dense_shape],
                                          {params: _rand(4, 3)})
        dense = sess.run(tf.convert_to_tensor(g), {params: _rand(4, 3)})
    np.testing.assert_array_equal(indices, [2, 0, 2])
    np.testing.assert_array_equal(shape, [4, 3])
    wv = _rand(3, 3, seed=22)
    np.testing.assert_allclose(values, wv)
    expected = np.zeros((4, 3))
    expected[2] = wv[0] + wv[2]
    expected[0] = wv[1]
    np.testing.assert_allclose(dense, expected)


def test_gather_axis0_fd():
    check_gradient(lambda p: tf.gather(p, [2, 0, 2, 3]), [X45], expect_ops=["Gather"])
    check_gradient(lambda p: tf.gather(p, [[1, 0], [1, 1]]), [X234], expect_ops=["Gather"])
    check_gradient(lambda p, i: tf.gather(p, i), [X45, np.array([3, 3, 1], np.int32)],
                   shapes=[[None, 5], [None]], expect_ops=["Gather"])


def test_gather_of_a_computed_value():
    """A Gather's IndexedSlices gradient reaching ops that take plain tensors (a broadcasting
    product's sum back to its input's shape, a Maximum, a loop's output) gets there dense,
    as TF1's ops convert it; it was a TypeError from SumToShape."""
    check_gradient(lambda a, b: tf.gather(tf.maximum(a * b, a - 1.0), [2, 0, 2]),
                   [X45, _rand(5, seed=31)], expect_ops=["Gather", "Maximum"])

    def through_loop(a):
        looped = tf.while_loop(lambda i, v: i < 2, lambda i, v: (i + 1, tf.tanh(v) + v),
                               (0, a))[1]
        return tf.gather(looped + 1.0, [1, 1, 3])
    check_gradient(through_loop, [X45], expect_ops=["Gather", "While"])


def test_indexed_slices_pass_through_identities_and_are_dense_after_other_ops():
    """As in TF1: Identity and PlaceholderWithDefault pass a Gather's gradient on as
    IndexedSlices; an op that computes (here an Add) gets it dense."""
    v = tf.placeholder(tf.float64, [4, 3])
    (g,) = tf.gradients(tf.gather(tf.identity(tf.placeholder_with_default(v, [4, 3])), [1, 2]), v)
    q = tf.placeholder(tf.float64, [4, 3])
    (h,) = tf.gradients(tf.gather(q + 1.0, [1, 2]), q)
    assert isinstance(g, tf.IndexedSlices) and isinstance(h, tf.Tensor)


def test_a_gathers_gradient_stays_indexed_slices_through_a_cast():
    """TF1's Cast gradient casts IndexedSlices' values and keeps them sparse."""
    table = tf.placeholder(tf.float64, [4, 3])
    (g,) = tf.gradients(tf.gather(tf.cast(table, tf.float32), [2, 0, 2]), table,
                        grad_ys=tf.constant(np.arange(9.0).reshape(3, 3), tf.float32))
    assert isinstance(g, tf.IndexedSlices) and g.dtype == tf.float64
    value = _run(g, {table: np.ones((4, 3))})
    np.testing.assert_array_equal(value.indices, [2, 0, 2])
    np.testing.assert_array_equal(value.values, np.arange(9.0).reshape(3, 3))
    assert value.values.dtype == np.float64


def test_gather_axis1():
    check_gradient(lambda p: tf.gather(p, [1, 1, 0, 4], axis=1), [X45], expect_ops=["Gather"])
    check_gradient(lambda p: tf.gather(p, [[2, 0], [2, 2]], axis=1), [X234], expect_ops=["Gather"])
    check_gradient(lambda p: tf.gather(p, [3, 0], axis=-1), [X234], shapes=[[None, 3, None]],
                   expect_ops=["Gather"])


def test_unsorted_segment_sum():
    ids = np.array([0, 2, -1, 0, 1], np.int32)
    check_gradient(lambda d: tf.unsorted_segment_sum(d, ids, 3), [_rand(5, 2, seed=23)],
                   expect_ops=["UnsortedSegmentSum"])
    check_gradient(lambda d, i: tf.unsorted_segment_sum(d, i, 4),
                   [_rand(2, 3, 2, seed=24), np.array([[3, -1, 0], [0, 2, -2]], np.int32)],
                   shapes=[[None, 3, 2], [None, 3]], expect_ops=["UnsortedSegmentSum"])


def test_unsorted_segment_sum_negative_ids_get_zero_gradient():
    d = tf.placeholder(tf.float64, [4])
    (g,) = tf.gradients(tf.unsorted_segment_sum(d, [1, -1, 0, -3], 2), d,
                        grad_ys=tf.constant([10.0, 20.0], tf.float64))
    np.testing.assert_array_equal(_run(g, {d: np.ones(4)}), [20.0, 0.0, 10.0, 0.0])


# --- every primitive inside a while-loop body and a cond branch ------------------------------
#
# The backward loop and gradient branches build the same formulas in another graph, reading
# the forward body's values through saved per-iteration stacks: each primitive once there.

def in_while(fn, iterations=2):
    """acc <- 0.5 acc + fn(inputs scaled by 1 + 0.1 i), for `iterations` steps (acc starts
    at fn(inputs)): the forward values fn's gradient needs differ per iteration."""
    def build(*inputs):
        floats = [k for k, t in enumerate(inputs) if t.dtype.is_floating]

        def call(i):
            scale = 1.0 + 0.1 * tf.cast(i, tf.float64)
            args = [t * tf.cast(scale, t.dtype) if k in floats else t
                    for k, t in enumerate(inputs)]
            return fn(*args)

        acc0 = call(tf.constant(0))
        _, acc = tf.while_loop(lambda i, acc: i < iterations + 1,
                               lambda i, acc: (i + 1, acc * tf.cast(0.5, acc.dtype) + call(i)),
                               [tf.constant(1), acc0])
        return acc
    return build


def in_cond(fn, taken=True):
    """fn(inputs) in the taken branch of a tf.cond whose predicate is only known at run time
    (the other branch is fn(inputs) * 2)."""
    def build(*inputs):
        p = tf.placeholder_with_default(tf.constant(taken), [])
        def other():
            y = fn(*inputs)
            return y * tf.cast(2.0, y.dtype)
        return tf.cond(p, lambda: fn(*inputs), other)
    return build


CONTEXTS = {"while": in_while, "cond_true": in_cond,
            "cond_false": lambda fn: in_cond(fn, taken=False)}


@pytest.mark.parametrize("context", sorted(CONTEXTS))
@pytest.mark.parametrize("op_type,fn,value", UNARY, ids=[u[0] for u in UNARY])
def test_unary_in_control_flow(op_type, fn, value, context):
    check_gradient(CONTEXTS[context](fn), [value], expect_ops=[op_type])


@pytest.mark.parametrize("context", sorted(CONTEXTS))
@pytest.mark.parametrize("case", ["y_row", "runtime_y_row"])
@pytest.mark.parametrize("op_type,fn", BINARY, ids=[b[0] for b in BINARY])
def test_binary_in_control_flow(op_type, fn, case, context):
    x, y, shapes = BROADCASTS[case]
    check_gradient(CONTEXTS[context](fn), [x, y], shapes=shapes, expect_ops=[op_type])


LOGITS_ = np.array([[0.3, -1.2, 2.1, 0.4], [1.5, 0.2, -0.3, -2.0]])
SOFT_LABELS_ = np.array([[0.1, 0.2, 0.6, 0.1], [0.5, 0.5, 0.0, 0.0]])

IN_LOOP_OPS = {
    "Select": (lambda c, x, y: tf.where_v2(c, x, y), [np.array([True, False, True]), A, B_COL]),
    # float32 inside: dyadic step, a quadratic (exact differences) and looser tolerances
    "Cast": (lambda x: tf.cast(tf.square(tf.cast(x, tf.float32)), tf.float64),
             [np.array([0.5, -1.25, 2.0])], dict(eps=2.0 ** -5, rtol=1e-4, atol=1e-5)),
    "Sum": (lambda x: tf.reduce_sum(x, axis=1), [R]),
    "Mean": (lambda x: tf.reduce_mean(x, axis=(0, 2), keepdims=True), [R]),
    "Max": (lambda x: tf.reduce_max(x, axis=-1), [R]),
    "Min": (lambda x: tf.reduce_min(x), [R]),
    "Prod": (lambda x: tf.reduce_prod(x, axis=0), [R]),
    "MatMul": (lambda a, b: tf.matmul(a, b, transpose_b=True), [X23, W33]),
    "MatMul_batched": (lambda a, b: tf.matmul(a, b), [_rand(2, 1, 2, 3), _rand(3, 3, 2, seed=1)]),
    "Reshape": (lambda x: tf.reshape(x, [4, -1]), [X234]),
    "Transpose": (lambda x: tf.transpose(x, [2, 0, 1]), [X234]),
    "ExpandDims": (lambda x: tf.expand_dims(x, 1), [X45]),
    "Squeeze": (lambda x: tf.squeeze(x, [1]), [_rand(2, 1, 3)]),
    "Concat": (lambda a, b: tf.concat([a, b], 1), [_rand(2, 1), _rand(2, 3, seed=1)]),
    "Slice": (lambda x: tf.slice(x, [1, 0, 2], [1, -1, 2]), [X234]),
    "StridedSlice": (lambda x: x[3:0:-2, tf.newaxis, 1:], [X45]),
    "Pad": (lambda x: tf.pad(x, [[1, 0], [2, 1]]), [X45]),
    "Pad_reflect": (lambda x: tf.pad(x, [[1, 2], [2, 1]], mode="REFLECT"), [X45]),
    "Tile": (lambda x: tf.tile(x, [2, 3]), [_rand(2, 2)]),
    "Reverse": (lambda x: tf.reverse(x, [0, 2]), [X234]),
    "ReverseSequence": (lambda x, n: tf.reverse_sequence(x, n, seq_axis=1, batch_axis=0),
                        [X234, np.array([3, 1], np.int32)]),
    "Fill": (lambda v: tf.fill([2, 3], v), [np.array(0.7)]),
    "Gather": (lambda p: tf.gather(p, [2, 0, 2, 3]), [X45]),
    "Gather_axis1": (lambda p: tf.gather(p, [1, 1, 0, 4], axis=1), [X45]),
    "UnsortedSegmentSum": (lambda d: tf.unsorted_segment_sum(d, [0, 2, -1, 0, 1], 3),
                           [_rand(5, 2, seed=23)]),
    "Identity": (lambda x: tf.identity(x), [X45]),
    "softmax_xent": (lambda lab, x: tf.nn.softmax_cross_entropy_with_logits_v2(labels=lab,
                                                                                logits=x),
                     [SOFT_LABELS_, LOGITS_]),
    "log_softmax": (lambda x: tf.nn.log_softmax(x), [LOGITS_]),
    "l2_loss": (lambda x: tf.nn.l2_loss(x), [X45]),
}


@pytest.mark.parametrize("context", sorted(CONTEXTS))
@pytest.mark.parametrize("name", sorted(IN_LOOP_OPS))
def test_op_in_control_flow(name, context):
    fn, values, *options = IN_LOOP_OPS[name]
    check_gradient(CONTEXTS[context](fn), values, **(options[0] if options else {}))


# --- composites ------------------------------------------------------------------------------

LOGITS = np.array([[0.3, -1.2, 2.1, 0.4], [1.5, 0.2, -0.3, -2.0], [0.05, 0.9, 1.1, -0.6]])
SOFT_LABELS = np.array([[0.1, 0.2, 0.6, 0.1], [0.5, 0.5, 0.0, 0.0], [0.25, 0.25, 0.25, 0.25]])


def test_softmax_and_log_softmax():
    check_gradient(lambda x: [tf.nn.softmax(x), tf.nn.log_softmax(x)], [LOGITS])
    check_gradient(lambda x: [tf.nn.softmax(x, axis=0), tf.nn.log_softmax(x, axis=0)], [LOGITS])
    check_gradient(lambda x: tf.nn.softmax(x), [LOGITS], shapes=[[None, None]])


def test_softmax_cross_entropy_with_logits_v2():
    check_gradient(lambda lab, x: tf.nn.softmax_cross_entropy_with_logits_v2(labels=lab, logits=x),
                   [SOFT_LABELS, LOGITS])
    check_gradient(lambda lab, x: tf.nn.softmax_cross_entropy_with_logits_v2(
        labels=lab, logits=x, axis=0), [SOFT_LABELS, LOGITS], shapes=[[None, 4], [None, 4]])


def test_softmax_cross_entropy_with_logits_v1_stops_at_labels():
    labels = tf.placeholder(tf.float64, [3, 4])
    logits = tf.placeholder(tf.float64, [3, 4])
    loss = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    g_lab, g_log = tf.gradients(loss, [labels, logits])
    assert g_lab is None
    got = _run(g_log, {labels: SOFT_LABELS, logits: LOGITS})
    e = np.exp(LOGITS - LOGITS.max(1, keepdims=True))
    np.testing.assert_allclose(got, e / e.sum(1, keepdims=True) - SOFT_LABELS, rtol=1e-10)


def test_sparse_softmax_cross_entropy_with_logits():
    labels = np.array([2, 0, 3], np.int32)
    check_gradient(lambda lab, x: tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=lab, logits=x), [labels, LOGITS])
    check_gradient(lambda lab, x: tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=lab, logits=x), [labels.astype(np.int64), LOGITS], shapes=[[None], [None, 4]])


def test_sigmoid_cross_entropy_with_logits():
    labels = np.array([[0.0, 1.0, 0.3, 0.8], [1.0, 0.0, 0.5, 0.1], [0.2, 0.9, 1.0, 0.0]])
    check_gradient(lambda lab, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=lab, logits=x),
                   [labels, LOGITS])


def test_l2_loss():
    check_gradient(tf.nn.l2_loss, [X234])
    check_gradient(tf.nn.l2_loss, [X45], shapes=[None])


def test_bias_add():
    check_gradient(lambda v, b: tf.nn.bias_add(v, b), [X234, _rand(4, seed=25)])
    check_gradient(lambda v, b: tf.nn.bias_add(v, b, data_format="NCHW"),
                   [_rand(2, 3, 2, 2, seed=26), _rand(3, seed=27)])
    check_gradient(lambda v, b: tf.nn.bias_add(v, b), [X45, _rand(5, seed=28)],
                   shapes=[[None, 5], [5]])


def test_embedding_lookup():
    ids = np.array([[1, 3], [3, 0]], np.int32)
    check_gradient(lambda p, i: tf.nn.embedding_lookup(p, i), [X45, ids])


def test_embedding_lookup_of_a_variable_is_indexed_slices():
    table = tf.Variable(_rand(4, 3, seed=29), name="table")
    ids = tf.constant([3, 1, 3])
    y = tf.reduce_sum(tf.square(tf.nn.embedding_lookup(table, ids)))
    (g,) = tf.gradients(y, table)
    assert isinstance(g, tf.IndexedSlices)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        values, indices = sess.run([g.values, g.indices])
        dense = sess.run(tf.convert_to_tensor(g))
        tv = sess.run(table)
    np.testing.assert_array_equal(indices, [3, 1, 3])
    np.testing.assert_allclose(values, 2 * tv[[3, 1, 3]])
    expected = np.zeros_like(tv)
    expected[3] = 4 * tv[3]
    expected[1] = 2 * tv[1]
    np.testing.assert_allclose(dense, expected)
    check_gradient(lambda: tf.reduce_sum(tf.sin(tf.nn.embedding_lookup(table, ids))), [],
                   variables=True, var_entries=12)


@pytest.mark.parametrize("clip_norm", [0.5, 100.0], ids=["clipped", "unclipped"])
def test_clip_by_global_norm(clip_norm):
    def build(a, b):
        clipped, norm = tf.clip_by_global_norm([a, b], clip_norm)
        return clipped + [norm]
    check_gradient(build, [_rand(2, 3, seed=30), _rand(4, seed=31)])


def test_clip_by_global_norm_with_use_norm():
    def build(a, b, n):
        clipped, _ = tf.clip_by_global_norm([a, b], 0.7, use_norm=n)
        return clipped
    check_gradient(build, [_rand(2, 3, seed=32), _rand(4, seed=33), np.array(1.9)])


def test_dropout_gradient_is_mask_over_keep_prob():
    tf.set_random_seed(7)
    x = tf.placeholder(tf.float64, [4, 5])
    keep = 0.6
    y = tf.nn.dropout(x, keep_prob=keep, seed=3)
    (g,) = tf.gradients(y, x)
    xv = _rand(4, 5, seed=34) + 2.0  # no zeros: y == 0 exactly where dropped
    with tf.Session() as sess:
        yv, gv = sess.run([y, g], {x: xv})
    mask = yv != 0
    assert 0 < mask.sum() < mask.size
    np.testing.assert_allclose(gv, mask / keep, rtol=1e-12)
    np.testing.assert_allclose(yv, xv * gv, rtol=1e-12)


def test_dropout_with_rate_tensor_and_noise_shape():
    tf.set_random_seed(7)
    x = tf.placeholder(tf.float64, [4, 5])
    rate = tf.placeholder(tf.float64, [])
    y = tf.nn.dropout(x, rate=rate, noise_shape=[4, 1], seed=5)
    (g,) = tf.gradients(y, x)
    xv = _rand(4, 5, seed=35) + 2.0
    yv, gv = _run([y, g], {x: xv, rate: 0.5})
    mask = yv != 0
    np.testing.assert_allclose(gv, mask / 0.5, rtol=1e-12)
    assert np.all(mask.all(1) | ~mask.any(1))  # whole rows kept or dropped


# --- control flow: while_loop ----------------------------------------------------------------

def test_while_tanh_matmul_captured_weight():
    """x <- tanh(x @ W), 4 iterations: gradient w.r.t. the initial x and the captured W."""
    def build(x0, w):
        _, x = tf.while_loop(lambda i, x: i < 4, lambda i, x: (i + 1, tf.tanh(tf.matmul(x, w))),
                             [tf.constant(0), x0])
        return x
    check_gradient(build, [X23, W33], expect_ops=["While"])


def test_while_gradient_copies_values_known_while_building_instead_of_saving_them():
    """control_flow_grad: the backward body needs `scale`, a Cast of a constant the forward
    body computes; it is known while the graph is built, so the gradient makes it again
    rather than the forward loop saving one copy per iteration."""
    x0 = tf.placeholder(tf.float64, [2, 3])
    def body(i, x):
        scale = tf.cast(tf.constant(3), tf.float64)
        return i + 1, tf.sin(x) * scale
    _, x = tf.while_loop(lambda i, x: i < 4, body, [tf.constant(0), x0])
    (g,) = tf.gradients(tf.reduce_sum(x), x0)
    loop = next(op for op in x.graph.get_operations() if op.type == "While")
    assert sorted(t.op.type for t in loop.get_attr("saved")) == ["Arg", "Sin"]  # not the Cast
    check_gradient(lambda x0: tf.while_loop(lambda i, x: i < 4, body, [tf.constant(0), x0])[1],
                   [X23], expect_ops=["While"])


def test_while_runtime_shapes():
    def build(x0, w):
        _, x = tf.while_loop(lambda i, x: i < 3, lambda i, x: (i + 1, tf.tanh(tf.matmul(x, w))),
                             [tf.constant(0), x0])
        return x
    check_gradient(build, [X23, W33], shapes=[[None, 3], [None, 3]])


def test_while_maximum_iterations_and_unused_loop_variable():
    """cond always true: maximum_iterations=3 stops it. y is a float loop variable that the
    loss does not read; c is passed through unchanged."""
    def build(x0, y0, c):
        _, x, y, c_out = tf.while_loop(
            lambda i, x, y, c: i < 100,
            lambda i, x, y, c: (i + 1, tf.sin(x) * c + y, y * 1.1, c),
            [tf.constant(0), x0, y0, c], maximum_iterations=3)
        return [x, c_out]
    check_gradient(build, [np.array([0.3, -0.8]), np.array([0.5, 0.2]), np.array(1.3)])


def test_while_maximum_iterations_tensor():
    def build(x0, w):
        return tf.while_loop(lambda x: tf.constant(True), lambda x: tf.tanh(x * w), [x0],
                             maximum_iterations=tf.constant(5))
    check_gradient(build, [np.array([0.3, -0.8, 1.5]), np.array([1.2, 0.7, -0.9])])


def test_while_data_dependent_trip_count():
    """while sum(x) < c: x <- 1.5 x + 0.2 (trip count 4 for these values, far from the boundary).
    The threshold c only decides the trip count: its gradient is None (a bool path)."""
    x0v = np.array([0.3, 0.1])

    def build(x0):
        c = tf.constant(4.0, tf.float64)
        return tf.while_loop(lambda x: tf.reduce_sum(x) < c, lambda x: x * 1.5 + 0.2 * x * x,
                             [x0])
    check_gradient(build, [x0v])


def test_while_trip_count_threshold_has_no_gradient():
    x0 = tf.placeholder(tf.float64, [2])
    c = tf.placeholder(tf.float64, [])
    x = tf.while_loop(lambda x: tf.reduce_sum(x) < c, lambda x: x * 1.5, [x0])
    gx, gc = tf.gradients(x, [x0, c])
    assert gc is None
    np.testing.assert_allclose(_run(gx, {x0: [0.5, 0.5], c: 3.0}), [1.5 ** 3] * 2)


def test_while_trip_count_zero():
    """The loop body never runs: the gradient passes through unchanged (and W gets zeros)."""
    def build(x0, w):
        _, x = tf.while_loop(lambda i, x: i < 0, lambda i, x: (i + 1, tf.tanh(tf.matmul(x, w))),
                             [tf.constant(0), x0])
        return x
    gx, gw = check_gradient(build, [X23, W33])
    np.testing.assert_array_equal(gw, 0)


def test_nested_while():
    """Outer loop: 3 iterations; inner loop: 2 iterations of x <- sin(x * w) + 0.5 x."""
    def build(x0, w):
        def outer_body(i, x):
            _, x = tf.while_loop(lambda j, x: j < 2,
                                 lambda j, x: (j + 1, tf.sin(x * w) + 0.5 * x),
                                 [tf.constant(0), x])
            return i + 1, x * w
        _, x = tf.while_loop(lambda i, x: i < 3, outer_body, [tf.constant(0), x0])
        return x
    check_gradient(build, [np.array([0.4, -0.9]), np.array([1.1, 0.6])])


def test_while_loop_variable_with_changing_shape():
    """acc grows by one row per iteration (shape invariant [None, 2])."""
    def build(x, w):
        def body(i, acc):
            return i + 1, tf.concat([acc, tf.tanh(acc[-1:] * w)], 0)
        _, acc = tf.while_loop(lambda i, acc: i < 3, body, [tf.constant(0), x],
                               shape_invariants=[tf.TensorShape([]), tf.TensorShape([None, 2])])
        return acc
    check_gradient(build, [np.array([[0.4, -0.9]]), np.array([1.1, 0.6])])


def test_while_gather_of_captured_embedding():
    """An embedding table captured by the loop and gathered from at every step."""
    ids = np.array([[1, 3], [0, 1], [3, 3]], np.int32)

    def build(emb, w, h0):
        def body(t, h):
            x = tf.gather(emb, tf.gather(tf.constant(ids), t))
            return t + 1, tf.tanh(x + tf.matmul(h, w))
        _, h = tf.while_loop(lambda t, h: t < 3, body, [tf.constant(0), h0])
        return h
    check_gradient(build, [_rand(4, 3, seed=70), W33, X23])


def test_while_capture_used_in_cond_and_body():
    def build(x0, c):
        return tf.while_loop(lambda x: tf.reduce_sum(x) < c * 4.0, lambda x: x * 1.3 + c, [x0])
    check_gradient(build, [np.array([0.3, 0.2]), np.array(0.5)])


def test_nested_while_inner_trip_count_depends_on_outer():
    def build(x0, w):
        def outer_body(i, x):
            _, x = tf.while_loop(lambda j, x: j < i + 1,
                                 lambda j, x: (j + 1, tf.tanh(x * w + 0.1)),
                                 [tf.constant(0), x])
            return i + 1, x
        _, x = tf.while_loop(lambda i, x: i < 3, outer_body, [tf.constant(0), x0])
        return x
    # The outer loop saves the inner loop's stacks, 1, 2 and 3 rows long (padded to 3).
    check_gradient(build, [np.array([0.4, -0.9]), np.array([1.1, 0.6])])


def test_three_nested_whiles_with_varying_trip_counts():
    """The outer loop saves the middle loop's stacks of the inner loop's stacks: two
    iteration axes that vary (including inner loops that run zero times)."""
    def build(x0, w):
        def middle_body(i, j, x):
            _, x = tf.while_loop(lambda k, x: k < j * i - 1,
                                 lambda k, x: (k + 1, tf.sin(x * w) + x * 0.5),
                                 [tf.constant(0), x])
            return i, j + 1, x
        def outer_body(i, x):
            _, _, x = tf.while_loop(lambda i, j, x: j < i, middle_body, [i, tf.constant(0), x])
            return i + 1, x
        _, x = tf.while_loop(lambda i, x: i < 4, outer_body, [tf.constant(0), x0])
        return x
    check_gradient(build, [np.array([0.4, -0.9, 0.2]), np.array([0.9, 0.6, -0.7])])


def test_while_saving_a_value_whose_shape_changes_is_a_clear_error():
    """A body value the gradient needs, whose shape changes between iterations (not an
    iteration count), cannot be padded: a clear error, never a wrong gradient."""
    def build(x0):
        def body(i, x):
            return i + 1, tf.concat([tf.sin(x), x[:1]], 0)  # sin's gradient needs x
        _, x = tf.while_loop(lambda i, x: i < 3, body, [tf.constant(0), x0],
                             shape_invariants=[tf.TensorShape([]), tf.TensorShape([None])])
        return tf.reduce_sum(x * x)
    with pytest.raises(tf.errors.UnimplementedError, match="shape changes between iterations"):
        check_gradient(build, [np.array([0.4, -0.9])])


def test_while_reads_captured_tensor_array_and_writes_another():
    """dynamic_rnn style: inputs unstacked into a TensorArray read inside the loop; outputs
    written into another TensorArray and stacked."""
    T, Bt, D, U = 3, 2, 2, 3

    def build(inputs, wx, wh, h0):
        in_ta = tf.TensorArray(tf.float64, size=T).unstack(inputs)
        out_ta = tf.TensorArray(tf.float64, size=T)

        def body(t, h, out_ta):
            h = tf.tanh(tf.matmul(in_ta.read(t), wx) + tf.matmul(h, wh))
            return t + 1, h, out_ta.write(t, h)
        _, h, out_ta = tf.while_loop(lambda t, h, ta: t < T, body, [tf.constant(0), h0, out_ta])
        return [out_ta.stack(), h]
    check_gradient(build, [_rand(T, Bt, D, seed=42), _rand(D, U, seed=43),
                           _rand(U, U, seed=44) * 0.7, _rand(Bt, U, seed=45)],
                   expect_ops=["TensorArrayRead", "TensorArrayWrite"])


def _ta(size, **kw):
    return tf.TensorArray(tf.float64, size=size, **kw)


TENSOR_ARRAY_CASES = {
    "write_read_stack": lambda a, b: (
        lambda ta: [ta.stack(), ta.read(2)])(
            _ta(3, clear_after_read=False).write(0, a).write(2, a * b).write(1, tf.sin(b))),
    "unstack_read": lambda a, b: _ta(2).unstack(tf.stack([a, b]) * 2.0).read(1),
    "unstack_stack": lambda a, b: _ta(2).unstack(tf.stack([a, tf.sin(b)])).stack(),
    "scatter_gather": lambda a, b: _ta(2).scatter([1, 0], tf.stack([b, a * a])).gather([0, 1]),
    "split_concat_even": lambda a, b: _ta(2).split(tf.concat([a, b], 0) * 3.0, [3, 3]).concat(),
    "split_concat_uneven": lambda a, b: _ta(2, infer_shape=False).split(
        tf.concat([a, b], 0), [1, 5]).concat(),
    "split_read_uneven": lambda a, b: _ta(2, infer_shape=False).split(
        tf.concat([a, tf.sin(b)], 0), [2, 4]).read(1),
    "write_twice_read_unwritten": lambda a, b: (
        lambda ta: [ta.read(0), ta.read(1)])(
            _ta(3, element_shape=[3]).write(0, a).write(2, b)),
}


@pytest.mark.parametrize("case", sorted(TENSOR_ARRAY_CASES))
def test_tensor_array_outside_loops(case):
    check_gradient(TENSOR_ARRAY_CASES[case], [_rand(3, seed=46), _rand(3, seed=47)])


def test_captured_tensor_array_read_in_a_loop_and_outside():
    """One TensorArray read by a loop (captured) and stacked after it."""
    def build(x, w):
        ta = tf.TensorArray(tf.float64, size=3, clear_after_read=False).unstack(tf.sin(x))
        _, acc = tf.while_loop(lambda t, acc: t < 3,
                               lambda t, acc: (t + 1, tf.tanh(acc * w + ta.read(t))),
                               [tf.constant(0), tf.zeros_like(w)])
        return [acc, ta.stack() * 2.0, ta.read(1)]
    check_gradient(build, [_rand(3, 2, seed=71), np.array([1.1, 0.6])])


def test_captured_tensor_array_read_in_nested_loop_and_cond():
    """The inner loop reads the outer graph's TensorArray; a cond in the inner body too."""
    def build(x, w):
        ta = tf.TensorArray(tf.float64, size=4, clear_after_read=False).unstack(x)

        def outer(i, acc):
            def inner(j, acc):
                k = 2 * i + j
                v = tf.cond(tf.equal(j, 0), lambda: ta.read(k) * w, lambda: tf.sin(ta.read(k)))
                return j + 1, acc * 0.5 + v
            _, acc = tf.while_loop(lambda j, acc: j < 2, inner, [tf.constant(0), acc])
            return i + 1, acc
        _, acc = tf.while_loop(lambda i, acc: i < 2, outer, [tf.constant(0), tf.zeros_like(w)])
        return acc
    check_gradient(build, [_rand(4, 2, seed=72), np.array([1.1, 0.6])])


def test_while_with_tensor_array_loop_variable_read_back():
    """A TensorArray written in one loop and read in a second loop."""
    T = 4

    def build(x0, w):
        def write_body(t, x, ta):
            x = tf.tanh(x * w)
            return t + 1, x, ta.write(t, x)
        _, _, ta = tf.while_loop(lambda t, x, ta: t < T, write_body,
                                 [tf.constant(0), x0, tf.TensorArray(tf.float64, size=T)])

        def read_body(t, acc):
            return t + 1, acc + ta.read(t) * tf.cast(t + 1, tf.float64)
        _, acc = tf.while_loop(lambda t, acc: t < T, read_body,
                               [tf.constant(0), tf.zeros_like(x0)])
        return acc
    check_gradient(build, [np.array([0.4, -0.9, 0.2]), np.array([1.1, 0.6, -1.3])])


# --- control flow: cond ----------------------------------------------------------------------

@pytest.mark.parametrize("pred", [True, False])
def test_cond_gradient_of_captures_of_each_branch(pred):
    def build(p, a, b, c):
        return tf.cond(p, lambda: a * b + tf.sin(a), lambda: tf.square(c) / b)
    ga, gb, gc = check_gradient(build, [np.array(pred), np.array([0.4, -1.2]),
                                        np.array([1.3, 0.7]), np.array([0.9, -0.2])],
                                expect_ops=["Cond"])
    if pred:
        np.testing.assert_array_equal(gc, 0)
    else:
        np.testing.assert_array_equal(ga, 0)


@pytest.mark.parametrize("pred", [True, False])
def test_cond_multiple_outputs_and_passthrough(pred):
    """A branch output that is a captured tensor itself; two outputs; a tensor used in both
    branches."""
    def build(p, a, b):
        return tf.cond(p, lambda: (a, a * b), lambda: (tf.exp(b), b))
    check_gradient(build, [np.array(pred), np.array([0.4, -1.2]), np.array([1.3, 0.7])])


@pytest.mark.parametrize("x_sum", [1.0, -1.0])
def test_cond_data_dependent_predicate(x_sum):
    def build(x, w):
        return tf.cond(tf.reduce_sum(x) > 0, lambda: tf.tanh(tf.matmul(x, w)),
                       lambda: tf.matmul(tf.sin(x), w) * 2.0)
    x = np.array([[0.5, 0.3, 0.2], [0.4, -0.6, 0.2]]) * x_sum
    check_gradient(build, [x, W33])


def test_nested_cond():
    def build(p, q, a):
        return tf.cond(p, lambda: tf.cond(q, lambda: a * a, lambda: tf.sin(a)),
                       lambda: a * 3.0)
    for pv, qv in [(True, True), (True, False), (False, True)]:
        with tf.Graph().as_default():
            check_gradient(build, [np.array(pv), np.array(qv), np.array([0.4, -1.2])])


@pytest.mark.parametrize("threshold", [-10.0, 0.0, 10.0], ids=["always", "mixed", "never"])
def test_cond_inside_while(threshold):
    """while i < 4: x <- cond(sum(x) + i > threshold, x * w, tanh(x + w))."""
    def build(x0, w):
        def body(i, x):
            x = tf.cond(tf.reduce_sum(x) + tf.cast(i, tf.float64) > threshold,
                        lambda: x * w, lambda: tf.tanh(x + w))
            return i + 1, x
        _, x = tf.while_loop(lambda i, x: i < 4, body, [tf.constant(0), x0])
        return x
    check_gradient(build, [np.array([0.4, -0.9]), np.array([1.1, 0.6])])


def test_cond_on_loop_counter_inside_while():
    def build(x0, w):
        def body(i, x):
            x = tf.cond(tf.equal(i % 2, 0), lambda: tf.sin(x * w), lambda: x + w * w)
            return i + 1, x
        _, x = tf.while_loop(lambda i, x: i < 5, body, [tf.constant(0), x0])
        return x
    check_gradient(build, [np.array([0.4, -0.9]), np.array([1.1, 0.6])])


def test_while_inside_cond():
    def build(p, x0, w):
        def loop():
            _, x = tf.while_loop(lambda i, x: i < 3, lambda i, x: (i + 1, tf.tanh(x * w)),
                                 [tf.constant(0), x0])
            return x
        return tf.cond(p, loop, lambda: x0 * w)
    for pv in (True, False):
        with tf.Graph().as_default():
            check_gradient(build, [np.array(pv), np.array([0.4, -0.9]), np.array([1.1, 0.6])])


# --- RNNs ------------------------------------------------------------------------------------

Bn, Tn, Dn, Un = 2, 3, 2, 3
RNN_X = _rand(Bn, Tn, Dn, seed=50)
LENGTHS = np.array([3, 1], np.int32)


def _cell(kind, name=None):
    if kind == "lstm":
        return rc.LSTMCell(Un, name=name)
    if kind == "lstm_peep":
        return rc.LSTMCell(Un, use_peepholes=True, num_proj=2, name=name)
    if kind == "gru":
        return rc.GRUCell(Un, name=name)
    return rc.BasicRNNCell(Un, name=name)


def _state_list(state):
    return list(tf.nest.flatten(state))


@pytest.mark.parametrize("with_lengths", [False, True], ids=["full", "seqlen"])
@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_dynamic_rnn(kind, with_lengths):
    def build(x, *lengths):
        outputs, state = tf.nn.dynamic_rnn(_cell(kind), x, dtype=tf.float64,
                                           sequence_length=lengths[0] if lengths else None)
        return [outputs] + _state_list(state)
    feeds = [RNN_X] + ([LENGTHS] if with_lengths else [])
    check_gradient(build, feeds, variables=True)


def test_dynamic_rnn_runtime_shapes_time_major_initial_state():
    def build(x, h0, lengths):
        cell = _cell("gru")
        outputs, state = tf.nn.dynamic_rnn(cell, x, sequence_length=lengths, initial_state=h0,
                                           time_major=True)
        return [outputs, state]
    check_gradient(build, [np.transpose(RNN_X, [1, 0, 2]).copy(), _rand(Bn, Un, seed=51),
                           LENGTHS], shapes=[[None, None, Dn], [None, Un], [None]],
                   variables=True)


def test_dynamic_rnn_lstm_peepholes_projection():
    def build(x, lengths):
        outputs, state = tf.nn.dynamic_rnn(_cell("lstm_peep"), x, dtype=tf.float64,
                                           sequence_length=lengths)
        return [outputs] + _state_list(state)
    check_gradient(build, [RNN_X, LENGTHS], variables=True)


def test_dynamic_rnn_multi_rnn_cell():
    def build(x):
        cell = rc.MultiRNNCell([_cell("lstm"), _cell("gru")])
        outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float64)
        return [outputs] + _state_list(state)
    check_gradient(build, [RNN_X], variables=True, var_entries=2)


@pytest.mark.parametrize("with_lengths", [False, True], ids=["full", "seqlen"])
def test_bidirectional_dynamic_rnn(with_lengths):
    def build(x, *lengths):
        (fw, bw), (sf, sb) = tf.nn.bidirectional_dynamic_rnn(
            _cell("lstm", "fw"), _cell("gru", "bw"), x, dtype=tf.float64,
            sequence_length=lengths[0] if lengths else None)
        return [fw, bw] + _state_list(sf) + _state_list(sb)
    feeds = [RNN_X] + ([LENGTHS] if with_lengths else [])
    check_gradient(build, feeds, variables=True)


@pytest.mark.parametrize("with_lengths", [False, True], ids=["full", "seqlen"])
@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_static_rnn(kind, with_lengths):
    def build(x, *lengths):
        inputs = tf.unstack(x, axis=1)
        outputs, state = tf.nn.static_rnn(_cell(kind), inputs, dtype=tf.float64,
                                          sequence_length=lengths[0] if lengths else None)
        return outputs + _state_list(state)
    feeds = [RNN_X] + ([LENGTHS] if with_lengths else [])
    check_gradient(build, feeds, variables=True)


def _raw_rnn_build(kind, use_cond):
    """TF1's documented raw_rnn usage: inputs in a TensorArray, elements_finished from the
    lengths; the next input through tf.cond (the docs' form) or a clamped read."""
    def build(x, lengths):
        inputs = tf.transpose(x, [1, 0, 2])
        max_time = tf.shape(inputs)[0]
        batch = tf.shape(inputs)[1]
        inputs_ta = tf.TensorArray(tf.float64, size=max_time, clear_after_read=False)
        inputs_ta = inputs_ta.unstack(inputs)
        cell = _cell(kind)

        def loop_fn(time, cell_output, cell_state, loop_state):
            emit_output = cell_output
            if cell_output is None:
                next_cell_state = cell.zero_state(batch, tf.float64)
            else:
                next_cell_state = cell_state
            elements_finished = time >= lengths
            finished = tf.reduce_all(elements_finished)
            if use_cond:
                next_input = tf.cond(finished, lambda: tf.zeros([batch, Dn], tf.float64),
                                     lambda: inputs_ta.read(time))
            else:
                next_input = inputs_ta.read(tf.minimum(time, max_time - 1))
            return elements_finished, next_input, next_cell_state, emit_output, None

        outputs_ta, final_state, _ = tf.nn.raw_rnn(cell, loop_fn)
        return [outputs_ta.stack()] + _state_list(final_state)
    return build


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_raw_rnn(kind):
    check_gradient(_raw_rnn_build(kind, use_cond=False), [RNN_X, LENGTHS], variables=True)


def test_raw_rnn_documented_form_with_cond():
    """The tf.nn.raw_rnn docstring's loop_fn reads the input TensorArray inside a tf.cond."""
    check_gradient(_raw_rnn_build("lstm", use_cond=True), [RNN_X, LENGTHS], variables=True)


def test_rnn_gradients_wrt_variables_by_name_and_float32():
    """A float32 LSTM: the variables' gradients are float32 and have the variables' shapes."""
    x = tf.placeholder(tf.float32, [Bn, Tn, Dn])
    outputs, _ = tf.nn.dynamic_rnn(_cell("lstm"), x, dtype=tf.float32)
    loss = tf.reduce_sum(outputs * outputs)
    variables = tf.trainable_variables()
    assert sorted(v.name for v in variables) == ["rnn/lstm_cell/bias:0", "rnn/lstm_cell/kernel:0"]
    grads = tf.gradients(loss, variables)
    for v, g in zip(variables, grads):
        assert g.dtype == tf.float32
        assert g.shape.as_list() == v.shape.as_list()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got = sess.run(grads, {x: RNN_X.astype(np.float32)})
    assert all(np.all(np.isfinite(g)) and np.any(g != 0) for g in got)


# --- TF1 semantics ---------------------------------------------------------------------------

def test_unconnected_gradient_is_none():
    x = tf.placeholder(tf.float64, [3])
    z = tf.placeholder(tf.float64, [3])
    y = tf.sin(z)
    assert tf.gradients(y, x) == [None]
    gx, gz = tf.gradients(y, [x, z])
    assert gx is None and gz is not None


def test_unconnected_gradients_zero():
    x = tf.placeholder(tf.float64, [2, 3])
    z = tf.placeholder(tf.float64, [3])
    (g,) = tf.gradients(tf.sin(z), x, unconnected_gradients="zero")
    np.testing.assert_array_equal(_run(g, {x: A}), np.zeros((2, 3)))
    with pytest.raises(ValueError):
        tf.gradients(tf.sin(z), x, unconnected_gradients="bogus")


def test_integer_paths_give_none():
    x = tf.placeholder(tf.float64, [3])
    i = tf.placeholder(tf.int32, [3])
    idx = tf.argmax(x)
    y = tf.cast(idx, tf.float64) + tf.cast(tf.shape(x)[0], tf.float64)
    assert tf.gradients(y, x) == [None]
    assert tf.gradients(tf.cast(i * 2, tf.float64), i) == [None]
    assert tf.gradients(tf.reduce_sum(i), i) == [None]           # an integer y
    assert tf.gradients(tf.cast(tf.round(x), tf.int32), x) == [None]


def test_not_differentiable_ops_give_none():
    """TF1: Floor, Ceil, Round have gradient None; comparisons stop."""
    x = tf.placeholder(tf.float64, [3])
    for y in (tf.floor(x), tf.ceil(x), tf.round(x), tf.cast(x > 0, tf.float64),
              tf.floordiv(x, 2.0)):
        assert tf.gradients(y, x) == [None], y.op.type


def test_sign_gradient_is_zeros():
    """TF1's _SignGrad returns zeros (not None)."""
    x = tf.placeholder(tf.float64, [3])
    (g,) = tf.gradients(tf.sign(x), x)
    assert g is not None
    np.testing.assert_array_equal(_run(g, {x: [1.0, -2.0, 0.0]}), [0.0, 0.0, 0.0])


def test_stop_gradient():
    x = tf.placeholder(tf.float64, [3])
    y = x * x + tf.stop_gradient(x * x) * x
    (g,) = tf.gradients(y, x)
    v = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(_run(g, {x: v}), 2 * v + v * v)
    assert tf.gradients(tf.stop_gradient(x), x) == [None]


def test_stop_gradients_argument():
    """TF1's docstring example: a = 0, b = 2a, gradients(a + b, [a, b], stop_gradients=[a, b])
    is [1, 1] (the total derivative would be [3, 1])."""
    a = tf.constant(0.0, tf.float64)
    b = 2 * a
    ga, gb = tf.gradients(a + b, [a, b], stop_gradients=[a, b])
    np.testing.assert_allclose(_run([ga, gb]), [1.0, 1.0])
    ga, gb = tf.gradients(a + b, [a, b])
    np.testing.assert_allclose(_run([ga, gb]), [3.0, 1.0])


def test_stop_gradients_intermediate():
    x = tf.placeholder(tf.float64, [3])
    h = tf.sin(x)
    y = h * x
    (g,) = tf.gradients(y, x, stop_gradients=[h])
    v = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(_run(g, {x: v}), np.sin(v))
    (g2,) = tf.gradients(y, x, stop_gradients=h)  # a single tensor, not a list
    np.testing.assert_allclose(_run(g2, {x: v}), np.sin(v))


def test_grad_ys_weights_the_result():
    x = tf.placeholder(tf.float64, [3])
    y = tf.square(x)
    (g,) = tf.gradients(y, x, grad_ys=tf.constant([1.0, 10.0, 100.0], tf.float64))
    (g_np,) = tf.gradients(y, x, grad_ys=np.array([2.0, 2.0, 2.0]))
    v = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(_run(g, {x: v}), 2 * v * [1, 10, 100])
    np.testing.assert_allclose(_run(g_np, {x: v}), 4 * v)
    with pytest.raises(TypeError):
        tf.gradients(y, x, grad_ys=tf.constant([1.0, 1.0, 1.0], tf.float32))
    with pytest.raises(ValueError):
        tf.gradients([y, y], x, grad_ys=[tf.ones_like(y)])


def test_several_ys_sum():
    x = tf.placeholder(tf.float64, [3])
    (g,) = tf.gradients([x * x, tf.sin(x), tf.reduce_sum(x)], x)
    (gw,) = tf.gradients([x * x, tf.sin(x)], x,
                         grad_ys=[tf.constant(2.0, tf.float64) * tf.ones_like(x), None])
    v = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(_run(g, {x: v}), 2 * v + np.cos(v) + 1)
    np.testing.assert_allclose(_run(gw, {x: v}), 4 * v + np.cos(v))


def test_y_that_is_also_an_x():
    x = tf.placeholder(tf.float64, [3])
    y = x * x
    v = np.array([0.5, -1.0, 2.0])
    (g,) = tf.gradients(x, x)
    np.testing.assert_allclose(_run(g, {x: v}), np.ones(3))
    gx, gy = tf.gradients(y, [x, y])
    got = _run([gx, gy], {x: v})
    np.testing.assert_allclose(got[0], 2 * v)
    np.testing.assert_allclose(got[1], np.ones(3))
    gx, gy = tf.gradients([y, x], [x, y])  # y both a y and an x, x both an x and a y
    got = _run([gx, gy], {x: v})
    np.testing.assert_allclose(got[0], 2 * v + 1)
    np.testing.assert_allclose(got[1], np.ones(3))


def test_repeated_xs_and_ignored_tf1_arguments():
    x = tf.placeholder(tf.float64, [3])
    y = tf.sin(x)
    g1, g2 = tf.gradients(y, [x, x], colocate_gradients_with_ops=True, gate_gradients=True,
                          aggregation_method=None)
    v = np.array([0.5, -1.0, 2.0])
    got = _run([g1, g2], {x: v})
    np.testing.assert_allclose(got[0], np.cos(v))
    np.testing.assert_allclose(got[1], np.cos(v))


def test_integer_y_among_float_ys():
    x = tf.placeholder(tf.float64, [3])
    (g,) = tf.gradients([tf.cast(x, tf.int32), tf.square(x)], x)
    np.testing.assert_allclose(_run(g, {x: [0.5, -1.0, 2.0]}), [1.0, -2.0, 4.0])


def test_gradient_with_respect_to_an_intermediate_tensor():
    x = tf.placeholder(tf.float64, [3])
    h = tf.tanh(x)
    y = tf.reduce_sum(h * h * x)
    gh, gx = tf.gradients(y, [h, x])
    v = np.array([0.5, -1.0, 2.0])
    got = _run([gh, gx], {x: v})
    np.testing.assert_allclose(got[0], 2 * np.tanh(v) * v)
    np.testing.assert_allclose(got[1], np.tanh(v) ** 2 + 2 * np.tanh(v) * v * (1 - np.tanh(v) ** 2))


def test_gradient_through_variable_reads():
    v = tf.Variable(np.array([0.5, -1.0, 2.0]), name="v")
    w = tf.get_variable("w", initializer=np.array([[1.5, -0.5], [0.25, 2.0], [1.0, 1.0]]))
    y = tf.reduce_sum(tf.matmul(tf.expand_dims(v * v, 0), w)) + tf.reduce_sum(v.read_value())
    gv, gw = tf.gradients(y, [v, w])
    assert gv.dtype == tf.float64 and gv.shape.as_list() == [3]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        got_v, got_w, vv, wv = sess.run([gv, gw, v, w])
    np.testing.assert_allclose(got_v, 2 * vv * wv.sum(1) + 1)
    np.testing.assert_allclose(got_w, np.repeat((vv * vv)[:, None], 2, 1))


def test_gradient_through_variables_fd():
    def build():
        v = tf.Variable(np.array([0.5, -1.0, 2.0]), name="v")
        w = tf.get_variable("w", initializer=_rand(3, 2, seed=60))
        return tf.tanh(tf.matmul(tf.expand_dims(tf.sin(v), 0), w))
    check_gradient(build, [], variables=True, var_entries=6)


def test_gradient_of_variable_after_assign_dependency():
    """A read under a control dependency still differentiates as a read."""
    v = tf.Variable(np.array([1.0, 2.0]), name="v")
    with tf.control_dependencies([tf.no_op()]):
        r = tf.identity(v)
    (g,) = tf.gradients(tf.reduce_sum(r * r), v)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(g), [2.0, 4.0])


def test_non_trainable_ys_none_for_integer_y():
    x = tf.placeholder(tf.float64, [3])
    y = tf.cast(x, tf.int32)
    assert tf.gradients(y, x) == [None]


def test_lookup_error_for_an_op_without_gradient(monkeypatch):
    """Every primitive has a gradient or is declared not differentiable, so remove one
    registration for the test: an op in the path with neither is a LookupError naming it."""
    monkeypatch.delitem(registry.GRADIENTS, "Sin")
    x = tf.placeholder(tf.float64, [3])
    y = tf.sin(x, name="my_sin") * 2.0
    with pytest.raises(LookupError, match="my_sin.*Sin"):
        tf.gradients(y, x)
    # An op not on any path from x to y needs no gradient.
    z = tf.placeholder(tf.float64, [3])
    (g,) = tf.gradients(y + z, z)
    np.testing.assert_allclose(_run(g, {x: np.ones(3), z: np.ones(3)}), np.ones(3))


def test_every_primitive_has_a_gradient_or_is_not_differentiable():
    from rnngraph.framework.primitive import PRIMITIVES
    missing = sorted(set(PRIMITIVES) - set(registry.GRADIENTS) - registry.NOT_DIFFERENTIABLE)
    assert missing == []


def test_gradients_name_scope():
    x = tf.placeholder(tf.float64, [3])
    (g,) = tf.gradients(tf.sin(x), x, name="my_grads")
    assert g.name.startswith("my_grads/")


def test_gradients_twice_in_one_graph_and_second_order():
    """Two tf.gradients calls on one graph; the gradient of a gradient (tanh'' here)."""
    x = tf.placeholder(tf.float64, [3])
    y = tf.tanh(x)
    (g1,) = tf.gradients(y, x)
    (g1b,) = tf.gradients(y, x)
    (g2,) = tf.gradients(g1, x)
    v = np.array([0.5, -1.0, 2.0])
    got = _run([g1, g1b, g2], {x: v})
    t = np.tanh(v)
    np.testing.assert_allclose(got[0], 1 - t * t)
    np.testing.assert_allclose(got[1], 1 - t * t)
    np.testing.assert_allclose(got[2], -2 * t * (1 - t * t), rtol=1e-12)


def test_second_order_fd():
    def build(x, w):
        y = tf.reduce_sum(tf.sin(tf.matmul(x, w)) * tf.exp(x))
        return tf.gradients(y, [x, w])
    check_gradient(build, [X23, W33])


def test_second_order_through_strided_slice():
    """The first gradient of x[:, :1] is a StridedSliceGrad; its own gradient (TF1's
    _StridedSliceGradGrad) is the same slice of the incoming gradient."""
    def build(x, w):
        y = tf.reduce_sum(tf.sin(tf.matmul(x, w)) * x[:, :1])
        return tf.gradients(y, [x, w])
    check_gradient(build, [X23, W33])


def test_second_order_through_slice_and_pad():
    def build(x, w):
        y = tf.reduce_sum(tf.sin(tf.matmul(x, w)) * tf.slice(x, [0, 1], [2, 1]))
        y2 = tf.reduce_sum(tf.square(tf.pad(x, [[1, 0], [0, 2]])) * tf.exp(tf.pad(x, [[0, 1], [2, 0]])))
        return tf.gradients(y + y2, [x, w])
    check_gradient(build, [X23, W33])


def test_second_order_through_runtime_broadcast():
    """With shapes only known at run time the first gradient of a broadcast is a SumToShape;
    its own gradient broadcasts back."""
    def build(x, b):
        y = tf.reduce_sum(tf.sin(x * b) * b)
        return tf.gradients(y, [x, b])
    check_gradient(build, [X23, B_ROW[None]], shapes=[[None, 3], [None, 3]])


def test_second_order_through_gather():
    def build(p):
        y = tf.reduce_sum(tf.square(tf.gather(p, [2, 0, 2])) * tf.sin(tf.gather(p, [1, 1, 3])))
        (g,) = tf.gradients(y, p)
        assert isinstance(g, tf.IndexedSlices)
        return tf.convert_to_tensor(g)
    check_gradient(build, [X45])
