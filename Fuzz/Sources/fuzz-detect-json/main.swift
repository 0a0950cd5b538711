// The bodies of POST /detect: arbitrary bytes decoded as a network window and as an
// authentication event, as the detector does, then judged by rules and bootstrap models.
//
// Checks, besides "never traps": decoding either succeeds or throws a DecodingError (what the
// detector turns into a 400 naming the field); a decoded window encodes and decodes back to
// itself; every verdict (or ModelError) comes out, and a verdict encodes as JSON.
import AnomalyModels
import Foundation
import FuzzSupport
import ThreatRules
import TrafficFeatures
import WindowFormat

/// One detector for the whole run, with the shipped bootstrap models the service starts from
/// (read, not trained: training under the sanitizers is slow). It does not learn from inputs
/// (`learn: false`); its horizons and source tables do keep state across inputs, as the
/// service's do across requests.
nonisolated(unsafe) let detector: ThreatDetector = {
    do {
        return try ThreatDetector(
            thresholds: RuleThresholds(), networkEnsemble: ThreatDetector.bootstrapNetworkEnsemble(),
            authenticationEnsemble: ThreatDetector.bootstrapAuthenticationEnsemble())
    } catch {
        Fuzz.fail("cannot build the detector: \(error)")
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
func testOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let body = Data(FuzzInput(data, size).all)
    let decoder = JSONDecoder()
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    do {
        let window = try TrafficWindow(json: body)
        Fuzz.checkWireRoundTrip(window, "a decoded window")
        judge { () throws(ModelError) in try detector.detect(window, timestamp: 1_800_000_000, learn: false) }
    } catch let error as DecodingError {
        _ = error
    } catch {
        Fuzz.fail("decoding a window threw something other than a DecodingError: \(error)")
    }
    do {
        let event = try decoder.decode(AuthenticationEvent.self, from: body)
        let json = try encoder.encode(event)
        let again = try encoder.encode(try decoder.decode(AuthenticationEvent.self, from: json))
        Fuzz.check(again == json, "a decoded authentication event changes through JSON: \(String(decoding: json, as: UTF8.self))")
        judge { () throws(ModelError) in try detector.detect(event, timestamp: 1_800_000_000) }
    } catch let error as DecodingError {
        _ = error
    } catch {
        Fuzz.fail("decoding an authentication event threw something other than a DecodingError: \(error)")
    }
    return 0
}

func judge(_ detect: () throws(ModelError) -> Verdict) {
    do {
        let verdict = try detect()
        _ = try JSONEncoder().encode(verdict)
    } catch let error as ModelError {
        _ = error
    } catch {
        Fuzz.fail("a verdict does not encode: \(error)")
    }
}

/// Windows the project generates (SyntheticTraffic's host profiles, with and without attacks) and
/// authentication events of every kind the rules know.
func seeds() throws -> [(name: String, bytes: [UInt8])] {
    var seeds: [(name: String, bytes: [UInt8])] = []
    let streams = SyntheticTraffic.hostWindowStreams(seed: 7, count: 3)
    for (index, stream) in streams.enumerated() {
        for (position, window) in stream.windows.prefix(2).enumerated() {
            seeds.append(("window-\(index)-\(position).json", Array(try window.jsonData())))
        }
    }
    let events = [
        AuthenticationEvent(totalAttempts: 10, failedAttempts: 2),
        AuthenticationEvent(
            usernameType: .service, usernameText: "svc_backup", totalAttempts: 300, failedAttempts: 290, successfulAttempts: 1,
            uniqueSourceIPs: 40, privilegeLevel: 2, sourceIP: "198.18.0.9", windowSeconds: 30),
        AuthenticationEvent(usernameText: "administrator", totalAttempts: 5, failedAttempts: 5, sourceIP: "2001:db8::7"),
        // What the monitor posts from the host's sshd log: one source's window with its horizons.
        AuthenticationEvent(
            totalAttempts: 12, failedAttempts: 11, successfulAttempts: 1, uniqueSourceIPs: 1, privilegeLevel: 1,
            sourceIP: "198.18.0.2", windowSeconds: 1, service: "sshd",
            usernames: [
                AuthenticationUsername(name: "root", attempts: 6, failed: 6, succeeded: 0, privileged: true),
                AuthenticationUsername(name: "P@ssw0rd!", attempts: 5, failed: 5, succeeded: 0, invalid: true),
                AuthenticationUsername(name: "deploy01", attempts: 1, failed: 0, succeeded: 1),
            ],
            uniqueUsernames: 3,
            horizons: [60, 600, 3600].map {
                AuthenticationHorizon(
                    seconds: $0, totalAttempts: 40, failedAttempts: 39, successfulAttempts: 1, privilegedFailures: 20,
                    uniqueUsernames: 7)
            },
            stream: "fuzz", sequence: 3, timestamp: 1_800_000_000),
        // The summary over every source.
        AuthenticationEvent(
            totalAttempts: 30, failedAttempts: 30, uniqueSourceIPs: 14, windowSeconds: 1, service: "sshd",
            horizons: [AuthenticationHorizon(seconds: 600, totalAttempts: 30, failedAttempts: 30, successfulAttempts: 0, uniqueUsernames: 20, uniqueSourceIPs: 14)],
            topSources: ["198.18.1.1", "198.18.1.2"]),
    ]
    for (index, event) in events.enumerated() {
        seeds.append(("auth-\(index).json", Array(try JSONEncoder().encode(event))))
    }
    return seeds
}

Fuzz.main(seeds: seeds, testOne: testOne)
