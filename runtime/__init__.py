"""Session internals: feeds and fetches, the executable cache, variable state.

Imports point one way: runtime -> compiler -> rnngraph's graph core."""
from .session import ConfigProto, InteractiveSession, Session, get_default_session  # noqa: F401
