"""Fusion (compiler/fuse.py): which nodes share one loop, and that the fused loops compute
what the reference interpreter computes (float64, to 1e-12).

A cell's split gates are read through index offsets (no slice views or copies), a value
read inside and outside a group is one more output of the group, groups reading one value
merge, a Concat of member outputs is written in place by its group, and no group moves a
variable read across a variable write.
"""
import re

import numpy as np
import pytest

import rnngraph as tf
from compiler.fuse import FusedElementwise

def _fused_groups(build_graph):
    """The fused nodes of the optimized top-level program and the cpu target's source,
    after checking the cpu values against the reference's."""
    results = {}
    for target in ("reference", "cpu"):
        graph = tf.Graph()
        with graph.as_default():
            tf.set_random_seed(1)
            fetch_list, feed_map = build_graph(np.random.RandomState(0))  # same feeds for both
            with tf.Session(target, graph=graph) as sess:
                sess.run(tf.global_variables_initializer())
                results[target] = sess.run(fetch_list, feed_map)
                if target == "cpu":
                    program = sess.lower(fetch_list, feed_map).optimized()
                    source = sess.lower(fetch_list, feed_map).compile("cpu").source()
    groups = [n for n in program.nodes if isinstance(n, FusedElementwise)]
    for got, want in zip(results["cpu"], results["reference"]):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    return groups, source


def _lstm_step(rng):
    x = tf.placeholder(tf.float64, [3, 5], name="x")
    c0 = tf.placeholder(tf.float64, [3, 4], name="c0")
    w = tf.get_variable("w", [5, 16], tf.float64, initializer=tf.random_normal_initializer())
    b = tf.get_variable("b", [16], tf.float64, initializer=tf.random_normal_initializer())
    i, j, f, o = tf.split(tf.nn.bias_add(tf.matmul(x, w), b), 4, axis=1)
    c = tf.sigmoid(f + 1.0) * c0 + tf.sigmoid(i) * tf.tanh(j)
    h = tf.tanh(c) * tf.sigmoid(o)
    return [c, h], {x: rng.randn(3, 5), c0: rng.randn(3, 4)}


def test_a_split_cell_step_is_one_loop_writing_c_and_h():
    groups, source = _fused_groups(_lstm_step)
    assert len(groups) == 1
    group, = groups
    assert len(group.outputs) == 2  # h (the root) and c, which the fetch also reads
    assert sum(m.type == "Slice" for m in group.members) == 4
    # the gates are read at their columns of the product, not through slice views
    assert "(i1 + 12)]" in source and "[0:3, 12:16]" not in source


def test_a_concat_of_member_outputs_is_written_in_place():
    def build(rng):
        a = tf.placeholder(tf.float64, [4, 6], name="a")
        b = tf.placeholder(tf.float64, [4, 6], name="b")
        g = tf.concat([a * b, a + b, tf.tanh(a), a - b], axis=1)
        return [g, tf.reduce_sum(g, 0)], {a: rng.randn(4, 6), b: rng.randn(4, 6)}
    groups, source = _fused_groups(build)
    assert len(groups) == 1 and groups[0].members[-1].type == "Concat"
    assert not re.search(r"\bkernels\.concat[(,]", source) and "(i1 + 18)] = " in source


def test_groups_reading_one_value_merge():
    """d is read by two chains that end in two fetched values: one loop computes it once
    and writes both."""
    def build(rng):
        a = tf.placeholder(tf.float64, [7], name="a")
        d = tf.exp(a) * 2.0
        return [tf.sin(d) + 1.0, tf.cos(d) - a], {a: rng.randn(7)}
    groups, _ = _fused_groups(build)
    assert len(groups) == 1 and len(groups[0].outputs) == 2
    assert sum(m.type == "Exp" for m in groups[0].members) == 1


def test_a_concat_with_an_input_from_outside_is_not_fused():
    def build(rng):
        a = tf.placeholder(tf.float64, [2, 3], name="a")
        m = tf.matmul(a, tf.ones([3, 3], tf.float64))
        return [tf.concat([tf.tanh(a), m], 1)], {a: rng.randn(2, 3)}
    groups, source = _fused_groups(build)
    assert not any(m.type == "Concat" for g in groups for m in g.members)
    assert re.search(r"# \S+ = Concat\(", source)  # a node of its own (its own loop nests)


def test_no_group_moves_a_variable_read_past_a_variable_write():
    """`a` reads v before the assign (program order, as the reference runs it); the group
    of `a` and its consumer, emitted at the consumer after the assign, would read the new
    value."""
    def build(rng):
        v = tf.get_variable("v", [5], tf.float64, initializer=tf.ones_initializer())
        a = tf.exp(v.value() * 2.0)
        assign = tf.assign_add(v, tf.fill([5], np.float64(10.0)))
        with tf.control_dependencies([assign]):
            later = tf.identity(tf.constant(np.arange(5.0)))
        return [tf.tanh(a) + later], None
    groups, _ = _fused_groups(build)
    assert all(len(g.members) < 3 for g in groups)


@pytest.mark.parametrize("begin", [0, 2, 5])
def test_slices_of_a_fused_value_at_offsets_in_both_axes(begin):
    def build(rng):
        a = tf.placeholder(tf.float64, [6, 9], name="a")
        bias = tf.placeholder(tf.float64, [9], name="bias")
        z = tf.sigmoid(a + bias)
        top = tf.slice(z, [0, begin], [3, 4])
        bottom = tf.slice(z, [3, 9 - 4 - begin // 2], [3, 4])
        return [top * bottom - top], {a: rng.randn(6, 9), bias: rng.randn(9)}
    groups, _ = _fused_groups(build)
    assert len(groups) == 1 and sum(m.type == "Slice" for m in groups[0].members) == 2


def test_a_concat_read_by_elementwise_work_is_written_first():
    """A Concat roots its own group: elementwise work reading it reads the finished array
    (found by test_random_graphs: a Concat had joined its reader's group as a member)."""
    def build(rng):
        a = tf.placeholder(tf.float64, [3, 2], name="a")
        t = tf.tanh(a)
        c = tf.concat([t, t * 2.0], axis=1)
        return [tf.sigmoid(c) * 2.0], {a: rng.randn(3, 2)}
    groups, source = _fused_groups(build)
    sinks = [g for g in groups if g.members[-1].type == "Concat"]
    assert len(sinks) == 1 and all(m.type != "Concat" for g in groups if g not in sinks
                                   for m in g.members)


def test_large_groups_run_on_openmps_threads():
    """lower_fused.THREADED_MIN_POINTS / _MIN_MEMBERS: a cell step over 64 x 128 points (the
    split gates at offsets), and a flat loop over 4096 points with four members, run in
    parts on OpenMP's threads (an outlined function over parts lo .. hi-1, launched by
    another through omp_parts); a loop of one op, or of fewer points, stays inline. Values
    as on the reference, both in a while loop and outside one."""
    from compiler.targets.cpu import lower_fused, omp_parts
    if not omp_parts.AVAILABLE:
        pytest.skip("not Numba's omp threading layer: compiled code stays on one thread")

    def build(rng):
        x = tf.placeholder(tf.float64, [64, 40], name="x")
        w = tf.get_variable("w", [40, 512], tf.float64, initializer=tf.random_normal_initializer())
        i, j, f, o = tf.split(tf.matmul(x, w), 4, axis=1)
        c = tf.sigmoid(f + 1.0) * tf.tanh(x[:, :1]) + tf.sigmoid(i) * tf.tanh(j)
        h = tf.tanh(c) * tf.sigmoid(o)
        y = tf.placeholder(tf.float64, [4096], name="y")
        flat = tf.exp(y) * 2.0 - tf.abs(y) + y * y
        fill = y + 1.0  # one op: inline
        half = x[:32]
        small = tf.tanh(half) * tf.sigmoid(half) + half * 3.0  # 32 x 40 points: inline
        loop = tf.while_loop(lambda k, a: k < 3,
                             lambda k, a: (k + 1, tf.tanh(a) * tf.sigmoid(a) + a * 0.5),
                             (tf.constant(0), h))[1]
        return [c, h, flat, fill, small, loop], {x: rng.randn(64, 40), y: rng.randn(4096)}
    groups, source = _fused_groups(build)
    assert source.count("on OpenMP's threads") == 3, source
    assert source.count("= omp_parts.runner(") == 3 and "prange" not in source
    assert source.count("for i0 in range(lo, hi):") == 1 and source.count("for i in range(lo, hi):") == 2
    assert "parts lo .. hi-1 of 64" in source and "parts lo .. hi-1 of 4096" in source
    assert "(i1 + 384)]" in source  # the gates still read at offsets
    assert lower_fused.THREADED_MIN_POINTS > 32 * 40


@pytest.mark.parametrize("name", ["tanh_f32", "sigmoid_f32"])
def test_loops_over_float32_tanh_and_sigmoid_are_vectorized(name):
    """The LSTM cell's loops call these for every gate: a loop over them must compile to
    packed (SIMD) divisions and fused multiply-adds, not one element at a time (about 10x
    slower), agree with NumPy, NaN included, and saturate exactly (tanh at +-1, sigmoid at
    0 and 1: Eigen's clamp for FMA, not the one without, which gives 0.99999976)."""
    import re

    import llvmlite.binding as llvm
    from numba import njit

    from compiler.targets.cpu import kernels
    fn = getattr(kernels, name)

    @njit(error_model="numpy")
    def apply(x, out):
        for i in range(x.size):
            out[i] = fn(x[i])

    x = np.concatenate([np.linspace(-12, 12, 997), [0, 1e-5, -3e-4, np.inf, -np.inf, np.nan]]).astype(np.float32)
    out = np.empty_like(x)
    apply(x, out)
    expected = np.tanh(x.astype(np.float64))
    if name == "sigmoid_f32":
        expected = 0.5 * np.tanh(0.5 * x.astype(np.float64)) + 0.5
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=3e-7)
    big = np.array([8.0, 9.5, 40.0, 1e30, np.inf], np.float32)
    ends = np.empty_like(big)
    for sign, end in ((1, 1.0), (-1, -1.0 if name == "tanh_f32" else 0.0)):
        apply(sign * big * (2 if name == "sigmoid_f32" else 1), ends)
        assert (ends == end).all(), ends
    asm = apply.inspect_asm(apply.signatures[0])
    assert re.search(r"\bv?divps\b", asm)
    if "+fma" in llvm.get_host_cpu_features().flatten():
        assert "vfmadd" in asm or "vfmsub" in asm or "vfnmadd" in asm


def test_constants_of_one_value_are_read_as_literals():
    """A full-size constant of one value (ones_like/zeros_like of a known shape, which TF1
    makes a Const, too large to fold) is a literal in the loop, not an array streamed
    from memory; a constant of several values is still read element by element."""
    from compiler.targets.cpu.lower_fused import uniform
    def build(rng):
        x = tf.placeholder(tf.float64, [300, 300], name="x")
        varied = tf.constant(np.arange(90000.0).reshape(300, 300), name="varied")
        y = (x + tf.ones_like(x)) * 3.0 + tf.zeros_like(x)
        return [y, x * varied], {x: rng.randn(300, 300)}
    groups, source = _fused_groups(build)
    leaves = {v.name for g in groups for v in g.inputs}
    assert any("ones_like" in (n or "") for n in leaves)  # a leaf of the loop...
    assert not any("ones_like" in line and "[" in line for line in source.splitlines()
                   if not line.lstrip().startswith("#") and "def program" not in line)  # ...not read
    assert "varied[" in source or "flat_varied" in source
    ones = next(v for g in groups for v in g.inputs if "ones_like" in (v.name or ""))
    assert uniform(ones) == 1.0


def test_a_value_read_by_groups_that_cannot_merge_is_computed_by_the_earliest():
    """t is read by u's group and by v's; u is multiplied before v's group runs, so the two
    cannot be one loop. The earliest computes t as one more output and the later reads it
    (before, t and u were two one-op loops)."""
    def build(rng):
        a = tf.placeholder(tf.float64, [4, 5], name="a")
        t = tf.tanh(a)
        u = t * 2.0
        m = tf.matmul(u, tf.ones([5, 5], tf.float64))
        return [tf.sigmoid(m) * t], {a: rng.randn(4, 5)}
    groups, _ = _fused_groups(build)
    first = next(g for g in groups if any(m.type == "Tanh" for m in g.members))
    assert sorted(m.type for m in first.members) == ["Mul", "Tanh"] and len(first.outputs) == 2
    assert len(groups) == 2


def test_each_forward_step_of_a_static_lstm_gradient_is_one_loop():
    """Each step's gate values are read by the next step and by the backward pass: still
    one loop per step computes all five nonlinearities and writes what both read."""
    def build(rng):
        xs = [tf.placeholder(tf.float64, [2, 3], name="x%d" % t) for t in range(3)]
        outs, _ = tf.nn.static_rnn(tf.nn.rnn_cell.LSTMCell(4), xs, dtype=tf.float64)
        loss = tf.add_n([tf.reduce_sum(o * o) for o in outs])
        return tf.gradients(loss, tf.trainable_variables()), {x: rng.randn(2, 3) for x in xs}
    groups, _ = _fused_groups(build)
    steps = [g for g in groups if any(m.type == "Sigmoid" for m in g.members)]
    assert len(steps) == 3
    for g in steps:
        kinds = [m.type for m in g.members]
        assert kinds.count("Sigmoid") == 3 and kinds.count("Tanh") == 2


def test_a_concat_with_an_input_made_elsewhere_still_writes_it_in_the_loop():
    """t, an input of the Concat, is computed by an earlier group (t * 2 is multiplied
    before the Concat); the Concat's group reads it as a leaf and still writes the whole
    array in one loop with its other input (exp(a) * 3), no separate copy."""
    def build(rng):
        a = tf.placeholder(tf.float64, [3, 2], name="a")
        t = tf.tanh(a)
        m = tf.matmul(t * 2.0, tf.ones([2, 2], tf.float64))
        return [tf.concat([t, tf.exp(a) * 3.0], axis=1), m], {a: rng.randn(3, 2)}
    groups, source = _fused_groups(build)
    assert any(sorted(m.type for m in g.members) == ["Mul", "Tanh"] for g in groups)
    assert any(sorted(m.type for m in g.members) == ["Concat", "Exp", "Mul"] for g in groups)
    assert not re.search(r"\bkernels\.concat[(,]", source)


def test_a_merged_group_writes_a_concat_whose_input_was_made_earlier():
    """c1 and c2 are written by one loop (x and y feed both); c1's input t comes from an
    earlier group (t * 2 is multiplied first), read as a leaf of the loop."""
    def build(rng):
        a = tf.placeholder(tf.float64, [3, 2], name="a")
        x, y, t = tf.tanh(a), tf.exp(a), tf.sin(a)
        m = tf.matmul(t * 2.0, tf.ones([2, 2], tf.float64))
        c1 = tf.concat([x, y, t], axis=1)
        c2 = tf.concat([x * 2.0, y * 3.0, x + y], axis=1)
        return [c1, c2, m], {a: rng.randn(3, 2)}
    groups, source = _fused_groups(build)
    merged = [g for g in groups if any(m.type == "Tanh" for m in g.members)]
    assert len(merged) == 1 and sum(m.type == "Concat" for m in merged[0].members) == 2
    assert not re.search(r"\bkernels\.concat[(,]", source)
