/// Chooses which sources a window names in `top_sources`.
///
/// A window can have thousands of sources; the wire format carries a bounded list of
/// the ones worth attributing. A source is kept when it is among the `limit` largest
/// by **any** of: packets, bytes, connection attempts (SYN), distinct destination
/// ports, distinct destination hosts, DNS bytes. A quiet port scanner is therefore
/// named even when bulk transfers dominate the packet counts. At most `6 × limit`
/// sources are returned, ordered by packets (descending), then address.
public enum TopSources {
    /// The default `limit`: 10 sources per criterion.
    public static let defaultLimit = 10
    /// The limits a configuration may ask for (sources per criterion).
    public static let limitRange = 0...1000

    /// The sources a window names in `top_sources`.
    ///
    /// - Parameters:
    ///   - sources: Every source of the window.
    ///   - limit: The number of sources kept per criterion; 0 or less selects none.
    /// - Returns: At most `6 × limit` sources, ordered by packets (descending), then by ``SourceStats/ip``
    ///   as text. When there are no more than `limit` sources, all of them, in that order.
    public static func select(_ sources: [SourceStats], limit: Int = defaultLimit) -> [SourceStats] {
        guard limit > 0 else { return [] }
        guard sources.count > limit else { return sources.sorted(by: byPackets) }

        let criteria: [(SourceStats) -> Int] = [
            \.packets, \.bytes, \.synPackets, \.uniquePorts, \.uniqueHosts, \.dnsBytes,
        ]
        var chosen = Set<Int>()
        let indices = Array(sources.indices)
        for criterion in criteria {
            let top = indices
                .filter { criterion(sources[$0]) > 0 }
                .sorted { lhs, rhs in
                    let (a, b) = (criterion(sources[lhs]), criterion(sources[rhs]))
                    return a != b ? a > b : sources[lhs].ip < sources[rhs].ip
                }
                .prefix(limit)
            chosen.formUnion(top)
        }
        return chosen.map { sources[$0] }.sorted(by: byPackets)
    }

    static func byPackets(_ lhs: SourceStats, _ rhs: SourceStats) -> Bool {
        lhs.packets != rhs.packets ? lhs.packets > rhs.packets : lhs.ip < rhs.ip
    }
}
