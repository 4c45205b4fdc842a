"""Generate TensorFlow goldens for tests/parity/rnn_cases.py (RNN API and
control flow).

Run from the repository root with the separate TensorFlow virtualenv (the test
suite itself never needs TensorFlow):

    TF_USE_LEGACY_KERAS=1 /work/tfvenv/bin/python tests/parity/make_rnn_goldens.py

Writes
    tests/parity/goldens/rnn.npz                   "<case>/fetch/<fetch>" -> value,
                                                   "<case>/var/<variable name>" -> initial value
    tests/parity/goldens/rnn_meta.json             versions, date, per case: tolerances, note,
                                                   variables (name, shape, dtype, trainable),
                                                   fetches (dtype, shape, static_shape)
    tests/parity/goldens/tf_rnn_error_messages.json verbatim TF error messages of ERROR_CASES

Mode: ``tf.disable_v2_behavior()`` -- TF1 ref variables, TF1 names, v1 control
flow (Switch/Merge/Enter/Exit/NextIteration, TensorArrayV3), like
make_op_goldens.py.  In TF 2.21 the tf.nn.rnn_cell classes are tf_keras's
legacy cells (tf_keras/src/layers/rnn/legacy_cells.py, the TF 1.x
rnn_cell_impl code moved); TF_USE_LEGACY_KERAS=1 makes tf.compat.v1 use them.

After writing, every case is re-run with the recorded weights loaded through
``var.load`` (exactly what the rnngraph test does) and checked with
``check_rnn_case`` against the files just written; the script fails if any
case does not match its own goldens.  ``--no-check`` skips that.
"""

import datetime
import json
import os
import platform
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()
tf.logging.set_verbosity(tf.logging.ERROR)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import rnn_cases  # noqa: E402
from make_op_goldens import save_npz_deterministic  # noqa: E402

GOLDEN_DIR = os.path.join(HERE, "goldens")
NPZ = os.path.join(GOLDEN_DIR, "rnn.npz")
META = os.path.join(GOLDEN_DIR, "rnn_meta.json")
ERRORS = os.path.join(GOLDEN_DIR, "tf_rnn_error_messages.json")


def make_rnn_goldens():
    arrays = {}
    case_meta = {}
    for name, c in rnn_cases.CASES.items():
        res = rnn_cases.run_rnn_case(tf, c)
        variables = []
        for vname, shape, dtype, trainable in res["variables"]:
            variables.append({"name": vname, "shape": shape, "dtype": dtype,
                              "trainable": trainable})
            arrays[rnn_cases.golden_var_key(name, vname)] = res["variable_values"][vname]
        fetches = {}
        for fetch, raw in res["fetches"].items():
            if raw.dtype == object or raw.dtype.kind in "SUO":
                raise TypeError("%s/%s: non-numeric fetch dtype %s" % (name, fetch, raw.dtype))
            if raw.size > 4096:
                raise ValueError("%s/%s: fetch too large (%d elements)" % (name, fetch, raw.size))
            fetches[fetch] = {"dtype": raw.dtype.name, "shape": list(raw.shape),
                              "static_shape": res["static_shapes"][fetch]}
            arrays[rnn_cases.golden_fetch_key(name, fetch)] = raw
        case_meta[name] = {"rtol": c.rtol, "atol": c.atol, "note": c.note,
                           "variables": variables, "fetches": fetches}
    _check_decoder_margins(arrays)
    return arrays, case_meta


def _check_decoder_margins(arrays):
    """The greedy decoder feeds back argmax(logits): make sure no step is a
    near-tie that a 1e-5 difference could flip."""
    logits = arrays["raw_rnn.greedy_decoder/fetch/logits"]
    ids = arrays["raw_rnn.greedy_decoder/fetch/ids"]
    top2 = np.sort(logits, axis=-1)[..., -2:]
    live = np.any(logits != 0, axis=-1)
    margin = (top2[..., 1] - top2[..., 0])[live]
    if margin.size and margin.min() < 1e-3:
        raise AssertionError("greedy decoder argmax margin %.3g too small" % margin.min())
    ends = int(np.sum(ids == rnn_cases.END_TOKEN))
    print("greedy decoder: %d steps, min argmax margin %.4f, end tokens emitted: %d"
          % (logits.shape[0], margin.min(), ends))


def make_error_messages():
    out = {}
    for name, ec in rnn_cases.ERROR_CASES.items():
        rec = rnn_cases.run_error_case(tf, ec)
        rec["how"] = ec.how
        out[name] = rec
    return out


def check_goldens():
    goldens = np.load(NPZ, allow_pickle=False)
    meta = json.load(open(META))
    failures = 0
    for name, c in rnn_cases.CASES.items():
        res = rnn_cases.run_rnn_case(tf, c, goldens)
        problems = rnn_cases.check_rnn_case(c, res, goldens, meta)
        if res["not_loaded"]:
            problems.append("variables without golden value: %s" % res["not_loaded"])
        if problems:
            failures += 1
            print("FAIL %s\n  %s" % (name, "\n  ".join(problems)))
    assert set(meta["cases"]) == set(rnn_cases.CASES)
    print("self-check: %d/%d cases match their goldens" % (len(rnn_cases.CASES) - failures,
                                                           len(rnn_cases.CASES)))
    return failures


def main():
    os.makedirs(GOLDEN_DIR, exist_ok=True)
    arrays, case_meta = make_rnn_goldens()
    save_npz_deterministic(NPZ, arrays)
    with np.load(NPZ, allow_pickle=False) as z:
        assert sorted(z.files) == sorted(arrays), "npz key round-trip failed"
    meta = {
        "generator": "tests/parity/make_rnn_goldens.py",
        "tensorflow_version": tf.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "platform": platform.platform(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tf_mode": "tf.compat.v1 + disable_v2_behavior() (TF_USE_LEGACY_KERAS=1: tf_keras legacy rnn cells)",
        "graph_seed": rnn_cases.GRAPH_SEED,
        "key_format": {"fetch": "<case>/fetch/<flat fetch name>", "variable": "<case>/var/<v.name>"},
        "n_cases": len(case_meta),
        "n_stored_arrays": len(arrays),
        "cases": case_meta,
    }
    with open(META, "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")

    errors = make_error_messages()
    err_doc = {
        "_about": ("Verbatim TensorFlow %s error messages for RNN / control-flow / TensorArray "
                   "misuse (tf.compat.v1, disable_v2_behavior, CPU), produced by "
                   "tests/parity/rnn_cases.py ERROR_CASES via run_error_case. 'message' is "
                   "e.message (OpError) or str(e) with the Python stack frames removed; "
                   "'core_message' is the kernel's own text; 'core_message_normalized' replaces "
                   "the process-global TensorArray counter ('TensorArray <name>_<N>:'). "
                   "raised_at: build | initializer | session.run. A case that raises nothing "
                   "has exception null and its 'result'." % tf.__version__),
        "tensorflow_version": tf.__version__,
        "errors": errors,
    }
    with open(ERRORS, "w") as f:
        json.dump(err_doc, f, indent=1, sort_keys=True)
        f.write("\n")

    print("tensorflow %s, numpy %s" % (tf.__version__, np.__version__))
    print("cases: %d, stored arrays: %d, rnn.npz: %d bytes"
          % (len(case_meta), len(arrays), os.path.getsize(NPZ)))
    print("error cases: %d (%d without an error)"
          % (len(errors), sum(1 for e in errors.values() if e["exception"] is None)))
    if "--no-check" not in sys.argv[1:]:
        if check_goldens():
            sys.exit(1)


if __name__ == "__main__":
    main()
