"""tf.Variable: the ops it creates and their names, collections, initialization,
assign ops, reads under control dependencies, per-session state, load/eval/feeding.

Expected op names and values marked "TF" were produced by TensorFlow 2.21's compat.v1
with tf.disable_v2_behavior() (reference variables), i.e. TF1 graph semantics.
"""
import numpy as np
import pytest

import rnngraph as tf
from rnngraph import errors


def op_names(graph):
    return [op.name for op in graph.get_operations()]


# --- creation and names ------------------------------------------------------------------------
def test_variable_ops_and_names_match_tf(fresh_graph):
    v = tf.Variable(1.0, name="v")
    u = tf.Variable(tf.zeros([2, 3]))
    w = tf.Variable(lambda: tf.ones([2]), name="w")
    v2 = tf.Variable(2.0, name="v")
    r = v.read_value()
    a = v.assign(3.0)
    b = v.assign_add(1.0)
    c = tf.assign_sub(v, 1.0)
    init = tf.global_variables_initializer()
    # TF
    assert op_names(fresh_graph) == [
        "v/initial_value", "v", "v/Assign", "v/read", "zeros", "Variable", "Variable/Assign",
        "Variable/read", "w/Initializer/ones", "w", "w/Assign", "w/read", "v_1/initial_value",
        "v_1", "v_1/Assign", "v_1/read", "read", "Assign/value", "Assign", "AssignAdd/value",
        "AssignAdd", "AssignSub/value", "AssignSub", "init"]
    assert [x.name for x in (v, u, w, v2)] == ["v:0", "Variable:0", "w:0", "v_1:0"]
    assert (r.name, a.name, b.name, c.name) == ("read:0", "Assign:0", "AssignAdd:0", "AssignSub:0")
    assert [x.initial_value.name for x in (v, u, w)] == [
        "v/initial_value:0", "zeros:0", "w/Initializer/ones:0"]
    assert init.name == "init" and init.type == "NoOp"
    assert [o.name for o in init.control_inputs] == ["v/Assign", "Variable/Assign", "w/Assign",
                                                     "v_1/Assign"]
    assert v.value().name == "v/read:0"
    assert v.initializer.name == "v/Assign"
    assert repr(v) == "<tf.Variable 'v:0' shape=() dtype=float32_ref>"
    assert fresh_graph.as_graph_element(v) is v.op.outputs[0]


def test_variable_properties(fresh_graph):
    v = tf.Variable(np.zeros([2, 3]), name="m")
    assert v.dtype == tf.float64
    assert v.shape.as_list() == [2, 3] and v.get_shape().as_list() == [2, 3]
    assert v.op.type == "VariableV2" and v.op is v._ref().op
    assert v.graph is fresh_graph
    assert v.trainable
    assert tf.Variable(1, dtype=tf.float32).dtype == tf.float32
    p = tf.Variable(lambda: [1.0, 2.0], name="p")
    assert p.initial_value.name == "p/Initializer/initial_value:0"  # TF
    with pytest.raises(TypeError, match="not iterable"):
        iter(v)


def test_variable_in_name_scope_and_control_deps_free(fresh_graph):
    x = tf.placeholder(tf.float32, [], name="x")
    with tf.name_scope("layer"), tf.control_dependencies([x.op]):
        v = tf.Variable(0.0, name="v")
    assert v.name == "layer/v:0"
    assert all(not fresh_graph.get_operation_by_name(n).control_inputs
               for n in ("layer/v", "layer/v/Assign", "layer/v/read"))


def test_variable_construction_errors():
    with pytest.raises(ValueError, match="initial_value must be specified."):
        tf.Variable(None)
    with pytest.raises(ValueError, match="collections argument to Variable constructor must be a "
                                         "list, tuple, or set. Got abc"):
        tf.Variable(1.0, collections="abc")
    p = tf.placeholder(tf.float32, [None])
    with pytest.raises(ValueError, match="initial_value must have a shape specified"):
        tf.Variable(p)
    assert tf.Variable(p, validate_shape=False).shape.ndims is None  # TF: <unknown>
    with pytest.raises(ValueError, match="Tensor conversion requested dtype"):
        tf.Variable(tf.constant(1.0), dtype=tf.float64)


# --- collections -----------------------------------------------------------------------------
def test_collections():
    a = tf.Variable(1.0, name="a")
    b = tf.Variable(1.0, name="b", trainable=False)
    c = tf.Variable(1.0, name="c", collections=[tf.GraphKeys.LOCAL_VARIABLES])
    with tf.name_scope("s"):
        d = tf.Variable(1.0, name="d", collections=[tf.GraphKeys.GLOBAL_VARIABLES,
                                                    tf.GraphKeys.MODEL_VARIABLES])
    assert tf.global_variables() == [a, b, d]
    assert tf.all_variables() == [a, b, d]
    assert tf.trainable_variables() == [a, c, d]
    assert tf.local_variables() == [c]
    assert tf.model_variables() == [d]
    assert tf.moving_average_variables() == []
    assert tf.global_variables(scope="s/") == [d]
    assert tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES, "a") == [a]


# --- initialization ------------------------------------------------------------------------------
def test_uninitialized_read_is_failed_precondition(sess):
    v = tf.Variable([1.0, 2.0], name="v")
    for fetch in (v, v + 1.0, v.value()):
        with pytest.raises(errors.FailedPreconditionError,
                           match="Attempting to use uninitialized value v"):
            sess.run(fetch)
    assert not sess.run(tf.is_variable_initialized(v))
    sess.run(v.initializer)
    assert sess.run(tf.is_variable_initialized(v))
    np.testing.assert_array_equal(sess.run(v + 1.0), [2.0, 3.0])


def test_initializer_ops(sess):
    a = tf.Variable(1.0, name="a")
    b = tf.Variable(2.0, name="b")
    loc = tf.Variable(3.0, name="loc", collections=[tf.GraphKeys.LOCAL_VARIABLES])
    only_a = tf.variables_initializer([a], name="init_a")
    assert only_a.name == "init_a"
    sess.run(only_a)
    assert sess.run(a) == 1.0
    with pytest.raises(errors.FailedPreconditionError):
        sess.run(b)
    sess.run(tf.global_variables_initializer())
    assert sess.run(b) == 2.0
    with pytest.raises(errors.FailedPreconditionError):
        sess.run(loc)
    local_init = tf.local_variables_initializer()
    assert local_init.name == "init_1"  # TF: both initializers are named "init"
    sess.run(local_init)
    assert sess.run(loc) == 3.0
    empty = tf.variables_initializer([])
    assert empty.type == "NoOp" and not empty.control_inputs
    assert tf.initialize_all_variables().type == "NoOp"
    assert tf.initializers.global_variables().type == "NoOp"


def test_initial_value_may_use_other_variables(sess):
    x = tf.Variable([1.0, 2.0], name="x")
    y = tf.Variable(x * 2.0, name="y")
    z = tf.Variable(x.initialized_value() + 1.0, name="z")
    sess.run(tf.global_variables_initializer())
    np.testing.assert_array_equal(sess.run([y, z]), [[2.0, 4.0], [2.0, 3.0]])
    sess2 = tf.Session()
    sess2.run(z.initializer)  # initialized_value makes z independent of init order
    np.testing.assert_array_equal(sess2.run(z), [2.0, 3.0])


def test_report_uninitialized_variables_names_the_gap():
    tf.Variable(1.0)
    with pytest.raises(NotImplementedError, match="string"):
        tf.report_uninitialized_variables()


def test_assert_variables_initialized(sess):
    v = tf.Variable([1.0], name="v")
    check = tf.assert_variables_initialized([v])
    with pytest.raises(errors.FailedPreconditionError, match="uninitialized value v"):
        sess.run(check)
    sess.run(v.initializer)
    sess.run(check)


# --- assign ---------------------------------------------------------------------------------------
def test_assign_ops_return_new_values(sess):
    v = tf.Variable([1.0, 2.0], name="v")
    sess.run(v.initializer)
    np.testing.assert_array_equal(sess.run(v.assign([5.0, 6.0])), [5.0, 6.0])
    np.testing.assert_array_equal(sess.run(v.assign_add([1.0, 1.0])), [6.0, 7.0])
    np.testing.assert_array_equal(sess.run(tf.assign_add(v, 1.0)), [7.0, 8.0])
    np.testing.assert_array_equal(sess.run(v.assign_sub([7.0, 7.0])), [0.0, 1.0])
    np.testing.assert_array_equal(sess.run(tf.assign(v, [3.0, 3.0], name="set")), [3.0, 3.0])
    op = v.assign([9.0, 9.0], read_value=False)
    assert op.type == "Assign" and sess.run(op) is None
    np.testing.assert_array_equal(sess.run(v), [9.0, 9.0])


def test_assign_checks():
    v = tf.Variable([1.0, 2.0], name="v")
    with pytest.raises(ValueError):
        v.assign([1.0, 2.0, 3.0])
    with pytest.raises(TypeError):
        tf.assign(tf.Variable([1, 2]), [1.5, 2.0])
    with pytest.raises(AttributeError, match="has no attribute 'assign'"):
        tf.assign(tf.constant(1.0), 2.0)


def test_assign_without_shape_validation(sess):
    v = tf.Variable([1.0, 2.0], name="v", validate_shape=False)
    grow = tf.assign(v, [1.0, 2.0, 3.0], validate_shape=False)
    sess.run(v.initializer)
    np.testing.assert_array_equal(sess.run(grow), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(sess.run(v), [1.0, 2.0, 3.0])


def test_read_after_write_with_control_dependencies(sess):
    v = tf.Variable([1.0, 2.0], name="v")
    inc = v.assign_add([1.0, 1.0])
    with tf.control_dependencies([inc]):
        after = v * 10.0
        rv = v.read_value()
        idv = tf.identity(v)
    sess.run(tf.global_variables_initializer())
    # TF: each fetch runs `inc` once more before reading.
    np.testing.assert_array_equal(sess.run(v), [1.0, 2.0])
    np.testing.assert_array_equal(sess.run(after), [20.0, 30.0])
    np.testing.assert_array_equal(sess.run(v), [2.0, 3.0])
    np.testing.assert_array_equal(sess.run(rv), [3.0, 4.0])
    np.testing.assert_array_equal(sess.run(idv), [4.0, 5.0])


def test_snapshot_aliases_the_variable_like_tf1(sess):
    v = tf.Variable(1.0, name="v")
    inc = tf.group(v.assign_add(1.0), name="inc")
    with tf.control_dependencies([inc]):
        assert tf.convert_to_tensor(v) is v.value()  # always the snapshot v/read, no new op
        after = tf.identity(v)  # runs after inc; v/read aliases the buffer, as in TF1
    doubled = v * 2.0
    sess.run(tf.global_variables_initializer())
    assert sess.run(after) == 2.0
    assert sess.run(doubled) == 4.0  # no assign in this run: the current value
    assert sess.run(v) == 2.0


def test_counter_loop_in_one_session(sess):
    counter = tf.Variable(0, name="counter")
    step = tf.assign_add(counter, 1)
    sess.run(counter.initializer)
    assert [int(sess.run(step)) for _ in range(3)] == [1, 2, 3]
    assert counter.dtype == tf.int32


# --- sessions, load, eval, feeding --------------------------------------------------------------
def test_two_sessions_have_independent_variables(fresh_graph):
    v = tf.Variable(1.0, name="v")
    inc = v.assign_add(1.0)
    s1, s2 = tf.Session(graph=fresh_graph), tf.Session(graph=fresh_graph)
    s1.run(v.initializer)
    s2.run(v.initializer)
    s1.run(inc)
    s1.run(inc)
    assert s1.run(v) == 3.0 and s2.run(v) == 1.0
    s3 = tf.Session(graph=fresh_graph)
    with pytest.raises(errors.FailedPreconditionError):
        s3.run(v)


def test_load_and_eval(fresh_graph):
    v = tf.Variable([0.0, 0.0], name="v")
    sess = tf.Session(graph=fresh_graph)
    with pytest.raises(ValueError, match="Either session argument should be provided"):
        v.load([1.0, 1.0])
    v.load([3.0, 4.0], sess)
    np.testing.assert_array_equal(v.eval(sess), [3.0, 4.0])
    with sess.as_default():
        v.load([5.0, 6.0])
        np.testing.assert_array_equal(v.eval(), [5.0, 6.0])
    with pytest.raises(ValueError):
        v.load([1.0, 2.0, 3.0], sess)
    assert len(fresh_graph.get_operations()) == 4  # load adds no ops


def test_feeding_a_variable_replaces_its_value_for_that_run(sess):
    v = tf.Variable([1.0, 2.0], name="v")
    doubled = v * 2.0
    np.testing.assert_array_equal(sess.run(doubled, {v: [5.0, 5.0]}), [10.0, 10.0])  # uninitialized
    sess.run(v.initializer)
    np.testing.assert_array_equal(sess.run(doubled, {v: [5.0, 5.0]}), [10.0, 10.0])
    np.testing.assert_array_equal(sess.run(doubled), [2.0, 4.0])
    np.testing.assert_array_equal(sess.run("v:0"), [1.0, 2.0])


def test_operators_and_slicing(sess):
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="v")
    sess.run(v.initializer)
    np.testing.assert_array_equal(sess.run(v + 1.0), [[2.0, 3.0], [4.0, 5.0]])
    np.testing.assert_array_equal(sess.run(2.0 * v), [[2.0, 4.0], [6.0, 8.0]])
    np.testing.assert_array_equal(sess.run(-v), [[-1.0, -2.0], [-3.0, -4.0]])
    np.testing.assert_array_equal(sess.run(v @ v), [[7.0, 10.0], [15.0, 22.0]])
    np.testing.assert_array_equal(sess.run(v[1]), [3.0, 4.0])
    np.testing.assert_array_equal(sess.run(v[:, 0]), [1.0, 3.0])
    np.testing.assert_array_equal(sess.run(v > 2.0), [[False, False], [True, True]])
    np.testing.assert_array_equal(sess.run(tf.reduce_sum(v)), 10.0)


def test_control_dependency_on_a_variable(sess):
    v = tf.Variable(1.0, name="v")
    c = tf.constant(2.0, name="c")
    with tf.control_dependencies([v]):
        d = tf.identity(c)
    assert d.op.control_inputs == [v.op]  # TF: the VariableV2 op itself
    assert sess.run(d) == 2.0
