"""Shared fixtures: every test gets a fresh default graph, and runs once per target.

Sessions created without a target use $RNNGRAPH_TARGET; the `default_target` fixture sets it
for each test, so every test of the suite runs on each target in RNNGRAPH_TEST_TARGETS
(default "reference,cpu"; the test id ends in [reference] or [cpu]). Modules that compare
the targets themselves (or never run a graph) list themselves in SINGLE_TARGET_MODULES and
run once. Every program is compiled before its first run ($RNNGRAPH_INTERPRET_FIRST=0), so a
test of a compiled target never runs on the interpreter tier (test_tiering tests that tier).
"""
import os

import pytest

import rnngraph as tf

os.environ["RNNGRAPH_INTERPRET_FIRST"] = "0"

TEST_TARGETS = [t for t in os.environ.get("RNNGRAPH_TEST_TARGETS", "reference,cpu").split(",") if t]
SINGLE_TARGET_MODULES = {"test_cpu_target", "test_fuse", "test_panels", "test_tiering", "test_random_graphs",
                         "test_random_rnns", "test_inspection", "test_graph", "test_borrowed_arguments",
                         "test_omp_parts"}
# Modules to run on the reference target only, comma-separated in $RNNGRAPH_REFERENCE_ONLY
# (none by default: every gradient test also runs compiled on the cpu target).
REFERENCE_ONLY_MODULES = {m for m in os.environ.get("RNNGRAPH_REFERENCE_ONLY", "").split(",") if m}


# The cpu-target tests of these modules compile gradient and RNN programs (5-70 s each, where
# most other tests take under a second). pytest-xdist hands tests to its workers in collection
# order, round-robin at first and then in chunks, so a module of long tests collected last
# kept one worker busy for minutes after the other ran out (the suite's last two workers
# ended 9 minutes apart in a replay of session 14's durations). They are collected first,
# in this order (test_parity_rnn_grads lists its slowest cases first), which leaves short
# tests for the end: the same replay ends both workers within a minute.
LONGEST_FIRST = ("test_parity_rnn_grads", "test_random_rnns", "test_gradients", "test_parity_rnn", "test_rnn",
                 "test_cpu_target")


def pytest_collection_modifyitems(items):
    """Collect the long compiled tests (LONGEST_FIRST) first; the rest keep their order."""
    def rank(item):
        module = item.module.__name__.rsplit(".", 1)[-1]
        callspec = getattr(item, "callspec", None)
        target = callspec.params.get("default_target") if callspec else None
        compiled = target == "cpu" or module in SINGLE_TARGET_MODULES
        return LONGEST_FIRST.index(module) if compiled and module in LONGEST_FIRST \
            else len(LONGEST_FIRST)
    items.sort(key=rank)


def pytest_generate_tests(metafunc):
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if module in SINGLE_TARGET_MODULES:
        return
    targets = [t for t in TEST_TARGETS if t == "reference"] if module in REFERENCE_ONLY_MODULES \
        else TEST_TARGETS
    metafunc.parametrize("default_target", targets, indirect=True)


@pytest.fixture(autouse=True)
def default_target(request, monkeypatch):
    """The target Session() picks in this test (see the module docstring)."""
    target = getattr(request, "param", None)
    if target is not None:
        monkeypatch.setenv("RNNGRAPH_TARGET", target)
    return target


@pytest.fixture(autouse=True)
def fresh_graph():
    """Each test builds in its own default graph (as a TF1 script would after reset)."""
    g = tf.Graph()
    with g.as_default():
        yield g


@pytest.fixture
def sess(fresh_graph):
    with tf.Session(graph=fresh_graph) as s:
        yield s
