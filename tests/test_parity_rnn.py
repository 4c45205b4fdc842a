"""TF1 parity for control flow and the RNN API: every case of tests/parity/rnn_cases.py,
run on rnngraph with TF's weights loaded by variable name, against the goldens TensorFlow
computed (tests/parity/make_rnn_goldens.py). Checks variable names and shapes, fetch
dtypes, shapes, static shapes (at least as specific as TF's) and values to 1e-5."""
import json
import os

import numpy as np
import pytest

import rnngraph as tf
from parity import rnn_cases

HERE = os.path.join(os.path.dirname(__file__), "parity", "goldens")
GOLDENS = np.load(os.path.join(HERE, "rnn.npz"))
META = json.load(open(os.path.join(HERE, "rnn_meta.json")))
TF_ERRORS = json.load(open(os.path.join(HERE, "tf_rnn_error_messages.json")))

# Deliberate departures from TF1, each tested for rnngraph's own behaviour below.
DEPARTURES = {
    # TF1 silently treats a sequence_length above max_time as max_time; the issue asks for a
    # clear run-time error instead of garbage.
    "dynamic_rnn.gru.seqlen_exceeds_time": "sequence_length > max_time is an InvalidArgumentError",
}


@pytest.mark.parametrize("name", [n for n in rnn_cases.CASES if n not in DEPARTURES])
def test_rnn_matches_tf1(name):
    case = rnn_cases.CASES[name]
    result = rnn_cases.run_rnn_case(tf, case, GOLDENS)
    problems = rnn_cases.check_rnn_case(case, result, GOLDENS, META)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", sorted(DEPARTURES))
def test_departures_raise_clear_errors(name):
    with pytest.raises(tf.errors.InvalidArgumentError, match="sequence_length"):
        rnn_cases.run_rnn_case(tf, rnn_cases.CASES[name], GOLDENS)


def test_every_golden_has_a_case():
    assert set(META["cases"]) == set(rnn_cases.CASES)


# Error cases where rnngraph deliberately differs from TF1: name -> (exception, phase).
ERROR_DEPARTURES = {
    # A clear error instead of TF1's silent clamping to max_time.
    "dynamic_rnn_seqlen_exceeds_max_time_run": ("InvalidArgumentError", "session.run"),
    "static_rnn_seqlen_exceeds_num_steps_run": ("InvalidArgumentError", "session.run"),
    # Caught while building instead of when the loop first runs.
    "while_loop_body_dtype_mismatch": ("ValueError", "build"),
    # TF1 reverses nested backward outputs as one packed tensor (a bug); rnngraph reverses
    # each element, so these graphs build and run.
    "bidirectional_dynamic_rnn_nested_outputs_seqlen": (None, None),
    "bidirectional_dynamic_rnn_nested_outputs_unequal_sizes": (None, None),
}


@pytest.mark.parametrize("name", list(rnn_cases.ERROR_CASES))
def test_errors_match_tf1(name):
    ours = rnn_cases.run_error_case(tf, rnn_cases.ERROR_CASES[name])
    want = TF_ERRORS["errors"][name]
    expected = ERROR_DEPARTURES.get(name, (want["exception"], want["raised_at"]))
    assert (ours["exception"], ours["raised_at"]) == expected, ours["message"]
    if ours["exception"] is not None:
        assert ours["message"].strip(), "an error must say what went wrong"
