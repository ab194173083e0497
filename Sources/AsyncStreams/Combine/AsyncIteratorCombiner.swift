/// Merges several async sequences: race them, rotate over them, or wait for one value from each.
///
/// Typical use is a parent that runs a few children in parallel and forwards their progress as it arrives:
///
/// ```swift
/// let combiner = AsyncIteratorCombiner(sentiment.progress, topics.progress, keywords.progress)
/// for try await update in combiner.raceGenerator() {
///     report(update)   // from whichever child produced first
/// }
/// ```
///
/// **One iterator per source, shared by every method.** Each source is iterated by one *pump* task,
/// created the first time a value is requested from it. A pump calls `next()` only on demand, so there
/// is **at most one outstanding `next()` per source**; a value that arrives but is not consumed yet (it
/// lost a race) is kept and served by the next call of any method, never re-requested, lost or
/// reordered. Methods can be mixed: `all()` then `raceGenerator()` continues where `all()` left off.
///
/// **Methods.** ``raceGenerator()`` yields values in the order they arrive, across sources, and ends
/// when every source is exhausted. ``roundRobin()`` takes one value from each live source in turn.
/// ``all()`` waits for one value from every source. ``race()`` returns the first value to arrive.
/// ``any()`` is like `race()` but skips sources that fail (`Promise.any`). ``size`` counts the sources
/// not yet exhausted.
///
/// **Errors:** an error from any source is rethrown at
/// once by ``raceGenerator()``, ``roundRobin()``, ``race()`` and ``all()``, and the combiner *closes*:
/// every pump is cancelled, ``size`` becomes 0, and later calls find nothing (sequences end, `race()`
/// and `any()` return `nil`, `all()` returns an array of `nil`). Only ``any()`` tolerates failures; it
/// throws ``CombinerError`` when all sources fail.
///
/// **Final values.** Swift sequences have no return value, so there is no flag for forwarding one: a
/// source that wants its final result forwarded yields it as its last element (for example a
/// `StreamStep`-style enum with `.progress` and `.final` cases), and the combiner passes it on like any
/// other element; filter the merged sequence to drop final values.
///
/// **Cancellation and lifetime.** Cancelling a consumer that is waiting in any method closes the
/// combiner and cancels every pump task (sequence iterators then return `nil`; `race()`, `all()` and
/// `any()` throw `CancellationError`). Releasing the combiner (and every sequence made from it) also
/// cancels the pumps. A source that ignores cancellation keeps its pump alive until its pending `next()`
/// returns; that value is dropped.
///
/// **Concurrency.** Thread-safe: methods may be called from any isolation domain, and several consumers
/// may pull at once (each value goes to exactly one). Sources must be `Sendable`, since they are
/// iterated in their pump tasks.
public final class AsyncIteratorCombiner<Element: Sendable>: Sendable {
    let storage: CombinerStorage<Element>

    /// Combines one sequence (the combiner then only adds its shared-iterator methods).
    public init<First: AsyncSequence & Sendable>(_ first: First) where First.Element == Element {
        storage = CombinerStorage(sources: [CombinerSource(first)])
    }

    /// Combines two sequences, of any types and failure types.
    public init<First: AsyncSequence & Sendable, Second: AsyncSequence & Sendable>(_ first: First, _ second: Second)
    where First.Element == Element, Second.Element == Element {
        storage = CombinerStorage(sources: [CombinerSource(first), CombinerSource(second)])
    }

    /// Combines three sequences, of any types and failure types.
    public init<First: AsyncSequence & Sendable, Second: AsyncSequence & Sendable, Third: AsyncSequence & Sendable>(
        _ first: First, _ second: Second, _ third: Third
    ) where First.Element == Element, Second.Element == Element, Third.Element == Element {
        storage = CombinerStorage(sources: [CombinerSource(first), CombinerSource(second), CombinerSource(third)])
    }

    /// Combines four sequences, of any types and failure types. Up to eight take the same form; for a
    /// number known only at run time, pass an array.
    public init<
        First: AsyncSequence & Sendable, Second: AsyncSequence & Sendable, Third: AsyncSequence & Sendable,
        Fourth: AsyncSequence & Sendable
    >(
        _ first: First, _ second: Second, _ third: Third, _ fourth: Fourth
    ) where First.Element == Element, Second.Element == Element, Third.Element == Element, Fourth.Element == Element {
        storage = CombinerStorage(sources: [
            CombinerSource(first), CombinerSource(second), CombinerSource(third), CombinerSource(fourth),
        ])
    }

    init(sources: [CombinerSource<Element>]) {
        storage = CombinerStorage(sources: sources)
    }

    /// Combines an array of sequences of one type.
    public init<Source: AsyncSequence & Sendable>(_ sources: [Source]) where Source.Element == Element {
        storage = CombinerStorage(sources: sources.map { CombinerSource($0) })
    }

    /// Combines an array of type-erased throwing sequences (sequences of different types).
    public init(_ sources: [any AsyncSequence<Element, any Error> & Sendable]) {
        storage = CombinerStorage(sources: sources.map { Self.erase($0) })
    }

    /// Combines an array of type-erased non-throwing sequences (sequences of different types).
    public init(_ sources: [any AsyncSequence<Element, Never> & Sendable]) {
        storage = CombinerStorage(sources: sources.map { Self.erase($0) })
    }

    private static func erase<Source: AsyncSequence & Sendable>(_ source: Source) -> CombinerSource<Element>
    where Source.Element == Element {
        CombinerSource(source)
    }

    deinit { storage.close() }

    /// The number of sources not yet exhausted; 0 once the combiner closed after an error or cancellation.
    public var size: Int { storage.liveCount }

    /// The values of every source, in the order they arrive.
    ///
    /// Each pull requests a value from every live source that has no request outstanding and returns the
    /// earliest value that arrived; values that arrived later wait for the next pull. Per-source order is
    /// preserved. Exhausted sources are removed; the sequence ends when all are exhausted.
    ///
    /// - Throws: the first error of any source, at once; the combiner then closes.
    public func raceGenerator() -> RaceSequence<Element> { RaceSequence(combiner: self) }

    /// One value from each live source in turn (rotation), skipping exhausted sources.
    ///
    /// Only the source whose turn it is is asked for a value.
    ///
    /// - Throws: the first error met, at once; the combiner then closes.
    public func roundRobin() -> RoundRobinSequence<Element> { RoundRobinSequence(combiner: self) }

    /// One value from every source, in source order.
    ///
    /// - Returns: an array with one entry per source given at construction: the next value of that
    ///   source, or `nil` when it is exhausted.
    /// - Throws: the first error of any source (the combiner then closes), or `CancellationError`.
    public func all() async throws -> [Element?] {
        guard let result = await storage.consume({ machine, effects in machine.pollAll(effects: &effects) }) else {
            throw CancellationError()
        }
        return try result.get()
    }

    /// The first value to arrive from any source.
    ///
    /// Values from the other sources are not lost: they stay for the next call.
    ///
    /// - Returns: the value, or `nil` when every source is exhausted.
    /// - Throws: the error of a source that failed first (the combiner then closes), or
    ///   `CancellationError`.
    public func race() async throws -> Element? {
        guard let result = await storage.consume({ machine, effects in machine.pollRace(effects: &effects) }) else {
            throw CancellationError()
        }
        return try result.get()
    }

    /// The first value any source produces successfully; failing sources are dropped (`Promise.any`).
    ///
    /// - Returns: the value, or `nil` when every source ended without a value and none failed.
    /// - Throws: ``CombinerError`` with code ``CombinerError/Code/allFailed`` when the remaining sources
    ///   all failed during this call, or `CancellationError`.
    public func any() async throws -> Element? {
        var failures: [any Error] = []
        let result = await storage.consume { machine, effects in
            machine.pollAny(failures: &failures, effects: &effects)
        }
        guard let result else { throw CancellationError() }
        return try result.get()
    }
}
