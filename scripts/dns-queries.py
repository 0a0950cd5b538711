#!/usr/bin/env python3
"""Sends DNS queries over UDP to one server: ordinary lookups, or tunnel-like ones.

    dns-queries.py SERVER [--count N] [--rate R] [--tunnel | --name NAME] [--port 53]

Ordinary queries ask for the A record of a short, common-looking name. With --tunnel every query
carries data the way DNS tunnels do: three labels of 40-63 random base32 characters under one
domain, TXT type, so each query is 180-250 bytes. At most --count queries are sent, --rate per
second; answers are not awaited. Used by scripts/attack-scenario.sh inside a test namespace:
SERVER must be a test host (198.18.0.0/15) or loopback.
"""
import argparse
import ipaddress
import random
import socket
import string
import struct
import sys
import time

ALPHABET = string.ascii_lowercase + "234567"
ORDINARY = ["www", "mail", "api", "cdn", "static", "login", "news", "docs", "images", "app"]
DOMAINS = ["example.com", "example.org", "example.net"]


def encode_name(labels):
    out = b""
    for label in labels:
        data = label.encode("ascii")
        out += bytes([len(data)]) + data
    return out + b"\x00"


def query(labels, qtype):
    header = struct.pack("!HHHHHH", random.randrange(65536), 0x0100, 1, 0, 0, 0)
    return header + encode_name(labels) + struct.pack("!HH", qtype, 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("server")
    parser.add_argument("--count", type=int, default=1)
    parser.add_argument("--rate", type=float, default=1.0)
    parser.add_argument("--tunnel", action="store_true")
    parser.add_argument("--port", type=int, default=53)
    parser.add_argument("--name", help="ask for this name (A record) instead of a generated one")
    args = parser.parse_args()

    address = ipaddress.ip_address(args.server)
    if not (address.is_loopback or address in ipaddress.ip_network("198.18.0.0/15")):
        sys.exit(f"dns-queries: {address} is neither loopback nor a test host in 198.18.0.0/15")
    if not 1 <= args.count <= 10000 or not 0 < args.rate <= 1000:
        sys.exit("dns-queries: --count must be 1-10000 and --rate 0-1000")

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    interval = 1.0 / args.rate
    start = time.monotonic()
    for index in range(args.count):
        if args.name:
            packet = query(args.name.strip(".").split("."), 1)  # A
        elif args.tunnel:
            labels = ["".join(random.choice(ALPHABET) for _ in range(random.randint(40, 63))) for _ in range(3)]
            packet = query(labels + ["t", random.choice(DOMAINS).split(".")[0], "com"], 16)  # TXT
        else:
            packet = query([random.choice(ORDINARY)] + random.choice(DOMAINS).split("."), 1)  # A
        try:
            sock.sendto(packet, (args.server, args.port))
        except OSError as error:  # an ICMP unreachable from an earlier query surfaces here
            print(f"dns-queries: {error}", file=sys.stderr)
        delay = start + (index + 1) * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)


if __name__ == "__main__":
    main()
