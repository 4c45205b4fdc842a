"""tf.nn: neural-network ops (activations, losses, softmax, dropout, embeddings)."""
from .ops.array_ops import reverse_sequence  # noqa: F401
from .ops.math_ops import sigmoid, tanh  # noqa: F401
from .ops.nn_ops import *  # noqa: F401,F403
from . import rnn_cell  # noqa: F401,E402  (tf.nn.rnn_cell)
from .ops.rnn import *  # noqa: F401,F403,E402  (dynamic_rnn, raw_rnn, static_rnn, ...)
