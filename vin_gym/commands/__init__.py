"""One module per ``vin-gym`` subcommand (see :mod:`vin_gym.cli`)."""
