"""Generate TensorFlow goldens for the RNN cell cases of tests/parity/cell_cases.py.

Run from the repository root with the separate TensorFlow virtualenv (the test suite
itself never needs TensorFlow):

    TF_USE_LEGACY_KERAS=1 /work/tfvenv/bin/python tests/parity/make_cell_goldens.py

Writes tests/parity/goldens/cells.npz with, per case, "<case>/var/<variable name>" (the
weights loaded into the variables, which also records TF's variable names and shapes)
and "<case>/out/<fetch>" (outputs and flattened states of two steps). Mode:
tf.disable_v2_behavior() (TF1 graph semantics, ref variables, TF1 variable names).
"""
import io
import warnings
import os
import sys
import zipfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # noqa: E402
import tensorflow.compat.v1 as tf  # noqa: E402

tf.disable_v2_behavior()
tf.logging.set_verbosity(tf.logging.ERROR)
warnings.filterwarnings("ignore", message=".*is deprecated")

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cell_cases  # noqa: E402


def _write_npz(path, arrays):
    """np.savez with fixed zip timestamps, so regenerating is byte-for-byte reproducible."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[key]), allow_pickle=False)
            info = zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, buf.getvalue())


def main():
    arrays = {}
    for name in cell_cases.CASES:
        result = cell_cases.run_case(tf, name)
        for var_name, value in result["vars"].items():
            arrays["%s/var/%s" % (name, var_name)] = value
        for key, value in result["outputs"].items():
            arrays["%s/out/%s" % (name, key)] = value
        print(name, sorted(result["vars"]))
    path = os.path.join(HERE, "goldens", "cells.npz")
    _write_npz(path, arrays)
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
