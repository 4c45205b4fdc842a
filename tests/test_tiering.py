"""Tiered execution (runtime/tiering.py): a loop-free program runs interpreted once, then
compiled; a program with a loop is compiled before its first run."""
import numpy as np
import pytest

import rnngraph as tf
from compiler.targets.cpu import CpuExecutable
from runtime.state import SessionState
from runtime.tiering import TieredExecutable, has_loop


@pytest.fixture
def tiered(monkeypatch):
    monkeypatch.setenv("RNNGRAPH_INTERPRET_FIRST", "1")


def _only_executable(sess):
    (exe,) = sess._executables.values()
    return exe


def test_loop_free_program_is_interpreted_once_then_compiled(tiered):
    x = tf.placeholder(tf.float32, [2, 3])
    v = tf.Variable(tf.random_uniform([3, 4], seed=1), name="v")
    y = tf.nn.tanh(tf.matmul(x, v))
    feed = {x: np.arange(6, dtype=np.float32).reshape(2, 3) / 6}
    with tf.Session(target="cpu") as sess:
        sess.run(v.initializer)
        first = sess.run(y, feed)
        exes = list(sess._executables.values())  # the initializer's, then y's
        assert all(isinstance(e, TieredExecutable) and e._compiled is None for e in exes)
        second = sess.run(y, feed)
        assert exes[0]._compiled is None and exes[0].interpreted_runs == 1
        assert isinstance(exes[1]._compiled, CpuExecutable)
    np.testing.assert_allclose(second, first, rtol=1e-6)
    with tf.Session(target="reference") as ref:
        ref.run(v.initializer)
        np.testing.assert_allclose(ref.run(y, feed), first, rtol=1e-6)


def test_program_with_a_loop_is_compiled_at_once(tiered):
    x = tf.placeholder(tf.float32, [2, 5, 3])
    out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(4), x, dtype=tf.float32)
    with tf.Session(target="cpu") as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(out, {x: np.ones((2, 5, 3), np.float32)})
        kinds = {type(e) for e in sess._executables.values()}
    assert kinds == {TieredExecutable, CpuExecutable}  # the initializer, the loop


def test_loop_inside_a_cond_counts_as_a_loop():
    p = tf.placeholder(tf.bool, [])

    def looped():
        return tf.while_loop(lambda i: i < 3, lambda i: i + 1, [tf.constant(0)])
    out = tf.cond(p, looped, lambda: tf.constant(7))
    ops = tf.get_default_graph().get_operations()
    assert has_loop(ops)
    assert not has_loop([o for o in ops if o is not out.op and o.type != "While"
                         and not any(hasattr(a, "get_operations") for a in o.attrs.values())])


def test_disabled_compiles_before_the_first_run(monkeypatch):
    monkeypatch.setenv("RNNGRAPH_INTERPRET_FIRST", "0")
    v = tf.Variable(1.0)
    with tf.Session(target="cpu") as sess:
        sess.run(v.initializer)
        assert isinstance(_only_executable(sess), CpuExecutable)


def test_source_of_a_tiered_program_compiles_it(tiered):
    v = tf.Variable(2.0)
    with tf.Session(target="cpu") as sess:
        sess.run(v.initializer)
        exe = _only_executable(sess)
        assert isinstance(exe, TieredExecutable) and exe._compiled is None
        assert "def program" in exe.source()
        assert exe._compiled is not None
        sess.run(v.initializer)  # runs compiled now


def test_threads_compile_a_tiered_program_once(tiered):
    import threading
    import time
    x = tf.placeholder(tf.float32, [3])
    y = x * 2.0 + 1.0
    feed = np.arange(3, dtype=np.float32)
    with tf.Session(target="cpu") as sess:
        lowered = sess.lower(y, {x: feed})
    compiles = []

    def compile():
        compiles.append(1)
        time.sleep(0.05)  # a slow compile: the other threads arrive meanwhile
        return lowered.compile("reference")
    exe = TieredExecutable(lowered, compile)
    results, state = [], SessionState()

    def work():
        for _ in range(3):
            results.append(exe.run([feed], state))
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(compiles) == 1 and len(results) == 12
    for r in results:
        np.testing.assert_array_equal(r[0], feed * 2 + 1)
