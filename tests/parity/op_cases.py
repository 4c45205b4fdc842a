"""Op parity cases shared by the TensorFlow golden generator and the rnngraph tests.

This module never imports TensorFlow.  Every case is a function ``build(tf)``
that receives *a module implementing the tf.compat.v1 API* (the real
``tensorflow.compat.v1`` when goldens are generated, ``rnngraph`` in the test
suite), builds a graph in the current default graph and returns
``(fetches, feed_dict)``:

* ``fetches``   -- dict ``str -> Tensor`` (or Variable),
* ``feed_dict`` -- dict ``placeholder -> numpy array`` (may be empty).

Case kinds
----------
``kind="exact"``  every fetch is compared element-wise with
                  ``np.allclose(got, golden, rtol, atol, equal_nan=True)`` for
                  floats and ``np.array_equal`` for ints / bools; dtype and
                  shape must match exactly.
``kind="stats"``  the case is random (initializers, random ops, dropout).  Each
                  fetch has a *summary kind* (``Case.summaries``), and only the
                  summary produced by :func:`summarize` is stored / compared
                  (``abs(got - golden) <= atol + rtol * abs(golden)``).  A
                  fetch whose summary kind is ``"exact"`` is compared like in
                  an exact case, one whose kind is ``"ref"`` is only an input
                  of another fetch's summary (not stored, dtype/shape checked).

Use :func:`run_case` to execute a case with either implementation and
:func:`check_case` to compare the outputs with the stored goldens (see
``tests/parity/README.md``).
"""

import collections
import zlib

import numpy as np

Case = collections.namedtuple("Case", "name build kind rtol atol summaries")

CASES = collections.OrderedDict()  # name -> Case


def case(name, kind="exact", rtol=1e-6, atol=1e-6, summaries=None):
    """Decorator registering ``build(tf)`` as parity case ``name``.

    ``summaries`` (stats cases only) maps fetch name -> summary spec, where a
    spec is a summary kind string (see ``STAT_NAMES``) or a tuple
    ``(kind, ref_fetch_name)`` for summaries that need a second fetch (dropout).
    Fetches not listed default to ``"exact"``.
    """
    if kind not in ("exact", "stats"):
        raise ValueError("bad case kind %r" % (kind,))

    def deco(fn):
        if name in CASES:
            raise ValueError("duplicate parity case %r" % name)
        if "/" in name or "@" in name:
            raise ValueError("case names may not contain '/' or '@': %r" % name)
        CASES[name] = Case(name, fn, kind, rtol, atol, dict(summaries or {}))
        return fn

    return deco


# ---------------------------------------------------------------------------
# Summaries for random outputs
# ---------------------------------------------------------------------------

STAT_NAMES = {
    # bounded distributions (uniform, truncated normal, glorot uniform, ints)
    "bounded": ("mean", "std", "min", "max", "q10", "q50", "q90"),
    # unbounded distributions (normal, orthogonal entries): min/max are too
    # noisy to compare, so only moments and central quantiles.
    "unbounded": ("mean", "std", "q10", "q50", "q90"),
    # integer-valued distributions: quantiles jump between integers, so use
    # the frequencies of the extreme values instead.
    "discrete": ("mean", "std", "min", "max", "p_min", "p_max"),
    # dropout output y with its input x as ref: keep rate (fraction of y != 0)
    # and the ratio y/x over the kept elements (must be exactly 1/keep_prob).
    "dropout": ("keep_rate", "scale_mean", "scale_min", "scale_max"),
    # dropout with noise_shape=[N, 1]: same plus the fraction of rows whose
    # mask is constant along the last axis (must be 1.0).
    "dropout_rows": ("keep_rate", "scale_mean", "scale_min", "scale_max",
                     "row_consistency"),
}


def summarize(kind, value, ref=None):
    """Summary statistics (float64 vector, order given by STAT_NAMES[kind])."""
    if kind == "exact":
        return np.asarray(value)
    v = np.asarray(value, dtype=np.float64)
    if kind in ("bounded", "unbounded"):
        flat = v.ravel()
        q10, q50, q90 = np.quantile(flat, [0.1, 0.5, 0.9])
        if kind == "bounded":
            stats = [flat.mean(), flat.std(), flat.min(), flat.max(), q10, q50, q90]
        else:
            stats = [flat.mean(), flat.std(), q10, q50, q90]
        return np.asarray(stats, dtype=np.float64)
    if kind == "discrete":
        flat = v.ravel()
        lo, hi = flat.min(), flat.max()
        stats = [flat.mean(), flat.std(), lo, hi, np.mean(flat == lo), np.mean(flat == hi)]
        return np.asarray(stats, dtype=np.float64)
    if kind in ("dropout", "dropout_rows"):
        if ref is None:
            raise ValueError("summary kind %r needs a ref fetch" % kind)
        x = np.asarray(ref, dtype=np.float64)
        if x.shape != v.shape:
            raise ValueError("dropout output shape %s != input shape %s" % (v.shape, x.shape))
        kept = v != 0
        ratio = v[kept] / x[kept]
        stats = [kept.mean(), ratio.mean(), ratio.min(), ratio.max()]
        if kind == "dropout_rows":
            k2 = kept.reshape(-1, kept.shape[-1])
            stats.append(np.mean(np.all(k2 == k2[:, :1], axis=1)))
        return np.asarray(stats, dtype=np.float64)
    raise ValueError("unknown summary kind %r" % (kind,))


def fetch_summary_kind(case_, fetch):
    """(summary kind, ref fetch name or None) for one fetch of a case."""
    spec = case_.summaries.get(fetch, "exact")
    if isinstance(spec, tuple):
        return spec[0], spec[1]
    return spec, None


def summarize_outputs(case_, outputs):
    """Map fetch name -> array to store/compare (``ref`` fetches are dropped)."""
    result = {}
    for name, value in outputs.items():
        kind, ref = fetch_summary_kind(case_, name)
        if kind == "ref":
            continue
        result[name] = summarize(kind, value, None if ref is None else outputs[ref])
    return result


# ---------------------------------------------------------------------------
# Running and checking (implementation-agnostic)
# ---------------------------------------------------------------------------

def run_case(tf, case_):
    """Build ``case_`` in a fresh graph of module ``tf`` and run it once.

    Returns dict fetch name -> numpy array (raw values, not summarized).
    """
    graph = tf.Graph()
    with graph.as_default():
        fetches, feed = case_.build(tf)
        init = tf.global_variables_initializer()
        with tf.Session(graph=graph) as sess:
            sess.run(init)
            out = sess.run(fetches, feed_dict=feed or None)
    return {k: np.asarray(v) for k, v in out.items()}


def golden_key(case_name, fetch):
    return "%s/%s" % (case_name, fetch)


def _close(got, want, rtol, atol):
    if want.dtype.kind in "fc":
        return bool(np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True))
    return bool(np.array_equal(got, want))


def check_case(case_, outputs, goldens, meta):
    """Compare raw ``outputs`` (from run_case) with goldens.

    ``goldens`` is the loaded ``ops.npz`` (mapping key -> array), ``meta`` the
    loaded ``ops_meta.json``.  Returns a list of human-readable problems
    (empty list == pass).
    """
    problems = []
    fmeta = meta["fetches"]
    prefix = case_.name + "/"
    want_fetches = sorted(k[len(prefix):] for k in fmeta if k.startswith(prefix))
    if sorted(outputs) != want_fetches:
        problems.append("fetch names %s != golden %s" % (sorted(outputs), want_fetches))
        return problems
    summaries = summarize_outputs(case_, outputs)
    for fetch in want_fetches:
        key = golden_key(case_.name, fetch)
        info = fmeta[key]
        raw = outputs[fetch]
        if raw.dtype.name != info["dtype"]:
            problems.append("%s: dtype %s != golden %s" % (key, raw.dtype.name, info["dtype"]))
        kind, _ = fetch_summary_kind(case_, fetch)
        if kind in ("exact", "ref") and list(raw.shape) != info["shape"]:
            problems.append("%s: shape %s != golden %s" % (key, list(raw.shape), info["shape"]))
            continue
        if kind == "ref":
            continue
        if kind != "exact" and list(raw.shape) != info["shape"]:
            problems.append("%s: shape %s != golden %s" % (key, list(raw.shape), info["shape"]))
        got = summaries[fetch]
        want = np.asarray(goldens[key])
        if got.shape != want.shape:
            problems.append("%s: summary shape %s != golden %s" % (key, got.shape, want.shape))
            continue
        if not _close(got, want, case_.rtol, case_.atol):
            if kind == "exact":
                problems.append("%s: values differ (rtol=%g atol=%g)\n got=%r\nwant=%r"
                                % (key, case_.rtol, case_.atol, got, want))
            else:
                names = STAT_NAMES[kind]
                detail = ", ".join("%s: got %.6g want %.6g" % (n, g, w)
                                   for n, g, w in zip(names, got, want))
                problems.append("%s: %s statistics differ (atol=%g): %s"
                                % (key, kind, case_.atol, detail))
    return problems


# ---------------------------------------------------------------------------
# Input helpers
# ---------------------------------------------------------------------------

def _rng(name):
    """Deterministic RandomState for a case (seed = crc32 of the case name)."""
    return np.random.RandomState(zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF)


def _randn(rng, *shape):
    return rng.randn(*shape).astype(np.float32)


def _randi(rng, low, high, *shape, dtype=np.int32):
    return rng.randint(low, high, size=shape).astype(dtype)


def _pos(rng, *shape):
    """Strictly positive float32 values in [0.5, 2.5)."""
    return (0.5 + 2.0 * rng.rand(*shape)).astype(np.float32)


# Large-sample sizes for stats cases (100000 elements keeps the statistics'
# standard errors ~0.3% of the scale).
N_STATS = 100000

# ===========================================================================
# placeholder / constant
# ===========================================================================


@case("placeholder_partial_shape")
def _(tf):
    x = tf.placeholder(tf.float32, [None, 3])
    v = _randn(_rng("placeholder_partial_shape"), 4, 3)
    return {"y": tf.identity(x), "shape": tf.shape(x), "doubled": x * 2.0}, {x: v}


@case("placeholder_unknown_rank")
def _(tf):
    x = tf.placeholder(tf.float32)
    v = _randn(_rng("placeholder_unknown_rank"), 2, 3, 4)
    return {"y": x + 1.0, "rank": tf.rank(x), "shape": tf.shape(x), "size": tf.size(x)}, {x: v}


@case("placeholder_all_dims_unknown")
def _(tf):
    x = tf.placeholder(tf.float32, [None, None])
    v = _randn(_rng("placeholder_all_dims_unknown"), 3, 5)
    return {"rowsum": tf.reduce_sum(x, 1), "shape": tf.shape(x)}, {x: v}


@case("placeholder_int32")
def _(tf):
    x = tf.placeholder(tf.int32, [None])
    return {"y": x * 3}, {x: np.array([1, -2, 3, 40], np.int32)}


@case("placeholder_feed_converts_dtype")
def _(tf):
    # The session converts fed values to the placeholder dtype (float64 array
    # and Python lists are accepted). A float array fed to an int placeholder is
    # silently truncated by TF1; rnngraph refuses it with a TypeError instead
    # (a deliberate departure, tested in tests/test_session.py), so it is not here.
    x = tf.placeholder(tf.float32, [2, 2])
    i = tf.placeholder(tf.int32, [3])
    return ({"x": tf.identity(x), "i": tf.identity(i)},
            {x: np.array([[1.5, 2.25], [-3.0, 4.125]], np.float64), i: [1, 2, 3]})


@case("constant_scalars")
def _(tf):
    return {"f": tf.constant(2.5), "i": tf.constant(7), "b": tf.constant(True),
            "i64": tf.constant(3, dtype=tf.int64), "f64": tf.constant(1.25, dtype=tf.float64)}, {}


@case("constant_lists")
def _(tf):
    return {"ints": tf.constant([1, 2, 3]),
            "floats": tf.constant([[1.0, 2.0], [3.0, 4.0]]),
            "mixed": tf.constant([1, 2.5]),
            "as_float": tf.constant([1, 2, 3], dtype=tf.float32),
            "bools": tf.constant([True, False, True])}, {}


@case("constant_shape_arg")
def _(tf):
    return {"fill": tf.constant(1.5, shape=[2, 3]),
            "reshape": tf.constant([1, 2, 3, 4, 5, 6], shape=[2, 3]),
            "int_fill": tf.constant(4, shape=[3])}, {}


@case("constant_numpy_dtypes")
def _(tf):
    rng = _rng("constant_numpy_dtypes")
    return {"f64": tf.constant(rng.randn(2, 3)),
            "i64": tf.constant(np.array([1, -2, 3], np.int64)),
            "f32": tf.constant(_randn(rng, 3, 2)),
            "i32": tf.constant(np.arange(6, dtype=np.int32).reshape(2, 3))}, {}


# ===========================================================================
# Variables / get_variable / initializers / assign
# ===========================================================================


@case("variable_initial_value")
def _(tf):
    v0 = _randn(_rng("variable_initial_value"), 2, 3)
    v = tf.Variable(v0)
    w = tf.Variable([1, 2, 3])
    return {"v": v, "v_plus": v + 1.0, "w": w, "w_times": w * 2}, {}


@case("variable_from_tensor")
def _(tf):
    x = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
    v = tf.Variable(x * 2.0, name="v")
    return {"v": v, "read": tf.identity(v)}, {}


@case("get_variable_constant_initializer")
def _(tf):
    w = tf.get_variable("w", [2, 3], initializer=tf.constant_initializer(0.5))
    b = tf.get_variable("b", [3], initializer=tf.zeros_initializer())
    return {"w": w, "b": b, "wb": w + b}, {}


@case("get_variable_tensor_initializer")
def _(tf):
    v0 = _randn(_rng("get_variable_tensor_initializer"), 3, 2)
    w = tf.get_variable("w", initializer=tf.constant(v0))
    return {"w": w}, {}


@case("get_variable_int_default_zeros")
def _(tf):
    # get_variable's default initializer for integer dtypes is zeros.
    i = tf.get_variable("i", [3], dtype=tf.int32)
    return {"i": i}, {}


@case("get_variable_scope_reuse")
def _(tf):
    with tf.variable_scope("s"):
        w = tf.get_variable("w", [2], initializer=tf.constant_initializer(1.0))
    with tf.variable_scope("s", reuse=True):
        w2 = tf.get_variable("w", [2])
    upd = tf.assign_add(w2, [1.0, 2.0])
    with tf.control_dependencies([upd]):
        after = tf.identity(w)
    return {"after": after}, {}


@case("get_variable_auto_reuse")
def _(tf):
    def f(x):
        with tf.variable_scope("layer", reuse=tf.AUTO_REUSE):
            w = tf.get_variable("w", [3], initializer=tf.constant_initializer([1.0, 2.0, 3.0]))
        return x * w
    a = f(tf.constant([1.0, 1.0, 1.0]))
    b = f(tf.constant([2.0, 2.0, 2.0]))
    return {"a": a, "b": b, "n_vars": tf.constant(len(tf.global_variables()))}, {}


@case("get_variable_default_glorot", kind="stats", atol=0.0025,
      summaries={"w": "bounded"})
def _(tf):
    # Default initializer of get_variable for floats is glorot_uniform:
    # U(-sqrt(6/(fan_in+fan_out)), +...) = U(-0.0926, 0.0926) for [500, 200].
    w = tf.get_variable("w", [500, 200])
    return {"w": w}, {}


@case("init_zeros_ones")
def _(tf):
    z = tf.get_variable("z", [2, 3], initializer=tf.zeros_initializer())
    o = tf.get_variable("o", [3], initializer=tf.ones_initializer())
    zi = tf.get_variable("zi", [2], dtype=tf.int32, initializer=tf.zeros_initializer())
    oi = tf.get_variable("oi", [2, 2], dtype=tf.int64, initializer=tf.ones_initializer())
    return {"z": z, "o": o, "zi": zi, "oi": oi}, {}


@case("init_constant")
def _(tf):
    a = tf.get_variable("a", [2, 3], initializer=tf.constant_initializer(-1.5))
    b = tf.get_variable("b", [2, 3], initializer=tf.constant_initializer([1, 2, 3, 4, 5, 6]))
    c = tf.get_variable("c", [2, 2], initializer=tf.constant_initializer(
        np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)))
    d = tf.get_variable("d", [3], dtype=tf.int32, initializer=tf.constant_initializer(7))
    return {"a": a, "b": b, "c": c, "d": d}, {}


@case("init_constant_short_list_fills_last")
def _(tf):
    # TF1 constant_initializer: a list shorter than the shape is padded with
    # its last element.
    a = tf.get_variable("a", [2, 4], initializer=tf.constant_initializer([1.0, 2.0, 3.0]))
    return {"a": a}, {}


@case("init_random_uniform", kind="stats", atol=0.005, summaries={"w": "bounded"})
def _(tf):
    w = tf.get_variable("w", [500, 200], initializer=tf.random_uniform_initializer(-0.1, 0.3, seed=11))
    return {"w": w}, {}


@case("init_random_uniform_default", kind="stats", atol=0.012, summaries={"w": "bounded"})
def _(tf):
    # minval=0, maxval=None -> U[0, 1) for floats.
    w = tf.get_variable("w", [500, 200], initializer=tf.random_uniform_initializer(seed=12))
    return {"w": w}, {}


@case("init_random_normal", kind="stats", atol=0.03, summaries={"w": "unbounded"})
def _(tf):
    w = tf.get_variable("w", [500, 200], initializer=tf.random_normal_initializer(1.0, 0.5, seed=13))
    return {"w": w}, {}


@case("init_truncated_normal", kind="stats", atol=0.02, summaries={"w": "bounded"})
def _(tf):
    # values restricted to mean +- 2 stddev = [-1.5, 0.5]
    w = tf.get_variable("w", [500, 200],
                        initializer=tf.truncated_normal_initializer(mean=-0.5, stddev=0.5, seed=14))
    return {"w": w}, {}


@case("init_glorot_uniform", kind="stats", atol=0.0025, summaries={"w": "bounded"})
def _(tf):
    w = tf.get_variable("w", [400, 250], initializer=tf.glorot_uniform_initializer(seed=15))
    return {"w": w}, {}


@case("init_xavier_alias_3d", kind="stats", atol=0.0025, summaries={"w": "bounded"})
def _(tf):
    # tf.initializers.glorot_uniform (the old contrib "xavier" initializer).
    # For rank 3 shapes the receptive field is the product of leading dims:
    # fan_in = 5*100, fan_out = 5*200 -> limit sqrt(6/1500) = 0.0632.
    w = tf.get_variable("w", [5, 100, 200], initializer=tf.initializers.glorot_uniform(seed=16))
    return {"w": w}, {}


@case("init_orthogonal_stats", kind="stats", atol=0.003, summaries={"w": "unbounded"})
def _(tf):
    # entries of an n x n orthogonal matrix are ~N(0, 1/n): std = 1/sqrt(316)
    w = tf.get_variable("w", [316, 316], initializer=tf.orthogonal_initializer(seed=17))
    return {"w": w}, {}


@case("init_orthogonal_square", kind="stats", atol=1e-5, summaries={"w": "ref"})
def _(tf):
    w = tf.get_variable("w", [5, 5], initializer=tf.orthogonal_initializer(seed=18))
    return {"w": w, "wtw": tf.matmul(w, w, transpose_a=True),
            "wwt": tf.matmul(w, w, transpose_b=True)}, {}


@case("init_orthogonal_tall", kind="stats", atol=1e-5, summaries={"w": "ref"})
def _(tf):
    # 6x4: columns are orthonormal (W^T W = I4)
    w = tf.get_variable("w", [6, 4], initializer=tf.orthogonal_initializer(seed=19))
    return {"w": w, "wtw": tf.matmul(w, w, transpose_a=True)}, {}


@case("init_orthogonal_wide", kind="stats", atol=1e-5, summaries={"w": "ref"})
def _(tf):
    # 4x6: rows are orthonormal (W W^T = I4)
    w = tf.get_variable("w", [4, 6], initializer=tf.orthogonal_initializer(seed=20))
    return {"w": w, "wwt": tf.matmul(w, w, transpose_b=True)}, {}


@case("init_orthogonal_gain_3d", kind="stats", atol=1e-5,
      summaries={"w": "ref", "g": "ref"})
def _(tf):
    # rank-3 shape is flattened to (prod(shape[:-1]), shape[-1]) = (6, 4)
    w = tf.get_variable("w", [2, 3, 4], initializer=tf.orthogonal_initializer(seed=21))
    g = tf.get_variable("g", [4, 4], initializer=tf.orthogonal_initializer(gain=2.0, seed=22))
    w2 = tf.reshape(w, [6, 4])
    return {"w": w, "g": g, "wtw": tf.matmul(w2, w2, transpose_a=True),
            "gtg": tf.matmul(g, g, transpose_a=True)}, {}


@case("assign_basic")
def _(tf):
    v = tf.Variable(np.zeros((2, 3), np.float32))
    x = tf.placeholder(tf.float32, [2, 3])
    a = tf.assign(v, x)
    with tf.control_dependencies([a]):
        after = tf.identity(v)
    return {"assigned": a, "after": after}, {x: _randn(_rng("assign_basic"), 2, 3)}


@case("assign_add_chain")
def _(tf):
    v = tf.get_variable("v", [3], initializer=tf.constant_initializer([1.0, 2.0, 3.0]))
    a1 = tf.assign_add(v, [1.0, 1.0, 1.0])
    with tf.control_dependencies([a1]):
        a2 = tf.assign_add(v, [10.0, 20.0, 30.0])
    with tf.control_dependencies([a2]):
        after = tf.identity(v)
    return {"a2": a2, "after": after}, {}


@case("assign_variable_methods")
def _(tf):
    v = tf.Variable([1, 2, 3])
    a = v.assign([4, 5, 6])
    with tf.control_dependencies([a]):
        b = v.assign_add([10, 10, 10])
    with tf.control_dependencies([b]):
        after = v + 0
    return {"b": b, "after": after}, {}


# ===========================================================================
# matmul
# ===========================================================================


def _mm_case(name, ashape, bshape, ta=False, tb=False, dtype="f"):
    @case(name, rtol=1e-5, atol=1e-5)
    def _(tf):
        rng = _rng(name)
        if dtype == "f":
            a, b = _randn(rng, *ashape), _randn(rng, *bshape)
        else:
            a, b = _randi(rng, -5, 6, *ashape), _randi(rng, -5, 6, *bshape)
        return {"y": tf.matmul(tf.constant(a), tf.constant(b), transpose_a=ta, transpose_b=tb)}, {}


_mm_case("matmul_basic", (3, 4), (4, 5))
_mm_case("matmul_transpose_a", (4, 3), (4, 5), ta=True)
_mm_case("matmul_transpose_b", (3, 4), (5, 4), tb=True)
_mm_case("matmul_transpose_both", (4, 3), (5, 4), ta=True, tb=True)
_mm_case("matmul_batched", (2, 3, 4), (2, 4, 5))
_mm_case("matmul_batched_transpose_b", (2, 3, 4), (2, 5, 4), tb=True)
_mm_case("matmul_int32", (3, 4), (4, 2), dtype="i")


@case("matmul_unknown_batch", rtol=1e-5, atol=1e-5)
def _(tf):
    rng = _rng("matmul_unknown_batch")
    x = tf.placeholder(tf.float32, [None, 4])
    w = tf.Variable(_randn(rng, 4, 3))
    return {"y": tf.matmul(x, w), "op": x @ w}, {x: _randn(rng, 5, 4)}


# ===========================================================================
# element-wise arithmetic
# ===========================================================================


@case("arith_broadcast", rtol=1e-6, atol=1e-6)
def _(tf):
    rng = _rng("arith_broadcast")
    a = tf.constant(_randn(rng, 4, 1, 5))
    b = tf.constant(_pos(rng, 3, 1))
    return {"add": tf.add(a, b), "sub": tf.subtract(a, b), "mul": tf.multiply(a, b),
            "div": tf.divide(a, b)}, {}


@case("arith_python_scalars")
def _(tf):
    x = tf.constant(_pos(_rng("arith_python_scalars"), 2, 3))
    return {"a": x + 1, "b": 2 - x, "c": x * 3.0, "d": x / 4, "e": 1 / x, "f": -x,
            "g": x ** 2, "h": 2.0 ** x}, {}


@case("arith_operators_tensors")
def _(tf):
    rng = _rng("arith_operators_tensors")
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [3])
    return ({"add": x + y, "sub": x - y, "mul": x * y, "div": x / y, "pow": tf.abs(x) ** y},
            {x: _randn(rng, 4, 3), y: _pos(rng, 3)})


@case("arith_int")
def _(tf):
    rng = _rng("arith_int")
    a = tf.constant(_randi(rng, -9, 10, 3, 4))
    b = tf.constant(_randi(rng, -9, 10, 4))
    return {"add": tf.add(a, b), "sub": tf.subtract(a, b), "mul": tf.multiply(a, b),
            "neg": -a, "scalar": a * 2 + 1}, {}


@case("arith_unknown_broadcast")
def _(tf):
    rng = _rng("arith_unknown_broadcast")
    x = tf.placeholder(tf.float32, [None, 1])
    y = tf.placeholder(tf.float32, [None])
    return {"sub": x - y, "add": tf.add(x, y)}, {x: _randn(rng, 3, 1), y: _randn(rng, 4)}


@case("div_int32_semantics")
def _(tf):
    # tf.div on ints is Python-2 floor division; tf.truediv / tf.divide / "/"
    # on int32 return float64; tf.floordiv and "//" floor toward -inf.
    a = tf.constant([7, -7, 7, -7, 0, 9], tf.int32)
    b = tf.constant([2, 2, -2, -2, 3, 3], tf.int32)
    return {"div": tf.div(a, b), "floordiv": tf.floordiv(a, b), "truediv": tf.truediv(a, b),
            "divide": tf.divide(a, b), "slash": a / b, "slashslash": a // b}, {}


@case("div_int64_semantics")
def _(tf):
    a = tf.constant(np.array([7, -7, 5], np.int64))
    b = tf.constant(np.array([2, 2, -3], np.int64))
    return {"div": tf.div(a, b), "truediv": tf.truediv(a, b), "floordiv": tf.floordiv(a, b),
            "slash": a / b}, {}


@case("div_float_semantics")
def _(tf):
    a = tf.constant([7.0, -7.0, 7.5, -7.5, 1.0], tf.float32)
    b = tf.constant([2.0, 2.0, -2.0, -2.0, 3.0], tf.float32)
    return {"div": tf.div(a, b), "floordiv": tf.floordiv(a, b), "truediv": tf.truediv(a, b),
            "divide": tf.divide(a, b), "slash": a / b, "slashslash": a // b}, {}


@case("div_float_by_zero")
def _(tf):
    a = tf.constant([1.0, -1.0, 0.0, 2.0])
    b = tf.constant([0.0, 0.0, 0.0, 4.0])
    return {"div": a / b}, {}


# ===========================================================================
# unary math
# ===========================================================================


@case("tanh", rtol=1e-6, atol=1e-6)
def _(tf):
    x = np.concatenate([_randn(_rng("tanh"), 10) * 3, np.float32([-30, -20, 0, 20, 30])])
    return {"tf_tanh": tf.tanh(tf.constant(x)), "nn_tanh": tf.nn.tanh(tf.constant(x))}, {}


@case("sigmoid", rtol=1e-6, atol=1e-6)
def _(tf):
    x = np.concatenate([_randn(_rng("sigmoid"), 10) * 3, np.float32([-100, -20, 0, 20, 100])])
    return {"tf_sigmoid": tf.sigmoid(tf.constant(x)),
            "nn_sigmoid": tf.nn.sigmoid(tf.constant(x))}, {}


@case("relu")
def _(tf):
    x = _randn(_rng("relu"), 3, 4)
    return {"f": tf.nn.relu(tf.constant(x)),
            "i": tf.nn.relu(tf.constant(np.array([-3, 0, 2, -1, 5], np.int32)))}, {}


@case("exp", rtol=1e-6, atol=0)
def _(tf):
    x = np.concatenate([_randn(_rng("exp"), 10) * 3, np.float32([-200, 0, 88, 100])])
    return {"y": tf.exp(tf.constant(x))}, {}


@case("log", rtol=1e-6, atol=1e-6)
def _(tf):
    x = np.concatenate([_pos(_rng("log"), 8) * 10, np.float32([1, 0, -1])])
    return {"y": tf.log(tf.constant(x))}, {}


@case("sqrt", rtol=1e-6, atol=1e-6)
def _(tf):
    x = np.concatenate([_pos(_rng("sqrt"), 8) * 10, np.float32([0, 4, -1])])
    return {"y": tf.sqrt(tf.constant(x))}, {}


@case("square")
def _(tf):
    return {"f": tf.square(tf.constant(_randn(_rng("square"), 2, 3))),
            "i": tf.square(tf.constant([-3, 0, 4]))}, {}


@case("pow", rtol=1e-6, atol=1e-6)
def _(tf):
    rng = _rng("pow")
    base = tf.constant(_pos(rng, 2, 3))
    return {"tensor_exp": tf.pow(base, tf.constant(_randn(rng, 2, 3))),
            "scalar_exp": tf.pow(base, 3.0),
            "broadcast": tf.pow(base, tf.constant([1.0, 0.5, -1.0])),
            "int": tf.pow(tf.constant([2, 3, -2, 0]), tf.constant([10, 3, 3, 0])),
            "specials": tf.pow(tf.constant([-8.0, 0.0, -2.0, 0.0]),
                               tf.constant([1.0 / 3.0, 0.0, 2.0, -1.0]))}, {}


@case("abs")
def _(tf):
    return {"f": tf.abs(tf.constant(_randn(_rng("abs"), 2, 3))),
            "i": tf.abs(tf.constant([-3, 0, 4, -2147483647])),
            "i64": tf.abs(tf.constant(np.array([-5, 5], np.int64)))}, {}


@case("maximum_minimum")
def _(tf):
    rng = _rng("maximum_minimum")
    a = tf.constant(_randn(rng, 3, 4))
    b = tf.constant(_randn(rng, 4))
    return {"max": tf.maximum(a, b), "min": tf.minimum(a, b),
            "max_scalar": tf.maximum(a, 0.0), "min_scalar": tf.minimum(a, 0.5),
            "max_int": tf.maximum(tf.constant([1, 5, -3]), tf.constant([2, 4, -4])),
            "min_int": tf.minimum(tf.constant([1, 5, -3]), 0)}, {}


@case("maximum_minimum_nan")
def _(tf):
    # NaN propagates in both tf.maximum and tf.minimum (either argument).
    a = tf.constant([1.0, np.nan, 2.0, np.nan], tf.float32)
    b = tf.constant([np.nan, 1.0, 3.0, np.nan], tf.float32)
    return {"max": tf.maximum(a, b), "min": tf.minimum(a, b)}, {}


# ===========================================================================
# comparisons / logical
# ===========================================================================


@case("compare_float_broadcast")
def _(tf):
    rng = _rng("compare_float_broadcast")
    a = np.round(_randn(rng, 3, 1), 0)
    b = np.round(_randn(rng, 4), 0)
    a, b = tf.constant(a), tf.constant(b)
    return {"eq": tf.equal(a, b), "ne": tf.not_equal(a, b), "lt": tf.less(a, b),
            "le": tf.less_equal(a, b), "gt": tf.greater(a, b), "ge": tf.greater_equal(a, b)}, {}


@case("compare_int_and_scalar")
def _(tf):
    a = tf.constant([[1, 2, 3], [3, 2, 1]])
    return {"eq": tf.equal(a, 2), "ne": tf.not_equal(a, tf.constant([1, 2, 3])),
            "lt": tf.less(a, 2), "ge": tf.greater_equal(a, 2)}, {}


@case("compare_operators")
def _(tf):
    rng = _rng("compare_operators")
    x = tf.placeholder(tf.float32, [None])
    v = np.round(_randn(rng, 6), 0)
    return {"lt": x < 0.0, "le": x <= 0.0, "gt": x > 0.0, "ge": x >= 0.0}, {x: v}


@case("logical_ops")
def _(tf):
    a = tf.constant([[True, False, True], [False, False, True]])
    b = tf.constant([True, False, False])
    return {"and": tf.logical_and(a, b), "or": tf.logical_or(a, b), "not": tf.logical_not(a),
            "xor": tf.logical_xor(a, b)}, {}


@case("logical_operators")
def _(tf):
    a = tf.placeholder(tf.bool, [4])
    b = tf.placeholder(tf.bool, [4])
    return ({"and": a & b, "or": a | b, "not": ~a, "xor": a ^ b},
            {a: np.array([True, True, False, False]), b: np.array([True, False, True, False])})


# ===========================================================================
# cast
# ===========================================================================


@case("cast_float_to_int")
def _(tf):
    x = tf.constant([-1.7, -0.5, 0.5, 1.7, 2.5, -2.5], tf.float32)
    return {"i32": tf.cast(x, tf.int32), "i64": tf.cast(x, tf.int64)}, {}


@case("cast_bool")
def _(tf):
    x = tf.constant([0.0, -0.0, 0.1, -2.0], tf.float32)
    b = tf.constant([True, False, True])
    return {"f_to_b": tf.cast(x, tf.bool), "i_to_b": tf.cast(tf.constant([0, 3, -1]), tf.bool),
            "b_to_f": tf.cast(b, tf.float32), "b_to_i": tf.cast(b, tf.int32)}, {}


@case("cast_numeric")
def _(tf):
    rng = _rng("cast_numeric")
    f = tf.constant(_randn(rng, 5))
    i = tf.constant(np.array([1, -2, 3], np.int64))
    return {"f64": tf.cast(f, tf.float64), "i_to_f": tf.cast(tf.constant([1, -2, 3]), tf.float32),
            "i64_to_i32": tf.cast(i, tf.int32), "i32_to_i64": tf.cast(tf.constant([4, 5]), tf.int64),
            "same": tf.cast(f, tf.float32), "f64_to_f32": tf.cast(tf.constant(rng.randn(3)), tf.float32)}, {}


# ===========================================================================
# where
# ===========================================================================


@case("where_select_same_shape")
def _(tf):
    rng = _rng("where_select_same_shape")
    x = _randn(rng, 3, 4)
    y = _randn(rng, 3, 4)
    c = x > y
    return {"y": tf.where(tf.constant(c), tf.constant(x), tf.constant(y)),
            "int": tf.where(tf.constant(c), tf.ones([3, 4], tf.int32), tf.zeros([3, 4], tf.int32))}, {}


@case("where_select_rank1_condition_rows")
def _(tf):
    # TF1 Select: a rank-1 condition selects whole rows (first dimension).
    rng = _rng("where_select_rank1_condition_rows")
    c = tf.constant([True, False, False, True])
    x = tf.constant(_randn(rng, 4, 3))
    y = tf.constant(_randn(rng, 4, 3))
    x3 = tf.constant(_randn(rng, 4, 2, 2))
    y3 = tf.constant(_randn(rng, 4, 2, 2))
    return {"rows": tf.where(c, x, y), "rows3d": tf.where(c, x3, y3)}, {}


@case("where_select_scalar_condition")
def _(tf):
    rng = _rng("where_select_scalar_condition")
    x = tf.constant(_randn(rng, 2, 3))
    y = tf.constant(_randn(rng, 2, 3))
    p = tf.placeholder(tf.bool, [])
    return {"t": tf.where(tf.constant(True), x, y), "p": tf.where(p, x, y)}, {p: False}


@case("where_select_placeholders")
def _(tf):
    rng = _rng("where_select_placeholders")
    c = tf.placeholder(tf.bool, [None, 3])
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [None, 3])
    xv = _randn(rng, 2, 3)
    return {"y": tf.where(c, x, y)}, {c: xv > 0, x: xv, y: _randn(rng, 2, 3)}


@case("where_coordinates")
def _(tf):
    # 1-argument tf.where returns int64 coordinates of true elements, shape (N, rank).
    c2 = np.array([[True, False, True], [False, True, False]])
    c1 = np.array([False, True, True, False, True])
    c3 = _randn(_rng("where_coordinates"), 2, 3, 2) > 0
    return {"c2": tf.where(tf.constant(c2)), "c1": tf.where(tf.constant(c1)),
            "c3": tf.where(tf.constant(c3))}, {}


@case("where_coordinates_empty_and_numeric")
def _(tf):
    none = tf.constant(np.zeros((2, 3), bool))
    num = tf.constant([0.0, 1.5, 0.0, -2.0])
    return {"none": tf.where(none), "numeric": tf.where(num),
            "from_compare": tf.where(tf.constant([3, 1, 4, 1, 5]) > 2)}, {}


# ===========================================================================
# reductions
# ===========================================================================


@case("reduce_sum_axes", rtol=1e-5, atol=1e-5)
def _(tf):
    x = tf.constant(_randn(_rng("reduce_sum_axes"), 2, 3, 4))
    return {"all": tf.reduce_sum(x), "a0": tf.reduce_sum(x, 0), "a1": tf.reduce_sum(x, axis=1),
            "neg": tf.reduce_sum(x, -1), "list": tf.reduce_sum(x, [0, 2]),
            "neg_list": tf.reduce_sum(x, [-1, -3]),
            "keep": tf.reduce_sum(x, 1, keepdims=True), "keep_all": tf.reduce_sum(x, keepdims=True),
            "empty_axes": tf.reduce_sum(x, [])}, {}


@case("reduce_tf1_aliases", rtol=1e-5, atol=1e-5)
def _(tf):
    x = tf.constant(_randn(_rng("reduce_tf1_aliases"), 3, 4))
    return {"keep_dims": tf.reduce_sum(x, 1, keep_dims=True),
            "reduction_indices": tf.reduce_mean(x, reduction_indices=[0]),
            "max_keep_dims": tf.reduce_max(x, axis=-1, keep_dims=True)}, {}


@case("reduce_int")
def _(tf):
    x = tf.constant(_randi(_rng("reduce_int"), -5, 6, 3, 4))
    return {"sum": tf.reduce_sum(x), "sum1": tf.reduce_sum(x, 1), "max": tf.reduce_max(x, 0),
            "min": tf.reduce_min(x, -1), "prod": tf.reduce_prod(x, 0)}, {}


@case("reduce_mean_float", rtol=1e-5, atol=1e-6)
def _(tf):
    x = tf.constant(_randn(_rng("reduce_mean_float"), 2, 3, 4))
    return {"all": tf.reduce_mean(x), "a1": tf.reduce_mean(x, 1), "neg": tf.reduce_mean(x, -1),
            "list_keep": tf.reduce_mean(x, [0, 2], keepdims=True)}, {}


@case("reduce_mean_int_truncates")
def _(tf):
    # integer mean = integer sum / count with C++ truncation toward zero
    a = tf.constant([[1, 2], [3, 4]])
    b = tf.constant([[-1, -2], [-3, 4], [-5, -5]])
    return {"all": tf.reduce_mean(a), "rows": tf.reduce_mean(a, 1), "neg_rows": tf.reduce_mean(b, 1),
            "neg_cols": tf.reduce_mean(b, 0),
            "i64": tf.reduce_mean(tf.constant(np.array([7, 8], np.int64)))}, {}


@case("reduce_max_min")
def _(tf):
    x = tf.constant(_randn(_rng("reduce_max_min"), 2, 3, 4))
    return {"max": tf.reduce_max(x), "max1": tf.reduce_max(x, 1), "maxk": tf.reduce_max(x, [0, 2], keepdims=True),
            "min": tf.reduce_min(x), "min_neg": tf.reduce_min(x, -2)}, {}


@case("reduce_prod", rtol=1e-5, atol=1e-6)
def _(tf):
    x = tf.constant(_pos(_rng("reduce_prod"), 3, 4))
    return {"all": tf.reduce_prod(x), "a0": tf.reduce_prod(x, 0), "keep": tf.reduce_prod(x, 1, keepdims=True),
            "int": tf.reduce_prod(tf.constant([[1, 2, 3], [-1, 4, 2]]), 1)}, {}


@case("reduce_all_any")
def _(tf):
    b = tf.constant([[True, False, True], [True, True, True]])
    return {"all": tf.reduce_all(b), "all1": tf.reduce_all(b, 1), "all0": tf.reduce_all(b, 0),
            "any": tf.reduce_any(b), "any0": tf.reduce_any(tf.logical_not(b), 0),
            "anyk": tf.reduce_any(b, -1, keepdims=True)}, {}


@case("reduce_empty_tensor")
def _(tf):
    z = tf.zeros([0, 3])
    return {"sum": tf.reduce_sum(z, 0), "prod": tf.reduce_prod(z, 0), "max": tf.reduce_max(z, 0),
            "min": tf.reduce_min(z, 0), "mean": tf.reduce_mean(z, 0),
            "max_int": tf.reduce_max(tf.zeros([0, 2], tf.int32), 0),
            "all": tf.reduce_all(tf.zeros([0], tf.bool)), "any": tf.reduce_any(tf.zeros([0], tf.bool))}, {}


@case("reduce_axis_tensor_and_unknown_shape", rtol=1e-5, atol=1e-6)
def _(tf):
    rng = _rng("reduce_axis_tensor_and_unknown_shape")
    # Reduction axes fed at run time are not supported by rnngraph (NotImplementedError
    # naming the op); a constant axis tensor is.
    x = tf.placeholder(tf.float32, [None, None, 4])
    return ({"sum_const_axes": tf.reduce_sum(x, tf.constant([0, 2])),
             "mean_const_axis": tf.reduce_mean(x, tf.constant(1)),
             "max_unknown": tf.reduce_max(x, 0)},
            {x: _randn(rng, 2, 3, 4)})


# ===========================================================================
# argmax / argmin
# ===========================================================================


@case("argmax_argmin_axes")
def _(tf):
    x = tf.constant(_randn(_rng("argmax_argmin_axes"), 3, 4, 5))
    return {"max0": tf.argmax(x, 0), "max1": tf.argmax(x, axis=1), "maxneg": tf.argmax(x, -1),
            "min0": tf.argmin(x, 0), "minneg": tf.argmin(x, axis=-2)}, {}


@case("argmax_output_type_and_default_axis")
def _(tf):
    # output dtype is int64 unless output_type=tf.int32; TF1 axis=None means axis 0.
    x = tf.constant(_randn(_rng("argmax_output_type_and_default_axis"), 4, 3))
    return {"i32": tf.argmax(x, 1, output_type=tf.int32), "default_axis": tf.argmax(x),
            "argmin_default_axis": tf.argmin(x), "argmin_i32": tf.argmin(x, 1, output_type=tf.int32),
            "dimension_alias": tf.argmax(x, dimension=1)}, {}


@case("argmax_ties_and_ints")
def _(tf):
    # ties resolve to the first index
    x = tf.constant([[1, 3, 3, 0], [2, 2, 2, 2], [5, -1, 5, -1]])
    return {"max": tf.argmax(x, 1), "min": tf.argmin(x, 1), "max0": tf.argmax(x, 0)}, {}


# ===========================================================================
# shape manipulation
# ===========================================================================


@case("reshape")
def _(tf):
    rng = _rng("reshape")
    x = tf.constant(_randn(rng, 2, 3, 4))
    return {"m1_first": tf.reshape(x, [-1, 4]), "m1_last": tf.reshape(x, [6, -1]),
            "flat": tf.reshape(x, [-1]), "same": tf.reshape(x, [2, 12]),
            "scalar": tf.reshape(tf.constant([5.0]), []),
            "int": tf.reshape(tf.constant(np.arange(6, dtype=np.int32)), [3, -1])}, {}


@case("reshape_dynamic")
def _(tf):
    x = tf.placeholder(tf.float32, [None, 4])
    n = tf.shape(x)[0]
    return ({"stacked_shape": tf.reshape(x, tf.stack([n, 2, 2])), "m1": tf.reshape(x, [-1, 2]),
             "tensor_shape": tf.reshape(x, tf.constant([2, -1]))},
            {x: _randn(_rng("reshape_dynamic"), 3, 4)})


@case("transpose")
def _(tf):
    rng = _rng("transpose")
    x = tf.constant(_randn(rng, 2, 3, 4))
    return {"default": tf.transpose(x), "perm": tf.transpose(x, [1, 0, 2]),
            "perm2": tf.transpose(x, perm=[2, 0, 1]),
            "int2d": tf.transpose(tf.constant([[1, 2, 3], [4, 5, 6]]))}, {}


@case("expand_dims")
def _(tf):
    x = tf.constant(_randn(_rng("expand_dims"), 2, 3))
    return {"a0": tf.expand_dims(x, 0), "a1": tf.expand_dims(x, 1), "m1": tf.expand_dims(x, -1),
            "m2": tf.expand_dims(x, -2), "scalar": tf.expand_dims(tf.constant(3), 0)}, {}


@case("squeeze")
def _(tf):
    x = tf.constant(_randn(_rng("squeeze"), 1, 3, 1, 2))
    p = tf.placeholder(tf.float32, [None, 1, 3])
    return ({"all": tf.squeeze(x), "a0": tf.squeeze(x, [0]), "neg": tf.squeeze(x, axis=-2),
             "list": tf.squeeze(x, [0, 2]), "ph": tf.squeeze(p, 1)},
            {p: _randn(_rng("squeeze_p"), 2, 1, 3)})


@case("concat")
def _(tf):
    rng = _rng("concat")
    a = tf.constant(_randn(rng, 2, 3, 2))
    b = tf.constant(_randn(rng, 2, 3, 1))
    c = tf.constant(_randn(rng, 1, 3, 2))
    return {"neg": tf.concat([a, b], -1), "axis2": tf.concat([a, b], axis=2),
            "axis0": tf.concat([a, c], 0), "single": tf.concat([a], 1),
            "int": tf.concat([tf.constant([[1, 2]]), tf.constant([[3, 4], [5, 6]])], 0)}, {}


@case("concat_unknown_dims")
def _(tf):
    rng = _rng("concat_unknown_dims")
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [None, 3])
    return {"rows": tf.concat([x, y], 0), "neg2": tf.concat([x, y], -2)}, {x: _randn(rng, 2, 3), y: _randn(rng, 1, 3)}


@case("stack")
def _(tf):
    rng = _rng("stack")
    a, b, c = [tf.constant(_randn(rng, 2, 3)) for _ in range(3)]
    return {"a0": tf.stack([a, b, c]), "a1": tf.stack([a, b, c], axis=1), "neg": tf.stack([a, b], -1),
            "scalars": tf.stack([tf.constant(1), tf.constant(2), tf.constant(3)]),
            "mixed": tf.stack([tf.constant(1.0), tf.reduce_sum(a)])}, {}


@case("unstack")
def _(tf):
    x = tf.constant(_randn(_rng("unstack"), 2, 3, 2))
    out = {}
    for i, t in enumerate(tf.unstack(x)):
        out["a0_%d" % i] = t
    for i, t in enumerate(tf.unstack(x, axis=1)):
        out["a1_%d" % i] = t
    for i, t in enumerate(tf.unstack(x, num=2, axis=-1)):
        out["neg_%d" % i] = t
    return out, {}


@case("split_num")
def _(tf):
    x = tf.constant(_randn(_rng("split_num"), 2, 6))
    out = {}
    for i, t in enumerate(tf.split(x, 3, axis=1)):
        out["n3_%d" % i] = t
    for i, t in enumerate(tf.split(x, 2)):
        out["n2_axis0_%d" % i] = t
    for i, t in enumerate(tf.split(x, 1, axis=-1)):
        out["n1_%d" % i] = t
    return out, {}


@case("split_sizes")
def _(tf):
    x = tf.constant(_randn(_rng("split_sizes"), 3, 6))
    out = {}
    for i, t in enumerate(tf.split(x, [1, 2, 3], axis=1)):
        out["sizes_%d" % i] = t
    for i, t in enumerate(tf.split(x, [2, -1], axis=-1)):
        out["m1_%d" % i] = t
    for i, t in enumerate(tf.split(x, [1, 2], 0)):
        out["axis0_%d" % i] = t
    return out, {}


@case("slice")
def _(tf):
    x = tf.constant(_randn(_rng("slice"), 3, 4, 5))
    b = tf.placeholder(tf.int32, [3])
    return ({"basic": tf.slice(x, [1, 0, 2], [2, 3, 2]), "m1": tf.slice(x, [0, 1, 1], [-1, -1, 2]),
             "fed_begin": tf.slice(x, b, [1, 2, -1]),
             "int": tf.slice(tf.constant([[1, 2, 3], [4, 5, 6]]), [0, 1], [2, 2])},
            {b: np.array([2, 1, 3], np.int32)})


@case("strided_slice_basic")
def _(tf):
    x = tf.constant(_randn(_rng("strided_slice_basic"), 4, 5, 6))
    return {"i1": x[1], "range": x[1:3], "col": x[:, 1], "two": x[1, 2], "three": x[1, 2, 3],
            "mixed": x[::2, 1:4], "from2": x[2:], "upto": x[:2, :, 4:]}, {}


@case("strided_slice_negative")
def _(tf):
    x = tf.constant(_randn(_rng("strided_slice_negative"), 4, 5, 6))
    return {"last": x[-1], "last_col": x[:, -1], "neg_range": x[-3:-1], "tail": x[..., -2:],
            "mixed": x[1:-1, -4:, -1]}, {}


@case("strided_slice_steps")
def _(tf):
    x = tf.constant(_randn(_rng("strided_slice_steps"), 4, 5, 6))
    return {"rev": x[::-1], "rev_mid": x[:, ::-1], "step2": x[::2], "neg_step2": x[1:-1, ::-2, 3],
            "rev_range": x[3:0:-1], "rev_from_last": x[-1::-2], "step3": x[:, :, 1::3]}, {}


@case("strided_slice_ellipsis_newaxis")
def _(tf):
    x = tf.constant(_randn(_rng("strided_slice_ellipsis_newaxis"), 4, 5, 6))
    return {"ell0": x[..., 0], "ell_mid": x[1, ..., 2], "newaxis": x[:, tf.newaxis],
            "none_front": x[None], "none_both": x[tf.newaxis, ..., tf.newaxis],
            "ell_range": x[..., 1:3], "newaxis_shrink": x[1, tf.newaxis, :, 2]}, {}


@case("strided_slice_tensor_indices")
def _(tf):
    x = tf.constant(_randn(_rng("strided_slice_tensor_indices"), 4, 5, 6))
    i = tf.constant(2)
    j = tf.placeholder(tf.int32, [])
    return ({"const_idx": x[i], "range": x[:, i:i + 2], "fed": x[j], "fed_neg": x[j, -1],
             "fed_range": x[1:j + 1, j], "shape_idx": x[:tf.shape(x)[0] - 1, 0, 0]},
            {j: np.int32(3)})


@case("strided_slice_out_of_range_clips")
def _(tf):
    x = tf.constant(_randn(_rng("strided_slice_out_of_range_clips"), 4, 5))
    v = tf.constant([1, 2, 3, 4, 5])
    return {"clip_end": x[1:100], "clip_begin": x[-100:2], "empty": x[3:1], "empty_cols": x[:, 10:],
            "vec_rev": v[::-1], "vec_tail": v[-2:], "vec_elem": v[-1]}, {}


@case("strided_slice_unknown_shape")
def _(tf):
    x = tf.placeholder(tf.float32, [None, None])
    return ({"last_row": x[-1], "rev": x[::-1, 1:], "col": x[:, 0]},
            {x: _randn(_rng("strided_slice_unknown_shape"), 3, 4)})


@case("gather_axis")
def _(tf):
    rng = _rng("gather_axis")
    p = tf.constant(_randn(rng, 4, 5, 3))
    return {"a0": tf.gather(p, [2, 0, 2]), "a1": tf.gather(p, [4, 1], axis=1),
            "neg": tf.gather(p, [0, 2], axis=-1),
            "idx2d": tf.gather(p, [[0, 1], [3, 3], [2, 0]], axis=1),
            "scalar_idx": tf.gather(p, 3), "scalar_idx_a2": tf.gather(p, 1, axis=2)}, {}


@case("gather_dtypes")
def _(tf):
    p = tf.constant([[1, 2], [3, 4], [5, 6]])
    idx = tf.placeholder(tf.int64, [None])
    pf = tf.placeholder(tf.float32, [None, 2])
    return ({"int_params": tf.gather(p, idx), "i64_idx_a1": tf.gather(p, tf.constant(np.array([1, 0, 1], np.int64)), axis=1),
             "fed_params": tf.gather(pf, [1, 1, 0])},
            {idx: np.array([2, 0], np.int64), pf: _randn(_rng("gather_dtypes"), 3, 2)})


@case("embedding_lookup")
def _(tf):
    rng = _rng("embedding_lookup")
    table = _randn(rng, 10, 4)
    params = tf.constant(table)
    var = tf.Variable(table)
    ids = tf.placeholder(tf.int32, [None, None])
    return ({"const": tf.nn.embedding_lookup(params, ids), "var": tf.nn.embedding_lookup(var, ids),
             "vec_ids": tf.nn.embedding_lookup(params, tf.constant([9, 0, 9])),
             "scalar_id": tf.nn.embedding_lookup(params, 3)},
            {ids: np.array([[1, 2, 3], [9, 0, 1]], np.int32)})


@case("embedding_lookup_sharded")
def _(tf):
    # list of params: "mod" (default) puts id i in shard i % n, row i // n;
    # "div" splits contiguously (shard sizes 4, 3, 3 for 10 ids / 3 shards).
    full = np.arange(40, dtype=np.float32).reshape(10, 4)
    mod_shards = [tf.constant(full[s::3]) for s in range(3)]
    div_shards = [tf.constant(full[0:4]), tf.constant(full[4:7]), tf.constant(full[7:10])]
    ids = tf.constant([[0, 1, 2, 3], [9, 8, 5, 4]])
    return {"mod": tf.nn.embedding_lookup(mod_shards, ids),
            "div": tf.nn.embedding_lookup(div_shards, ids, partition_strategy="div"),
            "single_list": tf.nn.embedding_lookup([tf.constant(full)], ids)}, {}


@case("one_hot")
def _(tf):
    idx = tf.constant([0, 2, 1, 3])
    return {"basic": tf.one_hot(idx, 4), "on_off": tf.one_hot(idx, 4, on_value=5.0, off_value=-1.0),
            "int_on_off": tf.one_hot(idx, 3, on_value=1, off_value=0),
            "dtype": tf.one_hot(idx, 4, dtype=tf.float64),
            "out_of_range": tf.one_hot(tf.constant([-1, 4, 1]), 3)}, {}


@case("one_hot_axis")
def _(tf):
    idx1 = tf.constant([2, 0, 1])
    idx2 = tf.constant([[0, 1, 2], [2, 2, 0]])
    fed = tf.placeholder(tf.int64, [None])
    return ({"axis0": tf.one_hot(idx1, 4, axis=0), "axis1_2d": tf.one_hot(idx2, 3, axis=1),
             "axis_m1_2d": tf.one_hot(idx2, 3, axis=-1), "axis0_2d": tf.one_hot(idx2, 3, axis=0),
             "fed_i64": tf.one_hot(fed, 3)},
            {fed: np.array([1, 0], np.int64)})


@case("fill_zeros_ones")
def _(tf):
    x = tf.placeholder(tf.float32, [None, 3])
    return ({"fill_f": tf.fill([2, 3], 7.0), "fill_i": tf.fill([3], 4),
             "fill_dyn": tf.fill(tf.shape(x), -1.0),
             "zeros": tf.zeros([2, 3]), "zeros_i": tf.zeros([2], dtype=tf.int32),
             "ones_i64": tf.ones([3, 1], tf.int64), "zeros_dyn": tf.zeros(tf.shape(x)),
             "ones_dyn": tf.ones(tf.stack([tf.shape(x)[0], 2]))},
            {x: _randn(_rng("fill_zeros_ones"), 2, 3)})


@case("zeros_like_ones_like")
def _(tf):
    x = tf.placeholder(tf.float32, [None, 3])
    i = tf.constant([[1, 2], [3, 4]])
    b = tf.constant([True, False])
    return ({"zl": tf.zeros_like(x), "ol": tf.ones_like(x), "zl_int": tf.zeros_like(i),
             "ol_int": tf.ones_like(i), "zl_bool": tf.zeros_like(b), "ol_bool": tf.ones_like(b),
             "zl_dtype": tf.zeros_like(i, dtype=tf.float32), "ol_dtype": tf.ones_like(x, dtype=tf.int32)},
            {x: _randn(_rng("zeros_like_ones_like"), 4, 3)})


@case("range_int")
def _(tf):
    n = tf.placeholder(tf.int32, [])
    return ({"limit": tf.range(5), "start_limit_delta": tf.range(2, 10, 3), "neg_delta": tf.range(10, 2, -2),
             "empty": tf.range(0), "fed_limit": tf.range(n), "i64": tf.range(3, dtype=tf.int64)},
            {n: np.int32(4)})


@case("range_float")
def _(tf):
    return {"quarters": tf.range(1.0, 2.0, 0.25), "point3": tf.range(0, 1, 0.3),
            "dtype": tf.range(5, dtype=tf.float32), "neg": tf.range(1.0, -1.0, -0.5)}, {}


@case("shape_size_rank")
def _(tf):
    c = tf.constant(_randn(_rng("shape_size_rank"), 2, 3, 4))
    x = tf.placeholder(tf.float32, [None, 3])
    return ({"shape": tf.shape(c), "shape64": tf.shape(c, out_type=tf.int64), "size": tf.size(c),
             "size64": tf.size(c, out_type=tf.int64), "rank": tf.rank(c),
             "scalar_shape": tf.shape(tf.constant(1.0)), "scalar_size": tf.size(tf.constant(1.0)),
             "dyn_shape": tf.shape(x), "dyn_size": tf.size(x), "dyn_rank": tf.rank(x),
             "dyn_dim0": tf.shape(x)[0]},
            {x: _randn(_rng("shape_size_rank_x"), 5, 3)})


@case("tile")
def _(tf):
    rng = _rng("tile")
    m = tf.placeholder(tf.int32, [2])
    x2 = tf.constant(_randn(rng, 2, 3))
    return ({"rows": tf.tile(x2, [2, 1]), "both": tf.tile(x2, [2, 3]),
             "rank3": tf.tile(tf.constant(_randn(rng, 1, 2, 3)), [2, 1, 2]),
             "int": tf.tile(tf.constant([1, 2]), [3]), "fed_multiples": tf.tile(x2, m)},
            {m: np.array([1, 2], np.int32)})


@case("pad_modes")
def _(tf):
    x = tf.constant(np.arange(1, 10, dtype=np.float32).reshape(3, 3))
    p = [[1, 2], [2, 1]]
    return {"constant": tf.pad(x, p), "constant_values": tf.pad(x, p, constant_values=-1.0),
            "reflect": tf.pad(x, p, "REFLECT"), "symmetric": tf.pad(x, p, mode="SYMMETRIC"),
            "lower_case_mode": tf.pad(x, [[1, 1], [1, 1]], mode="reflect"),
            "symmetric_full": tf.pad(x, [[3, 0], [0, 3]], mode="SYMMETRIC")}, {}


@case("pad_rank3_and_int")
def _(tf):
    x = tf.constant(_randn(_rng("pad_rank3_and_int"), 2, 3, 2))
    i = tf.constant([[1, 2], [3, 4]])
    return {"r3": tf.pad(x, [[0, 0], [1, 0], [0, 2]]), "r3_reflect": tf.pad(x, [[1, 0], [2, 1], [0, 0]], "REFLECT"),
            "int": tf.pad(i, [[1, 1], [0, 2]]), "int_values": tf.pad(i, [[0, 1], [1, 0]], constant_values=9),
            "tensor_paddings": tf.pad(x, tf.constant([[1, 1], [0, 0], [0, 0]]))}, {}


@case("reverse")
def _(tf):
    x = tf.constant(_randn(_rng("reverse"), 2, 3, 4))
    return {"a1": tf.reverse(x, [1]), "a0_2": tf.reverse(x, axis=[0, 2]), "neg": tf.reverse(x, [-1]),
            "int": tf.reverse(tf.constant([1, 2, 3]), [0])}, {}


@case("reverse_sequence")
def _(tf):
    x = tf.constant(np.arange(15, dtype=np.float32).reshape(3, 5))
    x3 = tf.constant(_randn(_rng("reverse_sequence"), 3, 4, 2))
    return {"batch_major": tf.reverse_sequence(x, [2, 5, 0], seq_axis=1, batch_axis=0),
            "rank3": tf.reverse_sequence(x3, tf.constant([4, 1, 3]), seq_axis=1, batch_axis=0),
            "i64_lengths": tf.reverse_sequence(x, tf.constant(np.array([3, 1, 4], np.int64)), 1, 0)}, {}


@case("reverse_sequence_time_major")
def _(tf):
    x = tf.placeholder(tf.float32, [None, 3, 2])
    lens = tf.placeholder(tf.int32, [3])
    return ({"time_major": tf.reverse_sequence(x, lens, seq_axis=0, batch_axis=1),
             "ints": tf.reverse_sequence(tf.constant([[1, 2], [3, 4], [5, 6]]), [3, 2], seq_axis=0, batch_axis=1)},
            {x: _randn(_rng("reverse_sequence_time_major"), 4, 3, 2), lens: np.array([4, 2, 3], np.int32)})


# ===========================================================================
# nn ops
# ===========================================================================


@case("softmax", rtol=1e-5, atol=1e-6)
def _(tf):
    rng = _rng("softmax")
    x2 = tf.constant(_randn(rng, 3, 5))
    x3 = tf.constant(_randn(rng, 2, 3, 4))
    return {"r2": tf.nn.softmax(x2), "r3": tf.nn.softmax(x3), "axis0": tf.nn.softmax(x2, axis=0),
            "axis_m2": tf.nn.softmax(x3, axis=-2), "axis1_r3": tf.nn.softmax(x3, axis=1),
            "dim_alias": tf.nn.softmax(x2, dim=0), "r1": tf.nn.softmax(tf.constant([1.0, 2.0, 3.0]))}, {}


@case("softmax_large_logits", rtol=1e-5, atol=1e-6)
def _(tf):
    x = tf.constant([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0], [0.0, 0.0, 0.0]])
    return {"softmax": tf.nn.softmax(x), "log_softmax": tf.nn.log_softmax(x)}, {}


@case("log_softmax", rtol=1e-5, atol=1e-5)
def _(tf):
    rng = _rng("log_softmax")
    x2 = tf.placeholder(tf.float32, [None, 5])
    x3 = tf.constant(_randn(rng, 2, 3, 4))
    return ({"r2": tf.nn.log_softmax(x2), "r3": tf.nn.log_softmax(x3), "axis0": tf.nn.log_softmax(x2, axis=0),
             "axis1_r3": tf.nn.log_softmax(x3, axis=1)},
            {x2: _randn(rng, 3, 5)})


def _soft_labels(rng, *shape):
    l = rng.rand(*shape).astype(np.float32)
    return (l / l.sum(-1, keepdims=True)).astype(np.float32)


@case("softmax_xent_v1", rtol=1e-5, atol=1e-5)
def _(tf):
    rng = _rng("softmax_xent_v1")
    logits = tf.constant(_randn(rng, 4, 5) * 2)
    soft = tf.constant(_soft_labels(rng, 4, 5))
    hard = tf.one_hot([0, 4, 2, 2], 5)
    return {"soft": tf.nn.softmax_cross_entropy_with_logits(labels=soft, logits=logits),
            "hard": tf.nn.softmax_cross_entropy_with_logits(labels=hard, logits=logits),
            "dim0": tf.nn.softmax_cross_entropy_with_logits(labels=soft, logits=logits, dim=0)}, {}


@case("softmax_xent_v2", rtol=1e-5, atol=1e-5)
def _(tf):
    rng = _rng("softmax_xent_v2")
    logits = tf.placeholder(tf.float32, [None, 5])
    soft = _soft_labels(rng, 3, 5)
    unnorm = (rng.rand(3, 5) * 2).astype(np.float32)
    l3 = tf.constant(_randn(rng, 2, 3, 4))
    lab3 = tf.constant(_soft_labels(rng, 2, 3, 4))
    return ({"soft": tf.nn.softmax_cross_entropy_with_logits_v2(labels=tf.constant(soft), logits=logits),
             "unnormalized_labels": tf.nn.softmax_cross_entropy_with_logits_v2(labels=tf.constant(unnorm), logits=logits),
             "rank3": tf.nn.softmax_cross_entropy_with_logits_v2(labels=lab3, logits=l3),
             "axis1_rank3": tf.nn.softmax_cross_entropy_with_logits_v2(labels=lab3, logits=l3, axis=1)},
            {logits: _randn(rng, 3, 5) * 3})


@case("softmax_xent_large_logits", rtol=1e-5, atol=1e-5)
def _(tf):
    logits = tf.constant([[1000.0, 0.0, -1000.0], [50.0, 50.0, 50.0]])
    labels = tf.constant([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])
    return {"v2": tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits),
            "sparse": tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant([2, 0]), logits=logits)}, {}


@case("sparse_softmax_xent", rtol=1e-5, atol=1e-5)
def _(tf):
    rng = _rng("sparse_softmax_xent")
    logits = tf.constant(_randn(rng, 4, 5) * 2)
    l3 = tf.constant(_randn(rng, 2, 3, 4))
    lab64 = tf.placeholder(tf.int64, [None])
    return ({"i32": tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant([0, 4, 2, 2]), logits=logits),
             "i64_fed": tf.nn.sparse_softmax_cross_entropy_with_logits(labels=lab64, logits=logits),
             "rank3": tf.nn.sparse_softmax_cross_entropy_with_logits(
                 labels=tf.constant([[0, 1, 3], [3, 3, 2]]), logits=l3)},
            {lab64: np.array([1, 1, 3, 0], np.int64)})


@case("sigmoid_xent", rtol=1e-5, atol=1e-6)
def _(tf):
    rng = _rng("sigmoid_xent")
    logits = _randn(rng, 3, 4) * 3
    hard = (rng.rand(3, 4) > 0.5).astype(np.float32)
    soft = rng.rand(3, 4).astype(np.float32)
    big = tf.constant([-100.0, -30.0, 0.0, 30.0, 100.0])
    return {"hard": tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant(hard), logits=tf.constant(logits)),
            "soft": tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant(soft), logits=tf.constant(logits)),
            "large": tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant([1.0, 0.0, 0.5, 1.0, 0.0]), logits=big)}, {}


@case("l2_loss", rtol=1e-5, atol=1e-6)
def _(tf):
    rng = _rng("l2_loss")
    return {"r2": tf.nn.l2_loss(tf.constant(_randn(rng, 3, 4))), "r1": tf.nn.l2_loss(tf.constant([3.0, 4.0])),
            "f64": tf.nn.l2_loss(tf.constant(rng.randn(2, 2)))}, {}


@case("bias_add", rtol=1e-6, atol=1e-6)
def _(tf):
    rng = _rng("bias_add")
    x = tf.placeholder(tf.float32, [None, 4])
    b = tf.constant(_randn(rng, 4))
    x3 = tf.constant(_randn(rng, 2, 3, 4))
    x4 = tf.constant(_randn(rng, 2, 2, 3, 4))
    return ({"r2": tf.nn.bias_add(x, b), "r3": tf.nn.bias_add(x3, b), "r4": tf.nn.bias_add(x4, b),
             "int": tf.nn.bias_add(tf.constant([[1, 2], [3, 4]]), tf.constant([10, 20]))},
            {x: _randn(rng, 3, 4)})


@case("xw_plus_b", rtol=1e-5, atol=1e-5)
def _(tf):
    rng = _rng("xw_plus_b")
    x = tf.placeholder(tf.float32, [None, 4])
    w = tf.get_variable("w", initializer=tf.constant(_randn(rng, 4, 3)))
    b = tf.get_variable("b", initializer=tf.constant(_randn(rng, 3)))
    return {"y": tf.nn.xw_plus_b(x, w, b)}, {x: _randn(rng, 5, 4)}


@case("dropout_keep_prob", kind="stats", atol=0.015, summaries={"y": ("dropout", "x"), "x": "ref"})
def _(tf):
    x = tf.constant(_pos(_rng("dropout_keep_prob"), 500, 200))
    return {"x": x, "y": tf.nn.dropout(x, keep_prob=0.7, seed=31)}, {}


@case("dropout_rate", kind="stats", atol=0.015, summaries={"y": ("dropout", "x"), "x": "ref"})
def _(tf):
    x = tf.constant(_pos(_rng("dropout_rate"), 500, 200))
    return {"x": x, "y": tf.nn.dropout(x, rate=0.25, seed=32)}, {}


@case("dropout_fed_keep_prob", kind="stats", atol=0.015, summaries={"y": ("dropout", "x"), "x": "ref"})
def _(tf):
    x = tf.placeholder(tf.float32, [None, 200])
    kp = tf.placeholder(tf.float32, [])
    return ({"x": tf.identity(x), "y": tf.nn.dropout(x, keep_prob=kp, seed=33)},
            {x: _pos(_rng("dropout_fed_keep_prob"), 500, 200), kp: np.float32(0.6)})


@case("dropout_noise_shape", kind="stats", atol=0.025,
      summaries={"y": ("dropout_rows", "x"), "x": "ref"})
def _(tf):
    # noise_shape=[N, 1]: one keep/drop decision per row
    x = tf.constant(_pos(_rng("dropout_noise_shape"), 20000, 5))
    return {"x": x, "y": tf.nn.dropout(x, keep_prob=0.8, noise_shape=[20000, 1], seed=34)}, {}


@case("dropout_keep_all")
def _(tf):
    x = tf.constant(_randn(_rng("dropout_keep_all"), 3, 4))
    return {"keep1": tf.nn.dropout(x, keep_prob=1.0), "rate0": tf.nn.dropout(x, rate=0.0)}, {}


@case("clip_by_value")
def _(tf):
    rng = _rng("clip_by_value")
    x = tf.constant(_randn(rng, 3, 4))
    return {"scalars": tf.clip_by_value(x, -0.5, 0.5),
            "tensor_bounds": tf.clip_by_value(x, tf.constant(_randn(rng, 3, 4) - 1), tf.constant(_randn(rng, 3, 4) + 1)),
            "int": tf.clip_by_value(tf.constant([-5, 0, 3, 9]), 0, 4)}, {}


@case("clip_by_norm", rtol=1e-5, atol=1e-6)
def _(tf):
    rng = _rng("clip_by_norm")
    x = tf.constant(_randn(rng, 3, 4) * 2)
    return {"above": tf.clip_by_norm(x, 1.0), "below": tf.clip_by_norm(x, 100.0),
            "axes1": tf.clip_by_norm(x, 1.5, axes=[1]), "axes0": tf.clip_by_norm(x, 1.5, axes=0),
            "zeros": tf.clip_by_norm(tf.zeros([2, 2]), 1.0),
            "tensor_clip": tf.clip_by_norm(x, tf.constant(2.0))}, {}


@case("global_norm", rtol=1e-5, atol=1e-6)
def _(tf):
    rng = _rng("global_norm")
    a = tf.constant(_randn(rng, 3, 4))
    b = tf.constant(_randn(rng, 5))
    c = tf.constant(2.0)
    return {"two": tf.global_norm([a, b]), "three": tf.global_norm([a, b, c]),
            "with_none": tf.global_norm([a, None, b]), "single": tf.global_norm([b])}, {}


@case("clip_by_global_norm", rtol=1e-5, atol=1e-6)
def _(tf):
    rng = _rng("clip_by_global_norm")
    ts = [tf.constant(_randn(rng, 3, 4)), tf.constant(_randn(rng, 5)), tf.constant(_randn(rng, 2, 2, 2))]
    clipped, norm = tf.clip_by_global_norm(ts, 1.0)
    unclipped, norm2 = tf.clip_by_global_norm(ts, 100.0)
    used, norm3 = tf.clip_by_global_norm(ts, 1.0, use_norm=tf.constant(4.0))
    with_none, norm4 = tf.clip_by_global_norm([ts[0], None, ts[1]], 2.0)
    out = {"norm": norm, "norm_big_clip": norm2, "use_norm_returned": norm3, "norm_with_none": norm4}
    for i, t in enumerate(clipped):
        out["clipped_%d" % i] = t
    for i, t in enumerate(unclipped):
        out["unclipped_%d" % i] = t
    for i, t in enumerate(used):
        out["use_norm_%d" % i] = t
    out["with_none_0"] = with_none[0]
    out["with_none_2"] = with_none[2]
    out["with_none_1_is_none"] = tf.constant(with_none[1] is None)
    return out, {}


@case("identity_stop_gradient")
def _(tf):
    x = tf.placeholder(tf.float32, [None, 2])
    v = tf.Variable([1, 2])
    return ({"identity": tf.identity(x), "stop_gradient": tf.stop_gradient(x * 2.0),
             "identity_var": tf.identity(v), "stop_gradient_int": tf.stop_gradient(v)},
            {x: _randn(_rng("identity_stop_gradient"), 3, 2)})


# ===========================================================================
# random ops (stats)
# ===========================================================================


@case("random_uniform_default", kind="stats", atol=0.012, summaries={"y": "bounded"})
def _(tf):
    return {"y": tf.random_uniform([500, 200], seed=41)}, {}


@case("random_uniform_range", kind="stats", atol=0.06, summaries={"y": "bounded", "y64": "bounded"})
def _(tf):
    return {"y": tf.random_uniform([500, 200], minval=-2.0, maxval=3.0, seed=42),
            "y64": tf.random_uniform([N_STATS], -2.0, 3.0, dtype=tf.float64, seed=43)}, {}


@case("random_uniform_int", kind="stats", atol=0.07, summaries={"y": "discrete", "y64": "discrete"})
def _(tf):
    # ints in [minval, maxval): min must be -3 and max 6
    return {"y": tf.random_uniform([N_STATS], minval=-3, maxval=7, dtype=tf.int32, seed=44),
            "y64": tf.random_uniform([N_STATS], minval=0, maxval=10, dtype=tf.int64, seed=45)}, {}


@case("random_uniform_dynamic_shape", kind="stats", atol=0.012, summaries={"y": "bounded"})
def _(tf):
    n = tf.placeholder(tf.int32, [])
    return {"y": tf.random_uniform(tf.stack([n, 200]), seed=46)}, {n: np.int32(500)}


@case("random_normal", kind="stats", atol=0.06, summaries={"std": "unbounded", "shifted": "unbounded"})
def _(tf):
    return {"std": tf.random_normal([500, 200], seed=47),
            "shifted": tf.random_normal([N_STATS], mean=-1.0, stddev=0.5, seed=48)}, {}


@case("random_normal_f64", kind="stats", atol=0.18, summaries={"y": "unbounded"})
def _(tf):
    return {"y": tf.random_normal([N_STATS], mean=2.0, stddev=3.0, dtype=tf.float64, seed=49)}, {}


@case("truncated_normal", kind="stats", atol=0.045, summaries={"std": "bounded", "shifted": "bounded"})
def _(tf):
    # values restricted to mean +- 2*stddev
    return {"std": tf.truncated_normal([500, 200], seed=50),
            "shifted": tf.truncated_normal([N_STATS], mean=2.0, stddev=0.5, seed=51)}, {}
