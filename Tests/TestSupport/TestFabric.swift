import Foundation
import Synchronization

/// Several test hosts on one segment: a bridge in a namespace of its own, one namespace per
/// member joined to it by a veth pair, and a veth from this host into the bridge, all in one
/// 198.18.X.0/24 (X random, unused on this machine) with IPv6 disabled. Members have no default
/// route, so nothing they send can leave the segment.
///
/// Names follow ``TestNetwork``'s (`nmt-<pid>-<hex>` for the bridge's namespace, `nmh<hex>` for
/// this host's end), so ``TestNetwork/removeStale()`` also deletes what a crashed run left;
/// members are `nmt-<pid>-<hex><n>` with interfaces `nmm<hex><n>`. Everything is deleted by
/// ``remove()`` or deinit, also when the test fails.
public final class TestFabric: Sendable {
    /// One namespace on the segment.
    public struct Member: Sendable {
        /// The namespace.
        public let namespace: String
        /// Its interface on the segment (inside the namespace).
        public let interface: String
        /// Its address, 198.18.X.n.
        public let address: String
    }

    /// The bridge's namespace.
    public let bridgeNamespace: String
    /// This host's end of its veth into the bridge.
    public let hostInterface: String
    /// 198.18.X.1 on this host's end.
    public let hostAddress: String
    /// 198.18.X.
    public let subnetPrefix: String
    /// The members, in the order of `hosts`.
    public let members: [Member]
    private let created = Mutex<[String]>([])

    /// Creates the segment with one member per host number (2…254, not 1).
    public init(hosts: [Int]) throws {
        TestNetwork.removeStale()
        let suffix = String(format: "%06x", UInt32.random(in: 0..<0xFF_FFFF))
        bridgeNamespace = "nmt-\(getpid())-\(suffix)"
        hostInterface = "nmh\(suffix)"
        let subnet = TestNetwork.unusedSubnet()
        subnetPrefix = subnet
        hostAddress = "\(subnet).1"
        let bridgeName = bridgeNamespace
        members = hosts.enumerated().map { index, host in
            Member(namespace: "\(bridgeName)\(index)", interface: "nmm\(suffix)\(index)", address: "\(subnet).\(host)")
        }
        do {
            let bridge = bridgeNamespace
            try Command.runBlocking(["ip", "netns", "add", bridge])
            created.withLock { $0.append(bridge) }
            try Self.run(bridge, ["ip", "link", "add", "br0", "type", "bridge"])
            try Self.run(bridge, ["ip", "link", "set", "br0", "up"])
            try Self.run(bridge, ["ip", "link", "set", "lo", "up"])
            // This host's end.
            try Command.runBlocking(["ip", "link", "add", hostInterface, "type", "veth", "peer", "name", "nmp\(suffix)"])
            try Command.runBlocking(["ip", "link", "set", "nmp\(suffix)", "netns", bridge])
            try Self.run(bridge, ["ip", "link", "set", "nmp\(suffix)", "master", "br0", "up"])
            try Command.runBlocking(["sysctl", "-qw", "net.ipv6.conf.\(hostInterface).disable_ipv6=1"])
            try Command.runBlocking(["ip", "addr", "add", "\(hostAddress)/24", "dev", hostInterface])
            try Command.runBlocking(["ip", "link", "set", hostInterface, "up"])
            for (index, member) in members.enumerated() {
                try Command.runBlocking(["ip", "netns", "add", member.namespace])
                created.withLock { $0.append(member.namespace) }
                let port = "nmb\(suffix)\(index)"
                try Self.run(bridge, ["ip", "link", "add", port, "type", "veth", "peer", "name", member.interface])
                try Self.run(bridge, ["ip", "link", "set", member.interface, "netns", member.namespace])
                try Self.run(bridge, ["sysctl", "-qw", "net.ipv6.conf.\(port).disable_ipv6=1"])
                try Self.run(bridge, ["ip", "link", "set", port, "master", "br0", "up"])
                try Self.run(member.namespace, ["sysctl", "-qw", "net.ipv6.conf.\(member.interface).disable_ipv6=1"])
                try Self.run(member.namespace, ["ip", "addr", "add", "\(member.address)/24", "dev", member.interface])
                try Self.run(member.namespace, ["ip", "link", "set", member.interface, "up"])
                try Self.run(member.namespace, ["ip", "link", "set", "lo", "up"])
            }
        } catch {
            remove()
            throw error
        }
    }

    deinit {
        remove()
    }

    private static func run(_ namespace: String, _ arguments: [String]) throws {
        try Command.runBlocking(["ip", "netns", "exec", namespace] + arguments)
    }

    /// Runs a command in `member`'s namespace (waiting on a thread of its own).
    @discardableResult
    public func exec(_ member: Member, _ arguments: [String], check: Bool = true) async throws -> CommandResult {
        try await Command.run(["ip", "netns", "exec", member.namespace] + arguments, check: check)
    }

    /// The prefix that runs a command in `member`'s namespace (for ``MonitorProcess`` and ``Spawn``).
    public func prefix(_ member: Member) -> [String] { ["ip", "netns", "exec", member.namespace] }

    /// Deletes the members, the bridge and this host's end (idempotent).
    public func remove() {
        for namespace in created.withLock({ names in defer { names = [] }; return names }).reversed() {
            _ = try? Command.runBlocking(["ip", "netns", "del", namespace], check: false)
        }
        _ = try? Command.runBlocking(["ip", "link", "del", hostInterface], check: false)
    }
}
