"""The default-session stack (`sess.as_default()`, `tf.get_default_session()`), used by
`Tensor.eval()` and `Operation.run()`. Kept apart from the runtime so the graph core does
not import it: the runtime registers sessions here, never the other way round."""
import contextlib
import threading


class _SessionStack(threading.local):
    def __init__(self):
        self.stack = []


_sessions = _SessionStack()


def get_default_session():
    return _sessions.stack[-1] if _sessions.stack else None


@contextlib.contextmanager
def default_session(session):
    _sessions.stack.append(session)
    depth = len(_sessions.stack)
    try:
        yield session
    finally:
        if len(_sessions.stack) >= depth and _sessions.stack[depth - 1] is session:
            del _sessions.stack[depth - 1]


def session_for(graph, session, what):
    """The session to use for `eval`/`run` on an element of `graph`, with TF1's errors."""
    if session is None:
        session = get_default_session()
        if session is None:
            raise ValueError("Cannot %s: no default session is registered. Use `with "
                             "sess.as_default()` or pass an explicit session (session=sess)." % what)
    if session.graph is not graph:
        raise ValueError("Cannot %s using the given session: the element's graph is "
                         "different from the session's graph." % what)
    return session
