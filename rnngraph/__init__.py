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
from .ops.while_loop import *  # noqa: F401,F403
from .ops.cond import *  # noqa: F401,F403
from .ops.tensor_array_ops import *  # noqa: F401,F403
from .ops.indexed_slices import IndexedSlices, IndexedSlicesValue, unsorted_segment_sum  # noqa: F401,E402
from . import nn  # noqa: F401,E402
from .autodiff import gradients  # noqa: F401,E402
from . import train  # noqa: F401,E402
from . import initializers, random  # noqa: F401,E402,A004

from runtime.session import ConfigProto, InteractiveSession, Session  # noqa: F401,E402

__version__ = "0.1.0"

_UNSUPPORTED_DTYPES = {"float16", "half", "bfloat16", "complex64", "complex128", "string",
                       "int8", "int16", "uint8", "uint16", "uint32", "uint64", "qint8", "quint8",
                       "qint32", "resource", "variant"}


def __getattr__(name):
    """Name what a ported TF1 script asked for that rnngraph does not provide."""
    if name in _UNSUPPORTED_DTYPES:
        raise AttributeError("rnngraph has no tf.%s: dtype %s is not supported (supported: "
                             "float32, float64, int32, int64, bool)" % (name, name))
    if name.startswith("__"):
        raise AttributeError(name)
    raise AttributeError("module 'rnngraph' has no attribute %r: TF1's tf.%s is not provided "
                         "by rnngraph" % (name, name))
