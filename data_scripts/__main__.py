"""python -m data_scripts list | fetch NAME [--unverified] [--force]"""
import argparse
import sys

from data_scripts import OFFLINE, REGISTRY, DownloadError, cache_dir, fetch


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data_scripts",
                                     description="The course's data sets.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="registered data sets and whether they are cached")
    f = sub.add_parser("fetch", help="download a data set into the cache folder")
    f.add_argument("name", choices=sorted(REGISTRY))
    f.add_argument("--unverified", action="store_true",
                   help="allow a data set without a pinned SHA-256 (prints a loud warning)")
    f.add_argument("--force", action="store_true", help="download again even if cached")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "list":
        for name, what in OFFLINE.items():
            print(f"{name:15s} offline  {what}")
        for name, ds in REGISTRY.items():
            cached = (cache_dir() / ds.filename).is_file()
            state = "cached " if cached else "missing"
            check = "sha256 pinned" if ds.sha256 else "SHA-256 NOT PINNED (fetch needs --unverified)"
            print(f"{name:15s} {state}  {ds.description}; {check}")
        print(f"cache folder: {cache_dir()} (set $CONVLAB_DATA to change it)")
        return 0
    try:
        path = fetch(args.name, allow_unverified=args.unverified, force=args.force)
    except DownloadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{args.name}: {path}")
    return 0


raise SystemExit(main())
