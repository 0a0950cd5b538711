import Foundation
import Logging
import Synchronization
import TestSupport
import Testing
import TrafficFeatures

@testable import EBPFCapture

/// Real traffic from the test namespace with Debian's hping3: bounded counts, paced,
/// only to the namespace's peer address on the test veth.
enum Traffic {
    static var available: Bool { Command.exists("hping3") }

    struct HpingFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs hping3 with `-c count` in the namespace and checks that the namespace's
    /// interface transmitted at least `count` packets meanwhile (its own counter; ARP
    /// may add some). hping3's exit status only says whether replies came, so it is
    /// not used.
    static func hping(_ network: TestNetwork, count: Int, _ arguments: [String]) async throws {
        let before = try await network.peerTransmittedPackets()
        let result = try await network.exec(["hping3", "-n", "-q", "-c", "\(count)", "-i", "u500"] + arguments, check: false)
        let sent = try await network.peerTransmittedPackets() - before
        guard sent >= count else {
            throw HpingFailure(
                description: "hping3 \(arguments.joined(separator: " ")): the interface sent \(sent) of \(count) "
                    + "(exit \(result.status)): \(result.stdout) \(result.stderr)")
        }
    }

    /// `source` must be an address of the namespace (replies then stay on the test link).
    static func udp(_ network: TestNetwork, count: Int, from source: String, port: Int = 9999) async throws {
        try await hping(network, count: count, ["--udp", "-p", "\(port)", "-a", source, network.hostAddress])
    }

    /// `count` SYNs to ports firstPort, firstPort+1, …
    static func syn(_ network: TestNetwork, count: Int, firstPort: Int, from source: String) async throws {
        try await hping(network, count: count, ["-S", "-p", "++\(firstPort)", "-a", source, network.hostAddress])
    }

    static func icmp(_ network: TestNetwork, count: Int, from source: String) async throws {
        try await hping(network, count: count, ["-1", "-a", source, network.hostAddress])
    }
}

/// Collects a capture's windows in the background.
final class WindowCollector: Sendable {
    private final class Storage: Sendable {
        let windows = Mutex<[TrafficWindow]>([])
    }

    private let storage: Storage
    private let task: Task<Void, any Error>

    init(_ source: any WindowSource) {
        let stream = source.windows()
        let storage = Storage()
        self.storage = storage
        task = Task {
            for try await window in stream { storage.windows.withLock { $0.append(window) } }
        }
    }

    /// Stops the source and returns every window (the stream ends with the partial one).
    func finish(_ source: any WindowSource) async throws -> [TrafficWindow] {
        source.stop()
        try await task.value
        return storage.windows.withLock { $0 }
    }
}

@Suite(
    "XDP attached to a test veth", .serviceProcesses(1),
    .requires(TestNetwork.isPrivileged, "needs root (CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON)"),
    .requires(Traffic.available, "hping3 is not installed (make setup)"))
struct XDPAttachTests {
    @Test(arguments: [XDPAttachMode.generic, .native])
    func countsNamespaceTrafficExactlyAndDetaches(mode: XDPAttachMode) async throws {
        let network = try TestNetwork()
        let capture = try XDPCapture(
            configuration: .init(interface: network.hostInterface, mode: mode, windowInterval: .milliseconds(300)),
            logger: testLogger)
        #expect(capture.link.mode == mode)
        let attached = try #require(XDPLink.attachedPrograms(interface: network.hostInterface))
        #expect((mode == .native ? attached.native : attached.generic) == capture.statistics.id)

        let collector = WindowCollector(capture)
        try await Traffic.udp(network, count: 120, from: network.peerAddress)
        try await Traffic.syn(network, count: 30, firstPort: 2000, from: network.peerAddress)
        let windows = try await collector.finish(capture)

        #expect(windows.reduce(0) { $0 + $1.udpPackets } == 120)
        #expect(windows.reduce(0) { $0 + $1.synPackets } == 30)
        // A SYN to a port this machine happens to listen on is answered, and the
        // namespace's kernel resets it: every other TCP packet is such a RST.
        #expect(windows.reduce(0) { $0 + $1.counters.tcpPackets } == 30 + windows.reduce(0) { $0 + $1.counters.rstPackets })
        #expect(windows.map(\.sequence) == windows.indices.map { $0 })
        #expect(windows.allSatisfy { $0.source == .xdp && $0.interface == network.hostInterface })
        // stop() detached the program.
        #expect(XDPLink.attachedPrograms(interface: network.hostInterface).map { $0.native == 0 && $0.generic == 0 } == true)
    }

    @Test func aStaleNetlinkProgramIsReplacedNotStacked() async throws {
        let network = try TestNetwork()
        let object = NSTemporaryDirectory() + "nm-stale-\(UUID().uuidString).o"
        let pin = "/sys/fs/bpf/nmt-stale-\(getpid())-\(UInt32.random(in: 0..<1_000_000))"
        defer {
            try? FileManager.default.removeItem(atPath: object)
            try? FileManager.default.removeItem(atPath: pin)
        }
        try NetworkMonitorProgram.embeddedObject.write(to: URL(fileURLWithPath: object))
        // What a killed older tool leaves: the program attached through netlink, which
        // outlives its process.
        try await Command.run(["bpftool", "prog", "load", object, pin, "type", "xdp"])
        try await Command.run(["bpftool", "net", "attach", "xdpgeneric", "pinned", pin, "dev", network.hostInterface])
        try FileManager.default.removeItem(atPath: pin)
        let stale = try #require(XDPLink.attachedPrograms(interface: network.hostInterface)?.generic)
        #expect(stale != 0)

        let program = try NetworkMonitorProgram(logger: testLogger)
        let link = try XDPLink.attach(program, to: network.hostInterface, mode: .generic, logger: testLogger)
        let now = try #require(XDPLink.attachedPrograms(interface: network.hostInterface))
        #expect(now.generic == program.statistics.id)
        #expect(now.generic != stale)
        link.detach()
        #expect(XDPLink.attachedPrograms(interface: network.hostInterface)?.generic == 0)
    }

    @Test(.requires(Command.exists("clang"), "clang is needed to build the other program"))
    func anotherToolsProgramIsLeftAloneUnlessReplacementIsAllowed() async throws {
        let network = try TestNetwork()
        let directory = NSTemporaryDirectory() + "nm-foreign-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
        #include <linux/bpf.h>
        #include <bpf/bpf_helpers.h>
        SEC("xdp") int other_tool(struct xdp_md *ctx) { return XDP_PASS; }
        char LICENSE[] SEC("license") = "GPL";
        """.write(toFile: directory + "/other.c", atomically: true, encoding: .utf8)
        #if arch(x86_64)
        let multiarch = "/usr/include/x86_64-linux-gnu"
        #else
        let multiarch = "/usr/include/aarch64-linux-gnu"
        #endif
        try await Command.run(["clang", "-O2", "-g", "-target", "bpf", "-I", multiarch, "-c", directory + "/other.c", "-o", directory + "/other.o"])
        try await Command.run(["ip", "link", "set", "dev", network.hostInterface, "xdpgeneric", "obj", directory + "/other.o", "sec", "xdp"])

        let program = try NetworkMonitorProgram(logger: testLogger)
        #expect {
            _ = try XDPLink.attach(program, to: network.hostInterface, mode: .generic, logger: testLogger)
        } throws: { error in
            guard let error = error as? CaptureError else { return false }
            return error.code == .foreignProgramAttached && error.message.contains("other_tool")
        }
        let link = try XDPLink.attach(
            program, to: network.hostInterface, mode: .generic, replaceForeignProgram: true, logger: testLogger)
        #expect(XDPLink.attachedPrograms(interface: network.hostInterface)?.generic == program.statistics.id)
        link.detach()
    }

    @Test func aMissingInterfaceIsANamedError() throws {
        let program = try NetworkMonitorProgram(logger: testLogger)
        #expect {
            _ = try XDPLink.attach(program, to: "nm-missing0", mode: .generic, logger: testLogger)
        } throws: { ($0 as? CaptureError)?.code == .interfaceNotFound }
    }

    @Test func aKilledOrStoppedMonitorLeavesNoProgramBehind() async throws {
        let network = try TestNetwork()
        let arguments = ["--interface", network.hostInterface, "--xdp-mode", "generic", "--ml-detector-url", "none"]

        let killed = try MonitorProcess(arguments: arguments)
        try await killed.waitUntil(path: "/ready")
        #expect(XDPLink.attachedPrograms(interface: network.hostInterface)?.generic != 0)
        killed.killHard()
        #expect(XDPLink.attachedPrograms(interface: network.hostInterface)?.generic == 0)

        let restarted = try MonitorProcess(arguments: arguments)
        try await restarted.waitUntil(path: "/ready")
        #expect(try await restarted.get("/ready").json()["source"] as? String == "xdp")
        await #expect(restarted.terminate() == 0)
        #expect(XDPLink.attachedPrograms(interface: network.hostInterface)?.generic == 0)
        #expect(restarted.log.contains("XDP program detached"))
    }
}
