// Model files (ModelFileFormat): each input is decoded as a whole file, and again as the JSON
// payload of a file with a valid header and checksum, so the fuzzer reaches the ensemble's
// decoding instead of stopping at the CRC.
//
// Checks, besides "never traps": decoding succeeds or throws a ModelFileError; a decoded ensemble
// scores vectors of its width (zeros, ones, large values) with finite scores and percentiles in
// [0, 1], or throws a ModelError; and it encodes back to a file that decodes.
import AnomalyModels
import Foundation
import FuzzSupport
import ThreatRules

@_cdecl("LLVMFuzzerTestOneInput")
func testOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = FuzzInput(data, size).all
    load(bytes)
    load(file(payload: bytes))
    return 0
}

/// A file around `payload`: magic, version, length and CRC-32 as ModelFileFormat writes them.
func file(payload: [UInt8]) -> [UInt8] {
    var bytes = ModelFileFormat.magic
    withUnsafeBytes(of: ModelFileFormat.version.littleEndian) { bytes.append(contentsOf: $0) }
    withUnsafeBytes(of: UInt64(payload.count).littleEndian) { bytes.append(contentsOf: $0) }
    withUnsafeBytes(of: CRC32.checksum(payload).littleEndian) { bytes.append(contentsOf: $0) }
    return bytes + payload
}

func load(_ bytes: [UInt8]) {
    let ensemble: AnomalyEnsemble
    do {
        ensemble = try ModelFileFormat.decode(bytes, path: "fuzz")
    } catch {
        return  // a ModelFileError: the only error decode can throw (typed throws)
    }
    let width = ensemble.dimension
    for value in [0.0, 1.0, -3.5, 1e12] {
        do {
            let score = try ensemble.score([Double](repeating: value, count: width))
            for model in [score.dbscan, score.vae, score.zmad] {
                Fuzz.check(model.raw.isFinite && model.surprise.isFinite, "a non-finite score for \(value): \(score)")
                Fuzz.check((0...1).contains(model.percentile), "a percentile outside [0, 1] for \(value): \(score)")
            }
            Fuzz.check(score.weightedScore.isFinite, "a non-finite weighted score for \(value): \(score)")
        } catch {
            _ = error  // a ModelError naming the problem
        }
    }
    do {
        _ = try ModelFileFormat.decode(try ModelFileFormat.encode(ensemble), path: "fuzz-again")
    } catch {
        Fuzz.fail("a decoded ensemble does not survive a save and load: \(error)")
    }
}

/// Files and payloads of a small ensemble (3 features) and of the detector's authentication
/// bootstrap ensemble.
func seeds() throws -> [(name: String, bytes: [UInt8])] {
    var small = EnsembleConfiguration(dimension: 3)
    small.vaeHiddenUnits = 4
    small.vaeLatentDimension = 2
    small.vaeEpochs = 2
    small.zmadHistory = 60
    let ensembles = [
        ("small", try AnomalyEnsemble.bootstrap(means: [1, 10, 100], deviations: [0.5, 2, 20], samples: 80, configuration: small)),
        ("authentication", try ThreatDetector.bootstrapAuthenticationEnsemble()),
    ]
    var seeds: [(name: String, bytes: [UInt8])] = []
    for (name, ensemble) in ensembles {
        let bytes = try ModelFileFormat.encode(ensemble)
        seeds.append(("\(name).amdl", bytes))
        seeds.append(("\(name).json", Array(bytes[ModelFileFormat.headerSize...])))
    }
    return seeds
}

Fuzz.main(seeds: seeds, testOne: testOne)
