"""no_op, group, tuple, with_dependencies, Assert and the debugging asserts."""
import numpy as np
import pytest

import rnngraph as tf
from rnngraph.errors import InvalidArgumentError


def run(fetches, feed=None):
    with tf.Session() as sess:
        return sess.run(fetches, feed)


def failing_assert(name=None):
    return tf.Assert(tf.constant(False), ["always fails"], name=name)


# --- no_op / group -------------------------------------------------------------------------

def test_no_op():
    op = tf.no_op()
    assert op.type == "NoOp" and op.name == "NoOp" and op.outputs == ()
    assert tf.no_op(name="nothing").name == "nothing"
    assert run(op) is None


def test_group_default_name_and_control_inputs():
    a, b = tf.constant(1.0), tf.constant(2.0)
    g = tf.group(a, [b, a.op])
    assert g.type == "NoOp" and g.name == "group_deps"
    assert set(g.control_inputs) == {a.op, b.op}
    assert tf.group(a, name="train").name == "train"
    assert tf.group().type == "NoOp"


def test_group_runs_its_inputs():
    with pytest.raises(InvalidArgumentError, match="always fails"):
        run(tf.group(tf.constant(1.0), failing_assert()))


def test_group_errors():
    with pytest.raises(TypeError, match="should be zero or more"):
        tf.group(3)
    with pytest.raises(ValueError, match="Unknown keyword arguments: foo"):
        tf.group(tf.constant(1), foo=1)


# --- with_dependencies / tuple ---------------------------------------------------------------

def test_with_dependencies_value_name_and_gating():
    x = tf.placeholder(tf.float32, [None, 2])
    y = tf.tuple([x])[0]  # a control edge to the fed placeholder is fine, as in TF
    z = tf.nn.relu(x)
    gated = tf.with_dependencies([z.op], x)
    assert gated.op.type == "Identity" and gated.name == "control_dependency:0"
    assert z.op in gated.op.control_inputs
    assert gated.shape.as_list() == [None, 2]
    v = np.array([[1, -2]], np.float32)
    np.testing.assert_array_equal(run(gated, {x: v}), v)
    np.testing.assert_array_equal(run(y, {x: v}), v)
    with pytest.raises(InvalidArgumentError, match="always fails"):
        run(tf.with_dependencies([failing_assert()], x), {x: v})


def test_tuple_gates_every_output_on_all_inputs():
    a = tf.constant([1.0, 2.0])
    b = tf.constant(3)
    out = tf.tuple([a, None, b])
    assert out[1] is None
    assert [t.name for t in (out[0], out[2])] == ["tuple/control_dependency:0",
                                                  "tuple/control_dependency_1:0"]
    gate = out[0].op.control_inputs[0]
    assert gate.type == "NoOp" and set(gate.control_inputs) == {a.op, b.op}
    va, vb = run([out[0], out[2]])
    np.testing.assert_array_equal(va, [1.0, 2.0])
    assert vb == 3 and vb.dtype == np.int32
    bad = tf.tuple([a], control_inputs=[failing_assert()])
    with pytest.raises(InvalidArgumentError, match="always fails"):
        run(bad[0])


def test_tuple_of_operation_and_errors():
    op = tf.no_op()
    out = tf.tuple([op, tf.constant(1.0)])
    assert out[0].type == "NoOp"
    with pytest.raises(ValueError, match="at least one Tensor"):
        tf.tuple([None])
    with pytest.raises(TypeError, match="control_inputs"):
        tf.tuple([tf.constant(1.0)], control_inputs=[3])


# --- Assert ----------------------------------------------------------------------------------

def test_assert_passes_and_returns_operation():
    x = tf.placeholder(tf.float32, [None])
    op = tf.Assert(tf.reduce_all(x > 0), [x])
    assert op.type == "Assert" and op.name == "Assert/Assert"
    with tf.control_dependencies([op]):
        y = tf.identity(x)
    np.testing.assert_array_equal(run(y, {x: [1.0, 2.0]}), [1.0, 2.0])


def test_assert_fails_with_strings_and_data():
    x = tf.placeholder(tf.int32, [None])
    op = tf.Assert(tf.reduce_all(x > 0), ["x must be positive:", x, "size", tf.size(x)], summarize=2)
    with pytest.raises(InvalidArgumentError) as info:
        run(op, {x: [1, -2, 3, 4]})
    msg = str(info.value)
    assert "x must be positive" in msg and "[1 -2...]" in msg and "size = [4]" in msg
    assert info.value.op is op


def test_assert_python_condition_and_bad_condition():
    run(tf.Assert(True, [tf.constant(1)]))
    with pytest.raises(InvalidArgumentError):
        run(tf.Assert(False, []))
    with pytest.raises(ValueError, match="scalar"):
        tf.Assert(tf.constant([True, False]), [])


# --- debugging asserts -----------------------------------------------------------------------

def test_assert_equal_static_failure_raises_at_build():
    with pytest.raises(InvalidArgumentError, match="Condition x == y did not hold"):
        tf.assert_equal(tf.constant([1, 2]), tf.constant([1, 3]))
    with pytest.raises(InvalidArgumentError, match="custom message"):
        tf.assert_equal(tf.constant(1), 2, message="custom message")


def test_assert_equal_static_pass_and_same_tensor():
    op = tf.assert_equal(tf.constant([1, 2]), [1, 2])
    assert op.type == "Assert" and op.name == "assert_equal/Assert/Assert"
    run(op)
    x = tf.constant(1.0)
    assert tf.assert_equal(x, x).type == "NoOp"


def test_assert_equal_dynamic():
    x = tf.placeholder(tf.float32, [None])
    op = tf.assert_equal(x, 1.0, message="all ones")
    run(op, {x: [1.0, 1.0]})
    with pytest.raises(InvalidArgumentError, match=r"all ones.*x \(Placeholder:0\) = \[1.0 2.0\]"):
        run(op, {x: [1.0, 2.0]})


@pytest.mark.parametrize("fn, good, bad", [
    (tf.assert_less, ([1, 2], [2, 3]), ([1, 2], [2, 2])),
    (tf.assert_less_equal, ([1, 2], [1, 3]), ([1, 4], [2, 3])),
    (tf.assert_greater, ([2, 3], [1, 2]), ([2, 2], [1, 2])),
    (tf.assert_greater_equal, ([2, 2], [1, 2]), ([0, 2], [1, 2])),
    (tf.assert_none_equal, ([1, 2], [2, 1]), ([1, 2], [1, 3])),
])
def test_binary_asserts(fn, good, bad):
    x = tf.placeholder(tf.int32, [2])
    y = tf.placeholder(tf.int32, [2])
    op = fn(x, y)
    run(op, {x: good[0], y: good[1]})
    with pytest.raises(InvalidArgumentError, match="did not hold element-wise"):
        run(op, {x: bad[0], y: bad[1]})
    with pytest.raises(InvalidArgumentError):
        fn(tf.constant(bad[0]), tf.constant(bad[1]))  # static: at build time


@pytest.mark.parametrize("fn, good, bad", [
    (tf.assert_positive, [1.0, 0.5], [1.0, 0.0]),
    (tf.assert_non_negative, [0.0, 2.0], [0.0, -1.0]),
    (tf.assert_negative, [-1.0, -0.5], [-1.0, 0.0]),
    (tf.assert_non_positive, [0.0, -2.0], [0.0, 1.0]),
])
def test_sign_asserts(fn, good, bad):
    x = tf.placeholder(tf.float32, [None])
    op = fn(x, message="sign check")
    run(op, {x: good})
    with pytest.raises(InvalidArgumentError, match="sign check"):
        run(op, {x: bad})


def test_assert_rank_static():
    op = tf.assert_rank(tf.zeros([2, 3]), 2)
    assert op.type == "NoOp" and op.name == "assert_rank/static_checks_determined_all_ok"
    with pytest.raises(ValueError, match=r"must have rank 3.  Received rank 2, shape \(2, 3\)"):
        tf.assert_rank(tf.zeros([2, 3]), 3)
    with pytest.raises(TypeError, match="int32"):
        tf.assert_rank(tf.zeros([2]), tf.constant(1, tf.int64))


def test_assert_rank_dynamic():
    x = tf.placeholder(tf.float32)
    op = tf.assert_rank(x, 2, message="need a matrix")
    assert op.type == "Assert"
    run(op, {x: np.zeros((2, 2))})
    with pytest.raises(InvalidArgumentError, match="need a matrix"):
        run(op, {x: np.zeros(3)})
