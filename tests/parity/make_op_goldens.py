"""Generate TensorFlow goldens for tests/parity/op_cases.py.

Run from the repository root with the separate TensorFlow virtualenv (the test
suite itself never needs TensorFlow):

    TF_USE_LEGACY_KERAS=1 /work/tfvenv/bin/python tests/parity/make_op_goldens.py

Writes
    tests/parity/goldens/ops.npz               "<case>/<fetch>" -> array (or summary)
    tests/parity/goldens/ops_meta.json         versions, date, per-fetch dtype/shape/summary
    tests/parity/goldens/tf_error_messages.json verbatim TF error messages

Mode: ``tf.disable_v2_behavior()`` (which includes disable_eager_execution).
TF1 semantics are the spec, and disable_v2_behavior is what actually gives
TF1 graph semantics beyond "no eager": ref variables instead of resource
variables, v1 TensorShape/Dimension behaviour, Tensor.__eq__ by identity
(not elementwise), v1 control flow.  None of those change the *values* of the
op cases (checked: the goldens are identical with only
disable_eager_execution), but the error-message texts do depend on it (e.g.
"Attempting to use uninitialized value" is the ref-variable message); the
resource-variable variants are recorded too.
"""

import datetime
import json
import os
import platform
import re
import sys
import traceback

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()
tf.logging.set_verbosity(tf.logging.ERROR)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import op_cases  # noqa: E402

GOLDEN_DIR = os.path.join(HERE, "goldens")


# ---------------------------------------------------------------------------
# op goldens
# ---------------------------------------------------------------------------

GRAPH_SEED = 20240601


def _with_graph_seed(build):
    """Fix the graph-level seed so regenerating gives identical goldens (the
    cases set op-level seeds too, but e.g. get_variable's default initializer
    has none).  rnngraph's draws differ anyway: stats cases compare summaries."""
    def seeded(tf_):
        tf_.set_random_seed(GRAPH_SEED)
        return build(tf_)
    return seeded


def save_npz_deterministic(path, arrays):
    """Like np.savez_compressed, but with fixed zip timestamps and sorted keys
    so that regenerating unchanged goldens gives a byte-identical file."""
    import io
    import zipfile
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asanyarray(arrays[key]), allow_pickle=False)
            info = zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())


def make_op_goldens():
    arrays = {}
    fetch_meta = {}
    case_meta = {}
    for name, c in op_cases.CASES.items():
        outputs = op_cases.run_case(tf, c._replace(build=_with_graph_seed(c.build)))
        summaries = op_cases.summarize_outputs(c, outputs)
        case_meta[name] = {"kind": c.kind, "rtol": c.rtol, "atol": c.atol}
        for fetch, raw in sorted(outputs.items()):
            key = op_cases.golden_key(name, fetch)
            skind, ref = op_cases.fetch_summary_kind(c, fetch)
            if raw.dtype == object or raw.dtype.kind in "SUO":
                raise TypeError("%s: non-numeric fetch dtype %s" % (key, raw.dtype))
            info = {"dtype": raw.dtype.name, "shape": list(raw.shape), "summary": skind}
            if ref is not None:
                info["summary_ref"] = ref
            if skind != "exact" and skind != "ref":
                info["stat_names"] = list(op_cases.STAT_NAMES[skind])
            fetch_meta[key] = info
            if skind == "ref":
                continue
            value = summaries[fetch]
            if skind == "exact" and raw.size > 4096:
                raise ValueError("%s: exact fetch too large (%d elements)" % (key, raw.size))
            arrays[key] = np.asarray(value)
    return arrays, fetch_meta, case_meta


# ---------------------------------------------------------------------------
# error messages
# ---------------------------------------------------------------------------

_PHASE = {"where": "build"}


def _run(fetches, feed_dict=None, session=None):
    """Create a session on the default graph and run; marks the phase."""
    sess = session or tf.Session()
    try:
        _PHASE["where"] = "session.run"
        return sess.run(fetches, feed_dict)
    finally:
        if session is None:
            sess.close()


_FRAME_RE = re.compile(r'^\s+File ".*", line \d+, in .*\n', re.M)


def _clean(msg):
    """Remove the Python stack frames TF embeds in messages (local paths)."""
    msg = _FRAME_RE.sub("", msg)
    for marker in ("\n\nOriginal stack trace", " Originally defined at:"):
        i = msg.find(marker)
        if i >= 0:
            msg = msg[:i]
    return msg.rstrip()


def _core(msg):
    """The kernel's own text: after "Node: '...'" / "Graph execution error:",
    before the "\n\t [[{{node ...}}]]" suffix."""
    m = re.search(r"\nNode: '[^']*'\n", msg)
    if m:
        msg = msg[m.end():]
    elif msg.startswith("Graph execution error:\n\n"):
        msg = msg[len("Graph execution error:\n\n"):]
    i = msg.find("\n\t [[")
    if i >= 0:
        msg = msg[:i]
    return msg.strip()


def _capture(fn):
    g = tf.Graph()
    _PHASE["where"] = "build"
    with g.as_default():
        try:
            result = fn()
        except Exception as e:  # noqa: BLE001 - we want every error type
            full = str(e)
            msg = getattr(e, "message", None) or full
            rec = {"exception": type(e).__name__,
                   "exception_module": type(e).__module__,
                   "raised_at": _PHASE["where"],
                   "message": _clean(msg),
                   "core_message": _core(_clean(msg))}
            if isinstance(e, tf.errors.OpError):
                rec["error_code"] = int(e.error_code)
                rec["op_name"] = e.op.name if e.op is not None else None
            return rec
    return {"exception": None, "raised_at": None, "message": "NO ERROR RAISED",
            "result": None if result is None else np.asarray(result).tolist()}


def make_error_messages():
    errs = {}

    def feed_wrong_shape():
        x = tf.placeholder(tf.float32, [None, 3])
        _run(x * 2.0, {x: np.zeros((2, 4), np.float32)})
    errs["feed_wrong_shape"] = (feed_wrong_shape, "placeholder [None,3] fed a (2,4) array")

    def feed_wrong_rank():
        x = tf.placeholder(tf.float32, [None, 3], name="inputs")
        _run(x * 2.0, {x: np.zeros((3,), np.float32)})
    errs["feed_wrong_rank"] = (feed_wrong_rank, "placeholder [None,3] named 'inputs' fed a (3,) array")

    def missing_feed():
        x = tf.placeholder(tf.float32, [None, 3])
        _run(x * 2.0)
    errs["missing_feed"] = (missing_feed, "fetch depends on placeholder [None,3] float32 that is not fed")

    def missing_feed_int_named():
        x = tf.placeholder(tf.int32, [2], name="ids")
        _run(x + 1)
    errs["missing_feed_int_named"] = (missing_feed_int_named, "int32 placeholder [2] named 'ids' not fed")

    def missing_feed_unknown_shape():
        x = tf.placeholder(tf.float32)
        _run(x + 1)
    errs["missing_feed_unknown_shape"] = (missing_feed_unknown_shape, "placeholder with unknown shape not fed")

    def uninitialized_variable():
        v = tf.Variable(tf.zeros([2]), name="v")
        _run(v + 1.0)
    errs["uninitialized_variable"] = (uninitialized_variable,
                                      "tf.Variable named 'v' (ref variable, disable_v2_behavior) read before init")

    def uninitialized_get_variable():
        with tf.variable_scope("scope"):
            w = tf.get_variable("w", [2, 3])
        _run(w)
    errs["uninitialized_get_variable"] = (uninitialized_get_variable,
                                          "get_variable 'scope/w' fetched directly before init (ref variable)")

    def uninitialized_resource_variable():
        v = tf.get_variable("v", [2], use_resource=True)
        _run(v + 1.0)
    errs["uninitialized_resource_variable"] = (uninitialized_resource_variable,
                                               "resource variable (use_resource=True) read before init")

    def gather_out_of_range():
        p = tf.constant(np.arange(10, dtype=np.float32).reshape(5, 2))
        _run(tf.gather(p, [0, 7]))
    errs["gather_out_of_range"] = (gather_out_of_range, "tf.gather(params[5,2], [0, 7])")

    def gather_out_of_range_negative():
        p = tf.constant(np.arange(10, dtype=np.float32).reshape(5, 2))
        _run(tf.gather(p, [-1]))
    errs["gather_out_of_range_negative"] = (gather_out_of_range_negative, "tf.gather(params[5,2], [-1])")

    def gather_out_of_range_axis1():
        p = tf.constant(np.arange(10, dtype=np.float32).reshape(5, 2))
        _run(tf.gather(p, [[1, 2]], axis=1))
    errs["gather_out_of_range_axis1"] = (gather_out_of_range_axis1, "tf.gather(params[5,2], [[1, 2]], axis=1)")

    def embedding_lookup_out_of_range():
        p = tf.constant(np.zeros((5, 2), np.float32))
        ids = tf.placeholder(tf.int32, [None])
        _run(tf.nn.embedding_lookup(p, ids), {ids: [1, 5]})
    errs["embedding_lookup_out_of_range"] = (embedding_lookup_out_of_range, "embedding_lookup(params[5,2], ids=[1,5])")

    def get_variable_without_reuse():
        tf.get_variable("w", [2])
        tf.get_variable("w", [2])
    errs["get_variable_without_reuse"] = (get_variable_without_reuse, "get_variable('w') twice, no reuse")

    def get_variable_without_reuse_scoped():
        with tf.variable_scope("layer"):
            tf.get_variable("w", [2])
        with tf.variable_scope("layer"):
            tf.get_variable("w", [2])
    errs["get_variable_without_reuse_scoped"] = (get_variable_without_reuse_scoped,
                                                 "get_variable('layer/w') twice, no reuse")

    def get_variable_reuse_missing():
        with tf.variable_scope("layer", reuse=True):
            tf.get_variable("w", [2])
    errs["get_variable_reuse_missing"] = (get_variable_reuse_missing, "reuse=True but 'layer/w' does not exist")

    def get_variable_reuse_shape_mismatch():
        with tf.variable_scope("layer"):
            tf.get_variable("w", [2, 3])
        with tf.variable_scope("layer", reuse=True):
            tf.get_variable("w", [3, 3])
    errs["get_variable_reuse_shape_mismatch"] = (get_variable_reuse_shape_mismatch,
                                                 "reuse of 'layer/w' [2,3] requested with shape [3,3]")

    def get_variable_no_shape():
        tf.get_variable("w")
    errs["get_variable_no_shape"] = (get_variable_no_shape, "get_variable('w') with neither shape nor initializer")

    def add_shape_mismatch_build():
        a = tf.placeholder(tf.float32, [2, 3])
        b = tf.placeholder(tf.float32, [2, 4])
        tf.add(a, b)
    errs["add_shape_mismatch_build"] = (add_shape_mismatch_build, "tf.add of [2,3] and [2,4] placeholders")

    def add_shape_mismatch_build_constants():
        tf.constant(np.zeros((2, 3), np.float32)) + tf.constant(np.zeros((4,), np.float32))
    errs["add_shape_mismatch_build_constants"] = (add_shape_mismatch_build_constants, "constant [2,3] + constant [4]")

    def add_shape_mismatch_run():
        a = tf.placeholder(tf.float32, [None, 3])
        b = tf.placeholder(tf.float32, [None, 3])
        _run(a + b, {a: np.zeros((2, 3), np.float32), b: np.zeros((4, 3), np.float32)})
    errs["add_shape_mismatch_run"] = (add_shape_mismatch_run, "a[None,3] + b[None,3] fed (2,3) and (4,3)")

    def matmul_shape_mismatch_build():
        tf.matmul(tf.placeholder(tf.float32, [2, 3]), tf.placeholder(tf.float32, [4, 5]))
    errs["matmul_shape_mismatch_build"] = (matmul_shape_mismatch_build, "matmul [2,3] x [4,5]")

    def matmul_shape_mismatch_run():
        a = tf.placeholder(tf.float32, [None, None])
        b = tf.placeholder(tf.float32, [None, None])
        _run(tf.matmul(a, b), {a: np.zeros((2, 3), np.float32), b: np.zeros((4, 5), np.float32)})
    errs["matmul_shape_mismatch_run"] = (matmul_shape_mismatch_run, "matmul fed (2,3) x (4,5)")

    def add_dtype_mismatch_build():
        tf.constant([1.0, 2.0]) + tf.constant([1, 2])
    errs["add_dtype_mismatch_build"] = (add_dtype_mismatch_build, "float32 tensor + int32 tensor")

    def reshape_mismatch_build():
        tf.reshape(tf.constant(np.zeros((2, 3), np.float32)), [4, 2])
    errs["reshape_mismatch_build"] = (reshape_mismatch_build, "reshape 6 elements to [4,2]")

    def reshape_mismatch_run():
        x = tf.placeholder(tf.float32, [None, None])
        _run(tf.reshape(x, [4, 2]), {x: np.zeros((2, 3), np.float32)})
    errs["reshape_mismatch_run"] = (reshape_mismatch_run, "reshape fed (2,3) to [4,2]")

    def concat_rank_mismatch_build():
        tf.concat([tf.zeros([2, 3]), tf.zeros([2])], 0)
    errs["concat_rank_mismatch_build"] = (concat_rank_mismatch_build, "concat [2,3] with [2] on axis 0")

    def sparse_xent_label_out_of_range():
        logits = tf.constant(np.zeros((2, 3), np.float32))
        _run(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant([0, 3]), logits=logits))
    errs["sparse_xent_label_out_of_range"] = (sparse_xent_label_out_of_range, "sparse xent, label 3 with 3 classes (CPU)")

    def int_pow_negative_exponent():
        _run(tf.pow(tf.constant([2, 3]), tf.constant([-1, 2])))
    errs["int_pow_negative_exponent"] = (int_pow_negative_exponent, "tf.pow int32 with negative exponent")

    def int_division_by_zero():
        _run(tf.floordiv(tf.constant([1, 2]), tf.constant([1, 0])))
    errs["int_division_by_zero"] = (int_division_by_zero, "tf.floordiv int32 by zero")

    def fetch_from_other_graph():
        tf.constant(0.0)  # non-empty default graph
        other = tf.Graph()
        with other.as_default():
            t = tf.constant(1.0, name="other_const")
        _run(t)
    errs["fetch_from_other_graph"] = (fetch_from_other_graph, "session of graph A fetches a tensor of graph B")

    def fetch_none():
        tf.constant(0.0)  # non-empty default graph
        _run(None)
    errs["fetch_none"] = (fetch_none, "sess.run(None)")

    def run_closed_session():
        t = tf.constant(1.0)
        s = tf.Session()
        s.close()
        _run(t, session=s)
    errs["run_closed_session"] = (run_closed_session, "run on a closed session")

    def feed_non_placeholder_wrong_shape():
        c = tf.constant([1.0, 2.0])
        _run(c * 2.0, {c: [1.0, 2.0, 3.0]})
    errs["feed_non_placeholder_wrong_shape"] = (feed_non_placeholder_wrong_shape,
                                                "feeding a constant (allowed) with a wrong shape")

    def feed_wrong_dtype_string():
        x = tf.placeholder(tf.float32, [2])
        _run(x, {x: ["a", "b"]})
    errs["feed_wrong_dtype_string"] = (feed_wrong_dtype_string, "feeding strings to a float32 placeholder")

    def where_select_shape_mismatch_build():
        tf.where(tf.constant([True, False]), tf.zeros([2, 3]), tf.zeros([3, 3]))
    errs["where_select_shape_mismatch_build"] = (where_select_shape_mismatch_build,
                                                 "tf.where(cond[2], x[2,3], y[3,3])")

    def split_not_divisible_build():
        tf.split(tf.zeros([2, 5]), 2, axis=1)
    errs["split_not_divisible_build"] = (split_not_divisible_build, "tf.split([2,5], 2, axis=1)")

    def assign_shape_mismatch_build():
        v = tf.Variable(tf.zeros([2, 3]))
        tf.assign(v, tf.zeros([3, 3]))
    errs["assign_shape_mismatch_build"] = (assign_shape_mismatch_build, "tf.assign(var[2,3], zeros[3,3])")

    def strided_slice_index_out_of_range_build():
        tf.constant([1, 2, 3])[5]
    errs["strided_slice_index_out_of_range_build"] = (strided_slice_index_out_of_range_build,
                                                      "tf.constant([1,2,3])[5]")

    def strided_slice_index_out_of_range_run():
        x = tf.placeholder(tf.float32, [None])
        _run(x[5], {x: np.zeros(3, np.float32)})
    errs["strided_slice_index_out_of_range_run"] = (strided_slice_index_out_of_range_run,
                                                    "placeholder[None] fed (3,), fetch x[5]")

    def unstack_unknown_num_build():
        tf.unstack(tf.placeholder(tf.float32, [None, 3]))
    def feed_float_into_int_placeholder():
        x = tf.placeholder(tf.int32, [3])
        return _run(x, {x: np.array([1.7, -1.7, 2.5], np.float32)})
    errs["feed_float_into_int_placeholder"] = (feed_float_into_int_placeholder,
                                               "feeding float32 [1.7,-1.7,2.5] to an int32 placeholder "
                                               "(no error: numpy cast, truncation)")

    def feed_python_float_into_int_placeholder():
        x = tf.placeholder(tf.int32, [])
        return _run(x, {x: 2.5})
    errs["feed_python_float_into_int_placeholder"] = (feed_python_float_into_int_placeholder,
                                                      "feeding Python float 2.5 to an int32 scalar placeholder")

    def feed_python_int_overflow():
        x = tf.placeholder(tf.int32, [])
        return _run(x, {x: 2 ** 40})
    errs["feed_python_int_overflow"] = (feed_python_int_overflow, "feeding 2**40 to an int32 placeholder")

    def fetch_uninitialized_after_partial_init():
        a = tf.Variable(1.0, name="a")
        b = tf.Variable(2.0, name="b")
        s = tf.Session()
        s.run(a.initializer)
        return _run(a + b, session=s)
    errs["fetch_uninitialized_after_partial_init"] = (fetch_uninitialized_after_partial_init,
                                                      "only a.initializer run, fetch a + b")

    def placeholder_feed_list_wrong_length():
        x = tf.placeholder(tf.float32, [3])
        return _run(x, {x: [1.0, 2.0]})
    errs["placeholder_feed_list_wrong_length"] = (placeholder_feed_list_wrong_length,
                                                  "python list of length 2 into placeholder [3]")

    errs["unstack_unknown_num_build"] = (unstack_unknown_num_build, "tf.unstack on unknown leading dim without num")

    out = {}
    for key, (fn, how) in errs.items():
        rec = _capture(fn)
        rec["how"] = how
        out[key] = rec
    return out


# ---------------------------------------------------------------------------


def main():
    os.makedirs(GOLDEN_DIR, exist_ok=True)
    arrays, fetch_meta, case_meta = make_op_goldens()
    npz_path = os.path.join(GOLDEN_DIR, "ops.npz")
    save_npz_deterministic(npz_path, arrays)
    # sanity: round trip, no object arrays
    with np.load(npz_path, allow_pickle=False) as z:
        assert sorted(z.files) == sorted(arrays), "npz key round-trip failed"
    meta = {
        "generator": "tests/parity/make_op_goldens.py",
        "tensorflow_version": tf.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "platform": platform.platform(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tf_mode": "tf.compat.v1 + disable_v2_behavior()",
        "n_cases": len(case_meta),
        "n_fetches": len(fetch_meta),
        "n_stored_arrays": len(arrays),
        "cases": case_meta,
        "fetches": fetch_meta,
    }
    with open(os.path.join(GOLDEN_DIR, "ops_meta.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")

    errors = make_error_messages()
    err_doc = {
        "_about": ("Verbatim TensorFlow %s error messages (tf.compat.v1, disable_v2_behavior, CPU). "
                   "'message' is e.message (OpError) or str(e) with the appended Python stack trace "
                   "('Original stack trace ...' / 'Originally defined at:') removed." % tf.__version__),
        "tensorflow_version": tf.__version__,
        "errors": errors,
    }
    with open(os.path.join(GOLDEN_DIR, "tf_error_messages.json"), "w") as f:
        json.dump(err_doc, f, indent=1, sort_keys=True)
        f.write("\n")

    n_stats = sum(1 for c in case_meta.values() if c["kind"] == "stats")
    print("tensorflow %s, numpy %s" % (tf.__version__, np.__version__))
    print("cases: %d (%d exact, %d stats)" % (len(case_meta), len(case_meta) - n_stats, n_stats))
    print("fetches: %d, stored arrays: %d" % (len(fetch_meta), len(arrays)))
    print("ops.npz: %d bytes" % os.path.getsize(npz_path))
    print("error messages: %d (%d without an error)"
          % (len(errors), sum(1 for e in errors.values() if e["exception"] is None)))


if __name__ == "__main__":
    main()
