internal import CMalloc
public import Logging
public import ServiceLifecycle

import Foundation

/// Retrains an ``AnomalyDetector`` in the background every `interval`, when it holds at least
/// `minimumSamples` training samples and new ones arrived since the last training; saves each
/// new ensemble to `store` if one is given.
///
/// Training runs on its own thread, never on the request path: ``AnomalyDetector/score(_:)``
/// keeps using the previous ensemble until the new one is swapped in. The service ends on
/// graceful shutdown or cancellation.
///
/// A training allocates tens of megabytes of scratch (distance and neighbour lists, network
/// batches) and frees it when done. glibc keeps freed memory in the arena of the thread that
/// used it, and each training's thread may get another arena, so without help a process that
/// trains every minute would keep the high-water mark of several trainings resident (a soak saw
/// the detector step from 86 to 115 MB at its tenth training, then stay there). After each
/// training (and save) the service therefore hands the memory freed in every arena back to the
/// system (`malloc_trim`); the live models are untouched. Elsewhere than glibc this does nothing.
public struct TrainingService: Service {
    /// The detector this service retrains.
    public let detector: AnomalyDetector
    /// Time between two checks; the first check comes one interval after ``run()`` starts.
    public let interval: Duration
    /// Fewest training samples (``AnomalyDetector/trainingSampleCount``) for which a training runs.
    public let minimumSamples: Int
    /// Where each new ensemble is saved; `nil` keeps it in memory only.
    public let store: ModelStore?
    /// Receives skipped trainings (debug), completed ones (info) and failures (error).
    public let logger: Logger
    /// Times the interval (tests pass a clock they move themselves).
    public let clock: any Clock<Duration>

    /// Default ``TrainingService/interval``: 30 seconds (`TRAINING_INTERVAL`).
    public static let defaultInterval = Duration.seconds(30)
    /// Shortest interval the detector's configuration accepts for `TRAINING_INTERVAL`
    /// (100 ms). The initializer itself does not check it.
    public static let minimumInterval = Duration.milliseconds(100)

    /// A service that checks `detector` every `interval` and retrains it when due.
    ///
    /// - Parameters:
    ///   - detector: The detector to retrain.
    ///   - interval: Time between two checks.
    ///   - minimumSamples: Fewest training samples for which a training runs. Training also
    ///     needs at least ``EnsembleConfiguration/minimumSamples``; below that it fails and logs.
    ///   - store: Where to save each new ensemble, or `nil`.
    ///   - logger: Where to log.
    ///   - clock: Times the interval.
    public init(
        detector: AnomalyDetector, interval: Duration = defaultInterval, minimumSamples: Int = 50, store: ModelStore? = nil, logger: Logger,
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.clock = clock
        self.detector = detector
        self.interval = interval
        self.minimumSamples = minimumSamples
        self.store = store
        self.logger = logger
    }

    /// Sleeps ``TrainingService/interval``, then calls ``trainIfDue()``, until graceful shutdown or
    /// cancellation; then returns (a training in progress finishes first). Training errors are
    /// logged, never thrown.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await clock.sleep(for: interval) } catch { return }
                await trainIfDue()
            }
        }
    }

    /// One cycle: trains when due. Returns whether a new ensemble was installed.
    @discardableResult
    public func trainIfDue() async -> Bool {
        let count = detector.trainingSampleCount
        guard count >= minimumSamples, detector.hasNewSamples else {
            logger.debug("training skipped", metadata: ["samples": "\(count)", "minimum": "\(minimumSamples)"])
            return false
        }
        let detector = detector, store = store, logger = logger
        return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let thread = Thread {
                let installed: Bool
                do {
                    let ensemble = try detector.retrain()
                    logger.info(
                        "anomaly models retrained",
                        metadata: [
                            "samples": "\(ensemble.trainingSampleCount)",
                            "seconds": "\(detector.statistics.lastTrainingSeconds ?? 0)",
                            "dbscan_clusters": "\(ensemble.dbscanClusterCount)",
                        ])
                    if let store {
                        do { try store.save(ensemble) } catch { logger.error("saving models failed", metadata: ["error": "\(error)"]) }
                    }
                    installed = true
                } catch {
                    logger.error("training failed; keeping the previous models", metadata: ["error": "\(error)"])
                    installed = false
                }
                Self.releaseFreedMemory()
                continuation.resume(returning: installed)
            }
            thread.name = "anomaly-training"
            thread.start()
        }
    }

    /// Returns the memory freed in every malloc arena to the system (glibc's `malloc_trim(0)`:
    /// whole free pages anywhere in an arena, not only at its top).
    private static func releaseFreedMemory() {
        #if canImport(Glibc)
        _ = malloc_trim(0)
        #endif
    }
}

extension AnomalyEnsemble {
    /// An ensemble trained on a synthetic baseline, for a detector that has no saved models yet:
    /// `samples` vectors drawn around `means` with per-feature `deviations`, each feature an AR(1)
    /// process (correlation `autocorrelation` between consecutive vectors) so the VAE sees
    /// realistic sequences. Deterministic for a given `configuration.seed`.
    public static func bootstrap(
        means: [Double], deviations: [Double], samples: Int = 600, autocorrelation: Double = 0.6,
        configuration: EnsembleConfiguration
    ) throws(ModelError) -> AnomalyEnsemble {
        guard means.count == configuration.dimension else { throw .dimensionMismatch(expected: configuration.dimension, got: means.count) }
        guard deviations.count == configuration.dimension else {
            throw .dimensionMismatch(expected: configuration.dimension, got: deviations.count)
        }
        for (j, v) in (means + deviations).enumerated() where !v.isFinite { throw .nonFiniteValue(row: 0, column: j % configuration.dimension) }
        for d in deviations where d < 0 { throw .invalidParameter(name: "deviations", value: "\(d)", reason: "must be non-negative") }
        guard autocorrelation >= 0, autocorrelation < 1 else {
            throw .invalidParameter(name: "autocorrelation", value: "\(autocorrelation)", reason: "must be in [0, 1)")
        }
        var generator = SeededGenerator(seed: configuration.seed ^ 0xB007_5712_AB5E_11E5)
        let innovation = (1 - autocorrelation * autocorrelation).squareRoot()
        var state = means.map { _ in generator.nextGaussian() }
        var vectors: [[Double]] = []
        for _ in 0..<samples {
            state = state.map { autocorrelation * $0 + innovation * generator.nextGaussian() }
            vectors.append((0..<means.count).map { means[$0] + deviations[$0] * state[$0] })
        }
        return try train(TrainingData(vectors: vectors), configuration: configuration)
    }
}
