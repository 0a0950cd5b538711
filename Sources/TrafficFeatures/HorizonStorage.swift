/// A bounded set of elements with the time each was last seen: the building block of
/// ``ProbeHorizons`` and ``DNSActivity``. Exact while it holds at most its capacity; beyond,
/// the least recently seen elements are forgotten (an eighth at a time, amortised) and the set
/// is marked ``capped``.
package struct RecentSet<Element: Hashable & Comparable & Sendable>: Sendable {
    package private(set) var lastSeen: [Element: Double] = [:]
    /// Elements were forgotten to stay within the capacity: counts are lower bounds.
    package private(set) var capped = false

    package var count: Int { lastSeen.count }

    package init() {}

    package mutating func insert(_ element: Element, at time: Double) { lastSeen[element] = time }

    /// Elements last seen after `edge`, in ascending order (not the dictionary's, which differs
    /// from run to run: sums over them must come out the same in every replay).
    package func elements(after edge: Double) -> [Element] { lastSeen.compactMap { $0.value > edge ? $0.key : nil }.sorted() }

    package func count(after edge: Double) -> Int { lastSeen.values.reduce(0) { $0 + ($1 > edge ? 1 : 0) } }

    /// Drops elements not seen after `edge` (when the set is over half its capacity, to keep the
    /// work amortised), then the least recently seen beyond `capacity` (ties: the smallest
    /// first, so that a replay forgets the same ones); returns how many of the latter were
    /// forgotten.
    package mutating func forget(before edge: Double, capacity: Int) -> Int {
        if lastSeen.count > capacity / 2 { lastSeen = lastSeen.filter { $0.value > edge } }
        guard lastSeen.count > capacity else { return 0 }
        let drop = lastSeen.count - capacity + capacity / 8
        for (element, _) in lastSeen.sorted(by: { ($0.value, $0.key) < ($1.value, $1.key) }).prefix(drop) { lastSeen[element] = nil }
        capped = true
        return drop
    }
}

/// Per-window counts of one tracked key, bounded: beyond `limit` windows the oldest half is
/// merged pairwise (a merged window counts at its later end).
package struct WindowStamps: Sendable {
    package struct Stamp: Sendable {
        package var time: Double
        package var counts: [Int]
    }

    package private(set) var stamps: [Stamp] = []

    package init() {}

    package var count: Int { stamps.count }

    package mutating func append(time: Double, counts: [Int]) { stamps.append(Stamp(time: time, counts: counts)) }

    /// The counts summed over windows ending after `edge`, and how many windows that is.
    package func totals(after edge: Double, width: Int) -> (counts: [Int], windows: Int) {
        var sums = [Int](repeating: 0, count: width)
        var windows = 0
        for stamp in stamps where stamp.time > edge {
            for index in 0..<min(width, stamp.counts.count) { sums[index] += stamp.counts[index] }
            windows += 1
        }
        return (sums, windows)
    }

    package mutating func forget(before edge: Double, limit: Int) {
        stamps.removeAll { $0.time <= edge }
        guard stamps.count > limit else { return }
        let half = stamps.count / 2
        var merged: [Stamp] = []
        var index = 0
        while index < half {
            var stamp = stamps[index]
            if index + 1 < half {
                let next = stamps[index + 1]
                stamp.counts = zip(stamp.counts, next.counts).map { $0 + $1 }
                stamp.time = next.time
            }
            merged.append(stamp)
            index += 2
        }
        stamps = merged + stamps[half...]
    }
}

/// Keeps a dictionary of tracked keys within `capacity`: when over, forgets at least an eighth
/// of it, those with the smallest `breadth` first, then the least recently active, then the
/// smallest key (so that a replay forgets the same ones). Returns how many were forgotten.
package func forgetNarrowest<Key: Hashable & Comparable, Value>(
    _ tracks: inout [Key: Value], capacity: Int, breadth: (Value) -> Int, lastActive: (Value) -> Double
) -> Int {
    guard tracks.count > capacity else { return 0 }
    let excess = tracks.count - capacity
    let victims = tracks.sorted { a, b in
        let (x, y) = (breadth(a.value), breadth(b.value))
        if x != y { return x < y }
        let (s, t) = (lastActive(a.value), lastActive(b.value))
        return s != t ? s < t : a.key < b.key
    }.prefix(max(excess, capacity / 8))
    for (key, _) in victims { tracks[key] = nil }
    return victims.count
}

/// A small tolerance so that a window ending exactly a horizon ago is outside it.
package let horizonEdgeTolerance = 1e-6
