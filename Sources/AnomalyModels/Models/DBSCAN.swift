import Synchronization
internal import CBLAS
internal import Dispatch

// DBSCAN (Ester, Kriegel, Sander & Xu, KDD 1996; Schubert, Sander, Ester, Kriegel & Xu, "DBSCAN
// revisited, revisited", ACM TODS 2017) with the exact semantics of scikit-learn's
// `DBSCAN(eps:, min_samples:, metric: "euclidean")`, labels and cluster numbering included.

/// The cluster a point was assigned to by ``DBSCANModel/fit(_:parameters:)`` or
/// ``DBSCANModel/predict(_:)``.
///
/// Encoded as a single integer: the cluster number (`0, 1, …`) or `-1` for noise, the convention
/// of scikit-learn's `labels_`.
public enum DBSCANLabel: Hashable, Codable, Sendable {
    /// Member of cluster number `id` (`0 ..< clusterCount`).
    case cluster(Int)
    /// Neither a core point nor within ε of one.
    case noise

    /// The cluster number, or `nil` for noise.
    public var clusterID: Int? {
        if case .cluster(let id) = self { return id }
        return nil
    }

    /// `true` for ``noise``.
    public var isNoise: Bool { self == .noise }

    /// Decodes an integer: `-1` is noise, `0…` a cluster number.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let value = try container.decode(Int.self)
        switch value {
        case -1: self = .noise
        case 0...: self = .cluster(value)
        default:
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "DBSCAN label \(value): expected -1 (noise) or a cluster number ≥ 0")
        }
    }

    /// Encodes the cluster number, or `-1` for noise.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(clusterID ?? -1)
    }
}

/// How ``DBSCANModel/fit(_:parameters:)`` finds the points within ε of a point. Every strategy
/// gives exactly the same labels; they differ only in speed.
public enum NeighbourSearch: String, Codable, Sendable, CaseIterable {
    /// ``kdTree`` for data with at most ``NeighbourSearch/autoTreeMaximumDimension`` features,
    /// ``bruteForce`` above.
    case auto
    /// A k-d tree (median splits on the widest dimension, leaves of at most 32 points): about
    /// `O(n log n)` for low-dimensional data.
    case kdTree
    /// All pairs, `O(n²·d)`, in blocks through BLAS (`‖a‖² + ‖b‖² − 2a·b` for candidates, then an
    /// exact re-check of pairs near the ε boundary). Competitive only for many features.
    case bruteForce

    /// The largest dimension for which ``auto`` chooses the k-d tree (scikit-learn's
    /// `NearestNeighbors` also switches to brute force above 15 features).
    ///
    /// Fit times measured in release mode on the project's 2-core machine (idle, OpenBLAS
    /// SkylakeX kernels; best of 3), k-d tree / brute force, against scikit-learn 1.9.1
    /// `DBSCAN(algorithm="auto", n_jobs=1)` on the same points:
    ///
    /// | 7-d points, `minPoints` 10                    | n = 10 000     | 50 000         | 100 000        |
    /// |-----------------------------------------------|----------------|----------------|----------------|
    /// | standard normal, ε = 0.5                      | 10 ms / 49 ms  | 93 ms / 1.3 s  | 0.24 s / 4.8 s |
    /// | … scikit-learn                                | 94 ms          | 0.93 s         | 2.6 s          |
    /// | benchmark blobs (`Benchmarks/models`), ε ≈ 0.26, 0.20, 0.18 | 22 ms / 0.12 s | 0.17 s / 2.1 s | 0.47 s / 8.8 s |
    /// | … scikit-learn                                | 0.17 s         | 1.9 s          | 5.2 s          |
    ///
    /// Higher dimensions (a 6-blob Gaussian mixture, ε = median 30th-neighbour distance,
    /// tree / brute force): 16-d 10 000 points 90 ms / 126 ms, 30 000 points 0.57 s / 1.8 s;
    /// 32-d 0.18 s / 0.20 s and 1.27 s / 1.16 s; 64-d 0.36 s / 0.19 s and 2.6 s / 2.3 s. The
    /// tree wins clearly up to 16 features and the crossover is near 32, so ``auto`` uses the
    /// tree up to 16.
    public static let autoTreeMaximumDimension = 16

    /// The concrete strategy for data with `dimension` features.
    public func resolved(forDimension dimension: Int) -> NeighbourSearch {
        switch self {
        case .auto: dimension <= Self.autoTreeMaximumDimension ? .kdTree : .bruteForce
        case .kdTree, .bruteForce: self
        }
    }
}

/// DBSCAN's two parameters (plus the choice of neighbour search, which never changes the labels).
///
/// The initialiser accepts any values; ``validate()`` (called by
/// ``DBSCANModel/fit(_:parameters:)`` and when a model is built or decoded) rejects invalid ones.
public struct DBSCANParameters: Codable, Sendable, Equatable {
    /// The neighbourhood radius ε (Euclidean distance, inclusive: points at exactly ε are
    /// neighbours). Must be finite and > 0.
    public var epsilon: Double
    /// The number of points, **the point itself included**, that an ε-neighbourhood must hold for
    /// its centre to be a core point (scikit-learn's `min_samples`). Must be ≥ 1; with 1 every point
    /// is a core point.
    public var minPoints: Int
    /// How neighbours are found; never changes the result.
    public var neighbourSearch: NeighbourSearch = .auto

    /// Parameters as given (not validated here; see ``validate()``).
    public init(epsilon: Double, minPoints: Int, neighbourSearch: NeighbourSearch = .auto) {
        self.epsilon = epsilon
        self.minPoints = minPoints
        self.neighbourSearch = neighbourSearch
    }

    /// Decodes the parameters; a missing `neighbourSearch` means ``NeighbourSearch/auto``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        epsilon = try container.decode(Double.self, forKey: .epsilon)
        minPoints = try container.decode(Int.self, forKey: .minPoints)
        neighbourSearch = try container.decodeIfPresent(NeighbourSearch.self, forKey: .neighbourSearch) ?? .auto
    }

    /// Throws ``ModelError/invalidParameter(name:value:reason:)`` naming `epsilon` (not finite or
    /// ≤ 0) or `minPoints` (< 1).
    public func validate() throws(ModelError) {
        guard epsilon.isFinite, epsilon > 0 else {
            throw .invalidParameter(name: "epsilon", value: "\(epsilon)", reason: "must be finite and greater than 0")
        }
        guard minPoints >= 1 else {
            throw .invalidParameter(name: "minPoints", value: "\(minPoints)", reason: "must be at least 1 (it counts the point itself)")
        }
    }
}

/// The clustering of the training rows found by ``DBSCANModel/fit(_:parameters:)``.
public struct DBSCANResult: Sendable, Equatable {
    /// One label per training row, in row order; identical to scikit-learn's `labels_` (with
    /// `-1` as ``DBSCANLabel/noise``), cluster numbers included.
    public let labels: [DBSCANLabel]
    /// The rows that are core points, ascending (scikit-learn's `core_sample_indices_`).
    public let corePointIndices: [Int]
    private let storedClusterCount: Int

    /// The number of clusters; cluster numbers are `0 ..< clusterCount`.
    public var clusterCount: Int { storedClusterCount }

    /// The number of rows labelled ``DBSCANLabel/noise``.
    public var noiseCount: Int { labels.lazy.filter(\.isNoise).count }

    init(labels: [DBSCANLabel], corePointIndices: [Int], clusterCount: Int) {
        self.labels = labels
        self.corePointIndices = corePointIndices
        self.storedClusterCount = clusterCount
    }
}

/// A fitted model: keeps the core points (and their cluster ids) so new points are scored without refitting.
///
/// ## Clustering rule
/// ``fit(_:parameters:)`` reproduces scikit-learn's `DBSCAN` exactly:
/// - the ε-neighbourhood of a point `p` is every training point `q` with `‖p − q‖ ≤ ε`, `p` itself
///   included. The comparison is made as `Σ_j (p_j − q_j)² ≤ ε·ε`, the plain sum of squared
///   differences in column order, which is what scikit-learn's k-d tree compares, so points at
///   exactly ε (integer grids with ε = 1, dyadic coordinates) are neighbours in both;
/// - a **core point** has at least `minPoints` points in its neighbourhood;
/// - two core points within ε of each other are in the same cluster (clusters are the connected
///   components of the core points under "within ε");
/// - clusters are numbered `0, 1, …` in the order of their **lowest-index core point**: scanning
///   the rows in order, the first core point not yet in a cluster starts the next cluster;
/// - a **border point** (not core, within ε of at least one core point) joins the cluster with
///   the **smallest number** among the clusters that have a core point within ε of it — that is,
///   of those clusters, the one whose lowest-index core point (over the whole cluster) comes first
///   in the input. This is the cluster that scikit-learn's depth-first expansion (`dbscan_inner`)
///   reaches first. It is *not* necessarily the cluster of the border point's nearest core point,
///   nor of its lowest-index core neighbour;
/// - every other point is ``DBSCANLabel/noise``.
///
/// ## Cost
/// One counting pass finds the core points (with the k-d tree, a query per point that stops as
/// soon as `minPoints` neighbours are found, spread over all cores), then one neighbour query
/// per core point expands the clusters, each point being labelled once. Neighbourhoods are never
/// stored: besides one copy of the data for the tree or the brute-force kernel (`n·d` doubles),
/// memory is `O(n)` words (labels, core flags, the expansion stack — each point is pushed at
/// most once — and the tree's index permutation), where scikit-learn keeps every neighbourhood,
/// `O(n·k)` for `k` neighbours per point. The brute-force search adds fixed buffers of about
/// 4 MiB (a 128 × 2 048 block of dot products and the rows it reaches).
///
/// ## Scoring
/// ``score(_:)`` is the distance to the nearest core point divided by ε; ``predict(_:)`` is the
/// cluster of the nearest core point when it is within ε. Note that a training border point
/// may be predicted into a different cluster than `fit` gave it (nearest core vs. first cluster).
public struct DBSCANModel: Codable, Sendable, Equatable {
    /// The parameters the model was fitted with.
    public let parameters: DBSCANParameters
    /// The number of features of every point.
    public let dimension: Int
    /// The core points of the training data, one per row, in training-row order.
    public let corePoints: Matrix          // rows = core points
    /// The cluster number of each row of ``corePoints``.
    public let coreClusters: [Int]

    /// A k-d tree over ``corePoints`` for nearest-core queries (`nil` when there are none). Rebuilt
    /// whenever a model is constructed or decoded; never encoded.
    private let coreTree: KDTree?

    /// The score of every point when the model has no core points, and the largest score ever
    /// returned: scores stay finite so that they serialise to JSON.
    public static let maximumScore = 1e6

    private enum CodingKeys: String, CodingKey {
        case parameters, dimension, corePoints, coreClusters
    }

    /// A model from its parts (what ``fit(_:parameters:)`` and decoding use); builds the search
    /// tree over `corePoints`.
    ///
    /// Throws ``ModelError/invalidParameter(name:value:reason:)`` for invalid parameters, a
    /// dimension < 1, or a cluster list that does not match the core points,
    /// ``ModelError/dimensionMismatch(expected:got:)`` when `corePoints` is not `dimension` wide,
    /// and ``ModelError/nonFiniteValue(row:column:)`` for a NaN or infinite core point.
    public init(parameters: DBSCANParameters, dimension: Int, corePoints: Matrix, coreClusters: [Int]) throws(ModelError) {
        try parameters.validate()
        guard dimension >= 1 else {
            throw .invalidParameter(name: "dimension", value: "\(dimension)", reason: "must be at least 1")
        }
        guard corePoints.values.count == corePoints.rows * corePoints.columns else {
            throw .invalidParameter(
                name: "corePoints", value: "\(corePoints.values.count) values",
                reason: "expected \(corePoints.rows) × \(corePoints.columns)")
        }
        guard corePoints.columns == dimension || corePoints.rows == 0 else {
            throw .dimensionMismatch(expected: dimension, got: corePoints.columns)
        }
        guard coreClusters.count == corePoints.rows else {
            throw .invalidParameter(
                name: "coreClusters", value: "\(coreClusters.count) entries",
                reason: "expected one per core point (\(corePoints.rows))")
        }
        if let bad = coreClusters.first(where: { $0 < 0 }) {
            throw .invalidParameter(name: "coreClusters", value: "\(bad)", reason: "cluster numbers are ≥ 0")
        }
        try corePoints.validateFinite()
        self.parameters = parameters
        self.dimension = dimension
        self.corePoints = corePoints.rows == 0 ? Matrix(rows: 0, columns: dimension) : corePoints
        self.coreClusters = coreClusters
        if corePoints.rows > 0 {
            coreTree = corePoints.values.withUnsafeBufferPointer { values in
                KDTree(values: values, rows: corePoints.rows, dimension: dimension)
            }
        } else {
            coreTree = nil
        }
    }

    /// Decodes the encoded parts and rebuilds the search tree; invalid parts are reported as
    /// `DecodingError.dataCorrupted` with the ``ModelError`` description.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let parameters = try container.decode(DBSCANParameters.self, forKey: .parameters)
        let dimension = try container.decode(Int.self, forKey: .dimension)
        let corePoints = try container.decode(Matrix.self, forKey: .corePoints)
        let coreClusters = try container.decode([Int].self, forKey: .coreClusters)
        do {
            try self.init(parameters: parameters, dimension: dimension, corePoints: corePoints, coreClusters: coreClusters)
        } catch {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath, debugDescription: "invalid DBSCAN model: \(error)"))
        }
    }

    /// Encodes ``parameters``, ``dimension``, ``corePoints`` and ``coreClusters`` (not the tree).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(parameters, forKey: .parameters)
        try container.encode(dimension, forKey: .dimension)
        try container.encode(corePoints, forKey: .corePoints)
        try container.encode(coreClusters, forKey: .coreClusters)
    }

    /// Models are equal when their encoded parts are.
    public static func == (lhs: DBSCANModel, rhs: DBSCANModel) -> Bool {
        lhs.parameters == rhs.parameters && lhs.dimension == rhs.dimension
            && lhs.corePoints == rhs.corePoints && lhs.coreClusters == rhs.coreClusters
    }

    /// Clusters the rows of `data` (see the type's documentation for the exact rule) and returns
    /// the fitted model with the clustering of the training rows.
    ///
    /// Throws ``ModelError/invalidParameter(name:value:reason:)`` for invalid parameters or data
    /// without columns, ``ModelError/emptyTrainingSet`` for no rows and
    /// ``ModelError/nonFiniteValue(row:column:)`` for the first NaN or infinity.
    /// Deterministic: the same data and parameters always give the same result, whatever the
    /// neighbour search or thread scheduling.
    public static func fit(_ data: Matrix, parameters: DBSCANParameters) throws(ModelError) -> (model: DBSCANModel, result: DBSCANResult) {
        try parameters.validate()
        guard data.rows > 0 else { throw .emptyTrainingSet }
        guard data.columns > 0 else {
            throw .invalidParameter(name: "data", value: "\(data.rows) × 0", reason: "needs at least one feature")
        }
        try data.validateFinite()

        let n = data.rows, d = data.columns
        let radiusSquared = parameters.epsilon * parameters.epsilon
        let clustering = data.values.withUnsafeBufferPointer { values in
            switch parameters.neighbourSearch.resolved(forDimension: d) {
            case .bruteForce:
                BruteForceDBSCAN(data: values, rows: n, dimension: d, radiusSquared: radiusSquared)
                    .cluster(minPoints: parameters.minPoints)
            case .kdTree, .auto:
                TreeDBSCAN.cluster(
                    data: values, rows: n, dimension: d, radiusSquared: radiusSquared, minPoints: parameters.minPoints)
            }
        }

        var labels: [DBSCANLabel] = []
        labels.reserveCapacity(n)
        var coreIndices: [Int] = []
        var coreClusters: [Int] = []
        for i in 0..<n {
            let label = clustering.labels[i]
            labels.append(label < 0 ? .noise : .cluster(label))
            if clustering.isCore[i] {
                coreIndices.append(i)
                coreClusters.append(label)
            }
        }
        let result = DBSCANResult(labels: labels, corePointIndices: coreIndices, clusterCount: clustering.clusterCount)
        let model = try DBSCANModel(
            parameters: parameters, dimension: d,
            corePoints: data.selectingRows(coreIndices), coreClusters: coreClusters)
        return (model, result)
    }

    /// The nearest core point's row in ``corePoints`` and its squared distance (ties: lowest row).
    private func nearestCore(_ point: UnsafePointer<Double>, tree: KDTree) -> (row: Int, distanceSquared: Double) {
        let found = tree.withTraversalStack { nodes, bounds in tree.nearest(point, nodes, bounds, DynamicDimension.self) }
        return (tree.indices[found.position], found.distanceSquared)
    }

    private func score(distanceSquared: Double) -> Double {
        let score = distanceSquared.squareRoot() / parameters.epsilon
        return score.isFinite ? min(score, Self.maximumScore) : Self.maximumScore
    }

    /// The distance from `point` to the nearest core point divided by ε, so a value ≤ 1 means
    /// "inside a cluster's reach" and 0 means "on a core point". ``maximumScore`` (10⁶) when the
    /// model has no core points; never larger, never infinite or NaN.
    ///
    /// Throws ``ModelError/dimensionMismatch(expected:got:)`` for a point of the wrong width and
    /// ``ModelError/nonFiniteValue(row:column:)`` (row 0) for a NaN or infinite value.
    public func score(_ point: [Double]) throws(ModelError) -> Double {
        try validate(point, dimension: dimension)
        guard let tree = coreTree else { return Self.maximumScore }
        return point.withUnsafeBufferPointer { p in
            score(distanceSquared: nearestCore(p.baseAddress!, tree: tree).distanceSquared)
        }
    }

    /// ``score(_:)`` of every row of `points`.
    ///
    /// Throws ``ModelError/dimensionMismatch(expected:got:)`` when `points` is not ``dimension``
    /// wide and ``ModelError/nonFiniteValue(row:column:)`` for the first NaN or infinity.
    public func scores(_ points: Matrix) throws(ModelError) -> [Double] {
        guard points.rows > 0 else { return [] }
        guard points.columns == dimension else { throw .dimensionMismatch(expected: dimension, got: points.columns) }
        try points.validateFinite()
        guard let tree = coreTree else { return Array(repeating: Self.maximumScore, count: points.rows) }
        let d = dimension
        return points.values.withUnsafeBufferPointer { values in
            tree.withTraversalStack { nodes, bounds in
                (0..<points.rows).map { r in
                    score(distanceSquared: tree.nearest(values.baseAddress! + r * d, nodes, bounds, DynamicDimension.self).distanceSquared)
                }
            }
        }
    }

    /// ``DBSCANLabel/cluster(_:)`` of the nearest core point when it is within ε (inclusive, the
    /// same comparison as ``fit(_:parameters:)``), else ``DBSCANLabel/noise``. Ties between equally
    /// near core points go to the lowest row of ``corePoints``.
    ///
    /// Throws like ``score(_:)``.
    public func predict(_ point: [Double]) throws(ModelError) -> DBSCANLabel {
        try validate(point, dimension: dimension)
        guard let tree = coreTree else { return .noise }
        let nearest = point.withUnsafeBufferPointer { p in nearestCore(p.baseAddress!, tree: tree) }
        let epsilon = parameters.epsilon
        return nearest.distanceSquared <= epsilon * epsilon ? .cluster(coreClusters[nearest.row]) : .noise
    }
}

// MARK: - Clustering engines

/// Labels (`-1` noise) and core flags in training-row order.
struct DBSCANClustering {
    var labels: [Int]
    var isCore: [Bool]
    var clusterCount: Int
}

/// Lets a closure that is only called while its owner waits cross into `concurrentPerform`.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
}

/// Runs `body(chunk)` for `chunks` chunks, on every core when there is more than one chunk, and
/// returns when all are done. Callers write only to disjoint, chunk-owned ranges of buffers that
/// outlive the call (the reason `body` need not be `@Sendable`), so the result is deterministic.
private func parallelChunks(_ chunks: Int, _ body: (Int) -> Void) {
    if chunks > 1, fitParallelism.load(ordering: .relaxed) {
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(value: body)
            DispatchQueue.concurrentPerform(iterations: chunks) { work.value($0) }
        }
    } else {
        for chunk in 0..<chunks { body(chunk) }
    }
}

private let fitParallelism = Atomic<Bool>(true)

extension DBSCANModel {
    /// Whether ``fit(_:parameters:)`` may count neighbours on every core (the default). Labels
    /// are identical either way; benchmarks against single-threaded references turn it off.
    public static var parallelFit: Bool {
        get { fitParallelism.load(ordering: .relaxed) }
        set { fitParallelism.store(newValue, ordering: .relaxed) }
    }
}

/// DBSCAN over a k-d tree, without storing neighbourhoods.
struct TreeDBSCAN: DimensionSpecialised {
    let data: UnsafeBufferPointer<Double>
    let n: Int
    let d: Int
    let r2: Double
    let minPoints: Int

    static func cluster(
        data: UnsafeBufferPointer<Double>, rows n: Int, dimension d: Int, radiusSquared r2: Double, minPoints: Int
    ) -> DBSCANClustering {
        TreeDBSCAN(data: data, n: n, d: d, r2: r2, minPoints: minPoints).run(dimension: d)
    }

    func run<D: KDDimension>(_ dim: D.Type) -> DBSCANClustering {
        let n = n, d = d, r2 = r2, minPoints = minPoints
        let tree = KDTree(values: data, rows: n, dimension: d)
        let points = tree.points

        // 1. Core flags, by tree position: count neighbours up to minPoints (parallel, exact).
        var coreByPosition = [Bool](repeating: false, count: n)
        coreByPosition.withUnsafeMutableBufferPointer { core in
            let chunkSize = 1024
            parallelChunks((n + chunkSize - 1) / chunkSize) { chunk in
                tree.withTraversalStack { nodes, bounds in
                    for p in (chunk * chunkSize)..<min(n, (chunk + 1) * chunkSize) {
                        core[p] = tree.countWithin(position: p, radiusSquared: r2, limit: minPoints, nodes, bounds, dim) >= minPoints
                    }
                }
            }
        }

        // 2. Expansion, by tree position. Labelling happens when a point is first reached (not
        // when it is popped, as in scikit-learn); the labels are the same because every cluster
        // is expanded completely before the next one starts, so each point gets the first
        // cluster that reaches it either way. `unlabeled[node]` counts the node's unlabelled
        // points so that neighbour queries skip finished subtrees.
        var labelByPosition = [Int](repeating: -1, count: n)
        var unlabeled = [Int](repeating: 0, count: tree.nodeCount)
        for node in 0..<tree.nodeCount { unlabeled[node] = tree.nodeEnd[node] - tree.nodeStart[node] }
        var positionOfRow = [Int](repeating: 0, count: n)
        for p in 0..<n { positionOfRow[tree.indices[p]] = p }
        var clusterCount = 0
        coreByPosition.withUnsafeBufferPointer { core in
            labelByPosition.withUnsafeMutableBufferPointer { label in
                unlabeled.withUnsafeMutableBufferPointer { unlabeled in
                    tree.withTraversalStack { nodes, bounds in
                        var stack: [Int] = []
                        @inline(__always) func assign(_ p: Int, _ cluster: Int) {
                            label[p] = cluster
                            tree.forEachNodeContaining(p) { unlabeled[$0] -= 1 }
                        }
                        for row in 0..<n {
                            let start = positionOfRow[row]
                            guard label[start] < 0, core[start] else { continue }
                            let cluster = clusterCount
                            clusterCount += 1
                            assign(start, cluster)
                            stack.append(start)
                            while let p = stack.popLast() {
                                tree.forEachWithin(
                                    points + p * d, radiusSquared: r2, nodes, bounds, dim,
                                    skipNode: { unlabeled[$0] == 0 },
                                    skipPosition: { label[$0] >= 0 },
                                    body: { q in
                                        assign(q, cluster)
                                        if core[q] { stack.append(q) }
                                    })
                            }
                        }
                    }
                }
            }
        }

        var labels = [Int](repeating: -1, count: n)
        var isCore = [Bool](repeating: false, count: n)
        for p in 0..<n {
            let row = tree.indices[p]
            labels[row] = labelByPosition[p]
            isCore[row] = coreByPosition[p]
        }
        return DBSCANClustering(labels: labels, isCore: isCore, clusterCount: clusterCount)
    }
}

/// DBSCAN over all pairs, blocked through BLAS, without storing neighbourhoods.
///
/// Candidate pairs come from `‖a‖² + ‖b‖² − 2a·b` on mean-centred data (one `dgemm` per block of
/// 128 query rows × 2 048 data rows). That formula's rounding error is bounded by a few units in
/// the last place of `(‖a‖² + ‖b‖²)·d`; every pair whose estimate lies within a generous
/// tolerance (`(d + 8)·10⁻¹⁴·(‖a‖² + ‖b‖² + ε²)`, over 20 times the bound) of ε² is re-checked with
/// the exact plain formula on the original values, so the neighbourhoods are exactly those of the
/// k-d tree.
struct BruteForceDBSCAN {
    let data: UnsafeBufferPointer<Double>
    let n: Int
    let d: Int
    let r2: Double
    /// Mean-centred copy of the data (better conditioned for the Gram formula).
    let centered: [Double]
    /// Squared norms of the centred rows.
    let norms: [Double]
    /// The largest of `norms` in each block of `dataBlock` rows (for a per-block tolerance).
    let chunkMaxNorms: [Double]
    let tolerancePerNorm: Double

    static let queryBlock = 128
    static let dataBlock = 2048

    init(data: UnsafeBufferPointer<Double>, rows: Int, dimension: Int, radiusSquared: Double) {
        self.data = data
        n = rows
        d = dimension
        r2 = radiusSquared
        var mean = [Double](repeating: 0, count: dimension)
        for r in 0..<rows {
            for j in 0..<dimension { mean[j] += data[r * dimension + j] }
        }
        for j in 0..<dimension { mean[j] /= Double(rows) }
        var centered = [Double](repeating: 0, count: rows * dimension)
        var norms = [Double](repeating: 0, count: rows)
        for r in 0..<rows {
            var s = 0.0
            for j in 0..<dimension {
                let v = data[r * dimension + j] - mean[j]
                centered[r * dimension + j] = v
                s += v * v
            }
            norms[r] = s
        }
        self.centered = centered
        self.norms = norms
        chunkMaxNorms = stride(from: 0, to: rows, by: Self.dataBlock).map { start in
            norms[start..<min(rows, start + Self.dataBlock)].max() ?? 0
        }
        tolerancePerNorm = (Double(dimension) + 8) * 1e-14
    }

    /// Calls `body(half, queryIndex, row)` for every data row within ε of each query, then
    /// `afterChunk()` once per block of data rows. `queries` holds `queryCount` centred rows
    /// (contiguous), `queryNorms` their squared norms and `queryRows` their rows in the original
    /// data (for the exact re-check); `gram` must hold `queryBlock × dataBlock` doubles.
    ///
    /// The queries are split in two halves filtered on two cores at once: `body` receives the
    /// half (0 or 1) and may only touch state owned by that half or by the query; `afterChunk`
    /// runs alone.
    private func scan(
        queries: UnsafePointer<Double>, queryNorms: UnsafePointer<Double>, queryRows: UnsafePointer<Int>,
        queryCount m: Int, gram: UnsafeMutablePointer<Double>,
        body: (Int, Int, Int) -> Void, afterChunk: () -> Void = {}
    ) {
        let data = data.baseAddress!
        centered.withUnsafeBufferPointer { x in
            norms.withUnsafeBufferPointer { xn in
                var j0 = 0
                var chunk = 0
                while j0 < n {
                    let c = min(Self.dataBlock, n - j0)
                    cblas_dgemm(
                        CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(c), Int32(d),
                        1, queries, Int32(d), x.baseAddress! + j0 * d, Int32(d), 0, gram, Int32(c))
                    let largestNorm = chunkMaxNorms[chunk]
                    func filter(_ half: Int, _ q0: Int, _ q1: Int) {
                        for qi in q0..<q1 {
                            let qn = queryNorms[qi]
                            // estimate − ‖q‖² = ‖x‖² − 2q·x, compared with ε² − ‖q‖² ± tolerance.
                            let tolerance = tolerancePerNorm * (qn + largestNorm + r2)
                            let candidate = r2 + tolerance - qn
                            let certain = r2 - tolerance - qn
                            let g = gram + qi * c
                            let original = data + queryRows[qi] * d
                            let xnChunk = xn.baseAddress! + j0
                            for k in 0..<c {
                                let v = xnChunk[k] - 2 * g[k]
                                guard v <= candidate else { continue }
                                if v < certain || KDTree.distanceSquared(original, data + (j0 + k) * d, d) <= r2 {
                                    body(half, qi, j0 + k)
                                }
                            }
                        }
                    }
                    if m >= 32 {
                        parallelChunks(2) { half in
                            half == 0 ? filter(0, 0, m / 2) : filter(1, m / 2, m)
                        }
                    } else {
                        filter(0, 0, m)
                    }
                    afterChunk()
                    j0 += c
                    chunk += 1
                }
            }
        }
    }

    func cluster(minPoints: Int) -> DBSCANClustering {
        let block = Self.queryBlock
        let gram = UnsafeMutablePointer<Double>.allocate(capacity: block * Self.dataBlock)
        defer { gram.deallocate() }
        let queries = UnsafeMutablePointer<Double>.allocate(capacity: block * d)
        defer { queries.deallocate() }
        let queryNorms = UnsafeMutablePointer<Double>.allocate(capacity: block)
        defer { queryNorms.deallocate() }
        let queryRows = UnsafeMutablePointer<Int>.allocate(capacity: block)
        defer { queryRows.deallocate() }

        // 1. Neighbour counts (exact), block by block; each half of a block counts its own rows.
        var counts = [Int](repeating: 0, count: n)
        counts.withUnsafeMutableBufferPointer { counts in
            centered.withUnsafeBufferPointer { x in
                var i0 = 0
                while i0 < n {
                    let m = min(block, n - i0)
                    for qi in 0..<m {
                        queryRows[qi] = i0 + qi
                        queryNorms[qi] = norms[i0 + qi]
                    }
                    let base = i0
                    scan(
                        queries: x.baseAddress! + i0 * d, queryNorms: queryNorms, queryRows: queryRows,
                        queryCount: m, gram: gram
                    ) { _, qi, _ in counts[base + qi] += 1 }
                    i0 += m
                }
            }
        }
        let isCore = counts.map { $0 >= minPoints }

        // 2. Expansion: the stack of labelled core points whose neighbours are still to be
        // scanned is processed up to `block` points at a time (one dgemm per batch). The two
        // halves of a batch collect the unlabelled rows they reach (labels are only read while
        // they run), then those rows are labelled in order. Every cluster is expanded completely
        // before the next starts, so the labels do not depend on the batch order (see TreeDBSCAN).
        var labels = [Int](repeating: -1, count: n)
        var clusterCount = 0
        var stack: [Int] = []
        let hitCapacity = (block / 2 + 1) * Self.dataBlock
        let hits = [UnsafeMutablePointer<Int>.allocate(capacity: hitCapacity), .allocate(capacity: hitCapacity)]
        defer { for buffer in hits { buffer.deallocate() } }
        var hitCounts = [0, 0]
        labels.withUnsafeMutableBufferPointer { labels in
            hitCounts.withUnsafeMutableBufferPointer { hitCounts in
                centered.withUnsafeBufferPointer { x in
                    for start in 0..<n where labels[start] < 0 && isCore[start] {
                        let cluster = clusterCount
                        clusterCount += 1
                        labels[start] = cluster
                        stack.append(start)
                        while !stack.isEmpty {
                            let m = min(block, stack.count)
                            for qi in 0..<m {
                                let row = stack.removeLast()
                                queryRows[qi] = row
                                queryNorms[qi] = norms[row]
                                (queries + qi * d).update(from: x.baseAddress! + row * d, count: d)
                            }
                            scan(
                                queries: queries, queryNorms: queryNorms, queryRows: queryRows,
                                queryCount: m, gram: gram,
                                body: { half, _, j in
                                    if labels[j] < 0 {
                                        hits[half][hitCounts[half]] = j
                                        hitCounts[half] += 1
                                    }
                                },
                                afterChunk: {
                                    for half in 0..<2 {
                                        for h in 0..<hitCounts[half] {
                                            let j = hits[half][h]
                                            if labels[j] < 0 {
                                                labels[j] = cluster
                                                if isCore[j] { stack.append(j) }
                                            }
                                        }
                                        hitCounts[half] = 0
                                    }
                                })
                        }
                    }
                }
            }
        }
        return DBSCANClustering(labels: labels, isCore: isCore, clusterCount: clusterCount)
    }
}
