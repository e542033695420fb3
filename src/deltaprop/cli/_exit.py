"""The command line's exit codes, defined once (``deltaprop.cli`` re-exports them)."""

EXIT_OK = 0
#: Bad input, a bad or missing file, a failed gradient check.
EXIT_ERROR = 1
#: The command line itself is wrong (unknown option, bad option value); click's convention.
EXIT_USAGE = 2
#: Training diverged (the loss or a weight became NaN or infinite).
EXIT_DIVERGED = 3
#: An optional dependency (an extra such as deltaprop[plot]) is missing.
EXIT_MISSING_DEPENDENCY = 4
#: Ctrl-C (128 + SIGINT), with or without a checkpoint saved.
EXIT_INTERRUPTED = 130
