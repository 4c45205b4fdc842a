"""Running a graph recipe on a target, and comparing two targets' results: shared by the
tests that check the compiled cpu target against the reference interpreter."""
import numpy as np

import rnngraph as tf

TARGETS = ("reference", "cpu")


def run_on(target, build, runs=1):
    """Build a fresh graph with build(tf) -> (fetches, feed) and run it on `target` (`runs`
    times; returns the last run's values) after initializing its variables."""
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(1)
        fetches, feed = build(tf)
        init = tf.global_variables_initializer()
        with tf.Session(target, graph=graph) as sess:
            sess.run(init)
            for _ in range(runs):
                values = sess.run(fetches, feed or None)
            return values


def cpu_source(build):
    """The generated source of the cpu target's program for build(tf)'s fetches and feed."""
    graph = tf.Graph()
    with graph.as_default():
        fetches, feed = build(tf)
        return tf.Session("cpu", graph=graph).lower(fetches, feed).compile("cpu").source()


def run_on_both(build):
    """{target: run_on(target, build)} for the reference and cpu targets."""
    return {target: run_on(target, build) for target in TARGETS}


def assert_same(ref, got, path="out", rtol=1e-6, atol=1e-6):
    """got equals ref in structure (dicts, lists), dtypes and shapes, and floats to the
    tolerances (other values exactly)."""
    if isinstance(ref, dict):
        assert set(ref) == set(got), path
        for k in ref:
            assert_same(ref[k], got[k], "%s/%s" % (path, k), rtol, atol)
    elif isinstance(ref, (list, tuple)):
        assert len(ref) == len(got), path
        for i, (a, b) in enumerate(zip(ref, got)):
            assert_same(a, b, "%s/%d" % (path, i), rtol, atol)
    else:
        ref, got = np.asarray(ref), np.asarray(got)
        assert ref.dtype == got.dtype and ref.shape == got.shape, (path, ref.dtype, got.dtype,
                                                                  ref.shape, got.shape)
        if ref.dtype.kind == "f":
            np.testing.assert_allclose(got, ref, rtol=rtol, atol=atol, err_msg=path)
        else:
            np.testing.assert_array_equal(got, ref, err_msg=path)
