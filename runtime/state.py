"""Per-session state: variable values and random-stream positions.

Each Session owns one SessionState; graphs hold none, so two sessions on one graph have
independent variables (TF1 semantics). Updates are whole-array replacements, each atomic
under the GIL, so concurrent `run` calls see a variable's old or new value, never a mix.
"""
import secrets
import threading


class VariableStore:
    """Values of variable ops in one session."""

    def __init__(self):
        self._values = {}

    def get(self, var_op):
        return self._values.get(var_op)

    def set(self, var_op, value):
        self._values[var_op] = value

    def initialized(self):
        return set(self._values)

    def clear(self):
        self._values.clear()


class SessionState:
    """Variables and random streams of one session."""

    def __init__(self):
        self.variables = VariableStore()
        self._calls = {}
        self._keys = {}
        self._lock = threading.Lock()

    def random_calls(self, op):
        """How many times `op` has drawn in this session (its stream position)."""
        return self._calls.get(op, 0)

    def set_random_calls(self, op, calls):
        with self._lock:
            self._calls[op] = calls

    def random_key(self, op):
        """The op's Philox key (without advancing its stream).

        Seeds (seed, seed2) = (0, 0) mean "not seeded": a key is drawn from the OS once per
        op and session, as TF1 does for unseeded ops.
        """
        key = self._keys.get(op)
        if key is None:
            with self._lock:
                key = self._keys.get(op)
                if key is None:
                    seed, seed2 = op.attrs.get("seed", 0), op.attrs.get("seed2", 0)
                    if seed == 0 and seed2 == 0:
                        key = (secrets.randbits(32), secrets.randbits(32))
                    else:
                        key = (seed & 0xFFFFFFFF ^ (seed >> 32), seed2 & 0xFFFFFFFF ^ (seed2 >> 32))
                    self._keys[op] = key
        return key

    def random_stream(self, op):
        """(key, call): the op's key and how often it ran before; advances the stream."""
        key = self.random_key(op)
        with self._lock:
            call = self._calls.get(op, 0)
            self._calls[op] = call + 1
        return key, call
