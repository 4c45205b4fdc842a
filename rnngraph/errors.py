"""Run-time error types, with TF1's names (tf.errors).

Every error raised while a Session runs a graph is an OpError subclass that names the op
it came from (`err.op`, and a `[[node NAME (TYPE)]]` line in the message, as TF1 prints).
Graph-construction errors stay Python's own: ValueError for shapes, TypeError for dtypes,
exactly as TF1 raises them.
"""

OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16


class OpError(Exception):
    """An error raised while running an op. `op` is the Operation, or None."""

    error_code = UNKNOWN

    def __init__(self, node_def, op, message, *args):
        self.node_def = node_def
        self.op = op
        self._message = message
        super().__init__(self._full_message())

    @property
    def message(self):
        return self._message

    def _full_message(self):
        if self.op is None:
            return self._message
        return "%s\n\t [[node %s (%s)]]" % (self._message, self.op.name, self.op.type)

    def with_op(self, op):
        """The same error, attributed to `op` (used by the runtime when a primitive raises)."""
        err = type(self)(None, op, self._message)
        err.__cause__ = self.__cause__
        return err

    def __str__(self):
        return self._full_message()


def _error(name, code, doc):
    cls = type(name, (OpError,), {"error_code": code, "__doc__": doc})

    def __init__(self, node_def=None, op=None, message=""):
        OpError.__init__(self, node_def, op, message)
    cls.__init__ = __init__
    return cls


CancelledError = _error("CancelledError", CANCELLED, "The run was cancelled.")
UnknownError = _error("UnknownError", UNKNOWN, "An error of unknown kind.")
InvalidArgumentError = _error(
    "InvalidArgumentError", INVALID_ARGUMENT,
    "An op received an invalid argument: a bad shape, index, length or value.")
DeadlineExceededError = _error("DeadlineExceededError", DEADLINE_EXCEEDED, "A deadline passed.")
NotFoundError = _error("NotFoundError", NOT_FOUND, "A file or named entity was not found.")
AlreadyExistsError = _error("AlreadyExistsError", ALREADY_EXISTS, "An entity already exists.")
PermissionDeniedError = _error("PermissionDeniedError", PERMISSION_DENIED, "Permission denied.")
ResourceExhaustedError = _error("ResourceExhaustedError", RESOURCE_EXHAUSTED,
                                "Memory or another resource ran out.")
FailedPreconditionError = _error(
    "FailedPreconditionError", FAILED_PRECONDITION,
    "The system is not in a state to run the op, e.g. an uninitialized variable was read.")
AbortedError = _error("AbortedError", ABORTED, "The operation was aborted.")
OutOfRangeError = _error("OutOfRangeError", OUT_OF_RANGE, "An index or iteration went past its range.")
UnimplementedError = _error("UnimplementedError", UNIMPLEMENTED, "The operation is not implemented.")
InternalError = _error("InternalError", INTERNAL,
                       "An internal invariant broke: a bug in rnngraph, please report it.")
UnavailableError = _error("UnavailableError", UNAVAILABLE, "A service is unavailable.")
DataLossError = _error("DataLossError", DATA_LOSS, "Unrecoverable data loss or corruption.")
UnauthenticatedError = _error("UnauthenticatedError", UNAUTHENTICATED, "Not authenticated.")
