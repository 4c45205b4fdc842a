"""Hypothesis draws RNN configurations — dynamic_rnn, bidirectional_dynamic_rnn or
static_rnn; the cell; batch, time, input and hidden sizes down to 1; sequence lengths
(zeros and full lengths included); time- or batch-major; shapes static or fed;
parallel_iterations; swap_memory — and the cpu target must agree with the reference
interpreter on the outputs, the final states and the gradients with respect to the inputs
and every variable. Derandomized, so that CI runs the same configurations every time (the
parity suites cover fixed configurations against TF1 itself)."""
import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import rnngraph as tf
from targets_agree import assert_same, run_on_both

CELLS = {
    "lstm": lambda h: tf.nn.rnn_cell.LSTMCell(h),
    "lstm_peepholes_projection": lambda h: tf.nn.rnn_cell.LSTMCell(
        h, use_peepholes=True, num_proj=max(1, h - 1), cell_clip=2.0),
    "gru": lambda h: tf.nn.rnn_cell.GRUCell(h),
    "basic_rnn": lambda h: tf.nn.rnn_cell.BasicRNNCell(h),
    "basic_lstm": lambda h: tf.nn.rnn_cell.BasicLSTMCell(h),
    "multi": lambda h: tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.GRUCell(h),
                                                    tf.nn.rnn_cell.LSTMCell(h)]),
}


@st.composite
def configurations(draw):
    return dict(
        function=draw(st.sampled_from(["dynamic_rnn", "bidirectional_dynamic_rnn", "static_rnn"])),
        cell=draw(st.sampled_from(sorted(CELLS))),
        batch=draw(st.integers(1, 4)), steps=draw(st.integers(1, 6)),
        inputs=draw(st.integers(1, 5)), hidden=draw(st.integers(1, 6)),
        sequence_length=draw(st.booleans()), time_major=draw(st.booleans()),
        static_shape=draw(st.booleans()), parallel_iterations=draw(st.sampled_from([1, 2, 32])),
        swap_memory=draw(st.booleans()), seed=draw(st.integers(0, 10 ** 6)))


def build(c):
    """The fetches (outputs, final states, gradients) and the feed of configuration c."""
    rng = np.random.RandomState(c["seed"])
    batch, steps = c["batch"], c["steps"]
    shape = [steps, batch, c["inputs"]] if c["time_major"] else [batch, steps, c["inputs"]]
    x = tf.placeholder(tf.float32, shape if c["static_shape"] else [None, None, c["inputs"]])
    feed = {x: rng.uniform(-1, 1, shape).astype(np.float32)}
    lengths = None
    if c["sequence_length"]:
        lengths = tf.placeholder(tf.int32, [None])
        feed[lengths] = rng.randint(0, steps + 1, batch).astype(np.int32)
    cell = CELLS[c["cell"]](c["hidden"])
    loop_options = dict(parallel_iterations=c["parallel_iterations"],
                        swap_memory=c["swap_memory"], time_major=c["time_major"])
    with tf.variable_scope("rnn", initializer=tf.random_uniform_initializer(
            -0.5, 0.5, seed=c["seed"] % 997)):
        if c["function"] == "dynamic_rnn":
            outputs, state = tf.nn.dynamic_rnn(cell, x, sequence_length=lengths,
                                               dtype=tf.float32, **loop_options)
        elif c["function"] == "bidirectional_dynamic_rnn":
            outputs, state = tf.nn.bidirectional_dynamic_rnn(
                cell, CELLS["gru"](c["hidden"]), x, sequence_length=lengths, dtype=tf.float32,
                **loop_options)
            outputs = tf.concat(outputs, -1)
        else:
            outputs, state = tf.nn.static_rnn(
                cell, tf.unstack(x, axis=0 if c["time_major"] else 1), sequence_length=lengths,
                dtype=tf.float32)
            outputs = tf.stack(outputs)
    values = [outputs] + tf.nest.flatten(state)
    loss = tf.add_n([tf.reduce_sum(tf.sin(v)) for v in values])
    grads = tf.gradients(loss, [x] + tf.trainable_variables())
    return values + [tf.convert_to_tensor(g) for g in grads if g is not None], feed


@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(configurations())
def test_cpu_target_agrees_with_reference_on_random_rnns(c):
    assume(c["function"] != "static_rnn" or c["static_shape"])  # static_rnn needs the steps
    results = run_on_both(lambda tf: build(c))
    assert_same(results["reference"], results["cpu"], rtol=1e-4, atol=1e-5)
