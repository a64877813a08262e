"""python -m data_scripts list"""
import sys

from data_scripts import OFFLINE


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] != ["list"]:
        print("usage: python -m data_scripts list", file=sys.stderr)
        return 2
    for name, what in OFFLINE.items():
        print(f"{name:15s} offline  {what}")
    return 0


raise SystemExit(main())
