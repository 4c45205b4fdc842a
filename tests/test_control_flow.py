"""while_loop, cond, case: TF1 semantics (structures, captures, invariants, nesting,
maximum_iterations, which branch runs) and the build-time errors TF1 raises."""
import collections

import numpy as np
import pytest

import rnngraph as tf
from rnngraph import errors


def test_counter_and_accumulator(sess):
    i, total = tf.while_loop(lambda i, s: i < 5, lambda i, s: (i + 1, s + i), [0, 0])
    assert sess.run([i, total]) == [5, 10]
    assert i.shape.as_list() == [] and i.dtype == tf.int32


def test_single_loop_var_is_unwrapped_unless_same_structure(sess):
    r = tf.while_loop(lambda x: x < 10, lambda x: x * 2, [1])
    assert isinstance(r, tf.Tensor) and sess.run(r) == 16
    r2 = tf.while_loop(lambda x: x < 10, lambda x: [x * 2], [1], return_same_structure=True)
    assert isinstance(r2, list) and sess.run(r2) == [16]
    r3 = tf.while_loop(lambda x: x < 10, lambda x: x * 2, 1)
    assert sess.run(r3) == 16


def test_nested_structures(sess):
    Pair = collections.namedtuple("Pair", "a b")
    init = (tf.constant(0), Pair(tf.constant(1.0), {"k": tf.constant([1, 1])}))

    def body(i, p):
        return i + 1, Pair(p.a * 2.0, {"k": p.b["k"] + i})
    i, p = tf.while_loop(lambda i, p: i < 3, body, init)
    assert isinstance(p, Pair) and isinstance(p.b, dict)
    out = sess.run([i, p])
    assert out[0] == 3 and out[1].a == 8.0
    np.testing.assert_array_equal(out[1].b["k"], [4, 4])


def test_captures_outer_tensors_and_variables(sess):
    x = tf.placeholder(tf.float32, [None])
    v = tf.Variable(2.0, name="v")

    def body(i, acc):
        return i + 1, acc + x * v
    _, acc = tf.while_loop(lambda i, a: i < 3, body, [0, tf.zeros_like(x)])
    sess.run(tf.global_variables_initializer())
    np.testing.assert_allclose(sess.run(acc, {x: [1.0, 2.0]}), [6.0, 12.0])
    sess.run(v.assign(1.0))
    np.testing.assert_allclose(sess.run(acc, {x: [1.0, 2.0]}), [3.0, 6.0])


def test_assign_inside_loop_updates_the_session_variable(sess):
    counter = tf.Variable(0, name="counter")

    def body(i):
        with tf.control_dependencies([tf.assign_add(counter, 2)]):
            return i + 1
    n = tf.while_loop(lambda i: i < 4, body, [0])
    sess.run(counter.initializer)
    assert sess.run(n) == 4
    assert sess.run(counter) == 8


def test_variables_created_in_a_body_live_in_the_outer_graph(sess, fresh_graph):
    def body(i, acc):
        w = tf.get_variable("w", [2], initializer=tf.constant_initializer([1.0, 3.0]))
        return i + 1, acc + w
    _, acc = tf.while_loop(lambda i, a: i < 2, body, [0, tf.zeros([2])])
    (w,) = tf.global_variables()
    assert w.name == "w:0" and w.graph is fresh_graph
    sess.run(tf.global_variables_initializer())
    np.testing.assert_array_equal(sess.run(acc), [2.0, 6.0])


def test_maximum_iterations(sess):
    i = tf.while_loop(lambda i: i < 100, lambda i: i + 1, [0], maximum_iterations=7)
    a, b = tf.while_loop(lambda a, b: True, lambda a, b: (a + 1, b * 2), (0, 1), maximum_iterations=5)
    m = tf.placeholder(tf.int32, [])
    k = tf.while_loop(lambda k: k < 3, lambda k: k + 1, [0], maximum_iterations=m)
    assert sess.run(i) == 7
    assert sess.run([a, b]) == [5, 32]
    assert sess.run(k, {m: 10}) == 3 and sess.run(k, {m: 1}) == 1


def test_shape_invariants(sess):
    x0 = tf.constant([1.0])
    with pytest.raises(ValueError, match="enters the loop with shape \\(1,\\), but has shape \\(2,\\) "
                                         "after one iteration"):
        tf.while_loop(lambda x: tf.size(x) < 4, lambda x: tf.concat([x, x], 0), [x0])
    grown = tf.while_loop(lambda x: tf.size(x) < 4, lambda x: tf.concat([x, x], 0), [x0],
                          shape_invariants=[tf.TensorShape([None])])
    assert grown.shape.as_list() == [None]
    np.testing.assert_array_equal(sess.run(grown), [1, 1, 1, 1])
    with pytest.raises(ValueError, match="not compatible with the initial shape"):
        tf.while_loop(lambda x: True, lambda x: x, [x0], shape_invariants=[tf.TensorShape([3])])


def test_body_errors():
    with pytest.raises(ValueError, match="enters the loop with type int32, but has type float32"):
        tf.while_loop(lambda x: x < 3, lambda x: tf.cast(x, tf.float32), [0])
    with pytest.raises((ValueError, TypeError)):
        tf.while_loop(lambda a, b: a < 3, lambda a, b: (a + 1,), [0, 1])
    with pytest.raises(TypeError, match="scalar bool"):
        tf.while_loop(lambda x: x, lambda x: x + 1, [0])
    with pytest.raises(TypeError, match="positive integer"):
        tf.while_loop(lambda x: x < 3, lambda x: x + 1, [0], parallel_iterations=0)


def test_nested_loops_and_cond_inside(sess):
    x = tf.placeholder(tf.int32, [])

    def outer_body(i, total):
        inner = tf.while_loop(lambda j, s: j < i, lambda j, s: (j + 1, s + j * x), [0, 0])[1]
        bonus = tf.cond(tf.equal(i % 2, 0), lambda: tf.constant(100), lambda: tf.constant(0))
        return i + 1, total + inner + bonus
    _, total = tf.while_loop(lambda i, t: i < 4, outer_body, [0, 0])
    # sum over i<4 of x*i*(i-1)/2 plus 100 for i in {0, 2}
    assert sess.run(total, {x: 3}) == 3 * (0 + 0 + 1 + 3) + 200


def test_loop_runs_zero_times(sess):
    r = tf.while_loop(lambda x: x > 10, lambda x: x + 1, [tf.constant(3)])
    assert sess.run(r) == 3


def test_random_op_in_body_draws_each_iteration(sess):
    tf.set_random_seed(3)

    def body(i, ta):
        return i + 1, ta.write(i, tf.random_uniform([]))
    _, ta = tf.while_loop(lambda i, ta: i < 4, body, [0, tf.TensorArray(tf.float32, 4)])
    draws = sess.run(ta.stack())
    assert len(set(draws.tolist())) == 4


def test_cond_basics(sess):
    p = tf.placeholder(tf.bool, [])
    x = tf.constant([1.0, 2.0])
    r = tf.cond(p, lambda: x * 2.0, lambda: x - 1.0)
    assert sess.run(r, {p: True}).tolist() == [2.0, 4.0]
    assert sess.run(r, {p: False}).tolist() == [0.0, 1.0]
    nested = tf.cond(p, lambda: {"a": (x, 1)}, lambda: {"a": (-x, 2)})
    out = sess.run(nested, {p: False})
    assert out["a"][1] == 2 and out["a"][0].tolist() == [-1.0, -2.0]
    single = tf.cond(p, lambda: [x], lambda: [x])
    assert isinstance(single, tf.Tensor)
    strict = tf.cond(p, lambda: [x], lambda: [x], strict=True)
    assert isinstance(strict, list)


def test_cond_only_runs_the_taken_branch(sess):
    p = tf.placeholder(tf.bool, [])
    idx = tf.placeholder(tf.int32, [])
    table = tf.constant([1.0, 2.0])
    # The untaken branch would fail (index 5 out of range) if it ran.
    r = tf.cond(p, lambda: tf.gather(table, idx), lambda: tf.constant(-1.0))
    assert sess.run(r, {p: False, idx: 5}) == -1.0
    with pytest.raises(errors.InvalidArgumentError, match="not in \\[0, 2\\)"):
        sess.run(r, {p: True, idx: 5})


def test_cond_assign_not_connected_to_output_does_not_run(sess):
    v = tf.Variable(0, name="v")

    def true_fn():
        tf.assign(v, 5)  # TF1: not an output, not a control input -> never runs
        return tf.constant(1)
    r = tf.cond(tf.constant(True), true_fn, lambda: tf.constant(2))
    sess.run(v.initializer)
    assert sess.run(r) == 1 and sess.run(v) == 0


def test_cond_shapes_and_errors(sess):
    p = tf.placeholder(tf.bool, [])
    a = tf.placeholder(tf.float32, [2, 3])
    b = tf.placeholder(tf.float32, [5, 3])
    assert tf.cond(p, lambda: a, lambda: b).shape.as_list() == [None, 3]
    with pytest.raises(TypeError, match="Python bool"):
        tf.cond(True, lambda: a, lambda: a)
    with pytest.raises(ValueError, match="same type"):
        tf.cond(p, lambda: tf.constant(1), lambda: tf.constant(1.0))
    with pytest.raises(ValueError, match="same structure"):
        tf.cond(p, lambda: (a, a), lambda: a)
    with pytest.raises(TypeError, match="callable"):
        tf.cond(p, a, lambda: a)


def test_cond_with_operation_outputs(sess):
    v = tf.Variable(0, name="v")
    p = tf.placeholder(tf.bool, [])
    r = tf.cond(p, lambda: tf.group(tf.assign(v, 7)), lambda: tf.no_op())
    sess.run(v.initializer)
    sess.run(r, {p: False})
    assert sess.run(v) == 0
    sess.run(r, {p: True})
    assert sess.run(v) == 7


def test_cond_run_for_its_effect_assigns_what_its_unread_outputs_return(sess):
    """The Cond's outputs are read by nothing when only the op runs; the compiler drops
    unread Cond outputs (optimize._prune_cond), but never the assignments making them."""
    v = tf.Variable(0.0, name="v")
    p = tf.placeholder(tf.bool, [])
    r = tf.cond(p, lambda: tf.assign(v, 7.0) * 2.0, lambda: tf.assign_add(v, 1.0))
    sess.run(v.initializer)
    sess.run(r.op, {p: True})
    assert sess.run(v) == 7.0
    sess.run(r.op, {p: False})
    assert sess.run(v) == 8.0


def test_case(sess):
    x = tf.placeholder(tf.int32, [])
    r = tf.case([(x < 0, lambda: tf.constant(-1)), (x > 10, lambda: tf.constant(1))],
                default=lambda: tf.constant(0))
    assert [sess.run(r, {x: v}) for v in (-5, 50, 5)] == [-1, 1, 0]
    r2 = tf.case([(x < 0, lambda: tf.constant(-1)), (x >= 0, lambda: tf.constant(1))])
    assert sess.run(r2, {x: 3}) == 1
    r3 = tf.case({x < 0: lambda: tf.constant(-1)})
    with pytest.raises(errors.InvalidArgumentError, match="None of the conditions"):
        sess.run(r3, {x: 3})
    r4 = tf.case([(x < 10, lambda: tf.constant(1)), (x < 20, lambda: tf.constant(2))],
                 default=lambda: tf.constant(0), exclusive=True)
    with pytest.raises(errors.InvalidArgumentError, match="More than one condition"):
        sess.run(r4, {x: 3})
    assert sess.run(r4, {x: 15}) == 2


def test_lowered_program_prints_bodies(sess):
    x = tf.placeholder(tf.float32, [None])
    r = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * x), [0, tf.ones_like(x)])[1]
    text = sess.lower(r, {x: np.ones(2)}).as_text()
    assert "While(" in text and "    body(" in text and "    cond(" in text
    assert "= Mul(" in text and "return" in text


def test_a_graph_run_with_loops_and_conds_is_freed_once_dropped():
    """Nothing process-wide keeps a graph alive after its session closes: the reference
    interpreter kept the bodies it ran in a module-level WeakKeyDictionary whose values
    (the bodies' ops) held the keys, so every graph a process ran stayed in memory."""
    import gc
    import weakref
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [3])
        r = tf.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, tf.cond(
            i < 1, lambda: a * 2.0, lambda: a + 1.0)), [0, x])[1]
        with tf.Session(graph=graph) as sess:
            np.testing.assert_allclose(sess.run(r, {x: np.ones(3)}), [4.0, 4.0, 4.0])
    alive = weakref.ref(graph)
    del graph, x, r, sess
    gc.collect()
    assert alive() is None
