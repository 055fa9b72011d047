"""Compiled access to a pymunk space: a whole simulator step in one numba call.

Why: an environment step is a handful of microseconds of physics wrapped in many small
calls. Through pymunk's Python layer (or even its cffi handle) every body read or write
costs 0.3 to 1.5 us and every space step 0.3 us of call overhead, so a force system, which
reads every body, computes forces and writes every body at each of its 5 substeps, spent
most of its time in calls, not in physics. Here the substep loop runs in compiled code
that calls Chipmunk's ``cpSpaceStep`` directly and reads and writes the bodies' positions,
velocities and forces in Chipmunk's own memory: a 3-object step with forces costs a few
microseconds, about the same as one without.

How: :func:`handles` collects integer addresses (the ``cpSpaceStep`` function, the
space, each body); two tiny LLVM intrinsics turn an address back into a pointer to
doubles or into a function call. The offsets of ``p``, ``v`` and ``f`` in Chipmunk's
``cpBody`` struct are fixed by Chipmunk's source (pymunk's cffi declares the struct
opaque), so they are checked once on a probe body; :func:`available` is ``False``
if the layout differs (another pymunk build), and the simulator then uses
pymunk's public API instead. Writing ``body->v`` and ``body->f`` directly equals
``cpBodySetVelocity`` / ``cpBodySetForce`` except that those also wake a sleeping body;
a :class:`vin_gym.physics.Simulator` space never sleeps. ``tests/envs/test_physics.py`` checks
that both paths agree bit for bit.
"""

from __future__ import annotations

import functools

import numba
import numpy as np
import pymunk
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from vin_gym.forces import _verlet_kick

try:
    from pymunk._chipmunk_cffi import ffi, lib
except ImportError:  # pragma: no cover - another pymunk layout: available() is False
    ffi = lib = None

# Offsets in doubles of cpBody's fields (chipmunk_structs.h: two function pointers, m,
# m_inv, i, i_inv, cog, then p, v, f), checked by available().
_P, _V, _F = 8, 10, 12
#: ``consts`` layout of :func:`step`.
SUBSTEP, N_SUBSTEPS, MAX_SPEED, LAW_KIND, LAW_STRENGTH, LAW_LENGTH = range(6)
NO_LAW = -1.0


@intrinsic
def _doubles_at(typingctx, address):  # pragma: no cover - compiled
    """A ``double *`` at an integer address."""
    sig = types.CPointer(types.float64)(address)

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], context.get_value_type(signature.return_type))

    return sig, codegen


@intrinsic
def _space_step(typingctx, function, space, dt):  # pragma: no cover - compiled
    """Call ``cpSpaceStep(space, dt)`` through its address ``function``."""
    sig = types.void(function, space, dt)

    def codegen(context, builder, signature, args):
        void_p = ir.IntType(8).as_pointer()
        fn_type = ir.FunctionType(ir.VoidType(), [void_p, ir.DoubleType()])
        fn = builder.inttoptr(args[0], fn_type.as_pointer())
        builder.call(fn, [builder.inttoptr(args[1], void_p), args[2]])
        return context.get_dummy_value()

    return sig, codegen


def _address(cdata) -> int:
    return int(ffi.cast("uintptr_t", cdata))


def handles(space: pymunk.Space, bodies: list[pymunk.Body]) -> np.ndarray:
    """``(2 + N,)`` int64: the address of ``cpSpaceStep``, the space, then each body.

    The addresses are valid while ``space`` and ``bodies`` live; the caller keeps them.
    """
    addresses = [_space_step_address(), _address(space._space)]
    return np.array(addresses + [_address(b._body) for b in bodies], dtype=np.int64)


@functools.cache
def _space_step_address() -> int:
    return _address(ffi.addressof(lib, "cpSpaceStep"))


@numba.njit(cache=True)
def read(handles: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """``(N, 4)`` float64 rows x, y, vx, vy of the bodies in ``handles``."""
    n = handles.shape[0] - 2
    out = np.empty((n, 4))
    for i in range(n):
        body = _doubles_at(handles[2 + i])
        out[i, 0], out[i, 1] = body[_P], body[_P + 1]
        out[i, 2], out[i, 3] = body[_V], body[_V + 1]
    return out


@numba.njit(cache=True)
def add_velocity(
    handles: np.ndarray, index: int, dvx: float, dvy: float
) -> None:  # pragma: no cover
    """Add ``(dvx, dvy)`` to the velocity of body ``index``."""
    body = _doubles_at(handles[2 + index])
    body[_V] = body[_V] + dvx
    body[_V + 1] = body[_V + 1] + dvy


@numba.njit(cache=True)
def set_velocity(handles: np.ndarray, index: int, vx: float, vy: float) -> None:  # pragma: no cover
    """Set the velocity of body ``index`` to ``(vx, vy)``."""
    body = _doubles_at(handles[2 + index])
    body[_V], body[_V + 1] = vx, vy


# Not cached on disk: numba's cache checks only this file's timestamp, so a cached `step`
# would keep calling stale code of `forces._verlet_kick` after forces.py changes (seen:
# "NRT_adapt_ndarray_to_python: descr is NULL"). Compiling costs ~0.7 s once per process.
@numba.njit(cache=False)
def step(
    handles: np.ndarray, masses: np.ndarray, cache: np.ndarray, consts: np.ndarray
) -> tuple[np.ndarray, bool]:  # pragma: no cover - compiled
    """One simulator step: substeps with velocity-Verlet forces, no speed cap.

    The speed cap stays with the caller, which applies it with Python's ``math.hypot``
    when this reports a speed near the cap: numba's ``hypot`` (the C library's) rounds
    differently from Python's in about 0.5% of cases, and the compiled and Python paths
    must agree bit for bit.

    Args:
        handles: From :func:`handles`.
        masses: ``(N,)`` body masses.
        cache: ``(N, 5)`` the Verlet force cache (see :func:`vin_gym.forces.verlet_kick`).
        consts: float64 ``[substep, n_substeps, max_speed, law kind, strength, length]``,
            law kind :data:`NO_LAW` for free motion.

    Returns:
        ``(N, 4)`` the new states, as :func:`read`, and whether any speed is within a
        relative ``1e-9`` of the cap or above it.
    """
    n = handles.shape[0] - 2
    h, kind = consts[SUBSTEP], consts[LAW_KIND]
    for _ in range(int(consts[N_SUBSTEPS])):
        if kind != NO_LAW:
            kicks = _verlet_kick(
                read(handles), masses, cache, h, int(kind), consts[LAW_STRENGTH], consts[LAW_LENGTH]
            )  # (N, 4): vx, vy, fx, fy
            for i in range(n):
                body = _doubles_at(handles[2 + i])
                body[_V], body[_V + 1] = kicks[i, 0], kicks[i, 1]
                body[_F], body[_F + 1] = kicks[i, 2], kicks[i, 3]
        _space_step(handles[0], handles[1], h)
    states = read(handles)
    near = consts[MAX_SPEED] ** 2 * (1.0 - 1e-9)
    near_cap = False
    for i in range(n):
        if states[i, 2] ** 2 + states[i, 3] ** 2 > near:
            near_cap = True
    return states, near_cap


@functools.cache
def available() -> bool:
    """Whether the compiled path works with this pymunk build: it reads and writes the
    fields it means to on a probe body (checked once, on first use)."""
    if lib is None or ffi.sizeof("cpFloat") != 8:
        return False
    space = pymunk.Space()
    body = pymunk.Body(2.0, 3.0)
    space.add(body, pymunk.Circle(body, 1.0))
    body.position, body.velocity, body.force = (1.25, -2.5), (3.75, 4.5), (-5.25, 6.0)
    raw = np.frombuffer(ffi.buffer(ffi.cast("char *", body._body), 8 * (_F + 2)), np.float64)
    expected = [1.25, -2.5, 3.75, 4.5, -5.25, 6.0]
    if raw[_P : _F + 2].tolist() != expected:
        return False
    h = handles(space, [body])
    add_velocity(h, 0, 0.5, 0.5)
    return read(h).tolist() == [[1.25, -2.5, 4.25, 5.0]] and tuple(body.velocity) == (4.25, 5.0)
