"""tf.initializers (TF1's compat.v1 names): the initializer classes of init_ops under
short names, the lecun/he variants, and the variable-initializer ops
(tf.initializers.global_variables() is tf.global_variables_initializer())."""
from .ops.init_ops import Constant as constant  # noqa: F401
from .ops.init_ops import GlorotNormal as glorot_normal  # noqa: F401
from .ops.init_ops import GlorotUniform as glorot_uniform  # noqa: F401
from .ops.init_ops import Identity as identity  # noqa: F401
from .ops.init_ops import Ones as ones  # noqa: F401
from .ops.init_ops import Orthogonal as orthogonal  # noqa: F401
from .ops.init_ops import RandomNormal as random_normal  # noqa: F401
from .ops.init_ops import RandomUniform as random_uniform  # noqa: F401
from .ops.init_ops import TruncatedNormal as truncated_normal  # noqa: F401
from .ops.init_ops import UniformUnitScaling as uniform_unit_scaling  # noqa: F401
from .ops.init_ops import VarianceScaling as variance_scaling  # noqa: F401
from .ops.init_ops import Zeros as zeros  # noqa: F401
from .ops.init_ops import he_normal, he_uniform, lecun_normal, lecun_uniform  # noqa: F401
from .ops.variables import global_variables_initializer as global_variables  # noqa: F401
from .ops.variables import local_variables_initializer as local_variables  # noqa: F401
from .ops.variables import variables_initializer as variables  # noqa: F401

__all__ = [
    "constant", "glorot_normal", "glorot_uniform", "identity", "ones", "orthogonal",
    "random_normal", "random_uniform", "truncated_normal", "uniform_unit_scaling",
    "variance_scaling", "zeros", "he_normal", "he_uniform", "lecun_normal", "lecun_uniform",
    "global_variables", "local_variables", "variables",
]
