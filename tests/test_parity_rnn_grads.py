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


@pytest.mark.parametrize("name", [n for n in rnn_cases.CASES if n not in DEPARTURES])
def test_rnn_gradients_match_tf1(name):
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


# The module runs on the reference target (tests/conftest.py: cpu gradient programs take
# 10-60 s each to compile); these cases, one per RNN family and control-flow construct, also
# run compiled, with no fallback to the reference interpreter allowed. static_rnn is left out:
# its unrolled gradient (a Cond per step saving ~80 values) took 12 minutes to compile.
CPU_CASES = [
    "dynamic_rnn.gru.seqlen.batch_major.zero_state",
    "dynamic_rnn.basic_lstm.noseqlen.time_major.init_state",
    "dynamic_rnn.lstm_peephole_clip_proj.seqlen.batch_major.zero_state",
    "dynamic_rnn.multi_lstm_lstm.seqlen.batch_major.init_state",
    "bidirectional_dynamic_rnn.seqlen.time_major",
    "raw_rnn.greedy_decoder",
    "while_loop.maximum_iterations",
    "while_loop.cond_inside",
    "tensor_array.unstack_gather_scatter",
]


@pytest.mark.parametrize("name", CPU_CASES)
def test_rnn_gradients_match_tf1_compiled_on_cpu(name, monkeypatch):
    monkeypatch.setenv("RNNGRAPH_TARGET", "cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("error", TargetFallbackWarning)
        test_rnn_gradients_match_tf1(name)


def test_every_case_has_gradient_goldens():
    assert set(GRAD_META["cases"]) == set(rnn_cases.CASES)
    want = GRAD_META["forward_goldens"]["weights_sha256"]
    assert grad_cases.weights_digest(RNN_GOLDENS) == want, \
        "rnn.npz has other weights now: regenerate rnn_grads.npz (make_rnn_grad_goldens.py)"
