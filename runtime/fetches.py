"""Fetch handling: flatten any nested fetch structure to unique tensors and ops, and
rebuild the results in the same structure (ops give None, an IndexedSlices gives an
IndexedSlicesValue of its parts), as TF1's Session.run does."""
from rnngraph.framework import nest
from rnngraph.framework.graph import Operation, Tensor
from rnngraph.ops.indexed_slices import IndexedSlices, IndexedSlicesValue


class FetchPlan:
    def __init__(self, graph, fetches):
        # a plain list is copied: a session reuses a plan for the same list of fetches
        # (run_signature.py), and the caller may change theirs afterwards
        self._structure = list(fetches) if type(fetches) is list else fetches
        self._leaves = []
        self.tensors = []
        self.ops = []
        seen_t, seen_o = set(), set()
        for leaf in nest.flatten(fetches):
            if isinstance(leaf, IndexedSlices):
                el = tuple(None if t is None else self._resolve(graph, t)
                           for t in (leaf.values, leaf.indices, leaf.dense_shape))
            else:
                el = self._resolve(graph, leaf)
            self._leaves.append(el)
            for part in el if isinstance(el, tuple) else (el,):
                if isinstance(part, Tensor) and part not in seen_t:
                    seen_t.add(part)
                    self.tensors.append(part)
                elif isinstance(part, Operation) and part not in seen_o:
                    seen_o.add(part)
                    self.ops.append(part)
        # one Tensor or Operation fetched: build() returns its result as it is
        self._single = not nest.is_sequence(fetches) and not isinstance(self._leaves[0], tuple)

    @staticmethod
    def _resolve(graph, leaf):
        if leaf is None:
            raise TypeError("Fetch argument None has invalid type <class 'NoneType'>")
        if hasattr(leaf, "_as_fetch"):
            leaf = leaf._as_fetch()
        try:
            return graph.as_graph_element(leaf, allow_tensor=True, allow_operation=True)
        except TypeError:
            raise TypeError("Fetch argument %r has invalid type %s, must be a string or Tensor. "
                            "(Can not convert a %s into a Tensor or Operation.)"
                            % (leaf, type(leaf), type(leaf).__name__)) from None
        except (KeyError, ValueError) as e:
            raise ValueError("Fetch argument %r cannot be interpreted as a Tensor. (%s)" % (leaf, e)) from None

    def build(self, tensor_values):
        """Results in the fetch structure: arrays for tensors, None for ops."""
        if self._single:
            return tensor_values[0] if self.tensors else None
        by_tensor = dict(zip(self.tensors, tensor_values))
        flat = [IndexedSlicesValue(*(None if t is None else by_tensor[t] for t in el))
                if isinstance(el, tuple) else by_tensor[el] if isinstance(el, Tensor) else None
                for el in self._leaves]
        return nest.pack_sequence_as(self._structure, flat)
