"""RNN cell parity cases shared by make_cell_goldens.py (run under TensorFlow) and
tests/test_rnn_cells.py (run under rnngraph). Never imports TensorFlow.

Each case is `make(tf) -> cell` for a module with the tf.compat.v1 API. `run_case`
builds the cell in a fresh graph, runs two steps from a random (non-zero) state —
the second call reuses the first call's variables — loads fixed weights into every
variable with `var.load`, and returns the variables' values by name and the outputs.
"""
import collections
import zlib

import numpy as np

BATCH, DEPTH = 2, 3

CASES = collections.OrderedDict()


def case(name):
    def register(make):
        CASES[name] = make
        return make
    return register


def _rng(name):
    return np.random.RandomState(zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF)


@case("basic_rnn")
def _basic_rnn(tf):
    return tf.nn.rnn_cell.BasicRNNCell(4)


@case("basic_rnn_relu")
def _basic_rnn_relu(tf):
    return tf.nn.rnn_cell.BasicRNNCell(4, activation=tf.nn.relu)


@case("gru")
def _gru(tf):
    return tf.nn.rnn_cell.GRUCell(4)


@case("basic_lstm")
def _basic_lstm(tf):
    return tf.nn.rnn_cell.BasicLSTMCell(4, forget_bias=0.5)


@case("basic_lstm_concat_state")
def _basic_lstm_concat(tf):
    return tf.nn.rnn_cell.BasicLSTMCell(4, state_is_tuple=False)


@case("lstm")
def _lstm(tf):
    return tf.nn.rnn_cell.LSTMCell(4)


@case("lstm_peephole_clip_proj")
def _lstm_full(tf):
    return tf.nn.rnn_cell.LSTMCell(4, use_peepholes=True, cell_clip=0.3, num_proj=3,
                                   proj_clip=0.2, forget_bias=0.7)


@case("lstm_proj_concat_state")
def _lstm_proj_concat(tf):
    return tf.nn.rnn_cell.LSTMCell(4, num_proj=2, state_is_tuple=False,
                                   activation=tf.nn.softsign)


@case("multi_lstm_gru")
def _multi(tf):
    return tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.LSTMCell(4), tf.nn.rnn_cell.GRUCell(3)])


@case("multi_concat_state")
def _multi_concat(tf):
    return tf.nn.rnn_cell.MultiRNNCell(
        [tf.nn.rnn_cell.BasicRNNCell(2),
         tf.nn.rnn_cell.BasicLSTMCell(3, state_is_tuple=False)], state_is_tuple=False)


@case("residual_gru")
def _residual(tf):
    return tf.nn.rnn_cell.ResidualWrapper(tf.nn.rnn_cell.GRUCell(DEPTH))


def run_case(tf, name, var_values=None):
    """Two steps of case `name`; returns {"vars": {name: value}, "outputs": {key: value}}.
    Weights are drawn from the case's RandomState unless `var_values` gives them."""
    rng = _rng(name)
    graph = tf.Graph()
    with graph.as_default():
        cell = CASES[name](tf)
        x1 = rng.uniform(-1, 1, (BATCH, DEPTH)).astype(np.float32)
        x2 = rng.uniform(-1, 1, (BATCH, DEPTH)).astype(np.float32)
        sizes = tf.nest.flatten(cell.state_size)
        s0 = [rng.uniform(-1, 1, (BATCH, s)).astype(np.float32) for s in sizes]
        state0 = tf.nest.pack_sequence_as(cell.state_size, [tf.constant(v) for v in s0])
        with tf.variable_scope("rnn"):
            o1, s1 = cell(tf.constant(x1), state0)
            o2, s2 = cell(tf.constant(x2), s1)
        variables = sorted(tf.global_variables(), key=lambda v: v.name)
        with tf.Session(graph=graph) as sess:
            sess.run(tf.global_variables_initializer())
            values = {}
            for v in variables:
                if var_values is None:
                    val = rng.uniform(-0.8, 0.8, v.shape.as_list()).astype(np.float32)
                else:
                    val = var_values[v.name]
                v.load(val, sess)
                values[v.name] = val
            fetches = {"o1": o1, "o2": o2}
            for i, t in enumerate(tf.nest.flatten(s1)):
                fetches["s1_%d" % i] = t
            for i, t in enumerate(tf.nest.flatten(s2)):
                fetches["s2_%d" % i] = t
            outputs = sess.run(fetches)
    return {"vars": values, "outputs": outputs}
