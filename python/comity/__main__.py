"""`python -m comity score ...`: the `comity score` command, run in this process by the
same C++ code, so its options, output and exit status are the CLI's."""

import os
import signal
import sys

from . import BUNDLED_MODEL, _comity


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in ("score", "-h", "--help"):
        print("usage: python -m comity score [comity score options] [FILES...]\n"
              "       (python -m comity score --help lists them)", file=sys.stderr)
        return 2
    # The CLI's default model is $COMITY_MODEL, else the bundled one: here it is the copy
    # installed with the package.
    os.environ.setdefault("COMITY_MODEL", BUNDLED_MODEL)
    # Like the CLI in a pipeline: `... | head` ends the run instead of scoring on.
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.stdout.flush()
    return _comity.run_cli(list(argv))


if __name__ == "__main__":
    sys.exit(main())
