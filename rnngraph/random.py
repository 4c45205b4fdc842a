"""tf.random (TF1's compat.v1 names): uniform, normal, truncated_normal, and the seed
functions set_random_seed / get_seed. The same functions as tf.random_uniform etc."""
from .ops.random_ops import get_seed, set_random_seed  # noqa: F401
from .ops.random_ops import random_normal as normal  # noqa: F401
from .ops.random_ops import random_uniform as uniform  # noqa: F401
from .ops.random_ops import truncated_normal  # noqa: F401

__all__ = ["uniform", "normal", "truncated_normal", "set_random_seed", "get_seed"]
