#!/usr/bin/env python3
"""Writes a small, deterministic classic pcap for scripts/json-snapshot.sh: a SYN scan, DNS
queries, a ping sweep, IPv6 UDP and an ordinary TCP exchange over four seconds, all between
addresses of 198.18.0.0/15. Usage: make-sample-pcap.py OUT.pcap"""
import struct, sys

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data)//2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF

def ip4(a):
    return bytes(int(x) for x in a.split("."))

def ipv4(src, dst, proto, payload):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0, ip4(src), ip4(dst))
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00" + header + payload

def tcp(src, dst, sport, dport, flags, data=b""):
    return ipv4(src, dst, 6, struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 0x50, flags, 65535, 0, 0) + data)

def udp(src, dst, sport, dport, data):
    return ipv4(src, dst, 17, struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data)

def icmp_echo(src, dst, seq):
    return ipv4(src, dst, 1, struct.pack("!BBHHH", 8, 0, 0, 7, seq) + b"ping")

def dns_query(name):
    labels = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + labels + struct.pack("!HH", 1, 1)

def udp6(src_last, dst_last, sport, dport, data):
    src = bytes.fromhex("20010db8000000000000000000000000")[:15] + bytes([src_last])
    dst = bytes.fromhex("20010db8000000010000000000000000")[:15] + bytes([dst_last])
    body = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    header = struct.pack("!IHBB", 0x60000000, len(body), 17, 64) + src + dst
    return b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x86\xdd" + header + body

frames = []
start = 1_700_000_000
# Second 0: a SYN scan of 300 ports of one host, and an ordinary exchange.
for i, port in enumerate(range(1, 301)):
    frames.append((start, i * 3000, tcp("198.18.0.66", "198.18.1.1", 40000, port, 0x02)))
for i in range(20):
    frames.append((start, 950_000 + i, tcp("198.18.0.5", "198.18.1.1", 50000 + i, 443, 0x18, b"x" * 200)))
# Second 1: DNS queries with long random-looking labels (tunnel-like), and normal lookups.
for i in range(80):
    frames.append((start + 1, i * 10_000, udp("198.18.0.77", "198.18.1.53", 33000 + i, 53,
                                                dns_query(f"{i:04x}a9f3k2q8z{i*7919 % 100000:05d}.t.example"))))
for i, name in enumerate(["www.example", "mail.example", "cdn.example"]):
    frames.append((start + 1, 900_000 + i, udp("198.18.0.5", "198.18.1.53", 41000 + i, 53, dns_query(name))))
# Second 2: a ping sweep of 60 hosts.
for i in range(60):
    frames.append((start + 2, i * 15_000, icmp_echo("198.18.0.88", f"198.18.2.{i + 1}", i)))
# Second 3: IPv6 UDP and a few SYN/ACK and RST.
for i in range(40):
    frames.append((start + 3, i * 20_000, udp6(5, i + 1, 5000, 6000 + i, b"u" * 64)))
for i in range(10):
    frames.append((start + 3, 850_000 + i, tcp("198.18.1.1", "198.18.0.66", 80, 40000, 0x12 if i % 2 else 0x04)))
# Second 4: one packet so the previous window closes.
frames.append((start + 4, 500_000, tcp("198.18.0.5", "198.18.1.1", 50100, 443, 0x10)))

with open(sys.argv[1], "wb") as out:
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for seconds, micros, frame in frames:
        out.write(struct.pack("<IIII", seconds, micros, len(frame), len(frame)) + frame)
