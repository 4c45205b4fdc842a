"""The primitive op set. Importing this package registers every primitive; see
rnngraph/framework/primitive.py for what a primitive defines."""
from . import (control, control_flow, elementwise, indexing, linalg, random, reduction,  # noqa: F401
               shape, state, tensor_array)
from ..framework.primitive import PRIMITIVES  # noqa: F401
