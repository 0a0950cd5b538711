public import EBPFCapture
import Foundation
public import Hummingbird
public import PromExposition
import ServiceSupport
import TrafficFeatures
import WindowFormat

/// The monitor's HTTP API. Unknown paths answer 404.
///
/// - `GET /health`  200 while the process runs and its source has not failed, else 503.
/// - `GET /ready`   503 until the capture source produces windows; the body names the source
///                  (`xdp`, `pcap` or `simulation`).
/// - `GET /metrics` Prometheus text exposition.
/// - `GET /stats`   the latest closed window (the detector's wire format); 503 before the first.
/// - `GET /stats/history?limit=N` the last N windows (oldest first, at most the history size).
/// - `GET /events`  the latest sampled packets (with `--sample-every N` on XDP).
public struct MonitorRoutes: Sendable {
    /// The capture's state: its phase, the latest window and the window history.
    public let status: CaptureStatus
    /// The Prometheus metrics `GET /metrics` renders.
    public let metrics: MonitorMetrics
    /// The XDP capture when that is the source (for /ready's interface and mode, and /events).
    public let xdp: XDPCapture?
    /// The sampling rate /events reports.
    public let sampleEvery: Int
    let started = Date()

    /// Routes over the capture's `status` and `metrics`.
    ///
    /// - Parameters:
    ///   - status: The capture's state.
    ///   - metrics: The metrics to serve.
    ///   - xdp: The XDP capture when that is the source, else nil.
    ///   - sampleEvery: The sampling rate to report at `/events` (0: no sampling).
    public init(status: CaptureStatus, metrics: MonitorMetrics, xdp: XDPCapture?, sampleEvery: Int) {
        self.status = status
        self.metrics = metrics
        self.xdp = xdp
        self.sampleEvery = sampleEvery
    }

    struct Health: Encodable {
        let status: String
        let source: String?
        let phase: String
        let uptime_seconds: Double
        let windows_closed: Int
        let failure: String?
    }

    struct Readiness: Encodable {
        let ready: Bool
        let source: String?
        let phase: String
        let detail: String
        let interface: String?
        let xdp_mode: String?
        let windows_closed: Int
    }

    struct Failure: Encodable {
        let error: String
    }

    struct Events: Encodable {
        let sample_every: Int
        let events: [SampledPacket]
    }

    /// The router.
    ///
    /// - Returns: A Hummingbird router serving the paths above, to run in an `Application`.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/health") { _, _ -> Response in
            let snapshot = status.snapshot
            let healthy = snapshot.phase != .failed
            return json(
                Health(
                    status: healthy ? "healthy" : "unhealthy", source: snapshot.kind?.rawValue,
                    phase: snapshot.phase.rawValue, uptime_seconds: Date().timeIntervalSince(started),
                    windows_closed: snapshot.windowsClosed, failure: snapshot.failure),
                status: healthy ? .ok : .serviceUnavailable)
        }
        router.get("/ready") { _, _ -> Response in
            let snapshot = status.snapshot
            return json(
                Readiness(
                    ready: status.isReady, source: snapshot.kind?.rawValue, phase: snapshot.phase.rawValue,
                    detail: snapshot.summary, interface: xdp?.link.interface, xdp_mode: xdp?.link.mode.rawValue,
                    windows_closed: snapshot.windowsClosed),
                status: status.isReady ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { _, _ -> Response in
            Response.prometheusText(metrics.render())
        }
        router.get("/stats") { _, _ -> Response in
            guard let latest = status.snapshot.latest else {
                return json(Failure(error: "no window has closed yet"), status: .serviceUnavailable)
            }
            return json(WindowEnvelope(latest))
        }
        router.get("/stats/history") { request, _ -> Response in
            let limitText = request.uri.queryParameters["limit"].map(String.init)
            var limit: Int?
            if let limitText {
                guard let value = Int(limitText), value >= 0 else {
                    return json(
                        Failure(error: "limit must be a non-negative integer, got \"\(limitText)\""), status: .badRequest)
                }
                limit = value
            }
            return json(status.history(last: limit).map { WindowEnvelope($0) })
        }
        router.get("/events") { _, _ -> Response in
            json(Events(sample_every: sampleEvery, events: xdp?.sampledPackets ?? []))
        }
        return router
    }

    /// Monitor answers encode windows as the wire format does (`WindowEnvelope.encoder`).
    private func json<Value: Encodable>(_ value: Value, status: HTTPResponse.Status = .ok) -> Response {
        Response.json(value, status: status, encoder: WindowEnvelope.encoder)
    }
}
