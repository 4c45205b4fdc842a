"""The cpu target (generated Numba code) against the reference interpreter.

Every op parity case runs on both targets and must agree to 1e-6 relative; random ops draw
the same numbers; run-time errors must be the same rnngraph errors; the generated source is
printable; the disk cache is reused by a second process and survives a corrupt entry.
(Besides, tests/conftest.py runs every other test of the suite on both targets.)
"""
import functools
import os
import re
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import rnngraph as tf
from runtime.session import TargetFallbackWarning
from parity import op_cases, rnn_cases
from targets_agree import assert_same, cpu_source, run_on

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# How generated source calls a kernel: `kernels.NAME(args` or, in a program and the
# functions it calls, through a table of entry points (native_call.through_table):
# `call_native(kernels.NAME, fptrs, slot, (args` (`ktab` in an outlined function).
CALL = r"(?:\(|, (?:fptrs|ktab), \d+, \()"


def _kernel_calls(src, name):
    """The positions of the calls of kernel `name` in generated source (CALL)."""
    return [m.start() for m in re.finditer(r"\bkernels\.%s" % name + CALL, src)]


RANDOM_CASES = {name for name, c in op_cases.CASES.items() if c.kind == "stats"}


@pytest.mark.parametrize("name", sorted(set(op_cases.CASES) - RANDOM_CASES))
def test_op_cases_agree_with_reference(name):
    """Also in a second run: the program's first run changed none of its constants or
    feeds (they reach it as writable arrays; CpuExecutable._writable)."""
    build = op_cases.CASES[name].build
    assert_same(run_on("reference", build, runs=2), run_on("cpu", build, runs=2))


@pytest.mark.parametrize("name", sorted(RANDOM_CASES))
def test_random_cases_draw_the_same_numbers(name):
    """Random ops use the same Philox streams on both targets."""
    build = op_cases.CASES[name].build
    ref, got = run_on("reference", build), run_on("cpu", build)
    for k in ref:
        np.testing.assert_allclose(np.asarray(got[k], np.float64), np.asarray(ref[k], np.float64),
                                   rtol=2e-6, atol=2e-6, err_msg=k)


def test_generated_code_leaves_numpy_functions_to_cached_kernels():
    """np.where, np.concatenate, np.broadcast_to, np.array, np.empty_like and x.ravel() in
    generated code made Numba compile their implementations again in every new process
    (np.where alone: 2 s of the char LSTM example's 27 s of first runs); cached kernels do
    that work. ravel stays only for the views results are written through (kernels.flat's
    docstring). The graph covers every op that used them: a scalar-index Gather,
    UnsortedSegmentSum, ReverseSequence, an integer Mean, a broadcasting batched MatMul, a
    growing TensorArray, and a loop nested in a loop that reads a variable (its inner
    function's check and variable ids); a
    SumToShape whose shapes are known only at run time (its target was an np.array) is
    covered by the gradient parity cases of loops with unknown shapes."""
    def build(tf):
        x = tf.placeholder(tf.float32, [4, 3], name="x")
        i = tf.placeholder(tf.int32, [], name="i")
        ids = tf.placeholder(tf.int32, [4], name="ids")
        m = tf.placeholder(tf.int32, [2, 3], name="m")
        p = tf.placeholder(tf.float32, [2, 1, 3, 4], name="p")
        q = tf.placeholder(tf.float32, [1, 5, 4, 2], name="q")
        v = tf.get_variable("v", [3], initializer=tf.ones_initializer())
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)

        def outer(k, ta):
            inner = tf.while_loop(lambda j, a: j < k, lambda j, a: (j + 1, a + v),
                                  (0, tf.zeros([3])))[1]
            return k + 1, ta.write(k, inner * tf.cast(k, tf.float32))
        _, ta = tf.while_loop(lambda k, ta: k < 4, outer, (0, ta))
        fetches = {"gather": tf.gather(x, i), "segments": tf.unsorted_segment_sum(x, ids, 3),
                   "reversed": tf.reverse_sequence(p[:, 0], tf.constant([2, 1], tf.int64), seq_axis=1,
                                                   batch_axis=0),
                   "mean": tf.reduce_mean(m, axis=1), "bmm": tf.matmul(p, q),
                   "grown": ta.stack()}
        rng = np.random.RandomState(0)
        return fetches, {x: rng.randn(4, 3), i: 2, ids: [0, -1, 2, 0],
                         m: [[-7, -1, 1], [5, 2, 1]], p: rng.randn(2, 1, 3, 4),
                         q: rng.randn(1, 5, 4, 2)}
    assert_same(run_on("reference", build), run_on("cpu", build))
    graph = tf.Graph()
    with graph.as_default():
        fetches, feed = build(tf)
        with tf.Session("cpu", graph=graph) as sess:
            source = sess.lower(fetches, feed).compile("cpu").source()
    assert re.search(r"kernels\.first_out_of_range\([^()]*, True\)", source)  # segment ids
    assert "kernels.grow_rows(" in source
    assert "kernels.callee_ids(" in source
    for call in ("np.where(", "np.concatenate(", "np.broadcast_to(", "np.array(", "np.empty_like("):
        assert call not in source, call
    ravels = [line for line in source.splitlines() if ".ravel()" in line]
    assert all(re.fullmatch(r"\s*\w+_flat = \w+\.ravel\(\)", line) for line in ravels), ravels


# Every RNN and control-flow parity case also runs on the cpu target (tests/conftest.py runs
# the whole suite on both targets), against TF's goldens. Ragged TensorArrays (elements of
# different shapes, infer_shape=False) are not supported by the cpu target's dense buffers:
# it says so, and the session falls back to the reference interpreter.
RAGGED = "tensor_array.concat_split"


@pytest.mark.parametrize("parallel_iterations", [1, 3, 32])
@pytest.mark.parametrize("cell", ["LSTMCell", "GRUCell"])
def test_windowed_input_projection_matches_reference(parallel_iterations, cell):
    """Loop planning batches x_t @ W[:dx] over windows of P steps; any P gives the same
    numbers, with ragged sequence lengths and a window that does not divide the time. A
    GRU step reads x_t into two products (gates, candidate): each gets its window."""
    def build(tf):
        x = tf.placeholder(tf.float32, [3, 7, 4], name="x")
        lengths = tf.constant([7, 2, 5])
        out, state = tf.nn.dynamic_rnn(getattr(tf.nn.rnn_cell, cell)(5), x, sequence_length=lengths,
                                       dtype=tf.float32, parallel_iterations=parallel_iterations)
        return {"out": out, "state": state}, {x: np.random.RandomState(0).randn(3, 7, 4)}
    assert_same(run_on("reference", build), run_on("cpu", build))
    src = cpu_source(build)
    assert len(_kernel_calls(src, "project_window_panels")) == (2 if cell == "GRUCell" else 1)
    assert not _kernel_calls(src, "concat")


@pytest.mark.parametrize("cell,units", [("LSTMCell", 64), ("GRUCell", 128), ("BasicRNNCell", 128)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cell_loop_that_computes_its_recurrent_product_matches_reference(cell, units, dtype):
    """A step's recurrent product large enough to thread, read only by the cell's
    elementwise loop at gate offsets that are whole panels: the loop's threads compute the
    product's columns they read (lower_fused.product_epilogue). Ragged lengths, and the
    gradients (the training forward loop saves the loop's outputs)."""
    from compiler.targets.cpu.omp_parts import AVAILABLE as THREADED

    def build(tf):
        dt = getattr(tf, dtype)
        x = tf.placeholder(dt, [24, 5, 8], name="x")
        out, _ = tf.nn.dynamic_rnn(getattr(tf.nn.rnn_cell, cell)(units), x, dtype=dt,
                                   sequence_length=tf.constant([5, 3] * 12))
        loss = tf.reduce_sum(out * out)
        feed = {x: np.random.RandomState(0).randn(24, 5, 8)}
        return {"out": out, "grads": tf.gradients(loss, [x] + tf.trainable_variables())}, feed
    tol = 1e-4 if dtype == "float32" else 1e-9  # float32: sums of 120 terms of up to 30
    assert_same(run_on("reference", build), run_on("cpu", build), rtol=tol, atol=tol)
    src = cpu_source(build)
    assert ("with its product" in src) == THREADED
    assert not _kernel_calls(src, "panel_product") or not THREADED


def test_ragged_tensor_array_falls_back_to_reference_with_a_warning(monkeypatch):
    """The cpu target cannot lower ragged TensorArrays (NotImplementedError naming them);
    the session then runs the graph on the reference interpreter and warns, naming it."""
    monkeypatch.setenv("RNNGRAPH_TARGET", "reference")
    ref = rnn_cases.run_rnn_case(tf, rnn_cases.CASES[RAGGED])
    monkeypatch.setenv("RNNGRAPH_TARGET", "cpu")
    with pytest.warns(TargetFallbackWarning, match="cpu target cannot compile.*TensorArray"):
        got = rnn_cases.run_rnn_case(tf, rnn_cases.CASES[RAGGED])
    assert_same(ref["fetches"], got["fetches"])


def _error_on(target, build, feed):
    graph = tf.Graph()
    with graph.as_default():
        fetch = build()
        with tf.Session(target, graph=graph) as sess:
            sess.run(tf.global_variables_initializer())
            with pytest.raises(tf.errors.OpError) as info:
                sess.run(fetch, feed(graph))
    return info.value


ERRORS = {
    "gather": (lambda: tf.gather(tf.constant([[1.0], [2.0]]), tf.placeholder(tf.int32, [None], name="i")),
               lambda g: {"i:0": [0, 5]}),
    "uninitialized": (lambda: tf.Variable(1.0, name="v", collections=[]) * 2.0, lambda g: {}),
    "seq_len": (lambda: tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(3), tf.zeros([2, 4, 3]),
                                          sequence_length=tf.placeholder(tf.int32, [2], name="len"),
                                          dtype=tf.float32)[0],
                lambda g: {"len:0": [2, 9]}),
    "assert": (lambda: tf.Assert(tf.placeholder(tf.bool, [], name="ok"), ["bad value:", tf.constant([1, 2])]),
               lambda g: {"ok:0": False}),
    "tensor_array": (lambda: tf.TensorArray(tf.float32, 2).write(0, 1.0).write(0, 2.0).stack(), lambda g: {}),
    "int_div": (lambda: tf.constant([4]) // tf.placeholder(tf.int32, [1], name="d"), lambda g: {"d:0": [0]}),
    # an LSTM's planned input projection makes no concat and multiplies W's parts: a fed
    # state of another batch or width is still the concat's and the MatMul's error
    "state_batch": (lambda: _lstm_from_fed_state(), lambda g: {"c:0": np.zeros((3, 4)), "h:0": np.zeros((3, 4))}),
    "state_width": (lambda: _lstm_from_fed_state(), lambda g: {"c:0": np.zeros((2, 4)), "h:0": np.zeros((2, 5))}),
}


def _lstm_from_fed_state():
    state = tf.nn.rnn_cell.LSTMStateTuple(tf.placeholder(tf.float32, [None, None], name="c"),
                                          tf.placeholder(tf.float32, [None, None], name="h"))
    return tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(4), tf.ones([2, 3, 5]), initial_state=state)[0]


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_match_reference(name):
    build, feed = ERRORS[name]
    ref, got = _error_on("reference", build, feed), _error_on("cpu", build, feed)
    assert type(got) is type(ref)
    assert got.op.name == ref.op.name
    assert ref.message.split(" (inputs:")[0] == got.message.split(" (inputs:")[0]


def test_source_is_printable_and_runs_the_loop_natively(sess):
    x = tf.placeholder(tf.float32, [None, 3])
    out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(4), tf.expand_dims(x, 0), dtype=tf.float32)
    low = sess.lower(out, {x: np.zeros((5, 3))})
    exe = low.compile("cpu")
    src = exe.source()
    assert "@program_njit" in src and "while True:" in src
    # loop planning: the input projection runs per window of parallel_iterations steps;
    # the kernel's two parts are packed once before the loop (panels.py), and each step
    # adds its recurrent product into its window row
    # (a batch of one multiplies its one row by the recurrent weight as it is, viewed once
    # before the loop, calling the one-row product directly)
    assert _kernel_calls(src, "project_window_panels")
    assert len(_kernel_calls(src, "pack_panels")) == 1 and not _kernel_calls(src, "panel_product")
    assert re.search(r"kernels\.row_times_matrix\(\w+, recurrent_weight, window_row, K_F32\)", src)
    assert _kernel_calls(src, "pack_panels")[0] < src.index("recurrent_weight = var_0[3:]") < src.index("while True:")
    sess.run(tf.global_variables_initializer())
    assert sess.run(out, {x: np.zeros((5, 3))}).shape == (1, 5, 4)
    batched, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(4), tf.stack([x, x]),
                                   dtype=tf.float32, scope="batched")
    src = sess.lower(batched, {x: np.zeros((5, 3))}).compile("cpu").source()
    assert len(_kernel_calls(src, "pack_panels")) == 2 and _kernel_calls(src, "panel_product")


def test_cache_reused_by_a_new_process_and_survives_corruption(tmp_path):
    script = textwrap.dedent("""
        import sys, time, numpy as np
        sys.path.insert(0, %r)
        import rnngraph as tf
        x = tf.placeholder(tf.float32, [None, 4])
        y = tf.reduce_sum(tf.tanh(x * 3.0), axis=1)
        with tf.Session("cpu") as s:
            t = time.time()
            v = s.run(y, {x: np.ones((2, 4))})
            print(round(float(v[0]), 5), time.time() - t, "numba.np.arraymath" in sys.modules)
    """ % REPO)
    env = dict(os.environ, RNNGRAPH_CACHE_DIR=str(tmp_path))

    def run():
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        value, seconds, compiler_set_up = out.stdout.split()
        return float(value), float(seconds), compiler_set_up == "True"
    first = run()
    modules = [f for f in os.listdir(tmp_path) if f.startswith("rg_") and f.endswith(".py")]
    assert len(modules) == 1
    cached = os.listdir(tmp_path / "__pycache__")
    assert any(f.endswith(".nbi") for f in cached) and any(f.endswith(".nbc") for f in cached)
    second = run()
    assert second[0] == first[0] == round(float(np.tanh(3.0) * 4), 5)
    # the second process only loaded machine code: Numba's lowerings were never imported
    # (jit_cache.py), while the first compiled the program
    assert first[2] and not second[2]
    for f in os.listdir(tmp_path / "__pycache__"):  # corrupt every cache file
        with open(tmp_path / "__pycache__" / f, "wb") as fh:
            fh.write(b"\x00garbage")
    with open(tmp_path / modules[0], "w") as fh:
        fh.write("def program(:\n")  # a truncated module
    third = run()
    assert third[0] == first[0]


def _run_fresh_program(k):
    """Compile and run a program no other test makes (its constant is unique to `k`)."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [3])
        y = tf.tanh(x * (1000.0 + k + 0.123456)) + tf.reduce_sum(tf.sin(x))
        with tf.Session("cpu", graph=graph) as sess:
            return sess.run(y, {x: np.ones(3, np.float32)})


def test_compiled_programs_keep_no_typed_ir(tmp_path, monkeypatch):
    """jit_cache.GeneratedDispatcher: a compiled program keeps its machine code, not Numba's
    typed IR of it (held by the compile result for inspect_types: about 15,000 objects
    per program of the parity tests, for the life of the process)."""
    import gc
    from numba.core import ir
    monkeypatch.setenv("RNNGRAPH_CACHE_DIR", str(tmp_path))  # compile, don't load

    def blocks():  # type(), not isinstance(): that raises on a weak proxy whose object died
        gc.collect()
        return sum(type(o) is ir.Block for o in gc.get_objects())
    _run_fresh_program(0)
    before = blocks()
    for k in range(1, 4):
        _run_fresh_program(k)
    assert blocks() == before


def test_compiling_pauses_the_cyclic_gc(tmp_path, monkeypatch):
    """jit_cache.GeneratedDispatcher.compile: no garbage collection runs while Numba
    compiles a program (its many short-lived objects made every full collection walk the
    whole heap again), and the collector is on again afterwards."""
    import gc
    from numba.core import event
    monkeypatch.setenv("RNNGRAPH_CACHE_DIR", str(tmp_path))  # compile, don't load
    compiling, collections = [False], []

    class Listener(event.Listener):
        def on_start(self, ev):
            compiling[0] = True

        def on_end(self, ev):
            compiling[0] = False

    def count(phase, info):
        if phase == "start" and compiling[0]:
            collections.append(info["generation"])
    gc.callbacks.append(count)
    try:
        with event.install_listener("numba:compile", Listener()):
            _run_fresh_program(10)
    finally:
        gc.callbacks.remove(count)
    assert collections == [] and gc.isenabled()


def test_generated_code_compiles_with_the_lean_pipeline(tmp_path, monkeypatch):
    """numba_pipeline.GeneratedCompiler: a program compiles without the passes for code the
    emitter never writes, its LLVM function passes run at -O1 (Numba's opt level is back
    afterwards), and plain @njit code keeps Numba's own pipeline."""
    import numba
    from numba.core import codegen, config, event
    monkeypatch.setenv("RNNGRAPH_CACHE_DIR", str(tmp_path))  # compile, don't load
    passes, levels = {}, []
    original = codegen.CPUCodegen._function_pass_manager

    def recording(self, *args, **kwargs):
        levels.append(int(kwargs.get("opt", config.OPT)))
        return original(self, *args, **kwargs)
    monkeypatch.setattr(codegen.CPUCodegen, "_function_pass_manager", recording)

    class Listener(event.Listener):
        def on_start(self, ev):
            passes.setdefault(ev.data["qualname"].split(".")[-1], []).append(ev.data["name"].split(" [")[0])

        def on_end(self, ev):
            pass
    opt = int(config.OPT)
    with event.install_listener("numba:run_pass", Listener()):
        _run_fresh_program(20)
        program_levels = set(levels)
        levels.clear()
        numba.njit(lambda v: v + 1)(1)
    assert "rnngraph_cheap_function_passes" in passes["program"]
    assert "inline_closure_likes" not in passes["program"]
    assert "inline_closure_likes" in passes["<lambda>"]
    assert 1 in program_levels and set(levels) == {opt} and int(config.OPT) == opt


def test_a_cached_program_calling_lapack_runs_in_a_new_process(tmp_path):
    """jit_cache.py loads cached machine code without Numba's lowerings (nor SciPy's linalg
    they import); an orthogonal initializer's program calls LAPACK (kernels.qr), whose
    helper imports SciPy itself on first use: the second process loads the program from
    the cache, runs it, and gets an orthogonal matrix again."""
    script = textwrap.dedent("""
        import sys, numpy as np
        sys.path.insert(0, %r)
        import rnngraph as tf
        w = tf.get_variable("w", [6, 4], tf.float64, initializer=tf.orthogonal_initializer())
        with tf.Session("cpu") as s:
            s.run(tf.global_variables_initializer())
            v = s.run(w)
        print(bool(np.allclose(v.T @ v, np.eye(4))))
    """ % REPO)
    env = dict(os.environ, RNNGRAPH_CACHE_DIR=str(tmp_path), RNNGRAPH_INTERPRET_FIRST="0")
    for _ in range(2):
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert out.stdout.split() == ["True"]
    assert any(f.endswith(".nbi") for f in os.listdir(tmp_path / "__pycache__"))


def test_program_calls_its_outlined_loops_through_entry_points_also_when_cached(tmp_path):
    """native_call.py: a program with two loops calls them, and its large kernels (the
    TensorArrays' scatter and gather, the transposes), through its `fptrs` table (a slot per
    call site), the loops call theirs through their ranges of it (`ktab`), and no machine
    code holds a copy of a callee; a new process that loads the program from Numba's disk
    cache (no typing) finds the same callees in the cached entries and computes the same
    gradients."""
    script = textwrap.dedent("""
        import inspect, re, sys, numpy as np
        sys.path.insert(0, %r)
        import rnngraph as tf
        tf.set_random_seed(3)
        x = tf.placeholder(tf.float32, [2, 5, 3])
        out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(4), x, dtype=tf.float32)
        grads = tf.gradients(tf.reduce_sum(out * out), tf.trainable_variables())
        with tf.Session("cpu") as s:
            s.run(tf.global_variables_initializer())
            values = s.run(grads, {x: np.linspace(-1, 1, 30).reshape(2, 5, 3)})
        [program] = [m.program for n, m in list(sys.modules.items())
                     if n.startswith("rg_") and hasattr(m, "program")
                     and any(k.startswith("rg_") for k in vars(m))]
        assert "call_native(kernels.ta_scatter, fptrs" in inspect.getsource(program.py_func)
        [result] = program.overloads.values()
        defined = re.findall(r"^define .*(outlined|ta_scatter|ta_gather|transpose).*$",
                             result.library.get_llvm_str(), re.M)
        loops = [m.outlined for n, m in list(sys.modules.items()) if n.startswith("rg_")
                 and hasattr(m, "outlined") and "ktab" in m.outlined.py_func.__code__.co_varnames]
        assert loops and all("call_native(kernels." in inspect.getsource(f.py_func) for f in loops)
        defined += [d for f in loops for r in f.overloads.values() for d in re.findall(
            r"^define .*kernels.*(push_row|push_scalar|pack_panels|panel_matmul).*$",
            r.library.get_llvm_str(), re.M)]
        print(repr([round(float(np.sum(v)), 5) for v in values]),
              sum(program.stats.cache_hits.values()), len(defined))
    """ % REPO)
    env = dict(os.environ, RNNGRAPH_CACHE_DIR=str(tmp_path))

    def run():
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        values, hits, defined = out.stdout.rsplit(" ", 2)
        return values, int(hits), int(defined)
    first, second = run(), run()
    assert first[1:] == (0, 0) and second[1:] == (1, 0)
    assert second[0] == first[0] and "nan" not in first[0]


def test_failed_check_inside_an_outlined_loop_is_the_ops_error():
    """A check that fails in an outlined loop called through its entry point (native_call.py)
    propagates to the program and becomes the op's InvalidArgumentError."""
    i = tf.placeholder(tf.int32, [])
    params = tf.constant([1.0, 2.0, 3.0])
    _, first = tf.while_loop(lambda k, a: k < 2, lambda k, a: (k + 1, a + tf.gather(params, k)),
                             [0, 0.0])
    _, second = tf.while_loop(lambda k, a: k < 3,
                              lambda k, a: (k + 1, a * 2.0 + tf.gather(params, i)), [0, first])
    with tf.Session("cpu") as sess:
        assert "call_native(" in sess.lower(second, {i: 1}).compile("cpu").source()
        assert sess.run(second, {i: 1}) == ((3.0 * 2 + 2) * 2 + 2) * 2 + 2
        with pytest.raises(tf.errors.InvalidArgumentError, match="GatherV2"):
            sess.run(second, {i: 7})


def test_windowed_projection_kept_as_loop_state_is_not_overwritten():
    """When the planned product itself is carried to the next step (not only read by
    elementwise ops), it cannot live in the window buffer: it is a new array each step."""
    def build(tf):
        x = tf.placeholder(tf.float32, [5, 2, 3], name="x")
        w = tf.constant(np.random.RandomState(1).randn(7, 4).astype(np.float32) * 0.3)
        ta = tf.TensorArray(tf.float32, size=5).unstack(x)

        def body(t, h):
            return t + 1, tf.matmul(tf.concat([ta.read(t), h], 1), w)
        _, h = tf.while_loop(lambda t, h: t < 5, body, [tf.constant(0), tf.zeros([2, 4])],
                             parallel_iterations=2)
        return {"h": h}, {x: np.random.RandomState(0).randn(5, 2, 3)}
    assert_same(run_on("reference", build), run_on("cpu", build))


@pytest.mark.parametrize("rows_first", [True, False])
def test_loop_writes_its_tensor_array_element_in_place(rows_first, monkeypatch):
    """A loop's elementwise result that the body writes into its TensorArray is computed
    straight into the array's buffer (lower_tensor_array.write_in_place), and is still the
    next step's state: time-major outputs, the final state (fetched too, not sharing memory
    with them), a dynamic_size array that grows, and a second write to one index, which
    still fails as TF1's TensorArray does. A loop variable this small stays in its own
    array instead (lower_control.CARRIED_COPY_MAX; the write copies it): both ways."""
    from compiler.targets.cpu import lower_control
    if rows_first:
        monkeypatch.setattr(lower_control, "CARRIED_COPY_MAX", 0)

    def build(tf):
        x = tf.placeholder(tf.float32, [6, 3, 4], name="x")
        out, state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(5), x, dtype=tf.float32, time_major=True)
        grow = tf.TensorArray(tf.float32, size=1, dynamic_size=True)

        def body(t, h, ta):
            h = tf.tanh(h * 0.5 + tf.cast(t, tf.float32))
            return t + 1, h, ta.write(t, h)
        _, h, grown = tf.while_loop(lambda t, h, ta: t < 7, body, [tf.constant(0), tf.ones([2, 3]), grow])
        return {"out": out, "state": state, "h": h, "grown": grown.stack()}, \
            {x: np.random.RandomState(0).randn(6, 3, 4)}
    ref, got = run_on("reference", build), run_on("cpu", build)
    assert_same(ref, got)
    assert not np.shares_memory(got["out"], got["state"])
    src = cpu_source(build)
    assert src.count(".ctypes.data != ") == (2 if rows_first else 0)  # (a value not in place is stored)

    def twice():  # the index a loop variable that stays 0
        def body(t, k, ta):
            return t + 1, k, ta.write(k, tf.fill([2], tf.cast(t, tf.float32)) * 2.0)
        return tf.while_loop(lambda t, k, ta: t < 3, body,
                             [tf.constant(0), tf.constant(0), tf.TensorArray(tf.float32, 3)])[2].stack()
    ref, got = _error_on("reference", twice, lambda g: {}), _error_on("cpu", twice, lambda g: {})
    assert type(got) is type(ref) and got.message.split(" (inputs:")[0] == ref.message.split(" (inputs:")[0]


GRADIENT_CASES = ("dynamic_rnn.lstm.seqlen_max_below_time", "raw_rnn.docstring_loop", "while_loop.nested_while",
                  "cond.branches_capture_outer", "while_loop.counter_accumulator")


@pytest.mark.parametrize("name", GRADIENT_CASES)
def test_gradients_agree_with_reference(name):
    """The cpu target compiles gradient programs (forward loops saving per-iteration values,
    backward loops, gradient arrays, IndexedSlices accumulation) with no fallback, and they
    agree with the reference to 1e-6, closer than the TF1 goldens the gradient suites, which
    run on both targets, are held to."""
    def build(tf_module):
        fetches, feed = rnn_cases.CASES[name].build(tf_module)
        flat = [t for t in tf.nest.flatten(fetches) if tf.is_tensor(t) and t.dtype.is_floating]
        loss = tf.add_n([tf.reduce_sum(t * t) for t in flat])
        xs = [p for p in (feed or {}) if p.dtype.is_floating] + tf.trainable_variables()
        grads = [g.to_dense() if isinstance(g, tf.IndexedSlices) else g
                 for g in tf.gradients(loss, xs) if g is not None]
        return grads, feed
    ref = run_on("reference", build)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TargetFallbackWarning)
        got = run_on("cpu", build)
    assert_same(ref, got)


def _lstm_gradient_case(tf, bidirectional=False, fed_state=False, x_shape=(3, 6, 4),
                        constant_state=False):
    x = tf.placeholder(tf.float32, x_shape, name="x")
    lengths = tf.placeholder(tf.int32, [3], name="lengths")
    state = [tf.placeholder(tf.float32, [3, 5], name=n) for n in ("c", "h")] if fed_state else []
    if constant_state:
        state = [tf.constant(np.random.RandomState(k).randn(3, 5).astype(np.float32)) for k in (2, 3)]
    if bidirectional:
        (fw, bw), _ = tf.nn.bidirectional_dynamic_rnn(
            tf.nn.rnn_cell.LSTMCell(5, name="fw_cell"), tf.nn.rnn_cell.LSTMCell(5, name="bw_cell"), x,
            sequence_length=lengths, dtype=tf.float32)
        loss = tf.reduce_sum(fw * fw) + tf.reduce_sum(bw)
    else:
        out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(5), x, sequence_length=lengths,
                                   initial_state=tf.nn.rnn_cell.LSTMStateTuple(*state) if state else None,
                                   dtype=tf.float32, parallel_iterations=2)
        loss = tf.reduce_sum(out * out)
    grads = tf.gradients(loss, tf.trainable_variables() + [x] + (state if fed_state else []))
    feed = {x: np.random.RandomState(0).randn(3, 6, 4), lengths: [6, 2, 0]}
    feed.update((s, np.random.RandomState(1).randn(3, 5)) for s in state if fed_state)
    return grads, feed


def test_weight_gradients_are_one_product_after_the_backward_loop():
    """plan_loops.DeferredProduct: the backward loop adds each step's gate gradient into a
    buffer row and the kernel gradient is one product after the loop; the gate gradients
    are assembled by one Concat; same values as the reference (sequence lengths, a
    zero-length row, parallel_iterations=2)."""
    graph = tf.Graph()
    with graph.as_default():
        grads, feed = _lstm_gradient_case(tf)
        with tf.Session("cpu", graph=graph) as sess:
            src = sess.lower(grads, feed).compile("cpu").source()
    assert len(_kernel_calls(src, "add_into_panel_rows")) == 1 and len(_kernel_calls(src, "add_product_t")) == 1
    # optimize.assemble_slice_gradients: the gates' gradient is one Concat, not a sum of
    # four zero-padded StridedSliceGrads
    assert "= StridedSliceGrad(" not in src and src.count("= Concat(") >= 1
    # lower_control._hoist_invariant_weights: the step's `g @ W^T` multiplies by W^T
    # packed once before the loop
    assert len(re.findall(r"weight_t_panels = (?:call_native\()?kernels.pack_panels" + CALL + r"weight\w*\.T",
                          src)) == 1
    assert re.search(r"kernels.panel_matmul" + CALL + r"\w+, weight_t_panels, 9\b", src)
    # lower_control._save_in_place: the gates the gradient needs are written by the step's
    # loop straight into their saved stacks' rows, not copied there after it
    assert len(re.findall(r"= (saved_\d+)\[trips\] if trips < \1\.shape\[0\] else kernels\.empty", src)) >= 4
    assert_same(run_on("reference", _lstm_gradient_case), run_on("cpu", _lstm_gradient_case))


def test_identical_loops_share_one_outlined_function():
    """Both directions of a bidirectional RNN (same sizes) call one outlined forward loop and
    one outlined backward loop: the generated modules are named by a hash of their source."""
    graph = tf.Graph()
    with graph.as_default():
        grads, feed = _lstm_gradient_case(tf, bidirectional=True)
        with tf.Session("cpu", graph=graph) as sess:
            src = sess.lower(grads, feed).compile("cpu").source()
    program = src.split("\n# ---- ")[0]
    callees = src.split("\n# ---- ")[1:]
    loops = [c for c in callees if "while True:" in c]
    assert len(loops) == 2, [c.splitlines()[0] for c in callees]
    for c in loops:
        name = c.split(".py ----")[0]
        assert program.count("call_native(%s.outlined, fptrs, " % name) == 2
    assert_same(run_on("reference", lambda tf: _lstm_gradient_case(tf, True)),
                 run_on("cpu", lambda tf: _lstm_gradient_case(tf, True)))


def test_a_loop_shares_its_function_whatever_its_initial_state():
    """outline._bind_inputs: a While's constant inputs (here the zero state) are arguments
    like fed ones, so the LSTM gradient from a zero state and from a fed one call the same
    two outlined loops; and no outlined function makes a value on entry or takes an integer
    that its code never uses (Emitter.drop_unused: a StridedSlice's constant end and strides
    are read at compile time)."""
    loops = []
    for fed_state in (False, True):
        graph = tf.Graph()
        with graph.as_default():
            grads, feed = _lstm_gradient_case(tf, fed_state=fed_state)
            with tf.Session("cpu", graph=graph) as sess:
                src = sess.lower(grads, feed).compile("cpu").source()
        callees = src.split("\n# ---- ")[1:]
        loops.append(sorted(c.split(".py ----")[0] for c in callees if "while True:" in c))
        for callee in callees:
            body = callee.split("\n", 1)[1]
            for name in re.findall(r"^    (\w+) = ", body, re.M) + re.findall(r"\bI_INT\w*", body):
                assert len(re.findall(r"\b%s\b" % name, body)) > 1, (name, callee)
    assert len(loops[0]) == 2 and loops[0] == loops[1], loops
    assert_same(run_on("reference", lambda tf: _lstm_gradient_case(tf, fed_state=True)),
                 run_on("cpu", lambda tf: _lstm_gradient_case(tf, fed_state=True)))


def test_a_gradient_loop_is_one_compiled_function_however_its_inputs_came():
    """The LSTM gradient's two loops are the same code, compiled once (one signature each),
    whether the initial state is zeros, a constant (so its batch size, and the element
    shape of the outputs' TensorArray and its gradient array, were known when the graph
    was built) or fed: the gradient array's read check does not depend on what the graph
    knew, math_grad.sum_to makes one SumToShape either way, and the executable passes
    constants (read-only in the graph) writable."""
    from compiler.targets.cpu import cache
    loops = []
    for state in ("zero", "constant", "fed"):
        graph = tf.Graph()
        with graph.as_default():
            grads, feed = _lstm_gradient_case(tf, fed_state=state == "fed", x_shape=(None, None, 4),
                                              constant_state=state == "constant")
            with tf.Session("cpu", graph=graph) as sess:
                sess.run(tf.global_variables_initializer())
                sess.run(grads, feed)
                src = sess.lower(grads, feed).compile("cpu").source()
        loops.append(sorted(c.split(".py ----")[0] for c in src.split("\n# ---- ")[1:]
                            if "while True:" in c))
    assert len(loops[0]) == 2 and loops[0] == loops[1] == loops[2], loops
    for name in loops[0]:
        assert len(cache.generated(name).outlined.signatures) == 1, name


def _static_rnn_gradient_case(tf, steps=3):
    xs = [tf.placeholder(tf.float32, [2, 3], name="x%d" % t) for t in range(steps)]
    lengths = tf.placeholder(tf.int32, [2], name="lengths")
    outs, _ = tf.nn.static_rnn(tf.nn.rnn_cell.BasicRNNCell(4), xs, sequence_length=lengths,
                               dtype=tf.float32)
    loss = tf.add_n([tf.reduce_sum(o * o) for o in outs])
    rng = np.random.RandomState(5)
    feed = {x: rng.randn(2, 3).astype(np.float32) for x in xs}
    feed[lengths] = np.array([3, 1], np.int32)
    return tf.gradients(loss, tf.trainable_variables() + xs), feed


def test_kernels_are_compiled_once_whatever_constants_a_program_passes():
    """kernel_jit: the check ids, flags and shapes programs pass to kernels as constants are
    typed by their plain types, so no kernel is compiled per constant: two programs that
    number their checks differently call the same compiled ta_scatter_adopting and ta_gather."""
    from compiler.targets.cpu import kernels, panels
    from compiler.targets.cpu.kernel_jit import KernelDispatcher
    for n_checks in (0, 3):
        graph = tf.Graph()
        with graph.as_default():
            x = tf.placeholder(tf.float32, [2, 4, 3])
            checked = x
            for k in range(n_checks):  # Asserts number their checks before the arrays'
                with tf.control_dependencies([tf.Assert(tf.reduce_all(checked > -1e9), [checked])]):
                    checked = tf.identity(checked)
            out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(5), checked, dtype=tf.float32)
            with tf.Session("cpu", graph=graph) as sess:
                sess.run(tf.global_variables_initializer())
                sess.run(out, {x: np.ones((2, 4, 3), np.float32)})
                source = sess.lower(out, {x: np.ones((2, 4, 3))}).compile().source()
                assert _kernel_calls(source, "ta_scatter_adopting")  # (which calls ta_scatter)
    dispatchers = [d for m in (kernels, panels) for d in vars(m).values() if isinstance(d, KernelDispatcher)]
    assert kernels.ta_scatter_adopting in dispatchers and kernels.ta_gather.signatures
    literal = [(d.py_func.__name__, str(sig)) for d in dispatchers for sig in d.signatures
               if "Literal" in str(sig)]
    assert not literal, literal


def test_outlined_functions_take_small_constants_packed():
    """outline.packed_constants: the program and the per-step Conds of static_rnn take their
    small 1-D constants (shapes, the callees' ids) as one buffer per dtype, sliced on entry,
    instead of one argument each; a Cond's constant inputs (shapes the forward pass folded)
    are its own constants, not arguments; the steps between the first and the last still
    share their functions (their Conds return the same values), and the gradients agree."""
    four_steps = functools.partial(_static_rnn_gradient_case, steps=4)
    graph = tf.Graph()
    with graph.as_default():
        grads, feed = four_steps(tf)
        with tf.Session("cpu", graph=graph) as sess:
            src = sess.lower(grads, feed).compile("cpu").source()
    program, callees = src.split("\n# ---- ")[0], src.split("\n# ---- ")[1:]
    slices = re.findall(r"^    \w+ = packed_int(?:32|64)\[\d+:\d+\]$", program, re.M)
    assert len(slices) >= 6, program
    assert not re.search(r"def program\([^)]*const_ids", program)  # the callees' ids are packed
    calls = re.findall(r"(rg_\w+)\.outlined\b", program)
    assert len(calls) > len(set(calls))  # steps still share their functions
    assert_same(run_on("reference", four_steps), run_on("cpu", four_steps))


def test_conds_return_only_the_values_something_reads():
    """optimize._prune_cond: the gradient saves values of each static_rnn step's Cond as
    extra outputs; the shapes among them fold to constants in the gradient's branch, and the
    forward Conds stop returning them (they returned 40 arrays per step, most of them
    these). Every Cond output left is read, and the gradients agree."""
    from compiler.optimize import _used_values
    graph = tf.Graph()
    with graph.as_default():
        grads, feed = _static_rnn_gradient_case(tf)
        with tf.Session("cpu", graph=graph) as sess:
            program = sess.lower(grads, feed).optimized()
    conds = [n for n in program.nodes if n.type == "Cond"]
    assert len(conds) == 6
    used = _used_values(program)
    assert all(v.id in used for n in conds for v in n.outputs)
    assert_same(run_on("reference", _static_rnn_gradient_case),
                 run_on("cpu", _static_rnn_gradient_case))


def test_outlined_functions_have_no_python_entry_and_refuse_python_calls():
    """callee_jit.py: outlined functions are compiled without a CPython wrapper (only the
    program calls them, natively); a call from Python is a TypeError naming the function,
    never a jump to the missing wrapper. The program still runs them."""
    from compiler.targets.cpu import cache
    graph = tf.Graph()
    with graph.as_default():
        grads, feed = _static_rnn_gradient_case(tf)
        with tf.Session("cpu", graph=graph) as sess:
            executable = sess.lower(grads, feed).compile("cpu")
            src = executable.source()
            sess.run(tf.global_variables_initializer())
            values = sess.run(grads, feed)
    program = src.split("\n# ---- ")[0]
    names = sorted(set(re.findall(r"(rg_\w+)\.outlined\b", program)))
    assert names and "@program_njit(" in program
    for name in names:
        function = cache.generated(name).outlined
        assert function.targetoptions["no_cpython_wrapper"] is True
        assert all(cres.entry_point is None or not cres.library.get_pointer_to_function(
            cres.fndesc.llvm_cpython_wrapper_name) for cres in function.overloads.values())
        with pytest.raises(TypeError, match="%s.outlined is part of a generated program" % name):
            function(np.zeros(3))
    assert all(np.all(np.isfinite(v)) for v in values)

@pytest.mark.parametrize("pieces", ["masks", "negative", "gap", "overlap"])
def test_sums_of_slice_gradients_agree_with_reference(pieces):
    """optimize.assemble_slice_gradients turns tiling slices' gradients into one Concat and
    leaves the others (a gap or an overlap) as they are: both agree with the reference."""
    def build(tf):
        x = tf.placeholder(tf.float32, [3, 7], name="x")
        if pieces == "masks":
            parts = [x[:, :2], x[:, 2:5], x[:, 5:]]
        elif pieces == "negative":
            parts = [x[:, -7:-4], x[:, -4:]]
        elif pieces == "gap":
            parts = [x[:, :2], x[:, 3:]]
        else:
            parts = [x[:, :4], x[:, 3:]]
        loss = tf.add_n([tf.reduce_sum(tf.sin(p) * (k + 1.0)) for k, p in enumerate(parts)])
        return tf.gradients(loss, [x]), {x: np.random.RandomState(2).randn(3, 7)}
    assert_same(run_on("reference", build), run_on("cpu", build))


def test_loop_invariant_matrix_is_packed_once_before_the_loop():
    """lower_control._hoist_invariant_weights: `h @ W` in a while body, W a loop-invariant
    variable (no windowed projection: no TensorArray input), multiplies by W packed once
    before the loop; the gradient step's `g @ W^T` likewise. Same values as the reference."""
    def build(tf):
        h0 = tf.placeholder(tf.float64, [3, 40], name="h0")  # float64: exact comparison
        w = tf.get_variable("w", [40, 40], tf.float64,
                            initializer=tf.random_normal_initializer(stddev=0.2))
        _, h = tf.while_loop(lambda i, h: i < 5, lambda i, h: (i + 1, tf.tanh(h @ w)),
                             [tf.constant(0), h0])
        return [h] + tf.gradients(tf.reduce_sum(h * h), [w, h0]), {
            h0: np.random.RandomState(3).randn(3, 40)}
    graph = tf.Graph()
    with graph.as_default():
        fetches, feed = build(tf)
        with tf.Session("cpu", graph=graph) as sess:
            src = sess.lower(fetches, feed).compile("cpu").source()
    forward = re.search(r"weight_panels\w* = (?:call_native\()?kernels.pack_panels" + CALL + r"weight\w*\b",
                        src)
    assert forward and forward.start() < src.index("while True:")
    assert re.search(r"kernels.panel_matmul" + CALL + r"\w+, weight_panels\w*, 40\b", src)
    assert re.search(r"weight_t_panels\w* = (?:call_native\()?kernels.pack_panels" + CALL + r"weight\w*\.T", src)
    assert_same(run_on("reference", build), run_on("cpu", build))


def test_unneeded_columns_of_a_backward_product_are_not_computed():
    """optimize.narrow_sliced_products: without the input's gradient, the backward step
    multiplies the gate gradient by the kernel's recurrent rows only (a view W[4:9], which
    the loop transposes once before it starts)."""
    def build(tf):
        x = tf.placeholder(tf.float32, [3, 6, 4], name="x")
        out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(5), x, dtype=tf.float32)
        grads = tf.gradients(tf.reduce_sum(out * out), tf.trainable_variables())
        return grads, {x: np.random.RandomState(0).randn(3, 6, 4)}
    graph = tf.Graph()
    with graph.as_default():
        grads, feed = build(tf)
        with tf.Session("cpu", graph=graph) as sess:
            src = sess.lower(grads, feed).compile("cpu").source()
    assert re.search(r"weight_rows\w* = weight\w*\[4:9\]\n", src)
    assert_same(run_on("reference", build), run_on("cpu", build))


@pytest.mark.parametrize("shape", [(1, 1), (1, 3), (3, 1)])
def test_matmul_of_reversed_single_row_or_column(shape):
    """x[::-1] of one row has a negative row stride that NumPy and Numba keep (the array
    still counts as contiguous): BLAS must get the row length as leading dimension, not
    that stride (it rejected it and left the product zero)."""
    def build(tf):
        x = tf.placeholder(tf.float32, shape)
        t = x[::-1]
        return {"xt": tf.matmul(t, tf.transpose(t)), "tx": tf.matmul(tf.transpose(t), t)}, {
            x: np.arange(1, 1 + np.prod(shape), dtype=np.float32).reshape(shape)}
    assert_same(run_on("reference", build), run_on("cpu", build))


def test_cached_programs_are_keyed_by_the_kernels_source():
    """A program embeds the kernels it calls, calls its outlined functions the way
    native_call.py does, counts references as borrowed_arguments.py lowers it and launches
    threads with the code omp_parts.py generates in it: changing any of those must change
    every cache name, or a cached program would keep running the old code."""
    from compiler.targets.cpu import cache
    digest = cache.hashlib.sha256()
    for name in ("kernels.py", "panels.py", "native_call.py", "borrowed_arguments.py", "omp_parts.py"):
        with open(cache.os.path.join(cache.os.path.dirname(cache.__file__), name), "rb") as f:
            digest.update(f.read())
    assert "kernels=%s" % digest.hexdigest()[:16] in cache.VERSION_KEY


def _whiles(lowered):
    return [n for n in lowered.optimized().nodes if n.type == "While"]


@pytest.mark.parametrize("compare, expected", [("less", 7), ("less_equal", 8), ("data", None)])
def test_static_trip_count(compare, expected):
    """A loop whose condition is counters against constants has a trip count known before
    it runs (its saved stacks are allocated at that size); one that depends on data has not."""
    from compiler.plan_loops import static_trip_count
    x = tf.placeholder(tf.float32, [3])
    conds = {"less": lambda i, j, v: tf.logical_and(i < 9, j < 12),
             "less_equal": lambda i, j, v: i <= 9,
             "data": lambda i, j, v: tf.logical_and(i < 9, tf.reduce_sum(v) < 100.0)}
    _, _, out = tf.while_loop(conds[compare], lambda i, j, v: (i + 1, j + 1, v * 1.5),
                              [tf.constant(2), tf.constant(5), x])
    with tf.Session("cpu") as sess:
        (loop,) = _whiles(sess.lower(out, {x: np.ones(3, np.float32)}))
    assert static_trip_count(loop) == expected


def test_saved_stacks_of_a_counted_loop_are_allocated_at_their_final_size():
    tf.set_random_seed(3)
    x = tf.placeholder(tf.float32, [2, 6, 3])
    out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(4), x, dtype=tf.float32)
    grads = tf.gradients(tf.reduce_sum(out), tf.trainable_variables())
    feed = {x: np.ones((2, 6, 3), np.float32)}
    with tf.Session("cpu") as sess:
        sess.run(tf.global_variables_initializer())
        src = sess.lower(grads, feed).compile().source()
        assert re.search(r"saved\w* = kernels.empty\(\(np.int64\(6\), np.int64\(2\), np.int64\(4\), \)", src)
        got = sess.run(grads, feed)
    with tf.Session("reference") as sess:
        sess.run(tf.global_variables_initializer())
        for a, b in zip(got, sess.run(grads, feed)):
            np.testing.assert_allclose(a, b, rtol=1e-5)


def test_a_programs_only_loop_is_inlined():
    """outline.py: the one While of a forward RNN program is not outlined (nothing could
    share it); a program with two loops outlines both."""
    x = tf.placeholder(tf.float32, [2, 5, 3])
    out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.BasicRNNCell(4), x, dtype=tf.float32)
    loss = tf.reduce_sum(out)
    feed = {x: np.ones((2, 5, 3), np.float32)}
    with tf.Session("cpu") as sess:
        forward = sess.lower(out, feed).compile().source()
        training = sess.lower(tf.gradients(loss, tf.trainable_variables()), feed).compile().source()
    assert ".outlined" not in forward and "while True:" in forward
    assert training.count("\n# ---- ") == 2


@pytest.mark.parametrize("k, n, dtype", [(1, 3, "float32"), (7, 5, "float32"), (8, 16, "float64"),
                                         (130, 33, "float64")])
def test_one_row_products(k, n, dtype):
    """kernels._row_times_matrix (one-row products, beta 0 and 1) agrees with the reference
    (float64 for the long sums: float32 ones differ by their order of additions)."""
    def build(tf):
        a = tf.placeholder(getattr(tf, dtype), [1, k])
        w = tf.placeholder(getattr(tf, dtype), [k, n])
        rng = np.random.RandomState(k)
        return {"aw": tf.matmul(a, w), "aw_plus": tf.matmul(a, w) + tf.matmul(a * 2.0, w)}, {
            a: rng.randn(1, k), w: rng.randn(k, n)}
    assert_same(run_on("reference", build), run_on("cpu", build))


@pytest.mark.parametrize("shape, perm", [((64, 48, 50), (1, 0, 2)), ((64, 48, 50), (2, 1, 0)),
                                         ((64, 48, 50), (0, 2, 1)), ((8, 6, 40, 70), (2, 0, 3, 1)),
                                         ((2, 70000), (1, 0)), ((140000, 1), (1, 0)), ((5, 7, 3), (1, 0, 2))])
def test_transposes_copy_the_same_on_numbas_threads_and_on_one(shape, perm):
    """kernels.transpose splits a large copy (TRANSPOSE_THREADED_MIN elements) into ranges
    of runs, each started from its own index: the same array as NumPy's transpose, also for
    runs with a stride, fewer runs than parts and a small array (always one thread)."""
    from compiler.targets.cpu import kernels
    x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    expected = np.ascontiguousarray(x.transpose(perm))
    for threaded in (True, False):
        got = kernels.transpose(x, perm, expected.shape, threaded)
        assert got.flags.c_contiguous
        np.testing.assert_array_equal(got, expected)


def test_large_results_never_alias_feeds_variables_constants_or_each_other():
    """CpuExecutable._owned returns a large result the program allocated as it is, and
    copies one that could share memory with what the caller or the session holds."""
    n = (1 << 20) // 4 + 16  # float32 results above COPY_RESULTS_BELOW
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [n])
        v = tf.Variable(np.ones(n, np.float32))
        k = tf.constant(np.full(n, 2.0, np.float32))
        fresh = x * 3.0
        fetches = [x, tf.identity(x), tf.reshape(x, [n // 4, 4]), v.value(), k, fresh, fresh]
        with tf.Session("cpu", graph=graph) as sess:
            sess.run(tf.global_variables_initializer())
            feed = np.arange(n, dtype=np.float32)
            results = sess.run(fetches, {x: feed})
            for r in results:
                r[...] = -7.0  # the caller owns every result
            assert (feed == np.arange(n, dtype=np.float32)).all()
            again = sess.run(fetches, {x: feed})
    np.testing.assert_array_equal(again[3], np.ones(n, np.float32))
    np.testing.assert_array_equal(again[4], np.full(n, 2.0, np.float32))
    np.testing.assert_array_equal(again[5], feed * 3.0)
    assert again[5] is again[6]  # one tensor fetched twice is one array, as in TF1
    for i, a in enumerate(again[:6]):
        for b in again[i + 1:6]:
            assert not np.may_share_memory(a, b)


def test_perf_map_names_the_generated_functions(monkeypatch, tmp_path):
    """perf_map.py: with RNNGRAPH_PERF_MAP=1 a program's first run writes
    /tmp/perf-<pid>.map, in which perf finds the generated program and the kernels."""
    from compiler.targets.cpu import perf_map
    path = "/tmp/perf-%d.map" % os.getpid()
    monkeypatch.setenv("RNNGRAPH_PERF_MAP", "1")
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [3, 7])
        y = tf.reduce_sum(tf.tanh(x) * 1.25 + x, axis=1)  # a program no other test builds
        with tf.Session("cpu", graph=graph) as sess:
            sess.run(y, {x: np.ones((3, 7), np.float32)})
    try:
        lines = open(path).read().splitlines()
    finally:
        os.remove(path)
    assert lines and all(re.fullmatch(r"[0-9a-f]+ [0-9a-f]+ \S+", line) for line in lines)
    assert any("rg_" in line and "program" in line for line in lines)
    assert any("kernels" in line for line in lines)
    assert perf_map.write_perf_map(str(tmp_path / "map")) == len(open(tmp_path / "map").read().splitlines())


def test_a_variable_is_checked_initialized_once_in_straight_line_code():
    """emitter.check_initialized: after a check outside every loop and branch, later reads
    of the same variable are not checked again; reading it uninitialized still fails."""
    v = tf.Variable(np.ones(3, np.float32), name="v")
    with tf.control_dependencies([tf.assign_add(v, np.ones(3, np.float32))]):
        z = v * 2.0 + v * 3.0 + tf.reduce_sum(v)  # each read after the update
    with tf.Session("cpu") as sess:
        source = sess.lower(z).compile().source()
        with pytest.raises(tf.errors.FailedPreconditionError, match="uninitialized value v"):
            sess.run(z)
        sess.run(v.initializer)
        np.testing.assert_allclose(sess.run(z), [16.0, 16.0, 16.0])
    assert len(re.findall(r"if not var_init\[\d+\]", source)) == 1


@pytest.mark.parametrize("target", ["reference", "cpu"])
def test_assign_checks_only_shapes_not_known_to_agree(target):
    """lower_assign: a value whose specialized shape is the variable's is assigned without
    a run-time check; a fed value of another shape is still an InvalidArgumentError (from
    specialization, which sees the fed shape, on both targets)."""
    v = tf.Variable(np.zeros(3, np.float32), name="v")
    p = tf.placeholder(tf.float32, [None])
    from_feed = tf.assign(v, p)
    static = tf.assign(v, tf.ones([3]) * 2.0)
    with tf.Session(target) as sess:
        sess.run(v.initializer)
        np.testing.assert_allclose(sess.run(from_feed, {p: [1.0, 2.0, 3.0]}), [1.0, 2.0, 3.0])
        with pytest.raises(tf.errors.InvalidArgumentError, match=r"(?s)\[3\] vs \[4\].*node Assign"):
            sess.run(from_feed, {p: [1.0, 2.0, 3.0, 4.0]})
        np.testing.assert_allclose(sess.run(static), [2.0, 2.0, 2.0])
        if target == "cpu":
            assert ".shape[0] != 3" not in sess.lower(static).compile().source()


@pytest.mark.parametrize("target", ["reference", "cpu"])
def test_a_shape_a_cond_saves_for_its_gradient_is_a_constant_there(target):
    """specialize._cond_specs: the gradient of a broadcasting op in a branch sums to the
    shape the branch saved; known from the feeds, it folds in the gradient's branch, which
    then needs no run-time SumToShape (the unrolled static_rnn gradient's size and compile
    time). The values agree on both targets and on both sides of the cond."""
    x = tf.placeholder(tf.float32, [None, 4])
    pred = tf.placeholder(tf.bool, [])
    y = tf.Variable(np.arange(4, dtype=np.float32), name="y")
    z = tf.cond(pred, lambda: tf.tanh(x * y), lambda: x + 0.0 * y)
    g, = tf.gradients(tf.reduce_sum(z * z), [y])
    xv = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
    with tf.Session(target) as sess:
        sess.run(y.initializer)
        t = np.tanh(xv * np.arange(4))
        np.testing.assert_allclose(sess.run(g, {x: xv, pred: True}),
                                   (2 * t * (1 - t * t) * xv).sum(0), rtol=1e-5)
        np.testing.assert_allclose(sess.run(g, {x: xv, pred: False}), np.zeros(4), atol=1e-6)
        if target == "cpu":
            assert "sum_to_shape" not in sess.lower(g, {x: xv, pred: True}).compile().source()


@pytest.mark.parametrize("swap", [False, True])
def test_loop_variables_swapped_kept_and_updated(swap):
    """A loop's carried values are assigned one by one, except where a new value reads one
    assigned before it (a swap: a tuple assignment); a value the body passes through is
    not assigned at all. Both agree with the reference."""
    def build(tf):
        a = tf.placeholder(tf.float32, [3], name="a")
        b = tf.placeholder(tf.float32, [3], name="b")
        keep = tf.placeholder(tf.float32, [3], name="keep")
        outs = tf.while_loop(lambda i, x, y, k: i < 5,
                             lambda i, x, y, k: (i + 1, y, x, k) if swap else (i + 1, y * 2.0, x + k, k),
                             [tf.constant(0), a, b, keep])
        rng = np.random.RandomState(3)
        return {"outs": outs[1:]}, {a: rng.randn(3), b: rng.randn(3), keep: rng.randn(3)}
    assert_same(run_on("reference", build), run_on("cpu", build))
    src = cpu_source(build)
    body = src[src.index("while True:"):src.index("return")]
    stores = re.findall(r"\n\s*(loop_\w+(?:, loop_\w+)*) = ", body)
    assert [s for s in stores if "," in s] == (["loop_while_0, loop_while_1, loop_while_2"] if swap else [])
    assert "loop_while_3" not in " ".join(stores)


@pytest.mark.parametrize("fed_trip_count", [False, True])
def test_training_loop_saves_rows_without_push_row_when_its_trip_count_is_static(fed_trip_count):
    """A training forward loop with a static trip count (dynamic_rnn over a known time)
    allocates its saved stacks at their final size and fills them in place or by loop
    nests (no push_row, no growth); one whose trip count is fed grows them. Gradients
    agree with the reference both ways."""
    def build(tf):
        x = tf.placeholder(tf.float32, [2, 6, 3], name="x")
        feed = {x: np.random.RandomState(1).randn(2, 6, 3)}
        if fed_trip_count:
            n = tf.placeholder(tf.int32, [], name="n")
            feed[n] = 5
            w = tf.Variable(np.random.RandomState(2).randn(3, 3).astype(np.float32) * 0.5)
            _, out = tf.while_loop(lambda i, h: i < n, lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w) + x[:, 0])),
                                   [tf.constant(0), x[:, 1]])
        else:
            out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(4), x, dtype=tf.float32)
        loss = tf.reduce_sum(out * out)
        return {"grads": tf.gradients(loss, [x] + tf.trainable_variables())}, feed
    assert_same(run_on("reference", build), run_on("cpu", build), rtol=1e-5, atol=1e-5)
    src = cpu_source(build)
    assert bool(_kernel_calls(src, "push_row")) == fed_trip_count


@pytest.mark.parametrize("case", ["one", "two_outputs", "shifted"])
def test_a_loop_nest_overwrites_the_carried_array_it_alone_reads(case):
    """lower_control.carried_in_place: a loop variable whose new value one loop nest
    computes, reading the old value only at the point it writes, is updated in the
    variable's own array (a copy of the initial value, which stays untouched): so are both
    variables of a loop nest with two outputs (each read before either is written), not
    one whose new value reads it at other points (a rotation). All agree with the
    reference."""
    def build(tf):
        a = tf.placeholder(tf.float32, [4], name="a")
        b = tf.placeholder(tf.float32, [4], name="b")
        if case == "one":
            body = lambda i, x, y: (i + 1, tf.tanh(x) * 0.5 + x, y)  # noqa: E731
        elif case == "two_outputs":
            def body(i, x, y):  # one loop: both outputs read the same tanh(x)
                d = tf.tanh(x) * 0.5
                return i + 1, d + y, d - y
        else:
            body = lambda i, x, y: (i + 1, tf.concat(  # noqa: E731
                [tf.slice(x, [2], [2]) * 1.5, tf.slice(x, [0], [2]) * 1.5], 0), y)
        outs = tf.while_loop(lambda i, x, y: i < 3, body, [tf.constant(0), a, b])
        return {"outs": outs[1:]}, {a: FEED_A, b: FEED_B}
    FEED_A = np.array([0.5, -1.0, 2.0, 0.25], np.float32)
    FEED_B = np.array([1.0, 0.5, -0.5, 2.0], np.float32)
    a0, b0 = FEED_A.copy(), FEED_B.copy()
    assert_same(run_on("reference", build), run_on("cpu", build))
    np.testing.assert_array_equal(FEED_A, a0)
    np.testing.assert_array_equal(FEED_B, b0)
    src = cpu_source(build)
    owned = re.findall(r"(loop_\w+) = \(\w+\)\.copy\(\)", src)
    assert owned == {"one": ["loop_while_1"], "two_outputs": ["loop_while_1", "loop_while_2"], "shifted": []}[case]
    body = src[src.index("while True:"):src.index("return")]
    for slot in owned:  # written where it is, never assigned in the loop
        assert re.search(r"\n\s*%s = " % slot, body) is None
        assert re.search(r"\n\s*%s\[i\] = " % slot, body)


@pytest.mark.parametrize("input_gradient", [True, False])
def test_an_lstm_training_step_reads_saved_rows_in_place_and_allocates_less(input_gradient):
    """The LSTM's training program: the backward loop reads each saved value's row where
    the stack holds it (no view, no begin array for the slice: Emitter.lazy), updates its
    state gradients in place (carried_in_place; without the input's gradient the product
    by the weights is the h gradient, computed into its array), as the forward loop does
    its c (saved as it enters the step), and neither loop allocates
    a TensorArray buffer in its body (lower_tensor_array.allocated). Gradients agree with
    the reference."""
    def build(tf):
        x = tf.placeholder(tf.float32, [2, 5, 3], name="x")
        out, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(4), x, dtype=tf.float32)
        loss = tf.reduce_sum(out * out)
        return {"grads": tf.gradients(loss, [x] * input_gradient + tf.trainable_variables())}, \
            {x: np.random.RandomState(5).randn(2, 5, 3)}
    assert_same(run_on("reference", build), run_on("cpu", build), rtol=1e-5, atol=1e-5)
    src = cpu_source(build)
    loops = [part[part.index("while True:"):] for part in src.split("# ---- ")[1:] if "while True:" in part]
    assert len(loops) == 2
    forward, backward = loops
    row = r"arg\d+\[\(idx\w* if idx\w* >= 0 else idx\w* \+ arg\d+\.shape\[0\]\)"
    assert len(re.findall(r"\n\s*\w+ = %s\]\n" % row, backward)) == 1  # the step's index, a scalar
    assert len(re.findall(r"= %s, i0, i1\]" % row, backward)) == 6  # six saved values read in their stacks
    assert "kernels.full((np.int64(1), )" not in backward
    assert "= (arg2).copy()" in src  # a state gradient, updated in place
    # the forward loop's c too: saved as it enters the step, then overwritten by the cell
    saved_c = re.search(r"\n\s*saved_\d+\[trips, r, r_2\] = (t_while_\d+)\[r, r_2\]", forward)
    assert saved_c and forward.index("%s[i0, i1] = " % saved_c.group(1)) > saved_c.start()
    assert bool(re.search(r"kernels\.panel_product\(\w+, weight_t_panels, while_grad_\d, False\)", backward)) \
        != input_gradient
    for loop in loops:
        assert ".shape[0] == 0:" not in loop and "shape[0] < " not in loop


def test_a_lazy_row_is_read_through_its_array_until_a_line_rebinds_the_array():
    """Emitter.lazy: a row not yet taken as a view is read through its array (row_of); a
    line that names it takes the view, at the place where the row was made; once the array
    or the index is rebound (or a while loop begins), row_of refuses."""
    from compiler.targets.cpu.emitter import Emitter
    e = Emitter()
    row = e.lazy("r", "m[k]", ("m", "k"))
    placeholder = len(e.lines) - 1
    assert e.row_of(row) == ("m", "k") and e.lines[placeholder] == ""
    e.line("x = m[k, 0]")
    assert e.lines[placeholder] == ""
    e.line("k += 1")
    assert e.row_of(row) is None
    e.line("y = %s[0]" % row)
    assert e.lines[placeholder].strip() == "%s = m[k]" % row
    other = e.lazy("s", "m[j]", ("m", "j"))
    with e.block("while True:"):
        assert e.row_of(other) is None


def test_cached_machine_code_is_keyed_by_the_numba_settings_that_change_it(monkeypatch):
    """jit_cache.LoadOnlyCache: code compiled under NUMBA_ENABLE_PROFILING=1 (how perf sees
    JIT code; it left an LSTM's cell loop unvectorized) or at another optimization level
    is a different cache entry, never loaded by a run without those settings."""
    import numba
    from numba.core import config
    from numba.core.registry import cpu_target
    from compiler.targets.cpu.jit_cache import LoadOnlyCache

    def plus_one(x):
        return x + 1
    cache = LoadOnlyCache(plus_one)
    codegen = cpu_target.target_context.codegen()
    key = cache._index_key((numba.float64,), codegen)
    assert cache._index_key((numba.float64,), codegen) == key
    monkeypatch.setattr(config, "ENABLE_PROFILING", not config.ENABLE_PROFILING)
    assert cache._index_key((numba.float64,), codegen) != key
    monkeypatch.undo()
    monkeypatch.setattr(config, "OPT", 0)
    assert cache._index_key((numba.float64,), codegen) != key
