"""rnngraph: TF1's graph API for recurrent networks, compiled.

This namespace mirrors TensorFlow 1's `tf` (and `tf.compat.v1`): build a graph with
placeholders, variables and ops, then run it in a Session.
"""
from . import errors, primitives  # noqa: F401  (importing primitives registers them)
from .framework import nest  # noqa: F401
from .framework.dtypes import (DType, as_dtype, bool, double, float32, float64, int32,  # noqa: F401,A004
                               int64)
from .framework.graph import (Graph, GraphKeys, Operation, Tensor, add_to_collection,  # noqa: F401
                              add_to_collections, control_dependencies, get_collection,
                              get_collection_ref, get_default_graph, name_scope,
                              reset_default_graph)
from .framework.session_context import get_default_session  # noqa: F401
from .framework.tensor_shape import Dimension, TensorShape, dimension_value  # noqa: F401
from .ops import operators  # noqa: F401  (installs Tensor operators)
from .ops.array_ops import *  # noqa: F401,F403
from .ops.clip_ops import *  # noqa: F401,F403
from .ops.control_flow_ops import *  # noqa: F401,F403
from .ops.init_ops import *  # noqa: F401,F403
from .ops.math_ops import *  # noqa: F401,F403
from .ops.random_ops import *  # noqa: F401,F403
from .ops.tensor_conversion import constant, convert_to_tensor, is_tensor  # noqa: F401
from .ops.variable_scope import *  # noqa: F401,F403
from .ops.variables import *  # noqa: F401,F403
from . import nn  # noqa: F401,E402

from runtime import ConfigProto, InteractiveSession, Session  # noqa: F401,E402

__version__ = "0.1.0"
