"""tf.nn.rnn_cell: the RNN cells and wrappers.

One step of every cell against a NumPy re-implementation of TF1's formula (with fixed
weights loaded into the created variables), variable names/shapes/initial values,
zero states, MultiRNNCell nesting, dropout statistics, user subclasses, variable scoping
and reuse, build-time errors, and a parity check against numbers produced by TensorFlow
(tests/parity/goldens/cells.npz, made by tests/parity/make_cell_goldens.py).

Every expected name, shape and message marked "# TF" was printed by the same code run
with TensorFlow 2.21's compat.v1 after tf.disable_v2_behavior().
"""
import os

import numpy as np
import pytest

import rnngraph as tf
from parity import cell_cases

C = tf.nn.rnn_cell
B, D = 2, 3  # batch, input depth


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def names(variables):
    return [v.name for v in variables]


def rng(seed=0):
    return np.random.RandomState(seed)


def load_weights(sess, variables, seed=0, scale=0.8):
    """Fixed random weights loaded into `variables`; returns {short name: value}, the
    short name being what follows the cell's scope ('kernel', 'gates/bias', ...)."""
    r = rng(seed)
    out = {}
    for v in variables:
        value = r.uniform(-scale, scale, v.shape.as_list()).astype(np.float32)
        v.load(value, sess)
        out[v.name] = value
    return out


def by_suffix(values, suffix):
    (key,) = [k for k in values if k.endswith("/" + suffix + ":0")]
    return values[key]


# --- NumPy re-implementations of TF1's legacy cells ----------------------------------------------

def np_basic_rnn(x, h, w, act=np.tanh):
    out = act(np.concatenate([x, h], 1) @ w["kernel"] + w["bias"])
    return out, out


def np_gru(x, h, w):
    value = sigmoid(np.concatenate([x, h], 1) @ w["gates/kernel"] + w["gates/bias"])
    r, u = np.split(value, 2, axis=1)
    c = np.tanh(np.concatenate([x, r * h], 1) @ w["candidate/kernel"] + w["candidate/bias"])
    new_h = u * h + (1 - u) * c
    return new_h, new_h


def np_lstm(x, c, h, w, forget_bias=1.0, peepholes=False, cell_clip=None, proj=False,
            proj_clip=None, act=np.tanh):
    i, j, f, o = np.split(np.concatenate([x, h], 1) @ w["kernel"] + w["bias"], 4, axis=1)
    if peepholes:
        new_c = (sigmoid(f + forget_bias + w["w_f_diag"] * c) * c
                 + sigmoid(i + w["w_i_diag"] * c) * act(j))
    else:
        new_c = sigmoid(f + forget_bias) * c + sigmoid(i) * act(j)
    if cell_clip is not None:
        new_c = np.clip(new_c, -cell_clip, cell_clip)
    if peepholes:
        m = sigmoid(o + w["w_o_diag"] * new_c) * act(new_c)
    else:
        m = sigmoid(o) * act(new_c)
    if proj:
        m = m @ w["projection/kernel"]
        if proj_clip is not None:
            m = np.clip(m, -proj_clip, proj_clip)
    return m, (new_c, m)


def short(values, scope):
    """{name under `scope`: value}: 'rnn/lstm_cell/kernel:0' -> 'kernel'."""
    prefix = scope + "/"
    return {k[len(prefix):-2]: v for k, v in values.items() if k.startswith(prefix)}


def run_step(sess, cell, state_np, x_np=None, seed=0):
    """Build cell(x, state) with constant inputs, load fixed weights, run; returns
    (x, weights by full name, output, new state as numpy)."""
    x_np = rng(seed + 100).uniform(-1, 1, (B, D)).astype(np.float32) if x_np is None else x_np
    state = tf.nest.map_structure(tf.constant, state_np)
    output, new_state = cell(tf.constant(x_np), state)
    sess.run(tf.global_variables_initializer())
    weights = load_weights(sess, tf.global_variables(), seed)
    out, st = sess.run([output, new_state])
    return x_np, weights, out, st


def rand_state(*sizes, seed=7):
    r = rng(seed)
    return [r.uniform(-1, 1, (B, s)).astype(np.float32) for s in sizes]


# --- one step of each cell against NumPy ---------------------------------------------------------

@pytest.mark.parametrize("activation,np_act", [
    (None, np.tanh), (tf.nn.relu, lambda v: np.maximum(v, 0)), ("sigmoid", sigmoid)])
def test_basic_rnn_cell_step(sess, activation, np_act):
    (h,) = rand_state(4)
    x, w, out, st = run_step(sess, C.BasicRNNCell(4, activation=activation), h)
    want, _ = np_basic_rnn(x, h, short(w, "basic_rnn_cell"), np_act)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st, want, rtol=1e-5, atol=1e-6)


def test_gru_cell_step(sess):
    (h,) = rand_state(4)
    x, w, out, st = run_step(sess, C.GRUCell(4), h)
    want, _ = np_gru(x, h, short(w, "gru_cell"))
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st, want, rtol=1e-5, atol=1e-6)


def test_basic_lstm_cell_step_tuple_state(sess):
    c, h = rand_state(4, 4)
    x, w, out, st = run_step(sess, C.BasicLSTMCell(4, forget_bias=0.3),
                             C.LSTMStateTuple(c, h))
    want, (wc, wh) = np_lstm(x, c, h, short(w, "basic_lstm_cell"), forget_bias=0.3)
    assert isinstance(st, C.LSTMStateTuple)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st.c, wc, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st.h, wh, rtol=1e-5, atol=1e-6)


def test_basic_lstm_cell_step_concat_state(sess):
    c, h = rand_state(4, 4)
    cell = C.BasicLSTMCell(4, state_is_tuple=False)
    assert cell.state_size == 8 and cell.output_size == 4
    x, w, out, st = run_step(sess, cell, np.concatenate([c, h], 1))
    want, (wc, wh) = np_lstm(x, c, h, short(w, "basic_lstm_cell"))
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st, np.concatenate([wc, wh], 1), rtol=1e-5, atol=1e-6)


def test_lstm_cell_step_plain(sess):
    c, h = rand_state(4, 4)
    x, w, out, st = run_step(sess, C.LSTMCell(4), (c, h))
    want, (wc, wh) = np_lstm(x, c, h, short(w, "lstm_cell"))
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st.c, wc, rtol=1e-5, atol=1e-6)


def test_lstm_cell_step_peepholes_clips_projection(sess):
    cell = C.LSTMCell(4, use_peepholes=True, cell_clip=0.25, num_proj=3, proj_clip=0.15,
                      forget_bias=0.6)
    assert cell.state_size == (4, 3) and cell.output_size == 3
    c, h = rand_state(4, 3)
    c *= 3  # so the cell clip bites
    x, w, out, st = run_step(sess, cell, C.LSTMStateTuple(c, h))
    want, (wc, wh) = np_lstm(x, c, h, short(w, "lstm_cell"), forget_bias=0.6, peepholes=True,
                             cell_clip=0.25, proj=True, proj_clip=0.15)
    assert np.abs(st.c).max() == pytest.approx(0.25)
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st.c, wc, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st.h, wh, rtol=1e-5, atol=1e-6)


def test_lstm_cell_step_concat_state_projection_activation(sess):
    cell = C.LSTMCell(4, num_proj=2, state_is_tuple=False, activation=tf.nn.softsign)
    assert cell.state_size == 6 and cell.output_size == 2  # TF
    c, h = rand_state(4, 2)
    x, w, out, st = run_step(sess, cell, np.concatenate([c, h], 1))
    want, (wc, wh) = np_lstm(x, c, h, short(w, "lstm_cell"), proj=True,
                             act=lambda v: v / (1 + np.abs(v)))
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st, np.concatenate([wc, wh], 1), rtol=1e-5, atol=1e-6)


def test_multi_rnn_cell_step(sess):
    cell = C.MultiRNNCell([C.LSTMCell(4), C.GRUCell(3)])
    assert cell.state_size == (C.LSTMStateTuple(4, 4), 3) and cell.output_size == 3
    c, h, g = rand_state(4, 4, 3)
    x, w, out, st = run_step(sess, cell, (C.LSTMStateTuple(c, h), g))
    o1, (c1, h1) = np_lstm(x, c, h, short(w, "multi_rnn_cell/cell_0/lstm_cell"))
    o2, g2 = np_gru(o1, g, short(w, "multi_rnn_cell/cell_1/gru_cell"))
    np.testing.assert_allclose(out, o2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st[0].c, c1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st[0].h, h1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st[1], g2, rtol=1e-5, atol=1e-6)


def test_multi_rnn_cell_concatenated_state(sess):
    cell = C.MultiRNNCell([C.BasicRNNCell(2), C.GRUCell(3)], state_is_tuple=False)
    assert cell.state_size == 5
    h1, h2 = rand_state(2, 3)
    x, w, out, st = run_step(sess, cell, np.concatenate([h1, h2], 1))
    o1, _ = np_basic_rnn(x, h1, short(w, "multi_rnn_cell/cell_0/basic_rnn_cell"))
    o2, _ = np_gru(o1, h2, short(w, "multi_rnn_cell/cell_1/gru_cell"))
    np.testing.assert_allclose(out, o2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st, np.concatenate([o1, o2], 1), rtol=1e-5, atol=1e-6)


def test_residual_and_device_wrappers(sess):
    (h,) = rand_state(3)
    cell = C.DeviceWrapper(C.ResidualWrapper(C.GRUCell(3)), "/cpu:0")
    x, w, out, st = run_step(sess, cell, h)
    want, new_h = np_gru(x, h, short(w, "gru_cell"))
    np.testing.assert_allclose(out, x + want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st, new_h, rtol=1e-5, atol=1e-6)


def test_residual_wrapper_custom_fn_and_shape_error():
    x = tf.placeholder(tf.float32, [B, D])
    cell = C.ResidualWrapper(C.GRUCell(3), residual_fn=lambda i, o: o - i)
    out, _ = cell(x, cell.zero_state(B, tf.float32))
    assert out.shape.as_list() == [B, 3]
    bad = C.ResidualWrapper(C.GRUCell(4))
    with pytest.raises(ValueError, match="compatible shapes"):
        bad(x, bad.zero_state(B, tf.float32))


def test_dropout_wrapper_with_keep_prob_one_is_the_cell(sess):
    (h,) = rand_state(4)
    cell = C.DropoutWrapper(C.BasicRNNCell(4), input_keep_prob=1.0, output_keep_prob=1.0,
                            state_keep_prob=1.0)
    ops_before = len(tf.get_default_graph().get_operations())
    x, w, out, _ = run_step(sess, cell, h)
    want, _ = np_basic_rnn(x, h, short(w, "basic_rnn_cell"))
    np.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-6)
    assert not any("dropout" in op.name
                   for op in tf.get_default_graph().get_operations()[ops_before:])


def test_second_call_reuses_the_weights(sess):
    cell = C.GRUCell(4)
    (h,) = rand_state(4)
    x_np = rng(1).uniform(-1, 1, (B, D)).astype(np.float32)
    o1, s1 = cell(tf.constant(x_np), tf.constant(h))
    o2, _ = cell(tf.constant(x_np), s1)
    assert len(tf.global_variables()) == 4
    sess.run(tf.global_variables_initializer())
    w = short(load_weights(sess, tf.global_variables()), "gru_cell")
    a, b = sess.run([o1, o2])
    want1, _ = np_gru(x_np, h, w)
    want2, _ = np_gru(x_np, want1, w)
    np.testing.assert_allclose(a, want1, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b, want2, rtol=1e-5, atol=1e-6)


# --- parity with TensorFlow's own numbers --------------------------------------------------------

GOLDENS = os.path.join(os.path.dirname(__file__), "parity", "goldens", "cells.npz")


@pytest.mark.parametrize("name", list(cell_cases.CASES))
def test_parity_with_tensorflow(name):
    goldens = np.load(GOLDENS)
    var_values = {k.split("/var/", 1)[1]: goldens[k] for k in goldens.files
                  if k.startswith(name + "/var/")}
    outputs = {k.split("/out/", 1)[1]: goldens[k] for k in goldens.files
               if k.startswith(name + "/out/")}
    got = cell_cases.run_case(tf, name, var_values)
    assert sorted(got["vars"]) == sorted(var_values)  # TF's variable names
    assert sorted(got["outputs"]) == sorted(outputs)
    for key, want in outputs.items():
        assert got["outputs"][key].shape == want.shape, key
        np.testing.assert_allclose(got["outputs"][key], want, rtol=1e-5, atol=1e-6, err_msg=key)


# --- variable names, shapes and initial values ---------------------------------------------------

def shapes(variables=None):
    return [(v.name, tuple(v.shape.as_list()))
            for v in (tf.global_variables() if variables is None else variables)]


def zero(cell):
    return cell.zero_state(B, tf.float32)


def test_variable_names_and_shapes_match_tf():
    x = tf.placeholder(tf.float32, [B, D])
    with tf.variable_scope("rnn"):
        c1 = C.LSTMCell(4)
        c1(x, zero(c1))
    c2 = C.LSTMCell(4)
    c2(x, zero(c2))
    c3, c4 = C.LSTMCell(4, name="foo"), C.LSTMCell(4, name="foo")
    c3(x, zero(c3))
    c4(x, zero(c4))
    c5 = C.LSTMCell(4)
    c5(x, zero(c5), scope="myscope")
    m = C.MultiRNNCell([C.BasicLSTMCell(3), C.GRUCell(5)])
    with tf.variable_scope("rnn"):
        m(x, zero(m))
    d = C.DropoutWrapper(C.BasicRNNCell(3), output_keep_prob=0.5)
    d(x, zero(d))
    p = C.LSTMCell(4, use_peepholes=True, num_proj=2)
    p(x, zero(p))
    assert shapes() == [
        ("rnn/lstm_cell/kernel:0", (7, 16)),  # TF
        ("rnn/lstm_cell/bias:0", (16,)),  # TF
        ("lstm_cell/kernel:0", (7, 16)),  # TF
        ("lstm_cell/bias:0", (16,)),  # TF
        ("foo/kernel:0", (7, 16)),  # TF
        ("foo/bias:0", (16,)),  # TF
        ("foo_1/kernel:0", (7, 16)),  # TF
        ("foo_1/bias:0", (16,)),  # TF
        ("myscope/kernel:0", (7, 16)),  # TF
        ("myscope/bias:0", (16,)),  # TF
        ("rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel:0", (6, 12)),  # TF
        ("rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias:0", (12,)),  # TF
        ("rnn/multi_rnn_cell/cell_1/gru_cell/gates/kernel:0", (8, 10)),  # TF
        ("rnn/multi_rnn_cell/cell_1/gru_cell/gates/bias:0", (10,)),  # TF
        ("rnn/multi_rnn_cell/cell_1/gru_cell/candidate/kernel:0", (8, 5)),  # TF
        ("rnn/multi_rnn_cell/cell_1/gru_cell/candidate/bias:0", (5,)),  # TF
        ("basic_rnn_cell/kernel:0", (6, 3)),  # TF
        ("basic_rnn_cell/bias:0", (3,)),  # TF
        ("lstm_cell_1/kernel:0", (5, 16)),  # TF
        ("lstm_cell_1/bias:0", (16,)),  # TF
        ("lstm_cell_1/w_f_diag:0", (4,)),  # TF
        ("lstm_cell_1/w_i_diag:0", (4,)),  # TF
        ("lstm_cell_1/w_o_diag:0", (4,)),  # TF
        ("lstm_cell_1/projection/kernel:0", (4, 2)),  # TF
    ]
    assert names(c1.trainable_variables) == ["rnn/lstm_cell/kernel:0",
                                             "rnn/lstm_cell/bias:0"]  # TF
    assert names(c1.weights) == names(c1.variables) == names(c1.trainable_variables)
    assert len(m.trainable_variables) == 6 and len(m.variables) == 6  # TF


def test_nested_and_composed_cells_variable_names():
    x = tf.placeholder(tf.float32, [B, D])
    n = C.MultiRNNCell([C.MultiRNNCell([C.GRUCell(3), C.GRUCell(3)]), C.BasicLSTMCell(2)])
    n(x, zero(n))
    assert names(n.trainable_variables) == [
        "multi_rnn_cell/cell_0/multi_rnn_cell/cell_0/gru_cell/gates/kernel:0",  # TF
        "multi_rnn_cell/cell_0/multi_rnn_cell/cell_0/gru_cell/gates/bias:0",  # TF
        "multi_rnn_cell/cell_0/multi_rnn_cell/cell_0/gru_cell/candidate/kernel:0",  # TF
        "multi_rnn_cell/cell_0/multi_rnn_cell/cell_0/gru_cell/candidate/bias:0",  # TF
        "multi_rnn_cell/cell_0/multi_rnn_cell/cell_1/gru_cell/gates/kernel:0",  # TF
        "multi_rnn_cell/cell_0/multi_rnn_cell/cell_1/gru_cell/gates/bias:0",  # TF
        "multi_rnn_cell/cell_0/multi_rnn_cell/cell_1/gru_cell/candidate/kernel:0",  # TF
        "multi_rnn_cell/cell_0/multi_rnn_cell/cell_1/gru_cell/candidate/bias:0",  # TF
        "multi_rnn_cell/cell_1/basic_lstm_cell/kernel:0",  # TF
        "multi_rnn_cell/cell_1/basic_lstm_cell/bias:0",  # TF
    ]

    class Composed(C.RNNCell):
        def __init__(self):
            super().__init__()
            self._inner = C.GRUCell(3)

        state_size = property(lambda self: 3)
        output_size = property(lambda self: 3)

        def call(self, inputs, state):
            w = tf.get_variable("w", [3, 3])
            return self._inner(tf.matmul(inputs, w), state)

    mc = Composed()
    with tf.variable_scope("outer"):
        o, s = mc(x, zero(mc))
        mc(o, s)
    assert names(mc.trainable_variables) == [
        "outer/composed/w:0",  # TF (my_cell in the TF run: the name is the class's)
        "outer/composed/gru_cell/gates/kernel:0",  # TF
        "outer/composed/gru_cell/gates/bias:0",  # TF
        "outer/composed/gru_cell/candidate/kernel:0",  # TF
        "outer/composed/gru_cell/candidate/bias:0",  # TF
    ]


def test_same_cell_twice_in_multi_rnn_cell_shares_weights():
    x = tf.placeholder(tf.float32, [B, D])
    c = C.GRUCell(3)
    m = C.MultiRNNCell([c, c])
    m(x, zero(m))
    assert names(tf.global_variables()) == [
        "multi_rnn_cell/cell_0/gru_cell/gates/kernel:0",  # TF
        "multi_rnn_cell/cell_0/gru_cell/gates/bias:0",  # TF
        "multi_rnn_cell/cell_0/gru_cell/candidate/kernel:0",  # TF
        "multi_rnn_cell/cell_0/gru_cell/candidate/bias:0",  # TF
    ]
    assert len(m.trainable_variables) == 8  # TF lists the shared cell's weights twice


def test_wrappers_do_not_change_variable_names():
    x = tf.placeholder(tf.float32, [B, D])
    m = C.MultiRNNCell([C.DropoutWrapper(C.LSTMCell(3), output_keep_prob=0.5),
                        C.ResidualWrapper(C.GRUCell(3)),
                        C.DeviceWrapper(C.BasicRNNCell(2), "/cpu:0")])
    m(x, zero(m))
    assert names(tf.trainable_variables()) == [
        "multi_rnn_cell/cell_0/lstm_cell/kernel:0",  # TF
        "multi_rnn_cell/cell_0/lstm_cell/bias:0",  # TF
        "multi_rnn_cell/cell_1/gru_cell/gates/kernel:0",  # TF
        "multi_rnn_cell/cell_1/gru_cell/gates/bias:0",  # TF
        "multi_rnn_cell/cell_1/gru_cell/candidate/kernel:0",  # TF
        "multi_rnn_cell/cell_1/gru_cell/candidate/bias:0",  # TF
        "multi_rnn_cell/cell_2/basic_rnn_cell/kernel:0",  # TF
        "multi_rnn_cell/cell_2/basic_rnn_cell/bias:0",  # TF
    ]
    # Departure: TF's wrappers report no weights of their own; ours are the wrapped cell's.
    assert names(m.trainable_variables) == names(tf.trainable_variables())


def test_one_shard_lstm_names_its_partition():
    x = tf.placeholder(tf.float32, [B, D])
    c = C.LSTMCell(4, num_unit_shards=1, num_proj=2, num_proj_shards=1)
    c(x, zero(c))
    assert shapes() == [("lstm_cell/kernel/part_0:0", (5, 16)),  # TF
                        ("lstm_cell/bias:0", (16,)),  # TF
                        ("lstm_cell/projection/kernel/part_0:0", (4, 2))]  # TF


def test_default_initial_values(sess):
    x = tf.placeholder(tf.float32, [B, D])
    gru, lstm = C.GRUCell(50), C.LSTMCell(50)
    gru(x, zero(gru))
    lstm(x, zero(lstm))
    with tf.variable_scope("init", initializer=tf.constant_initializer(0.5)):
        peep = C.LSTMCell(3, use_peepholes=True)
        peep(x, zero(peep))
    sess.run(tf.global_variables_initializer())
    g = {v.name: sess.run(v) for v in tf.global_variables()}
    np.testing.assert_array_equal(g["gru_cell/gates/bias:0"], np.ones(100))  # TF: 1.0
    np.testing.assert_array_equal(g["gru_cell/candidate/bias:0"], np.zeros(50))
    np.testing.assert_array_equal(g["lstm_cell/bias:0"], np.zeros(200))
    kernel = g["lstm_cell/kernel:0"]  # glorot_uniform: U(-l, l), l = sqrt(6 / (53 + 200))
    limit = np.sqrt(6 / (53 + 200))
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.9 * limit
    assert kernel.std() == pytest.approx(limit / np.sqrt(3), rel=0.05)
    # The scope's initializer reaches the kernel and peepholes, not the (zeros) bias.
    assert [float(g[v.name].ravel()[0]) for v in peep.variables] == [
        0.5, 0.0, 0.5, 0.5, 0.5]  # TF


def test_string_activation_and_initializer(sess):
    x = tf.placeholder(tf.float32, [B, D])
    cell = C.GRUCell(2, activation="relu", kernel_initializer="ones", bias_initializer="zeros")
    out, _ = cell(x, zero(cell))
    sess.run(tf.global_variables_initializer())
    assert sess.run(cell.variables[0]).tolist() == np.ones((5, 4)).tolist()
    xv = np.full((B, D), -1.0, np.float32)
    # r = u = sigmoid(-3) with a zero state; candidate relu(-3) = 0.
    np.testing.assert_allclose(sess.run(out, {x: xv}), 0.0)
    with pytest.raises(ValueError, match="Unknown activation function"):
        C.BasicRNNCell(2, activation="no_such_thing")


# --- zero states ---------------------------------------------------------------------------------

def test_zero_state_shapes_dtypes_and_names(sess):
    z = C.LSTMCell(4, num_proj=2).zero_state(3, tf.float32)
    assert isinstance(z, C.LSTMStateTuple)
    assert z.c.name == "LSTMCellZeroState/zeros:0"  # TF
    assert z.h.name == "LSTMCellZeroState/zeros_1:0"  # TF
    assert [z.c.shape.as_list(), z.h.shape.as_list()] == [[3, 4], [3, 2]]  # TF
    assert z.dtype == tf.float32
    bs = tf.placeholder(tf.int32, [])
    z64 = C.LSTMCell(3).zero_state(bs, tf.float64)
    assert z64.c.shape.as_list() == [None, 3] and z64.c.dtype == tf.float64  # TF: (?, 3)
    np.testing.assert_array_equal(sess.run(z64.h, {bs: 5}), np.zeros((5, 3)))
    z4 = C.BasicLSTMCell(2).zero_state(tf.constant(4), tf.float64)
    assert z4.c.shape.as_list() == [4, 2]  # TF: a constant batch size is static


def test_zero_state_of_multi_rnn_cell_and_wrappers(sess):
    m = C.MultiRNNCell([C.LSTMCell(3, num_proj=2), C.GRUCell(2)])
    assert m.state_size == (C.LSTMStateTuple(3, 2), 2)  # TF
    with tf.variable_scope("rnn"):
        z = m.zero_state(2, tf.float32)
    assert z[0].c.name == "rnn/MultiRNNCellZeroState/LSTMCellZeroState/zeros:0"  # TF
    assert [t.shape.as_list() for t in tf.nest.flatten(z)] == [[2, 3], [2, 2], [2, 2]]
    bs = tf.placeholder(tf.int32, [])
    flat = C.MultiRNNCell([C.LSTMCell(3, state_is_tuple=False), C.GRUCell(2)],
                          state_is_tuple=False).zero_state(bs, tf.float32)
    assert flat.name == "MultiRNNCellZeroState/MultiRNNCellZeroState/zeros:0"  # TF
    assert flat.shape.as_list() == [None, 8]  # TF
    d = C.DropoutWrapper(C.BasicRNNCell(3)).zero_state(2, tf.float32)
    assert d.name == "DropoutWrapperZeroState/BasicRNNCellZeroState/zeros:0"  # TF
    assert sess.run(flat, {bs: 2}).shape == (2, 8)


class TupleStateCell(C.RNNCell):
    """A user cell with a nested, multi-dimensional state: a [batch, 3] counter and a
    [batch, 2, 2] matrix, and one variable."""

    @property
    def state_size(self):
        return (3, tf.TensorShape([2, 2]))

    @property
    def output_size(self):
        return 3

    def call(self, inputs, state):
        w = tf.get_variable("w", [inputs.shape[1], 3], initializer=tf.ones_initializer())
        counter, matrix = state
        return tf.matmul(inputs, w) + counter, (counter + 1.0, matrix * 2.0 + 1.0)


def test_custom_cell_with_tuple_state(sess):
    cell = TupleStateCell()
    bs = tf.placeholder(tf.int32, [])
    z = cell.zero_state(bs, tf.float32)
    assert [t.shape.as_list() for t in z] == [[None, 3], [None, 2, 2]]  # TF
    assert [t.name for t in cell.zero_state(5, tf.float32)] == [
        "TupleStateCellZeroState_1/zeros:0", "TupleStateCellZeroState_1/zeros_1:0"]  # TF
    x = tf.placeholder(tf.float32, [None, 2])
    o1, s1 = cell(x, z)
    o2, s2 = cell(x, s1)
    assert names(tf.global_variables()) == ["tuple_state_cell/w:0"]  # TF
    assert names(cell.trainable_variables) == ["tuple_state_cell/w:0"]
    assert cell.scope_name == "tuple_state_cell"  # TF
    sess.run(tf.global_variables_initializer())
    a, b, (cnt, mat) = sess.run([o1, o2, s2], {x: np.ones((4, 2)), bs: 4})
    np.testing.assert_allclose(a, np.full((4, 3), 2.0))
    np.testing.assert_allclose(b, np.full((4, 3), 3.0))
    np.testing.assert_allclose(cnt, np.full((4, 3), 2.0))
    np.testing.assert_allclose(mat, np.full((4, 2, 2), 3.0))
    init = cell.get_initial_state(inputs=tf.zeros([6, 2]))
    assert [t.shape.as_list() for t in init] == [[6, 3], [6, 2, 2]]
    assert cell.get_initial_state(batch_size=4, dtype=tf.float32)[0].shape.as_list() == [4, 3]
    with pytest.raises(ValueError, match="batch size from input tensor is different"):
        cell.get_initial_state(tf.zeros([6, 2]), batch_size=3)
    with pytest.raises(ValueError, match="batch_size and dtype cannot be None"):
        cell.get_initial_state()


def test_old_style_cell_overriding_call_without_init(sess):
    class OldCell(C.RNNCell):
        def __init__(self, n):  # no super().__init__(), as in TF 1.0-era code
            self._n = n

        @property
        def state_size(self):
            return self._n

        @property
        def output_size(self):
            return self._n

        def __call__(self, inputs, state, scope=None):
            with tf.variable_scope(scope or "old_cell"):
                w = tf.get_variable("w", [inputs.shape[1], self._n])
                out = tf.tanh(tf.matmul(inputs, w) + state)
            return out, out

    cell = OldCell(3)
    out, _ = cell(tf.zeros([2, 4]), cell.zero_state(2, tf.float32))
    assert names(tf.global_variables()) == ["old_cell/w:0"]
    wrapped = C.DropoutWrapper(cell, output_keep_prob=0.5)
    assert wrapped.state_size == 3
    assert cell.trainable_variables == []
    sess.run(tf.global_variables_initializer())
    assert sess.run(out).shape == (2, 3)


# --- scopes and reuse ----------------------------------------------------------------------------

def test_second_call_reuses_from_any_scope():
    x = tf.placeholder(tf.float32, [B, D])
    cell = C.GRUCell(3)
    with tf.variable_scope("s2"):
        o, s = cell(x, zero(cell))
    with tf.variable_scope("s3"):
        o2, _ = cell(x, s, scope="ignored")  # TF ignores scope= after the first call
    assert cell.scope_name == "s2/gru_cell"  # TF
    assert len(tf.global_variables()) == 4
    assert o.name == "s2/gru_cell/add:0"  # TF
    assert o2.name == "s2/gru_cell/add_1:0"  # TF: back in the cell's first name scope


def test_op_names_follow_tf():
    x = tf.placeholder(tf.float32, [B, D])
    c = C.GRUCell(3)
    s = zero(c)
    o, s2 = c(x, s)
    o2, _ = c(x, s2)
    assert (s.name, o.name, o2.name) == ("GRUCellZeroState/zeros:0", "gru_cell/add:0",
                                         "gru_cell/add_1:0")  # TF
    with tf.variable_scope("top"), tf.name_scope("ns"):
        q = C.BasicRNNCell(2)
        qo, _ = q(x, zero(q))
    assert qo.name == "top/ns/basic_rnn_cell/Tanh:0"  # TF
    assert q.trainable_variables[0].name == "top/basic_rnn_cell/kernel:0"  # TF
    m = C.MultiRNNCell([C.BasicLSTMCell(3), C.GRUCell(5)])
    with tf.variable_scope("rnn"):
        mo, _ = m(x, zero(m))
    assert mo.name == "rnn/rnn/multi_rnn_cell/cell_1/gru_cell/add:0"  # TF


def test_reuse_errors_and_sharing_like_tf():
    x = tf.placeholder(tf.float32, [B, D])
    a = C.GRUCell(3)
    a(x, zero(a), scope="s")
    b = C.GRUCell(3)
    with pytest.raises(ValueError, match="Variable s/gates/kernel already exists, "  # TF
                                         "disallowed"):
        b(x, zero(b), scope="s")
    b2 = C.GRUCell(3, reuse=True)
    b2(x, zero(b2), scope="s")
    assert names(b2.trainable_variables) == ["s/gates/kernel:0", "s/gates/bias:0",
                                             "s/candidate/kernel:0", "s/candidate/bias:0"]  # TF
    b3 = C.GRUCell(3, reuse=True)
    with pytest.raises(ValueError, match="Variable gru_cell/gates/kernel does not exist"):  # TF
        b3(x, zero(b3))
    b4 = C.GRUCell(3, name="s", reuse=True)
    b4(x, zero(b4))
    assert names(b4.trainable_variables) == names(b2.trainable_variables)  # TF
    with tf.variable_scope("s", reuse=True):
        b5 = C.GRUCell(3)
        with pytest.raises(ValueError,
                           match="Variable s/gru_cell/gates/kernel does not exist"):  # TF
            b5(x, zero(b5))
    with tf.variable_scope("dec"):
        d1 = C.LSTMCell(3)
        d1(x, zero(d1))
    with tf.variable_scope("dec", reuse=True):
        d2 = C.LSTMCell(3)
        d2(x, zero(d2))
    assert names(d2.trainable_variables) == ["dec/lstm_cell/kernel:0",
                                             "dec/lstm_cell/bias:0"]  # TF
    with tf.variable_scope("a"):
        e1 = C.BasicLSTMCell(3)
        e1(x, zero(e1))
        e2 = C.BasicLSTMCell(3)
        e2(x, zero(e2))
    assert e2.scope_name == "a/basic_lstm_cell_1"  # TF
    with tf.variable_scope("a"):
        e4 = C.BasicLSTMCell(3)
        with pytest.raises(ValueError, match="Variable a/basic_lstm_cell/kernel already "
                                             "exists"):  # TF
            e4(x, zero(e4))
    with tf.variable_scope("a", reuse=tf.AUTO_REUSE):
        e5 = C.BasicLSTMCell(3)
        e5(x, zero(e5))
    assert names(e5.trainable_variables) == ["a/basic_lstm_cell/kernel:0",
                                             "a/basic_lstm_cell/bias:0"]  # TF


def test_scope_name_before_first_call():
    with pytest.raises(ValueError, match="No name available for layer scope"):  # TF
        C.GRUCell(3).scope_name


def test_non_trainable_cell():
    x = tf.placeholder(tf.float32, [B, D])
    cell = C.GRUCell(3, name="ng", trainable=False)
    cell(x, zero(cell))
    assert cell.trainable_variables == []  # TF
    assert names(cell.non_trainable_variables) == [
        "ng/gates/kernel:0", "ng/gates/bias:0", "ng/candidate/kernel:0",
        "ng/candidate/bias:0"]  # TF
    assert names(cell.variables) == names(cell.non_trainable_variables)  # TF
    assert tf.trainable_variables() == []


def test_float64_cell(sess):
    x = tf.placeholder(tf.float64, [B, D])
    cell = C.LSTMCell(3)
    out, state = cell(x, cell.zero_state(B, tf.float64))
    assert out.dtype == tf.float64 and state.c.dtype == tf.float64
    assert all(v.dtype.base_dtype == tf.float64 for v in cell.variables)
    assert cell.dtype == "float64"  # TF: the dtype's name
    sess.run(tf.global_variables_initializer())
    assert sess.run(out, {x: np.ones((B, D))}).dtype == np.float64


# --- build-time errors ---------------------------------------------------------------------------

def test_input_rank_depth_and_dtype_errors():
    x3 = tf.placeholder(tf.float32, [2, 3, 4], name="x3")
    xu = tf.placeholder(tf.float32, [2, None], name="xu")
    xr = tf.placeholder(tf.float32, None, name="xr")
    xi = tf.placeholder(tf.int32, [2, 3], name="xi")
    c = C.LSTMCell(4)
    with pytest.raises(ValueError, match=r'Input 0 of layer "lstm_cell" is incompatible with the '
                                         r'layer: expected ndim=2, found ndim=3. Full shape '
                                         r'received: \(2, 3, 4\) \(tensor x3:0\)'):  # TF + name
        c(x3, zero(c))
    with pytest.raises(ValueError, match=r"Expected inputs.shape\[-1\] to be known, received "
                                         r"shape: \(2, None\) \(input xu:0"):  # TF + name
        C.BasicRNNCell(4)(xu, tf.zeros([2, 4]))
    with pytest.raises(ValueError, match=r"Expected inputs.shape\[-1\] to be known.*xr:0"):
        C.GRUCell(4)(xr, tf.zeros([2, 4]))
    with pytest.raises(ValueError, match="RNN cell only supports floating point inputs, but "
                                         "received dtype: <dtype: 'int32'>"):  # TF
        C.GRUCell(4)(xi, tf.zeros([2, 4], tf.int32))
    with pytest.raises(ValueError, match="RNN cell only supports floating point inputs"):
        C.GRUCell(4, dtype=tf.int32)


def test_state_mismatch_errors():
    x = tf.placeholder(tf.float32, [B, D])
    with pytest.raises(ValueError, match=r"state given to cell gru_cell does not match its "
                                         r"state_size 4: tensor .* has shape \(2, 5\)"):
        C.GRUCell(4)(x, tf.zeros([2, 5]))
    with pytest.raises(ValueError, match=r"does not match its state_size LSTMStateTuple\(c=4, "
                                         r"h=4\)"):
        C.LSTMCell(4)(x, tf.zeros([2, 8]))
    with pytest.raises(ValueError, match="does not match its state_size 8"):
        C.LSTMCell(4, state_is_tuple=False)(x, (tf.zeros([2, 4]), tf.zeros([2, 4])))
    with pytest.raises(ValueError, match="does not match its state_size"):
        C.BasicLSTMCell(4)(x, C.LSTMStateTuple(tf.zeros([2, 1]), tf.zeros([2, 4])))
    # A list instead of LSTMStateTuple is fine (TF unpacks any pair).
    out, _ = C.LSTMCell(4)(x, [tf.zeros([2, 4]), tf.zeros([2, 4])])
    assert out.shape.as_list() == [2, 4]
    with pytest.raises(ValueError, match="Expected state to be a tuple of length 1"):  # TF
        C.MultiRNNCell([C.GRUCell(3)])(x, tf.zeros([2, 3]))


def test_constructor_errors():
    with pytest.raises(NotImplementedError, match="num_unit_shards=2"):
        C.LSTMCell(4, num_unit_shards=2)
    with pytest.raises(NotImplementedError, match="num_proj_shards=3"):
        C.LSTMCell(4, num_proj=2, num_proj_shards=3)
    with pytest.raises(ValueError, match="Must specify at least one cell for MultiRNNCell"):
        C.MultiRNNCell([])  # TF
    with pytest.raises(TypeError, match="cells must be a list or tuple"):  # TF
        C.MultiRNNCell(C.GRUCell(3))
    with pytest.raises(ValueError, match="Some cells return tuples of states, but the flag "
                                         "state_is_tuple is not set"):  # TF
        C.MultiRNNCell([C.LSTMCell(3)], state_is_tuple=False)
    with pytest.raises(ValueError, match="Parameter input_keep_prob must be between 0 and 1. "
                                         "Received 1.5"):  # TF
        C.DropoutWrapper(C.GRUCell(3), input_keep_prob=1.5)
    with pytest.raises(ValueError, match="When variational_recurrent=True, dtype must be "
                                         "provided"):  # TF
        C.DropoutWrapper(C.GRUCell(3), variational_recurrent=True)
    with pytest.raises(ValueError, match="input_size must be provided"):  # TF
        C.DropoutWrapper(C.GRUCell(3), variational_recurrent=True, dtype=tf.float32,
                         input_keep_prob=0.5)
    with pytest.raises(TypeError, match="The argument 'cell' \\(3\\) is not an RNNCell: "
                                        "'output_size' property is missing"):  # TF
        C.DropoutWrapper(3)
    with pytest.raises(TypeError, match="dropout_state_filter_visitor must be callable"):
        C.DropoutWrapper(C.GRUCell(3), dropout_state_filter_visitor=3)
    with pytest.raises(TypeError, match="Inconsistent dtypes for internal state: "
                                        "<dtype: 'float32'> vs <dtype: 'float64'>"):  # TF
        C.LSTMStateTuple(tf.zeros([1]), tf.zeros([1], tf.float64)).dtype


def test_namespace_matches_tf():
    exported = sorted(n for n in dir(tf.nn.rnn_cell) if not n.startswith("_"))
    assert exported == ["BasicLSTMCell", "BasicRNNCell", "DeviceWrapper", "DropoutWrapper",
                        "GRUCell", "LSTMCell", "LSTMStateTuple", "MultiRNNCell", "RNNCell",
                        "ResidualWrapper"]  # TF


# --- dropout -------------------------------------------------------------------------------------

class PassCell(C.RNNCell):
    """output = inputs, new_state = state: shows exactly what a wrapper does."""

    def __init__(self, n, state_size=None):
        super().__init__()
        self._n = n
        self._state_size = n if state_size is None else state_size

    state_size = property(lambda self: self._state_size)
    output_size = property(lambda self: self._n)

    def call(self, inputs, state):
        return inputs, state


def test_dropout_wrapper_statistics(sess):
    n, batch = 200, 500
    cell = C.DropoutWrapper(PassCell(n), input_keep_prob=0.8, output_keep_prob=0.6, seed=1)
    x = tf.ones([batch, n])
    out, _ = cell(x, cell.zero_state(batch, tf.float32))
    v = sess.run(out)
    kept = v != 0
    # Two independent dropouts: kept with probability 0.8 * 0.6, scaled by 1 / (0.8 * 0.6).
    assert kept.mean() == pytest.approx(0.48, abs=0.01)
    np.testing.assert_allclose(v[kept], 1 / 0.48, rtol=1e-5)
    assert not np.array_equal(sess.run(out) != 0, kept)  # a fresh mask every run


def test_dropout_wrapper_state_filter_keeps_lstm_memory(sess):
    n, batch = 100, 100
    cell = C.DropoutWrapper(PassCell(n, C.LSTMStateTuple(n, n)), state_keep_prob=0.5)
    state = C.LSTMStateTuple(tf.ones([batch, n]), tf.ones([batch, n]))
    _, new_state = cell(tf.ones([batch, n]), state)
    c, h = sess.run(new_state)
    np.testing.assert_array_equal(c, 1.0)  # never dropped (TF's default filter)
    assert (h == 0).mean() == pytest.approx(0.5, abs=0.03)
    np.testing.assert_allclose(h[h != 0], 2.0)
    custom = C.DropoutWrapper(PassCell(n, (n, n)), state_keep_prob=0.5,
                              dropout_state_filter_visitor=lambda s: (
                                  (False, True) if isinstance(s, tuple) else True))
    _, (a, b) = custom(tf.ones([batch, n]), (tf.ones([batch, n]), tf.ones([batch, n])))
    a, b = sess.run([a, b])
    assert (a == 1).all() and (b == 0).any()


def test_dropout_wrapper_keep_prob_tensor(sess):
    keep = tf.placeholder(tf.float32, [])
    cell = C.DropoutWrapper(PassCell(100), output_keep_prob=keep)
    out, _ = cell(tf.ones([100, 100]), tf.zeros([100, 100]))
    np.testing.assert_array_equal(sess.run(out, {keep: 1.0}), 1.0)
    v = sess.run(out, {keep: 0.25})
    assert (v != 0).mean() == pytest.approx(0.25, abs=0.02)


def test_variational_dropout_same_mask_on_every_call(sess):
    n, batch = 64, 8
    cell = C.DropoutWrapper(PassCell(n), input_keep_prob=0.5, output_keep_prob=0.7,
                            state_keep_prob=0.6, variational_recurrent=True, input_size=n,
                            dtype=tf.float32, seed=5)
    x = tf.ones([batch, n])
    o1, s1 = cell(x, tf.ones([batch, n]))
    o2, s2 = cell(x, tf.ones([batch, n]))
    a1, a2, b1, b2 = sess.run([o1, o2, s1, s2])
    np.testing.assert_array_equal(a1, a2)  # one mask for both steps within a run
    np.testing.assert_array_equal(b1, b2)
    # ... and for every batch row: the noise has shape [1, n].
    assert (a1 == a1[:1]).all()
    assert cell._recurrent_output_noise.shape.as_list() == [1, n]
    np.testing.assert_allclose(a1[a1 != 0], 1 / (0.5 * 0.7), rtol=1e-5)
    np.testing.assert_allclose(b1[b1 != 0], 1 / 0.6, rtol=1e-5)
    keep_rate = np.mean([(sess.run(o1) != 0).mean() for _ in range(40)])
    assert keep_rate == pytest.approx(0.35, abs=0.03)
    assert cell._gen_seed("state", 0) == 1263549025  # TF's md5 rule, printed by TF


def test_dropout_wrapper_seed_repeats_per_session():
    x = tf.ones([50, 50])
    cell = C.DropoutWrapper(PassCell(50), output_keep_prob=0.5, seed=11)
    out, _ = cell(x, tf.zeros([50, 50]))
    with tf.Session() as s1:
        first = s1.run(out)
    with tf.Session() as s2:
        np.testing.assert_array_equal(s2.run(out), first)
