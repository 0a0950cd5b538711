public import TrafficFeatures
public import WindowFormat

/// Which window stream a window belongs to, for the state the detector keeps per stream
/// (sustained brute force, the models' persistence): the window's delivery `stream` (one per
/// monitor start), its `interface` and its capture `source`. Windows without them (the
/// original design's bodies) share the identity whose fields are all nil.
///
/// The three fields are compared as they are; no field can be made to collide with another
/// (there is no joined string key).
public struct StreamIdentity: Hashable, Sendable, CustomStringConvertible {
    /// The window's delivery `stream` (`WindowEnvelope.stream`).
    public var stream: String?
    /// The window's `interface`.
    public var interface: String?
    /// The window's `source` (`xdp`, `pcap`, `simulation`, or what a client sent).
    public var source: String?

    /// An identity from its parts.
    ///
    /// - Parameters:
    ///   - stream: The delivery stream.
    ///   - interface: The network interface.
    ///   - source: The capture source.
    public init(stream: String? = nil, interface: String? = nil, source: String? = nil) {
        self.stream = stream
        self.interface = interface
        self.source = source
    }

    /// The identity of a window delivered without a stream: its interface and capture source.
    ///
    /// - Parameter window: A window.
    public init(_ window: TrafficWindow) {
        self.init(stream: nil, interface: window.interface, source: window.source?.rawValue)
    }

    /// The identity of the stream a delivered window belongs to: the envelope's `stream` and
    /// `source` (as the sender named it) and the window's `interface`.
    ///
    /// - Parameter envelope: A window as it was delivered.
    public init(_ envelope: WindowEnvelope) {
        self.init(stream: envelope.stream, interface: envelope.window.interface, source: envelope.source)
    }

    /// `stream/interface/source`, `-` for a missing part.
    public var description: String { [stream, interface, source].map { $0 ?? "-" }.joined(separator: "/") }
}

/// A bounded table of per-stream state with segmented LRU eviction, so that no number of new
/// stream identities can empty it and the streams that keep posting keep their state.
///
/// A new stream enters a *probation* segment (a fifth of the capacity); only when it posts a
/// second window is it promoted to the *protected* segment (the rest). Each segment forgets its
/// least recently used entry when full — a protected entry forgotten that way moves back to
/// probation first — so a flood of identities that post once each (a misconfigured client, or
/// one trying to wipe the detector's memory) only cycles through probation, while a stream that
/// posted twice keeps its state until more streams than the protected segment holds have posted
/// again since it last did. Every entry forgotten is counted in ``evictions``.
///
/// All operations are O(1). Not thread-safe: the owner locks. The detector keys it by
/// ``StreamIdentity``; the service's delivery ledger by the windows' `stream`.
public struct StreamStates<Key: Hashable, Value> {
    fileprivate struct Node {
        var key: Key
        var value: Value
        var protected: Bool
        var previous: Int?
        var next: Int?
    }

    /// A doubly linked list over `nodes` indices, most recently used first.
    private struct List {
        var head: Int?
        var tail: Int?
        var count = 0
    }

    /// Most streams held.
    public let capacity: Int
    /// Most streams in the protected segment (the rest of ``capacity`` is probation).
    public let protectedCapacity: Int
    /// Streams forgotten because the table was full.
    public private(set) var evictions = 0

    private var nodes: [Node?] = []
    private var free: [Int] = []
    private var index: [Key: Int] = [:]
    private var probation = List()
    private var protected = List()

    /// An empty table of at most `capacity` (≥ 1) streams.
    ///
    /// - Parameter capacity: Most streams held; a fifth of them (at least one) is probation.
    public init(capacity: Int) {
        precondition(capacity >= 1, "a stream table holds at least one stream")
        self.capacity = capacity
        protectedCapacity = capacity - max(1, capacity / 5)
    }

    /// Streams held.
    public var count: Int { index.count }

    /// The stream's state (nil when not held), without counting as a use.
    ///
    /// - Parameter key: The stream.
    public func peek(_ key: Key) -> Value? {
        index[key].flatMap { nodes[$0]?.value }
    }

    /// Runs `body` on the stream's state, created with `make` when not held (which may push out
    /// the least recently used stream of probation); counts as a use (a held stream is promoted
    /// or moved to the front of its segment).
    ///
    /// - Parameters:
    ///   - key: The stream.
    ///   - make: The state of a stream not held.
    ///   - body: Reads or changes the state.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws; the stream is held (and used) all the same.
    public mutating func update<Result, E: Error>(
        _ key: Key, make: () -> Value, _ body: (inout Value) throws(E) -> Result
    ) throws(E) -> Result {
        let slot: Int
        if let held = index[key] {
            slot = held
            use(slot)
        } else {
            slot = insert(key, make())
        }
        return try body(&nodes[slot]!.value)
    }

    private mutating func insert(_ key: Key, _ value: Value) -> Int {
        if probation.count >= capacity - protectedCapacity, let oldest = probation.tail {
            remove(oldest)
            evictions += 1
        }
        let node = Node(key: key, value: value, protected: false)
        let slot: Int
        if let reused = free.popLast() {
            nodes[reused] = node
            slot = reused
        } else {
            nodes.append(node)
            slot = nodes.count - 1
        }
        index[key] = slot
        pushFront(slot, protected: false)
        return slot
    }

    /// A held stream was used: a protected one moves to the front, a probation one is promoted
    /// (the protected segment's oldest moving back to probation when it is full).
    private mutating func use(_ slot: Int) {
        let wasProtected = nodes[slot]!.protected
        unlink(slot)
        if !wasProtected, protected.count >= protectedCapacity, let oldest = protected.tail {
            unlink(oldest)
            if probation.count >= capacity - protectedCapacity, let victim = probation.tail {
                remove(victim)
                evictions += 1
            }
            pushFront(oldest, protected: false)
        }
        pushFront(slot, protected: protectedCapacity > 0)
    }

    private mutating func remove(_ slot: Int) {
        unlink(slot)
        index[nodes[slot]!.key] = nil
        nodes[slot] = nil
        free.append(slot)
    }

    private mutating func pushFront(_ slot: Int, protected isProtected: Bool) {
        nodes[slot]!.protected = isProtected
        nodes[slot]!.previous = nil
        var list = isProtected ? protected : probation
        nodes[slot]!.next = list.head
        if let head = list.head { nodes[head]!.previous = slot }
        list.head = slot
        if list.tail == nil { list.tail = slot }
        list.count += 1
        if isProtected { protected = list } else { probation = list }
    }

    private mutating func unlink(_ slot: Int) {
        let node = nodes[slot]!
        var list = node.protected ? protected : probation
        if let previous = node.previous { nodes[previous]!.next = node.next } else { list.head = node.next }
        if let next = node.next { nodes[next]!.previous = node.previous } else { list.tail = node.previous }
        list.count -= 1
        if node.protected { protected = list } else { probation = list }
        nodes[slot]!.previous = nil
        nodes[slot]!.next = nil
    }
}

extension StreamStates: Sendable where Key: Sendable, Value: Sendable {}
extension StreamStates.Node: Sendable where Key: Sendable, Value: Sendable {}
