"""The debugging interface: memory and cost analyses of a lowered program, the
rnngraph-inspect command, and per-Session thread settings."""
import os
import subprocess
import sys
import textwrap

import numpy as np

import rnngraph as tf
from runtime import threads

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_memory_analysis_counts_live_buffers(sess):
    x = tf.placeholder(tf.float32, [8, 16], name="x")
    w = tf.constant(np.ones((16, 32), np.float32))
    h = tf.matmul(x, w, name="h")            # 8x32 floats = 1 KiB
    y = tf.reduce_sum(tf.tanh(h), axis=1)    # tanh fused into its own 1 KiB buffer
    mem = sess.lower(y, {x: np.zeros((8, 16))}).memory_analysis()
    assert mem.argument_bytes == 8 * 16 * 4
    assert mem.peak_bytes == 2 * 8 * 32 * 4  # h and tanh(h) live together at the peak
    names = [n for n, _ in mem.peak_buffers]
    assert "h:0" in names
    assert "peak: 2.0 KiB" in str(mem)


def test_memory_analysis_of_a_loop_reports_body_and_swap(sess):
    x = tf.placeholder(tf.float32, [4, 10, 3])
    out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(5), x, dtype=tf.float32, swap_memory=True,
                               parallel_iterations=7)
    mem = sess.lower(out, {x: np.zeros((4, 10, 3))}).memory_analysis("cpu")
    (name, p, swap, body_peak), = mem.loops
    assert p == 7 and swap is True and body_peak > 0
    assert "nothing to swap on the cpu target" in str(mem)
    # the output TensorArray (10 steps x 4 x 5 floats) is live at the peak
    assert any(b == 10 * 4 * 5 * 4 for _, b in mem.peak_buffers)


def test_memory_analysis_of_a_gradient_counts_saves_and_gradient_arrays(sess):
    """The train step's memory: per-step saved activations, and the gradient TensorArrays
    (each as large as its forward array) at the peak; a `[None, ...]` feed specializes."""
    x = tf.placeholder(tf.float32, [None, 10, 3])
    out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(5), x, dtype=tf.float32)
    grads = tf.gradients(tf.reduce_sum(out), [x] + tf.trainable_variables())
    mem = sess.lower(grads, {x: np.zeros((4, 10, 3))}).memory_analysis("cpu")
    assert mem.saved_activation_bytes > 0
    sizes = dict(mem.peak_buffers)
    grad_arrays = [b for name, b in mem.peak_buffers if "TensorArrayGrad" in name]
    assert grad_arrays and all(b in (10 * 4 * 5 * 4, 10 * 4 * 3 * 4) for b in grad_arrays), sizes
    # the backward loop's deferred weight gradients (plan_loops.DeferredProduct): one row
    # of gate gradients [4, 10] and one of candidate gradients [4, 5] per step
    rows = sorted(b for name, b in mem.peak_buffers if name.startswith("gradient rows of"))
    assert rows == [10 * 4 * 5 * 4, 10 * 4 * 10 * 4], sizes


def test_cost_analysis_counts_matmul_flops_and_loop_trips(sess):
    a = tf.placeholder(tf.float32, [3, 4])
    cost = sess.lower(tf.matmul(a, tf.ones([4, 5])), {a: np.zeros((3, 4))}).cost_analysis()
    assert cost["flops"] == 2 * 3 * 4 * 5
    x = tf.placeholder(tf.float32, [2, 6, 3])
    out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(4), x, dtype=tf.float32)
    cost = sess.lower(out, {x: np.zeros((2, 6, 3))}).cost_analysis()
    (name, trips, per_iter), = cost.loops
    assert trips == 6
    assert cost.per_type["MatMul"] == 6 * 2 * 2 * 7 * 4  # [2,7] @ [7,4] per step


def test_intra_op_threads_are_applied_per_session():
    with tf.Session("cpu", config=tf.ConfigProto(intra_op_parallelism_threads=1)) as s:
        s.run(tf.constant(1.0) * 2.0)
        assert threads.current() == 1
    with tf.Session("cpu", config=tf.ConfigProto(intra_op_parallelism_threads=2)) as s:
        s.run(tf.constant(1.0) * 3.0)
        assert threads.current() == 2


def test_inspect_command_prints_programs(tmp_path):
    script = tmp_path / "model.py"
    script.write_text(textwrap.dedent("""
        import numpy as np
        import rnngraph as tf
        x = tf.placeholder(tf.float32, [None, 2], name="x")
        y = tf.nn.softmax(x * 2.0, name="probs")
        with tf.Session() as s:
            print("result", s.run(y, {x: np.zeros((3, 2))}).sum())
    """))
    env = dict(os.environ, PYTHONPATH=REPO)
    out = subprocess.run([sys.executable, "-m", "compiler.inspect_cli", "--target", "cpu",
                          "--show", "program,memory,cost,source", str(script)],
                         capture_output=True, text=True, env=env, cwd=REPO)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "=== program 1 (target cpu) ===" in text
    assert "probs:0" in text and "--- memory ---" in text and "--- cost ---" in text
    assert "@program_njit" in text and "result 3.0" in text


def test_memory_analysis_counts_the_window_buffers_of_parallel_iterations():
    """The loop planner's window (P steps of the input projection) is live during the
    loop, so the peak grows with parallel_iterations once the window dominates."""
    peaks = {}
    for p in (1, 50):
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.float32, [2, 50, 3], name="x")
            out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(64), x, dtype=tf.float32,
                                       parallel_iterations=p)
            mem = tf.Session(graph=g).lower(out, {x: np.zeros((2, 50, 3))}).memory_analysis()
        peaks[p] = mem.peak_bytes
    window = [b for n, b in mem.peak_buffers if n.startswith("window of")]
    assert window == [50 * 2 * 4 * 64 * 4], mem  # P steps x batch x 4*hidden floats
    assert peaks[50] > peaks[1]


def test_loops_are_specialized_to_the_fed_batch(sess):
    """A `[None, ...]` placeholder fed a batch of 4: the loop state, the TensorArray reads and
    (for the gradient) the saved values are all static, and no shape is saved per step (each
    folds to a constant), where the build-time shape invariants say `[?, 5]`."""
    x = tf.placeholder(tf.float32, [None, 6, 3])
    out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(5), x, dtype=tf.float32)
    grads = tf.gradients(tf.reduce_sum(out), tf.trainable_variables())
    fn = sess.lower(grads, {x: np.zeros((4, 6, 3))}).optimized()
    loops = [n for n in fn.walk() if n.type == "While"]
    assert len(loops) == 2  # forward and backward
    for loop in loops:
        body = loop.bodies["body"]
        for v in body.outputs + [o for n in body.nodes for o in n.outputs]:
            if v.dtype.name != "tensor_array":
                assert v.shape.is_fully_defined(), (loop.name, v.name, v.shape)
    forward = next(n for n in loops if "grad" not in n.name)
    saved = forward.bodies["body"].outputs[forward.attrs["n_vars"]:]
    assert saved and not any(v.node is not None and v.node.type == "Shape" for v in saved), \
        [v.name for v in saved]
    assert all(v.shape.ndims == 0 or v.dtype.is_floating or v.dtype.name == "bool" for v in saved)
    # only the weights' gradients are fetched: the backward loop carries no input gradient array
    backward = next(n for n in loops if "grad" in n.name)
    assert not any(v.dtype.name == "tensor_array" and "TensorArrayGrad" in (v.node.name if v.node else "")
                   for v in backward.inputs[:backward.attrs["n_vars"]])
