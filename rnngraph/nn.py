"""tf.nn: neural-network ops (activations, losses, softmax, dropout, embeddings)."""
from .ops.array_ops import reverse_sequence  # noqa: F401
from .ops.math_ops import sigmoid, tanh  # noqa: F401
from .ops.nn_ops import *  # noqa: F401,F403
