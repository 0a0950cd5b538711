#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The numeric core of ``VariationalAutoencoder``: parameters, one reusable set of batch
// buffers, the forward and backward pass, and Adam. Everything here is internal; the public
// surface lives in VariationalAutoencoder.swift.
//
// Layout: a dense layer maps a batch `x` (n × in, one row per sample) to `x · W + b` with
// `W` (in × out) and `b` (out). Every product, forward and backward, is one `Matrix.gemm`.

/// The soft bound B on log σ²: the log-variance head's raw output `r` is used as
/// log σ² = B · tanh(r / B), which lies in (−B, B), so `exp` stays finite.
let vaeLogVarianceBound = 10.0

/// tanh through one `exp` call: (1 − e) / (1 + e) with e = exp(−2|x|), sign restored.
/// About twice as fast as glibc's `tanh` (which goes through `expm1`); the absolute error is
/// within 2.3e-16 (relative error grows only for |x| ≪ 1), plenty for a hidden activation.
@inline(__always) func vaeTanh(_ x: Double) -> Double {
    let e = exp(-2 * abs(x))
    let t = (1 - e) / (1 + e)
    return x < 0 ? -t : t
}

/// Every trainable weight and bias of the network.
struct VAEParameters: Codable, Sendable, Equatable {
    /// Encoder input → hidden, `inputDimension × hiddenUnits`.
    var encoderWeights: Matrix
    /// Encoder hidden bias, `hiddenUnits`.
    var encoderBias: [Double]
    /// Hidden → μ head, `hiddenUnits × latentDimension`.
    var meanWeights: Matrix
    /// μ head bias, `latentDimension`.
    var meanBias: [Double]
    /// Hidden → raw log σ² head, `hiddenUnits × latentDimension`.
    var logVarianceWeights: Matrix
    /// Raw log σ² head bias, `latentDimension`.
    var logVarianceBias: [Double]
    /// Decoder z → hidden, `latentDimension × hiddenUnits`.
    var decoderWeights: Matrix
    /// Decoder hidden bias, `hiddenUnits`.
    var decoderBias: [Double]
    /// Decoder hidden → output (linear), `hiddenUnits × inputDimension`.
    var outputWeights: Matrix
    /// Output bias, `inputDimension`.
    var outputBias: [Double]

    var inputDimension: Int { encoderWeights.rows }
    var hiddenUnits: Int { encoderWeights.columns }
    var latentDimension: Int { meanWeights.columns }

    /// All parameters zero (the shape of the gradients and of Adam's moments).
    init(inputDimension d: Int, hiddenUnits h: Int, latentDimension l: Int) {
        encoderWeights = Matrix(rows: d, columns: h)
        encoderBias = Array(repeating: 0, count: h)
        meanWeights = Matrix(rows: h, columns: l)
        meanBias = Array(repeating: 0, count: l)
        logVarianceWeights = Matrix(rows: h, columns: l)
        logVarianceBias = Array(repeating: 0, count: l)
        decoderWeights = Matrix(rows: l, columns: h)
        decoderBias = Array(repeating: 0, count: h)
        outputWeights = Matrix(rows: h, columns: d)
        outputBias = Array(repeating: 0, count: d)
    }

    /// Glorot/Xavier uniform weights, U(−a, a) with a = √(6 / (fan in + fan out)), drawn
    /// layer by layer in declaration order; biases 0. The μ and log σ² heads are initialised
    /// as two separate `hiddenUnits → latentDimension` layers.
    static func glorot(
        inputDimension d: Int, hiddenUnits h: Int, latentDimension l: Int,
        using generator: inout SeededGenerator
    ) -> VAEParameters {
        var p = VAEParameters(inputDimension: d, hiddenUnits: h, latentDimension: l)
        func fill(_ m: inout Matrix) {
            let limit = (6.0 / Double(m.rows + m.columns)).squareRoot()
            for i in m.values.indices { m.values[i] = (2 * generator.nextUniform() - 1) * limit }
        }
        fill(&p.encoderWeights)
        fill(&p.meanWeights)
        fill(&p.logVarianceWeights)
        fill(&p.decoderWeights)
        fill(&p.outputWeights)
        return p
    }

    /// Every parameter array in a fixed order (weights as their row-major values).
    static let arrays: [any WritableKeyPath<VAEParameters, [Double]> & Sendable] = [
        \.encoderWeights.values, \.encoderBias,
        \.meanWeights.values, \.meanBias,
        \.logVarianceWeights.values, \.logVarianceBias,
        \.decoderWeights.values, \.decoderBias,
        \.outputWeights.values, \.outputBias,
    ]

    /// True when no parameter is NaN or infinite.
    var isFinite: Bool { Self.arrays.allSatisfy { self[keyPath: $0].allSatisfy(\.isFinite) } }

    /// Whether every matrix and vector has the shape its neighbours imply (and every matrix
    /// as many values as its shape says: a decoded `Matrix` is not checked on its own).
    var hasConsistentShapes: Bool {
        let d = inputDimension, h = hiddenUnits, l = latentDimension
        let matrices = [encoderWeights, meanWeights, logVarianceWeights, decoderWeights, outputWeights]
        return d > 0 && h > 0 && l > 0
            && matrices.allSatisfy { $0.values.count == $0.rows * $0.columns }
            && encoderBias.count == h
            && meanWeights.rows == h && meanBias.count == l
            && logVarianceWeights.rows == h && logVarianceWeights.columns == l && logVarianceBias.count == l
            && decoderWeights.rows == l && decoderWeights.columns == h && decoderBias.count == h
            && outputWeights.rows == h && outputWeights.columns == d && outputBias.count == d
    }
}

/// Preallocated buffers for one batch size: activations of the forward pass, their
/// gradients, and the parameter gradients. Reused for every batch of that size.
struct VAEWorkspace {
    /// Rows in the batch.
    let rows: Int
    /// The batch, `rows × inputDimension`.
    var input: Matrix
    /// Loss weight of each row, already divided by the batch's total weight (sums to 1).
    var rowWeights: [Double]
    /// ε ~ N(0, I), `rows × latentDimension`.
    var epsilon: Matrix

    var hidden: Matrix          // tanh(x W₁ + b₁), rows × H
    var mean: Matrix            // μ, rows × L
    var logVariance: Matrix     // raw head output, then (in place) the bounded log σ², rows × L
    var sigma: Matrix           // σ = exp(½ log σ²), rows × L
    var latent: Matrix          // z = μ + σ ε, rows × L
    var decoderHidden: Matrix   // tanh(z W₃ + b₃), rows × H
    var output: Matrix          // g W₄ (b₄ is added in the loss loop), then in place ∂loss/∂x̂, rows × D

    var dDecoderHidden: Matrix  // rows × H
    var dLatent: Matrix         // rows × L
    var dMean: Matrix           // rows × L
    var dLogVariance: Matrix    // gradient w.r.t. the raw head output, rows × L
    var dHidden: Matrix         // rows × H

    /// Gradient of the batch loss with respect to every parameter.
    var gradients: VAEParameters

    init(rows n: Int, inputDimension d: Int, hiddenUnits h: Int, latentDimension l: Int) {
        rows = n
        input = Matrix(rows: n, columns: d)
        rowWeights = Array(repeating: 1 / Double(max(n, 1)), count: n)
        epsilon = Matrix(rows: n, columns: l)
        hidden = Matrix(rows: n, columns: h)
        mean = Matrix(rows: n, columns: l)
        logVariance = Matrix(rows: n, columns: l)
        sigma = Matrix(rows: n, columns: l)
        latent = Matrix(rows: n, columns: l)
        decoderHidden = Matrix(rows: n, columns: h)
        output = Matrix(rows: n, columns: d)
        dDecoderHidden = Matrix(rows: n, columns: h)
        dLatent = Matrix(rows: n, columns: l)
        dMean = Matrix(rows: n, columns: l)
        dLogVariance = Matrix(rows: n, columns: l)
        dHidden = Matrix(rows: n, columns: h)
        gradients = VAEParameters(inputDimension: d, hiddenUnits: h, latentDimension: l)
    }

    /// Forward and backward pass over `input` with the current `epsilon` and `rowWeights`.
    ///
    /// Returns the batch loss Σᵢ aᵢ ℓᵢ (aᵢ = `rowWeights`), with
    /// ℓᵢ = Σⱼ (x̂ᵢⱼ − xᵢⱼ)² + β · (−½ Σₖ (1 + log σ²ᵢₖ − μ²ᵢₖ − σ²ᵢₖ)),
    /// and leaves ∂loss/∂θ in `gradients`. Allocates nothing.
    mutating func lossAndGradients(_ p: VAEParameters, klWeight beta: Double) -> Double {
        let n = rows, d = p.inputDimension, l = p.latentDimension
        let bound = vaeLogVarianceBound

        // Encoder: hidden = tanh(x W₁ + b₁).
        Matrix.gemm(input, p.encoderWeights, into: &hidden)
        Self.addBiasTanh(&hidden, p.encoderBias)

        // Heads: μ = hidden Wμ + bμ; r = hidden Wσ + bσ.
        Matrix.gemm(hidden, p.meanWeights, into: &mean)
        mean.addRowVector(p.meanBias)
        Matrix.gemm(hidden, p.logVarianceWeights, into: &logVariance)

        // Bound log σ², reparameterise, and accumulate the weighted KL term.
        var loss = 0.0
        logVariance.values.withUnsafeMutableBufferPointer { lv in
        sigma.values.withUnsafeMutableBufferPointer { sd in
        latent.values.withUnsafeMutableBufferPointer { z in
        mean.values.withUnsafeBufferPointer { mu in
        epsilon.values.withUnsafeBufferPointer { eps in
        rowWeights.withUnsafeBufferPointer { a in
        p.logVarianceBias.withUnsafeBufferPointer { bias in
            for i in 0..<n {
                var kl = 0.0
                for k in 0..<l {
                    let index = i * l + k
                    let bounded = bound * tanh((lv[index] + bias[k]) / bound)
                    lv[index] = bounded
                    let s = exp(0.5 * bounded)
                    sd[index] = s
                    z[index] = mu[index] + s * eps[index]
                    kl += 1 + bounded - mu[index] * mu[index] - s * s
                }
                loss += a[i] * beta * (-0.5 * kl)
            }
        }}}}}}}

        // Decoder: decoderHidden = tanh(z W₃ + b₃); output = decoderHidden W₄ + b₄.
        Matrix.gemm(latent, p.decoderWeights, into: &decoderHidden)
        Self.addBiasTanh(&decoderHidden, p.decoderBias)
        Matrix.gemm(decoderHidden, p.outputWeights, into: &output)

        // Reconstruction loss; `output` becomes ∂loss/∂output = 2 aᵢ (x̂ − x).
        output.values.withUnsafeMutableBufferPointer { y in
        input.values.withUnsafeBufferPointer { x in
        rowWeights.withUnsafeBufferPointer { a in
        p.outputBias.withUnsafeBufferPointer { bias in
            for i in 0..<n {
                let base = i * d
                var sse = 0.0
                for j in 0..<d {
                    let r = y[base + j] + bias[j] - x[base + j]
                    sse += r * r
                    y[base + j] = 2 * a[i] * r
                }
                loss += a[i] * sse
            }
        }}}}

        // Output layer.
        Matrix.gemm(decoderHidden, transposeA: true, output, into: &gradients.outputWeights)
        Self.columnSums(output, into: &gradients.outputBias)
        Matrix.gemm(output, p.outputWeights, transposeB: true, into: &dDecoderHidden)
        Self.multiplyTanhDerivative(&dDecoderHidden, decoderHidden)

        // Decoder hidden layer.
        Matrix.gemm(latent, transposeA: true, dDecoderHidden, into: &gradients.decoderWeights)
        Self.columnSums(dDecoderHidden, into: &gradients.decoderBias)
        Matrix.gemm(dDecoderHidden, p.decoderWeights, transposeB: true, into: &dLatent)

        // Through the reparameterisation and the KL term to the two heads.
        dLatent.values.withUnsafeBufferPointer { dz in
        dMean.values.withUnsafeMutableBufferPointer { dmu in
        dLogVariance.values.withUnsafeMutableBufferPointer { dlv in
        mean.values.withUnsafeBufferPointer { mu in
        logVariance.values.withUnsafeBufferPointer { lv in
        sigma.values.withUnsafeBufferPointer { sd in
        epsilon.values.withUnsafeBufferPointer { eps in
        rowWeights.withUnsafeBufferPointer { a in
            for i in 0..<n {
                let klScale = beta * a[i]
                for k in 0..<l {
                    let index = i * l + k
                    let s = sd[index]
                    dmu[index] = dz[index] + klScale * mu[index]
                    // ∂/∂ log σ² of z = μ + exp(½ log σ²) ε, and of the KL term.
                    let dBounded = dz[index] * eps[index] * 0.5 * s + klScale * 0.5 * (s * s - 1)
                    // log σ² = B tanh(r / B) ⇒ ∂ log σ² / ∂r = 1 − (log σ² / B)².
                    let t = lv[index] / bound
                    dlv[index] = dBounded * (1 - t * t)
                }
            }
        }}}}}}}}

        Matrix.gemm(hidden, transposeA: true, dMean, into: &gradients.meanWeights)
        Self.columnSums(dMean, into: &gradients.meanBias)
        Matrix.gemm(hidden, transposeA: true, dLogVariance, into: &gradients.logVarianceWeights)
        Self.columnSums(dLogVariance, into: &gradients.logVarianceBias)
        Matrix.gemm(dMean, p.meanWeights, transposeB: true, into: &dHidden)
        Matrix.gemm(dLogVariance, p.logVarianceWeights, transposeB: true, into: &dHidden, beta: 1)
        Self.multiplyTanhDerivative(&dHidden, hidden)

        // Encoder layer (no gradient with respect to the input is needed).
        Matrix.gemm(input, transposeA: true, dHidden, into: &gradients.encoderWeights)
        Self.columnSums(dHidden, into: &gradients.encoderBias)
        return loss
    }

    /// `m ← tanh(m + bias)` row by row.
    static func addBiasTanh(_ m: inout Matrix, _ bias: [Double]) {
        let columns = m.columns
        m.values.withUnsafeMutableBufferPointer { v in
            bias.withUnsafeBufferPointer { b in
                var base = 0
                while base < v.count {
                    for c in 0..<columns { v[base + c] = vaeTanh(v[base + c] + b[c]) }
                    base += columns
                }
            }
        }
    }

    /// `gradient ← gradient ⊙ (1 − activation²)`, the tanh derivative from its output.
    static func multiplyTanhDerivative(_ gradient: inout Matrix, _ activation: Matrix) {
        gradient.values.withUnsafeMutableBufferPointer { g in
            activation.values.withUnsafeBufferPointer { a in
                for i in 0..<g.count { g[i] *= 1 - a[i] * a[i] }
            }
        }
    }

    /// Column sums of `m` into `sums` without allocating.
    static func columnSums(_ m: Matrix, into sums: inout [Double]) {
        let columns = m.columns, rows = m.rows
        sums.withUnsafeMutableBufferPointer { s in
            m.values.withUnsafeBufferPointer { v in
                for c in 0..<columns { s[c] = 0 }
                for r in 0..<rows {
                    let base = r * columns
                    for c in 0..<columns { s[c] += v[base + c] }
                }
            }
        }
    }
}

/// Adam (β₁ 0.9, β₂ 0.999, ε 1e-8) with PyTorch's bias-corrected update:
/// θ ← θ − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε).
struct VAEAdam {
    static let beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8
    var firstMoment: VAEParameters
    var secondMoment: VAEParameters
    private(set) var step = 0
    let learningRate: Double

    init(shapeOf p: VAEParameters, learningRate: Double) {
        firstMoment = VAEParameters(
            inputDimension: p.inputDimension, hiddenUnits: p.hiddenUnits, latentDimension: p.latentDimension)
        secondMoment = firstMoment
        self.learningRate = learningRate
    }

    mutating func update(_ parameters: inout VAEParameters, with gradients: VAEParameters) {
        step += 1
        let b1 = Self.beta1, b2 = Self.beta2, eps = Self.epsilon
        let correction1 = 1 - pow(b1, Double(step))
        let inverseCorrection2Root = 1 / (1 - pow(b2, Double(step))).squareRoot()
        let stepSize = learningRate / correction1
        for path in VAEParameters.arrays {
            parameters[keyPath: path].withUnsafeMutableBufferPointer { theta in
            firstMoment[keyPath: path].withUnsafeMutableBufferPointer { m in
            secondMoment[keyPath: path].withUnsafeMutableBufferPointer { v in
            gradients[keyPath: path].withUnsafeBufferPointer { g in
                for i in 0..<theta.count {
                    let gi = g[i]
                    let mi = b1 * m[i] + (1 - b1) * gi
                    let vi = b2 * v[i] + (1 - b2) * gi * gi
                    m[i] = mi
                    v[i] = vi
                    theta[i] -= stepSize * mi / (vi.squareRoot() * inverseCorrection2Root + eps)
                }
            }}}}
        }
    }
}

extension VAEParameters {
    /// Mean squared reconstruction error of each row of `x`, decoding the posterior mean
    /// (z = μ, no sampling). Allocates its own buffers: for scoring, not training.
    func reconstructionErrors(of x: Matrix) -> [Double] {
        let n = x.rows, d = inputDimension
        guard n > 0 else { return [] }
        var hidden = Matrix(rows: n, columns: hiddenUnits)
        Matrix.gemm(x, encoderWeights, into: &hidden)
        VAEWorkspace.addBiasTanh(&hidden, encoderBias)
        var mu = Matrix(rows: n, columns: latentDimension)
        Matrix.gemm(hidden, meanWeights, into: &mu)
        mu.addRowVector(meanBias)
        Matrix.gemm(mu, decoderWeights, into: &hidden)
        VAEWorkspace.addBiasTanh(&hidden, decoderBias)
        var output = Matrix(rows: n, columns: d)
        Matrix.gemm(hidden, outputWeights, into: &output)
        var errors = Array(repeating: 0.0, count: n)
        output.values.withUnsafeBufferPointer { y in
            x.values.withUnsafeBufferPointer { xv in
                outputBias.withUnsafeBufferPointer { b in
                    for i in 0..<n {
                        var sse = 0.0
                        for j in 0..<d {
                            let r = y[i * d + j] + b[j] - xv[i * d + j]
                            sse += r * r
                        }
                        errors[i] = sse / Double(d)
                    }
                }
            }
        }
        return errors
    }
}

extension VAEParameters {
    /// The batch loss and its analytic gradient with respect to every parameter, for these
    /// weights, the rows of `batch`, and a GIVEN ε (`batch.rows × latentDimension`), so that the
    /// loss is a deterministic function of the weights (used by the gradient check).
    ///
    /// `sampleWeights` (default all 1) are normalised to sum to 1 over the batch, as in training.
    func lossAndGradients(
        batch: Matrix, epsilon: Matrix, sampleWeights: [Double]? = nil, klWeight: Double
    ) -> (loss: Double, gradients: VAEParameters) {
        precondition(batch.rows > 0 && batch.columns == inputDimension, "VAE: batch shape")
        precondition(epsilon.rows == batch.rows && epsilon.columns == latentDimension, "VAE: ε shape")
        var workspace = VAEWorkspace(
            rows: batch.rows, inputDimension: inputDimension, hiddenUnits: hiddenUnits,
            latentDimension: latentDimension)
        workspace.input = batch
        workspace.epsilon = epsilon
        let weights = sampleWeights ?? Array(repeating: 1, count: batch.rows)
        precondition(weights.count == batch.rows, "VAE: one weight per row")
        let total = weights.reduce(0, +)
        workspace.rowWeights = weights.map { $0 / total }
        let loss = workspace.lossAndGradients(self, klWeight: klWeight)
        return (loss, workspace.gradients)
    }
}
