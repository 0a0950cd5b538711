import AnomalyModels
import Foundation
import Testing

// MARK: - Fixtures (scikit-learn reference labels, see scripts/make-dbscan-fixtures.py)

/// One dataset with scikit-learn's labels and core flags.
struct DBSCANFixture: Sendable {
    let name: String
    let epsilon: Double
    let minSamples: Int
    let points: Matrix
    /// -1 for noise, as scikit-learn writes it.
    let labels: [Int]
    let core: [Bool]

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/dbscan")

    /// Every `*.csv` in the fixture folder, sorted.
    static let names: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".csv") }.map { String($0.dropLast(4)) }.sorted()
    }()

    /// Reads `NAME.csv`: a `# eps=… min_samples=… …` line, a header, then `x0,…,label,core` rows.
    static func load(_ name: String) throws -> DBSCANFixture {
        let text = try String(contentsOf: directory.appendingPathComponent("\(name).csv"), encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)[...]
        guard let meta = lines.popFirst(), meta.hasPrefix("#"), let header = lines.popFirst() else {
            throw FixtureError.malformed(name, "missing comment or header line")
        }
        var settings: [String: String] = [:]
        for pair in meta.dropFirst().split(separator: " ") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { settings[String(parts[0])] = String(parts[1]) }
        }
        guard let epsilon = settings["eps"].flatMap(Double.init), let minSamples = settings["min_samples"].flatMap(Int.init)
        else { throw FixtureError.malformed(name, "no eps / min_samples in \(meta)") }
        let dimension = header.split(separator: ",").count - 2
        var values: [Double] = [], labels: [Int] = [], core: [Bool] = []
        for line in lines {
            let fields = line.split(separator: ",")
            guard fields.count == dimension + 2 else { throw FixtureError.malformed(name, "bad row \(line)") }
            for field in fields.prefix(dimension) {
                guard let v = Double(field) else { throw FixtureError.malformed(name, "bad number \(field)") }
                values.append(v)
            }
            guard let label = Int(fields[dimension]), let isCore = Int(fields[dimension + 1]) else {
                throw FixtureError.malformed(name, "bad label in \(line)")
            }
            labels.append(label)
            core.append(isCore == 1)
        }
        return DBSCANFixture(
            name: name, epsilon: epsilon, minSamples: minSamples,
            points: Matrix(rows: labels.count, columns: dimension, values: values), labels: labels, core: core)
    }
}

enum FixtureError: Error { case malformed(String, String) }

/// Scikit-learn's integer convention: -1 for noise.
func integerLabels(_ labels: [DBSCANLabel]) -> [Int] { labels.map { $0.clusterID ?? -1 } }

/// The rows where `a` and `b` differ (for short failure messages instead of whole arrays).
func differingRows<T: Equatable>(_ a: [T], _ b: [T]) -> [Int] {
    guard a.count == b.count else { return [-1] }
    return a.indices.filter { a[$0] != b[$0] }
}

/// True when `a` and `b` are the same partition with noise in the same places (cluster numbers
/// may differ by a one-to-one renaming).
func sameUpToRenumbering(_ a: [Int], _ b: [Int]) -> Bool {
    guard a.count == b.count else { return false }
    var forward: [Int: Int] = [:], backward: [Int: Int] = [:]
    for (x, y) in zip(a, b) {
        if (x < 0) != (y < 0) { return false }
        if x < 0 { continue }
        if let mapped = forward[x], mapped != y { return false }
        if let mapped = backward[y], mapped != x { return false }
        forward[x] = y
        backward[y] = x
    }
    return true
}

// MARK: - Naive reference

/// The obviously correct O(n²) DBSCAN: every neighbourhood stored, then scikit-learn's
/// `dbscan_inner` transliterated (depth-first, a point is labelled when popped).
func naiveDBSCAN(_ data: Matrix, epsilon: Double, minPoints: Int) -> (labels: [Int], core: [Bool]) {
    let n = data.rows, d = data.columns
    let r2 = epsilon * epsilon
    var neighbourhoods: [[Int]] = Array(repeating: [], count: n)
    for i in 0..<n {
        for j in 0..<n {
            var s = 0.0
            for k in 0..<d {
                let t = data[i, k] - data[j, k]
                s += t * t
            }
            if s <= r2 { neighbourhoods[i].append(j) }
        }
    }
    let core = neighbourhoods.map { $0.count >= minPoints }
    var labels = Array(repeating: -1, count: n)
    var next = 0
    for start in 0..<n where labels[start] == -1 && core[start] {
        var stack: [Int] = []
        var i = start
        while true {
            if labels[i] == -1 {
                labels[i] = next
                if core[i] {
                    for v in neighbourhoods[i] where labels[v] == -1 { stack.append(v) }
                }
            }
            guard let top = stack.popLast() else { break }
            i = top
        }
        next += 1
    }
    return (labels, core)
}

/// Points around a few Gaussian centres plus uniform noise (`SeededGenerator`, so repeatable).
func clusteredData(rows: Int, dimension: Int, seed: UInt64) -> Matrix {
    var rng = SeededGenerator(seed: seed)
    let centres = (0..<4).map { _ in (0..<dimension).map { _ in rng.nextUniform() * 10 - 5 } }
    var values: [Double] = []
    for r in 0..<rows {
        if r % 5 == 4 {
            for _ in 0..<dimension { values.append(rng.nextUniform() * 14 - 7) }
        } else {
            let centre = centres[Int(rng.next() % 4)]
            let spread = 0.3 + 0.3 * Double(r % 3)
            for j in 0..<dimension { values.append(centre[j] + spread * rng.nextGaussian()) }
        }
    }
    return Matrix(rows: rows, columns: dimension, values: values)
}

/// The median distance to the `k`-th nearest point (the point itself counting as the first):
/// an ε that leaves roughly half the points core.
func medianKDistance(_ data: Matrix, k: Int) -> Double {
    var kth: [Double] = []
    for i in 0..<data.rows {
        var distances: [Double] = []
        for j in 0..<data.rows {
            var s = 0.0
            for c in 0..<data.columns {
                let t = data[i, c] - data[j, c]
                s += t * t
            }
            distances.append(s)
        }
        distances.sort()
        kth.append(distances[k - 1].squareRoot())
    }
    return Quantile.median(kth)
}

// MARK: - Suites

@Suite("DBSCAN against scikit-learn fixtures")
struct DBSCANFixtureTests {
    @Test("every expected fixture is present")
    func fixturesPresent() {
        for name in [
            "blobs_2d", "uniform_noise", "border_points", "duplicates", "line_1d", "rounding_1d", "blobs_10d",
            "standardised_7d", "grid_int_2d", "grid_int_3d",
        ] {
            #expect(DBSCANFixture.names.contains(name), "missing fixture \(name).csv")
        }
    }

    @Test("labels and core points equal scikit-learn's, cluster numbers included", arguments: DBSCANFixture.names)
    func matchesScikitLearn(name: String) throws {
        let fixture = try DBSCANFixture.load(name)
        for search in [NeighbourSearch.kdTree, .bruteForce, .auto] {
            let parameters = DBSCANParameters(epsilon: fixture.epsilon, minPoints: fixture.minSamples, neighbourSearch: search)
            let (model, result) = try DBSCANModel.fit(fixture.points, parameters: parameters)
            let labels = integerLabels(result.labels)
            #expect(sameUpToRenumbering(labels, fixture.labels), "\(name) with \(search): partition differs")
            let differing = differingRows(labels, fixture.labels)
            #expect(differing.isEmpty, "\(name) with \(search): \(differing.count) labels differ from scikit-learn's (cluster numbering included), first rows \(differing.prefix(5))")
            #expect(result.corePointIndices == fixture.core.indices.filter { fixture.core[$0] }, "\(name) with \(search): core points differ")
            #expect(result.clusterCount == Set(fixture.labels.filter { $0 >= 0 }).count)
            #expect(model.corePoints.rows == result.corePointIndices.count)
        }
    }

    @Test("a border point reached by two clusters joins the one discovered first, not its nearest")
    func borderPointsJoinFirstCluster() throws {
        // Row 0 starts cluster 0 (left); row 1 is a core point of cluster 1 (right). Row 2 is a
        // border point at exactly ε from a left core and 0.4375 from a right core.
        let fixture = try DBSCANFixture.load("border_points")
        let (model, result) = try DBSCANModel.fit(fixture.points, parameters: .init(epsilon: 0.5, minPoints: 5))
        #expect(fixture.points.row(2) == [1.0, 0.25])
        #expect(result.labels[0] == .cluster(0))
        #expect(result.labels[1] == .cluster(1))
        #expect(result.labels[2] == .cluster(0))
        #expect(!result.corePointIndices.contains(2))
        // predict uses the nearest core point instead.
        #expect(try model.predict([1.0, 0.25]) == .cluster(1))
    }
}

@Suite("DBSCAN against a naive implementation")
struct DBSCANNaiveTests {
    @Test("random clustered data: identical labels and core sets", arguments: [1, 2, 7, 10], [UInt64(1), 2, 3])
    func matchesNaive(dimension: Int, seed: UInt64) throws {
        let data = clusteredData(rows: 300, dimension: dimension, seed: seed &* 31 &+ UInt64(dimension))
        let minPoints = 6
        let epsilon = medianKDistance(data, k: minPoints)
        let expected = naiveDBSCAN(data, epsilon: epsilon, minPoints: minPoints)
        #expect(expected.labels.contains(-1) && expected.labels.contains(0), "want both noise and clusters")
        for search in [NeighbourSearch.kdTree, .bruteForce] {
            let (_, result) = try DBSCANModel.fit(data, parameters: .init(epsilon: epsilon, minPoints: minPoints, neighbourSearch: search))
            let differing = differingRows(integerLabels(result.labels), expected.labels)
            #expect(differing.isEmpty, "d=\(dimension) seed=\(seed) \(search): \(differing.count) labels differ, first rows \(differing.prefix(5))")
            #expect(result.corePointIndices == expected.core.indices.filter { expected.core[$0] })
        }
    }

    @Test("integer lattices with ties at exactly ε", arguments: [(2, 1.0, 5), (3, 1.0, 4), (2, 2.0, 9), (4, 1.0, 3)])
    func matchesNaiveOnTies(dimension: Int, epsilon: Double, minPoints: Int) throws {
        var rng = SeededGenerator(seed: UInt64(dimension * 100 + minPoints))
        let rows = 400
        let values = (0..<(rows * dimension)).map { _ in Double(rng.next() % 9) }  // many duplicates
        let data = Matrix(rows: rows, columns: dimension, values: values)
        let expected = naiveDBSCAN(data, epsilon: epsilon, minPoints: minPoints)
        for search in [NeighbourSearch.kdTree, .bruteForce] {
            let (_, result) = try DBSCANModel.fit(data, parameters: .init(epsilon: epsilon, minPoints: minPoints, neighbourSearch: search))
            let differing = differingRows(integerLabels(result.labels), expected.labels)
            #expect(differing.isEmpty, "d=\(dimension) eps=\(epsilon) \(search): \(differing.count) labels differ, first rows \(differing.prefix(5))")
            #expect(result.corePointIndices == expected.core.indices.filter { expected.core[$0] })
        }
    }

    @Test("k-d tree and brute force agree on several blocks of data")
    func treeMatchesBruteForceOnLargerData() throws {
        // 5 000 rows span several brute-force blocks (128 queries × 2 048 rows) and a deep tree.
        let data = clusteredData(rows: 5000, dimension: 7, seed: 99)
        let tree = try DBSCANModel.fit(data, parameters: .init(epsilon: 0.6, minPoints: 10, neighbourSearch: .kdTree)).result
        let brute = try DBSCANModel.fit(data, parameters: .init(epsilon: 0.6, minPoints: 10, neighbourSearch: .bruteForce)).result
        #expect(tree.clusterCount > 1 && tree.noiseCount > 0)
        let differing = differingRows(tree.labels, brute.labels)
        #expect(differing.isEmpty, "\(differing.count) labels differ, first rows \(differing.prefix(5))")
        #expect(tree.corePointIndices == brute.corePointIndices)
    }

    @Test("minPoints 1 makes every point core; fitting twice gives the same result")
    func minPointsOneAndDeterminism() throws {
        let data = Matrix(rows: [[0], [10], [0.5], [20]])
        let (_, result) = try DBSCANModel.fit(data, parameters: .init(epsilon: 1, minPoints: 1))
        #expect(result.labels == [.cluster(0), .cluster(1), .cluster(0), .cluster(2)])
        #expect(result.corePointIndices == [0, 1, 2, 3])
        let big = clusteredData(rows: 2000, dimension: 3, seed: 5)
        let first = try DBSCANModel.fit(big, parameters: .init(epsilon: 0.4, minPoints: 8))
        let second = try DBSCANModel.fit(big, parameters: .init(epsilon: 0.4, minPoints: 8))
        #expect(differingRows(first.result.labels, second.result.labels).isEmpty)
        #expect(first.model == second.model)
    }
}

@Suite("DBSCAN scoring, persistence and validation")
struct DBSCANModelTests {
    /// Two tight groups of 5 identical points: cores at (0, 0) (cluster 0) and (3, 0) (cluster 1).
    static let twoGroups = Matrix(rows: Array(repeating: [0.0, 0.0], count: 5) + Array(repeating: [3.0, 0.0], count: 5))

    @Test("a core point scores 0; a point 2ε from the nearest core scores 2")
    func scoreIsDistanceOverEpsilon() throws {
        let (model, _) = try DBSCANModel.fit(Self.twoGroups, parameters: .init(epsilon: 0.5, minPoints: 5))
        #expect(try model.score([0, 0]) == 0)
        #expect(try model.score([3, 0]) == 0)
        #expect(try model.score([-1, 0]) == 2)
        #expect(abs(try model.score([0.6, 0.8]) - 2) < 1e-12)
        #expect(try model.score([1.5, 0]) == 3)  // halfway: 1.5 from both
        #expect(try model.scores(Matrix(rows: [[0, 0], [-1, 0], [4, 0]])) == [0, 2, 2])
    }

    @Test("fitted core points score 0 and predict their own cluster")
    func corePointsScoreZero() throws {
        let fixture = try DBSCANFixture.load("blobs_2d")
        let (model, result) = try DBSCANModel.fit(fixture.points, parameters: .init(epsilon: fixture.epsilon, minPoints: fixture.minSamples))
        for index in result.corePointIndices.prefix(50) {
            #expect(try model.score(fixture.points.row(index)) == 0)
            #expect(try model.predict(fixture.points.row(index)) == result.labels[index])
        }
    }

    @Test("predict gives the nearest core point's cluster within ε, else noise")
    func predictNearestCore() throws {
        let (model, _) = try DBSCANModel.fit(Self.twoGroups, parameters: .init(epsilon: 2, minPoints: 5))
        #expect(try model.predict([1.4, 0]) == .cluster(0))  // within ε of both: nearest wins
        #expect(try model.predict([1.6, 0]) == .cluster(1))
        #expect(try model.predict([-2, 0]) == .cluster(0))  // exactly ε: inside
        #expect(try model.predict([-2.0000001, 0]) == .noise)
        #expect(try model.predict([1.5, 5]) == .noise)
    }

    @Test("a model without core points scores the documented maximum and predicts noise")
    func noCorePoints() throws {
        let (model, result) = try DBSCANModel.fit(Matrix(rows: [[0, 0], [5, 5]]), parameters: .init(epsilon: 1, minPoints: 3))
        #expect(result.labels == [.noise, .noise])
        #expect(result.clusterCount == 0)
        #expect(model.corePoints.rows == 0)
        #expect(try model.score([0, 0]) == DBSCANModel.maximumScore)
        #expect(try model.predict([0, 0]) == .noise)
        let decoded = try JSONDecoder().decode(DBSCANModel.self, from: JSONEncoder().encode(model))
        #expect(try decoded.score([1, 1]) == DBSCANModel.maximumScore)
        // Far away points are capped too: finite, so JSON can carry them.
        let (far, _) = try DBSCANModel.fit(Self.twoGroups, parameters: .init(epsilon: 1e-300, minPoints: 5))
        #expect(try far.score([1e300, 0]) == DBSCANModel.maximumScore)
    }

    @Test("Codable round trip keeps the model and its scores")
    func codableRoundTrip() throws {
        let fixture = try DBSCANFixture.load("standardised_7d")
        let (model, _) = try DBSCANModel.fit(fixture.points, parameters: .init(epsilon: 0.5, minPoints: 10, neighbourSearch: .kdTree))
        let json = try JSONEncoder().encode(model)
        let decoded = try JSONDecoder().decode(DBSCANModel.self, from: json)
        #expect(decoded == model)
        let probes = clusteredData(rows: 200, dimension: 7, seed: 3)
        #expect(try decoded.scores(probes) == model.scores(probes))
        for r in 0..<20 { #expect(try decoded.predict(probes.row(r)) == model.predict(probes.row(r))) }
        let keys = try #require(JSONSerialization.jsonObject(with: json) as? [String: Any]).keys
        #expect(Set(keys) == ["parameters", "dimension", "corePoints", "coreClusters"])
    }

    @Test("labels encode as scikit-learn integers; parameters decode without neighbourSearch")
    func labelAndParameterCoding() throws {
        let json = try JSONEncoder().encode([DBSCANLabel.noise, .cluster(2)])
        #expect(String(decoding: json, as: UTF8.self) == "[-1,2]")
        #expect(try JSONDecoder().decode([DBSCANLabel].self, from: json) == [.noise, .cluster(2)])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([DBSCANLabel].self, from: Data("[-2]".utf8)) }
        let parameters = try JSONDecoder().decode(DBSCANParameters.self, from: Data(#"{"epsilon":0.5,"minPoints":4}"#.utf8))
        #expect(parameters == DBSCANParameters(epsilon: 0.5, minPoints: 4, neighbourSearch: .auto))
    }

    @Test("a corrupted model is refused when decoded")
    func corruptedModel() throws {
        let bad = #"{"parameters":{"epsilon":0.5,"minPoints":2},"dimension":2,"corePoints":{"rows":1,"columns":2,"values":[0,0]},"coreClusters":[]}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(DBSCANModel.self, from: Data(bad.utf8)) }
        let short = #"{"parameters":{"epsilon":0.5,"minPoints":2},"dimension":2,"corePoints":{"rows":2,"columns":2,"values":[0,0]},"coreClusters":[0,0]}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(DBSCANModel.self, from: Data(short.utf8)) }
    }

    @Test("invalid parameters are refused by name", arguments: [0.0, -1, .nan, .infinity])
    func invalidEpsilon(epsilon: Double) {
        let error = #expect(throws: ModelError.self) {
            try DBSCANModel.fit(Self.twoGroups, parameters: .init(epsilon: epsilon, minPoints: 3))
        }
        guard case .invalidParameter(let name, _, _)? = error else {
            Issue.record("expected invalidParameter, got \(String(describing: error))")
            return
        }
        #expect(name == "epsilon")
    }

    @Test("minPoints below 1, empty and non-finite data are refused")
    func invalidInputs() throws {
        let error = #expect(throws: ModelError.self) {
            try DBSCANModel.fit(Self.twoGroups, parameters: .init(epsilon: 1, minPoints: 0))
        }
        guard case .invalidParameter(let name, _, _)? = error else {
            Issue.record("expected invalidParameter, got \(String(describing: error))")
            return
        }
        #expect(name == "minPoints")
        #expect(throws: ModelError.emptyTrainingSet) {
            try DBSCANModel.fit(Matrix(rows: 0, columns: 2), parameters: .init(epsilon: 1, minPoints: 2))
        }
        #expect(throws: ModelError.nonFiniteValue(row: 1, column: 0)) {
            try DBSCANModel.fit(Matrix(rows: [[0, 0], [.nan, 0]]), parameters: .init(epsilon: 1, minPoints: 2))
        }
        let (model, _) = try DBSCANModel.fit(Self.twoGroups, parameters: .init(epsilon: 1, minPoints: 5))
        #expect(throws: ModelError.nonFiniteValue(row: 0, column: 1)) { try model.score([0, .nan]) }
        #expect(throws: ModelError.nonFiniteValue(row: 0, column: 0)) { try model.predict([.infinity, 0]) }
        #expect(throws: ModelError.dimensionMismatch(expected: 2, got: 3)) { try model.score([0, 0, 0]) }
        #expect(throws: ModelError.dimensionMismatch(expected: 2, got: 1)) { try model.scores(Matrix(rows: [[1]])) }
        #expect(throws: ModelError.nonFiniteValue(row: 1, column: 1)) { try model.scores(Matrix(rows: [[1, 1], [1, .nan]])) }
    }
}
