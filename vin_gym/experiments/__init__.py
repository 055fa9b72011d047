"""The integration layer: pipelines that join environments, world models and planners.

It sits between the packages (``vin_gym``'s envs and data, ``vin_model``, ``planners``)
and the command line: the commands parse arguments, call a function here and report.
Tests, benchmarks and examples import from here, never from ``vin_gym.commands``.

* :mod:`vin_gym.experiments.episodes`: the goal-bound reward, the MPC episode loop, its
  summary, the optimizer factory, and the MPC agent as a policy (with exploration noise,
  the online loop's behaviour policy; the blind seed policies live in
  :mod:`vin_gym.data.policies`).
* :mod:`vin_gym.experiments.comparison`: the comparison's cells, runner (a worker queue)
  and report.
* :mod:`vin_gym.experiments.mbrl`: online model learning (``vin-gym mbrl``).

Importing this package imports neither torch nor the model code; its modules do.
"""
