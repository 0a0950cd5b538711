/// Hyper-parameters of a ``VariationalAutoencoder``.
public struct VAEConfiguration: Codable, Sendable, Equatable {
    /// Width of one (flattened) input, for example 70 = 10 windows × 7 features.
    public var inputDimension: Int
    /// Units in the encoder's and the decoder's hidden layer.
    public var hiddenUnits: Int
    /// Dimension of the latent space (of μ, σ and z).
    public var latentDimension: Int
    /// Passes over the training set.
    public var epochs: Int
    /// Rows per mini-batch (the last batch of an epoch may be smaller).
    public var batchSize: Int
    /// Adam's step size.
    public var learningRate: Double
    /// β in loss = reconstruction + β · KL; 0 trains a plain (noisy) autoencoder.
    public var klWeight: Double
    /// Seed of the generator behind weight initialisation, shuffling and ε.
    public var seed: UInt64

    /// A configuration for inputs of width `inputDimension`; every other value has a default.
    public init(
        inputDimension: Int,
        hiddenUnits: Int = 32,
        latentDimension: Int = 4,
        epochs: Int = 50,
        batchSize: Int = 64,
        learningRate: Double = 1e-3,
        klWeight: Double = 1.0,
        seed: UInt64 = 42
    ) {
        self.inputDimension = inputDimension
        self.hiddenUnits = hiddenUnits
        self.latentDimension = latentDimension
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.klWeight = klWeight
        self.seed = seed
    }

    /// Throws ``ModelError/invalidParameter(name:value:reason:)`` for the first bad value.
    func validate() throws(ModelError) {
        for (name, value) in [
            ("inputDimension", inputDimension), ("hiddenUnits", hiddenUnits),
            ("latentDimension", latentDimension), ("epochs", epochs), ("batchSize", batchSize),
        ] where value <= 0 {
            throw .invalidParameter(name: name, value: "\(value)", reason: "must be positive")
        }
        guard learningRate.isFinite, learningRate > 0 else {
            throw .invalidParameter(name: "learningRate", value: "\(learningRate)", reason: "must be finite and positive")
        }
        guard klWeight.isFinite, klWeight >= 0 else {
            throw .invalidParameter(name: "klWeight", value: "\(klWeight)", reason: "must be finite and non-negative")
        }
    }
}

/// What happened during ``VariationalAutoencoder/train(_:configuration:sampleWeights:)``.
public struct VAETrainingReport: Sendable, Equatable {
    /// Mean loss (negative ELBO: reconstruction + β · KL) per epoch, weighted by the sample
    /// weights: Σᵢ wᵢ ℓᵢ / Σᵢ wᵢ over the epoch's rows, each ℓᵢ taken before that batch's update.
    public let epochLosses: [Double]
}

/// A variational autoencoder that scores a fixed-width vector by how badly it reconstructs it.
///
/// Architecture (D = ``VAEConfiguration/inputDimension``, H = ``VAEConfiguration/hiddenUnits``,
/// L = ``VAEConfiguration/latentDimension``):
/// - encoder: h = tanh(x W₁ + b₁) (D → H), then two linear heads μ = h Wμ + bμ and
///   r = h Wσ + bσ (H → L each); log σ² = 10 · tanh(r / 10), a smooth clamp to (−10, 10)
///   that is within 1 % of r for |r| ≤ 1.7 and keeps σ² = exp(log σ²) finite;
/// - reparameterisation: z = μ + σ ⊙ ε with σ = exp(½ log σ²) and ε ~ N(0, I) from the seeded
///   generator (training only);
/// - decoder: g = tanh(z W₃ + b₃) (L → H), x̂ = g W₄ + b₄ (H → D, linear).
///
/// Loss of one row: ℓ = Σⱼ (x̂ⱼ − xⱼ)² (sum, not mean, of squared errors over the D inputs)
/// + β · KL(N(μ, σ²) ‖ N(0, I)) with KL = −½ Σₖ (1 + log σ²ₖ − μ²ₖ − σ²ₖ). A mini-batch's loss
/// is the weighted mean Σᵢ wᵢ ℓᵢ / Σᵢ wᵢ. Training minimises it with Adam on all weights and
/// biases over mini-batches in an order reshuffled every epoch. The reconstruction term is a
/// sum so that it keeps its weight against the KL term at any input width (with a mean over
/// 70 inputs, β = 1 would push the posterior to the prior and the model would learn little).
///
/// The whole computation is deterministic: the same seed and data give bit-identical weights
/// on the same machine. (OpenBLAS picks its kernel by CPU, or by `OPENBLAS_CORETYPE`; a
/// different kernel may change the last bits. Training products are small enough — under
/// OpenBLAS's threshold of 2¹⁸ multiply-adds at the default batch size — to run on one thread.)
///
/// Inputs should be scaled (for example with ``FeatureScaler``) before training and scoring.
public struct VariationalAutoencoder: Codable, Sendable, Equatable {
    /// The configuration the model was trained with.
    public let configuration: VAEConfiguration
    /// The trained weights.
    let parameters: VAEParameters

    init(configuration: VAEConfiguration, parameters: VAEParameters) {
        self.configuration = configuration
        self.parameters = parameters
    }

    /// Trains from scratch.
    ///
    /// `sampleWeights` (optional, one per row, each in [0, 1], not all 0) weight each row's
    /// loss: confidence-weighted training. Rows of weight 0 are left out entirely (they never
    /// enter a batch), so adding them does not change the trained model at all.
    ///
    /// Weights are Glorot/Xavier uniform, biases 0. Each epoch shuffles the rows (Fisher–Yates
    /// with the seeded generator) and takes batches of ``VAEConfiguration/batchSize``.
    ///
    /// - Throws: ``ModelError/emptyTrainingSet`` without rows (or without a row of positive
    ///   weight, reported as `sampleWeights`), ``ModelError/dimensionMismatch(expected:got:)``
    ///   when the width is not ``VAEConfiguration/inputDimension``,
    ///   ``ModelError/nonFiniteValue(row:column:)`` for NaN or infinity, and
    ///   ``ModelError/invalidParameter(name:value:reason:)`` for a bad configuration value, bad
    ///   `sampleWeights`, or — naming `learningRate` — when the loss or a weight becomes
    ///   non-finite during training.
    public static func train(
        _ data: Matrix, configuration: VAEConfiguration, sampleWeights: [Double]? = nil
    ) throws(ModelError) -> (model: VariationalAutoencoder, report: VAETrainingReport) {
        try configuration.validate()
        guard data.rows > 0 else { throw .emptyTrainingSet }
        guard data.columns == configuration.inputDimension else {
            throw .dimensionMismatch(expected: configuration.inputDimension, got: data.columns)
        }
        try data.validateFinite()
        let weights = try Self.validatedWeights(sampleWeights, rows: data.rows)

        let d = configuration.inputDimension, h = configuration.hiddenUnits
        let l = configuration.latentDimension, beta = configuration.klWeight
        var generator = SeededGenerator(seed: configuration.seed)
        var parameters = VAEParameters.glorot(
            inputDimension: d, hiddenUnits: h, latentDimension: l, using: &generator)
        var adam = VAEAdam(shapeOf: parameters, learningRate: configuration.learningRate)

        // Only rows of positive weight take part.
        var order = weights.map { w in (0..<data.rows).filter { w[$0] > 0 } } ?? Array(0..<data.rows)
        let n = order.count
        let totalWeight = weights.map { w in order.reduce(0.0) { $0 + w[$1] } } ?? Double(n)
        let fullSize = min(configuration.batchSize, n)
        var full = VAEWorkspace(rows: fullSize, inputDimension: d, hiddenUnits: h, latentDimension: l)
        var remainder = n % fullSize == 0
            ? nil : VAEWorkspace(rows: n % fullSize, inputDimension: d, hiddenUnits: h, latentDimension: l)

        var epochLosses: [Double] = []
        epochLosses.reserveCapacity(configuration.epochs)
        for epoch in 0..<configuration.epochs {
            // Fisher–Yates with a multiply-shift draw (unbiased to 2⁻⁶⁴, same on every platform).
            for i in stride(from: n - 1, to: 0, by: -1) {
                let j = Int(generator.next().multipliedFullWidth(by: UInt64(i + 1)).high)
                order.swapAt(i, j)
            }
            var epochLoss = 0.0
            var start = 0
            while start < n {
                let count = min(fullSize, n - start)
                let batchWeight: Double
                let loss: Double
                if count == fullSize {
                    batchWeight = Self.prepare(&full, data, order[start..<(start + count)], weights, &generator)
                    loss = full.lossAndGradients(parameters, klWeight: beta)
                    if loss.isFinite { adam.update(&parameters, with: full.gradients) }
                } else {
                    batchWeight = Self.prepare(&remainder!, data, order[start..<(start + count)], weights, &generator)
                    loss = remainder!.lossAndGradients(parameters, klWeight: beta)
                    if loss.isFinite { adam.update(&parameters, with: remainder!.gradients) }
                }
                guard loss.isFinite else { throw Self.diverged(configuration, epoch: epoch) }
                epochLoss += loss * batchWeight
                start += count
            }
            epochLosses.append(epochLoss / totalWeight)
        }
        guard parameters.isFinite else { throw Self.diverged(configuration, epoch: configuration.epochs - 1) }
        return (
            VariationalAutoencoder(configuration: configuration, parameters: parameters),
            VAETrainingReport(epochLosses: epochLosses)
        )
    }

    /// Anomaly score: mean squared reconstruction error (over the
    /// ``VAEConfiguration/inputDimension`` values) of the input decoded from the posterior
    /// mean — z = μ, deterministic, no sampling.
    ///
    /// - Throws: ``ModelError/dimensionMismatch(expected:got:)`` or
    ///   ``ModelError/nonFiniteValue(row:column:)``.
    public func reconstructionError(_ input: [Double]) throws(ModelError) -> Double {
        try validate(input, dimension: configuration.inputDimension)
        let x = Matrix(rows: 1, columns: input.count, values: input)
        return parameters.reconstructionErrors(of: x)[0]
    }

    /// ``reconstructionError(_:)`` of every row, batched through BLAS (an empty matrix of
    /// the right width gives `[]`).
    ///
    /// - Throws: ``ModelError/dimensionMismatch(expected:got:)`` or
    ///   ``ModelError/nonFiniteValue(row:column:)``.
    public func reconstructionErrors(_ inputs: Matrix) throws(ModelError) -> [Double] {
        guard inputs.columns == configuration.inputDimension else {
            throw .dimensionMismatch(expected: configuration.inputDimension, got: inputs.columns)
        }
        try inputs.validateFinite()
        // Chunks bound the temporary buffers for very large inputs.
        let chunk = 1024
        guard inputs.rows > chunk else { return parameters.reconstructionErrors(of: inputs) }
        var errors: [Double] = []
        errors.reserveCapacity(inputs.rows)
        var start = 0
        while start < inputs.rows {
            let end = min(start + chunk, inputs.rows)
            errors.append(contentsOf: parameters.reconstructionErrors(of: inputs.selectingRows(start..<end)))
            start = end
        }
        return errors
    }

    private enum CodingKeys: String, CodingKey { case configuration, parameters }

    /// Decodes a model, refusing weights whose shapes do not match the configuration or
    /// that are not finite.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let configuration = try container.decode(VAEConfiguration.self, forKey: .configuration)
        let parameters = try container.decode(VAEParameters.self, forKey: .parameters)
        guard parameters.hasConsistentShapes,
            parameters.inputDimension == configuration.inputDimension,
            parameters.hiddenUnits == configuration.hiddenUnits,
            parameters.latentDimension == configuration.latentDimension,
            parameters.isFinite
        else {
            throw DecodingError.dataCorruptedError(
                forKey: .parameters, in: container,
                debugDescription: "VAE weights do not match the configuration's shapes or are not finite")
        }
        self.init(configuration: configuration, parameters: parameters)
    }

    // MARK: - Training helpers

    /// Checks `sampleWeights`; nil stays nil (every row weight 1).
    private static func validatedWeights(_ weights: [Double]?, rows: Int) throws(ModelError) -> [Double]? {
        guard let weights else { return nil }
        guard weights.count == rows else {
            throw .invalidParameter(
                name: "sampleWeights", value: "\(weights.count) weights", reason: "need one weight per row (\(rows))")
        }
        if let index = weights.firstIndex(where: { !($0 >= 0 && $0 <= 1) }) {
            throw .invalidParameter(
                name: "sampleWeights", value: "\(weights[index]) at row \(index)", reason: "each weight must be in [0, 1]")
        }
        guard weights.contains(where: { $0 > 0 }) else {
            throw .invalidParameter(name: "sampleWeights", value: "all 0", reason: "at least one weight must be positive")
        }
        return weights
    }

    /// Copies the batch rows into `workspace`, sets the normalised row weights and draws ε.
    /// Returns the batch's total (unnormalised) weight.
    private static func prepare(
        _ workspace: inout VAEWorkspace, _ data: Matrix, _ rows: ArraySlice<Int>, _ weights: [Double]?,
        _ generator: inout SeededGenerator
    ) -> Double {
        let d = data.columns
        var total = 0.0
        data.values.withUnsafeBufferPointer { source in
            workspace.input.values.withUnsafeMutableBufferPointer { target in
                workspace.rowWeights.withUnsafeMutableBufferPointer { a in
                    for (i, row) in rows.enumerated() {
                        let from = row * d, to = i * d
                        for j in 0..<d { target[to + j] = source[from + j] }
                        let w = weights?[row] ?? 1
                        a[i] = w
                        total += w
                    }
                    for i in 0..<a.count { a[i] /= total }
                }
            }
        }
        workspace.epsilon.values.withUnsafeMutableBufferPointer { e in
            for i in 0..<e.count { e[i] = generator.nextGaussian() }
        }
        return total
    }

    private static func diverged(_ configuration: VAEConfiguration, epoch: Int) -> ModelError {
        .invalidParameter(
            name: "learningRate", value: "\(configuration.learningRate)",
            reason: "training diverged (non-finite loss or weights in epoch \(epoch + 1)); lower the learning rate")
    }
}
