"""Graph core: names, name scopes, control dependencies, collections, default graphs,
tensor properties and build-time errors."""
import numpy as np
import pytest

import rnngraph as tf


def test_unique_names_and_tensor_names():
    a = tf.constant(1.0)
    b = tf.constant(2.0)
    c = tf.add(a, b)
    d = a + b
    e = a + b
    assert (a.name, b.name) == ("Const:0", "Const_1:0")
    assert c.name == "Add:0"
    assert (d.name, e.name) == ("add_1:0", "add_2:0")  # TF1 names are unique case-insensitively
    assert c.op.type == "Add" and c.op.inputs == (a, b)


def test_name_scopes_follow_tf1():
    with tf.name_scope("rnn") as scope:
        assert scope == "rnn/"
        x = tf.constant(1.0, name="x")
        with tf.name_scope("inner"):
            y = tf.identity(x)
    with tf.name_scope("rnn") as scope2:
        z = tf.constant(2.0, name="x")
    assert x.name == "rnn/x:0"
    assert y.name == "rnn/inner/Identity:0"
    assert scope2 == "rnn_1/" and z.name == "rnn_1/x:0"
    with tf.name_scope("rnn/"):  # re-enter an exact scope
        w = tf.constant(3.0, name="x")
    assert w.name == "rnn/x_1:0"
    with tf.name_scope("a"):
        with tf.name_scope(None):
            top = tf.constant(0.0, name="top")
    assert top.name == "top:0"


def test_name_case_insensitive_uniqueness():
    tf.constant(1.0, name="foo")
    t = tf.constant(1.0, name="Foo")
    assert t.name == "Foo_1:0"


def test_get_by_name():
    x = tf.placeholder(tf.float32, [2], name="x")
    g = tf.get_default_graph()
    assert g.get_tensor_by_name("x:0") is x
    assert g.get_operation_by_name("x") is x.op
    with pytest.raises(KeyError):
        g.get_tensor_by_name("nope:0")
    with pytest.raises(KeyError, match="only has 1 outputs"):
        g.get_tensor_by_name("x:3")


def test_control_dependencies():
    a = tf.constant(1.0)
    b = tf.constant(2.0)
    with tf.control_dependencies([a]):
        c = tf.identity(b)
        with tf.control_dependencies([b.op]):
            d = tf.identity(b)  # b is a data input: not repeated as control input
        with tf.control_dependencies(None):
            e = tf.identity(b)
    assert c.op.control_inputs == [a.op]
    assert d.op.control_inputs == [a.op]
    assert e.op.control_inputs == []
    with pytest.raises(TypeError):
        with tf.control_dependencies([3]):
            pass


def test_collections():
    tf.add_to_collection("stuff", 1)
    tf.add_to_collections(["stuff", "more"], 2)
    assert tf.get_collection("stuff") == [1, 2]
    assert tf.get_collection("more") == [2]
    ref = tf.get_collection_ref("stuff")
    ref.append(3)
    assert tf.get_collection("stuff") == [1, 2, 3]
    x = tf.constant(1.0, name="scope_a/x")
    tf.add_to_collection("ts", x)
    tf.add_to_collection("ts", tf.constant(1.0, name="scope_b/x"))
    assert tf.get_collection("ts", scope="scope_a") == [x]


def test_default_graph_stack(fresh_graph):
    assert tf.get_default_graph() is fresh_graph
    g2 = tf.Graph()
    with g2.as_default():
        assert tf.get_default_graph() is g2
        t = tf.constant(1.0)
    assert t.graph is g2
    assert tf.get_default_graph() is fresh_graph
    with pytest.raises(AssertionError):
        tf.reset_default_graph()  # inside a nested graph context, as in TF1


def test_reset_default_graph_outside_nesting():
    import threading
    result = {}

    def worker():
        before = tf.get_default_graph()
        tf.reset_default_graph()
        result["fresh"] = tf.get_default_graph() is not before
    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert result["fresh"]


def test_mixing_graphs_is_an_error():
    a = tf.constant(1.0)
    with tf.Graph().as_default():
        b = tf.constant(2.0)
    with pytest.raises(ValueError, match="same graph"):
        tf.add(a, b)


def test_tensor_properties_and_set_shape():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    assert x.shape.as_list() == [None, 3]
    assert x.get_shape().ndims == 2
    assert x.shape[1] == 3 and x.shape[0] is None
    assert x.dtype == tf.float32 and x.dtype == "float32"
    x.set_shape([4, None])
    assert x.shape.as_list() == [4, 3]
    with pytest.raises(ValueError, match="incompatible"):
        x.set_shape([5, 3])
    assert "shape=(4, 3)" in repr(x)
    with pytest.raises(TypeError, match="bool"):
        bool(x)
    with pytest.raises(TypeError):
        len(x)
    with pytest.raises(NotImplementedError, match="Session"):
        np.asarray(x)


def test_tensor_iteration_needs_known_first_dim():
    x = tf.placeholder(tf.float32, [2, 3])
    parts = list(x)
    assert len(parts) == 2 and parts[0].shape.as_list() == [3]
    with pytest.raises(TypeError):
        iter(tf.placeholder(tf.float32, [None, 3]))


def test_build_time_shape_error_names_op_and_shapes():
    a = tf.placeholder(tf.float32, [2, 3], name="a")
    b = tf.placeholder(tf.float32, [2, 4], name="b")
    with pytest.raises(ValueError) as e:
        tf.add(a, b, name="my_add")
    msg = str(e.value)
    assert "Dimensions must be equal, but are 3 and 4" in msg
    assert "'my_add'" in msg and "[2,3], [2,4]" in msg
    with pytest.raises(ValueError, match=r"Dimensions must be equal, but are 3 and 5.*MatMul"):
        tf.matmul(a, tf.placeholder(tf.float32, [5, 2]))


def test_dtype_mismatch_is_type_error():
    a = tf.constant(1.0)
    b = tf.constant(1)
    with pytest.raises(TypeError, match="does not match type float32"):
        tf.add(a, b)
    with pytest.raises(TypeError):
        tf.add(1, 2.5)  # TF1: 2.5 cannot become int32
    with pytest.raises(TypeError, match="not in list of allowed values"):
        tf.tanh(tf.constant(1))


def test_unsupported_dtypes_are_named():
    with pytest.raises(TypeError, match="not supported by rnngraph.*float32"):
        tf.as_dtype("float16")
    with pytest.raises(TypeError, match="not supported"):
        tf.constant(np.zeros(2, np.complex64))
    with pytest.raises(TypeError):
        tf.placeholder("string")


def test_graph_finalize():
    g = tf.get_default_graph()
    g.finalize()
    with pytest.raises(RuntimeError, match="finalized"):
        tf.constant(1.0)


def test_op_attrs_and_printing():
    x = tf.placeholder(tf.float32, [2, 3], name="x")
    y = tf.reduce_sum(x, axis=1, keepdims=True, name="s")
    assert y.op.get_attr("keepdims") is True
    with pytest.raises(ValueError):
        y.op.get_attr("nope")
    assert 'op: "Sum"' in str(y.op) and 'input: "x:0"' in str(y.op)
    assert y.consumers() == [] and x.consumers() == [y.op]


@pytest.mark.parametrize("first", ["runtime", "compiler", "runtime.session", "compiler.targets.cpu"])
def test_packages_import_in_any_order(first):
    """rnngraph exports Session from runtime, and runtime imports the compiler, which
    imports rnngraph's graph core: importing any of them first must work."""
    import os
    import subprocess
    import sys
    code = "import %s; import rnngraph; assert rnngraph.Session.__name__ == 'Session'" % first
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    assert proc.returncode == 0, proc.stderr
