"""Nested structures (tf.nest / tf.contrib.framework.nest) of lists, tuples, namedtuples
and dicts. Dicts flatten in sorted-key order, as in TF, so two structures with the same
keys always line up."""
import collections.abc


def is_sequence(x):
    """True for the containers nest recurses into (not strings, not tensors)."""
    if isinstance(x, (str, bytes)):
        return False
    return isinstance(x, (list, tuple, dict)) or _is_attrs(x)


is_nested = is_sequence


def _is_attrs(x):
    return hasattr(type(x), "__attrs_attrs__")


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _sorted_keys(d):
    try:
        return sorted(d)
    except TypeError:
        raise TypeError("nest only supports dicts with sortable keys, got keys %r" % list(d))


def _children(x):
    if isinstance(x, dict):
        return [x[k] for k in _sorted_keys(x)]
    if _is_attrs(x):
        return [getattr(x, a.name) for a in type(x).__attrs_attrs__]
    return list(x)


def flatten(structure):
    """The leaves of `structure`, depth first; a non-sequence is its own single leaf."""
    if not is_sequence(structure):
        return [structure]
    out = []
    for child in _children(structure):
        out.extend(flatten(child))
    return out


def _rebuild(template, values):
    if isinstance(template, dict):
        keys = _sorted_keys(template)
        result = dict(zip(keys, values))
        if isinstance(template, collections.OrderedDict) or type(template) is not dict:
            return type(template)((k, result[k]) for k in template)
        return {k: result[k] for k in template}
    if _is_namedtuple(template):
        return type(template)(*values)
    if _is_attrs(template):
        return type(template)(*values)
    if isinstance(template, tuple):
        return tuple(values)
    return list(values)


def pack_sequence_as(structure, flat_sequence):
    """Rebuild `structure`'s shape with the leaves `flat_sequence`."""
    flat_sequence = list(flat_sequence)
    if not is_sequence(structure):
        if len(flat_sequence) != 1:
            raise ValueError("Structure is a scalar but len(flat_sequence) == %d > 1" % len(flat_sequence))
        return flat_sequence[0]
    n = len(flatten(structure))
    if n != len(flat_sequence):
        raise ValueError(
            "Could not pack sequence. Structure had %d elements, but flat_sequence had %d elements."
            " Structure: %s, flat_sequence: %s." % (n, len(flat_sequence), structure, flat_sequence))
    pos = [0]

    def build(s):
        if not is_sequence(s):
            v = flat_sequence[pos[0]]
            pos[0] += 1
            return v
        return _rebuild(s, [build(c) for c in _children(s)])
    return build(structure)


def assert_same_structure(a, b, check_types=True):
    """Raise ValueError (or TypeError with check_types) when a and b nest differently."""
    def check(x, y, path):
        xs, ys = is_sequence(x), is_sequence(y)
        if xs != ys:
            raise ValueError("The two structures don't have the same nested structure.\n\n"
                             "First structure: %s\n\nSecond structure: %s\n\nMore specifically: "
                             "at %s one is a sequence and the other is not." % (a, b, path or "top"))
        if not xs:
            return
        if check_types and type(x) is not type(y) and not (
                isinstance(x, dict) and isinstance(y, dict)):
            raise TypeError("The two structures don't have the same sequence type. First structure "
                            "has type %s, while second structure has type %s." % (type(x), type(y)))
        if isinstance(x, dict) and set(x) != set(y):
            raise ValueError("The two dictionaries don't have the same set of keys: %s vs %s"
                             % (sorted(x), sorted(y)))
        cx, cy = _children(x), _children(y)
        if len(cx) != len(cy):
            raise ValueError("The two structures don't have the same number of elements.\n\n"
                             "First structure: %s\n\nSecond structure: %s" % (a, b))
        for i, (p, q) in enumerate(zip(cx, cy)):
            check(p, q, "%s[%d]" % (path, i))
    check(a, b, "")


def map_structure(fn, *structures, **kwargs):
    """Apply fn to corresponding leaves of structures; result has the first's shape."""
    check_types = kwargs.pop("check_types", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: %s" % sorted(kwargs))
    for s in structures[1:]:
        assert_same_structure(structures[0], s, check_types=check_types)
    flats = [flatten(s) for s in structures]
    return pack_sequence_as(structures[0], [fn(*xs) for xs in zip(*flats)])


def flatten_up_to(shallow, structure):
    """Flatten `structure` only as deep as `shallow` nests."""
    if not is_sequence(shallow):
        return [structure]
    out = []
    for s, x in zip(_children(shallow), _children(structure)):
        out.extend(flatten_up_to(s, x))
    return out


def map_structure_up_to(shallow, fn, *structures):
    flats = [flatten_up_to(shallow, s) for s in structures]
    return pack_sequence_as(shallow, [fn(*xs) for xs in zip(*flats)])
