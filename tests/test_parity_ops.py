"""TF1 parity: every case of tests/parity/op_cases.py, run on rnngraph, against the goldens
TensorFlow computed (tests/parity/make_op_goldens.py). No TensorFlow needed here."""
import json
import os

import numpy as np
import pytest

import rnngraph as tf
from parity import op_cases

HERE = os.path.join(os.path.dirname(__file__), "parity", "goldens")
GOLDENS = np.load(os.path.join(HERE, "ops.npz"))
META = json.load(open(os.path.join(HERE, "ops_meta.json")))


@pytest.mark.parametrize("name", list(op_cases.CASES))
def test_op_matches_tf1(name):
    case = op_cases.CASES[name]
    outputs = op_cases.run_case(tf, case)
    problems = op_cases.check_case(case, outputs, GOLDENS, META)
    assert not problems, "\n".join(problems)


def test_every_golden_has_a_case():
    names = {k.split("/", 1)[0] for k in META["fetches"]}
    assert names == set(op_cases.CASES)
