public import Foundation
import Synchronization

/// A test host: a network namespace joined to the host by a veth pair, addresses in
/// 198.18.X.0/24 (X random, unused on this machine), IPv6 disabled on both ends so
/// only the test's own traffic (and ARP) crosses the link.
///
/// Names carry a project prefix, the creating process's PID and a random suffix
/// (`nmt-<pid>-<hex>`, host end `nmh<hex>`, peer `nmp<hex>`), so parallel runs never
/// collide and ``removeStale()`` can delete what a crashed test process left behind.
/// Everything is deleted by ``remove()`` or deinit, also when the test fails.
public final class TestNetwork: Sendable {
    public let namespace: String
    public let hostInterface: String
    public let peerInterface: String
    /// 198.18.X.1 on the host end.
    public let hostAddress: String
    /// 198.18.X.2 in the namespace.
    public let peerAddress: String
    /// 198.18.X (for extra addresses 198.18.X.n).
    public let subnetPrefix: String
    /// Blackhole routes ``routeBlackholedSubnet()`` added on this host.
    private let blackholes = Mutex<[String]>([])

    /// True when this process may create namespaces and load BPF programs.
    public static var isPrivileged: Bool { getuid() == 0 }

    /// - Parameter ipv6: keep IPv6 on (neighbour discovery and MLD then add ICMPv6 packets).
    public init(ipv6: Bool = false) throws {
        Self.removeStale()
        let suffix = String(format: "%06x", UInt32.random(in: 0..<0xFF_FFFF))
        namespace = "nmt-\(getpid())-\(suffix)"
        hostInterface = "nmh\(suffix)"
        peerInterface = "nmp\(suffix)"
        subnetPrefix = Self.unusedSubnet()
        hostAddress = "\(subnetPrefix).1"
        peerAddress = "\(subnetPrefix).2"
        do {
            try Command.runBlocking(["ip", "netns", "add", namespace])
            try Command.runBlocking(["ip", "link", "add", hostInterface, "type", "veth", "peer", "name", peerInterface])
            try Command.runBlocking(["ip", "link", "set", peerInterface, "netns", namespace])
            let disable = ipv6 ? "0" : "1"
            try Command.runBlocking(["sysctl", "-qw", "net.ipv6.conf.\(hostInterface).disable_ipv6=\(disable)"])
            try execBlocking(["sysctl", "-qw", "net.ipv6.conf.\(peerInterface).disable_ipv6=\(disable)"])
            try Command.runBlocking(["ip", "addr", "add", "\(hostAddress)/24", "dev", hostInterface])
            try Command.runBlocking(["ip", "link", "set", hostInterface, "up"])
            try execBlocking(["ip", "addr", "add", "\(peerAddress)/24", "dev", peerInterface])
            try execBlocking(["ip", "link", "set", peerInterface, "up"])
            try execBlocking(["ip", "link", "set", "lo", "up"])
        } catch {
            remove()
            throw error
        }
    }

    deinit {
        remove()
    }

    /// Runs a command inside the namespace (waiting on a thread of its own).
    @discardableResult
    public func exec(_ arguments: [String], check: Bool = true) async throws -> CommandResult {
        try await Command.run(["ip", "netns", "exec", namespace] + arguments, check: check)
    }

    /// Runs a short command inside the namespace, blocking (for the initializer).
    private func execBlocking(_ arguments: [String]) throws {
        try Command.runBlocking(["ip", "netns", "exec", namespace] + arguments)
    }

    /// Adds 198.18.X.n for each n to the namespace's interface and returns them.
    public func addPeerAddresses(_ hosts: [Int]) async throws -> [String] {
        var addresses: [String] = []
        for host in hosts {
            let address = "\(subnetPrefix).\(host)"
            try await exec(["ip", "addr", "add", "\(address)/24", "dev", peerInterface])
            addresses.append(address)
        }
        return addresses
    }

    /// Packets the host end has received (its own counter).
    public var hostReceivedPackets: Int {
        let path = "/sys/class/net/\(hostInterface)/statistics/rx_packets"
        return Int((try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
    }

    /// Packets the namespace's end has transmitted (its own counter).
    public func peerTransmittedPackets() async throws -> Int {
        let text = try await exec(["cat", "/sys/class/net/\(peerInterface)/statistics/tx_packets"]).stdout
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// Deletes the link and the namespace (idempotent).
    public func remove() {
        for route in blackholes.withLock({ routes in defer { routes = [] }; return routes }) {
            _ = try? Command.runBlocking(["ip", "route", "del", "blackhole", route], check: false)
        }
        _ = try? Command.runBlocking(["ip", "link", "del", hostInterface], check: false)
        _ = try? Command.runBlocking(["ip", "netns", "del", namespace], check: false)
    }

    /// A random 198.18.X (the first three octets of a /24) that no address of this machine uses.
    public static func unusedSubnet() -> String {
        let used = (try? Command.runBlocking(["ip", "-o", "-4", "addr", "show"]).stdout) ?? ""
        var third = Int.random(in: 0...255)
        while used.contains("198.18.\(third).") { third = Int.random(in: 0...255) }
        return "198.18.\(third)"
    }

    /// Routes an unused /24 of 198.19.0.0/16 from the namespace through the host end and
    /// blackholes it on this host, so probes to it reach the host end's XDP program and go no
    /// further. Returns the /24's first three octets; ``remove()`` deletes both routes.
    public func routeBlackholedSubnet() async throws -> String {
        let used = (try? await Command.run(["ip", "-o", "-4", "route", "show"]).stdout) ?? ""
        let addresses = (try? await Command.run(["ip", "-o", "-4", "addr", "show"]).stdout) ?? ""
        for _ in 0..<100 {
            let candidate = "198.19.\(Int.random(in: 0...255))"
            guard !used.contains(candidate + "."), !addresses.contains(candidate + ".") else { continue }
            try await Command.run(["ip", "route", "add", "blackhole", "\(candidate).0/24"])
            blackholes.withLock { $0.append("\(candidate).0/24") }
            try await exec(["ip", "route", "add", "\(candidate).0/24", "via", hostAddress])
            return candidate
        }
        throw CommandFailure(
            command: ["ip", "route", "add", "blackhole"], result: CommandResult(status: 1, stdout: "", stderr: "no unused /24 in 198.19.0.0/16"))
    }

    /// Host-side isolation for spoofed traffic: whatever this host sends from the host end's
    /// address to outside 198.18.0.0/15 (resets and ICMP errors answering spoofed sources) is
    /// blackholed by a policy rule until the returned value's `remove()`.
    public func dropRepliesOutsideTestRange() async throws -> ReplyIsolation {
        let allow = ["from", "\(hostAddress)/32", "to", "198.18.0.0/15", "priority", "90", "lookup", "main"]
        let drop = ["from", "\(hostAddress)/32", "priority", "91", "blackhole"]
        try await Command.run(["ip", "rule", "add"] + allow)
        do {
            try await Command.run(["ip", "rule", "add"] + drop)
        } catch {
            _ = try? await Command.run(["ip", "rule", "del"] + allow, check: false)
            throw error
        }
        return ReplyIsolation(rules: [drop, allow])
    }

    /// Policy rules added by ``dropRepliesOutsideTestRange()``.
    public final class ReplyIsolation: Sendable {
        let rules: [[String]]
        init(rules: [[String]]) { self.rules = rules }
        /// Deletes the rules (also on deinit).
        public func remove() {
            for rule in rules { _ = try? Command.runBlocking(["ip", "rule", "del"] + rule, check: false) }
        }
        deinit { remove() }
    }

    /// Deletes namespaces (and their host links) left by test processes that no longer run.
    public static func removeStale() {
        guard let list = try? Command.runBlocking(["ip", "netns", "list"], check: false).stdout else { return }
        for line in list.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            let parts = name.split(separator: "-")
            guard parts.count == 3, parts[0] == "nmt", let pid = Int32(parts[1]) else { continue }
            if kill(pid, 0) == 0 || errno == EPERM { continue }
            _ = try? Command.runBlocking(["ip", "link", "del", "nmh\(parts[2])"], check: false)
            _ = try? Command.runBlocking(["ip", "netns", "del", name], check: false)
        }
    }
}
