"""TF1 gradient parity for control flow and the RNN API: for every case of
tests/parity/rnn_cases.py, rnngraph's tf.gradients(loss, xs) against the gradients
TensorFlow computed (tests/parity/make_rnn_grad_goldens.py).

loss = sum over the case's floating fetches f of reduce_sum(f * C_f) (C_f a fixed NumPy
constant per case and fetch), xs = the floating fed placeholders + the trainable variables,
weights = the forward goldens' (loaded by variable name); see tests/parity/grad_cases.py.
Checked: the same None pattern (TF1's None where the loss does not depend on x), dense vs
IndexedSlices, dtype, shape and values to rtol=1e-4, atol=1e-5 (the loss value first: a loss
that differs points at the forward pass, not the gradients)."""
import json
import os

import warnings

import numpy as np
import pytest

import rnngraph as tf
from parity import grad_cases, rnn_cases
from runtime.session import TargetFallbackWarning

HERE = os.path.join(os.path.dirname(__file__), "parity", "goldens")
RNN_GOLDENS = np.load(os.path.join(HERE, "rnn.npz"))
RNN_META = json.load(open(os.path.join(HERE, "rnn_meta.json")))
GRAD_GOLDENS = np.load(os.path.join(HERE, "rnn_grads.npz"))
GRAD_META = json.load(open(os.path.join(HERE, "rnn_grads_meta.json")))

# Same departures as test_parity_rnn.py: rnngraph raises InvalidArgumentError for a
# sequence_length above max_time where TF1 clamps it, so there is no forward pass to
# differentiate (the forward test checks the error).
DEPARTURES = {"dynamic_rnn.gru.seqlen_exceeds_time"}


# Unrolled and stacked RNNs take the longest to compile on the cpu target: listed first so
# that pytest-xdist's workers start them first and the short cases fill in after.
SLOW_FIRST = ("static_", "stack_bidirectional_", "bidirectional_dynamic_rnn.scope_and_multi")
CASE_NAMES = sorted((n for n in rnn_cases.CASES if n not in DEPARTURES),
                    key=lambda n: not n.startswith(SLOW_FIRST))


# Cases the cpu target does not compile yet: they run on the reference interpreter, with the
# warning naming the missing feature (the test fails once they compile: drop them here).
CPU_FALLBACKS = {"tensor_array.concat_split": "a TensorArray whose element rank is never known"}


@pytest.mark.parametrize("name", CASE_NAMES)
def test_rnn_gradients_match_tf1(name, default_target):
    """On the cpu target the whole gradient program compiles: a fallback to the reference
    interpreter fails the test."""
    if default_target == "cpu" and name in CPU_FALLBACKS:
        with pytest.warns(TargetFallbackWarning, match=CPU_FALLBACKS[name]):
            _check_case(name)
        return
    with warnings.catch_warnings():
        if default_target == "cpu":
            warnings.simplefilter("error", TargetFallbackWarning)
        _check_case(name)


def _check_case(name):
    cmeta = GRAD_META["cases"][name]
    if cmeta["tf_error"]:
        pytest.skip("TF1 cannot differentiate this case: %s: %s"
                    % (cmeta["tf_error"]["exception"], cmeta["tf_error"]["message"][:200]))
    if cmeta["skipped"]:
        pytest.skip(cmeta["skipped"])
    case = rnn_cases.CASES[name]
    result = grad_cases.run_grad_case(tf, case, RNN_GOLDENS, RNN_META)
    problems = grad_cases.check_grad_case(name, result, GRAD_GOLDENS, GRAD_META)
    assert not problems, "\n".join(problems)


def test_every_case_has_gradient_goldens():
    assert set(GRAD_META["cases"]) == set(rnn_cases.CASES)
    want = GRAD_META["forward_goldens"]["weights_sha256"]
    assert grad_cases.weights_digest(RNN_GOLDENS) == want, \
        "rnn.npz has other weights now: regenerate rnn_grads.npz (make_rnn_grad_goldens.py)"
