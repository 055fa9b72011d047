"""Model-free baselines: Stable-Baselines3 agents trained and evaluated on fixed seeds.

Stable-Baselines3 is optional (``pip install vin-gym[sb3]``) and imported only when an
agent is built, so importing this package stays light.
"""

from vin_gym.baselines.callbacks import EVAL_SEED_BASE, eval_seeds, evaluate_fixed_seeds
from vin_gym.baselines.sb3 import ALGOS, SB3_OBS_MODES, BaselineConfig
from vin_gym.baselines.summary import summarize_runs, write_summary
from vin_gym.baselines.training import train_baseline

__all__ = [
    "ALGOS",
    "EVAL_SEED_BASE",
    "SB3_OBS_MODES",
    "BaselineConfig",
    "eval_seeds",
    "evaluate_fixed_seeds",
    "summarize_runs",
    "train_baseline",
    "write_summary",
]
