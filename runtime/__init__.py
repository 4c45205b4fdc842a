"""Session internals: feeds and fetches, the executable cache, variable state.

Imports point one way: runtime -> compiler -> rnngraph's graph core. rnngraph's package
exports Session from runtime.session, so `import runtime` first lets rnngraph's package
finish importing before this one goes on (otherwise the two packages wait on each other)."""
import rnngraph  # noqa: F401

from .session import ConfigProto, InteractiveSession, Session, get_default_session  # noqa: F401
