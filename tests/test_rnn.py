"""tf.nn.dynamic_rnn, bidirectional_dynamic_rnn, raw_rnn, static_rnn,
static_bidirectional_rnn and stack_bidirectional_dynamic_rnn: semantics against NumPy
unrolls written here (weights read back from the session), TF1's variable names, and
the build-time and run-time errors.

TF parity (values and static shapes against TensorFlow's own goldens) lives in
tests/parity/rnn_*; this file checks the semantics from first principles."""
import collections

import numpy as np
import pytest

import rnngraph as tf
from rnngraph import errors

rc = tf.nn.rnn_cell
B, T, D, U = 3, 5, 4, 3
LENGTHS = np.array([5, 2, 0], np.int32)  # a full row, a short row, an empty row


def _rand(*shape, seed=0, scale=1.0):
    return (scale * np.random.RandomState(seed).randn(*shape)).astype(np.float32)


def _init(sess):
    sess.run(tf.global_variables_initializer())


# --- NumPy reference cells and unroll ----------------------------------------------------------

def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_basic_rnn_step(kernel, bias):
    def step(x, state):
        (h,) = state
        h = np.tanh(np.concatenate([x, h], 1) @ kernel + bias)
        return [h], [h]
    return step


def np_lstm_step(kernel, bias, forget_bias=1.0):
    def step(x, state):
        c, h = state
        i, j, f, o = np.split(np.concatenate([x, h], 1) @ kernel + bias, 4, axis=1)
        c = _sigmoid(f + forget_bias) * c + _sigmoid(i) * np.tanh(j)
        h = _sigmoid(o) * np.tanh(c)
        return [h], [c, h]
    return step


def np_unroll(step, xs, state, lengths=None):
    """TF1's dynamic_rnn semantics over batch-major xs [B, T, ...] (a list of flat inputs):
    past an entry's length its output is zero and its state is copied through.
    Returns (list of flat outputs [B, T, ...], flat final state)."""
    xs = xs if isinstance(xs, list) else [xs]
    batch, steps = xs[0].shape[:2]
    lengths = np.full([batch], steps) if lengths is None else np.asarray(lengths)
    state = [np.asarray(s, np.float64) for s in state]
    outputs = None
    for t in range(steps):
        out, new_state = step(*[x[:, t] for x in xs], state)
        if outputs is None:
            outputs = [np.zeros((batch, steps) + o.shape[1:]) for o in out]
        live = t < lengths
        for o_all, o in zip(outputs, out):
            o_all[:, t] = np.where(live.reshape((-1,) + (1,) * (o.ndim - 1)), o, 0.0)
        state = [np.where(live.reshape((-1,) + (1,) * (n.ndim - 1)), n, s)
                 for s, n in zip(state, new_state)]
    return outputs, state


def np_reverse_per_sequence(x, lengths):
    """x [B, T, ...] with the first lengths[b] steps of row b reversed (reverse_sequence)."""
    out = x.copy()
    for b, n in enumerate(lengths):
        out[b, :n] = x[b, :n][::-1]
    return out


def _weights(sess, cell):
    return sess.run(cell.trainable_variables)


# --- dynamic_rnn ---------------------------------------------------------------------------------

def test_dynamic_rnn_basic_cell_matches_numpy_with_sequence_length(sess):
    x = tf.placeholder(tf.float32, [None, None, D])
    s = tf.placeholder(tf.int32, [None])
    cell = rc.BasicRNNCell(U)
    outputs, state = tf.nn.dynamic_rnn(cell, x, sequence_length=s, dtype=tf.float32)
    assert outputs.shape.as_list() == [None, None, U] and state.shape.as_list() == [None, U]
    _init(sess)
    xv = _rand(B, T, D)
    out, st = sess.run([outputs, state], {x: xv, s: LENGTHS})
    (ref_out,), (ref_state,) = np_unroll(np_basic_rnn_step(*_weights(sess, cell)), xv,
                                         [np.zeros((B, U))], LENGTHS)
    np.testing.assert_allclose(out, ref_out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st, ref_state, rtol=1e-5, atol=1e-6)
    # Zero outputs past each length; the state is the one at the last valid step.
    assert not out[1, 2:].any() and not out[2].any()
    np.testing.assert_allclose(st[1], out[1, 1], rtol=1e-6)
    np.testing.assert_array_equal(st[2], np.zeros(U))


def test_dynamic_rnn_lstm_initial_state_and_static_shapes(sess):
    x = tf.placeholder(tf.float32, [B, T, D])
    c0, h0 = _rand(B, U, seed=1, scale=0.5), _rand(B, U, seed=2, scale=0.5)
    init = rc.LSTMStateTuple(tf.constant(c0), tf.constant(h0))
    cell = rc.LSTMCell(U)
    outputs, state = tf.nn.dynamic_rnn(cell, x, sequence_length=[4, 1, 0], initial_state=init)
    assert isinstance(state, rc.LSTMStateTuple)
    assert outputs.shape.as_list() == [B, T, U]
    assert state.c.shape.as_list() == [B, U] and state.h.shape.as_list() == [B, U]
    _init(sess)
    xv = _rand(B, T, D, seed=3)
    out, st = sess.run([outputs, state], {x: xv})
    (ref_out,), (ref_c, ref_h) = np_unroll(np_lstm_step(*_weights(sess, cell)), xv, [c0, h0],
                                           [4, 1, 0])
    np.testing.assert_allclose(out, ref_out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st.c, ref_c, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st.h, ref_h, rtol=1e-5, atol=1e-6)
    # Length 0: the final state is the initial state, exactly.
    np.testing.assert_array_equal(st.c[2], c0[2])
    np.testing.assert_array_equal(st.h[2], h0[2])
    # max(sequence_length) = 4 < T: the last step is never computed and stacks as zeros.
    assert not out[:, 4].any()


def test_dynamic_rnn_without_sequence_length_runs_every_step(sess):
    x = tf.placeholder(tf.float32, [None, T, D])
    cell = rc.BasicRNNCell(U)
    outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
    assert outputs.shape.as_list() == [None, T, U]
    _init(sess)
    xv = _rand(2, T, D, seed=4)
    out, st = sess.run([outputs, state], {x: xv})
    (ref_out,), (ref_state,) = np_unroll(np_basic_rnn_step(*_weights(sess, cell)), xv,
                                         [np.zeros((2, U))])
    np.testing.assert_allclose(out, ref_out, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st, ref_state, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st, out[:, -1], rtol=1e-6)


def test_dynamic_rnn_all_lengths_zero_runs_one_step_and_keeps_the_state(sess):
    x = tf.placeholder(tf.float32, [None, None, D])
    h0 = _rand(B, U, seed=5)
    outputs, state = tf.nn.dynamic_rnn(rc.GRUCell(U), x, sequence_length=[0, 0, 0],
                                       initial_state=tf.constant(h0))
    _init(sess)
    out, st = sess.run([outputs, state], {x: _rand(B, T, D)})
    assert out.shape == (B, T, U) and not out.any()
    np.testing.assert_array_equal(st, h0)


def test_dynamic_rnn_time_major_equals_batch_major(sess):
    x = tf.placeholder(tf.float32, [None, None, D])
    s = tf.placeholder(tf.int64, [None])
    cell = rc.LSTMCell(U)
    out_b, st_b = tf.nn.dynamic_rnn(cell, x, sequence_length=s, dtype=tf.float32)
    # The same cell object reuses its weights (its scope was captured by the first call).
    out_t, st_t = tf.nn.dynamic_rnn(cell, tf.transpose(x, [1, 0, 2]), sequence_length=s,
                                    dtype=tf.float32, time_major=True, scope="tm")
    assert len(tf.global_variables()) == 2
    _init(sess)
    feed = {x: _rand(B, T, D, seed=6), s: LENGTHS.astype(np.int64)}
    ob, sb, ot, stt = sess.run([out_b, st_b, out_t, st_t], feed)
    np.testing.assert_allclose(ob, ot.transpose(1, 0, 2), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(sb.c, stt.c, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(sb.h, stt.h, rtol=1e-6, atol=1e-7)


def test_dynamic_rnn_time_major_static_shapes(sess):
    x = tf.placeholder(tf.float32, [T, B, D])
    outputs, state = tf.nn.dynamic_rnn(rc.GRUCell(U), x, dtype=tf.float32, time_major=True)
    assert outputs.shape.as_list() == [T, B, U] and state.shape.as_list() == [B, U]


def test_dynamic_rnn_dtype_from_initial_state(sess):
    x = tf.placeholder(tf.float64, [None, None, D])
    h0 = tf.zeros([2, U], tf.float64)
    outputs, state = tf.nn.dynamic_rnn(rc.BasicRNNCell(U), x, initial_state=h0)
    assert outputs.dtype == tf.float64 and state.dtype == tf.float64
    _init(sess)
    assert sess.run(outputs, {x: np.ones([2, 3, D])}).dtype == np.float64


def test_dynamic_rnn_passes_loop_options_to_while_loop(fresh_graph):
    x = tf.placeholder(tf.float32, [None, None, D])
    tf.nn.dynamic_rnn(rc.BasicRNNCell(U), x, dtype=tf.float32, parallel_iterations=3,
                      swap_memory=True)
    tf.nn.dynamic_rnn(rc.BasicRNNCell(U), x, dtype=tf.float32, scope="default")
    whiles = [op for op in fresh_graph.get_operations() if op.type == "While"]
    assert [(w.attrs["parallel_iterations"], w.attrs["swap_memory"]) for w in whiles] == \
        [(3, True), (32, False)]


def test_dynamic_rnn_sequence_length_is_findable_in_the_graph(fresh_graph):
    x = tf.placeholder(tf.float32, [None, None, D])
    tf.nn.dynamic_rnn(rc.BasicRNNCell(U), x, sequence_length=[1, 2], dtype=tf.float32)
    fresh_graph.get_tensor_by_name("rnn/sequence_length:0")  # TF's identity "to find it"


# --- nested inputs and outputs ---------------------------------------------------------------

Out = collections.namedtuple("Out", "h doubled")


class PairCell(rc.RNNCell):
    """inputs (a [B, da], b [B, db]); state (s1 [B, u], s2 [B, v]);
    output Out(h=n1, doubled=2 * n2) with n1 = tanh([a, s1] w1), n2 = sigmoid([b, s2] w2)."""

    def __init__(self, u, v, **kwargs):
        super().__init__(**kwargs)
        self._u, self._v = u, v

    @property
    def state_size(self):
        return (self._u, self._v)

    @property
    def output_size(self):
        return Out(self._u, self._v)

    def call(self, inputs, state):
        a, b = inputs
        s1, s2 = state
        w1 = tf.get_variable("w1", [int(a.shape[-1]) + self._u, self._u])
        w2 = tf.get_variable("w2", [int(b.shape[-1]) + self._v, self._v])
        n1 = tf.tanh(tf.matmul(tf.concat([a, s1], 1), w1))
        n2 = tf.sigmoid(tf.matmul(tf.concat([b, s2], 1), w2))
        return Out(n1, n2 * 2.0), (n1, n2)


def np_pair_step(w1, w2):
    def step(a, b, state):
        s1, s2 = state
        n1 = np.tanh(np.concatenate([a, s1], 1) @ w1)
        n2 = _sigmoid(np.concatenate([b, s2], 1) @ w2)
        return [n1, 2.0 * n2], [n1, n2]
    return step


@pytest.mark.parametrize("time_major", [False, True])
def test_dynamic_rnn_nested_inputs_outputs_and_state(sess, time_major):
    a = tf.placeholder(tf.float32, [None, None, D])
    b = tf.placeholder(tf.float32, [None, None, 2])
    s = tf.placeholder(tf.int32, [None])
    cell = PairCell(U, 2)
    inputs = (a, b)
    if time_major:
        inputs = (tf.transpose(a, [1, 0, 2]), tf.transpose(b, [1, 0, 2]))
    outputs, state = tf.nn.dynamic_rnn(cell, inputs, sequence_length=s, dtype=tf.float32,
                                       time_major=time_major)
    assert isinstance(outputs, Out) and isinstance(state, tuple) and len(state) == 2
    assert outputs.h.shape[-1] == U and outputs.doubled.shape[-1] == 2
    _init(sess)
    av, bv = _rand(B, T, D, seed=7), _rand(B, T, 2, seed=8)
    out, st = sess.run([outputs, state], {a: av, b: bv, s: LENGTHS})
    if time_major:
        out = Out(*[o.transpose(1, 0, 2) for o in out])
    ref_out, ref_state = np_unroll(np_pair_step(*sess.run([v for v in tf.global_variables()])),
                                   [av, bv], [np.zeros((B, U)), np.zeros((B, 2))], LENGTHS)
    np.testing.assert_allclose(out.h, ref_out[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.doubled, ref_out[1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st[0], ref_state[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st[1], ref_state[1], rtol=1e-5, atol=1e-6)


def test_static_rnn_nested_inputs_match_dynamic_rnn(sess):
    a = tf.placeholder(tf.float32, [B, T, D])
    b = tf.placeholder(tf.float32, [B, T, 2])
    cell = PairCell(U, 2)
    d_out, d_state = tf.nn.dynamic_rnn(cell, (a, b), sequence_length=LENGTHS, dtype=tf.float32)
    steps = list(zip(tf.unstack(a, axis=1), tf.unstack(b, axis=1)))
    s_out, s_state = tf.nn.static_rnn(cell, steps, sequence_length=LENGTHS, dtype=tf.float32)
    assert len(s_out) == T and all(isinstance(o, Out) for o in s_out)
    _init(sess)
    feed = {a: _rand(B, T, D, seed=9), b: _rand(B, T, 2, seed=10)}
    do, ds, so, ss = sess.run([d_out, d_state, s_out, s_state], feed)
    np.testing.assert_allclose(np.stack([o.h for o in so], 1), do.h, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(np.stack([o.doubled for o in so], 1), do.doubled, rtol=1e-6,
                               atol=1e-7)
    for x, y in zip(ss, ds):
        np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-7)


# --- bidirectional_dynamic_rnn -----------------------------------------------------------------

@pytest.mark.parametrize("with_lengths", [True, False])
@pytest.mark.parametrize("time_major", [False, True])
def test_bidirectional_is_forward_plus_backward_on_reversed_sequences(sess, with_lengths,
                                                                      time_major):
    x = tf.placeholder(tf.float32, [None, None, D])
    s = tf.placeholder(tf.int32, [None])
    cell_fw, cell_bw = rc.BasicRNNCell(U), rc.LSTMCell(2)
    inputs = tf.transpose(x, [1, 0, 2]) if time_major else x
    (out_fw, out_bw), (st_fw, st_bw) = tf.nn.bidirectional_dynamic_rnn(
        cell_fw, cell_bw, inputs, sequence_length=s if with_lengths else None,
        dtype=tf.float32, time_major=time_major)
    _init(sess)
    xv = _rand(B, T, D, seed=11)
    lengths = LENGTHS if with_lengths else np.full([B], T, np.int32)
    feed = {x: xv, s: lengths}
    of, ob, sf, sb = sess.run([out_fw, out_bw, st_fw, st_bw], feed)
    if time_major:
        of, ob = of.transpose(1, 0, 2), ob.transpose(1, 0, 2)
    (ref_f,), (ref_sf,) = np_unroll(np_basic_rnn_step(*_weights(sess, cell_fw)), xv,
                                    [np.zeros((B, U))], lengths)
    (ref_b_rev,), (ref_c, ref_h) = np_unroll(
        np_lstm_step(*_weights(sess, cell_bw)), np_reverse_per_sequence(xv, lengths),
        [np.zeros((B, 2)), np.zeros((B, 2))], lengths)
    np.testing.assert_allclose(of, ref_f, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sf, ref_sf, rtol=1e-5, atol=1e-6)
    # The backward outputs are reversed back: step t of row b is the bw RNN's output at
    # step lengths[b] - 1 - t (zeros past the length).
    np.testing.assert_allclose(ob, np_reverse_per_sequence(ref_b_rev, lengths), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(sb.c, ref_c, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sb.h, ref_h, rtol=1e-5, atol=1e-6)
    if with_lengths:
        assert not ob[1, 2:].any() and not ob[2].any()


def test_bidirectional_nested_outputs_are_reversed_per_tensor(sess):
    # TF1 reverses the bw outputs with one reverse call, packing a tuple into one tensor
    # (an error, or a single wrong tensor); rnngraph reverses each output.
    a = tf.placeholder(tf.float32, [B, T, D])
    b = tf.placeholder(tf.float32, [B, T, 2])
    (out_fw, out_bw), _ = tf.nn.bidirectional_dynamic_rnn(
        PairCell(U, 2), PairCell(2, 2), (a, b), sequence_length=LENGTHS, dtype=tf.float32)
    assert isinstance(out_fw, Out) and isinstance(out_bw, Out)
    _init(sess)
    av, bv = _rand(B, T, D, seed=12), _rand(B, T, 2, seed=13)
    ob = sess.run(out_bw, {a: av, b: bv})
    bw_vars = [v for v in tf.global_variables() if "/bw/" in v.name]
    ref, _ = np_unroll(np_pair_step(*sess.run(bw_vars)),
                       [np_reverse_per_sequence(av, LENGTHS), np_reverse_per_sequence(bv, LENGTHS)],
                       [np.zeros((B, 2)), np.zeros((B, 2))], LENGTHS)
    np.testing.assert_allclose(ob.h, np_reverse_per_sequence(ref[0], LENGTHS), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ob.doubled, np_reverse_per_sequence(ref[1], LENGTHS), rtol=1e-5,
                               atol=1e-6)


# --- stack_bidirectional_dynamic_rnn -----------------------------------------------------------

def test_stack_bidirectional_dynamic_rnn_layers_feed_concatenated_outputs(sess):
    x = tf.placeholder(tf.float32, [None, None, D])
    cells_fw = [rc.BasicRNNCell(U), rc.BasicRNNCell(2)]
    cells_bw = [rc.BasicRNNCell(2), rc.BasicRNNCell(U)]
    init_fw = [tf.constant(_rand(B, U, seed=20)), tf.constant(_rand(B, 2, seed=21))]
    outputs, states_fw, states_bw = tf.nn.stack_bidirectional_dynamic_rnn(
        cells_fw, cells_bw, x, initial_states_fw=init_fw, dtype=tf.float32,
        sequence_length=LENGTHS)
    assert isinstance(states_fw, tuple) and len(states_fw) == 2 and len(states_bw) == 2
    assert outputs.shape.as_list() == [B, None, 2 + U]  # TF (batch from the initial states)
    _init(sess)
    xv = _rand(B, T, D, seed=22)
    out, sf, sb = sess.run([outputs, states_fw, states_bw], {x: xv})
    layer_in = xv
    for i in range(2):
        (rf,), (rsf,) = np_unroll(np_basic_rnn_step(*_weights(sess, cells_fw[i])), layer_in,
                                  [sess.run(init_fw[i])], LENGTHS)
        width = cells_bw[i].output_size
        (rb,), (rsb,) = np_unroll(np_basic_rnn_step(*_weights(sess, cells_bw[i])),
                                  np_reverse_per_sequence(layer_in, LENGTHS),
                                  [np.zeros((B, width))], LENGTHS)
        np.testing.assert_allclose(sf[i], rsf, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(sb[i], rsb, rtol=1e-5, atol=1e-6)
        layer_in = np.concatenate([rf, np_reverse_per_sequence(rb, LENGTHS)], 2)
    np.testing.assert_allclose(out, layer_in, rtol=1e-5, atol=1e-6)


def test_stack_bidirectional_dynamic_rnn_argument_errors():
    x = tf.placeholder(tf.float32, [None, None, D])
    with pytest.raises(ValueError, match="at least one fw cell"):
        tf.nn.stack_bidirectional_dynamic_rnn([], [rc.GRUCell(2)], x, dtype=tf.float32)
    with pytest.raises(ValueError, match="cells_fw must be a list"):
        tf.nn.stack_bidirectional_dynamic_rnn((rc.GRUCell(2),), [rc.GRUCell(2)], x,
                                              dtype=tf.float32)
    with pytest.raises(ValueError, match="same depth"):
        tf.nn.stack_bidirectional_dynamic_rnn([rc.GRUCell(2)], [rc.GRUCell(2)] * 2, x,
                                              dtype=tf.float32)
    with pytest.raises(ValueError, match="initial_states_fw must be a list"):
        tf.nn.stack_bidirectional_dynamic_rnn([rc.GRUCell(2)], [rc.GRUCell(2)], x,
                                              initial_states_fw=tf.zeros([B, 2]),
                                              dtype=tf.float32)


# --- raw_rnn -------------------------------------------------------------------------------------

def test_raw_rnn_feed_previous_decoder_matches_hand_unroll(sess):
    """A greedy decoder: the next input is tanh(output @ proj); entry b stops after
    lengths[b] steps (elements_finished = time >= lengths); a loop-state counter."""
    lengths = np.array([4, 1, 0, 2], np.int32)
    batch = len(lengths)
    go = _rand(batch, D, seed=30)
    h0 = _rand(batch, U, seed=31, scale=0.5)
    cell = rc.BasicRNNCell(U)
    proj = tf.get_variable("proj", [U, D])
    calls = []

    def loop_fn(time, cell_output, cell_state, loop_state):
        calls.append((cell_output is None, cell_state is None, loop_state is None))
        finished = time >= lengths
        if cell_output is None:  # time 0
            return finished, tf.constant(go), tf.constant(h0), None, tf.constant(0)
        next_input = tf.tanh(tf.matmul(cell_output, proj))
        return finished, next_input, cell_state, cell_output, loop_state + 1

    emit_ta, final_state, final_loop_state = tf.nn.raw_rnn(cell, loop_fn)
    assert calls == [(True, True, True), (False, False, False)]
    assert isinstance(emit_ta, tf.TensorArray)
    emits = emit_ta.stack()
    _init(sess)
    em, st, n = sess.run([emits, final_state, final_loop_state])
    kernel, bias, pv = sess.run([cell.trainable_variables[0], cell.trainable_variables[1], proj])
    # The hand-written unroll.
    steps = lengths.max()
    ref = np.zeros((steps, batch, U))
    state, inp = h0.astype(np.float64), go.astype(np.float64)
    for t in range(steps):
        finished = t >= lengths
        out = np.tanh(np.concatenate([inp, state], 1) @ kernel + bias)
        ref[t] = np.where(finished[:, None], 0.0, out)
        state = np.where(finished[:, None], state, out)
        inp = np.tanh(out @ pv)
    assert em.shape == (steps, batch, U) and n == steps
    np.testing.assert_allclose(em, ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(st, state, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(st[2], h0[2])  # finished at time 0: the initial state


def test_raw_rnn_emit_structure_and_no_loop_state(sess):
    """emit_structure at time 0 (per-example shapes and dtypes, values ignored) sets the
    emit TensorArrays; finished entries emit zeros; loop_state None gives None back."""
    lengths = np.array([3, 1], np.int32)
    x = tf.placeholder(tf.float32, [None, D])
    cell = rc.GRUCell(U)

    def loop_fn(time, cell_output, cell_state, loop_state):
        finished = time >= lengths
        if cell_output is None:
            emit = (tf.zeros([U + 1]), tf.zeros([], tf.int32))
            return finished, x, cell.zero_state(2, tf.float32), emit, None
        emit = (tf.concat([cell_output, tf.ones([2, 1])], 1), tf.fill([2], time))
        return finished, x, cell_state, emit, None

    (ta_f, ta_i), state, loop_state = tf.nn.raw_rnn(cell, loop_fn, scope="decoder")
    assert loop_state is None
    assert ta_f.dtype == tf.float32 and ta_i.dtype == tf.int32
    _init(sess)
    f, i = sess.run([ta_f.stack(), ta_i.stack()], {x: _rand(2, D, seed=32)})
    assert f.shape == (3, 2, U + 1) and i.shape == (3, 2)
    np.testing.assert_array_equal(i, [[1, 1], [2, 0], [3, 0]])
    np.testing.assert_array_equal(f[:, 0, U], [1, 1, 1])
    assert not f[1:, 1].any()


def test_raw_rnn_loop_state_may_hold_tensor_arrays(sess):
    lengths = np.array([2, 3], np.int32)
    cell = rc.BasicRNNCell(U)

    def loop_fn(time, cell_output, cell_state, loop_state):
        finished = time >= lengths
        inp = tf.ones([2, D])
        if cell_output is None:
            return (finished, inp, cell.zero_state(2, tf.float32), None,
                    tf.TensorArray(tf.int32, size=0, dynamic_size=True))
        return finished, inp, cell_state, cell_output, loop_state.write(time - 1, time * 10)

    _, _, times_ta = tf.nn.raw_rnn(cell, loop_fn)
    _init(sess)
    np.testing.assert_array_equal(sess.run(times_ta.stack()), [10, 20, 30])


# --- static_rnn ----------------------------------------------------------------------------------

def test_static_rnn_equals_dynamic_rnn_on_shared_weights(sess):
    x = tf.placeholder(tf.float32, [B, T, D])
    s_out, s_state = tf.nn.static_rnn(rc.LSTMCell(U), tf.unstack(x, axis=1), dtype=tf.float32)
    # A second cell object finds the same variables through variable-scope reuse.
    with tf.variable_scope(tf.get_variable_scope(), reuse=True):
        d_out, d_state = tf.nn.dynamic_rnn(rc.LSTMCell(U), x, dtype=tf.float32)
    assert [v.name for v in tf.global_variables()] == \
        ["rnn/lstm_cell/kernel:0", "rnn/lstm_cell/bias:0"]  # TF
    _init(sess)
    so, ss, do, ds = sess.run([s_out, s_state, d_out, d_state], {x: _rand(B, T, D, seed=40)})
    np.testing.assert_allclose(np.stack(so, 1), do, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ss.c, ds.c, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ss.h, ds.h, rtol=1e-6, atol=1e-7)


def test_static_rnn_with_sequence_length_matches_numpy(sess):
    xs = [tf.placeholder(tf.float32, [None, D]) for _ in range(T)]
    s = tf.placeholder(tf.int32, [None])
    cell = rc.BasicRNNCell(U)
    h0 = _rand(B, U, seed=41)
    outputs, state = tf.nn.static_rnn(cell, xs, initial_state=tf.constant(h0), sequence_length=s)
    assert len(outputs) == T and outputs[0].shape.as_list() == [None, U]
    _init(sess)
    xv = _rand(B, T, D, seed=42)
    feed = {p: xv[:, t] for t, p in enumerate(xs)}
    for lengths in (LENGTHS, np.array([2, 1, 2], np.int32), np.zeros(B, np.int32)):
        feed[s] = lengths
        out, st = sess.run([outputs, state], feed)
        (ref_out,), (ref_state,) = np_unroll(np_basic_rnn_step(*_weights(sess, cell)), xv,
                                             [h0], lengths)
        np.testing.assert_allclose(np.stack(out, 1), ref_out, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(st, ref_state, rtol=1e-5, atol=1e-6)


def test_static_bidirectional_rnn_with_sequence_length(sess):
    x = tf.placeholder(tf.float32, [B, T, D])
    cell_fw, cell_bw = rc.BasicRNNCell(U), rc.BasicRNNCell(2)
    outputs, st_fw, st_bw = tf.nn.static_bidirectional_rnn(
        cell_fw, cell_bw, tf.unstack(x, axis=1), dtype=tf.float32, sequence_length=LENGTHS)
    assert len(outputs) == T and outputs[0].shape.as_list() == [B, U + 2]
    _init(sess)
    xv = _rand(B, T, D, seed=43)
    out, sf, sb = sess.run([outputs, st_fw, st_bw], {x: xv})
    (rf,), (rsf,) = np_unroll(np_basic_rnn_step(*_weights(sess, cell_fw)), xv,
                              [np.zeros((B, U))], LENGTHS)
    (rb,), (rsb,) = np_unroll(np_basic_rnn_step(*_weights(sess, cell_bw)),
                              np_reverse_per_sequence(xv, LENGTHS), [np.zeros((B, 2))], LENGTHS)
    want = np.concatenate([rf, np_reverse_per_sequence(rb, LENGTHS)], 2)
    np.testing.assert_allclose(np.stack(out, 1), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sf, rsf, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sb, rsb, rtol=1e-5, atol=1e-6)


def test_static_bidirectional_rnn_without_sequence_length_equals_dynamic(sess):
    x = tf.placeholder(tf.float32, [B, T, D])
    cell_fw, cell_bw = rc.GRUCell(U), rc.GRUCell(U)
    s_out, _, _ = tf.nn.static_bidirectional_rnn(cell_fw, cell_bw, tf.unstack(x, axis=1),
                                                 dtype=tf.float32)
    (d_fw, d_bw), _ = tf.nn.bidirectional_dynamic_rnn(cell_fw, cell_bw, x, dtype=tf.float32,
                                                      scope="dyn")
    assert len(tf.global_variables()) == 8  # the cells keep their first scopes
    _init(sess)
    so, dfw, dbw = sess.run([s_out, d_fw, d_bw], {x: _rand(B, T, D, seed=44)})
    np.testing.assert_allclose(np.stack(so, 1), np.concatenate([dfw, dbw], 2), rtol=1e-6,
                               atol=1e-7)


# --- variable names (TF1's, checked by running TensorFlow by hand) ------------------------------

def _x(shape=(2, 4, 3)):
    return tf.placeholder(tf.float32, list(shape))


def _names():
    return [v.name for v in tf.global_variables()]


def test_variable_names_dynamic_rnn():
    tf.nn.dynamic_rnn(rc.BasicRNNCell(3), _x(), dtype=tf.float32)
    assert _names() == ["rnn/basic_rnn_cell/kernel:0", "rnn/basic_rnn_cell/bias:0"]  # TF


def test_variable_names_dynamic_rnn_scope_and_multi_cell():
    tf.nn.dynamic_rnn(rc.LSTMCell(3), _x(), dtype=tf.float32, scope="enc")
    tf.nn.dynamic_rnn(rc.MultiRNNCell([rc.LSTMCell(3), rc.GRUCell(2)]), _x(), dtype=tf.float32)
    assert _names() == [  # TF
        "enc/lstm_cell/kernel:0", "enc/lstm_cell/bias:0",
        "rnn/multi_rnn_cell/cell_0/lstm_cell/kernel:0",
        "rnn/multi_rnn_cell/cell_0/lstm_cell/bias:0",
        "rnn/multi_rnn_cell/cell_1/gru_cell/gates/kernel:0",
        "rnn/multi_rnn_cell/cell_1/gru_cell/gates/bias:0",
        "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/kernel:0",
        "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/bias:0"]


def test_variable_names_two_cells_in_the_default_scope_clash_as_in_tf():
    x = _x()
    tf.nn.dynamic_rnn(rc.BasicRNNCell(3), x, dtype=tf.float32)
    with pytest.raises(ValueError, match="Variable rnn/basic_rnn_cell/kernel already exists"):  # TF
        tf.nn.dynamic_rnn(rc.BasicRNNCell(3), x, dtype=tf.float32)


def test_variable_names_same_cell_twice_shares_its_scope():
    c = rc.BasicRNNCell(3)
    tf.nn.dynamic_rnn(c, _x(), dtype=tf.float32)
    tf.nn.dynamic_rnn(c, _x(), dtype=tf.float32, scope="other")
    assert _names() == ["rnn/basic_rnn_cell/kernel:0", "rnn/basic_rnn_cell/bias:0"]  # TF


def test_variable_names_bidirectional_dynamic_rnn():
    tf.nn.bidirectional_dynamic_rnn(rc.LSTMCell(3), rc.GRUCell(2), _x(), dtype=tf.float32)
    with tf.variable_scope("outer"):
        tf.nn.bidirectional_dynamic_rnn(rc.BasicRNNCell(3), rc.BasicRNNCell(3), _x(),
                                        dtype=tf.float32, scope="bi")
    assert _names() == [  # TF
        "bidirectional_rnn/fw/lstm_cell/kernel:0", "bidirectional_rnn/fw/lstm_cell/bias:0",
        "bidirectional_rnn/bw/gru_cell/gates/kernel:0",
        "bidirectional_rnn/bw/gru_cell/gates/bias:0",
        "bidirectional_rnn/bw/gru_cell/candidate/kernel:0",
        "bidirectional_rnn/bw/gru_cell/candidate/bias:0",
        "outer/bi/fw/basic_rnn_cell/kernel:0", "outer/bi/fw/basic_rnn_cell/bias:0",
        "outer/bi/bw/basic_rnn_cell/kernel:0", "outer/bi/bw/basic_rnn_cell/bias:0"]


def test_variable_names_raw_rnn():
    cell = rc.BasicRNNCell(3)

    def loop_fn(time, out, st, ls):
        finished = time >= tf.fill([2], 2)
        if out is None:
            return finished, tf.zeros([2, 3]), cell.zero_state(2, tf.float32), None, None
        return finished, tf.zeros([2, 3]), st, out, None
    tf.nn.raw_rnn(cell, loop_fn)
    assert _names() == ["rnn/basic_rnn_cell/kernel:0", "rnn/basic_rnn_cell/bias:0"]  # TF


def test_variable_names_static_rnn_and_static_bidirectional_rnn():
    tf.nn.static_rnn(rc.BasicRNNCell(3), tf.unstack(_x(), axis=1), dtype=tf.float32)
    tf.nn.static_bidirectional_rnn(rc.BasicRNNCell(3), rc.BasicRNNCell(2),
                                   tf.unstack(_x(), axis=1), dtype=tf.float32)
    assert _names() == [  # TF
        "rnn/basic_rnn_cell/kernel:0", "rnn/basic_rnn_cell/bias:0",
        "bidirectional_rnn/fw/basic_rnn_cell/kernel:0",
        "bidirectional_rnn/fw/basic_rnn_cell/bias:0",
        "bidirectional_rnn/bw/basic_rnn_cell/kernel:0",
        "bidirectional_rnn/bw/basic_rnn_cell/bias:0"]


def test_variable_names_custom_cell_with_get_variable():
    tf.nn.dynamic_rnn(PairCell(3, 2), (_x(), _x((2, 4, 2))), dtype=tf.float32)
    tf.nn.static_rnn(PairCell(3, 2), [(_x((2, 3)), _x((2, 2)))] * 2, dtype=tf.float32, scope="s")
    assert _names() == ["rnn/pair_cell/w1:0", "rnn/pair_cell/w2:0",  # TF
                        "s/pair_cell/w1:0", "s/pair_cell/w2:0"]


def test_variable_names_stack_bidirectional_dynamic_rnn():
    # TF 1.15's tf.contrib.rnn (TF 2 has no contrib: its scopes restated and run in TF).
    tf.nn.stack_bidirectional_dynamic_rnn([rc.LSTMCell(3), rc.LSTMCell(2)],
                                          [rc.GRUCell(3), rc.BasicRNNCell(2)], _x(),
                                          dtype=tf.float32)
    prefix = "stack_bidirectional_rnn/cell_%d/bidirectional_rnn/"
    assert _names() == [p % i + n for p, i, n in [  # TF
        (prefix, 0, "fw/lstm_cell/kernel:0"), (prefix, 0, "fw/lstm_cell/bias:0"),
        (prefix, 0, "bw/gru_cell/gates/kernel:0"), (prefix, 0, "bw/gru_cell/gates/bias:0"),
        (prefix, 0, "bw/gru_cell/candidate/kernel:0"),
        (prefix, 0, "bw/gru_cell/candidate/bias:0"),
        (prefix, 1, "fw/lstm_cell/kernel:0"), (prefix, 1, "fw/lstm_cell/bias:0"),
        (prefix, 1, "bw/basic_rnn_cell/kernel:0"), (prefix, 1, "bw/basic_rnn_cell/bias:0")]]


# --- run-time sequence_length errors --------------------------------------------------------

def _dynamic_with_lengths(**kwargs):
    x = tf.placeholder(tf.float32, [None, None, D])
    s = tf.placeholder(tf.int32, [None])
    out, st = tf.nn.dynamic_rnn(rc.GRUCell(U), x, sequence_length=s, dtype=tf.float32, **kwargs)
    return x, s, (out, st)


@pytest.mark.parametrize("lengths,shown", [([7, 2, 0], "= [7] at i = [0]"),
                                           ([5, -1, 0], "= [-1] at i = [1]"),
                                           ([5, 2, 6], "= [6] at i = [2]")])
def test_dynamic_rnn_sequence_length_out_of_range_is_a_run_time_error(sess, lengths, shown):
    x, s, fetch = _dynamic_with_lengths()
    _init(sess)
    with pytest.raises(errors.InvalidArgumentError) as e:
        sess.run(fetch, {x: np.zeros((B, T, D), np.float32), s: lengths})
    message = str(e.value)
    assert "sequence_length must be a vector with every value in [0, max_time]" in message
    assert "sequence_length[i] " + shown in message and "max_time = [5]" in message
    # The boundaries are fine: 0 and max_time.
    sess.run(fetch, {x: np.zeros((B, T, D), np.float32), s: [0, 5, 5]})


def test_dynamic_rnn_sequence_length_wrong_batch_size_is_a_run_time_error(sess):
    x, s, fetch = _dynamic_with_lengths()
    _init(sess)
    with pytest.raises(errors.InvalidArgumentError,
                       match=r"Expected shape for Tensor rnn/sequence_length:0 is = \[3\] but saw "
                             r"shape = \[2\] sequence_length = \[5 2\]"):
        sess.run(fetch, {x: np.zeros((B, T, D), np.float32), s: [5, 2]})


def test_dynamic_rnn_sequence_length_wrong_batch_size_static_is_a_build_error():
    x = tf.placeholder(tf.float32, [B, T, D])
    with pytest.raises(ValueError, match=r"sequence_length must be a vector of length "
                                         r"batch_size = 3, but sequence_length "
                                         r"rnn/sequence_length:0 has shape \(2,\)"):
        tf.nn.dynamic_rnn(rc.GRUCell(U), x, sequence_length=[5, 2], dtype=tf.float32)


def test_dynamic_rnn_sequence_length_of_unknown_rank_must_be_a_vector(sess):
    x = tf.placeholder(tf.float32, [None, None, D])
    s = tf.placeholder(tf.int32)
    out, _ = tf.nn.dynamic_rnn(rc.GRUCell(U), x, sequence_length=s, dtype=tf.float32)
    _init(sess)
    with pytest.raises(errors.InvalidArgumentError, match="must be a vector"):
        sess.run(out, {x: np.zeros((1, T, D), np.float32), s: 3})
    sess.run(out, {x: np.zeros((1, T, D), np.float32), s: [3]})


def test_bidirectional_sequence_length_checked_before_reversing(sess):
    x = tf.placeholder(tf.float32, [None, None, D])
    s = tf.placeholder(tf.int32, [None])
    (_, out_bw), _ = tf.nn.bidirectional_dynamic_rnn(rc.GRUCell(U), rc.GRUCell(U), x,
                                                     sequence_length=s, dtype=tf.float32)
    _init(sess)
    with pytest.raises(errors.InvalidArgumentError,
                       match=r"bidirectional_dynamic_rnn: sequence_length must be a vector with "
                             r"every value in \[0, max_time\]; first bad entry: "
                             r"sequence_length\[i\] = \[7\]"):
        sess.run(out_bw, {x: np.zeros((B, T, D), np.float32), s: [7, 2, 0]})
    # A wrong batch size clashes with the inputs' in reverse_sequence, which the run's
    # static specialization finds before any op (so before the shape Assert) runs.
    with pytest.raises(errors.InvalidArgumentError,
                       match=r"len\(seq_lengths\) vs input.dims\[batch_axis\].*"
                             r"'bidirectional_rnn/sequence_length:0' \[2\]"):
        sess.run(out_bw, {x: np.zeros((B, T, D), np.float32), s: [1, 2]})


def test_static_rnn_sequence_length_errors(sess):
    x = tf.placeholder(tf.float32, [None, T, D])
    s = tf.placeholder(tf.int32, [None])
    outs, _ = tf.nn.static_rnn(rc.GRUCell(U), tf.unstack(x, axis=1), sequence_length=s,
                               dtype=tf.float32)
    outs2, _, _ = tf.nn.static_bidirectional_rnn(rc.GRUCell(U), rc.GRUCell(U),
                                                 tf.unstack(x, axis=1), sequence_length=s,
                                                 dtype=tf.float32)
    _init(sess)
    xv = np.zeros((B, T, D), np.float32)
    for fetch, name in ((outs, "static_rnn"), (outs2, "static_bidirectional_rnn")):
        with pytest.raises(errors.InvalidArgumentError,
                           match=r"%s: sequence_length must be .*sequence_length\[i\] = \[-2\] "
                                 r"at i = \[2\] max_time = \[5\]" % name):
            sess.run(fetch, {x: xv, s: [5, 2, -2]})
        with pytest.raises(errors.InvalidArgumentError,
                           match="Expected shape for Tensor|len\\(seq_lengths\\)"):
            sess.run(fetch, {x: xv, s: [5, 2, 1, 1]})
        sess.run(fetch, {x: xv, s: [5, 0, 3]})


# --- build-time errors ---------------------------------------------------------------------------

def test_error_not_a_cell():
    x = _x()
    with pytest.raises(TypeError, match="The argument 'cell' .* is not an RNNCell: 'output_size' "
                                        "property is missing"):
        tf.nn.dynamic_rnn("not a cell", x, dtype=tf.float32)
    with pytest.raises(TypeError, match="'cell_bw'"):
        tf.nn.bidirectional_dynamic_rnn(rc.GRUCell(2), object(), x, dtype=tf.float32)


def test_error_inputs_of_the_wrong_rank_name_the_tensor():
    x = tf.placeholder(tf.float32, [None, D], name="flat_inputs")
    with pytest.raises(ValueError, match=r"Expected inputs to be rank >= 3, but input tensor "
                                         r"flat_inputs:0 has shape \(\?, 4\)"):
        tf.nn.dynamic_rnn(rc.GRUCell(U), x, dtype=tf.float32)
    with pytest.raises(ValueError, match="flat_inputs:0"):
        tf.nn.bidirectional_dynamic_rnn(rc.GRUCell(U), rc.GRUCell(U), x, dtype=tf.float32,
                                        sequence_length=[1, 2])
    v = tf.placeholder(tf.float32, [None], name="vector_step")
    with pytest.raises(ValueError, match="static_rnn: Expected inputs to be rank >= 2.*vector"):
        tf.nn.static_rnn(rc.GRUCell(U), [tf.zeros([2, 4]), v], dtype=tf.float32)


def test_error_unknown_input_depth():
    with pytest.raises(ValueError, match="Input size \\(depth of inputs\\) must be accessible"):
        tf.nn.dynamic_rnn(rc.GRUCell(U), tf.placeholder(tf.float32, [None, None, None]),
                          dtype=tf.float32)
    with pytest.raises(ValueError, match="Input size \\(dimension 0 of inputs\\) must be "
                                         "accessible"):
        tf.nn.static_rnn(rc.GRUCell(U), [tf.placeholder(tf.float32, [2, None])],
                         dtype=tf.float32)


def test_error_inconsistent_batch_and_time_in_nested_inputs():
    a = tf.placeholder(tf.float32, [2, T, D], name="a")
    b = tf.placeholder(tf.float32, [3, T, 2], name="b")
    with pytest.raises(ValueError, match="Batch_size is not the same for all the elements in the "
                                         "input: input .* has batch size 2, input .* has 3"):
        tf.nn.dynamic_rnn(PairCell(U, 2), (a, b), dtype=tf.float32)
    c = tf.placeholder(tf.float32, [2, T + 1, 2], name="c")
    with pytest.raises(ValueError, match="Time steps is not the same"):
        tf.nn.dynamic_rnn(PairCell(U, 2), (a, c), dtype=tf.float32)
    with pytest.raises(ValueError, match="static_rnn: inputs have different batch sizes"):
        tf.nn.static_rnn(PairCell(U, 2), [(a[:, 0], b[:, 0])], dtype=tf.float32)


def test_error_no_initial_state_and_no_dtype():
    with pytest.raises(ValueError, match="If there is no initial_state, you must give a dtype."):
        tf.nn.dynamic_rnn(rc.GRUCell(U), _x())
    with pytest.raises(ValueError, match="If no initial_state is provided, dtype must be "
                                         "specified"):
        tf.nn.static_rnn(rc.GRUCell(U), tf.unstack(_x(), axis=1))


def test_error_static_rnn_inputs_must_be_a_non_empty_list():
    with pytest.raises(TypeError, match="inputs must be a sequence"):
        tf.nn.static_rnn(rc.GRUCell(U), _x(), dtype=tf.float32)
    with pytest.raises(ValueError, match="inputs must not be empty"):
        tf.nn.static_rnn(rc.GRUCell(U), [], dtype=tf.float32)
    with pytest.raises(TypeError, match="inputs must be a sequence"):
        tf.nn.static_bidirectional_rnn(rc.GRUCell(U), rc.GRUCell(U), _x(), dtype=tf.float32)


def test_error_sequence_length_not_a_vector():
    with pytest.raises(ValueError, match="sequence_length must be a vector of length batch_size, "
                                         "but saw shape: \\(3, 1\\)"):
        tf.nn.dynamic_rnn(rc.GRUCell(U), _x((3, 5, 4)), sequence_length=[[5], [2], [0]],
                          dtype=tf.float32)
    with pytest.raises(ValueError, match="sequence_length must be a vector of length batch_size"):
        tf.nn.static_rnn(rc.GRUCell(U), tf.unstack(_x(), axis=1), sequence_length=3,
                         dtype=tf.float32)


class WrongOutputCell(rc.RNNCell):
    """Declares output_size 3 but returns a [batch, 4] output."""

    @property
    def state_size(self):
        return 3

    @property
    def output_size(self):
        return 3

    def call(self, inputs, state):
        w = tf.get_variable("w", [int(inputs.shape[-1]) + 3, 4])
        out = tf.matmul(tf.concat([inputs, state], 1), w, name="wide_output")
        return out, out[:, :3]


def test_error_cell_output_does_not_match_output_size():
    for kwargs in ({}, {"sequence_length": [1, 2]}):
        with tf.Graph().as_default():
            with pytest.raises(ValueError, match=r"dynamic_rnn: cell output "
                                                 r"rnn/while/rnn/wrong_output_cell/wide_output:0 "
                                                 r"has shape \(2, 4\), which does not match "
                                                 r"cell.output_size 3"):
                tf.nn.dynamic_rnn(WrongOutputCell(), _x(), dtype=tf.float32, **kwargs)
    with pytest.raises(ValueError, match="static_rnn: cell output .*wide_output:0 has shape "
                                         "\\(2, 4\\), which does not match cell.output_size 3"):
        tf.nn.static_rnn(WrongOutputCell(), tf.unstack(_x(), axis=1), dtype=tf.float32,
                         sequence_length=[1, 2])


def test_error_cell_output_structure_does_not_match_output_size():
    class TupleOutputCell(WrongOutputCell):
        def call(self, inputs, state):
            return (state, state), state
    with pytest.raises(ValueError, match="does not have the structure of cell.output_size"):
        tf.nn.dynamic_rnn(TupleOutputCell(), _x(), dtype=tf.float32)


def test_error_initial_state_does_not_match_state_size():
    x = _x()
    h = tf.placeholder(tf.float32, [None, 5], name="h_init")
    with pytest.raises(ValueError, match=r"dynamic_rnn: initial_state tensor h_init:0 has shape "
                                         r"\(\?, 5\), which does not match cell.state_size 6"):
        tf.nn.dynamic_rnn(rc.GRUCell(6), x, initial_state=h)
    wrong_batch = tf.zeros([3, 6], name="batch3")
    with pytest.raises(ValueError, match=r"initial_state tensor batch3:0 has shape \(3, 6\).*"
                                         r"expected shape \(2, 6\)"):
        tf.nn.dynamic_rnn(rc.GRUCell(6), x, initial_state=wrong_batch)
    # A single tensor for an LSTMStateTuple state: TF1's TypeError (LSTMCell iterates it).
    with pytest.raises(TypeError, match="initial_state does not have the structure of "
                                        "cell.state_size"):
        tf.nn.dynamic_rnn(rc.LSTMCell(6), x, initial_state=tf.zeros([2, 12]))
    with pytest.raises(ValueError, match="static_rnn: initial_state tensor h_init:0"):
        tf.nn.static_rnn(rc.GRUCell(6), tf.unstack(x, axis=1), initial_state=h)


def test_error_cell_returns_a_state_of_another_shape():
    class GrowingStateCell(WrongOutputCell):
        def call(self, inputs, state):
            new = tf.concat([state, state], 1, name="grown")
            return state, new
    with pytest.raises(ValueError, match=r"dynamic_rnn: cell .* returned a new state "
                                         r".*grown:0 of shape \(2, 6\) for the state .* of "
                                         r"shape \(2, 3\)"):
        tf.nn.dynamic_rnn(GrowingStateCell(), _x(), dtype=tf.float32)


def test_error_raw_rnn_arguments():
    with pytest.raises(TypeError, match="loop_fn must be a callable"):
        tf.nn.raw_rnn(rc.GRUCell(U), 3)
    cell = rc.GRUCell(U)

    def loop_fn(time, out, st, ls):
        finished = time >= tf.fill([2], 2)
        if out is None:
            return finished, tf.zeros([2, D]), tf.zeros([2, U + 1], name="bad_state"), None, None
        return finished, tf.zeros([2, D]), st, out, None
    with pytest.raises(ValueError, match="raw_rnn: the initial cell state from loop_fn tensor "
                                         "rnn/bad_state:0 has shape \\(2, 4\\)"):
        tf.nn.raw_rnn(cell, loop_fn)


def test_state_structure_types_follow_tf():
    """A plain tuple where the cell returns an LSTMStateTuple: TF1's while_loop (dynamic_rnn)
    and _rnn_step (sequence_length) reject it with a TypeError; static_rnn without
    sequence_length accepts it (the state simply becomes the cell's)."""
    x = _x()
    init = (tf.zeros([2, 3]), tf.zeros([2, 3]))
    with pytest.raises(TypeError, match="does not have the structure of the state it was given"):
        tf.nn.dynamic_rnn(rc.LSTMCell(3), x, initial_state=init, scope="a")
    _, state = tf.nn.static_rnn(rc.LSTMCell(3), tf.unstack(x, axis=1), initial_state=init,
                                scope="b")
    assert isinstance(state, rc.LSTMStateTuple)
    with pytest.raises(TypeError, match="does not have the structure of the state it was given"):
        tf.nn.static_rnn(rc.LSTMCell(3), tf.unstack(x, axis=1), initial_state=init,
                         sequence_length=[1, 2], scope="c")


def test_error_inputs_none_or_empty():
    for inputs in (None, (), []):
        with pytest.raises(ValueError, match="inputs must not be None or empty"):
            tf.nn.dynamic_rnn(rc.GRUCell(U), inputs, dtype=tf.float32)
