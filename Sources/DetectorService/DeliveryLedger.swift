import Synchronization
import ThreatRules

/// Which windows of each delivery stream the detector has judged, so that a window delivered
/// twice is judged once.
///
/// The monitor's publisher retries a post that failed or timed out; when the detector had
/// received the first copy (it was stopped, or slow, and answered after the monitor gave up),
/// the same window arrives again. Windows carry their publisher's `stream` and their
/// `sequence`; the ledger keeps, per stream, the verdicts of the last ``rememberedWindows``
/// sequences, and answers a repeat with the verdict already given — not judged, counted or
/// learned again. A repeat older than that is refused (409). At most ``streamLimit`` streams are
/// kept in a `StreamStates` table: the one used longest ago is forgotten first, streams that
/// posted once before those that keep posting, so a flood of made-up streams cannot push out a
/// monitor's; ``evictions`` counts the streams forgotten.
///
/// Windows of one stream are judged one at a time (the publisher posts them in order anyway);
/// different streams do not wait for each other.
final class DeliveryLedger: Sendable {
    /// Verdicts remembered per stream.
    static let rememberedWindows = 64
    /// Streams remembered (a monitor is one stream per start; with verdicts of about 2 KB the
    /// ledger holds at most some 30 MB).
    static let streamLimit = 256

    /// The outcome of ``judge(stream:sequence:_:)``.
    enum Outcome {
        /// Judged now.
        case judged(Verdict)
        /// Judged before: the verdict given then.
        case repeated(Verdict)
        /// Judged before, too long ago to answer again.
        case tooOld(highest: Int)
    }

    private final class Stream: Sendable {
        struct State {
            var highest = -1
            var verdicts: [Int: Verdict] = [:]
        }
        let state = Mutex(State())
    }

    /// A stream of one kind of item: a monitor's network windows and its authentication events
    /// are numbered separately under the same stream name.
    private struct Key: Hashable, Sendable {
        var kind: DetectionType
        var stream: String
    }

    private let streams = Mutex(StreamStates<Key, Stream>(capacity: streamLimit))

    /// Streams forgotten because ``streamLimit`` were held when a new one posted.
    var evictions: Int { streams.withLock { $0.evictions } }
    /// Streams remembered now.
    var count: Int { streams.withLock { $0.count } }

    /// Judges item `sequence` of `stream` (its windows, or its authentication events: each kind is
    /// numbered on its own) with `judge`, unless it was judged before. `judge`'s error leaves the
    /// item unrecorded (a later copy is judged afresh).
    func judge(stream id: String, kind: DetectionType = .network, sequence: Int, _ judge: () throws -> Verdict) throws -> Outcome {
        let key = Key(kind: kind, stream: id)
        let stream = streams.withLock { streams in streams.update(key, make: { Stream() }) { $0 } }
        return try stream.state.withLock { state -> Outcome in
            if let verdict = state.verdicts[sequence] { return .repeated(verdict) }
            if sequence <= state.highest - Self.rememberedWindows { return .tooOld(highest: state.highest) }
            let verdict = try judge()
            state.verdicts[sequence] = verdict
            state.highest = max(state.highest, sequence)
            let cutoff = state.highest - Self.rememberedWindows
            if state.verdicts.count > Self.rememberedWindows {
                state.verdicts = state.verdicts.filter { $0.key > cutoff }
            }
            return .judged(verdict)
        }
    }
}
