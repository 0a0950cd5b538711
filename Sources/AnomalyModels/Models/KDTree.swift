/// A static k-d tree over the rows of a row-major `Double` buffer, for exact Euclidean radius and
/// nearest-neighbour queries. Internal: the public API never shows it.
///
/// Layout (all flat buffers, allocated once in `init`, immutable afterwards):
/// - an implicit complete binary tree: node `i` has children `2i+1` and `2i+2`; nodes
///   `firstLeaf..<nodeCount` are leaves; every node owns the tree positions
///   `nodeStart[i]..<nodeEnd[i]`, and a parent's range is split at its middle (`start + count/2`);
/// - every internal node splits on its widest dimension at the median (a 3-way quickselect, so
///   many equal coordinates cost no more than distinct ones);
/// - leaves hold at most `leafSize` points (and at least `leafSize/2`);
/// - the points themselves are copied in tree order (`points`), so a leaf is one contiguous block,
///   with `indices[position]` giving the caller's row;
/// - every node keeps the tight bounding box of its points (`lower`, `upper`).
///
/// Exactness: every point distance is the plain sum of squared coordinate differences in column
/// order (`Σ_j (q_j − x_j)²`, the same reduced distance scikit-learn's `KDTree` uses). A node's lower
/// bound `Σ_j max(lo_j − q_j, q_j − hi_j, 0)²` and upper bound `Σ_j max(|q_j − lo_j|, |q_j − hi_j|)²`
/// are computed in the same order, and floating-point subtraction, squaring and addition are all
/// monotone, so the bounds never cross the computed point distances: pruning a node whose lower
/// bound exceeds r², or accepting a whole node whose upper bound is ≤ r², gives exactly the answer
/// of checking every point.
///
/// Memory: `n·d` doubles for the points, `n` indices, and about `2n/leafSize·(2d + 3)` words for
/// the nodes. Queries allocate nothing on the heap (callers pass a traversal stack from
/// ``withTraversalStack(_:)``).
final class KDTree: @unchecked Sendable {
    // @unchecked Sendable: every buffer is written only in `init` and only read afterwards.

    /// Points per leaf at most. Measured on 7-d standardised data (fit, 100 000 points): 8 and 16
    /// were 10-25 % slower than 32, 64 about the same.
    static let defaultLeafSize = 32

    let dimension: Int
    let count: Int
    let nodeCount: Int
    let firstLeaf: Int
    /// Depth of the tree (a single leaf has 1 level).
    let levels: Int

    /// `count × dimension`, rows in tree order.
    let points: UnsafeMutablePointer<Double>
    /// Tree position → caller's row index.
    let indices: UnsafeMutablePointer<Int>
    let nodeStart: UnsafeMutablePointer<Int>
    let nodeEnd: UnsafeMutablePointer<Int>
    /// `nodeCount × dimension` bounding boxes.
    let lower: UnsafeMutablePointer<Double>
    let upper: UnsafeMutablePointer<Double>

    /// Builds the tree over `rows` rows of `dimension` values each (`rows ≥ 1`, `dimension ≥ 1`).
    init(values: UnsafeBufferPointer<Double>, rows: Int, dimension: Int, leafSize: Int = KDTree.defaultLeafSize) {
        precondition(rows >= 1 && dimension >= 1 && leafSize >= 2, "KDTree: empty input")
        precondition(values.count >= rows * dimension, "KDTree: buffer too small")
        self.dimension = dimension
        self.count = rows
        var leaves = 1
        var levels = 1
        while rows > leaves * leafSize {
            leaves *= 2
            levels += 1
        }
        self.levels = levels
        self.nodeCount = 2 * leaves - 1
        self.firstLeaf = leaves - 1

        points = .allocate(capacity: rows * dimension)
        indices = .allocate(capacity: rows)
        nodeStart = .allocate(capacity: nodeCount)
        nodeEnd = .allocate(capacity: nodeCount)
        lower = .allocate(capacity: nodeCount * dimension)
        upper = .allocate(capacity: nodeCount * dimension)

        for r in 0..<rows { indices[r] = r }
        nodeStart[0] = 0
        nodeEnd[0] = rows
        guard let data = values.baseAddress else { preconditionFailure("KDTree: no storage") }
        let d = dimension
        for node in 0..<nodeCount {
            let s = nodeStart[node], e = nodeEnd[node]
            // Tight bounding box of the node's points.
            let lo = lower + node * d, hi = upper + node * d
            let first = data + indices[s] * d
            for j in 0..<d {
                lo[j] = first[j]
                hi[j] = first[j]
            }
            if e - s > 1 {
                for p in (s + 1)..<e {
                    let row = data + indices[p] * d
                    for j in 0..<d {
                        let v = row[j]
                        if v < lo[j] { lo[j] = v }
                        if v > hi[j] { hi[j] = v }
                    }
                }
            }
            guard node < firstLeaf else { continue }
            var widest = 0
            var spread = hi[0] - lo[0]
            for j in 1..<max(1, d) where hi[j] - lo[j] > spread {
                widest = j
                spread = hi[j] - lo[j]
            }
            let mid = s + (e - s) / 2
            Self.select(indices, from: s, to: e, nth: mid, data: data, dimension: d, key: widest)
            nodeStart[2 * node + 1] = s
            nodeEnd[2 * node + 1] = mid
            nodeStart[2 * node + 2] = mid
            nodeEnd[2 * node + 2] = e
        }
        for p in 0..<rows {
            (points + p * d).update(from: data + indices[p] * d, count: d)
        }
    }

    deinit {
        points.deallocate()
        indices.deallocate()
        nodeStart.deallocate()
        nodeEnd.deallocate()
        lower.deallocate()
        upper.deallocate()
    }

    /// Reorders `perm[from..<to]` so that position `nth` holds the element that sorting by
    /// coordinate `key` would put there, smaller-or-equal keys before it and greater-or-equal after
    /// (quickselect with a median-of-three pivot and a 3-way partition).
    private static func select(
        _ perm: UnsafeMutablePointer<Int>, from: Int, to: Int, nth: Int,
        data: UnsafePointer<Double>, dimension d: Int, key: Int
    ) {
        @inline(__always) func value(_ i: Int) -> Double { data[perm[i] * d + key] }
        @inline(__always) func swap(_ a: Int, _ b: Int) {
            let t = perm[a]
            perm[a] = perm[b]
            perm[b] = t
        }
        var lo = from, hi = to
        while hi - lo > 1 {
            let a = value(lo), b = value(lo + (hi - lo) / 2), c = value(hi - 1)
            let pivot = max(min(a, b), min(max(a, b), c))
            var lt = lo, i = lo, gt = hi
            while i < gt {
                let v = value(i)
                if v < pivot {
                    swap(lt, i)
                    lt += 1
                    i += 1
                } else if v > pivot {
                    gt -= 1
                    swap(i, gt)
                } else {
                    i += 1
                }
            }
            if nth < lt {
                hi = lt
            } else if nth >= gt {
                lo = gt
            } else {
                return
            }
        }
    }

    // MARK: Queries

    /// Scratch space for one traversal (node ids and their lower bounds), on the stack.
    @inline(__always)
    func withTraversalStack<R>(_ body: (UnsafeMutablePointer<Int>, UnsafeMutablePointer<Double>) throws -> R) rethrows -> R {
        // Depth-first with both children pushed: at most one pending sibling per level, plus one.
        let capacity = 2 * levels + 2
        return try withUnsafeTemporaryAllocation(of: Int.self, capacity: capacity) { nodes in
            try withUnsafeTemporaryAllocation(of: Double.self, capacity: capacity) { bounds in
                try body(nodes.baseAddress!, bounds.baseAddress!)
            }
        }
    }

    /// `Σ_j (a_j − b_j)²` in column order: the one distance every query compares.
    @inline(__always)
    static func distanceSquared(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ d: Int) -> Double {
        var sum = 0.0
        for j in 0..<d {
            let t = a[j] - b[j]
            sum += t * t
        }
        return sum
    }

    /// Lower bound of the squared distance from `q` to any point of `node`.
    @inline(__always)
    func lowerBound(_ node: Int, _ q: UnsafePointer<Double>, _ d: Int) -> Double {
        let lo = lower + node * d, hi = upper + node * d
        var sum = 0.0
        for j in 0..<d {
            // max(lo − x, x − hi, 0): at most one of the two differences is positive. Branch-free;
            // adding 0 for a coordinate inside the box leaves the sum unchanged.
            let x = q[j]
            let t = max(max(lo[j] - x, x - hi[j]), 0)
            sum += t * t
        }
        return sum
    }

    /// Upper bound of the squared distance from `q` to any point of `node`.
    @inline(__always)
    func upperBound(_ node: Int, _ q: UnsafePointer<Double>, _ d: Int) -> Double {
        let lo = lower + node * d, hi = upper + node * d
        var sum = 0.0
        for j in 0..<d {
            let t = max(abs(q[j] - lo[j]), abs(q[j] - hi[j]))
            sum += t * t
        }
        return sum
    }

    /// Pushes the children of `node` whose lower bound is at most `limit`, the nearer one last
    /// (so it is visited first).
    @inline(__always)
    private func pushChildren(
        of node: Int, _ q: UnsafePointer<Double>, _ d: Int, limit: Double,
        _ nodes: UnsafeMutablePointer<Int>, _ bounds: UnsafeMutablePointer<Double>, _ top: inout Int
    ) {
        let left = 2 * node + 1, right = left + 1
        let lbLeft = lowerBound(left, q, d), lbRight = lowerBound(right, q, d)
        if lbLeft <= lbRight {
            if lbRight <= limit { nodes[top] = right; bounds[top] = lbRight; top += 1 }
            if lbLeft <= limit { nodes[top] = left; bounds[top] = lbLeft; top += 1 }
        } else {
            if lbLeft <= limit { nodes[top] = left; bounds[top] = lbLeft; top += 1 }
            if lbRight <= limit { nodes[top] = right; bounds[top] = lbRight; top += 1 }
        }
    }

    /// How many tree points lie within `radiusSquared` of the tree point at `position`
    /// (inclusive, itself included), counting up to `limit`: the search stops as soon as `limit`
    /// points are found, so the result is the true count when that is below `limit`, else at
    /// least `limit`.
    ///
    /// The search runs bottom-up: the point's own leaf first, then the sibling subtree of each
    /// ancestor in turn (each searched top-down with pruning). That visits the same nodes as a
    /// search from the root, nearest first, so in dense regions it usually stops in the first
    /// leaf or two.
    func countWithin<D: KDDimension>(
        position: Int, radiusSquared r2: Double, limit: Int,
        _ nodes: UnsafeMutablePointer<Int>, _ bounds: UnsafeMutablePointer<Double>, _ dim: D.Type
    ) -> Int {
        let d = D.value(dimension)
        let q = UnsafePointer(points + position * d)
        var node = 0
        while node < firstLeaf {
            let left = 2 * node + 1
            node = position < nodeEnd[left] ? left : left + 1
        }
        var found = countWithin(subtree: node, q, r2, limit: limit, nodes, bounds, dim)
        while found < limit && node > 0 {
            let sibling = node & 1 == 1 ? node + 1 : node - 1  // left children have odd ids
            found += countWithin(subtree: sibling, q, r2, limit: limit - found, nodes, bounds, dim)
            node = (node - 1) / 2
        }
        return found
    }

    /// Top-down count of the points of the subtree at `subtree` within `r2` of `q`, stopping at
    /// `limit` (nearer children first).
    @inline(__always)
    private func countWithin<D: KDDimension>(
        subtree: Int, _ q: UnsafePointer<Double>, _ r2: Double, limit: Int,
        _ nodes: UnsafeMutablePointer<Int>, _ bounds: UnsafeMutablePointer<Double>, _: D.Type
    ) -> Int {
        let d = D.value(dimension)
        var found = 0
        let rootBound = lowerBound(subtree, q, d)
        guard rootBound <= r2 else { return 0 }
        nodes[0] = subtree
        bounds[0] = rootBound
        var top = 1
        while top > 0 {
            top -= 1
            let node = nodes[top]
            let s = nodeStart[node], e = nodeEnd[node]
            if upperBound(node, q, d) <= r2 {
                found += e - s
                if found >= limit { return found }
                continue
            }
            if node >= firstLeaf {
                var p = points + s * d
                for _ in s..<e {
                    if Self.distanceSquared(q, p, d) <= r2 { found += 1 }
                    p += d
                }
                if found >= limit { return found }
                continue
            }
            pushChildren(of: node, q, d, limit: r2, nodes, bounds, &top)
        }
        return found
    }

    /// Calls `body(position)` for every tree position within `radiusSquared` of `q` (inclusive),
    /// skipping whole nodes for which `skipNode(node)` is true and single positions for which
    /// `skipPosition(position)` is true (checked before the distance). `body` may change what the
    /// two predicates return for nodes and positions not yet visited.
    @inline(__always)
    func forEachWithin<D: KDDimension>(
        _ q: UnsafePointer<Double>, radiusSquared r2: Double,
        _ nodes: UnsafeMutablePointer<Int>, _ bounds: UnsafeMutablePointer<Double>, _: D.Type,
        skipNode: (Int) -> Bool, skipPosition: (Int) -> Bool, body: (Int) -> Void
    ) {
        let d = D.value(dimension)
        guard !skipNode(0) else { return }
        let rootBound = lowerBound(0, q, d)
        guard rootBound <= r2 else { return }
        nodes[0] = 0
        bounds[0] = rootBound
        var top = 1
        while top > 0 {
            top -= 1
            let node = nodes[top]
            if skipNode(node) { continue }
            let s = nodeStart[node], e = nodeEnd[node]
            if upperBound(node, q, d) <= r2 {
                for p in s..<e where !skipPosition(p) { body(p) }
                continue
            }
            if node >= firstLeaf {
                for p in s..<e where !skipPosition(p) {
                    if Self.distanceSquared(q, points + p * d, d) <= r2 { body(p) }
                }
                continue
            }
            // Visit order does not matter here: skip finished children before computing bounds.
            let left = 2 * node + 1
            if !skipNode(left + 1), lowerBound(left + 1, q, d) <= r2 { nodes[top] = left + 1; top += 1 }
            if !skipNode(left), lowerBound(left, q, d) <= r2 { nodes[top] = left; top += 1 }
        }
    }

    /// The nearest point to `q`: its tree position and squared distance. Ties go to the point with
    /// the lowest caller row index.
    func nearest<D: KDDimension>(
        _ q: UnsafePointer<Double>,
        _ nodes: UnsafeMutablePointer<Int>, _ bounds: UnsafeMutablePointer<Double>, _: D.Type
    ) -> (position: Int, distanceSquared: Double) {
        let d = D.value(dimension)
        var best = Double.infinity
        var bestPosition = 0
        nodes[0] = 0
        bounds[0] = lowerBound(0, q, d)
        var top = 1
        while top > 0 {
            top -= 1
            let node = nodes[top]
            if bounds[top] > best { continue }
            if node >= firstLeaf {
                for p in nodeStart[node]..<nodeEnd[node] {
                    let dist = Self.distanceSquared(q, points + p * d, d)
                    if dist < best || (dist == best && indices[p] < indices[bestPosition]) {
                        best = dist
                        bestPosition = p
                    }
                }
                continue
            }
            pushChildren(of: node, q, d, limit: best, nodes, bounds, &top)
        }
        return (bestPosition, best)
    }

    /// The leaf that holds tree position `position`, with every node on the way from the root.
    @inline(__always)
    func forEachNodeContaining(_ position: Int, _ body: (Int) -> Void) {
        var node = 0
        while node < firstLeaf {
            body(node)
            let left = 2 * node + 1
            node = position < nodeEnd[left] ? left : left + 1
        }
        body(node)
    }
}

// MARK: - Dimension specialisation

/// A number of features known at compile time, so that generic code specialised for it gets
/// fully unrolled distance and bound loops (about 1.3× faster for 7 features than a loop over a
/// run-time count). ``DynamicDimension`` is the fallback for any other width.
protocol KDDimension {
    /// The number of features; `runtime` is the actual width, which fixed types ignore.
    static func value(_ runtime: Int) -> Int
}

enum DynamicDimension: KDDimension {
    @inline(__always) static func value(_ runtime: Int) -> Int { runtime }
}

enum Dimension1: KDDimension { @inline(__always) static func value(_: Int) -> Int { 1 } }
enum Dimension2: KDDimension { @inline(__always) static func value(_: Int) -> Int { 2 } }
enum Dimension3: KDDimension { @inline(__always) static func value(_: Int) -> Int { 3 } }
enum Dimension4: KDDimension { @inline(__always) static func value(_: Int) -> Int { 4 } }
enum Dimension5: KDDimension { @inline(__always) static func value(_: Int) -> Int { 5 } }
enum Dimension6: KDDimension { @inline(__always) static func value(_: Int) -> Int { 6 } }
enum Dimension7: KDDimension { @inline(__always) static func value(_: Int) -> Int { 7 } }
enum Dimension8: KDDimension { @inline(__always) static func value(_: Int) -> Int { 8 } }

/// Something to run with the dimension as a type parameter (Swift has no generic closures).
protocol DimensionSpecialised {
    associatedtype Result
    func run<D: KDDimension>(_ dimension: D.Type) -> Result
}

extension DimensionSpecialised {
    /// Calls ``run(_:)`` with the fixed-dimension type for `dimension` (1…8) or
    /// ``DynamicDimension``.
    func run(dimension: Int) -> Result {
        switch dimension {
        case 1: run(Dimension1.self)
        case 2: run(Dimension2.self)
        case 3: run(Dimension3.self)
        case 4: run(Dimension4.self)
        case 5: run(Dimension5.self)
        case 6: run(Dimension6.self)
        case 7: run(Dimension7.self)
        case 8: run(Dimension8.self)
        default: run(DynamicDimension.self)
        }
    }
}
