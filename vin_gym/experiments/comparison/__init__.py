"""The comparison of ``vin-gym compare``: VIN-MPC against random and zero actions,
oracle-MPC and SB3 agents, on the same fixed evaluation episodes.

* :mod:`.specs`: the grid of cells, and the key that makes two evaluations comparable;
* :mod:`.runner`: running one cell, reusing finished ones, and the queue that runs the
  missing cells over a few worker processes, cheapest first;
* :mod:`.sb3_runs`: reading SB3 baseline runs as rows of the comparison;
* :mod:`.report`: aggregation over seeds with 95% intervals, the steps an SB3 agent needs
  to match VIN-MPC, the markdown, JSON and plot.
"""
