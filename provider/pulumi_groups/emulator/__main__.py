"""`python -m pulumi_groups.emulator`: run the emulator until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from pulumi_groups.emulator import guesses
from pulumi_groups.emulator.server import Emulator


def _fault(text: str) -> dict:
    try:
        fault = json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--fault is not JSON: {exc}") from None
    if not isinstance(fault, dict):
        raise argparse.ArgumentTypeError("--fault must be a JSON object")
    return fault


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pulumi_groups.emulator",
        description="Local emulator of the Capillary group and WeSurvey contact-group APIs.",
    )
    parser.add_argument("--port", type=int, default=8080, help="TCP port (0 = any free port; default 8080)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--state", metavar="FILE", help="JSON state file, loaded at start and saved after every change")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay added to every vendor request")
    parser.add_argument(
        "--rate-limit", type=int, metavar="N", help="requests per minute per credential (default unlimited)"
    )
    parser.add_argument("--not-found-status", type=int, choices=(404, 400), default=guesses.NOT_FOUND_STATUS,
                        help="HTTP status for Capillary get/update of an unknown id")
    parser.add_argument("--badge-default-page-size", type=int, default=guesses.BADGE_DEFAULT_PAGE_SIZE)
    parser.add_argument("--reward-list-default", choices=("all", "active"), default="all",
                        help="reward list without `active`: every group or only active ones")
    parser.add_argument("--wesurvey-max-depth", type=int, default=guesses.WESURVEY_MAX_DEPTH)
    parser.add_argument("--capillary-token-ttl", type=float, default=3600, help="OAuth token lifetime, seconds")
    parser.add_argument("--wesurvey-token-ttl", type=float, default=7200, help="WeSurvey token lifetime, seconds")
    parser.add_argument("--fault", type=_fault, action="append", default=[], metavar="JSON",
                        help='a fault to inject, e.g. \'{"method": "POST", "action": "status", "status": 503}\' '
                             '(repeatable)')
    parser.add_argument("--verbose", action="store_true", help="log each request (method, path, status) to stderr")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        emulator = Emulator(
            port=args.port,
            host=args.host,
            state_file=args.state,
            latency=args.latency_ms / 1000,
            rate_limit_per_minute=args.rate_limit,
            not_found_status=args.not_found_status,
            badge_default_page_size=args.badge_default_page_size,
            reward_list_default_active=True if args.reward_list_default == "active" else None,
            wesurvey_max_depth=args.wesurvey_max_depth,
            capillary_token_ttl=args.capillary_token_ttl,
            wesurvey_token_ttl=args.wesurvey_token_ttl,
            faults=args.fault,
            verbose=args.verbose,
        ).start()
    except (ValueError, OSError) as exc:
        print(f"emulator: {exc}", file=sys.stderr)
        return 2

    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    print(f"pulumi-groups emulator listening on {emulator.url}", flush=False)
    print("Accepted credentials (Capillary host and WeSurvey host are both this URL):")
    for line in emulator.credentials.describe():
        print(line)
    if args.state:
        print(f"State file: {args.state}")
    if args.fault:
        print(f"Faults armed: {len(args.fault)}")
    print("Admin: GET /__admin/counters, GET /__admin/state, POST /__admin/faults, POST /__admin/reset")
    print("Stop with Ctrl+C.", flush=True)
    while not stopping.wait(0.5):
        pass
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
