"""tf.variable_scope and tf.get_variable: reuse rules and their errors, the interplay of
variable scopes with name scopes, default-name uniquification, initializer forms,
regularizers, custom getters.

Every expected name and message marked "TF" was produced by running the same code with
TensorFlow 2.21's compat.v1 and tf.disable_v2_behavior() (TF1 reference variables).
"""
import numpy as np
import pytest

import rnngraph as tf


def op_names(graph):
    return [op.name for op in graph.get_operations()]


def uniform_init_ops(var):
    """The ops TF creates for a variable with the default glorot_uniform initializer."""
    init = var + "/Initializer/random_uniform"
    return [init + "/shape", init + "/min", init + "/max", init + "/RandomUniform", init + "/sub",
            init + "/mul", init, var, var + "/Assign", var + "/read"]


# --- name scopes -----------------------------------------------------------------------------
def test_reentering_a_scope_opens_a_new_name_scope(fresh_graph):
    with tf.variable_scope("rnn") as sc:
        a = tf.get_variable("w", [2, 3])
        x = tf.no_op(name="x")
    with tf.variable_scope("rnn", reuse=True):
        b = tf.get_variable("w", [2, 3])
        y = tf.no_op(name="y")
        z = tf.Variable(0.0, name="z")  # tf.Variable follows the name scope
    with tf.variable_scope(sc):
        y2 = tf.no_op(name="y2")
        q = tf.get_variable("q", [1])
    with tf.variable_scope("other"):
        with tf.variable_scope(sc, reuse=True) as osc:
            y3 = tf.no_op(name="y3")
            b2 = tf.get_variable("w", [2, 3])
    # TF
    assert op_names(fresh_graph) == (
        uniform_init_ops("rnn/w") + ["rnn/x", "rnn_1/y", "rnn_1/z/initial_value", "rnn_1/z",
                                     "rnn_1/z/Assign", "rnn_1/z/read", "rnn_2/y2"]
        + uniform_init_ops("rnn/q") + ["other/rnn/y3"])
    assert a is b and a is b2
    assert [x.name, y.name, z.name, y2.name, q.name, y3.name] == [
        "rnn/x", "rnn_1/y", "rnn_1/z:0", "rnn_2/y2", "rnn/q:0", "other/rnn/y3"]
    assert (sc.name, sc.original_name_scope) == ("rnn", "rnn/")
    assert (osc.name, osc.original_name_scope, osc.reuse) == ("rnn", "rnn/", True)


def test_default_names_are_unique_per_variable_scope():
    out = []
    for _ in range(2):
        with tf.variable_scope(None, default_name="layer") as s:
            out.append([s.name, tf.get_variable("w", [1]).name, tf.no_op(name="n").name])
    with tf.name_scope("layer_2"):
        pass
    with tf.variable_scope(None, default_name="layer") as s:
        out.append([s.name, tf.get_variable("w", [1]).name, tf.no_op(name="n").name])
    with tf.variable_scope("outer"):
        for _ in range(2):
            with tf.variable_scope(None, default_name="cell") as s:
                out.append([s.name, tf.get_variable("k", [1]).name])
    # TF: variable-scope names count variable scopes only (the name scope "layer_2" taken by
    # hand does not shift them, but the name scope does become "layer_3").
    assert out == [["layer", "layer/w:0", "layer/n"], ["layer_1", "layer_1/w:0", "layer_1/n"],
                   ["layer_2", "layer_2/w:0", "layer_3/n"], ["outer/cell", "outer/cell/k:0"],
                   ["outer/cell_1", "outer/cell_1/k:0"]]
    # TF: leaving "outer" resets its sub-scope counts, so re-entering starts at "cell" again.
    with tf.variable_scope("outer"):
        with tf.variable_scope(None, default_name="cell") as s:
            assert s.name == "outer/cell"
            with pytest.raises(ValueError, match="^Variable outer/cell/k already exists"):
                tf.get_variable("k", [1])


def test_nesting_with_name_scopes_and_auxiliary_name_scope():
    with tf.variable_scope("a"):
        with tf.variable_scope("b") as bs:
            v = tf.get_variable("v", [1])
            with tf.name_scope("ns"):
                u = tf.get_variable("u", [1])
                var = tf.Variable(1.0, name="var")
                o = tf.no_op(name="o")
    with tf.variable_scope("a"):
        with tf.variable_scope("b"):
            o2 = tf.no_op(name="o")
    with tf.name_scope("outer_ns"):
        with tf.variable_scope("aux", auxiliary_name_scope=False) as aux:
            ax = tf.get_variable("v", [1])
            axo = tf.no_op(name="o")
        with tf.variable_scope(aux, auxiliary_name_scope=False):
            axo2 = tf.no_op(name="o2")
        with tf.variable_scope(aux):
            axo3 = tf.no_op(name="o3")
    # TF
    assert [v.name, u.name, var.name, o.name, o2.name, ax.name, axo.name, axo2.name,
            axo3.name] == ["a/b/v:0", "a/b/u:0", "a/b/ns/var:0", "a/b/ns/o", "a_1/b/o", "aux/v:0",
                           "outer_ns/o", "outer_ns/o2", "outer_ns/aux/o3"]
    assert (bs.name, bs.original_name_scope) == ("a/b", "a/b/")
    assert (aux.name, aux.original_name_scope) == ("aux", "outer_ns/")


def test_variable_scope_follows_the_graph_of_values():
    g = tf.Graph()
    with g.as_default():
        x = tf.constant(1.0, name="x")
    with tf.variable_scope("s", values=[x]):
        assert tf.get_default_graph() is g
        v = tf.get_variable("v", [1])
    assert v.graph is g and tf.get_default_graph() is not g


def test_stores_are_per_graph():
    with tf.variable_scope("m"):
        v1 = tf.get_variable("v", [1])
    with tf.Graph().as_default():
        assert tf.get_variable_scope().name == ""
        with tf.variable_scope("m"):
            v2 = tf.get_variable("v", [1])
    assert v1.name == v2.name == "m/v:0" and v1.graph is not v2.graph


# --- reuse ---------------------------------------------------------------------------------------
def test_reuse_errors_are_tf1s():
    with tf.variable_scope("foo"):
        tf.get_variable("v", [3, 5])
    # TF (TF1 appends "Originally defined at:" and where)
    with pytest.raises(ValueError) as e:
        with tf.variable_scope("foo"):
            tf.get_variable("v", [3, 5])
    assert str(e.value).startswith(
        "Variable foo/v already exists, disallowed. Did you mean to set reuse=True or "
        "reuse=tf.AUTO_REUSE in VarScope? Originally defined at:")
    with pytest.raises(ValueError) as e:
        with tf.variable_scope("foo", reuse=True):
            tf.get_variable("u", [1])
    assert str(e.value) == ("Variable foo/u does not exist, or was not created with "
                            "tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?")
    with pytest.raises(ValueError) as e:
        with tf.variable_scope("foo", reuse=True):
            tf.get_variable("v", [3, 4])
    assert str(e.value) == ("Trying to share variable foo/v, but specified shape (3, 4) and found "
                            "shape (3, 5).")
    with pytest.raises(ValueError) as e:
        with tf.variable_scope("foo", reuse=True):
            tf.get_variable("v", [3, 5], dtype=tf.int32)
    assert str(e.value) == ("Trying to share variable foo/v, but specified dtype int32 and found "
                            "dtype float32_ref.")


def test_reuse_true_returns_the_same_variable():
    with tf.variable_scope("foo"):
        v = tf.get_variable("v", [2])
    with tf.variable_scope("foo", reuse=True):
        assert tf.get_variable("v", [2]) is v
        assert tf.get_variable("v") is v  # shape may be left out when reusing
    with tf.variable_scope("foo") as scope:
        scope.reuse_variables()
        assert tf.get_variable("v", [2]) is v
    assert tf.global_variables() == [v]


def test_auto_reuse():
    with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
        a = tf.get_variable("a", [1])
        b = tf.get_variable("a", [1])
    with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
        c = tf.get_variable("a", [1])
    assert a is b is c
    with tf.variable_scope("", reuse=tf.AUTO_REUSE):
        assert tf.get_variable_scope().name == ""
        assert tf.get_variable("top", [1]) is tf.get_variable("top", [1])


def test_reuse_is_inherited():
    r = []
    with tf.variable_scope("xx"):
        r.append(tf.get_variable_scope().reuse)
        with tf.variable_scope("yy", reuse=True):
            r.append(tf.get_variable_scope().reuse)
            with tf.variable_scope("zz", reuse=False):
                r.append(tf.get_variable_scope().reuse)
        with tf.variable_scope("ww") as ww:
            ww.reuse_variables()
            r.append(tf.get_variable_scope().reuse)
        r.append(tf.get_variable_scope().reuse)
    r.append(tf.get_variable_scope().reuse)
    assert r == [False, True, True, True, False, False]  # TF


def test_scope_argument_errors():
    # TF
    with pytest.raises(TypeError, match="^If default_name is None then name_or_scope is required$"):
        tf.variable_scope(None)
    with pytest.raises(ValueError, match="^reuse=True cannot be used without a name_or_scope$"):
        with tf.variable_scope(None, default_name="d", reuse=True):
            pass
    with pytest.raises(ValueError, match=r"^The reuse parameter must be True or False or None.$"):
        tf.variable_scope("x", reuse="yes")
    with pytest.raises(TypeError, match="^VariableScope: name_or_scope must be a string or "
                                        "VariableScope.$"):
        with tf.variable_scope(3):
            pass
    assert tf.get_variable_scope().name == ""


# --- initializers ------------------------------------------------------------------------------
def test_initializer_forms(fresh_graph):
    with tf.variable_scope("iv"):
        c = tf.get_variable("c", initializer=tf.constant([1.0, 2.0]))
        d = tf.get_variable("d", initializer=[1.0, 2.0])
        e = tf.get_variable("e", [2], initializer=tf.zeros_initializer())
        f = tf.get_variable("f", [2], dtype=tf.int32)
        g = tf.get_variable("g", initializer=[1.0, 2.0], dtype=tf.float32)
        h = tf.get_variable("h", [3], initializer=lambda shape, dtype, partition_info=None:
                            tf.ones(shape, dtype))
        k = tf.get_variable("k", initializer=lambda: tf.zeros([3, 2]))
        m = tf.get_variable("m", [2], initializer=tf.ones_initializer)  # a class
        b = tf.get_variable("b", [2], dtype=tf.int64)
    with tf.variable_scope("sc", initializer=tf.constant_initializer(7.0), dtype=tf.float64):
        s1 = tf.get_variable("s1", [2])
        with tf.variable_scope("inner"):
            s2 = tf.get_variable("s2", [1], dtype=tf.float32)
    # TF ("Const" at the root comes from checking g's initializer against its dtype)
    assert op_names(fresh_graph) == [
        "iv/Const", "iv/c", "iv/c/Assign", "iv/c/read", "iv/d/initial_value", "iv/d", "iv/d/Assign",
        "iv/d/read", "iv/e/Initializer/zeros", "iv/e", "iv/e/Assign", "iv/e/read",
        "iv/f/Initializer/zeros", "iv/f", "iv/f/Assign", "iv/f/read", "Const", "iv/g/initial_value",
        "iv/g", "iv/g/Assign", "iv/g/read", "iv/h/Initializer/ones", "iv/h", "iv/h/Assign",
        "iv/h/read", "iv/k/Initializer/zeros", "iv/k", "iv/k/Assign", "iv/k/read",
        "iv/m/Initializer/ones", "iv/m", "iv/m/Assign", "iv/m/read", "iv/b/Initializer/zeros",
        "iv/b", "iv/b/Assign", "iv/b/read", "sc/s1/Initializer/Const", "sc/s1", "sc/s1/Assign",
        "sc/s1/read", "sc/inner/s2/Initializer/Const", "sc/inner/s2", "sc/inner/s2/Assign",
        "sc/inner/s2/read"]
    assert [x.dtype for x in (f, b, s1, s2)] == [tf.int32, tf.int64, tf.float64, tf.float32]
    assert c.shape.as_list() == [2] and k.shape.as_list() == [3, 2]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        vals = sess.run([c, d, e, f, g, h, k, m, b, s1, s2])
    expected = [[1, 2], [1, 2], [0, 0], [0, 0], [1, 2], [1, 1, 1], np.zeros([3, 2]), [1, 1],
                [0, 0], [7, 7], [7]]
    for got, want in zip(vals, expected):
        np.testing.assert_array_equal(got, want)


def test_default_initializer_is_glorot_uniform(sess):
    w = tf.get_variable("w", [30, 50])
    sess.run(w.initializer)
    value = sess.run(w)
    limit = np.sqrt(6.0 / 80)
    assert np.abs(value).max() <= limit and np.abs(value).max() > 0.9 * limit
    assert abs(value.mean()) < 0.05


def test_bool_variable_default_zeros(sess):
    v = tf.get_variable("b", [2], dtype=tf.bool)
    sess.run(v.initializer)
    assert v.dtype == tf.bool and sess.run(v).tolist() == [False, False]


def test_initializer_errors():
    # TF
    with pytest.raises(ValueError, match="^If initializer is a constant, do not specify shape.$"):
        tf.get_variable("x", [2], initializer=tf.constant([1.0, 2.0]))
    with pytest.raises(ValueError, match="^Variable y did not get an initializer, so its `shape` "
                                         "argument must be specified.$"):
        tf.get_variable("y")
    with pytest.raises(ValueError, match="^The initializer passed is not valid. It should be a "
                                         "callable with no arguments"):
        tf.get_variable("y4", [None, 2])
    with pytest.raises(ValueError) as e:
        tf.get_variable("y5", dtype=tf.float64, initializer=tf.constant([1.0]))
    assert str(e.value) == ("Initializer type '<dtype: 'float32'>' and explicit dtype "
                            "'<dtype: 'float64'>' don't match.")


# --- regularizers, custom getters, collections -------------------------------------------------
def test_regularizer_losses(sess):
    with tf.variable_scope("reg", regularizer=lambda t: tf.reduce_sum(t * t, name="l")):
        v = tf.get_variable("v", [2], initializer=tf.ones_initializer())
        tf.get_variable("n", [2], regularizer=lambda t: None)
        tf.get_variable("z", [2], regularizer=tf.no_regularizer)
    losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert [t.name for t in losses] == ["reg/v/Regularizer/l:0"]  # TF
    sess.run(v.initializer)
    assert sess.run(losses[0]) == 2.0


def test_custom_getters_nest():
    log = []

    def inner(getter, name, *args, **kwargs):
        log.append(name)
        return getter(name + "_c", *args, **kwargs)

    def outer(getter, name, *args, **kwargs):
        log.append("outer:" + name)
        return getter(name, *args, **kwargs)

    with tf.variable_scope("cg", custom_getter=outer):
        with tf.variable_scope("in", custom_getter=inner):
            v = tf.get_variable("v", [1])
    assert log == ["cg/in/v", "outer:cg/in/v_c"] and v.name == "cg/in/v_c:0"  # TF


def test_get_variable_collections_and_trainable():
    lv = tf.get_local_variable("lv", [1])
    nt = tf.get_variable("nt", [1], trainable=False)
    col = tf.get_variable("col", [1], collections=["mine"])
    assert tf.local_variables() == [lv]  # TF: local, not global, not trainable
    assert tf.global_variables() == [nt]
    assert tf.trainable_variables() == [col]
    assert tf.get_collection("mine") == [col]
    with tf.variable_scope("s") as s:
        a = tf.get_variable("a", [1])
        b = tf.Variable(1.0, name="b")  # first entry: the name scope is "s/" too
    assert b.name == "s/b:0"
    assert s.global_variables() == [a, b] and s.trainable_variables() == [a, b]


def test_variables_inside_control_dependencies_have_no_control_inputs(fresh_graph):
    x = tf.placeholder(tf.float32, [], name="x")
    with tf.control_dependencies([x.op]):
        v = tf.get_variable("v", [2])
    assert all(not op.control_inputs for op in fresh_graph.get_operations())
    assert v.name == "v:0"


def test_namespaces_export_everything():
    for name in ["variable_scope", "get_variable", "get_variable_scope", "VariableScope",
                 "AUTO_REUSE", "get_local_variable", "variable_op_scope", "Variable", "assign",
                 "assign_add", "assign_sub", "global_variables_initializer", "set_random_seed",
                 "random_uniform", "random_normal", "truncated_normal", "glorot_uniform_initializer",
                 "orthogonal_initializer", "variance_scaling_initializer"]:
        assert hasattr(tf, name), name
