import AnomalyModels
import Foundation

/// The models a detector starts from before it has learnt its own host: the bootstrap network
/// and authentication ensembles and the username-field classifier. Each is deterministic (seeded
/// generated data), so it is trained once, when its data or its model changes, by
/// `scripts/update-shipped-models.sh`, and shipped in the library as a file of `Embedded/`
/// (embedded in the binary by `Plugins/EmbeddedFilesPlugin`): a start reads them in milliseconds
/// instead of training them for seconds. `ShippedModelsTests` trains each again and checks
/// that the shipped file is byte for byte what training produces.
enum ShippedModels {
    /// The shipped files, as named in `Sources/ThreatRules/Embedded/`.
    enum File: String, CaseIterable, Sendable {
        /// ``ThreatDetector/trainBootstrapNetworkEnsemble(windowsPerHost:seed:)`` with its defaults.
        case network = "network.amdl"
        /// ``ThreatDetector/trainBootstrapAuthenticationEnsemble()``.
        case authentication = "authentication.amdl"
        /// ``UsernameClassifier/standard(seed:configuration:)`` with its defaults.
        case classifier = "username-classifier.ucls"

        /// The bytes shipped in this build.
        var bytes: [UInt8] {
            let base64 = switch self {
            case .network: EmbeddedFiles.network_amdl
            case .authentication: EmbeddedFiles.authentication_amdl
            case .classifier: EmbeddedFiles.username_classifier_ucls
            }
            return Data(base64Encoded: base64, options: .ignoreUnknownCharacters).map { [UInt8]($0) } ?? []
        }

        /// What training produces for this file now, in the file's format: what the shipped bytes
        /// must equal.
        ///
        /// - Throws: `ModelError` when an ensemble cannot be trained; the `JSONEncoder` error when
        ///   it does not encode.
        func trainedBytes() throws -> [UInt8] {
            switch self {
            case .network: try ModelFileFormat.encode(ThreatDetector.trainBootstrapNetworkEnsemble())
            case .authentication: try ModelFileFormat.encode(ThreatDetector.trainBootstrapAuthenticationEnsemble())
            case .classifier: UsernameClassifierFile.encode(UsernameClassifier.standard())
            }
        }

        /// How the file names itself in errors.
        var path: String { "<ThreatRules>/Embedded/\(rawValue)" }
    }

    /// The shipped ensemble of `file` (``File/network`` or ``File/authentication``).
    ///
    /// - Throws: `ModelFileError` naming the problem when the shipped bytes do not decode.
    static func ensemble(_ file: File) throws(ModelFileError) -> AnomalyEnsemble {
        try ModelFileFormat.decode(file.bytes, path: file.path)
    }

    /// The decoded shipped network and authentication ensembles, read once per process (each
    /// caller gets its own copy: an ensemble is a value).
    static let network = Result { () throws(ModelFileError) in try ensemble(.network) }
    static let authentication = Result { () throws(ModelFileError) in try ensemble(.authentication) }

    /// The shipped username classifier; trained instead were the shipped file unreadable.
    static func classifier() -> UsernameClassifier {
        (try? UsernameClassifierFile.decode(File.classifier.bytes, path: File.classifier.path)) ?? UsernameClassifier.standard()
    }
}
