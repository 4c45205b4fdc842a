"""The primitive op set. Importing this package registers every primitive; see
rnngraph/framework/primitive.py for what a primitive defines."""
from . import control, elementwise, indexing, linalg, random, reduction, shape, state  # noqa: F401
from ..framework.primitive import PRIMITIVES  # noqa: F401
