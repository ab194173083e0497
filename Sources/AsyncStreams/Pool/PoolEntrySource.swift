/// What a ``HierarchicalTaskPoolRunner`` takes from its source: a body and, for keyed bodies, its key.
struct PoolEntry<Progress: Sendable, Output: Sendable>: Sendable {
    var key: String?
    var body: TaskBody<Progress, Output>
}

/// Serves the elements of a source of bodies or keyed bodies as ``PoolEntry`` values, so the hierarchical
/// loop handles both kinds of source alike. Every call forwards to the base source.
final class PoolEntrySource<Base: TaskSource, Progress: Sendable, Output: Sendable>: TaskSource {
    typealias Element = PoolEntry<Progress, Output>

    private let base: Base
    private let entry: @Sendable (Base.Element) -> Element

    init(_ base: Base, entry: @escaping @Sendable (Base.Element) -> Element) {
        self.base = base
        self.entry = entry
    }

    func peek() -> Element? { base.peek().map(entry) }

    func take(where predicate: (Element) -> Bool) -> Element? {
        base.take { predicate(entry($0)) }.map(entry)
    }

    var isFinished: Bool { base.isFinished }

    func changes() -> AsyncStream<Void> { base.changes() }
}
