"""What every engine's command line says before the engine reads anything (contest/engines/cli.py)."""
from contest.catalogue import N_

MESSAGES = {
    "command_usage": N_("usage: python -m contest.engines.<name> IN.json (or - for stdin)"),
    "file_unreadable": N_("cannot read %(path)s: %(reason)s"),
    "json_invalid": N_("not valid JSON: %(reason)s at line %(line)s, column %(column)s"),
}
