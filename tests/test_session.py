"""Session: fetch structures, feeds and their errors, default sessions, threads, lower()."""
import collections
import threading

import numpy as np
import pytest

import rnngraph as tf
from rnngraph import errors


@pytest.fixture
def xy():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y = tf.reduce_sum(x * 2.0, axis=1, name="y")
    return x, y


def test_nested_fetches(sess, xy):
    x, y = xy
    Pair = collections.namedtuple("Pair", "a b")
    v = np.arange(6, dtype=np.float32).reshape(2, 3)
    noop = tf.no_op() if hasattr(tf, "no_op") and tf.no_op is not None else None
    out = sess.run({"list": [y, (x, y)], "pair": Pair(y, x), "name": "y:0"}, {x: v})
    np.testing.assert_array_equal(out["list"][0], [6.0, 24.0])
    assert isinstance(out["list"][1], tuple)
    np.testing.assert_array_equal(out["list"][1][0], v)
    assert isinstance(out["pair"], Pair)
    np.testing.assert_array_equal(out["name"], [6.0, 24.0])
    if noop is not None:
        assert sess.run([noop, y], {x: v})[0] is None


def test_fetch_op_returns_none(sess, xy):
    x, y = xy
    assert sess.run(y.op, {x: np.zeros((1, 3))}) is None


def test_fetch_results_are_copies(sess):
    c = tf.constant([1.0, 2.0])
    a = sess.run(c)
    a[0] = 100.0
    np.testing.assert_array_equal(sess.run(c), [1.0, 2.0])


def test_feed_any_tensor_and_fetch_fed(sess, xy):
    x, y = xy
    two = x * 2.0
    s = tf.reduce_sum(two, axis=1)
    out = sess.run([s, two], {two: np.ones((2, 3))})  # x itself is then not needed
    np.testing.assert_array_equal(out[0], [3.0, 3.0])
    np.testing.assert_array_equal(out[1], np.ones((2, 3)))
    np.testing.assert_array_equal(sess.run(x, {x: [[1, 2, 3]]}), [[1, 2, 3]])
    np.testing.assert_array_equal(sess.run(y, {"x:0": [[1, 1, 1]]}), [6.0])


def test_missing_feed_error(sess, xy):
    x, y = xy
    with pytest.raises(errors.InvalidArgumentError,
                       match=r"must feed a value for placeholder tensor 'x' with dtype float and shape \[\?,3\]"):
        sess.run(y)


def test_feed_shape_error_names_tensor(sess, xy):
    x, y = xy
    with pytest.raises(ValueError, match=r"Cannot feed value of shape \(2, 4\) for Tensor 'x:0', which has shape '\(\?, 3\)'"):
        sess.run(y, {x: np.zeros((2, 4))})


def test_feed_dtype_errors(sess):
    i = tf.placeholder(tf.int32, [2], name="i")
    with pytest.raises(TypeError, match="'i:0'.*lose information"):
        sess.run(i, {i: [1.5, 2.0]})
    with pytest.raises(TypeError, match="out of range"):
        sess.run(i, {i: np.array([2**40, 1])})
    with pytest.raises(TypeError):
        sess.run(i, {i: ["a", "b"]})
    f = tf.placeholder(tf.float32, [2])
    assert sess.run(f, {f: np.array([1, 2], np.int64)}).dtype == np.float32  # widening is fine


def test_bad_fetch_and_feed_keys(sess):
    with pytest.raises(TypeError, match="None"):
        sess.run(None)
    with pytest.raises(TypeError):
        sess.run(3)
    with pytest.raises(ValueError, match="cannot be interpreted"):
        sess.run("nothing:0")
    c = tf.constant(1.0)
    with pytest.raises(TypeError, match="feed_dict key"):
        sess.run(c, {"nothing:0": 1.0})


def test_runtime_shape_clash_is_invalid_argument(sess):
    a = tf.placeholder(tf.float32, [None, 3], name="a")
    b = tf.placeholder(tf.float32, [None, 3], name="b")
    c = tf.add(a, b, name="sum_ab")
    with pytest.raises(errors.InvalidArgumentError) as e:
        sess.run(c, {a: np.zeros((2, 3)), b: np.zeros((4, 3))})
    assert e.value.op is c.op and "sum_ab" in str(e.value) and "[2,3]" in str(e.value)


def test_eval_and_default_sessions(xy):
    x, y = xy
    with pytest.raises(ValueError, match="no default session"):
        y.eval({x: [[1, 1, 1]]})
    with tf.Session() as s:
        np.testing.assert_array_equal(y.eval({x: [[1, 1, 1]]}), [6.0])
        assert tf.get_default_session() is s
    assert tf.get_default_session() is None
    isess = tf.InteractiveSession()
    try:
        np.testing.assert_array_equal(y.eval(feed_dict={x: [[0, 1, 0]]}), [2.0])
    finally:
        isess.close()
    assert tf.get_default_session() is None


def test_session_on_other_graph():
    g = tf.Graph()
    with g.as_default():
        c = tf.constant(5.0)
    s = tf.Session(graph=g)
    assert s.run(c) == 5.0
    with pytest.raises(ValueError):
        tf.Session().run(c)  # c is not an element of the default graph
    with s.as_default():
        assert c.eval() == 5.0


def test_closed_session_and_bad_target():
    c = tf.constant(1.0)
    s = tf.Session()
    s.close()
    with pytest.raises(RuntimeError, match="closed"):
        s.run(c)
    with pytest.raises(ValueError, match="Unknown Session target"):
        tf.Session("gpu-cluster")


def test_run_from_threads(sess, xy):
    x, y = xy
    results, failures = {}, []

    def work(i):
        try:
            v = np.full((i + 1, 3), float(i), np.float32)
            for _ in range(20):
                r = sess.run(y, {x: v})
                assert r.shape == (i + 1,) and np.all(r == 6.0 * i)
            results[i] = True
        except Exception as e:  # pragma: no cover - reported below
            failures.append(e)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not failures and len(results) == 6


def test_executable_cached_per_feed_signature(sess, xy):
    x, y = xy
    sess.run(y, {x: np.zeros((2, 3))})
    sess.run(y, {x: np.ones((2, 3))})
    sess.run(y, {x: np.ones((5, 3))})
    assert len(sess._executables) == 2


def test_a_repeated_call_skips_resolving_and_checking_but_not_a_changed_one(sess, xy, monkeypatch):
    """run_signature: the same fetch objects, feed tensors, shapes and dtypes reuse the
    checked plan; anything else (another shape or dtype, a list fetch, names, a value
    that needed converting) goes through the checks again."""
    import runtime.session as session_module
    x, y = xy
    checked = []
    real = session_module.normalize_feeds
    monkeypatch.setattr(session_module, "normalize_feeds",
                        lambda graph, feeds: checked.append(1) or real(graph, feeds))
    v = np.arange(6, dtype=np.float32).reshape(2, 3)
    for k in range(3):
        np.testing.assert_array_equal(sess.run(y, {x: v + k}), (v + k).sum(1) * 2)
    assert len(checked) == 1
    # a non-contiguous or read-only array of the same shape and dtype is passed correctly
    w = np.arange(12, dtype=np.float32).reshape(2, 6)[:, ::2]
    w.flags.writeable = False
    np.testing.assert_array_equal(sess.run(y, {x: w}), w.sum(1) * 2)
    assert len(checked) == 1
    # float64 is converted every time (its signature is never cached)
    for _ in range(2):
        np.testing.assert_array_equal(sess.run(y, {x: v.astype(np.float64)}), v.sum(1) * 2)
    assert len(checked) == 3
    # another shape is checked: a bad one is still TF1's error
    with pytest.raises(ValueError, match="shape"):
        sess.run(y, {x: np.zeros((2, 4), np.float32)})
    # a list of fetches, an op, a name
    fetches = [y, x]
    a, b = sess.run(fetches, {x: v})
    np.testing.assert_array_equal(a, v.sum(1) * 2)
    np.testing.assert_array_equal(b, v)
    fetches.append(y)  # the caller's list changes; a call with its old contents still works
    assert len(sess.run([y, x], {x: v})) == 2 and len(sess.run(fetches, {x: v})) == 3
    assert sess.run(y.op, {x: v}) is None and sess.run(y.op, {x: v}) is None
    np.testing.assert_array_equal(sess.run("y:0", {x: v}), v.sum(1) * 2)
    # results are the caller's own arrays on the cached path too
    first = sess.run(y, {x: v})
    first[:] = -1
    np.testing.assert_array_equal(sess.run(y, {x: v}), v.sum(1) * 2)


def test_lower_shows_specialized_program(sess, xy):
    x, y = xy
    low = sess.lower(y, {x: np.zeros((4, 3))})
    text = low.as_text()
    assert "x:0: f32[4,3]" in text and "%y:0: f32[4] = Sum(%mul:0)" in text
    g = low.to_networkx()
    assert g.has_edge("mul", "y") and g.nodes["y"]["type"] == "Sum"
    assert low.to_dot().startswith("digraph")
    assert low.compile("reference").run([np.ones((4, 3), np.float32)], sess._state)[0].tolist() == [6.0] * 4


def test_make_callable(sess, xy):
    x, y = xy
    f = sess.make_callable(y, [x])
    np.testing.assert_array_equal(f(np.ones((1, 3))), [6.0])


def test_config_proto_accepted():
    with tf.Session(config=tf.ConfigProto(intra_op_parallelism_threads=2)) as s:
        assert s.config.intra_op_parallelism_threads == 2
        assert s.run(tf.constant(3)) == 3


def test_fetching_indexed_slices_gives_an_indexed_slices_value(sess):
    """TF1: Session.run of an IndexedSlices (an embedding's gradient) returns an
    IndexedSlicesValue(values, indices, dense_shape), also inside a fetch structure."""
    table = tf.Variable(np.arange(12, dtype=np.float32).reshape(4, 3), name="table")
    ids = tf.placeholder(tf.int32, [None], name="ids")
    loss = tf.reduce_sum(tf.nn.embedding_lookup(table, ids) * 2.0)
    (g,) = tf.gradients(loss, [table])
    assert isinstance(g, tf.IndexedSlices)
    sess.run(tf.global_variables_initializer())
    value, (again, n) = sess.run([g, (g, loss)], {ids: [3, 1, 3]})
    assert isinstance(value, tf.IndexedSlicesValue) and isinstance(again, tf.IndexedSlicesValue)
    np.testing.assert_array_equal(value.values, np.full((3, 3), 2.0, np.float32))
    np.testing.assert_array_equal(value.indices, [3, 1, 3])
    np.testing.assert_array_equal(value.dense_shape, [4, 3])
    np.testing.assert_array_equal(again.indices, value.indices)
    assert n == 2.0 * (9 + 10 + 11 + 3 + 4 + 5 + 9 + 10 + 11)


def test_nested_feed_keys(sess):
    """TF1 accepts a nested structure of tensors (e.g. an LSTMStateTuple) as one feed_dict
    key, fed with a value of the same structure."""
    c = tf.placeholder(tf.float32, [None, 2], name="c")
    h = tf.placeholder(tf.float32, [None, 2], name="h")
    state = tf.nn.rnn_cell.LSTMStateTuple(c, h)
    total = tf.reduce_sum(c) + 10.0 * tf.reduce_sum(h)
    value = tf.nn.rnn_cell.LSTMStateTuple(np.ones((1, 2), np.float32), np.full((1, 2), 2.0, np.float32))
    assert sess.run(total, {state: value}) == 2.0 + 40.0
    assert sess.run(total, {(c, h): [[[1.0, 1.0]], [[0.0, 1.0]]]}) == 2.0 + 10.0
    with pytest.raises(ValueError, match="structure"):
        sess.run(total, {state: np.ones((1, 2), np.float32)})


def test_compiled_runs_keep_freed_memory_in_the_process(monkeypatch):
    """runtime/allocator.py: glibc's malloc keeps freed memory for the next run and loop
    step (mallopt: no mmap, a trim threshold that grows with the largest program's peak;
    RNNGRAPH_KEEP_FREED_MEMORY=0 leaves malloc alone)."""
    import platform

    from runtime import allocator
    allocator._mallopt.cache_clear()
    monkeypatch.setenv("RNNGRAPH_KEEP_FREED_MEMORY", "0")
    assert allocator.keep_freed_memory() is False
    allocator._mallopt.cache_clear()
    monkeypatch.delenv("RNNGRAPH_KEEP_FREED_MEMORY")
    glibc = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
    assert allocator.keep_freed_memory() is glibc
    if glibc:
        x = tf.placeholder(tf.float32, [None, 8])
        total = tf.reduce_sum(tf.matmul(x, x, transpose_b=True))
        with tf.Session(target="cpu") as sess:
            sess.run(total, {x: np.ones((4096, 8), np.float32)})  # a 64 MiB product
            (executable,) = sess._executables.values()
        assert executable.peak_bytes >= 64 << 20
        cap = min(allocator._memory_bytes() // 2, 2**31 - 1)
        assert allocator.trim_threshold() >= min(allocator.BASE_TRIM_THRESHOLD + executable.peak_bytes, cap)


def test_compiling_keeps_the_interpreters_stack_chunks(tmp_path):
    """runtime/allocator.keep_interpreter_memory: after a cpu session's first run, CPython's
    arena allocator (its frame-stack chunks and obmalloc arenas) is malloc, not mmap/munmap
    per 16 KiB chunk; frames and objects made across chunk boundaries before and after it
    stay sound, and the process exits cleanly (its blocks are freed through it at exit).
    In a fresh process, so this test's outcome does not depend on what ran before it."""
    import os
    import platform
    import subprocess
    import sys
    import textwrap
    script = tmp_path / "arena.py"
    script.write_text(textwrap.dedent("""
        import ctypes, sys
        import numpy as np
        import rnngraph as tf
        from runtime import allocator

        def deep(n):
            return 0 if n == 0 else 1 + deep(n - 1)

        class Arena(ctypes.Structure):
            _fields_ = [("ctx", ctypes.c_void_p), ("alloc", ctypes.c_void_p), ("free", ctypes.c_void_p)]

        def current():
            table = Arena()
            ctypes.pythonapi.PyObject_GetArenaAllocator(ctypes.byref(table))
            return table.alloc

        before = current()
        kept = [[object() for _ in range(1000)] for _ in range(200)]  # arenas mapped before
        assert deep(900) == 900
        x = tf.placeholder(tf.float32, [3])
        with tf.Session("cpu") as sess:
            assert sess.run(tf.reduce_sum(x * 2.0), {x: [1.0, 2.0, 3.0]}) == 12.0
        after_run = current()
        installed = allocator.keep_interpreter_memory()  # cached: what the run did
        assert (after_run != before) == installed, (installed, before, after_run)
        for _ in range(20):  # chunks taken and given back through the new allocator
            assert deep(900) == 900
        del kept  # arenas mapped before, freed through it
        more = [[object() for _ in range(1000)] for _ in range(200)]
        del more
        print("installed" if installed else "not installed")
    """))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, RNNGRAPH_INTERPRET_FIRST="0"))
    assert out.returncode == 0, out.stderr[-3000:]
    supported = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc" and \
        platform.python_implementation() == "CPython" and sys.maxsize > 2**32
    assert out.stdout.strip().splitlines()[-1] == ("installed" if supported else "not installed")
