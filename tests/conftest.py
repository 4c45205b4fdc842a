"""Shared fixtures: every test gets a fresh default graph."""
import pytest

import rnngraph as tf


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
