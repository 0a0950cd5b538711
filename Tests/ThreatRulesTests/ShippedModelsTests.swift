import AnomalyModels
import Foundation
import TestSupport
import Testing
import TrafficFeatures

@testable import ThreatRules

/// The models shipped in `Sources/ThreatRules/Embedded` are exactly what training produces now:
/// each is trained again here (the training code path stays tested) and compared byte for byte
/// with the shipped file. When a change to the generated data, the features or a model changes
/// what training produces, this fails; `scripts/update-shipped-models.sh` (which runs this suite
/// with `UPDATE_SHIPPED_MODELS=1`) writes the new files instead of comparing.
@Suite("shipped bootstrap models: byte for byte what training produces")
struct ShippedModelsTests {
    static let updating = ProcessInfo.processInfo.environment["UPDATE_SHIPPED_MODELS"] == "1"

    @Test(arguments: ShippedModels.File.allCases)
    func theShippedFileIsWhatTrainingProduces(file: ShippedModels.File) async throws {
        let trained = try await OwnThread.run { try file.trainedBytes() }
        if Self.updating {
            let url = Repository.root.appending(path: "Sources/ThreatRules/Embedded/\(file.rawValue)")
            try Data(trained).write(to: url, options: .atomic)
            print("wrote \(url.path) (\(trained.count) bytes): rebuild to embed it")
            return
        }
        let shipped = file.bytes
        #expect(shipped.count == trained.count, "\(file.rawValue): shipped \(shipped.count) bytes, training gives \(trained.count)")
        #expect(shipped == trained, "\(file.rawValue) is not what training produces: run scripts/update-shipped-models.sh")
    }

    @Test func theShippedEnsemblesDecodeAndScoreAsTrainedOnes() throws {
        let network = try ShippedModels.ensemble(.network)
        let authentication = try ShippedModels.ensemble(.authentication)
        #expect(network.dimension == FeatureVector.dimension)
        #expect(authentication.dimension == AuthenticationEvent.featureNames.count)
        // The ensembles a detector gets are the shipped ones, not a fresh training.
        #expect(try ModelFileFormat.encode(ThreatDetector.bootstrapNetworkEnsemble()) == ShippedModels.File.network.bytes)
        #expect(try ModelFileFormat.encode(ThreatDetector.bootstrapAuthenticationEnsemble()) == ShippedModels.File.authentication.bytes)
    }

    @Test func theSharedClassifierIsTheShippedOne() throws {
        let shipped = try UsernameClassifierFile.decode(ShippedModels.File.classifier.bytes, path: "classifier")
        #expect(UsernameClassifierFile.encode(UsernameClassifier.shared) == ShippedModels.File.classifier.bytes)
        for text in ["alice", "monkey123", "sudo rm -rf /", "bob@example.com", "svc_backup"] {
            #expect(shipped.classify(text) == UsernameClassifier.shared.classify(text))
        }
    }
}

/// The classifier's file format: what is written is read back bit for bit, and a damaged file
/// is refused with an error naming the problem.
@Suite("username classifier file: round trip and damaged files")
struct UsernameClassifierFileTests {
    static let small = UsernameClassifier(
        training: [("alice", .username), ("hunter2!", .password), ("ls -la /tmp", .command), ("a@b.example", .email), ("svc_web", .service)],
        configuration: .init(bucketBits: 10, maxNgram: 3))

    @Test func aClassifierReadBackIsTheSame() throws {
        let bytes = UsernameClassifierFile.encode(Self.small)
        let read = try UsernameClassifierFile.decode(bytes, path: "small.ucls")
        #expect(UsernameClassifierFile.encode(read) == bytes)
        #expect(read.configuration == Self.small.configuration)
        #expect(read.classify("bob") == Self.small.classify("bob"))
        let bayes = UsernameClassifier(training: [("alice", .username), ("rm -rf /", .command)], configuration: .init(bucketBits: 10, model: .naiveBayes(alpha: 0.5)))
        let bayesBytes = UsernameClassifierFile.encode(bayes)
        #expect(UsernameClassifierFile.encode(try UsernameClassifierFile.decode(bayesBytes, path: "b")) == bayesBytes)
    }

    @Test func damagedFilesAreRefusedWithTheirProblem() {
        let bytes = UsernameClassifierFile.encode(Self.small)
        let path = "c.ucls"
        #expect(throws: ModelFileError.empty(path: path)) { try UsernameClassifierFile.decode([], path: path) }
        #expect(throws: ModelFileError.notAModelFile(path: path)) { try UsernameClassifierFile.decode(Array("AMDL".utf8) + bytes.dropFirst(4), path: path) }
        #expect(throws: ModelFileError.truncated(path: path, expectedBytes: bytes.count, actualBytes: bytes.count - 1)) {
            try UsernameClassifierFile.decode(Array(bytes.dropLast()), path: path)
        }
        #expect(throws: ModelFileError.truncated(path: path, expectedBytes: 20, actualBytes: 10)) {
            try UsernameClassifierFile.decode(Array(bytes.prefix(10)), path: path)
        }
        var version = bytes
        version[4] = 9
        #expect(throws: ModelFileError.unsupportedVersion(path: path, found: 9, supported: 1)) { try UsernameClassifierFile.decode(version, path: path) }
        var flipped = bytes
        flipped[bytes.count / 2] ^= 0x10
        #expect {
            try UsernameClassifierFile.decode(flipped, path: path)
        } throws: { error in
            guard case .checksumMismatch(let named, _, _) = error as? ModelFileError else { return false }
            return named == path
        }
        #expect(throws: ModelFileError.undecodable(path: path, reason: "1 bytes after the payload")) {
            try UsernameClassifierFile.decode(bytes + [0], path: path)
        }
    }
}
