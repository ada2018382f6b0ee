"""`openscg serve | simulate | import | export | analyze` — the command line.

Each verb lives in its own module exposing `add_arguments(parser)` and `run(args) -> int`; they are imported
only when chosen, so `openscg analyze` does not load the web server and `serve` does not load matplotlib.
"""

from __future__ import annotations

import argparse
import importlib
import sys

VERBS = {
    "serve": ("openscg.serve", "run the server (REST + WebSockets)"),
    "simulate": ("openscg.simulate", "a virtual phone: stream a recording or synthetic SCG into a session"),
    "import": ("openscg.transfer", "upload a recording file to a server as an ended session"),
    "export": ("openscg.transfer", "download a session as JSON or CSV"),
    "analyze": ("openscg.analyze", "analyse a recording file: heart rate, beats, quality, HRV"),
}


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    """All verbs are listed in --help; only the chosen verb's module is imported to add its arguments."""
    parser = argparse.ArgumentParser(prog="openscg", description="OpenSCG live seismocardiography.")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    chosen = next((arg for arg in argv if not arg.startswith("-")), None)
    for verb, (module_name, help_text) in VERBS.items():
        sub = verbs.add_parser(verb, help=help_text, description=help_text)
        sub.set_defaults(_module=module_name, _verb=verb)
        if verb == chosen:
            module = importlib.import_module(module_name)
            adder = getattr(module, f"add_{verb}_arguments", None) or module.add_arguments
            adder(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
    module = importlib.import_module(args._module)
    runner = getattr(module, f"run_{args._verb}", None) or module.run
    try:
        return int(runner(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
