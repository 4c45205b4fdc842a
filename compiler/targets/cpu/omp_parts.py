"""`runner(body)`: an intrinsic `run_parts(parts, args)` that runs a loop's parts on the
threads, started through the OpenMP runtime's own entry point instead of a Numba
`prange` region.

Why: a threaded RNN step (the cell's loop computing its product, lower_fused.py; a
backward step's product, panels.py) starts a parallel region per time step. Numba's
prange region costs about 0.7 microseconds before any thread starts (the schedule, the
gufunc's argument arrays, its launch bookkeeping), and its workers count references to
every array: an empty region of 8 array arguments took 1.0 us on two threads and 0.7 us
on one, of 13 arguments 0.9 and 0.64; run_parts takes 0.47, 0.56 and 0.005 (session
27). At the small LSTM's 10 us a step that was 5% of the forward pass. And a function
compiled with parallel=True goes through Numba's parfor passes, which add to its compile.

How: `body` is an @njit function `body(lo, hi, *args)` that runs parts lo .. hi-1.
run_parts stores the number of parts and the arguments on the caller's stack (of an
array only its data pointer, shape and strides: the workers read them from the caller's
cache lines) and starts a team running a trampoline, an LLVM function generated in the
caller's module: each thread takes a contiguous range of the parts (the split Numba's
static schedule makes, so a thread keeps the same columns, and their weights in its
cache, step after step) and calls `body` with Numba's calling convention, its arrays
without a meminfo (nothing to count; the caller holds the references and waits until
every thread is done). With one thread configured, the caller calls `body` itself. An
error status from a worker sets a flag, and run_parts raises.

The team starts through GOMP_parallel of the OpenMP runtime that runs Numba's own
regions (LAUNCH; found by asking each loaded runtime inside one of Numba's regions,
_numbas_openmp), else through Numba's numba_parallel_for (under the tbb layer; 0.71 us).
Under the workqueue layer (AVAILABLE false) the caller runs every part, and lower_fused.py
emits its loops inline.
"""
import ctypes
import hashlib

from llvmlite import binding as llvm
from llvmlite import ir
from numba import threading_layer, typeof, types
from numba.core import cgutils, config
from numba.extending import intrinsic
from numba.np.arrayobj import populate_array
from numba.np.ufunc.parallel import _launch_threads

_launch_threads()
# Whether run_parts starts threads (read by lower_fused.py and panels.py): not under
# Numba's workqueue layer, which aborts the process when two threads (sessions run from
# Python threads) start parallel work at once; there the caller runs every part.
AVAILABLE = threading_layer() != "workqueue"

_OMP_SYMBOLS = ("GOMP_parallel", "omp_get_thread_num", "omp_get_num_threads")


def _numbas_openmp():
    """The addresses of _OMP_SYMBOLS in the OpenMP runtime that runs Numba's regions, or
    None (not Numba's omp layer, one thread, or not found for certain).

    Two runtimes can be loaded: PyTorch ships its own libgomp.so.1, and imported before
    Numba's pool it is the one the pool's calls bind to, while a lookup among the pool's
    own dependencies finds the system's. Code calling the other one ran the small LSTM 35
    times slower: two teams of threads spinning on two cores. Each candidate is asked
    inside a region Numba's pool starts: only the runtime running it reports a team of two.
    """
    if threading_layer() != "omp" or config.NUMBA_NUM_THREADS < 2:
        return None
    from numba.np.ufunc import omppool
    pool = ctypes.CDLL(omppool.__file__)
    found = []
    for scope in (ctypes.CDLL(None), pool):  # the global scope, the pool's dependencies
        try:
            entry = tuple(ctypes.cast(getattr(scope, name), ctypes.c_void_p).value for name in _OMP_SYMBOLS)
        except AttributeError:
            continue
        if entry not in found:
            found.append(entry)
    team_sizes = [ctypes.CFUNCTYPE(ctypes.c_int)(entry[2]) for entry in found]
    seen = [0] * len(found)

    @ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)
    def probe(args, dimensions, steps, data):
        for i, size in enumerate(team_sizes):
            seen[i] = max(seen[i], size())
    ssize = ctypes.c_ssize_t
    parallel_for = ctypes.CFUNCTYPE(None, *[ctypes.c_void_p] * 5 + [ssize] * 3)(omppool.parallel_for)
    base, dimensions, steps = ctypes.c_void_p(), ssize(2), ssize(1)
    parallel_for(ctypes.cast(probe, ctypes.c_void_p), ctypes.addressof(base), ctypes.addressof(dimensions),
                 ctypes.addressof(steps), None, 0, 1, 2)
    running = [entry for entry, size in zip(found, seen) if size == 2]
    return running[0] if len(running) == 1 else None


# Under Numba's omp layer, teams are started through that runtime's GOMP_parallel (0.47
# us a launch); otherwise through Numba's numba_parallel_for (0.71: the layer's own loop
# and barrier around the call). Generated and cached code depends on which
# (cache.VERSION_KEY names it).
_OPENMP = _numbas_openmp()
LAUNCH = "GOMP_parallel" if _OPENMP else "numba_parallel_for"
for _name, _address in zip(_OMP_SYMBOLS, _OPENMP or ()):
    llvm.add_symbol(_name, _address)


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _launch(typingctx, body, parts, args):
    """The typing and codegen of an intrinsic run_parts(parts, args) running `body` (its
    Numba type) over `parts` on Numba's configured number of threads (with one, called
    directly: a team of one still costs libgomp 0.45 us)."""
    if not isinstance(args, types.BaseTuple) or not isinstance(parts, types.Integer):
        return None
    body_sig = typingctx.resolve_function_type(body, (types.intp, types.intp) + tuple(args.types), {})
    if body_sig is None:
        return None
    sig = types.none(parts, args)

    def codegen(context, builder, signature, llargs):
        cres = body.dispatcher.get_compile_result(body_sig)
        context.add_linking_libs([cres.library])
        count = context.cast(builder, llargs[0], signature.args[0], types.int64)
        values = [builder.extract_value(llargs[1], i) for i in range(len(args))]
        if not AVAILABLE:  # the workqueue layer: the caller runs every part
            _run_here(context, builder, cres, args, values, count)
            return context.get_dummy_value()
        module = builder.module
        i8p, i32, i64 = ir.IntType(8).as_pointer(), ir.IntType(32), ir.IntType(64)
        data_ty = ir.LiteralStructType([i64, i32, ir.LiteralStructType(
            [_shared_type(context, t) for t in args.types]), i64])
        data = cgutils.alloca_once(builder, data_ty)
        failed = cgutils.gep_inbounds(builder, data, 0, 1)
        builder.store(ir.Constant(i32, 0), failed)
        # Numba's C entry point (numba.get_num_threads reaches it through a ctypes pointer,
        # a process address that would keep Numba from caching the caller)
        threads = builder.call(cgutils.get_or_insert_function(module, ir.FunctionType(cgutils.intp_t, []), "get_num_threads"), [])
        with builder.if_else(builder.icmp_signed("<=", threads, ir.Constant(threads.type, 1))) as (one, team):
            with one:
                _run_here(context, builder, cres, args, values, count)
            with team:
                tramp = _trampoline(context, module, data_ty, cres, args)
                builder.store(count, cgutils.gep_inbounds(builder, data, 0, 0))
                for i, (value, t) in enumerate(zip(values, args.types)):
                    builder.store(_shared(context, builder, value, t), cgutils.gep_inbounds(builder, data, 0, 2, i))
                builder.store(threads, cgutils.gep_inbounds(builder, data, 0, 3))
                _start_team(builder, tramp, builder.bitcast(data, i8p), threads)
        with builder.if_then(builder.icmp_signed("!=", builder.load(failed), ir.Constant(i32, 0)), likely=False):
            context.call_conv.return_user_exc(builder, RuntimeError, (
                "a thread running part of a parallel loop failed (compiled code raised; with "
                "ConfigProto(intra_op_parallelism_threads=1) the loop runs on the calling "
                "thread and raises the error itself)",))
        return context.get_dummy_value()
    return sig, codegen


def _run_here(context, builder, cres, args, values, count):
    """Every part on the calling thread: the body's own exception, as from any call."""
    status = _call_body(context, builder, cres, args, values, ir.Constant(ir.IntType(64), 0), count)
    with builder.if_then(status.is_error, likely=False):
        context.call_conv.return_status_propagate(builder, status)


def _call_body(context, builder, cres, args, values, lo, hi):
    """Call the compiled body with parts lo .. hi-1 and `values` (of Numba types
    args.types, cast to the types it was compiled for); its status."""
    fndesc = cres.fndesc
    callee = cgutils.get_or_insert_function(builder.module, context.call_conv.get_function_type(fndesc.restype, fndesc.argtypes),
                      fndesc.mangled_name)
    passed = [context.cast(builder, v, t, want) for v, t, want in zip(values, args.types, fndesc.argtypes[2:])]
    return context.call_conv.call_function(builder, callee, fndesc.restype, fndesc.argtypes, [lo, hi] + passed)[0]


def _shared_type(context, ty):
    """The LLVM type an argument of Numba type `ty` has in the data the team reads: an
    array's data pointer, shape and strides only (the threads read it from the caller's
    cache lines: 13 whole arrays made a launch 0.74 us, 3 of them 0.47)."""
    if not isinstance(ty, types.Array):
        return context.get_value_type(ty)
    model = context.data_model_manager[ty]
    fields = model.get_value_type().elements
    return ir.LiteralStructType([fields[model.get_field_position(f)] for f in ("data", "shape", "strides")])


def _shared(context, builder, value, ty):
    """`value` of Numba type `ty` as _shared_type stores it."""
    if not isinstance(ty, types.Array):
        return value
    array = context.make_array(ty)(context, builder, value=value)
    shared = cgutils.get_null_value(_shared_type(context, ty))
    for i, field in enumerate((array.data, array.shape, array.strides)):
        shared = builder.insert_value(shared, field, i)
    return shared


def _borrowed(context, builder, shared, ty):
    """The argument of Numba type `ty` that _shared stored, for a worker thread: an array
    with no meminfo, so that nothing counts references to it (as in Numba's own parallel
    regions: from two threads every count is an atomic operation on a cache line the
    other thread has just written). The caller holds the references while the team runs."""
    if not isinstance(ty, types.Array):
        return shared
    array = context.make_array(ty)(context, builder)
    itemsize = context.get_constant(types.intp, context.get_abi_sizeof(context.get_data_type(ty.dtype)))
    populate_array(array, data=builder.extract_value(shared, 0), shape=builder.extract_value(shared, 1),
                   strides=builder.extract_value(shared, 2), itemsize=itemsize, meminfo=None)
    return array._getvalue()


def _start_team(builder, tramp, data, threads):
    """Run tramp on a team of `threads` (LAUNCH)."""
    i8p, i32, i64 = ir.IntType(8).as_pointer(), ir.IntType(32), ir.IntType(64)
    module = builder.module
    if LAUNCH == "GOMP_parallel":
        gomp = cgutils.get_or_insert_function(module, ir.FunctionType(ir.VoidType(), [tramp.type, i8p, i32, i32]), "GOMP_parallel")
        builder.call(gomp, [tramp, data, builder.trunc(threads, i32), ir.Constant(i32, 0)])
        return
    # numba_parallel_for(fn, args, dimensions, steps, data, inner_ndim, array_count,
    # threads) calls fn(args + r * steps, counts, steps, data) on its threads for each r <
    # dimensions[0], counts[0] of them from r per call (one under omp, a chunk under
    # tbb). One "array" whose base is 0 and step 1 hands fn its first r.
    one = ir.Constant(i64, 1)
    base = cgutils.alloca_once_value(builder, ir.Constant(i8p, None))
    dims = cgutils.alloca_once_value(builder, threads)
    steps = cgutils.alloca_once_value(builder, one)
    parallel_for = cgutils.get_or_insert_function(module, ir.FunctionType(ir.VoidType(), [i8p] * 5 + [i64] * 3), "numba_parallel_for")
    builder.call(parallel_for, [builder.bitcast(tramp, i8p), builder.bitcast(base, i8p), builder.bitcast(dims, i8p),
                                builder.bitcast(steps, i8p), data, ir.Constant(i64, 0), one, threads])


def _trampoline(context, module, data_ty, cres, args):
    """The function each thread of the team runs (made once per body and argument types
    in `module`): its contiguous range of the parts (chunks first .. first + count - 1 of
    the team's), then the call of the compiled body with the arguments borrowed."""
    i8p, i32, i64 = ir.IntType(8).as_pointer(), ir.IntType(32), ir.IntType(64)
    name = "rnngraph_parts_%s_%s" % (cres.fndesc.mangled_name, _digest(str(args)))
    tramp = module.globals.get(name)
    if tramp is not None:
        return tramp
    gomp = LAUNCH == "GOMP_parallel"
    tramp_ty = ir.FunctionType(ir.VoidType(), [i8p] if gomp else [i8p.as_pointer(), i64.as_pointer(),
                                                                   i64.as_pointer(), i8p])
    tramp = ir.Function(module, tramp_ty, name)
    tramp.linkage = "internal"
    builder = ir.IRBuilder(tramp.append_basic_block("entry"))
    data = builder.bitcast(tramp.args[0 if gomp else 3], data_ty.as_pointer())
    parts = builder.load(cgutils.gep_inbounds(builder, data, 0, 0))
    if gomp:
        omp_int = ir.FunctionType(i32, [])
        first = builder.sext(builder.call(cgutils.get_or_insert_function(module, omp_int, "omp_get_thread_num"), []), i64)
        team = builder.sext(builder.call(cgutils.get_or_insert_function(module, omp_int, "omp_get_num_threads"), []), i64)
        count = ir.Constant(i64, 1)
    else:
        first = builder.ptrtoint(builder.load(tramp.args[0]), i64)
        count = builder.load(tramp.args[1])
        team = builder.load(cgutils.gep_inbounds(builder, data, 0, 3))
    lo = builder.sdiv(builder.mul(parts, first), team)
    hi = builder.sdiv(builder.mul(parts, builder.add(first, count)), team)
    with builder.if_then(builder.icmp_signed("<", lo, hi)):
        values = [_borrowed(context, builder, builder.load(cgutils.gep_inbounds(builder, data, 0, 2, i)), t)
                  for i, t in enumerate(args.types)]
        status = _call_body(context, builder, cres, args, values, lo, hi)
        with builder.if_then(status.is_error, likely=False):
            builder.store_atomic(ir.Constant(i32, 1), cgutils.gep_inbounds(builder, data, 0, 1), "monotonic", 4)
    builder.ret_void()
    return tramp


def runner(body):
    """The intrinsic `run_parts(parts, args)`: body(lo, hi, *args) over parts 0 .. parts-1
    on Numba's configured number of threads. Made once per body, at the import of the
    generated module that calls it: `body` is captured, not passed, since a function
    passed as a value is a process address, which would keep Numba from caching the
    caller."""
    body_type = typeof(body)

    @intrinsic
    def run_parts(typingctx, parts, args):
        return _launch(typingctx, body_type, parts, args)
    return run_parts
